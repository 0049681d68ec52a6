/*
 * libFuzzer target: the streaming decompressors.  The first byte picks the
 * format, the second the chunk size the input is fed in; output is capped
 * by the sink so a bomb ends early.
 */
#include <stdint.h>
#include <stdlib.h>

#include "decomp.h"
#include "errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
sink(void *data, const void *buf, size_t len, struct error *err)
{
	size_t *total = data;

	(void)buf;
	*total += len;
	if (*total > (8u << 20))
		return error_set(err, ERR_CATALOG, "too much output");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	struct decomp *d;
	size_t total = 0, step, off;
	int rc = 0;

	if (size < 2)
		return 0;
	d = decomp_new((enum decomp_kind)(data[0] % 7), sink, &total);
	step = (size_t)data[1] * 16 + 1;
	for (off = 2; off < size && !rc; off += step)
		rc = decomp_feed(d, data + off,
				 size - off < step ? size - off : step, &err);
	if (!rc)
		rc = decomp_finish(d, &err);
	if (rc && err.code != ERR_CATALOG)
		abort(); /* corrupt input is ERR_CATALOG and nothing else */
	if (decomp_out_bytes(d) != total)
		abort();
	decomp_free(d);
	error_clear(&err);
	return 0;
}
