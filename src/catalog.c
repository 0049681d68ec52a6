/*
 * catalog: parsers for what barman-cloud writes (backup.info, WAL file
 * names, timeline history files), the segment arithmetic, and the model
 * built from them: WAL runs per timeline, window, planning, JSON.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "errors.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

static const char *const status_names[] = {
	"UNKNOWN", "EMPTY",   "STARTED", "WAITING_FOR_WALS",
	"DONE",	   "SYNCING", "FAILED",
};

const char *
catalog_status_name(enum catalog_status s)
{
	if ((size_t)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "UNKNOWN";
	return status_names[s];
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Exactly n upper- or lower-case hex digits. */
static int
parse_hex32(uint32_t *out, const char *s, size_t n)
{
	uint32_t v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		int h = hexval((unsigned char)s[i]);

		if (h < 0)
			return -1;
		v = (v << 4) | (uint32_t)h;
	}
	*out = v;
	return 0;
}

/* 1 to 8 hex digits. */
static int
parse_hex_var(uint32_t *out, const char *s, size_t n)
{
	if (n < 1 || n > 8)
		return -1;
	return parse_hex32(out, s, n);
}

static int
parse_u64(uint64_t *out, const char *s, size_t n)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0 || n > 19)
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return 0;
}

int
catalog_lsn_parse(uint64_t *out, const char *text, size_t len,
		  struct error *err)
{
	const char *slash = memchr(text, '/', len);
	uint32_t hi, lo;

	if (!slash || parse_hex_var(&hi, text, (size_t)(slash - text)) < 0 ||
	    parse_hex_var(&lo, slash + 1, len - (size_t)(slash - text) - 1) < 0)
		return error_set(err, ERR_CATALOG,
				 "invalid LSN '%.*s': expected X/Y in hex",
				 (int)(len > 40 ? 40 : len), text);
	*out = ((uint64_t)hi << 32) | lo;
	return 0;
}

void
catalog_lsn_format(char *buf, uint64_t lsn)
{
	snprintf(buf, 18, "%" PRIX32 "/%" PRIX32, (uint32_t)(lsn >> 32),
		 (uint32_t)lsn);
}

int
catalog_wal_segsize_valid(uint64_t segsize)
{
	return segsize >= (1ULL << 20) && segsize <= (1ULL << 30) &&
	       (segsize & (segsize - 1)) == 0;
}

int
catalog_wal_segno(uint64_t *out, uint32_t log, uint32_t seg, uint64_t segsize)
{
	uint64_t per = 0x100000000ULL / segsize;

	if (seg >= per)
		return -1;
	*out = (uint64_t)log * per + seg;
	return 0;
}

void
catalog_wal_format(char *buf, uint32_t tli, uint64_t segno, uint64_t segsize)
{
	uint64_t per = 0x100000000ULL / segsize;

	snprintf(buf, 25, "%08" PRIX32 "%08" PRIX32 "%08" PRIX32, tli,
		 (uint32_t)(segno / per), (uint32_t)(segno % per));
}

uint64_t
catalog_wal_lsn_segno(uint64_t lsn, uint64_t segsize)
{
	return lsn / segsize;
}

static const char *const compressions[] = { "gz",     "bz2", "xz",
					    "snappy", "zst", "lz4" };

