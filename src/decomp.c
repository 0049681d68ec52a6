/*
 * Streaming decompression for barman-cloud's formats.  Each kind keeps
 * its library's stream state; snappy's framing format is parsed here (the
 * library only decodes the blocks inside the frames).
 */
#include "decomp.h"

#include <bzlib.h>
#include <lz4frame.h>
#include <lzma.h>
#include <snappy-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "crc32c.h"
#include "errors.h"
#include "strbuf.h"
#include "xmalloc.h"

#define OUT_CHUNK 65536
/* snappy framing: at most 65536 bytes of data per chunk, plus the CRC */
#define SNAPPY_MAX_DATA	 65536
#define SNAPPY_MAX_CHUNK (4 + 76490)

struct decomp {
	enum decomp_kind kind;
	decomp_sink sink;
	void *data;
	unsigned long long out_bytes;
	int ended; /* the current stream/frame is complete */
	int started; /* some input has been seen */
	unsigned char *out; /* OUT_CHUNK bytes */
	union {
		z_stream z;
		bz_stream bz;
		lzma_stream xz;
		ZSTD_DStream *zstd;
		LZ4F_dctx *lz4;
	} u;
	int lib_ready;
	/* snappy framing state */
	unsigned char hdr[4];
	size_t hdr_have;
	size_t chunk_len, chunk_have;
	int chunk_type;
	unsigned char *chunk; /* SNAPPY_MAX_CHUNK bytes */
	int snappy_seen_id;
};

int
decomp_kind_of(const char *suffix)
{
	static const struct {
		const char *suffix;
		enum decomp_kind kind;
	} map[] = {
		{ "gz", DECOMP_GZIP }, { "bz2", DECOMP_BZIP2 },
		{ "xz", DECOMP_XZ },   { "zst", DECOMP_ZSTD },
		{ "lz4", DECOMP_LZ4 }, { "snappy", DECOMP_SNAPPY },
	};
	size_t i;

	if (!suffix || !*suffix)
		return DECOMP_NONE;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(suffix, map[i].suffix) == 0)
			return (int)map[i].kind;
	return -1;
}

const char *
decomp_name(enum decomp_kind kind)
{
	switch (kind) {
	case DECOMP_NONE:
		return "uncompressed";
	case DECOMP_GZIP:
		return "gzip";
	case DECOMP_BZIP2:
		return "bzip2";
	case DECOMP_XZ:
		return "xz";
	case DECOMP_ZSTD:
		return "zstd";
	case DECOMP_LZ4:
		return "lz4";
	case DECOMP_SNAPPY:
		return "snappy";
	}
	return "unknown";
}

static int
emit(struct decomp *d, const void *buf, size_t len, struct error *err)
{
	if (!len)
		return 0;
	d->out_bytes += len;
	return d->sink(d->data, buf, len, err);
}

static int
corrupt(struct decomp *d, const char *what, struct error *err)
{
	return error_set(err, ERR_CATALOG, "corrupt %s data: %s",
			 decomp_name(d->kind), what);
}

static int
lib_init(struct decomp *d)
{
	switch (d->kind) {
	case DECOMP_GZIP:
		/* 16 + MAX_WBITS: gzip wrapper only */
		if (inflateInit2(&d->u.z, 16 + MAX_WBITS) != Z_OK)
			return -1;
		break;
	case DECOMP_BZIP2:
		if (BZ2_bzDecompressInit(&d->u.bz, 0, 0) != BZ_OK)
			return -1;
		break;
	case DECOMP_XZ: {
		lzma_stream init = LZMA_STREAM_INIT;

		d->u.xz = init;
		if (lzma_stream_decoder(&d->u.xz, UINT64_MAX,
					LZMA_CONCATENATED) != LZMA_OK)
			return -1;
		break;
	}
	case DECOMP_ZSTD:
		d->u.zstd = ZSTD_createDStream();
		if (!d->u.zstd || ZSTD_isError(ZSTD_initDStream(d->u.zstd)))
			return -1;
		break;
	case DECOMP_LZ4:
		if (LZ4F_isError(LZ4F_createDecompressionContext(&d->u.lz4,
								 LZ4F_VERSION)))
			return -1;
		break;
	case DECOMP_NONE:
	case DECOMP_SNAPPY:
		break;
	}
	d->lib_ready = 1;
	return 0;
}

