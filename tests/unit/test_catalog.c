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
#include "jsonmem.h"
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

/* Synthetic catalogs.  T0 is 2026-11-24T10:00:00Z. */
#define T0 1795514400LL

/* Segment k of timeline 1 is archived at T0 + 60 + (k - 2) * 360. */
static time_t
mt(uint64_t k)
{
	return (time_t)(T0 + 60 + ((int64_t)k - 2) * 360);
}

static void
add_segs(struct catalog *cat, uint32_t tli, uint64_t first, uint64_t last,
	 const char *suffix)
{
	uint64_t k;
	char name[25];
	struct strbuf key = STRBUF_INIT;

	for (k = first; k <= last; k++) {
		catalog_wal_format(name, tli, k, catalog_segsize(cat));
		strbuf_reset(&key);
		strbuf_addf(&key, "wals/%.16s/%s%s", name, name, suffix);
		catalog_add_object(cat, key.buf, key.len, 1234, mt(k));
	}
	strbuf_release(&key);
}

static void
add_backup(struct catalog *cat, const char *id, const char *status,
	   int64_t begin, int64_t end, uint32_t tli, uint64_t begin_lsn,
	   uint64_t end_lsn)
{
	struct strbuf sb = STRBUF_INIT;
	struct timefmt_time tb = { T0 + begin, 250000 }, te = { T0 + end, 0 };
	char *b = timefmt_format_pg(tb), *e = timefmt_format_pg(te);
	char bw[25], ew[25], bl[18], el[18];
	struct error err = ERROR_INIT;
	uint64_t ss = catalog_segsize(cat);

	catalog_wal_format(bw, tli, catalog_wal_lsn_segno(begin_lsn, ss), ss);
	catalog_wal_format(ew, tli, catalog_wal_lsn_segno(end_lsn, ss), ss);
	catalog_lsn_format(bl, begin_lsn);
	catalog_lsn_format(el, end_lsn);
	strbuf_addf(&sb,
		    "backup_name=None\nbegin_time=%s\nbegin_wal=%s\n"
		    "begin_xlog=%s\ncompression=None\n",
		    b, bw, bl);
	if (strcmp(status, "FAILED") == 0)
		strbuf_addstr(&sb, "end_time=None\nend_wal=None\n"
				   "end_xlog=None\nerror=upload failed\n");
	else
		strbuf_addf(&sb, "end_time=%s\nend_wal=%s\nend_xlog=%s\n", e,
			    ew, el);
	strbuf_addf(&sb,
		    "server_name=cloud\nstatus=%s\ntimeline=%u\n"
		    "xlog_segment_size=%llu\n",
		    status, (unsigned)tli, (unsigned long long)ss);
	if (catalog_add_backup_info(cat, id, sb.buf, sb.len, &err) < 0)
		test_fail(__FILE__, __LINE__, "add %s: %s", id, err.msg);
	error_clear(&err);
	strbuf_release(&sb);
	free(b);
	free(e);
}

/* B1 (ends 10:00:03) and B2 (ends 12:00:05) on timeline 1. */
static struct catalog *
two_backups(void)
{
	struct catalog *cat = catalog_new("s3://bk/pg", "pg-main", 0);

	add_backup(cat, "20261124T095900", "DONE", -60, 3, 1, 0x2000028,
		   0x2000138);
	add_backup(cat, "20261124T115900", "DONE", 7140, 7205, 1, 0x18000028,
		   0x18000138);
	return cat;
}

static struct catalog_target
at_time(const char *text)
{
	struct catalog_target t;
	struct timefmt_target tt;
	struct timefmt_time now = { 0, 0 };
	struct error err = ERROR_INIT;

	memset(&t, 0, sizeof(t));
	t.kind = CATALOG_TARGET_TIME;
	if (timefmt_parse_target(&tt, text, now, &err) < 0)
		test_fail(__FILE__, __LINE__, "%s", err.msg);
	error_clear(&err);
	t.time = tt.time;
	return t;
}

static struct catalog_target
at_lsn(uint64_t lsn)
{
	struct catalog_target t;

	memset(&t, 0, sizeof(t));
	t.kind = CATALOG_TARGET_LSN;
	t.lsn = lsn;
	return t;
}

