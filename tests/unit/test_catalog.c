/*
 * catalog: backup.info, WAL names and history files from fixtures in
 * tests/fixtures/catalog/, then synthetic catalogs for ranges, gaps,
 * windows, backup choice and coverage, and the JSON document.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "errors.h"
#include "strbuf.h"
#include "test.h"
#include "xmalloc.h"

/* Split a fixture into lines; skips '#' comments and blank lines. */
struct lines {
	char *buf;
	char **v;
	size_t n;
};

static void
lines_read(struct lines *l, const char *name)
{
	char *p, *nl;
	size_t alloc = 0;

	memset(l, 0, sizeof(*l));
	l->buf = test_read_fixture(name, NULL);
	for (p = l->buf; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		else
			*nl = '\0';
		if (*p == '#' || (*p == '\0' && nl == p))
			continue;
		if (l->n == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			l->v = xreallocarray(l->v, alloc, sizeof(*l->v));
		}
		l->v[l->n++] = p;
	}
}

static void
lines_release(struct lines *l)
{
	free(l->buf);
	free(l->v);
}

/* Split line at tabs into at most max fields. */
static size_t
fields(char *line, char **f, size_t max)
{
	size_t n = 0;

	f[n++] = line;
	while (n < max) {
		char *t = strchr(f[n - 1], '\t');

		if (!t)
			break;
		*t = '\0';
		f[n++] = t + 1;
	}
	return n;
}

/* "\n" and "\t" escapes into a new strbuf. */
static void
unescape(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			strbuf_addch(sb, '\n');
			s++;
		} else if (s[0] == '\\' && s[1] == 't') {
			strbuf_addch(sb, '\t');
			s++;
		} else {
			strbuf_addch(sb, *s);
		}
	}
}

/* Parse from an exact-size heap copy, so ASan catches a read past len. */
static int
parse_info_exact(struct catalog_backup **out, const char *id, const char *buf,
		 size_t len, struct error *err)
{
	char *copy = xmalloc(len ? len : 1);
	int rc;

	memcpy(copy, buf, len);
	rc = catalog_backup_parse(out, id, copy, len, err);
	free(copy);
	return rc;
}

static char *
fmt_time(struct timefmt_time t)
{
	return timefmt_format_rfc3339(t);
}

static void
catalog_parses_barman_34_done_backup_info(void)
{
	size_t len;
	char *buf = test_read_fixture("catalog/done.info", &len);
	struct catalog_backup *b = NULL;
	struct error err = ERROR_INIT;
	char *s;

	CHECK_INT(parse_info_exact(&b, "20261124T232720", buf, len, &err), 0);
	CHECK(b != NULL);
	if (!b)
		goto out;
	CHECK_STR(b->id, "20261124T232720");
	CHECK(b->name == NULL);
	CHECK_INT(b->status, CATALOG_STATUS_DONE);
	CHECK_INT(b->has_begin_time, 1);
	s = fmt_time(b->begin_time);
	CHECK_STR(s, "2026-11-24T23:27:20.618457Z");
	free(s);
	s = fmt_time(b->end_time);
	CHECK_STR(s, "2026-11-24T23:27:21.942828Z");
	free(s);
	CHECK_INT(b->naive_time, 0);
	CHECK_STR(b->begin_wal, "00000001000000000000000F");
	CHECK_STR(b->end_wal, "00000001000000000000000F");
	CHECK_INT(b->begin_lsn, 0xF000028);
	CHECK_INT(b->end_lsn, 0xF000138);
	CHECK_INT(b->timeline, 1);
	CHECK_INT(b->size, -1);
	CHECK_INT(b->deduplicated_size, -1);
	CHECK(b->compression == NULL);
	CHECK(b->error == NULL);
	CHECK_STR(b->server_name, "cloud");
	CHECK_STR(b->systemid, "7441302311487612345");
	CHECK_INT(b->version, 150010);
	CHECK_INT(b->segsize, 16777216);
	CHECK(b->mode == NULL);
out:
	catalog_backup_free(b);
	error_clear(&err);
	free(buf);
}

static void
catalog_parses_failed_backup_info(void)
{
	size_t len;
	char *buf = test_read_fixture("catalog/failed.info", &len);
	struct catalog_backup *b = NULL;
	struct error err = ERROR_INIT;

	CHECK_INT(parse_info_exact(&b, "20261125T010000", buf, len, &err), 0);
	if (!b)
		goto out;
	CHECK_INT(b->status, CATALOG_STATUS_FAILED);
	CHECK_STR(b->name, "backup-20261125010000");
	CHECK_INT(b->has_begin_time, 1);
	CHECK_INT(b->has_end_time, 0);
	CHECK_INT(b->has_end_lsn, 0);
	CHECK(b->begin_wal == NULL);
	CHECK_INT(b->timeline, 0);
	CHECK_STR(b->compression, "gzip");
	CHECK_STR(b->error, "failure uploading data (connection error: Could "
			    "not connect to the endpoint URL: "
			    "\"http://minio:9000/backups\")");
out:
	catalog_backup_free(b);
	error_clear(&err);
	free(buf);
}