static int
all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (hexval((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

void
catalog_wal_parse_name(struct catalog_wal_name *out, const char *name,
		       size_t len)
{
	struct catalog_wal_name w;
	size_t i;

	memset(&w, 0, sizeof(w));
	for (i = 0; i < sizeof(compressions) / sizeof(compressions[0]); i++) {
		size_t cl = strlen(compressions[i]);

		if (len > cl + 1 && name[len - cl - 1] == '.' &&
		    memcmp(name + len - cl, compressions[i], cl) == 0) {
			w.compression = compressions[i];
			len -= cl + 1;
			break;
		}
	}
	if (len == 16 && memcmp(name + 8, ".history", 8) == 0 &&
	    all_hex(name, 8)) {
		w.kind = CATALOG_WAL_HISTORY;
		parse_hex32(&w.tli, name, 8);
	} else if (len >= 24 && all_hex(name, 24)) {
		parse_hex32(&w.tli, name, 8);
		parse_hex32(&w.log, name + 8, 8);
		parse_hex32(&w.seg, name + 16, 8);
		if (len == 24)
			w.kind = CATALOG_WAL_SEGMENT;
		else if (len == 32 && memcmp(name + 24, ".partial", 8) == 0)
			w.kind = CATALOG_WAL_PARTIAL;
		else if (len == 40 && name[24] == '.' &&
			 all_hex(name + 25, 8) &&
			 memcmp(name + 33, ".backup", 7) == 0) {
			w.kind = CATALOG_WAL_BACKUP_LABEL;
			parse_hex32(&w.offset, name + 25, 8);
		}
	}
	if (w.kind == CATALOG_WAL_OTHER || w.tli == 0)
		memset(&w, 0, sizeof(w));
	*out = w;
}

/* backup.info */

void
catalog_backup_free(struct catalog_backup *b)
{
	if (!b)
		return;
	free(b->id);
	free(b->name);
	free(b->begin_wal);
	free(b->end_wal);
	free(b->compression);
	free(b->error);
	free(b->server_name);
	free(b->systemid);
	free(b->mode);
	free(b);
}

static int
key_is(const char *k, size_t kl, const char *want)
{
	return strlen(want) == kl && memcmp(k, want, kl) == 0;
}

static int
parse_status(enum catalog_status *out, const char *v, size_t vl)
{
	size_t i;

	for (i = 1; i < sizeof(status_names) / sizeof(status_names[0]); i++)
		if (key_is(v, vl, status_names[i])) {
			*out = (enum catalog_status)i;
			return 0;
		}
	return -1;
}

static int
parse_time(struct timefmt_time *out, int *naive, const char *v, size_t vl,
	   struct strbuf *why)
{
	struct timefmt_target t;
	struct error e = ERROR_INIT;
	struct timefmt_time zero = { 0, 0 };
	char *s;
	int rc = -1;

	if (vl == 0 || v[0] < '0' || v[0] > '9') {
		strbuf_addstr(why, "expected a time like '2026-11-24 "
				   "23:27:21.942828+00:00'");
		return -1;
	}
	s = xstrndup(v, vl);
	if (timefmt_parse_target(&t, s, zero, &e) < 0) {
		strbuf_addstr(why, e.msg ? e.msg : "invalid time");
		goto out;
	}
	*out = t.time;
	if (t.assumed_utc)
		*naive = 1;
	rc = 0;
out:
	error_clear(&e);
	free(s);
	return rc;
}

static int
parse_wal_field(char **out, const char *v, size_t vl, struct strbuf *why)
{
	struct catalog_wal_name w;

	catalog_wal_parse_name(&w, v, vl);
	if (w.kind != CATALOG_WAL_SEGMENT || w.compression) {
		strbuf_addstr(why, "expected a 24-hex WAL segment name");
		return -1;
	}
	*out = xstrndup(v, vl);
	return 0;
}

/* One key=value; 0 ok (or ignored), -1 with why filled. */
static int
backup_field(struct catalog_backup *b, const char *k, size_t kl, const char *v,
	     size_t vl, struct strbuf *why)
{
	int none = key_is(v, vl, "None");
	uint64_t u = 0;
	struct error e = ERROR_INIT;

	if (key_is(k, kl, "backup_name")) {
		free(b->name);
		b->name = none ? NULL : xstrndup(v, vl);
	} else if (key_is(k, kl, "status")) {
		if (parse_status(&b->status, v, vl) < 0) {
			strbuf_addstr(why, "unknown status, expected EMPTY, "
					   "STARTED, WAITING_FOR_WALS, DONE, "
					   "SYNCING or FAILED");
			return -1;
		}
	} else if (key_is(k, kl, "begin_time") || key_is(k, kl, "end_time")) {
		int begin = k[0] == 'b';

		if (none) {
			if (begin)
				b->has_begin_time = 0;
			else
				b->has_end_time = 0;
			return 0;
		}
		if (parse_time(begin ? &b->begin_time : &b->end_time,
			       &b->naive_time, v, vl, why) < 0)
			return -1;
		if (begin)
			b->has_begin_time = 1;
		else
			b->has_end_time = 1;
	} else if (key_is(k, kl, "begin_wal") || key_is(k, kl, "end_wal")) {
		char **dst = k[0] == 'b' ? &b->begin_wal : &b->end_wal;

		free(*dst);
		*dst = NULL;
		if (!none && parse_wal_field(dst, v, vl, why) < 0)
			return -1;
	} else if (key_is(k, kl, "begin_xlog") || key_is(k, kl, "end_xlog")) {
		int begin = k[0] == 'b';
		uint64_t lsn = 0;

		if (none)
			return 0;
		if (catalog_lsn_parse(&lsn, v, vl, &e) < 0) {
			strbuf_addstr(why, e.msg);
			error_clear(&e);
			return -1;
		}
		if (begin) {
			b->begin_lsn = lsn;
			b->has_begin_lsn = 1;
		} else {
			b->end_lsn = lsn;
			b->has_end_lsn = 1;
		}
	} else if (key_is(k, kl, "timeline")) {
		if (none)
			return 0;
		if (parse_u64(&u, v, vl) < 0 || u == 0 || u > UINT32_MAX) {
			strbuf_addstr(why, "expected a timeline number");
			return -1;
		}
		b->timeline = (uint32_t)u;
	} else if (key_is(k, kl, "size") ||
		   key_is(k, kl, "deduplicated_size") ||
		   key_is(k, kl, "version")) {
		int64_t *dst = key_is(k, kl, "size") ? &b->size
			       : k[0] == 'd'	     ? &b->deduplicated_size
						     : &b->version;

		if (none)
			return 0;
		if (parse_u64(&u, v, vl) < 0 || u > INT64_MAX) {
			strbuf_addstr(why, "expected a number");
			return -1;
		}
		*dst = (int64_t)u;
	} else if (key_is(k, kl, "xlog_segment_size")) {
		if (none)
			return 0;
		if (parse_u64(&u, v, vl) < 0 || !catalog_wal_segsize_valid(u)) {
			strbuf_addstr(why, "expected a power of two from "
					   "1048576 to 1073741824");
			return -1;
		}
		b->segsize = u;
	} else {
		char **dst = NULL;

		if (key_is(k, kl, "compression"))
			dst = &b->compression;
		else if (key_is(k, kl, "error"))
			dst = &b->error;
		else if (key_is(k, kl, "server_name"))
			dst = &b->server_name;
		else if (key_is(k, kl, "systemid"))
			dst = &b->systemid;
		else if (key_is(k, kl, "mode"))
			dst = &b->mode;
		if (dst) {
			free(*dst);
			*dst = none ? NULL : xstrndup(v, vl);
		}
	}
	return 0;
}

/* 1 if the line of ll bytes ends in a carriage return. */
static int
strip_cr(const char *line, size_t ll)
{
	return ll != 0 && line[ll - 1] == '\r';
}

int
catalog_backup_parse(struct catalog_backup **out, const char *id,
		     const char *buf, size_t len, struct error *err)
{
	struct catalog_backup *b = xcalloc(1, sizeof(*b));
	struct strbuf why = STRBUF_INIT;
	size_t pos = 0, lineno = 0;
	int rc = -1;

	b->id = xstrdup(id);
	b->size = -1;
	b->deduplicated_size = -1;
	b->segsize = CATALOG_DEFAULT_SEGSIZE;
	while (pos < len) {
		const char *line = buf + pos, *nl, *eq;
		size_t ll;

		nl = memchr(line, '\n', len - pos);
		ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl ? 1 : 0);
		lineno++;
		if (strip_cr(line, ll))
			ll--;
		if (ll == 0)
			continue;
		eq = memchr(line, '=', ll);
		if (!eq || eq == line) {
			error_set(err, ERR_CATALOG,
				  "backup.info of '%s': line %zu: expected "
				  "key=value",
				  id, lineno);
			goto out;
		}
		if (memchr(line, '\0', ll)) {
			error_set(err, ERR_CATALOG,
				  "backup.info of '%s': line %zu: NUL byte", id,
				  lineno);
			goto out;
		}
		if (backup_field(b, line, (size_t)(eq - line), eq + 1,
				 ll - (size_t)(eq - line) - 1, &why) < 0) {
			error_set(err, ERR_CATALOG,
				  "backup.info of '%s': line %zu: %.*s: %s", id,
				  lineno, (int)(eq - line), line, why.buf);
			goto out;
		}
	}
	if (lineno == 0) {
		error_set(err, ERR_CATALOG, "backup.info of '%s' is empty", id);
		goto out;
	}
	if (b->status == CATALOG_STATUS_UNKNOWN) {
		error_set(err, ERR_CATALOG, "backup.info of '%s': no status",
			  id);
		goto out;
	}
	*out = b;
	b = NULL;
	rc = 0;
out:
	if (rc < 0)
		error_hint_default(err,
				   "download base/%s/backup.info and check it; "
				   "barman-cloud writes it last, so a broken "
				   "one means a failed upload",
				   id);
	catalog_backup_free(b);
	strbuf_release(&why);
	return rc;
}

/* History files. */

int
catalog_history_parse(struct catalog_history_entry **out, size_t *n,
		      uint32_t tli, const char *buf, size_t len,
		      struct error *err)
{
	struct catalog_history_entry *v = NULL;
	size_t nr = 0, alloc = 0, pos = 0, lineno = 0;
	int rc = -1;

	while (pos < len) {
		const char *line = buf + pos, *nl, *p, *end, *q;
		size_t ll;
		uint64_t parent = 0, lsn = 0;
		struct error e = ERROR_INIT;

		nl = memchr(line, '\n', len - pos);
		ll = nl ? (size_t)(nl - line) : len - pos;
		pos += ll + (nl ? 1 : 0);
		lineno++;
		p = line;
		end = line + ll;
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p == end || *p == '#')
			continue;
		q = p;
		while (q < end && *q >= '0' && *q <= '9')
			q++;
		if (parse_u64(&parent, p, (size_t)(q - p)) < 0 || parent == 0 ||
		    parent >= tli ||
		    (nr > 0 && parent <= v[nr - 1].parent_tli)) {
			error_set(err, ERR_CATALOG,
				  "history file of timeline %" PRIu32
				  ": line %zu: expected a parent timeline "
				  "below %" PRIu32 " and above the previous "
				  "line's",
				  tli, lineno, tli);
			goto out;
		}
		if (q == end || (*q != '\t' && *q != ' ')) {
			error_set(err, ERR_CATALOG,
				  "history file of timeline %" PRIu32
				  ": line %zu: expected TLI<TAB>LSN<TAB>reason",
				  tli, lineno);
			goto out;
		}
		while (q < end && (*q == '\t' || *q == ' '))
			q++;
		p = q;
		while (q < end && *q != '\t' && *q != ' ' && *q != '\r')
			q++;
		if (catalog_lsn_parse(&lsn, p, (size_t)(q - p), &e) < 0) {
			error_set(err, ERR_CATALOG,
				  "history file of timeline %" PRIu32
				  ": line %zu: %s",
				  tli, lineno, e.msg);
			error_clear(&e);
			goto out;
		}
		if (nr == alloc) {
			alloc = alloc ? alloc * 2 : 4;
			v = xreallocarray(v, alloc, sizeof(*v));
		}
		v[nr].parent_tli = (uint32_t)parent;
		v[nr].switch_lsn = lsn;
		nr++;
	}
	if (nr == 0) {
		error_set(err, ERR_CATALOG,
			  "history file of timeline %" PRIu32
			  " names no parent timeline",
			  tli);
		goto out;
	}
	*out = v;
	*n = nr;
	v = NULL;
	rc = 0;
out:
	if (rc < 0)
		error_hint_default(err,
				   "download wals/%08" PRIX32
				   ".history and compare it with "
				   "pg_wal/%08" PRIX32
				   ".history on the primary",
				   tli, tli);
	free(v);
	return rc;
}

/* The model. */

struct catalog {
	char *destination_path, *server_name;
	uint64_t segsize;
	int have_wal; /* segsize is fixed once a segment was added */
	struct catalog_backup **backups; /* sorted by id */
	size_t nr_backups, alloc_backups;
	struct catalog_timeline *timelines; /* sorted by id */
	size_t nr_timelines, alloc_timelines;
	size_t misplaced, others, bad_segments;
	char *first_misplaced, *first_other;
};

struct catalog *
catalog_new(const char *destination_path, const char *server_name,
	    uint64_t segsize)
{
	struct catalog *cat = xcalloc(1, sizeof(*cat));

	cat->destination_path =
		xstrdup(destination_path ? destination_path : "");
	cat->server_name = xstrdup(server_name ? server_name : "");
	cat->segsize = catalog_wal_segsize_valid(segsize)
			       ? segsize
			       : CATALOG_DEFAULT_SEGSIZE;
	cat->have_wal = catalog_wal_segsize_valid(segsize);
	return cat;
}

void
catalog_free(struct catalog *cat)
{
	size_t i;

	if (!cat)
		return;
	for (i = 0; i < cat->nr_backups; i++)
		catalog_backup_free(cat->backups[i]);
	free(cat->backups);
	for (i = 0; i < cat->nr_timelines; i++)
		free(cat->timelines[i].ranges);
	free(cat->timelines);
	free(cat->destination_path);
	free(cat->server_name);
	free(cat->first_misplaced);
	free(cat->first_other);
	free(cat);
}

static struct catalog_timeline *
timeline_get(struct catalog *cat, uint32_t tli)
{
	size_t lo = 0, hi = cat->nr_timelines;
	struct catalog_timeline *t;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cat->timelines[mid].id < tli)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < cat->nr_timelines && cat->timelines[lo].id == tli)
		return &cat->timelines[lo];
	if (cat->nr_timelines == cat->alloc_timelines) {
		cat->alloc_timelines =
			cat->alloc_timelines ? cat->alloc_timelines * 2 : 4;
		cat->timelines =
			xreallocarray(cat->timelines, cat->alloc_timelines,
				      sizeof(*cat->timelines));
	}
	memmove(&cat->timelines[lo + 1], &cat->timelines[lo],
		(cat->nr_timelines - lo) * sizeof(*cat->timelines));
	cat->nr_timelines++;
	t = &cat->timelines[lo];
	memset(t, 0, sizeof(*t));
	t->id = tli;
	return t;
}

