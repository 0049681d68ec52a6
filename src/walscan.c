/*
 * walscan: archived WAL segments streamed from S3 through decomp into
 * waldec, a window of segments at a time in parallel, with the answers of
 * each segment merged in LSN order.
 */
#include "walscan.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog.h"
#include "decomp.h"
#include "errors.h"
#include "store.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

#define WINDOW	      4
#define PG_EPOCH_UNIX 946684800LL

int64_t
walscan_pgtime(time_t sec, long usec)
{
	return ((int64_t)sec - PG_EPOCH_UNIX) * 1000000 + usec;
}

void
walscan_segs_free(struct walscan_seg *segs, size_t n)
{
	size_t i;

	for (i = 0; segs && i < n; i++)
		free(segs[i].key);
	free(segs);
}

/* The timeline whose copy of segno a recovery onto tli reads. */
static uint32_t
tli_for(const struct catalog *cat, uint32_t tli, uint64_t segno)
{
	uint64_t segsize = catalog_segsize(cat);
	int hops = 0;

	while (hops++ < 1000) {
		const struct catalog_timeline *t =
			catalog_timeline_find(cat, tli);

		if (!t || !t->parent || segno >= t->switch_lsn / segsize)
			return tli;
		tli = t->parent;
	}
	return tli;
}

/* Collects the segments first..last of timeline tli from a listing. */
struct lister {
	struct walscan_seg *segs; /* segs[0] is segment first */
	uint64_t first, last, segsize;
	uint32_t tli;
	int past; /* a key beyond last was seen */
};

static int
on_seg(void *data, const struct store_object *obj, struct error *err)
{
	struct lister *l = data;
	const char *slash = strrchr(obj->key, '/');
	const char *name = slash ? slash + 1 : obj->key;
	struct catalog_wal_name wn;
	uint64_t segno;
	struct walscan_seg *s;

	(void)err;
	catalog_wal_parse_name(&wn, name, strlen(name));
	if (wn.kind != CATALOG_WAL_SEGMENT || wn.tli != l->tli ||
	    catalog_wal_segno(&segno, wn.log, wn.seg, l->segsize))
		return 0;
	if (segno > l->last) {
		l->past = 1;
		return 0;
	}
	if (segno < l->first)
		return 0;
	s = &l->segs[segno - l->first];
	if (s->key)
		return 0; /* the same segment in another compression */
	s->key = xstrdup(obj->key);
	s->tli = wn.tli;
	s->segno = segno;
	s->mtime = obj->last_modified;
	s->size = obj->size;
	return 0;
}

int
walscan_list(struct walscan_seg **out, struct store *c, const char *wals,
	     const struct catalog *cat, uint32_t tli, uint64_t first,
	     uint64_t last, struct error *err)
{
	uint64_t segsize = catalog_segsize(cat), per = 0x100000000ull / segsize;
	size_t n = (size_t)(last - first + 1), i;
	struct walscan_seg *segs = xcalloc(n, sizeof(*segs));
	uint64_t g = first;
	int rc = -1;

	while (g <= last) {
		/* a group: the same timeline and the same wals/ folder */
		uint32_t t = tli_for(cat, tli, g);
		uint64_t end = g;
		struct lister l;
		struct store_list_opts lo = { 0 };
		struct store_list_cb cb = { 0 };
		char folder[17], prev[25], *prefix, *after = NULL;
		char *token = NULL;

		while (end < last && end + 1 < (g / per + 1) * per &&
		       tli_for(cat, tli, end + 1) == t)
			end++;
		snprintf(folder, sizeof(folder), "%08X%08X", t,
			 (unsigned)(g / per));
		prefix = xasprintf("%s%s/", wals, folder);
		if (g % per) {
			catalog_wal_format(prev, t, g - 1, segsize);
			after = xasprintf("%s%s~", prefix, prev);
		}
		memset(&l, 0, sizeof(l));
		l.segs = segs + (g - first);
		l.first = g;
		l.last = end;
		l.tli = t;
		l.segsize = segsize;
		cb.object = on_seg;
		cb.data = &l;
		lo.prefix = prefix;
		lo.start_after = after;
		do {
			char *next = NULL;

			lo.continuation_token = token;
			rc = store_list_page(&next, c, &lo, &cb, err);
			free(token);
			token = next;
		} while (!rc && token && !l.past);
		free(token);
		free(prefix);
		free(after);
		if (rc)
			goto out;
		rc = -1;
		g = end + 1;
	}
	for (i = 0; i < n; i++) {
		if (!segs[i].key) {
			char name[25];

			catalog_wal_format(name, tli_for(cat, tli, first + i),
					   first + i, segsize);
			error_set(err, ERR_PRECONDITION,
				  "WAL segment %s is missing from the archive",
				  name);
			goto out;
		}
	}
	*out = segs;
	segs = NULL;
	rc = 0;
out:
	walscan_segs_free(segs, n);
	return rc;
}