static void
catalog_parses_naive_crlf_backup_info(void)
{
	size_t len;
	char *buf = test_read_fixture("catalog/naive-crlf.info", &len);
	struct catalog_backup *b = NULL;
	struct error err = ERROR_INIT;
	char *s;

	CHECK_INT(parse_info_exact(&b, "20261124T100000", buf, len, &err), 0);
	if (!b)
		goto out;
	CHECK_INT(b->naive_time, 1);
	s = fmt_time(b->begin_time);
	CHECK_STR(s, "2026-11-24T10:00:00.500000Z");
	free(s);
	CHECK_INT(b->begin_lsn, 0x1A0000028ULL);
	CHECK_INT(b->timeline, 2);
	CHECK_INT(b->segsize, 1048576);
	CHECK_INT(b->size, 123456789);
	CHECK_STR(b->server_name, "pg-main");
	CHECK_STR(b->begin_wal, "000000020000000100000A00");
	/* The status line alone, cut before its newline: still parsed. */
	catalog_backup_free(b);
	b = NULL;
	CHECK_INT(parse_info_exact(&b, "X", buf, 11, &err), 0);
	CHECK(b && b->status == CATALOG_STATUS_DONE);
out:
	catalog_backup_free(b);
	error_clear(&err);
	free(buf);
}

static void
catalog_refuses_malformed_backup_info(void)
{
	struct lines l;
	size_t i;

	lines_read(&l, "catalog/backup-bad.tsv");
	CHECK(l.n >= 15);
	for (i = 0; i < l.n; i++) {
		char *f[2];
		struct strbuf in = STRBUF_INIT;
		struct catalog_backup *b = NULL;
		struct error err = ERROR_INIT;

		CHECK_INT(fields(l.v[i], f, 2), 2);
		unescape(&in, f[0]);
		CHECK_INT(parse_info_exact(&b, "B", in.buf, in.len, &err), -1);
		CHECK(b == NULL);
		CHECK_INT(err.code, ERR_CATALOG);
		CHECK_STR(err.msg, f[1]);
		CHECK(err.hint != NULL);
		error_clear(&err);
		strbuf_release(&in);
	}
	lines_release(&l);
}

static enum catalog_wal_kind
kind_of(const char *s)
{
	if (strcmp(s, "segment") == 0)
		return CATALOG_WAL_SEGMENT;
	if (strcmp(s, "partial") == 0)
		return CATALOG_WAL_PARTIAL;
	if (strcmp(s, "backup") == 0)
		return CATALOG_WAL_BACKUP_LABEL;
	if (strcmp(s, "history") == 0)
		return CATALOG_WAL_HISTORY;
	return CATALOG_WAL_OTHER;
}

static void
catalog_classifies_wal_names(void)
{
	struct lines l;
	size_t i;

	lines_read(&l, "catalog/wal-names.tsv");
	CHECK(l.n >= 25);
	for (i = 0; i < l.n; i++) {
		char *f[7];
		struct catalog_wal_name w;
		size_t len;
		char *copy;

		CHECK_INT(fields(l.v[i], f, 7), 7);
		len = strlen(f[0]);
		copy = xmalloc(len ? len : 1);
		memcpy(copy, f[0], len);
		catalog_wal_parse_name(&w, copy, len);
		free(copy);
		if (w.kind != kind_of(f[1]))
			test_fail(__FILE__, __LINE__, "%s: kind %d, want %s",
				  f[0], (int)w.kind, f[1]);
		CHECK_INT(w.tli, strtoul(f[2], NULL, 10));
		CHECK_INT(w.log, strtoul(f[3], NULL, 10));
		CHECK_INT(w.seg, strtoul(f[4], NULL, 10));
		CHECK_INT(w.offset, strtoul(f[5], NULL, 10));
		CHECK_STR(w.compression ? w.compression : "-", f[6]);
	}
	lines_release(&l);
}