const struct catalog_timeline *
catalog_timeline_find(const struct catalog *cat, uint32_t tli)
{
	size_t i;

	for (i = 0; i < cat->nr_timelines; i++)
		if (cat->timelines[i].id == tli)
			return &cat->timelines[i];
	return NULL;
}

/* Add segment segno (archived at mtime) to t's runs. */
static void
ranges_add(struct catalog_timeline *t, uint64_t segno, time_t mtime)
{
	size_t lo = 0, hi = t->nr_ranges;
	struct catalog_wal_range *r = t->ranges, *prev, *next;

	/* idx = the first range starting after segno */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].first <= segno)
			lo = mid + 1;
		else
			hi = mid;
	}
	prev = lo > 0 ? &r[lo - 1] : NULL;
	next = lo < t->nr_ranges ? &r[lo] : NULL;
	if (prev && segno <= prev->last) {
		/* The same segment again (another compression, a retry). */
		if (segno == prev->last && mtime > prev->last_mtime)
			prev->last_mtime = mtime;
		if (segno == prev->first && mtime > prev->first_mtime)
			prev->first_mtime = mtime;
		return;
	}
	if (prev && prev->last + 1 == segno) {
		prev->last = segno;
		prev->last_mtime = mtime;
		if (next && next->first == segno + 1) {
			prev->last = next->last;
			prev->last_mtime = next->last_mtime;
			memmove(next, next + 1,
				(t->nr_ranges - lo - 1) * sizeof(*next));
			t->nr_ranges--;
		}
		return;
	}
	if (next && next->first == segno + 1) {
		next->first = segno;
		next->first_mtime = mtime;
		return;
	}
	if (t->nr_ranges == t->alloc_ranges) {
		t->alloc_ranges = t->alloc_ranges ? t->alloc_ranges * 2 : 2;
		t->ranges = xreallocarray(t->ranges, t->alloc_ranges,
					  sizeof(*t->ranges));
	}
	memmove(&t->ranges[lo + 1], &t->ranges[lo],
		(t->nr_ranges - lo) * sizeof(*t->ranges));
	t->nr_ranges++;
	t->ranges[lo].first = segno;
	t->ranges[lo].last = segno;
	t->ranges[lo].first_mtime = mtime;
	t->ranges[lo].last_mtime = mtime;
}

static void
note_key(size_t *count, char **first, const char *key, size_t len)
{
	if ((*count)++ == 0)
		*first = xstrndup(key, len > 200 ? 200 : len);
}

void
catalog_add_object(struct catalog *cat, const char *key, size_t key_len,
		   uint64_t size, time_t mtime)
{
	struct catalog_wal_name w;
	const char *name, *slash;
	size_t nl;
	uint32_t dtli, dlog;
	uint64_t segno;

	(void)size;
	if (key_len < 5 || memcmp(key, "wals/", 5) != 0)
		return; /* base/ and anything else: backups come as backup.info
			 */
	name = key + 5;
	nl = key_len - 5;
	slash = memchr(name, '/', nl);
	if (!slash) {
		catalog_wal_parse_name(&w, name, nl);
		if (w.kind == CATALOG_WAL_HISTORY)
			timeline_get(cat, w.tli);
		else
			note_key(&cat->others, &cat->first_other, key, key_len);
		return;
	}
	catalog_wal_parse_name(&w, slash + 1, nl - (size_t)(slash - name) - 1);
	if (w.kind == CATALOG_WAL_OTHER || w.kind == CATALOG_WAL_HISTORY) {
		note_key(&cat->others, &cat->first_other, key, key_len);
		return;
	}
	if (slash - name != 16 || parse_hex32(&dtli, name, 8) < 0 ||
	    parse_hex32(&dlog, name + 8, 8) < 0 || dtli != w.tli ||
	    dlog != w.log) {
		note_key(&cat->misplaced, &cat->first_misplaced, key, key_len);
		return;
	}
	if (catalog_wal_segno(&segno, w.log, w.seg, cat->segsize) < 0) {
		note_key(&cat->bad_segments, &cat->first_misplaced, key,
			 key_len);
		return;
	}
	if (w.kind == CATALOG_WAL_PARTIAL) {
		timeline_get(cat, w.tli)->partials++;
		return;
	}
	if (w.kind != CATALOG_WAL_SEGMENT)
		return; /* backup labels are not replayed */
	cat->have_wal = 1;
	ranges_add(timeline_get(cat, w.tli), segno, mtime);
}