static int
str_differs(const char *got, const char *want)
{
	return !got || !want ? got != want : strcmp(got, want) != 0;
}

/* Plan for target; checks the outcome: NULL want_err means success. */
#define check_plan(...) check_plan_at(__LINE__, __VA_ARGS__)
static void
check_plan_at(int line, const struct catalog *cat,
	      const struct catalog_target *t, const char *want_backup,
	      const char *want_first, const char *want_last,
	      enum error_code want_code, const char *want_err)
{
	struct catalog_plan plan;
	struct error err = ERROR_INIT;
	int rc = catalog_plan(&plan, cat, t, &err);

	if (!want_err) {
		if (rc < 0) {
			test_fail(__FILE__, line, "plan failed: %s", err.msg);
			error_clear(&err);
			return;
		}
		if (str_differs(plan.backup->id, want_backup) ||
		    str_differs(plan.first_wal, want_first) ||
		    str_differs(plan.last_wal, want_last))
			test_fail(__FILE__, line,
				  "plan %s %s..%s, want %s %s..%s",
				  plan.backup->id, plan.first_wal,
				  plan.last_wal, want_backup, want_first,
				  want_last);
		if (!plan.window.basis)
			test_fail(__FILE__, line, "no window basis");
		catalog_plan_release(&plan);
		return;
	}
	if (rc == 0) {
		test_fail(__FILE__, line, "plan %s %s..%s, want error %s",
			  plan.backup->id, plan.first_wal, plan.last_wal,
			  want_err);
		catalog_plan_release(&plan);
		return;
	}
	if ((int)err.code != (int)want_code || !err.msg || !err.hint ||
	    strncmp(err.msg, want_err, strlen(want_err)) != 0)
		test_fail(__FILE__, line,
			  "error %d \"%s\" (hint %s), want %d \"%s...\"",
			  (int)err.code, err.msg ? err.msg : "",
			  err.hint ? err.hint : "(none)", (int)want_code,
			  want_err);
	error_clear(&err);
}

static int
has_warning(const struct catalog *cat, const char *prefix)
{
	size_t n = 0, i;
	char **w = catalog_warnings(cat, &n);
	int found = 0;

	for (i = 0; i < n; i++)
		if (strncmp(w[i], prefix, strlen(prefix)) == 0)
			found = 1;
	catalog_warnings_free(w, n);
	return found;
}

