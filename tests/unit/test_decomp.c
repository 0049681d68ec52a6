/*
 * decomp: every format barman-cloud writes, decoded from files the real
 * tools made (tests/fixtures/decomp/make.sh), fed whole and in chunks of
 * awkward sizes; truncated and corrupted input is refused.  crc32c is
 * checked here too (the snappy framing rests on it).
 */
#include <stdio.h>
#include <stdlib.h>

#include "crc32c.h"
#include "decomp.h"
#include "errors.h"
#include "strbuf.h"
#include "test.h"

/* The plain text make.sh compresses. */
static void
plain_text(struct strbuf *sb)
{
	int i;

	for (i = 0; i < 2000; i++)
		strbuf_addf(sb, "%05d\t0/%X\tno recovery target specified\n", i,
			    (unsigned)i * 4096);
}

static const struct {
	const char *file;
	const char *suffix;
} files[] = {
	{ "decomp/plain.gz", "gz" },	     { "decomp/two.gz", "gz" },
	{ "decomp/plain.bz2", "bz2" },	     { "decomp/plain.xz", "xz" },
	{ "decomp/plain.zst", "zst" },	     { "decomp/plain.lz4", "lz4" },
	{ "decomp/plain.snappy", "snappy" },
};

struct collect {
	struct strbuf sb;
	size_t calls;
};

static int
collect(void *data, const void *buf, size_t len, struct error *err)
{
	struct collect *c = data;

	(void)err;
	c->calls++;
	strbuf_add(&c->sb, buf, len);
	return 0;
}

/* Decode data in chunks of step bytes; 0 on success. */
static int
decode(struct strbuf *out, int kind, const char *data, size_t len, size_t step,
       struct error *err)
{
	struct collect c = { STRBUF_INIT, 0 };
	struct decomp *d = decomp_new((enum decomp_kind)kind, collect, &c);
	size_t off;
	int rc = 0;

	for (off = 0; off < len && !rc; off += step)
		rc = decomp_feed(d, data + off,
				 len - off < step ? len - off : step, err);
	if (!rc)
		rc = decomp_finish(d, err);
	if (!rc && decomp_out_bytes(d) != c.sb.len)
		rc = error_set(err, ERR_INTERNAL, "count");
	decomp_free(d);
	strbuf_add(out, c.sb.buf, c.sb.len);
	strbuf_release(&c.sb);
	return rc;
}

static void
decomp_reads_every_format_in_any_chunking(void)
{
	static const size_t steps[] = { 1, 3, 7, 1000, 4096, 1 << 20 };
	struct strbuf want = STRBUF_INIT;
	size_t i, j;

	plain_text(&want);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *data = test_read_fixture(files[i].file, &len);
		int kind = decomp_kind_of(files[i].suffix);

		CHECK(kind > 0);
		for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
			struct strbuf got = STRBUF_INIT;
			struct error err = ERROR_INIT;

			if (decode(&got, kind, data, len, steps[j], &err))
				test_fail(__FILE__, __LINE__, "%s step %zu: %s",
					  files[i].file, steps[j], err.msg);
			else if (got.len != want.len ||
				 memcmp(got.buf, want.buf, want.len) != 0)
				test_fail(__FILE__, __LINE__,
					  "%s step %zu: %zu bytes differ from "
					  "the plain text (%zu)",
					  files[i].file, steps[j], got.len,
					  want.len);
			error_clear(&err);
			strbuf_release(&got);
		}
		free(data);
	}
	strbuf_release(&want);
}

static void
decomp_refuses_truncated_input(void)
{
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len, cut;
		char *data = test_read_fixture(files[i].file, &len);
		int kind = decomp_kind_of(files[i].suffix);

		/* cut inside the last frame, and just after the header */
		for (cut = 0; cut < 2; cut++) {
			struct strbuf got = STRBUF_INIT;
			struct error err = ERROR_INIT;
			size_t n = cut ? 12 : len - 5;

			if (!decode(&got, kind, data, n, 4096, &err))
				test_fail(__FILE__, __LINE__,
					  "%s cut to %zu bytes was accepted",
					  files[i].file, n);
			else
				CHECK(err.code == ERR_CATALOG);
			error_clear(&err);
			strbuf_release(&got);
		}
		free(data);
	}
}