int
catalog_add_backup_info(struct catalog *cat, const char *id, const char *buf,
			size_t len, struct error *err)
{
	struct catalog_backup *b = NULL;
	size_t lo = 0, hi = cat->nr_backups;
	/* an array of pointers */
	const size_t psz = sizeof(struct catalog_backup *); /* NOLINT */

	if (catalog_backup_parse(&b, id, buf, len, err) < 0)
		return -1;
	if (b->status == CATALOG_STATUS_DONE && b->segsize != cat->segsize) {
		if (cat->have_wal) {
			error_set(err, ERR_CATALOG,
				  "backup '%s' has xlog_segment_size %" PRIu64
				  " but the WAL was read with %" PRIu64,
				  id, b->segsize, cat->segsize);
			error_hint(err, "add the backups before the WAL "
					"objects, or pass the segment size to "
					"catalog_new");
			catalog_backup_free(b);
			return -1;
		}
		cat->segsize = b->segsize;
		cat->have_wal = 1;
	}
	if (b->timeline)
		timeline_get(cat, b->timeline);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(cat->backups[mid]->id, id) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < cat->nr_backups && strcmp(cat->backups[lo]->id, id) == 0) {
		catalog_backup_free(cat->backups[lo]);
		cat->backups[lo] = b;
		return 0;
	}
	if (cat->nr_backups == cat->alloc_backups) {
		cat->alloc_backups =
			cat->alloc_backups ? cat->alloc_backups * 2 : 8;
		cat->backups =
			xreallocarray(cat->backups, cat->alloc_backups, psz);
	}
	memmove(&cat->backups[lo + 1], &cat->backups[lo],
		(cat->nr_backups - lo) * psz);
	cat->backups[lo] = b;
	cat->nr_backups++;
	return 0;
}

int
catalog_add_history(struct catalog *cat, uint32_t tli, const char *buf,
		    size_t len, struct error *err)
{
	struct catalog_history_entry *e = NULL;
	size_t n = 0, i;

	if (catalog_history_parse(&e, &n, tli, buf, len, err) < 0)
		return -1;
	/* Line i: timeline e[i].parent_tli ended at e[i].switch_lsn and
	 * its child is the next line's timeline (or tli). */
	for (i = 0; i < n; i++) {
		uint32_t child = i + 1 < n ? e[i + 1].parent_tli : tli;
		struct catalog_timeline *t;

		timeline_get(cat, e[i].parent_tli);
		t = timeline_get(cat, child);
		if (child == tli || !t->has_history) {
			t->parent = e[i].parent_tli;
			t->switch_lsn = e[i].switch_lsn;
			t->has_history = child == tli ? 1 : t->has_history;
		}
	}
	free(e);
	return 0;
}

size_t
catalog_backup_count(const struct catalog *cat)
{
	return cat->nr_backups;
}

const struct catalog_backup *
catalog_backup_at(const struct catalog *cat, size_t i)
{
	return i < cat->nr_backups ? cat->backups[i] : NULL;
}

const struct catalog_backup *
catalog_find_backup(const struct catalog *cat, const char *id_or_name)
{
	size_t i;

	for (i = 0; i < cat->nr_backups; i++)
		if (strcmp(cat->backups[i]->id, id_or_name) == 0)
			return cat->backups[i];
	for (i = cat->nr_backups; i-- > 0;)
		if (cat->backups[i]->name &&
		    strcmp(cat->backups[i]->name, id_or_name) == 0)
			return cat->backups[i];
	return NULL;
}

size_t
catalog_timeline_count(const struct catalog *cat)
{
	return cat->nr_timelines;
}

const struct catalog_timeline *
catalog_timeline_at(const struct catalog *cat, size_t i)
{
	return i < cat->nr_timelines ? &cat->timelines[i] : NULL;
}

uint64_t
catalog_segsize(const struct catalog *cat)
{
	return cat->segsize;
}

size_t
catalog_range_slots(const struct catalog *cat)
{
	size_t i, n = 0;

	for (i = 0; i < cat->nr_timelines; i++)
		n += cat->timelines[i].alloc_ranges;
	return n;
}

/* Timelines, walks over the archive, windows and plans. */

static int
tcmp(struct timefmt_time a, struct timefmt_time b)
{
	if (a.sec != b.sec)
		return a.sec < b.sec ? -1 : 1;
	if (a.usec != b.usec)
		return a.usec < b.usec ? -1 : 1;
	return 0;
}

/* 1 if a segment archived at mtime (whole seconds) was at or after t. */
static int
archived_at_or_after(time_t mtime, struct timefmt_time t)
{
	return (int64_t)mtime > t.sec || ((int64_t)mtime == t.sec && !t.usec);
}

static uint32_t
latest_tli(const struct catalog *cat)
{
	return cat->nr_timelines ? cat->timelines[cat->nr_timelines - 1].id : 0;
}

/*
 * The timelines from "from" down to "to" (path[0] = from, path[n-1] = to),
 * following parents up from "to".  -1 if "from" is not an ancestor.
 */
static int
path_build(uint32_t **out, size_t *n, const struct catalog *cat, uint32_t from,
	   uint32_t to)
{
	size_t max = cat->nr_timelines + 2, nr = 0, i;
	uint32_t *p = xcalloc(max, sizeof(*p));
	uint32_t cur = to;

	while (nr < max) {
		const struct catalog_timeline *t;

		p[nr++] = cur;
		if (cur == from)
			break;
		t = catalog_timeline_find(cat, cur);
		if (!t || !t->parent || t->parent >= cur) {
			free(p);
			return -1;
		}
		cur = t->parent;
	}
	if (p[nr - 1] != from) {
		free(p);
		return -1;
	}
	for (i = 0; i < nr / 2; i++) {
		uint32_t tmp = p[i];

		p[i] = p[nr - 1 - i];
		p[nr - 1 - i] = tmp;
	}
	*out = p;
	*n = nr;
	return 0;
}

static const struct catalog_wal_range *
find_run(const struct catalog *cat, uint32_t tli, uint64_t segno)
{
	const struct catalog_timeline *t = catalog_timeline_find(cat, tli);
	size_t lo = 0, hi;

	if (!t)
		return NULL;
	hi = t->nr_ranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (t->ranges[mid].last < segno)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->nr_ranges && t->ranges[lo].first <= segno)
		return &t->ranges[lo];
	return NULL;
}

struct walk_step {
	uint32_t tli;
	uint64_t start; /* first segment needed on this timeline */
	uint64_t hi; /* last segment of this timeline before the switch */
	const struct catalog_wal_range *run; /* NULL: none (or skipped) */
	uint64_t reach; /* last contiguous segment replayable here */
	int visited;
};

struct walk {
	struct walk_step *s;
	size_t n, last; /* last: the last visited step */
	int broken;
	uint32_t miss_tli;
	uint64_t miss_segno; /* the first missing segment */
};

static void
walk_release(struct walk *w)
{
	free(w->s);
	memset(w, 0, sizeof(*w));
}

static int
backup_begin_segno(uint64_t *out, const struct catalog *cat,
		   const struct catalog_backup *b)
{
	struct catalog_wal_name w;

	if (b->begin_wal) {
		catalog_wal_parse_name(&w, b->begin_wal, strlen(b->begin_wal));
		return catalog_wal_segno(out, w.log, w.seg, cat->segsize);
	}
	if (b->has_begin_lsn) {
		*out = catalog_wal_lsn_segno(b->begin_lsn, cat->segsize);
		return 0;
	}
	return -1;
}