static void
catalog_contiguous_window_and_choice(void)
{
	struct catalog *cat = two_backups();
	struct catalog_window w;
	struct error err = ERROR_INIT;
	struct catalog_target t;
	const struct catalog_timeline *tl;
	char *s;

	add_segs(cat, 1, 1, 48, ".gz");
	CHECK_INT(catalog_timeline_count(cat), 1);
	tl = catalog_timeline_find(cat, 1);
	CHECK(tl && tl->nr_ranges == 1);
	CHECK_INT(catalog_window(&w, cat, 0, &err), 0);
	s = timefmt_format_rfc3339(w.earliest);
	CHECK_STR(s, "2026-11-24T10:00:03Z");
	free(s);
	s = timefmt_format_rfc3339(w.latest);
	CHECK_STR(s, "2026-11-24T14:37:00Z");
	free(s);
	CHECK_STR(w.latest_backup->id, "20261124T115900");
	CHECK_INT(w.latest_segno, 48);
	CHECK(strstr(w.basis, "000000010000000000000030") != NULL);
	catalog_window_release(&w);
	CHECK(has_warning(cat, "timeline 1: WAL from 000000010000000000000001 "
			       "is older than the oldest backup "
			       "'20261124T095900'"));
	CHECK(!has_warning(cat, "timeline 1: WAL gap"));

	t = at_time("2026-11-24T09:41:00Z");
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "target 2026-11-24T09:41:00Z is before the earliest "
		   "recoverable point 2026-11-24T10:00:03Z (end of backup "
		   "20261124T095900)");
	/* Exactly the end of B1 is allowed (end_time <= target). */
	t = at_time("2026-11-24 10:00:03.000000+00:00");
	check_plan(cat, &t, "20261124T095900", "000000010000000000000002",
		   "000000010000000000000030", ERR_OK, NULL);
	t = at_time("2026-11-24T12:00:04Z");
	check_plan(cat, &t, "20261124T095900", "000000010000000000000002",
		   "000000010000000000000030", ERR_OK, NULL);
	t = at_time("2026-11-24T13:00:00+01:00");
	check_plan(cat, &t, "20261124T095900", "000000010000000000000002",
		   "000000010000000000000030", ERR_OK, NULL);
	t = at_time("2026-11-24T14:37:00Z");
	check_plan(cat, &t, "20261124T115900", "000000010000000000000018",
		   "000000010000000000000030", ERR_OK, NULL);
	t = at_time("2026-11-24T14:37:00.5Z");
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "target 2026-11-24T14:37:00.500000Z is after the latest "
		   "recoverable point 2026-11-24T14:37:00Z (when "
		   "000000010000000000000030, the last archived segment of "
		   "timeline 1, was archived)");

	t = at_lsn(0x10000000);
	check_plan(cat, &t, "20261124T095900", "000000010000000000000002",
		   "000000010000000000000010", ERR_OK, NULL);
	t = at_lsn(0x20000000);
	check_plan(cat, &t, "20261124T115900", "000000010000000000000018",
		   "000000010000000000000020", ERR_OK, NULL);
	t = at_lsn(0x1000000);
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "target LSN 0/1000000 is before the earliest recoverable "
		   "point LSN 0/2000138 (end of backup 20261124T095900)");
	t = at_lsn(0x40000000);
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "WAL segment 000000010000000000000031 is missing from the "
		   "archive: recovering backup '20261124T115900' to LSN "
		   "0/40000000 needs it");

	memset(&t, 0, sizeof(t));
	t.kind = CATALOG_TARGET_IMMEDIATE;
	check_plan(cat, &t, "20261124T115900", "000000010000000000000018",
		   "000000010000000000000018", ERR_OK, NULL);
	t.kind = CATALOG_TARGET_LATEST;
	check_plan(cat, &t, "20261124T115900", "000000010000000000000018",
		   "000000010000000000000030", ERR_OK, NULL);
	t.backup_id = "20261124T095900";
	check_plan(cat, &t, "20261124T095900", "000000010000000000000002",
		   "000000010000000000000030", ERR_OK, NULL);
	t.backup_id = "20261124T000000";
	check_plan(cat, &t, NULL, NULL, NULL, ERR_NOT_FOUND,
		   "backup '20261124T000000' is not in the catalog of server "
		   "'pg-main'");
	t = at_time("2026-11-24T11:00:00Z");
	t.backup_id = "20261124T115900";
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "target 2026-11-24T11:00:00Z is before the end of backup "
		   "'20261124T115900' (2026-11-24T12:00:05Z)");
	error_clear(&err);
	catalog_free(cat);
}

static void
catalog_gap_and_failed_newest(void)
{
	struct catalog *cat = two_backups();
	struct catalog_target t;
	struct catalog_window w;
	struct error err = ERROR_INIT;
	const struct catalog_timeline *tl;
	char *s;

	add_backup(cat, "20261124T132000", "DONE", 12000, 12005, 1, 0x24000028,
		   0x24000138);
	add_backup(cat, "20261124T150000", "FAILED", 18000, 0, 1, 0x31000028,
		   0);
	add_segs(cat, 1, 34, 48, "");
	add_segs(cat, 1, 1, 29, "");
	tl = catalog_timeline_find(cat, 1);
	CHECK(tl && tl->nr_ranges == 2);
	CHECK(has_warning(cat, "timeline 1: WAL gap: 00000001000000000000001E "
			       "to 000000010000000000000021 (4 segments) are "
			       "missing"));
	CHECK(has_warning(cat, "backup '20261124T150000' FAILED: upload "
			       "failed"));
	/* The window rests on the newest DONE backup, not the FAILED one. */
	CHECK_INT(catalog_window(&w, cat, 0, &err), 0);
	CHECK_STR(w.latest_backup->id, "20261124T132000");
	s = timefmt_format_rfc3339(w.latest);
	CHECK_STR(s, "2026-11-24T14:37:00Z");
	free(s);
	catalog_window_release(&w);
	/* Inside the gap: B2 is chosen and its WAL stops at 1D. */
	t = at_time("2026-11-24T13:00:00Z");
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "WAL segment 00000001000000000000001E is missing from the "
		   "archive: recovering backup '20261124T115900' to "
		   "2026-11-24T13:00:00Z needs it");
	/* Before the gap's first missing segment was due: fine. */
	t = at_time("2026-11-24T12:30:00Z");
	check_plan(cat, &t, "20261124T115900", "000000010000000000000018",
		   "00000001000000000000001D", ERR_OK, NULL);
	t = at_time("2026-11-24T14:00:00Z");
	check_plan(cat, &t, "20261124T132000", "000000010000000000000024",
		   "000000010000000000000030", ERR_OK, NULL);
	memset(&t, 0, sizeof(t));
	t.backup_id = "20261124T150000";
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "backup '20261124T150000' has status FAILED, not DONE: "
		   "upload failed");
	catalog_free(cat);
}