/* One segment being read: its decoder and what it answered. */
struct segstate {
	const struct walscan_query *q;
	const struct walscan_seg *seg;
	uint64_t segsize;
	struct waldec *dec;
	struct decomp *z;
	int kind;
	int has_last, has_before, has_after, has_xid, has_name;
	struct wal_event last, before, after, xid, name;
	struct wal_event *rps;
	size_t nrps;
	unsigned long long fed; /* bytes of WAL after decompression */
	int short_seg; /* the object is not a whole segment */
};

static int
is_xact(const struct wal_event *ev)
{
	return ev->kind != WAL_RESTORE_POINT;
}

static int
on_event(void *data, const struct wal_event *ev, struct error *err)
{
	struct segstate *s = data;
	const struct walscan_query *q = s->q;

	(void)err;
	if (is_xact(ev)) {
		s->last = *ev;
		s->has_last = 1;
		if (q->has_time && !s->has_after) {
			int past = q->inclusive ? ev->time > q->time
						: ev->time >= q->time;

			if (past) {
				s->after = *ev;
				s->has_after = 1;
			} else {
				s->before = *ev;
				s->has_before = 1;
			}
		}
		if (q->has_xid && !s->has_xid && ev->xid == q->xid) {
			s->xid = *ev;
			s->has_xid = 1;
		}
		return 0;
	}
	if (q->name && !s->has_name && strcmp(ev->name, q->name) == 0) {
		s->name = *ev;
		s->has_name = 1;
	}
	if (q->restore_points) {
		s->rps = xreallocarray(s->rps, s->nrps + 1, sizeof(*s->rps));
		s->rps[s->nrps++] = *ev;
	}
	return 0;
}

static int
to_dec(void *data, const void *buf, size_t len, struct error *err)
{
	struct segstate *s = data;

	s->fed += len;
	return waldec_feed(s->dec, buf, len, err);
}

static void
seg_reset(struct segstate *s)
{
	const struct walscan_query *q = s->q;
	const struct walscan_seg *seg = s->seg;
	uint64_t segsize = s->segsize;
	int kind = s->kind;

	waldec_free(s->dec);
	decomp_free(s->z);
	free(s->rps);
	memset(s, 0, sizeof(*s));
	s->q = q;
	s->seg = seg;
	s->segsize = segsize;
	s->kind = kind;
	s->dec = waldec_new(seg->segno * segsize, segsize, on_event, s);
	s->z = decomp_new((enum decomp_kind)kind, to_dec, s);
}

static void
seg_free(struct segstate *s)
{
	if (!s)
		return;
	waldec_free(s->dec);
	decomp_free(s->z);
	free(s->rps);
	free(s);
}

struct batch {
	struct segstate **states;
};