static int
backup_end_segno(uint64_t *out, const struct catalog *cat,
		 const struct catalog_backup *b)
{
	struct catalog_wal_name w;

	if (b->has_end_lsn) {
		*out = catalog_wal_lsn_segno(b->end_lsn, cat->segsize);
		return 0;
	}
	if (b->end_wal) {
		catalog_wal_parse_name(&w, b->end_wal, strlen(b->end_wal));
		return catalog_wal_segno(out, w.log, w.seg, cat->segsize);
	}
	return -1;
}

/*
 * Follow the archive from segment begin on path[0] to path[n-1], switching
 * at each child's switch point: the parent is needed up to the segment
 * before the one holding the switch LSN, the child from that segment on.
 */
static void
walk_run(struct walk *w, const struct catalog *cat, const uint32_t *path,
	 size_t n, uint64_t begin)
{
	uint64_t cur = begin;
	size_t i;

	memset(w, 0, sizeof(*w));
	w->s = xcalloc(n, sizeof(*w->s));
	w->n = n;
	for (i = 0; i < n; i++) {
		w->s[i].tli = path[i];
		w->s[i].hi = UINT64_MAX;
		if (i + 1 < n) {
			const struct catalog_timeline *c =
				catalog_timeline_find(cat, path[i + 1]);
			uint64_t next = catalog_wal_lsn_segno(c->switch_lsn,
							      cat->segsize);

			w->s[i].hi = next ? next - 1 : 0;
		}
	}
	for (i = 0; i < n; i++) {
		struct walk_step *s = &w->s[i];
		const struct catalog_wal_range *r;

		s->start = cur;
		s->visited = 1;
		w->last = i;
		if (i + 1 < n && (s->hi == 0 || cur > s->hi)) {
			s->reach = cur ? cur - 1 : 0;
			continue; /* nothing needed on this timeline */
		}
		r = find_run(cat, s->tli, cur);
		if (!r) {
			s->reach = cur ? cur - 1 : 0;
			w->broken = 1;
			w->miss_tli = s->tli;
			w->miss_segno = cur;
			return;
		}
		s->run = r;
		s->reach = r->last < s->hi ? r->last : s->hi;
		if (i + 1 < n) {
			if (r->last < s->hi) {
				w->broken = 1;
				w->miss_tli = s->tli;
				w->miss_segno = r->last + 1;
				return;
			}
			cur = s->hi + 1;
		}
	}
}

/* The step that holds segment segno (counted along the path). */
static size_t
walk_index(const struct walk *w, uint64_t segno)
{
	size_t i;

	for (i = 0; i + 1 < w->n; i++)
		if (segno <= w->s[i].hi)
			return i;
	return w->n - 1;
}

/*
 * 1 if segment segno at step i is replayable; else *miss_tli and *miss_segno
 * name the first missing segment.
 */
static int
walk_covers(const struct walk *w, size_t i, uint64_t segno, uint32_t *miss_tli,
	    uint64_t *miss_segno)
{
	if (i <= w->last && w->s[i].visited &&
	    (segno < w->s[i].start || (w->s[i].run && segno <= w->s[i].reach)))
		return 1;
	if (w->broken && w->last <= i) {
		*miss_tli = w->miss_tli;
		*miss_segno = w->miss_segno;
	} else {
		*miss_tli = w->s[i].tli;
		*miss_segno = w->s[i].reach + 1;
	}
	return 0;
}

/*
 * 1 if backup b can be the start of a recovery that ends on timeline to:
 * b's timeline is "to" or an ancestor left after b ended.  *path is the
 * caller's.
 */
static int
backup_path(uint32_t **path, size_t *n, const struct catalog *cat,
	    const struct catalog_backup *b, uint32_t to)
{
	if (!b->timeline || path_build(path, n, cat, b->timeline, to) < 0)
		return 0;
	if (*n > 1) {
		const struct catalog_timeline *c =
			catalog_timeline_find(cat, (*path)[1]);

		if (!b->has_end_lsn || c->switch_lsn <= b->end_lsn) {
			free(*path);
			*path = NULL;
			return 0;
		}
	}
	return 1;
}

static int
backup_usable(const struct catalog_backup *b)
{
	return b->status == CATALOG_STATUS_DONE && b->has_end_time &&
	       b->timeline;
}

/* Walk from b's begin to "to"; 0 if b has no path or no begin. */
static int
backup_walk(struct walk *w, const struct catalog *cat,
	    const struct catalog_backup *b, uint32_t to)
{
	uint32_t *path = NULL;
	size_t n = 0;
	uint64_t begin;

	if (backup_begin_segno(&begin, cat, b) < 0 ||
	    !backup_path(&path, &n, cat, b, to))
		return 0;
	walk_run(w, cat, path, n, begin);
	free(path);
	return 1;
}

/* 1 if all of b's own WAL (begin..end) is replayable in w. */
static int
walk_covers_backup(const struct walk *w, const struct catalog *cat,
		   const struct catalog_backup *b, uint32_t *miss_tli,
		   uint64_t *miss_segno)
{
	uint64_t end;

	if (backup_end_segno(&end, cat, b) < 0) {
		*miss_tli = b->timeline;
		*miss_segno = w->n ? w->s[0].start : 0;
		return 0;
	}
	return walk_covers(w, walk_index(w, end), end, miss_tli, miss_segno);
}

static char *
segname(const struct catalog *cat, uint32_t tli, uint64_t segno)
{
	char buf[25];

	catalog_wal_format(buf, tli, segno, cat->segsize);
	return xstrdup(buf);
}

void
catalog_window_release(struct catalog_window *w)
{
	free(w->basis);
	w->basis = NULL;
}

int
catalog_window(struct catalog_window *out, const struct catalog *cat,
	       uint32_t tli, struct error *err)
{
	struct catalog_window win;
	size_t i;
	uint32_t *path = NULL;
	size_t n = 0;

	memset(&win, 0, sizeof(win));
	win.timeline = tli ? tli : latest_tli(cat);
	for (i = 0; i < cat->nr_backups; i++) {
		const struct catalog_backup *b = cat->backups[i];

		if (!backup_usable(b) ||
		    !backup_path(&path, &n, cat, b, win.timeline))
			continue;
		free(path);
		path = NULL;
		if (!win.earliest_backup ||
		    tcmp(b->end_time, win.earliest) < 0) {
			win.earliest_backup = b;
			win.earliest = b->end_time;
			win.has_earliest = 1;
		}
	}
	if (!win.has_earliest)
		return error_set(err, ERR_PRECONDITION,
				 "no completed backup of server '%s' leads "
				 "to timeline %" PRIu32,
				 cat->server_name, win.timeline);
	for (i = cat->nr_backups; i-- > 0;) {
		const struct catalog_backup *b = cat->backups[i];
		struct walk w;
		uint32_t mt;
		uint64_t ms;
		const struct walk_step *s;
		char *last;

		if (!backup_usable(b) || !backup_walk(&w, cat, b, win.timeline))
			continue;
		if (!walk_covers_backup(&w, cat, b, &mt, &ms)) {
			walk_release(&w);
			continue;
		}
		s = &w.s[w.last];
		while (!s->run && s > w.s)
			s--;
		win.latest_backup = b;
		win.latest_tli = s->tli;
		win.latest_segno = s->reach;
		win.latest.sec = s->run ? (int64_t)s->run->last_mtime : 0;
		win.has_latest = s->run != NULL;
		last = segname(cat, s->tli, s->reach);
		win.basis = xasprintf(
			"latest is when segment %s (timeline %" PRIu32
			") was archived (its LastModified): the last segment "
			"of the contiguous WAL after backup '%s'%s; commits "
			"after that instant cannot be recovered, and the last "
			"commit in that segment may be earlier",
			last, s->tli, b->id,
			w.broken ? ", which stops at a missing segment" : "");
		free(last);
		walk_release(&w);
		break;
	}
	if (!win.basis)
		win.basis = xstrdup("no completed backup has all of its WAL "
				    "archived: nothing is recoverable");
	*out = win;
	return 0;
}

