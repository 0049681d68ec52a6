/*
 * libFuzzer target: the WAL decoder on arbitrary bytes, fed in chunks
 * whose size the first byte picks, as the start of a 1 MiB segment.  The
 * decoder must stop cleanly whatever the bytes; a second decoder is
 * continued from the first one's pending record with the input's tail.
 */
#include <stdint.h>
#include <stdlib.h>

#include "errors.h"
#include "waldec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
on_event(void *data, const struct wal_event *ev, struct error *err)
{
	uint64_t *last = data;

	(void)err;
	if (ev->lsn < *last || ev->end_lsn <= ev->lsn ||
	    ev->name[sizeof(ev->name) - 1] != '\0')
		abort(); /* events come in LSN order, and names end */
	*last = ev->lsn;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	uint64_t last = 0, last2 = 1u << 20;
	struct waldec *d, *next;
	struct waldec_status st;
	size_t step, off;

	if (size < 1)
		return 0;
	step = (size_t)data[0] * 64 + 1;
	d = waldec_new(0, 1u << 20, on_event, &last);
	next = waldec_new(1u << 20, 1u << 20, on_event, &last2);
	for (off = 1; off < size; off += step)
		if (waldec_feed(d, data + off,
				size - off < step ? size - off : step, &err))
			abort();
	if (waldec_feed(next, data + 1, size - 1, &err) ||
	    waldec_continue(d, next, &err))
		abort();
	waldec_status(d, &st);
	if (st.end == WALDEC_END_INVALID && !st.reason[0])
		abort();
	waldec_free(d);
	waldec_free(next);
	error_clear(&err);
	return 0;
}