static int
on_chunk(void *data, size_t i, const char *buf, size_t len, struct error *err)
{
	struct batch *b = data;
	struct segstate *s = b->states[i];
	struct waldec_status st;

	if (!buf) {
		seg_reset(s);
		return 0;
	}
	if (decomp_feed(s->z, buf, len, err)) {
		error_prefix(err, "'%s': ", s->seg->key);
		return -1;
	}
	waldec_status(s->dec, &st);
	/* past an invalid record nothing more is read */
	return st.end == WALDEC_END_INVALID ? 1 : 0;
}

static int
on_done(void *data, size_t i, const struct error *key_err, struct error *err)
{
	struct batch *b = data;
	struct segstate *s = b->states[i];
	struct waldec_status st;

	if (key_err->code != ERR_OK)
		return error_set(err, key_err->code, "%s", key_err->msg);
	waldec_status(s->dec, &st);
	if (st.end == WALDEC_END_INVALID)
		return 0;
	if (decomp_finish(s->z, err)) {
		error_prefix(err, "'%s': ", s->seg->key);
		return -1;
	}
	/* PostgreSQL refuses a restored segment of the wrong size */
	if (s->fed != s->segsize)
		s->short_seg = 1;
	return 0;
}

/* Read segs[from..to) into new states (states[0] is segs[from]). */
static int
read_window(struct segstate **states, struct store *c,
	    const struct walscan_seg *segs, size_t from, size_t to,
	    uint64_t segsize, const struct walscan_query *q, struct error *err)
{
	const char *keys[WINDOW];
	struct batch b;
	size_t i, n = to - from;

	for (i = 0; i < n; i++) {
		const struct walscan_seg *seg = &segs[from + i];
		const char *dot =
			strchr(strrchr(seg->key, '/') ? strrchr(seg->key, '/')
						      : seg->key,
			       '.');
		int kind = decomp_kind_of(dot ? dot + 1 : NULL);

		if (kind < 0) {
			error_set(err, ERR_CATALOG, "'%s': unknown compression",
				  seg->key);
			return -1;
		}
		states[i] = xcalloc(1, sizeof(**states));
		states[i]->q = q;
		states[i]->seg = seg;
		states[i]->segsize = segsize;
		states[i]->kind = kind;
		seg_reset(states[i]);
		keys[i] = seg->key;
	}
	b.states = states;
	if (store_get_stream_many(c, keys, n, WINDOW, on_chunk, on_done, &b,
				  err))
		return -1;
	return 0;
}

static void
note_invalid(struct walscan_result *r, const struct segstate *s)
{
	struct waldec_status st;

	if (r->invalid)
		return;
	if (s->short_seg) {
		r->invalid = 1;
		r->short_seg = 1;
		r->invalid_lsn = s->seg->segno * s->segsize;
		snprintf(r->reason, sizeof(r->reason),
			 "'%s' holds %llu bytes of WAL, not a whole segment "
			 "of %llu: PostgreSQL refuses it",
			 s->seg->key, s->fed, (unsigned long long)s->segsize);
		return;
	}
	waldec_status(s->dec, &st);
	if (st.end != WALDEC_END_INVALID)
		return;
	r->invalid = 1;
	r->invalid_lsn = st.end_lsn;
	snprintf(r->reason, sizeof(r->reason), "%s in '%s'", st.reason,
		 s->seg->key);
}

/* Merge a forward segment's answers, in LSN order. */
static void
merge(struct walscan_result *r, const struct segstate *s)
{
	size_t i;

	r->segments++;
	r->bytes += s->segsize;
	if (s->short_seg) {
		/* none of it is replayed */
		note_invalid(r, s);
		return;
	}
	{
		struct waldec_status st;

		waldec_status(s->dec, &st);
		r->records += st.records;
	}
	if (s->has_last) {
		r->last = s->last;
		r->has_last = 1;
		r->last_tli = s->seg->tli;
	}
	if (!r->has_after) {
		if (s->has_before) {
			r->before = s->before;
			r->has_before = 1;
			r->before_tli = s->seg->tli;
		}
		if (s->has_after) {
			r->after = s->after;
			r->has_after = 1;
			r->after_tli = s->seg->tli;
		}
	}
	if (s->has_xid && !r->has_xid) {
		r->xid = s->xid;
		r->has_xid = 1;
	}
	if (s->has_name && !r->has_name) {
		r->name = s->name;
		r->has_name = 1;
	}
	for (i = 0; i < s->nrps; i++) {
		r->rps = xreallocarray(r->rps, r->nrps + 1, sizeof(*r->rps));
		r->rps[r->nrps++] = s->rps[i];
	}
	note_invalid(r, s);
}