static char *
target_text(const struct catalog_target *t)
{
	char lsn[18];

	switch (t->kind) {
	case CATALOG_TARGET_TIME:
		return timefmt_format_rfc3339(t->time);
	case CATALOG_TARGET_LSN:
		catalog_lsn_format(lsn, t->lsn);
		return xasprintf("LSN %s", lsn);
	case CATALOG_TARGET_IMMEDIATE:
		return xstrdup("immediate (the end of the backup)");
	case CATALOG_TARGET_LATEST:
	default:
		return xstrdup("latest");
	}
}

/* " (window EARLIEST to LATEST on timeline N)" for messages. */
static void
add_window(struct strbuf *sb, const struct catalog *cat, uint32_t tli)
{
	struct catalog_window w;
	struct error e = ERROR_INIT;
	char *a, *b;

	memset(&w, 0, sizeof(w));
	if (catalog_window(&w, cat, tli, &e) < 0) {
		error_clear(&e);
		return;
	}
	a = timefmt_format_rfc3339(w.earliest);
	b = w.has_latest ? timefmt_format_rfc3339(w.latest) : xstrdup("?");
	strbuf_addf(sb, "%s to %s on timeline %" PRIu32, a, b, w.timeline);
	free(a);
	free(b);
	catalog_window_release(&w);
}

static void
hint_catalog(struct error *err, const struct catalog *cat)
{
	error_hint(err,
		   "run 'kubectl cnpgops catalog %s' to see the backups, WAL "
		   "ranges and the recovery window, and pick a target inside "
		   "it",
		   cat->server_name);
}

int
catalog_choose_backup(const struct catalog_backup **out,
		      const struct catalog *cat,
		      const struct catalog_target *target, struct error *err)
{
	uint32_t to = target->tli ? target->tli : latest_tli(cat);
	const struct catalog_backup *found = NULL, *oldest = NULL;
	uint32_t *path = NULL;
	size_t n = 0, i, done = 0;
	char *tt = target_text(target), *et = NULL;
	struct strbuf win = STRBUF_INIT;
	int rc = -1;

	if (target->backup_id) {
		const struct catalog_backup *b =
			catalog_find_backup(cat, target->backup_id);

		if (!b) {
			error_set(err, ERR_NOT_FOUND,
				  "backup '%s' is not in the catalog of "
				  "server '%s'",
				  target->backup_id, cat->server_name);
			hint_catalog(err, cat);
			goto out;
		}
		if (!backup_usable(b)) {
			error_set(err, ERR_PRECONDITION,
				  "backup '%s' has status %s, not DONE%s%s",
				  b->id, catalog_status_name(b->status),
				  b->error ? ": " : "",
				  b->error ? b->error : "");
			hint_catalog(err, cat);
			goto out;
		}
		if (!backup_path(&path, &n, cat, b, to)) {
			error_set(err, ERR_PRECONDITION,
				  "backup '%s' is on timeline %" PRIu32
				  ", which does not lead to timeline %" PRIu32
				  " before the backup's end",
				  b->id, b->timeline, to);
			hint_catalog(err, cat);
			goto out;
		}
		if (target->kind == CATALOG_TARGET_TIME &&
		    tcmp(b->end_time, target->time) > 0) {
			et = timefmt_format_rfc3339(b->end_time);
			error_set(err, ERR_PRECONDITION,
				  "target %s is before the end of backup "
				  "'%s' (%s)",
				  tt, b->id, et);
			hint_catalog(err, cat);
			goto out;
		}
		if (target->kind == CATALOG_TARGET_LSN &&
		    b->end_lsn > target->lsn) {
			char lsn[18];

			catalog_lsn_format(lsn, b->end_lsn);
			error_set(err, ERR_PRECONDITION,
				  "target %s is before the end of backup "
				  "'%s' (LSN %s)",
				  tt, b->id, lsn);
			hint_catalog(err, cat);
			goto out;
		}
		found = b;
	}
	for (i = cat->nr_backups; !found && i-- > 0;) {
		const struct catalog_backup *b = cat->backups[i];

		if (!backup_usable(b))
			continue;
		done++;
		if (!backup_path(&path, &n, cat, b, to))
			continue;
		free(path);
		path = NULL;
		if (!oldest || tcmp(b->end_time, oldest->end_time) < 0)
			oldest = b;
		if (target->kind == CATALOG_TARGET_TIME &&
		    tcmp(b->end_time, target->time) > 0)
			continue;
		if (target->kind == CATALOG_TARGET_LSN &&
		    (!b->has_end_lsn || b->end_lsn > target->lsn))
			continue;
		found = b;
	}
	if (!found) {
		if (done == 0) {
			error_set(err, ERR_PRECONDITION,
				  "no completed backup in the catalog of "
				  "server '%s'",
				  cat->server_name);
			error_hint(err,
				   "take one with 'kubectl cnpgops backup "
				   "now CLUSTER' and wait for it to complete");
		} else if (!oldest) {
			error_set(err, ERR_PRECONDITION,
				  "no completed backup on timeline %" PRIu32
				  " or on an ancestor it leaves after the "
				  "backup's end",
				  to);
			hint_catalog(err, cat);
		} else if (target->kind == CATALOG_TARGET_LSN) {
			char lsn[18];

			catalog_lsn_format(lsn, oldest->end_lsn);
			error_set(err, ERR_PRECONDITION,
				  "target %s is before the earliest "
				  "recoverable point LSN %s (end of backup "
				  "%s)",
				  tt, lsn, oldest->id);
			hint_catalog(err, cat);
		} else {
			et = timefmt_format_rfc3339(oldest->end_time);
			add_window(&win, cat, to);
			error_set(err, ERR_PRECONDITION,
				  "target %s is before the earliest "
				  "recoverable point %s (end of backup %s)",
				  tt, et, oldest->id);
			if (win.len)
				error_hint(err,
					   "pick a target inside the window "
					   "%s, or run 'kubectl cnpgops "
					   "catalog %s'",
					   win.buf, cat->server_name);
		}
		goto out;
	}
	*out = found;
	rc = 0;
out:
	free(path);
	free(tt);
	free(et);
	strbuf_release(&win);
	return rc;
}

void
catalog_plan_release(struct catalog_plan *p)
{
	catalog_window_release(&p->window);
}

static int
missing_error(struct error *err, const struct catalog *cat,
	      const struct catalog_backup *b, const char *tt, uint32_t tli,
	      uint64_t segno)
{
	char name[25];
	struct strbuf win = STRBUF_INIT;
	uint64_t per = 0x100000000ULL / cat->segsize;

	catalog_wal_format(name, tli, segno, cat->segsize);
	error_set(err, ERR_PRECONDITION,
		  "WAL segment %s is missing from the archive: recovering "
		  "backup '%s' to %s needs it",
		  name, b->id, tt);
	add_window(&win, cat, 0);
	error_hint(err,
		   "look for wals/%08" PRIX32 "%08" PRIX32
		   "/%s in the object store (is archiving failing?), or pick "
		   "a target inside the window %s",
		   tli, (uint32_t)(segno / per), name,
		   win.len ? win.buf : "(none)");
	strbuf_release(&win);
	return -1;
}