static void
catalog_backup_wal_not_covered(void)
{
	struct catalog *cat = two_backups();
	struct catalog_target t;
	struct catalog_window w;
	struct error err = ERROR_INIT;

	/* B2's own segment 18 is missing. */
	add_segs(cat, 1, 2, 0x17, "");
	add_segs(cat, 1, 0x19, 0x20, "");
	CHECK(has_warning(cat, "backup '20261124T115900': its WAL "
			       "000000010000000000000018 to "
			       "000000010000000000000018 is not all archived "
			       "(first missing: 000000010000000000000018)"));
	CHECK_INT(catalog_window(&w, cat, 0, &err), 0);
	CHECK_STR(w.latest_backup->id, "20261124T095900");
	CHECK_INT(w.latest_segno, 0x17);
	catalog_window_release(&w);
	memset(&t, 0, sizeof(t));
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "WAL segment 000000010000000000000018 is missing");
	catalog_free(cat);
}

static void
catalog_two_timelines(void)
{
	struct catalog *cat = two_backups();
	struct catalog_target t;
	struct catalog_window w;
	struct error err = ERROR_INIT;
	const struct catalog_timeline *tl;
	const char *hist = "1\t0/1A800000\tno recovery target specified\n\n";

	/* B2 ended at 0/18000138, before the switch at 0/1A800000; B3 on
	 * timeline 1 after the switch never leads to timeline 2. */
	add_backup(cat, "20261124T140000", "DONE", 14400, 14405, 1, 0x1C000028,
		   0x1C000138);
	catalog_add_object(cat, "wals/00000002.history", 21, 60, mt(0x1A));
	CHECK_INT(catalog_add_history(cat, 2, hist, strlen(hist), &err), 0);
	add_segs(cat, 1, 1, 0x20, "");
	catalog_add_object(
		cat, "wals/0000000100000000/00000001000000000000001A.partial",
		54, 100, mt(0x1A));
	add_segs(cat, 2, 0x1A, 0x30, ".zst");
	tl = catalog_timeline_find(cat, 2);
	CHECK(tl && tl->parent == 1 && tl->switch_lsn == 0x1A800000);
	CHECK_INT(catalog_window(&w, cat, 0, &err), 0);
	CHECK_INT(w.timeline, 2);
	CHECK_STR(w.latest_backup->id, "20261124T115900");
	CHECK_INT(w.latest_tli, 2);
	CHECK_INT(w.latest_segno, 0x30);
	catalog_window_release(&w);
	memset(&t, 0, sizeof(t));
	check_plan(cat, &t, "20261124T115900", "000000010000000000000018",
		   "000000020000000000000030", ERR_OK, NULL);
	/* Timeline 1 explicitly: B3 is the newest there. */
	t.tli = 1;
	check_plan(cat, &t, "20261124T140000", "00000001000000000000001C",
		   "000000010000000000000020", ERR_OK, NULL);
	t.tli = 2;
	t.backup_id = "20261124T140000";
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "backup '20261124T140000' is on timeline 1, which does "
		   "not lead to timeline 2");
	/* A target on timeline 2 after B3's end still uses B2. */
	t = at_time("2026-11-24T14:30:00Z");
	check_plan(cat, &t, "20261124T115900", "000000010000000000000018",
		   "000000020000000000000030", ERR_OK, NULL);
	t = at_time("2026-11-24T14:30:00Z");
	t.tli = 3;
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "no completed backup on timeline 3");
	catalog_free(cat);

	/* The child's first segment is missing. */
	cat = two_backups();
	CHECK_INT(catalog_add_history(cat, 2, hist, strlen(hist), &err), 0);
	add_segs(cat, 1, 1, 0x20, "");
	add_segs(cat, 2, 0x1B, 0x30, "");
	memset(&t, 0, sizeof(t));
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "WAL segment 00000002000000000000001A is missing from the "
		   "archive: recovering backup '20261124T115900' to latest "
		   "needs it");
	/* Timeline 1 is missing a segment before the switch. */
	catalog_free(cat);
	cat = two_backups();
	CHECK_INT(catalog_add_history(cat, 2, hist, strlen(hist), &err), 0);
	add_segs(cat, 1, 1, 0x18, "");
	add_segs(cat, 2, 0x1A, 0x30, "");
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "WAL segment 000000010000000000000019 is missing");
	CHECK(has_warning(cat, "timeline 1: WAL from") == 1);
	catalog_free(cat);
	error_clear(&err);
}

