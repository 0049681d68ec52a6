/*
 * catalog: parsers for what barman-cloud writes (backup.info, WAL file
 * names, timeline history files), the segment arithmetic, and the model
 * built from them: WAL runs per timeline, window, planning, JSON.
 */
#include <inttypes.h>
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
		if (line + ll > line && line[ll - 1] == '\r')
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