static void
decomp_refuses_corrupted_input(void)
{
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		size_t len;
		char *data = test_read_fixture(files[i].file, &len);
		int kind = decomp_kind_of(files[i].suffix);
		struct strbuf got = STRBUF_INIT;
		struct error err = ERROR_INIT;

		/* a flipped bit in the middle of the compressed data: every
		 * format here has a checksum or fails to decode */
		data[len / 2] ^= 0x10;
		if (!decode(&got, kind, data, len, 4096, &err))
			test_fail(__FILE__, __LINE__,
				  "%s with a flipped bit was accepted",
				  files[i].file);
		else
			CHECK(err.code == ERR_CATALOG);
		error_clear(&err);
		strbuf_release(&got);
		free(data);
	}
}

static void
decomp_buffer_caps_the_output(void)
{
	size_t len;
	char *data = test_read_fixture("decomp/plain.gz", &len);
	struct strbuf out = STRBUF_INIT;
	struct error err = ERROR_INIT;

	strbuf_addstr(&out, "kept");
	CHECK(decomp_buffer(&out, DECOMP_GZIP, data, len, 1000, &err) == -1);
	CHECK(err.code == ERR_CATALOG);
	CHECK(strstr(err.msg, "1000 bytes") != NULL);
	CHECK_STR(out.buf, "kept");
	error_clear(&err);
	CHECK(decomp_buffer(&out, DECOMP_GZIP, data, len, 1 << 20, &err) == 0);
	CHECK_INT(out.len, 4 + 87725);
	strbuf_release(&out);
	free(data);
}

static void
decomp_knows_barmans_suffixes(void)
{
	CHECK_INT(decomp_kind_of(NULL), DECOMP_NONE);
	CHECK_INT(decomp_kind_of(""), DECOMP_NONE);
	CHECK_INT(decomp_kind_of("gz"), DECOMP_GZIP);
	CHECK_INT(decomp_kind_of("bz2"), DECOMP_BZIP2);
	CHECK_INT(decomp_kind_of("xz"), DECOMP_XZ);
	CHECK_INT(decomp_kind_of("zst"), DECOMP_ZSTD);
	CHECK_INT(decomp_kind_of("lz4"), DECOMP_LZ4);
	CHECK_INT(decomp_kind_of("snappy"), DECOMP_SNAPPY);
	CHECK_INT(decomp_kind_of("zip"), -1);
	CHECK_STR(decomp_name(DECOMP_ZSTD), "zstd");
}

static void
crc32c_matches_the_standard_check_values(void)
{
	/* RFC 3720 B.4 and the "123456789" check value */
	unsigned char zeros[32] = { 0 }, ones[32], inc[32];
	struct strbuf big = STRBUF_INIT;
	size_t i;
	uint32_t a, b;

	for (i = 0; i < 32; i++) {
		ones[i] = 0xFF;
		inc[i] = (unsigned char)i;
	}
	CHECK_INT(crc32c("123456789", 9), 0xE3069283u);
	CHECK_INT(crc32c(zeros, 32), 0x8A9136AAu);
	CHECK_INT(crc32c(ones, 32), 0x62A8AB43u);
	CHECK_INT(crc32c(inc, 32), 0x46DD794Eu);
	/* hardware and tables agree, over every alignment and split */
	plain_text(&big);
	for (i = 0; i < 64; i++) {
		a = crc32c_update(CRC32C_INIT, big.buf + i, big.len - i - 7);
		b = crc32c_update_sw(CRC32C_INIT, big.buf + i, big.len - i - 7);
		CHECK_INT(a, b);
		b = crc32c_update_sw(CRC32C_INIT, big.buf + i, i * 13);
		b = crc32c_update_sw(b, big.buf + i + i * 13,
				     big.len - i - 7 - i * 13);
		CHECK_INT(a, b);
	}
	strbuf_release(&big);
}

const struct test decomp_tests[] = {
	TEST(decomp_reads_every_format_in_any_chunking),
	TEST(decomp_refuses_truncated_input),
	TEST(decomp_refuses_corrupted_input),
	TEST(decomp_buffer_caps_the_output),
	TEST(decomp_knows_barmans_suffixes),
	TEST(crc32c_matches_the_standard_check_values),
	{ NULL, NULL },
};