static void
catalog_three_timelines(void)
{
	struct catalog *cat = catalog_new("s3://bk/pg", "pg-main", 0);
	struct catalog_target t;
	struct error err = ERROR_INIT;
	size_t len;
	char *h2 = test_read_fixture("catalog/00000002.history", &len);
	char *h3;

	add_backup(cat, "20261124T095900", "DONE", -60, 3, 1, 0x2000028,
		   0x2000138);
	CHECK_INT(catalog_add_history(cat, 2, h2, len, &err), 0);
	free(h2);
	h3 = test_read_fixture("catalog/00000003.history", &len);
	CHECK_INT(catalog_add_history(cat, 3, h3, len, &err), 0);
	free(h3);
	add_segs(cat, 1, 1, 0xF, "");
	add_segs(cat, 2, 0xF, 0x12A, "");
	add_segs(cat, 3, 0x12A, 0x130, "");
	CHECK_INT(catalog_timeline_count(cat), 3);
	CHECK_INT(catalog_timeline_find(cat, 3)->parent, 2);
	CHECK_INT(catalog_timeline_find(cat, 2)->parent, 1);
	memset(&t, 0, sizeof(t));
	check_plan(cat, &t, "20261124T095900", "000000010000000000000002",
		   "000000030000000100000030", ERR_OK, NULL);
	t = at_lsn(0x110000000ULL);
	check_plan(cat, &t, "20261124T095900", "000000010000000000000002",
		   "000000020000000100000010", ERR_OK, NULL);
	t.tli = 2;
	check_plan(cat, &t, "20261124T095900", "000000010000000000000002",
		   "000000020000000100000010", ERR_OK, NULL);
	catalog_free(cat);
	error_clear(&err);
}