static int
answered(const struct walscan_result *r, const struct walscan_query *q)
{
	if (r->invalid)
		return 1;
	if (q->last || q->restore_points)
		return 0;
	if (q->has_time && !r->has_after)
		return 0;
	if (q->has_xid && !r->has_xid)
		return 0;
	if (q->name && !r->has_name)
		return 0;
	return 1;
}

static int
run_forward(struct walscan_result *r, struct store *c,
	    const struct walscan_seg *segs, size_t n, uint64_t segsize,
	    const struct walscan_query *q, struct error *err)
{
	struct segstate *states[WINDOW] = { 0 }, *prev = NULL;
	size_t w, j, m;
	int rc = -1;

	for (w = 0; w < n; w += WINDOW) {
		m = n - w < WINDOW ? n - w : WINDOW;
		memset(states, 0, sizeof(states));
		if (read_window(states, c, segs, w, w + m, segsize, q, err))
			goto out;
		if (prev) {
			if (waldec_continue(prev->dec, states[0]->dec, err))
				goto out;
			merge(r, prev);
			seg_free(prev);
			prev = NULL;
		}
		for (j = 0; j + 1 < m; j++) {
			if (waldec_continue(states[j]->dec, states[j + 1]->dec,
					    err))
				goto out;
			merge(r, states[j]);
			seg_free(states[j]);
			states[j] = NULL;
			if (r->invalid)
				break;
		}
		prev = states[m - 1];
		states[m - 1] = NULL;
		if (answered(r, q))
			break;
	}
	if (prev && !r->invalid)
		merge(r, prev);
	rc = 0;
out:
	for (j = 0; j < WINDOW; j++)
		seg_free(states[j]);
	seg_free(prev);
	return rc;
}

static int
run_backward(struct walscan_result *r, struct store *c,
	     const struct walscan_seg *segs, size_t n, uint64_t segsize,
	     const struct walscan_query *q, struct error *err)
{
	struct segstate *states[WINDOW] = { 0 }, *later = NULL;
	size_t end, j, m;
	int rc = -1, found = 0;

	for (end = n; end > 0 && !found; end -= m) {
		size_t upto;

		m = end < WINDOW ? end : WINDOW;
		memset(states, 0, sizeof(states));
		if (read_window(states, c, segs, end - m, end, segsize, q, err))
			goto out;
		if (later &&
		    waldec_continue(states[m - 1]->dec, later->dec, err))
			goto out;
		for (j = m - 1; j > 0; j--)
			if (waldec_continue(states[j - 1]->dec, states[j]->dec,
					    err))
				goto out;
		/* nothing after an invalid record counts */
		upto = m;
		for (j = 0; j < m; j++) {
			struct waldec_status st;

			r->segments++;
			r->bytes += segsize;
			waldec_status(states[j]->dec, &st);
			r->records += st.records;
			if ((st.end == WALDEC_END_INVALID ||
			     states[j]->short_seg) &&
			    upto == m) {
				/* a short segment is not replayed at all */
				upto = states[j]->short_seg ? j : j + 1;
				r->invalid = 0;
				r->short_seg = 0;
				note_invalid(r, states[j]);
			}
		}
		for (j = upto; j-- > 0;) {
			if (states[j]->has_last) {
				r->last = states[j]->last;
				r->has_last = 1;
				r->last_tli = states[j]->seg->tli;
				found = 1;
				break;
			}
		}
		seg_free(later);
		later = states[0];
		states[0] = NULL;
		for (j = 1; j < m; j++) {
			seg_free(states[j]);
			states[j] = NULL;
		}
	}
	rc = 0;
out:
	for (j = 0; j < WINDOW; j++)
		seg_free(states[j]);
	seg_free(later);
	return rc;
}

