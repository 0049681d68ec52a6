/*
 * libFuzzer target: the listing parsers of the GCS (JSON) and Azure (List
 * Blobs XML) dialects, fed a page in pieces of arbitrary sizes; the first
 * byte picks the dialect and the piece size.  Names must come out as
 * strings, in any order the input gives, without crashing or leaking.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "store.h"
#include "store_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
on_object(void *data, const struct store_object *obj, struct error *err)
{
	(void)err;
	(*(size_t *)data) += strlen(obj->key) + (obj->etag ? 1 : 0);
	return 0;
}

static int
on_prefix(void *data, const char *prefix, struct error *err)
{
	(void)err;
	(*(size_t *)data) += strlen(prefix);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct store_dialect *d;
	size_t seen = 0, off = 1, piece;
	struct store_list_cb cb = { on_object, on_prefix, &seen };
	struct error err = ERROR_INIT;
	void *p;

	if (size < 1)
		return 0;
	d = data[0] & 1 ? &azure_dialect : &gcs_dialect;
	piece = 1 + (data[0] >> 1) % 61;
	p = d->list_new(&cb);
	while (off < size) {
		size_t n = size - off < piece ? size - off : piece;

		if (d->list_feed(p, (const char *)data + off, n,
				 off + n == size, &err))
			break;
		off += n;
	}
	if (size == 1)
		(void)d->list_feed(p, "", 0, 1, &err);
	(void)d->list_count(p);
	(void)d->list_next_token(p);
	d->list_free(p);
	error_clear(&err);
	return 0;
}