static void
catalog_segment_sizes(void)
{
	struct catalog *cat = catalog_new("s3://bk/pg", "small", 1048576);
	const struct catalog_timeline *tl;
	json_t *j, *r;
	struct catalog_target t;

	add_backup(cat, "20261124T095900", "DONE", -60, 3, 1,
		   (uint64_t)4094 * 1048576 + 40,
		   (uint64_t)4094 * 1048576 + 400);
	add_segs(cat, 1, 4094, 4098, "");
	tl = catalog_timeline_find(cat, 1);
	CHECK(tl && tl->nr_ranges == 1);
	j = catalog_to_json(cat);
	r = json_object_get(
		json_array_get(
			json_object_get(
				json_array_get(json_object_get(j, "timelines"),
					       0),
				"walRanges"),
			0),
		"first");
	CHECK_STR(json_string_value(r), "000000010000000000000FFE");
	r = json_object_get(
		json_array_get(
			json_object_get(
				json_array_get(json_object_get(j, "timelines"),
					       0),
				"walRanges"),
			0),
		"last");
	CHECK_STR(json_string_value(r), "000000010000000100000002");
	json_decref(j);
	memset(&t, 0, sizeof(t));
	check_plan(cat, &t, "20261124T095900", "000000010000000000000FFE",
		   "000000010000000100000002", ERR_OK, NULL);
	catalog_free(cat);

	/* 64 MiB: 64 segments per xlogid; segment 40 (hex) does not exist. */
	cat = catalog_new("s3://bk/pg", "big", 0);
	add_backup(cat, "20261124T095900", "DONE", -60, 3, 1, 0, 0);
	catalog_free(cat);
	cat = catalog_new("s3://bk/pg", "big", 0);
	{
		struct error err = ERROR_INIT;
		const char *info = "status=DONE\ntimeline=1\nbegin_time=2026-"
				   "11-24 10:00:00+00:00\nend_time=2026-11-24 "
				   "10:00:03+00:00\nbegin_xlog=0/F8000028\n"
				   "end_xlog=0/F8000100\nxlog_segment_size="
				   "67108864\n";

		CHECK_INT(catalog_add_backup_info(cat, "20261124T100000", info,
						  strlen(info), &err),
			  0);
		CHECK_INT(catalog_segsize(cat), 67108864);
		error_clear(&err);
	}
	add_segs(cat, 1, 62, 66, "");
	catalog_add_object(cat,
			   "wals/0000000100000000/000000010000000000000040", 46,
			   1, mt(1));
	tl = catalog_timeline_find(cat, 1);
	CHECK(tl && tl->nr_ranges == 1 && tl->ranges[0].first == 62 &&
	      tl->ranges[0].last == 66);
	CHECK(has_warning(cat, "1 WAL objects are not in the folder their "
			       "name implies, or out of range"));
	memset(&t, 0, sizeof(t));
	check_plan(cat, &t, "20261124T100000", "00000001000000000000003E",
		   "000000010000000100000002", ERR_OK, NULL);
	{
		/* A backup with another segment size after WAL: refused. */
		struct error err = ERROR_INIT;
		const char *info = "status=DONE\ntimeline=1\n";

		CHECK_INT(catalog_add_backup_info(cat, "20261124T110000", info,
						  strlen(info), &err),
			  -1);
		CHECK_STR(err.msg, "backup '20261124T110000' has "
				   "xlog_segment_size 16777216 but the WAL "
				   "was read with 67108864");
		error_clear(&err);
	}
	catalog_free(cat);
}

static void
catalog_objects_out_of_order_and_misplaced(void)
{
	struct catalog *cat = two_backups();
	static const uint64_t order[] = { 10, 3, 7,  4,	 9,  2,	 8,  6,
					  5,  1, 10, 12, 11, 20, 14, 13 };
	size_t i;
	const struct catalog_timeline *tl;
	char name[25];
	struct strbuf key = STRBUF_INIT;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		catalog_wal_format(name, 1, order[i], catalog_segsize(cat));
		strbuf_reset(&key);
		strbuf_addf(&key, "wals/%.16s/%s.bz2", name, name);
		catalog_add_object(cat, key.buf, key.len, 1, mt(order[i]));
	}
	tl = catalog_timeline_find(cat, 1);
	CHECK(tl && tl->nr_ranges == 2);
	if (tl && tl->nr_ranges == 2) {
		CHECK_INT(tl->ranges[0].first, 1);
		CHECK_INT(tl->ranges[0].last, 14);
		CHECK_INT(tl->ranges[0].first_mtime, mt(1));
		CHECK_INT(tl->ranges[0].last_mtime, mt(14));
		CHECK_INT(tl->ranges[1].first, 20);
	}
	catalog_add_object(cat,
			   "wals/0000000100000001/000000010000000000000015", 46,
			   1, 0);
	catalog_add_object(cat, "wals/00000001000000000000000F.00000028.backup",
			   45, 1, 0);
	catalog_add_object(cat, "wals/0000000100000000/README", 27, 1, 0);
	catalog_add_object(cat, "base/20261124T095900/data.tar.gz", 32, 1, 0);
	CHECK_INT(tl->nr_ranges, 2);
	CHECK(has_warning(cat,
			  "1 WAL objects are not in the folder their "
			  "name implies, or out of range for the segment "
			  "size, e.g. "
			  "'wals/0000000100000001/000000010000000000000015'"));
	CHECK(has_warning(cat,
			  "2 unrecognised objects under wals/, e.g. "
			  "'wals/00000001000000000000000F.00000028.backup'"));
	strbuf_release(&key);
	catalog_free(cat);
}