/*
 * The time target is after everything the walk from backup reached: name
 * the first missing segment if more WAL follows, else the end of the
 * archive.
 */
static void
time_fail(struct error *err, const struct catalog *cat,
	  const struct catalog_backup *b, const struct walk *w, const char *tt)
{
	const struct walk_step *s = &w->s[w->last];
	const struct catalog_timeline *t;
	struct timefmt_time lt = { 0, 0 };
	struct strbuf win = STRBUF_INIT;
	char name[25], *lts;

	while (!s->run && s > w->s)
		s--;
	if (w->broken) {
		missing_error(err, cat, b, tt, w->miss_tli, w->miss_segno);
		return;
	}
	t = catalog_timeline_find(cat, s->tli);
	if (s->run && t && s->run != &t->ranges[t->nr_ranges - 1]) {
		missing_error(err, cat, b, tt, s->tli, s->reach + 1);
		return;
	}
	lt.sec = s->run ? (int64_t)s->run->last_mtime : 0;
	lts = timefmt_format_rfc3339(lt);
	catalog_wal_format(name, s->tli, s->reach, cat->segsize);
	error_set(err, ERR_PRECONDITION,
		  "target %s is after the latest recoverable point %s (when "
		  "%s, the last archived segment of timeline %" PRIu32
		  ", was archived)",
		  tt, lts, name, s->tli);
	add_window(&win, cat, 0);
	error_hint(
		err,
		"check that WAL archiving works ('kubectl cnpgops "
		"archive-test CLUSTER'), or pick a target inside the window %s",
		win.len ? win.buf : "(none)");
	strbuf_release(&win);
	free(lts);
}

int
catalog_check_coverage(struct catalog_plan *out, const struct catalog *cat,
		       const struct catalog_backup *backup,
		       const struct catalog_target *target, struct error *err)
{
	uint32_t to = target->tli ? target->tli : latest_tli(cat);
	struct catalog_plan plan;
	struct walk w;
	char *tt = target_text(target);
	uint32_t mt = 0;
	uint64_t ms = 0, begin = 0, seg = 0;
	size_t idx, i;
	int have_walk = 0, rc = -1;

	memset(&plan, 0, sizeof(plan));
	memset(&w, 0, sizeof(w));
	if (!backup_usable(backup) ||
	    backup_begin_segno(&begin, cat, backup) < 0) {
		error_set(err, ERR_PRECONDITION,
			  "backup '%s' has status %s and no complete WAL "
			  "range: it cannot be restored",
			  backup->id, catalog_status_name(backup->status));
		hint_catalog(err, cat);
		goto out;
	}
	if (!backup_walk(&w, cat, backup, to)) {
		error_set(err, ERR_PRECONDITION,
			  "backup '%s' is on timeline %" PRIu32
			  ", which does not lead to timeline %" PRIu32,
			  backup->id, backup->timeline, to);
		hint_catalog(err, cat);
		goto out;
	}
	have_walk = 1;
	if (!walk_covers_backup(&w, cat, backup, &mt, &ms)) {
		missing_error(err, cat, backup, tt, mt, ms);
		goto out;
	}
	backup_end_segno(&seg, cat, backup);
	idx = walk_index(&w, seg);
	switch (target->kind) {
	case CATALOG_TARGET_LSN:
		seg = catalog_wal_lsn_segno(target->lsn, cat->segsize);
		idx = walk_index(&w, seg);
		if (!walk_covers(&w, idx, seg, &mt, &ms)) {
			missing_error(err, cat, backup, tt, mt, ms);
			goto out;
		}
		break;
	case CATALOG_TARGET_TIME:
		for (i = 0; i <= w.last; i++)
			if (w.s[i].run &&
			    archived_at_or_after(w.s[i].run->last_mtime,
						 target->time))
				break;
		if (i > w.last) {
			time_fail(err, cat, backup, &w, tt);
			goto out;
		}
		idx = i;
		seg = w.s[i].reach;
		break;
	case CATALOG_TARGET_LATEST:
		if (w.broken) {
			missing_error(err, cat, backup, tt, w.miss_tli,
				      w.miss_segno);
			goto out;
		}
		idx = w.last;
		while (idx > 0 && !w.s[idx].run)
			idx--;
		seg = w.s[idx].reach;
		break;
	case CATALOG_TARGET_IMMEDIATE:
	default:
		break;
	}
	plan.backup = backup;
	plan.timeline = to;
	catalog_wal_format(plan.first_wal, backup->timeline, begin,
			   cat->segsize);
	catalog_wal_format(plan.last_wal, w.s[idx].tli, seg, cat->segsize);
	if (catalog_window(&plan.window, cat, to, err) < 0)
		goto out;
	*out = plan;
	rc = 0;
out:
	if (have_walk)
		walk_release(&w);
	free(tt);
	return rc;
}

int
catalog_plan(struct catalog_plan *out, const struct catalog *cat,
	     const struct catalog_target *target, struct error *err)
{
	const struct catalog_backup *b = NULL;

	if (catalog_choose_backup(&b, cat, target, err) < 0)
		return -1;
	return catalog_check_coverage(out, cat, b, target, err);
}

/* Warnings and JSON. */

struct wlist {
	char **v;
	size_t n, alloc;
};