int
walscan_run(struct walscan_result *out, struct store *c,
	    const struct walscan_seg *segs, size_t n, uint64_t segsize,
	    const struct walscan_query *q, int backward, struct error *err)
{
	struct walscan_result r;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = backward ? run_backward(&r, c, segs, n, segsize, q, err)
		      : run_forward(&r, c, segs, n, segsize, q, err);
	if (rc) {
		walscan_result_release(&r);
		return -1;
	}
	*out = r;
	return 0;
}

void
walscan_result_release(struct walscan_result *r)
{
	free(r->rps);
	memset(r, 0, sizeof(*r));
}

json_t *
walscan_event_json(const struct wal_event *ev, uint32_t tli)
{
	static const char *const kinds[] = { "commit", "abort",
					     "commit-prepared",
					     "abort-prepared",
					     "restore-point" };
	struct timefmt_time t;
	char lsn[32], end[32], *ts;
	json_t *o;

	waldec_time_unix(ev->time, &t.sec, &t.usec);
	ts = timefmt_format_rfc3339(t);
	snprintf(lsn, sizeof(lsn), "%X/%X", (unsigned)(ev->lsn >> 32),
		 (unsigned)ev->lsn);
	snprintf(end, sizeof(end), "%X/%X", (unsigned)(ev->end_lsn >> 32),
		 (unsigned)ev->end_lsn);
	o = json_pack("{s:s,s:s,s:s,s:s,s:I}", "kind", kinds[ev->kind], "time",
		      ts, "lsn", lsn, "endLsn", end, "timeline",
		      (json_int_t)tli);
	if (ev->kind == WAL_RESTORE_POINT)
		json_object_set_new(o, "name", json_string(ev->name));
	else
		json_object_set_new(o, "xid", json_integer(ev->xid));
	free(ts);
	return o;
}