static void
catalog_empty_and_backup_only(void)
{
	struct catalog *cat = catalog_new("s3://bk/pg", "pg-main", 0);
	struct catalog_target t;
	json_t *j;

	CHECK(has_warning(cat, "the catalog of server 'pg-main' is empty"));
	memset(&t, 0, sizeof(t));
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "no completed backup in the catalog of server 'pg-main'");
	j = catalog_to_json(cat);
	CHECK(json_is_null(
		json_object_get(json_object_get(j, "window"), "earliest")));
	CHECK_INT(json_array_size(json_object_get(j, "backups")), 0);
	json_decref(j);
	add_segs(cat, 1, 1, 3, "");
	CHECK(has_warning(cat, "no backups in the catalog of server "
			       "'pg-main', only WAL"));
	catalog_free(cat);
	cat = two_backups();
	CHECK(has_warning(cat, "no WAL in the catalog of server 'pg-main'"));
	check_plan(cat, &t, NULL, NULL, NULL, ERR_PRECONDITION,
		   "WAL segment 000000010000000000000018 is missing");
	catalog_free(cat);
}

static void
catalog_warns_about_naive_times(void)
{
	struct catalog *cat = catalog_new("s3://bk/pg", "pg-main", 1048576);
	size_t len;
	char *buf = test_read_fixture("catalog/naive-crlf.info", &len);
	struct error err = ERROR_INIT;

	CHECK_INT(
		catalog_add_backup_info(cat, "20261124T100000", buf, len, &err),
		0);
	CHECK(has_warning(cat, "backup '20261124T100000': backup.info times "
			       "have no zone and were read as UTC"));
	CHECK_INT(catalog_backup_count(cat), 1);
	CHECK_STR(catalog_backup_at(cat, 0)->id, "20261124T100000");
	CHECK(catalog_find_backup(cat, "20261124T100000") != NULL);
	/* The same id again replaces the first. */
	CHECK_INT(
		catalog_add_backup_info(cat, "20261124T100000", buf, len, &err),
		0);
	CHECK_INT(catalog_backup_count(cat), 1);
	/* A malformed backup.info is refused with its id. */
	CHECK_INT(catalog_add_backup_info(cat, "20261124T110000", "x", 1, &err),
		  -1);
	CHECK_STR(err.msg, "backup.info of '20261124T110000': line 1: "
			   "expected key=value");
	CHECK_INT(catalog_backup_count(cat), 1);
	error_clear(&err);
	free(buf);
	catalog_free(cat);
}