static void wadd(struct wlist *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
wadd(struct wlist *l, const char *fmt, ...)
{
	va_list ap;

	if (l->n == l->alloc) {
		l->alloc = l->alloc ? l->alloc * 2 : 8;
		l->v = xreallocarray(l->v, l->alloc, sizeof(*l->v));
	}
	va_start(ap, fmt);
	l->v[l->n++] = xvasprintf(fmt, ap);
	va_end(ap);
}

void
catalog_warnings_free(char **w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

static void
warn_backups(struct wlist *l, const struct catalog *cat)
{
	const struct catalog_backup *oldest = NULL;
	size_t i, j;

	for (i = 0; i < cat->nr_backups; i++) {
		const struct catalog_backup *b = cat->backups[i];
		struct walk w;
		uint32_t mt;
		uint64_t ms;

		if (b->naive_time)
			wadd(l,
			     "backup '%s': backup.info times have no zone and "
			     "were read as UTC",
			     b->id);
		if (b->status == CATALOG_STATUS_FAILED) {
			wadd(l, "backup '%s' FAILED: %s", b->id,
			     b->error ? b->error : "no error recorded");
			continue;
		}
		if (!backup_usable(b)) {
			wadd(l,
			     "backup '%s' is %s, not DONE: it cannot be "
			     "restored",
			     b->id, catalog_status_name(b->status));
			continue;
		}
		if (!oldest)
			oldest = b;
		if (!backup_walk(&w, cat, b, b->timeline))
			continue;
		if (!walk_covers_backup(&w, cat, b, &mt, &ms)) {
			char name[25];

			catalog_wal_format(name, mt, ms, cat->segsize);
			wadd(l,
			     "backup '%s': its WAL %s to %s is not all "
			     "archived (first missing: %s): it cannot be "
			     "restored",
			     b->id, b->begin_wal ? b->begin_wal : "?",
			     b->end_wal ? b->end_wal : "?", name);
		}
		walk_release(&w);
	}
	if (!oldest)
		return;
	for (j = 0; j < cat->nr_timelines; j++) {
		const struct catalog_timeline *t = &cat->timelines[j];
		uint64_t begin;
		char a[25];

		if (!t->nr_ranges)
			continue;
		catalog_wal_format(a, t->id, t->ranges[0].first, cat->segsize);
		if (t->id < oldest->timeline)
			wadd(l,
			     "timeline %" PRIu32
			     ": WAL from %s predates the oldest backup '%s' "
			     "(timeline %" PRIu32 "): retention may not be "
			     "removing it",
			     t->id, a, oldest->id, oldest->timeline);
		else if (t->id == oldest->timeline &&
			 backup_begin_segno(&begin, cat, oldest) == 0 &&
			 t->ranges[0].first < begin)
			wadd(l,
			     "timeline %" PRIu32
			     ": WAL from %s is older than the oldest backup "
			     "'%s' (begin %s): retention may not be removing "
			     "it",
			     t->id, a, oldest->id,
			     oldest->begin_wal ? oldest->begin_wal : "?");
	}
}

char **
catalog_warnings(const struct catalog *cat, size_t *n)
{
	struct wlist l = { NULL, 0, 0 };
	size_t i, j, segs = 0;

	for (i = 0; i < cat->nr_timelines; i++)
		segs += cat->timelines[i].nr_ranges;
	if (cat->nr_backups == 0 && segs == 0)
		wadd(&l,
		     "the catalog of server '%s' is empty: no backups and no "
		     "WAL",
		     cat->server_name);
	else if (cat->nr_backups == 0)
		wadd(&l,
		     "no backups in the catalog of server '%s', only WAL: "
		     "nothing is recoverable",
		     cat->server_name);
	else if (segs == 0)
		wadd(&l,
		     "no WAL in the catalog of server '%s': is WAL "
		     "archiving configured?",
		     cat->server_name);
	warn_backups(&l, cat);
	for (i = 0; i < cat->nr_timelines; i++) {
		const struct catalog_timeline *t = &cat->timelines[i];

		for (j = 0; j + 1 < t->nr_ranges; j++) {
			char a[25], b[25];

			catalog_wal_format(a, t->id, t->ranges[j].last + 1,
					   cat->segsize);
			catalog_wal_format(b, t->id, t->ranges[j + 1].first - 1,
					   cat->segsize);
			wadd(&l,
			     "timeline %" PRIu32 ": WAL gap: %s to %s (%" PRIu64
			     " segments) are missing",
			     t->id, a, b,
			     t->ranges[j + 1].first - t->ranges[j].last - 1);
		}
		if (t->id > 1 && !t->has_history && t->nr_ranges)
			wadd(&l,
			     "timeline %" PRIu32
			     " has WAL but no history file wals/%08" PRIX32
			     ".history",
			     t->id, t->id);
	}
	if (cat->misplaced + cat->bad_segments)
		wadd(&l,
		     "%zu WAL objects are not in the folder their name "
		     "implies, or out of range for the segment size, e.g. '%s'",
		     cat->misplaced + cat->bad_segments, cat->first_misplaced);
	if (cat->others)
		wadd(&l, "%zu unrecognised objects under wals/, e.g. '%s'",
		     cat->others, cat->first_other);
	*n = l.n;
	return l.v;
}

static json_t *
json_time(int has, struct timefmt_time t)
{
	char *s;
	json_t *j;

	if (!has)
		return json_null();
	s = timefmt_format_rfc3339(t);
	j = json_string(s);
	free(s);
	return j;
}

static json_t *
json_str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
json_lsn(int has, uint64_t lsn)
{
	char buf[18];

	if (!has)
		return json_null();
	catalog_lsn_format(buf, lsn);
	return json_string(buf);
}

static json_t *
json_range(const struct catalog *cat, uint32_t tli, uint64_t first,
	   uint64_t last)
{
	char a[25], b[25];

	catalog_wal_format(a, tli, first, cat->segsize);
	catalog_wal_format(b, tli, last, cat->segsize);
	return json_pack("{s:s,s:s}", "first", a, "last", b);
}

json_t *
catalog_to_json(const struct catalog *cat)
{
	json_t *root = json_object(), *arr = json_array(), *win;
	struct catalog_window w;
	struct error e = ERROR_INIT;
	char **warn;
	size_t i, j, nw = 0;

	memset(&w, 0, sizeof(w));
	json_object_set_new(root, "destinationPath",
			    json_string(cat->destination_path));
	json_object_set_new(root, "serverName", json_string(cat->server_name));
	for (i = 0; i < cat->nr_backups; i++) {
		const struct catalog_backup *b = cat->backups[i];
		json_t *o = json_object();

		json_object_set_new(o, "id", json_string(b->id));
		json_object_set_new(o, "name", json_str_or_null(b->name));
		json_object_set_new(
			o, "status",
			json_string(catalog_status_name(b->status)));
		json_object_set_new(
			o, "beginTime",
			json_time(b->has_begin_time, b->begin_time));
		json_object_set_new(o, "endTime",
				    json_time(b->has_end_time, b->end_time));
		json_object_set_new(o, "timeline",
				    b->timeline ? json_integer(b->timeline)
						: json_null());
		json_object_set_new(o, "beginWal",
				    json_str_or_null(b->begin_wal));
		json_object_set_new(o, "endWal", json_str_or_null(b->end_wal));
		json_object_set_new(o, "beginLsn",
				    json_lsn(b->has_begin_lsn, b->begin_lsn));
		json_object_set_new(o, "endLsn",
				    json_lsn(b->has_end_lsn, b->end_lsn));
		json_object_set_new(o, "size",
				    b->size >= 0 ? json_integer(b->size)
						 : json_null());
		json_object_set_new(o, "error", json_str_or_null(b->error));
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "backups", arr);
	arr = json_array();
	for (i = 0; i < cat->nr_timelines; i++) {
		const struct catalog_timeline *t = &cat->timelines[i];
		json_t *o = json_object(), *ranges = json_array(),
		       *gaps = json_array();

		json_object_set_new(o, "id", json_integer(t->id));
		json_object_set_new(o, "parent",
				    t->parent ? json_integer(t->parent)
					      : json_null());
		json_object_set_new(o, "switchLsn",
				    json_lsn(t->parent != 0, t->switch_lsn));
		for (j = 0; j < t->nr_ranges; j++) {
			json_array_append_new(ranges,
					      json_range(cat, t->id,
							 t->ranges[j].first,
							 t->ranges[j].last));
			if (j + 1 < t->nr_ranges)
				json_array_append_new(
					gaps,
					json_range(cat, t->id,
						   t->ranges[j].last + 1,
						   t->ranges[j + 1].first - 1));
		}
		json_object_set_new(o, "walRanges", ranges);
		json_object_set_new(o, "gaps", gaps);
		json_array_append_new(arr, o);
	}
	json_object_set_new(root, "timelines", arr);
	if (catalog_window(&w, cat, 0, &e) == 0) {
		win = json_object();
		json_object_set_new(win, "earliest",
				    json_time(w.has_earliest, w.earliest));
		json_object_set_new(win, "latest",
				    json_time(w.has_latest, w.latest));
		json_object_set_new(win, "timeline", json_integer(w.timeline));
		json_object_set_new(win, "latestIsUpperBound", json_true());
		json_object_set_new(win, "basis", json_string(w.basis));
		catalog_window_release(&w);
	} else {
		win = json_pack("{s:n,s:n,s:o,s:b,s:s}", "earliest", "latest",
				"timeline",
				cat->nr_timelines
					? json_integer(latest_tli(cat))
					: json_null(),
				"latestIsUpperBound", 1, "basis", e.msg);
		error_clear(&e);
	}
	json_object_set_new(root, "window", win);
	arr = json_array();
	warn = catalog_warnings(cat, &nw);
	for (i = 0; i < nw; i++)
		json_array_append_new(arr, json_string(warn[i]));
	catalog_warnings_free(warn, nw);
	json_object_set_new(root, "warnings", arr);
	return root;
}
