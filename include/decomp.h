/*
 * decomp: streaming decompression of the formats barman-cloud writes WAL
 * and history files in: gzip, bzip2, xz, zstd, lz4 (frame format) and
 * snappy (the framing format of python-snappy's stream_compress).  Input
 * arrives in chunks of any size (from curl's write callback); output goes
 * to a sink in chunks, so nothing is buffered whole and nothing touches
 * the disk.
 */
#ifndef CNPGOPS_DECOMP_H
#define CNPGOPS_DECOMP_H

#include <stddef.h>

struct error;
struct strbuf;

enum decomp_kind {
	DECOMP_NONE = 0,
	DECOMP_GZIP,
	DECOMP_BZIP2,
	DECOMP_XZ,
	DECOMP_ZSTD,
	DECOMP_LZ4,
	DECOMP_SNAPPY
};

/*
 * The kind of a file-name suffix as barman writes it ("gz", "bz2", "xz",
 * "zst", "lz4", "snappy"; NULL or "" is DECOMP_NONE); -1 if unknown.
 */
int decomp_kind_of(const char *suffix);
/* "gzip", "bzip2", ... for messages. */
const char *decomp_name(enum decomp_kind kind);

/*
 * Where output goes: return 0 to go on, or -1 with err set to stop (that
 * error is passed up by decomp_feed/decomp_finish).
 */
typedef int (*decomp_sink)(void *data, const void *buf, size_t len,
			   struct error *err);

struct decomp;

/* A decompressor of kind (DECOMP_NONE passes the input through). */
struct decomp *decomp_new(enum decomp_kind kind, decomp_sink sink, void *data);

/*
 * Feed len bytes of compressed input.  Errors: ERR_CATALOG for corrupt
 * input (the message names the format), or the sink's error.
 */
int decomp_feed(struct decomp *d, const void *buf, size_t len,
		struct error *err);

/* After the last chunk: ERR_CATALOG if the input ended mid-stream. */
int decomp_finish(struct decomp *d, struct error *err);

/* Bytes of output produced so far. */
unsigned long long decomp_out_bytes(const struct decomp *d);

/* NULL is a no-op. */
void decomp_free(struct decomp *d);

/*
 * Decompress a whole buffer into out (appended), failing with ERR_CATALOG
 * past max bytes of output.
 */
int decomp_buffer(struct strbuf *out, enum decomp_kind kind, const void *buf,
		  size_t len, size_t max, struct error *err);

#endif