static void
catalog_json_document(void)
{
	struct catalog *cat = two_backups();
	json_t *j, *b, *tl, *w;
	char *dump;
	const char *hist = "1\t0/28000000\tpromoted\n";
	struct error err = ERROR_INIT;

	add_backup(cat, "20261124T150000", "FAILED", 18000, 0, 1, 0x31000028,
		   0);
	add_segs(cat, 1, 2, 0x14, "");
	add_segs(cat, 1, 0x17, 0x28, "");
	CHECK_INT(catalog_add_history(cat, 2, hist, strlen(hist), &err), 0);
	add_segs(cat, 2, 0x28, 0x29, "");
	j = catalog_to_json(cat);
	CHECK_STR(json_string_value(json_object_get(j, "destinationPath")),
		  "s3://bk/pg");
	CHECK_STR(json_string_value(json_object_get(j, "serverName")),
		  "pg-main");
	b = json_array_get(json_object_get(j, "backups"), 0);
	dump = jsonmem_dumps(b, JSON_SORT_KEYS | JSON_COMPACT);
	CHECK_STR(dump,
		  "{\"beginLsn\":\"0/2000028\",\"beginTime\":\"2026-11-24T09:"
		  "59:00.250000Z\",\"beginWal\":\"000000010000000000000002\","
		  "\"endLsn\":\"0/2000138\",\"endTime\":\"2026-11-24T10:00:"
		  "03Z\",\"endWal\":\"000000010000000000000002\",\"error\":"
		  "null,\"id\":\"20261124T095900\",\"name\":null,\"size\":"
		  "null,\"status\":\"DONE\",\"timeline\":1}");
	free(dump);
	b = json_array_get(json_object_get(j, "backups"), 2);
	CHECK_STR(json_string_value(json_object_get(b, "status")), "FAILED");
	CHECK(json_is_null(json_object_get(b, "endTime")));
	CHECK_STR(json_string_value(json_object_get(b, "error")),
		  "upload failed");
	tl = json_object_get(j, "timelines");
	dump = jsonmem_dumps(tl, JSON_SORT_KEYS | JSON_COMPACT);
	CHECK_STR(dump,
		  "[{\"gaps\":[{\"first\":\"000000010000000000000015\","
		  "\"last\":\"000000010000000000000016\"}],\"id\":1,"
		  "\"parent\":null,\"switchLsn\":null,\"walRanges\":[{"
		  "\"first\":\"000000010000000000000002\",\"last\":"
		  "\"000000010000000000000014\"},{\"first\":"
		  "\"000000010000000000000017\",\"last\":"
		  "\"000000010000000000000028\"}]},{\"gaps\":[],\"id\":2,"
		  "\"parent\":1,\"switchLsn\":\"0/28000000\",\"walRanges\":[{"
		  "\"first\":\"000000020000000000000028\",\"last\":"
		  "\"000000020000000000000029\"}]}]");
	free(dump);
	w = json_object_get(j, "window");
	CHECK_STR(json_string_value(json_object_get(w, "earliest")),
		  "2026-11-24T10:00:03Z");
	/* B2 (begin 18) reaches 28 on timeline 1, then 28-29 on 2. */
	CHECK_STR(json_string_value(json_object_get(w, "latest")),
		  "2026-11-24T13:55:00Z");
	CHECK_INT(json_integer_value(json_object_get(w, "timeline")), 2);
	CHECK(json_is_true(json_object_get(w, "latestIsUpperBound")));
	CHECK(strstr(json_string_value(json_object_get(w, "basis")),
		     "000000020000000000000029") != NULL);
	CHECK(json_array_size(json_object_get(j, "warnings")) >= 2);
	json_decref(j);
	catalog_free(cat);
	error_clear(&err);
}

static void
catalog_memory_is_bounded_by_ranges(void)
{
	struct catalog *cat = catalog_new("s3://bk/pg", "big", 0);
	const struct catalog_timeline *tl;
	char name[25];
	struct strbuf key = STRBUF_INIT;
	uint64_t k;

	for (k = 1; k <= 1000000; k++) {
		catalog_wal_format(name, 1, k, catalog_segsize(cat));
		strbuf_reset(&key);
		strbuf_addf(&key, "wals/%.16s/%s.gz", name, name);
		catalog_add_object(cat, key.buf, key.len, 1,
				   (time_t)(T0 + (int64_t)k));
	}
	tl = catalog_timeline_find(cat, 1);
	CHECK(tl && tl->nr_ranges == 1);
	CHECK(catalog_range_slots(cat) <= 2);
	CHECK_INT(tl->ranges[0].last, 1000000);
	/* Every other segment missing at the end: slots grow with gaps. */
	for (k = 1000002; k <= 1000200; k += 2) {
		catalog_wal_format(name, 1, k, catalog_segsize(cat));
		strbuf_reset(&key);
		strbuf_addf(&key, "wals/%.16s/%s", name, name);
		catalog_add_object(cat, key.buf, key.len, 1, (time_t)T0);
	}
	CHECK_INT(tl->nr_ranges, 101);
	CHECK(catalog_range_slots(cat) <= 256);
	strbuf_release(&key);
	catalog_free(cat);
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
	TEST(catalog_contiguous_window_and_choice),
	TEST(catalog_gap_and_failed_newest),
	TEST(catalog_backup_wal_not_covered),
	TEST(catalog_two_timelines),
	TEST(catalog_three_timelines),
	TEST(catalog_segment_sizes),
	TEST(catalog_objects_out_of_order_and_misplaced),
	TEST(catalog_empty_and_backup_only),
	TEST(catalog_warns_about_naive_times),
	TEST(catalog_json_document),
	TEST(catalog_memory_is_bounded_by_ranges),
	{ NULL, NULL },
};