static void warn(json_t *doc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
warn(json_t *doc, const char *fmt, ...)
{
	json_t *w = json_object_get(doc, "warnings");
	va_list ap;
	char *msg;

	va_start(ap, fmt);
	msg = xvasprintf(fmt, ap);
	va_end(ap);
	if (json_is_array(w))
		json_array_append_new(w, json_string(msg));
	free(msg);
}

/* The last commit of tli's WAL ending at segment last (backward). */
static int
tail_commit(struct walscan_result *out, struct store *c, const char *wals,
	    const struct catalog *cat, uint32_t tli, uint64_t first,
	    uint64_t last, struct error *err)
{
	struct walscan_seg *segs = NULL;
	struct walscan_query q;
	size_t n;
	int rc;

	if (last - first + 1 > WALSCAN_TAIL_MAX)
		first = last - WALSCAN_TAIL_MAX + 1;
	n = (size_t)(last - first + 1);
	memset(&q, 0, sizeof(q));
	q.last = 1;
	if (walscan_list(&segs, c, wals, cat, tli, first, last, err))
		return -1;
	rc = walscan_run(out, c, segs, n, catalog_segsize(cat), &q, 1, err);
	walscan_segs_free(segs, n);
	return rc;
}

static void
annotate_restore_points(json_t *doc, struct store *c, const char *wals,
			const struct catalog *cat)
{
	const struct catalog_backup *oldest = NULL;
	json_t *arr = json_array();
	uint64_t from = 0, segsize = catalog_segsize(cat);
	size_t i, j;

	for (i = 0; i < catalog_backup_count(cat); i++) {
		const struct catalog_backup *b = catalog_backup_at(cat, i);

		if (b->status == CATALOG_STATUS_DONE && b->has_begin_lsn) {
			oldest = b;
			break;
		}
	}
	if (oldest)
		from = oldest->begin_lsn / segsize;
	for (i = 0; oldest && i < catalog_timeline_count(cat); i++) {
		const struct catalog_timeline *t = catalog_timeline_at(cat, i);

		for (j = 0; j < t->nr_ranges; j++) {
			const struct catalog_wal_range *rg = &t->ranges[j];
			uint64_t a = rg->first < from ? from : rg->first;
			struct walscan_seg *segs = NULL;
			struct walscan_result res;
			struct walscan_query q;
			struct error e = ERROR_INIT;
			size_t k, n;

			if (rg->last < a)
				continue;
			n = (size_t)(rg->last - a + 1);
			memset(&q, 0, sizeof(q));
			q.restore_points = 1;
			if (walscan_list(&segs, c, wals, cat, t->id, a,
					 rg->last, &e) ||
			    walscan_run(&res, c, segs, n, segsize, &q, 0, &e)) {
				warn(doc,
				     "restore points of timeline %u could not "
				     "be read: %s",
				     (unsigned)t->id, e.msg);
				error_clear(&e);
				walscan_segs_free(segs, n);
				continue;
			}
			for (k = 0; k < res.nrps; k++)
				json_array_append_new(
					arr,
					walscan_event_json(&res.rps[k], t->id));
			if (res.invalid)
				warn(doc, "WAL of timeline %u: %s",
				     (unsigned)t->id, res.reason);
			walscan_result_release(&res);
			walscan_segs_free(segs, n);
		}
	}
	json_object_set_new(doc, "restorePoints", arr);
}

void
walscan_annotate(json_t *doc, struct store *c, const char *wals,
		 const struct catalog *cat, int restore_points)
{
	json_t *tls = json_object_get(doc, "timelines");
	json_t *win = json_object_get(doc, "window");
	struct catalog_window w;
	struct error e = ERROR_INIT;
	uint32_t done_tli = 0;
	uint64_t done_seg = 0;
	struct walscan_result done_res;
	int have_done = 0;
	size_t i;

	memset(&done_res, 0, sizeof(done_res));
	for (i = 0; i < catalog_timeline_count(cat); i++) {
		const struct catalog_timeline *t = catalog_timeline_at(cat, i);
		const struct catalog_wal_range *rg;
		json_t *tl = json_array_get(tls, i);
		struct walscan_result res;

		if (!tl || !t->nr_ranges)
			continue;
		rg = &t->ranges[t->nr_ranges - 1];
		if (tail_commit(&res, c, wals, cat, t->id, rg->first, rg->last,
				&e)) {
			warn(doc,
			     "the last commit of timeline %u could not be "
			     "read from its WAL: %s",
			     (unsigned)t->id, e.msg);
			error_clear(&e);
			json_object_set_new(tl, "lastCommit", json_null());
			continue;
		}
		json_object_set_new(
			tl, "lastCommit",
			res.has_last
				? walscan_event_json(&res.last, res.last_tli)
				: json_null());
		if (res.invalid)
			warn(doc, "WAL of timeline %u: %s", (unsigned)t->id,
			     res.reason);
		if (have_done)
			walscan_result_release(&done_res);
		done_res = res;
		done_tli = t->id;
		done_seg = rg->last;
		have_done = 1;
		/* keep only the newest timeline's for the window below */
	}
	if (json_is_object(win) && catalog_window(&w, cat, 0, &e) == 0) {
		struct walscan_result res;
		int ok = 1;

		if (w.has_latest && have_done && w.latest_tli == done_tli &&
		    w.latest_segno == done_seg) {
			res = done_res;
			memset(&done_res, 0, sizeof(done_res));
		} else if (w.has_latest) {
			const struct catalog_timeline *t =
				catalog_timeline_find(cat, w.latest_tli);
			uint64_t first = w.latest_segno;
			size_t k;

			for (k = 0; t && k < t->nr_ranges; k++)
				if (t->ranges[k].first <= w.latest_segno &&
				    w.latest_segno <= t->ranges[k].last)
					first = t->ranges[k].first;
			if (tail_commit(&res, c, wals, cat, w.latest_tli, first,
					w.latest_segno, &e)) {
				warn(doc,
				     "the last commit of the window could not "
				     "be read from the WAL: %s",
				     e.msg);
				error_clear(&e);
				ok = 0;
			}
		} else {
			ok = 0;
		}
		if (ok && res.has_last) {
			json_object_set(win, "latestArchived",
					json_object_get(win, "latest"));
			json_object_set_new(
				win, "latestCommit",
				walscan_event_json(&res.last, res.last_tli));
			json_object_set(
				win, "latest",
				json_object_get(
					json_object_get(win, "latestCommit"),
					"time"));
			json_object_set_new(win, "latestIsUpperBound",
					    json_false());
			json_object_set_new(
				win, "basis",
				json_sprintf(
					"the last commit in the archived WAL "
					"(xid %u at %s); a recovery target "
					"after it cannot be reached",
					(unsigned)res.last.xid,
					json_string_value(json_object_get(
						json_object_get(win,
								"latestCommit"),
						"lsn"))));
		} else if (ok) {
			warn(doc,
			     "no commit found in the last %d segments of the "
			     "window's WAL: its latest point is the archive "
			     "time of the last segment, an upper bound",
			     WALSCAN_TAIL_MAX);
		}
		if (ok)
			walscan_result_release(&res);
		catalog_window_release(&w);
	} else {
		error_clear(&e);
	}
	if (have_done)
		walscan_result_release(&done_res);
	if (restore_points)
		annotate_restore_points(doc, c, wals, cat);
}

/* The first switch point after segment at on tli's path, or UINT64_MAX. */
static uint64_t
next_switch(const struct catalog *cat, uint32_t tli, uint64_t at)
{
	uint64_t segsize = catalog_segsize(cat), best = UINT64_MAX;
	int hops = 0;

	while (tli && hops++ < 1000) {
		const struct catalog_timeline *t =
			catalog_timeline_find(cat, tli);

		if (!t || !t->parent)
			break;
		if (t->switch_lsn / segsize > at &&
		    t->switch_lsn / segsize < best)
			best = t->switch_lsn / segsize;
		tli = t->parent;
	}
	return best;
}

uint64_t
walscan_run_end(const struct catalog *cat, uint32_t tli, uint64_t from)
{
	uint64_t at = from;
	int hops = 0;

	while (hops++ < 1000) {
		const struct catalog_timeline *t =
			catalog_timeline_find(cat, tli_for(cat, tli, at));
		uint64_t end = 0, sw;
		int found = 0;
		size_t k;

		for (k = 0; t && k < t->nr_ranges; k++)
			if (t->ranges[k].first <= at &&
			    at <= t->ranges[k].last) {
				end = t->ranges[k].last;
				found = 1;
			}
		if (!found)
			return at - 1;
		sw = next_switch(cat, tli, at);
		if (sw == UINT64_MAX || sw > end + 1)
			return end;
		/* the next segment comes from the child timeline */
		at = sw;
	}
	return at - 1;
}

int
walscan_tail(struct walscan_result *out, struct store *c,
	     const struct walscan_seg *segs, size_t n, uint64_t segsize,
	     struct error *err)
{
	struct walscan_query q;

	memset(&q, 0, sizeof(q));
	q.last = 1;
	if (n > WALSCAN_TAIL_MAX) {
		segs += n - WALSCAN_TAIL_MAX;
		n = WALSCAN_TAIL_MAX;
	}
	return walscan_run(out, c, segs, n, segsize, &q, 1, err);
}