static void
lib_end(struct decomp *d)
{
	if (!d->lib_ready)
		return;
	switch (d->kind) {
	case DECOMP_GZIP:
		inflateEnd(&d->u.z);
		break;
	case DECOMP_BZIP2:
		BZ2_bzDecompressEnd(&d->u.bz);
		break;
	case DECOMP_XZ:
		lzma_end(&d->u.xz);
		break;
	case DECOMP_ZSTD:
		ZSTD_freeDStream(d->u.zstd);
		break;
	case DECOMP_LZ4:
		LZ4F_freeDecompressionContext(d->u.lz4);
		break;
	case DECOMP_NONE:
	case DECOMP_SNAPPY:
		break;
	}
	d->lib_ready = 0;
}

struct decomp *
decomp_new(enum decomp_kind kind, decomp_sink sink, void *data)
{
	struct decomp *d = xcalloc(1, sizeof(*d));

	d->kind = kind;
	d->sink = sink;
	d->data = data;
	d->out = xmalloc(OUT_CHUNK);
	if (kind == DECOMP_SNAPPY)
		d->chunk = xmalloc(SNAPPY_MAX_CHUNK);
	if (lib_init(d)) {
		/* only an allocation failure makes the libraries refuse */
		decomp_free(d);
		xalloc_die();
	}
	return d;
}

void
decomp_free(struct decomp *d)
{
	if (!d)
		return;
	lib_end(d);
	free(d->out);
	free(d->chunk);
	free(d);
}

unsigned long long
decomp_out_bytes(const struct decomp *d)
{
	return d->out_bytes;
}

static int
feed_gzip(struct decomp *d, const unsigned char *in, size_t len,
	  struct error *err)
{
	z_stream *z = &d->u.z;

	while (len) {
		int rc;

		if (d->ended) {
			/* another gzip member follows */
			if (inflateReset(z) != Z_OK)
				return corrupt(d, "cannot restart", err);
			d->ended = 0;
		}
		z->next_in = (unsigned char *)(uintptr_t)in;
		z->avail_in = len > UINT32_MAX ? UINT32_MAX : (uInt)len;
		z->next_out = d->out;
		z->avail_out = OUT_CHUNK;
		rc = inflate(z, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
			return corrupt(d, z->msg ? z->msg : "inflate failed",
				       err);
		if (emit(d, d->out, OUT_CHUNK - z->avail_out, err))
			return -1;
		len -= (size_t)(z->next_in - in);
		in = z->next_in;
		if (rc == Z_STREAM_END)
			d->ended = 1;
		else if (rc == Z_BUF_ERROR && z->avail_out == OUT_CHUNK)
			break; /* needs more input */
	}
	return 0;
}

static int
feed_bzip2(struct decomp *d, const unsigned char *in, size_t len,
	   struct error *err)
{
	bz_stream *bz = &d->u.bz;

	while (len) {
		int rc;
		size_t used;

		if (d->ended) {
			BZ2_bzDecompressEnd(bz);
			memset(bz, 0, sizeof(*bz));
			if (BZ2_bzDecompressInit(bz, 0, 0) != BZ_OK)
				xalloc_die();
			d->ended = 0;
		}
		bz->next_in = (char *)(uintptr_t)in;
		bz->avail_in = len > UINT32_MAX ? UINT32_MAX : (unsigned)len;
		bz->next_out = (char *)d->out;
		bz->avail_out = OUT_CHUNK;
		rc = BZ2_bzDecompress(bz);
		if (rc != BZ_OK && rc != BZ_STREAM_END)
			return corrupt(d, "invalid bzip2 stream", err);
		if (emit(d, d->out, OUT_CHUNK - bz->avail_out, err))
			return -1;
		used = (size_t)((const unsigned char *)bz->next_in - in);
		len -= used;
		in += used;
		if (rc == BZ_STREAM_END)
			d->ended = 1;
		else if (!used && bz->avail_out == OUT_CHUNK)
			break;
	}
	return 0;
}

static int
feed_xz(struct decomp *d, const unsigned char *in, size_t len,
	struct error *err)
{
	lzma_stream *s = &d->u.xz;