static void
catalog_segment_arithmetic(void)
{
	static const struct {
		uint64_t segsize;
		uint32_t tli, log, seg;
		uint64_t segno;
		const char *name;
	} cases[] = {
		{ 16777216, 1, 0, 0xF, 15, "00000001000000000000000F" },
		{ 16777216, 1, 1, 0, 256, "000000010000000100000000" },
		{ 16777216, 2, 0x2A, 0xFF, 0x2A * 256 + 255,
		  "000000020000002A000000FF" },
		{ 1048576, 1, 1, 0xFFF, 4096 + 4095,
		  "000000010000000100000FFF" },
		{ 67108864, 3, 2, 0x3F, 2 * 64 + 63,
		  "00000003000000020000003F" },
		{ 1073741824, 1, 5, 3, 5 * 4 + 3, "000000010000000500000003" },
	};
	size_t i;
	char buf[25];
	uint64_t segno = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_INT(catalog_wal_segno(&segno, cases[i].log, cases[i].seg,
					    cases[i].segsize),
			  0);
		CHECK_INT(segno, cases[i].segno);
		catalog_wal_format(buf, cases[i].tli, cases[i].segno,
				   cases[i].segsize);
		CHECK_STR(buf, cases[i].name);
	}
	/* A 16 MiB log has segments 0-255 only. */
	CHECK_INT(catalog_wal_segno(&segno, 0, 256, 16777216), -1);
	CHECK_INT(catalog_wal_segno(&segno, 0, 4, 1073741824), -1);
	CHECK_INT(catalog_wal_lsn_segno(0xF000138, 16777216), 15);
	CHECK_INT(catalog_wal_lsn_segno(0x100000000ULL, 16777216), 256);
	CHECK_INT(catalog_wal_lsn_segno(0x1A0000028ULL, 1048576), 0x1A00);
	CHECK_INT(catalog_wal_segsize_valid(1048576), 1);
	CHECK_INT(catalog_wal_segsize_valid(1073741824), 1);
	CHECK_INT(catalog_wal_segsize_valid(524288), 0);
	CHECK_INT(catalog_wal_segsize_valid(3 * 1048576), 0);
	CHECK_INT(catalog_wal_segsize_valid(2147483648ULL), 0);
	catalog_lsn_format(buf, 0x1A0000028ULL);
	CHECK_STR(buf, "1/A0000028");
	catalog_lsn_format(buf, 0);
	CHECK_STR(buf, "0/0");
}

static void
catalog_parses_history_files(void)
{
	size_t len, n = 0;
	char *buf = test_read_fixture("catalog/00000002.history", &len);
	struct catalog_history_entry *e = NULL;
	struct error err = ERROR_INIT;

	CHECK_INT(catalog_history_parse(&e, &n, 2, buf, len, &err), 0);
	CHECK_INT(n, 1);
	if (e && n == 1) {
		CHECK_INT(e[0].parent_tli, 1);
		CHECK_INT(e[0].switch_lsn, 0xF000198);
	}
	free(e);
	e = NULL;
	free(buf);
	buf = test_read_fixture("catalog/00000003.history", &len);
	CHECK_INT(catalog_history_parse(&e, &n, 3, buf, len, &err), 0);
	CHECK_INT(n, 2);
	if (e && n == 2) {
		CHECK_INT(e[0].parent_tli, 1);
		CHECK_INT(e[1].parent_tli, 2);
		CHECK_INT(e[1].switch_lsn, 0x12A000000ULL);
	}
	free(e);
	e = NULL;
	/* The same file read as timeline 2 names itself as a parent. */
	CHECK_INT(catalog_history_parse(&e, &n, 2, buf, len, &err), -1);
	CHECK_STR(err.msg, "history file of timeline 2: line 4: expected a "
			   "parent timeline below 2 and above the previous "
			   "line's");
	error_clear(&err);
	free(buf);
}

static void
catalog_refuses_malformed_history(void)
{
	struct lines l;
	size_t i;

	lines_read(&l, "catalog/history-bad.tsv");
	CHECK(l.n >= 8);
	for (i = 0; i < l.n; i++) {
		char *f[2];
		struct strbuf in = STRBUF_INIT;
		struct catalog_history_entry *e = NULL;
		struct error err = ERROR_INIT;
		size_t n = 0;
		char *copy;

		CHECK_INT(fields(l.v[i], f, 2), 2);
		unescape(&in, f[0]);
		copy = xmalloc(in.len ? in.len : 1);
		memcpy(copy, in.buf, in.len);
		CHECK_INT(catalog_history_parse(&e, &n, 3, copy, in.len, &err),
			  -1);
		CHECK(e == NULL);
		CHECK_INT(err.code, ERR_CATALOG);
		CHECK_STR(err.msg, f[1]);
		free(copy);
		error_clear(&err);
		strbuf_release(&in);
	}
	lines_release(&l);
}

const struct test catalog_tests[] = {
	TEST(catalog_parses_barman_34_done_backup_info),
	TEST(catalog_parses_failed_backup_info),
	TEST(catalog_parses_naive_crlf_backup_info),
	TEST(catalog_refuses_malformed_backup_info),
	TEST(catalog_classifies_wal_names),
	TEST(catalog_segment_arithmetic),
	TEST(catalog_parses_history_files),
	TEST(catalog_refuses_malformed_history),
	{ NULL, NULL },
};