	s->next_in = in;
	s->avail_in = len;
	while (s->avail_in) {
		lzma_ret rc;

		s->next_out = d->out;
		s->avail_out = OUT_CHUNK;
		rc = lzma_code(s, LZMA_RUN);
		if (rc != LZMA_OK && rc != LZMA_STREAM_END)
			return corrupt(d,
				       rc == LZMA_FORMAT_ERROR ? "not xz"
				       : rc == LZMA_DATA_ERROR ? "bad data"
				       : rc == LZMA_BUF_ERROR  ? "truncated"
							      : "decoder error",
				       err);
		if (emit(d, d->out, OUT_CHUNK - s->avail_out, err))
			return -1;
		if (rc == LZMA_STREAM_END)
			break;
	}
	return 0;
}

static int
feed_zstd(struct decomp *d, const unsigned char *in, size_t len,
	  struct error *err)
{
	ZSTD_inBuffer ib = { in, len, 0 };

	while (ib.pos < ib.size) {
		ZSTD_outBuffer ob = { d->out, OUT_CHUNK, 0 };
		size_t rc = ZSTD_decompressStream(d->u.zstd, &ob, &ib);

		if (ZSTD_isError(rc))
			return corrupt(d, ZSTD_getErrorName(rc), err);
		if (emit(d, d->out, ob.pos, err))
			return -1;
		d->ended = rc == 0;
	}
	return 0;
}

static int
feed_lz4(struct decomp *d, const unsigned char *in, size_t len,
	 struct error *err)
{
	while (len) {
		size_t out_len = OUT_CHUNK, in_len = len;
		size_t rc = LZ4F_decompress(d->u.lz4, d->out, &out_len, in,
					    &in_len, NULL);

		if (LZ4F_isError(rc))
			return corrupt(d, LZ4F_getErrorName(rc), err);
		if (emit(d, d->out, out_len, err))
			return -1;
		in += in_len;
		len -= in_len;
		d->ended = rc == 0;
		if (!in_len && !out_len)
			break;
	}
	return 0;
}

static uint32_t
snappy_unmask(uint32_t masked)
{
	uint32_t rot = masked - 0xa282ead8u;

	return (rot >> 17) | (rot << 15);
}

static int
snappy_chunk(struct decomp *d, struct error *err)
{
	const unsigned char *p = d->chunk;
	uint32_t want;
	size_t n = SNAPPY_MAX_DATA;

	switch (d->chunk_type) {
	case 0xff:
		if (d->chunk_len != 6 || memcmp(p, "sNaPpY", 6) != 0)
			return corrupt(d, "bad stream identifier", err);
		d->snappy_seen_id = 1;
		return 0;
	case 0x00:
	case 0x01:
		if (!d->snappy_seen_id)
			return corrupt(d, "no stream identifier", err);
		if (d->chunk_len < 4)
			return corrupt(d, "short chunk", err);
		want = snappy_unmask((uint32_t)p[0] | (uint32_t)p[1] << 8 |
				     (uint32_t)p[2] << 16 |
				     (uint32_t)p[3] << 24);
		if (d->chunk_type == 0x01) {
			n = d->chunk_len - 4;
			if (n > SNAPPY_MAX_DATA)
				return corrupt(d, "chunk too long", err);
			memcpy(d->out, p + 4, n);
		} else if (snappy_uncompressed_length((const char *)p + 4,
						      d->chunk_len - 4,
						      &n) != SNAPPY_OK ||
			   n > SNAPPY_MAX_DATA ||
			   snappy_uncompress((const char *)p + 4,
					     d->chunk_len - 4, (char *)d->out,
					     &n) != SNAPPY_OK) {
			return corrupt(d, "bad compressed chunk", err);
		}
		if (crc32c(d->out, n) != want)
			return corrupt(d, "checksum mismatch", err);
		return emit(d, d->out, n, err);
	default:
		/* 0xfe padding and 0x80-0xfd are skipped (not buffered) */
		return corrupt(d, "reserved unskippable chunk", err);
	}
}

static int
feed_snappy(struct decomp *d, const unsigned char *in, size_t len,
	    struct error *err)
{
	while (len) {
		size_t take;

		if (d->hdr_have < 4) {
			d->hdr[d->hdr_have++] = *in++;
			len--;
			if (d->hdr_have < 4)
				continue;
			d->chunk_type = d->hdr[0];
			d->chunk_len = (size_t)d->hdr[1] |
				       (size_t)d->hdr[2] << 8 |
				       (size_t)d->hdr[3] << 16;
			d->chunk_have = 0;
			if (d->chunk_type < 0x80 && d->chunk_type > 0x01)
				return corrupt(d, "reserved unskippable chunk",
					       err);
			if (d->chunk_type < 0x80 &&
			    d->chunk_len > SNAPPY_MAX_CHUNK)
				return corrupt(d, "chunk too long", err);
			if (d->chunk_type == 0xff && d->chunk_len != 6)
				return corrupt(d, "bad stream identifier", err);
		}
		take = d->chunk_len - d->chunk_have;
		if (take > len)
			take = len;
		if (d->chunk_type < 0x80 || d->chunk_type == 0xff)
			memcpy(d->chunk + d->chunk_have, in, take);
		d->chunk_have += take;
		in += take;
		len -= take;
		if (d->chunk_have == d->chunk_len) {
			d->hdr_have = 0;
			if ((d->chunk_type < 0x80 || d->chunk_type == 0xff) &&
			    snappy_chunk(d, err))
				return -1;
		}
	}
	return 0;
}

int
decomp_feed(struct decomp *d, const void *buf, size_t len, struct error *err)
{
	const unsigned char *in = buf;

	if (len)
		d->started = 1;
	switch (d->kind) {
	case DECOMP_NONE:
		return emit(d, in, len, err);
	case DECOMP_GZIP:
		return feed_gzip(d, in, len, err);
	case DECOMP_BZIP2:
		return feed_bzip2(d, in, len, err);
	case DECOMP_XZ:
		return feed_xz(d, in, len, err);
	case DECOMP_ZSTD:
		return feed_zstd(d, in, len, err);
	case DECOMP_LZ4:
		return feed_lz4(d, in, len, err);
	case DECOMP_SNAPPY:
		return feed_snappy(d, in, len, err);
	}
	return error_set(err, ERR_INTERNAL, "unknown compression");
}

int
decomp_finish(struct decomp *d, struct error *err)
{
	switch (d->kind) {
	case DECOMP_NONE:
		return 0;
	case DECOMP_XZ: {
		lzma_stream *s = &d->u.xz;
		lzma_ret rc;

		s->next_in = NULL;
		s->avail_in = 0;
		do {
			s->next_out = d->out;
			s->avail_out = OUT_CHUNK;
			rc = lzma_code(s, LZMA_FINISH);
			if (emit(d, d->out, OUT_CHUNK - s->avail_out, err))
				return -1;
		} while (rc == LZMA_OK && s->avail_out == 0);
		if (rc != LZMA_STREAM_END)
			return corrupt(d, "truncated", err);
		return 0;
	}
	case DECOMP_SNAPPY:
		if (!d->snappy_seen_id || d->hdr_have)
			return corrupt(d, "truncated", err);
		return 0;
	case DECOMP_GZIP:
	case DECOMP_BZIP2:
	case DECOMP_ZSTD:
	case DECOMP_LZ4:
		if (!d->started || !d->ended)
			return corrupt(d, "truncated", err);
		return 0;
	}
	return 0;
}

struct buf_sink {
	struct strbuf *out;
	size_t max, start;
	enum decomp_kind kind;
};

static int
to_buf(void *data, const void *buf, size_t len, struct error *err)
{
	struct buf_sink *s = data;

	if (s->out->len - s->start + len > s->max)
		return error_set(err, ERR_CATALOG,
				 "%s data expands past %zu bytes",
				 decomp_name(s->kind), s->max);
	strbuf_add(s->out, buf, len);
	return 0;
}

int
decomp_buffer(struct strbuf *out, enum decomp_kind kind, const void *buf,
	      size_t len, size_t max, struct error *err)
{
	struct buf_sink s = { out, max, out->len, kind };
	struct decomp *d = decomp_new(kind, to_buf, &s);
	int rc = 0;

	if (decomp_feed(d, buf, len, err) || decomp_finish(d, err)) {
		strbuf_setlen(out, s.start);
		rc = -1;
	}
	decomp_free(d);
	return rc;
}
