/*
 * plan: recoveries decided from the barman catalog read from the object
 * store: the backup, the timeline, the WAL to replay, the window.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "catalog.h"
#include "errors.h"
#include "plan.h"
#include "reader.h"
#include "strbuf.h"
#include "timefmt.h"
#include "walscan.h"
#include "xmalloc.h"

static char *
rfc3339(const struct timefmt_time *t)
{
	return timefmt_format_rfc3339(*t);
}

/* Allow this much clock skew between PostgreSQL and the object store. */
#define SKEW_SECONDS 300

static char *
event_text(const struct wal_event *ev)
{
	struct timefmt_time t;
	char *ts, *out;

	waldec_time_unix(ev->time, &t.sec, &t.usec);
	ts = rfc3339(&t);
	if (ev->kind == WAL_RESTORE_POINT)
		out = xasprintf("restore point '%s' created at %s (LSN %X/%X)",
				ev->name, ts, (unsigned)(ev->lsn >> 32),
				(unsigned)ev->lsn);
	else
		out = xasprintf(
			"xid %u %s at %s (LSN %X/%X)", ev->xid,
			ev->kind == WAL_ABORT || ev->kind == WAL_ABORT_PREPARED
				? "aborted"
				: "committed",
			ts, (unsigned)(ev->lsn >> 32), (unsigned)ev->lsn);
	free(ts);
	return out;
}

static uint64_t
backup_begin_segno(const struct catalog_backup *b, uint64_t segsize)
{
	return b->begin_lsn / segsize;
}

/* The last commit of segs[0..n): a tail scan. */
static int
last_commit(struct wal_event *out, uint32_t *tli, int *found, struct store *c,
	    const struct walscan_seg *segs, size_t n, uint64_t segsize,
	    struct error *err)
{
	struct walscan_result res;

	*found = 0;
	if (!n)
		return 0;
	if (walscan_tail(&res, c, segs, n, segsize, err))
		return -1;
	if (res.has_last) {
		*out = res.last;
		*tli = res.last_tli;
		*found = 1;
	}
	walscan_result_release(&res);
	return 0;
}

/* Time targets: the commit recovery stops before, and the last kept. */
static int
wal_time(struct plan *p, struct store *c, const struct walscan_seg *segs,
	 size_t n, uint64_t segsize, const struct timefmt_time *when,
	 unsigned flags, const char *first, const char *last, struct error *err)
{
	struct walscan_query q;
	struct walscan_result res;
	size_t start = 0;
	char *t = rfc3339(when);
	int rc = -1, found;

	while (start < n && segs[start].mtime < when->sec - SKEW_SECONDS)
		start++;
	if (start == n && n)
		start = n - 1;
	memset(&q, 0, sizeof(q));
	q.has_time = 1;
	q.time = walscan_pgtime((time_t)when->sec, when->usec);
	q.inclusive = !(flags & PLAN_EXCLUSIVE);
	memset(&res, 0, sizeof(res));
	if (walscan_run(&res, c, segs + start, n - start, segsize, &q, 0, err))
		goto out;
	if (!res.records && start > 0) {
		/* nothing readable there: try the whole range */
		walscan_result_release(&res);
		start = 0;
		if (walscan_run(&res, c, segs, n, segsize, &q, 0, err))
			goto out;
	}
	if (!res.records && !res.short_seg) {
		p->wal_note = xasprintf(
			"the WAL from %s to %s holds no record this tool can "
			"read: the target was checked against the catalog "
			"only",
			first, last);
		rc = 0;
		goto out;
	}
	p->wal_read = 1;
	if (!res.has_after) {
		struct wal_event lc = res.last;
		uint32_t lt = res.last_tli;
		char *lct;

		found = res.has_last;
		if (!found &&
		    last_commit(&lc, &lt, &found, c, segs, start, segsize, err))
			goto out;
		lct = found ? event_text(&lc) : NULL;
		if (res.invalid)
			error_set(err, ERR_PRECONDITION,
				  "the archived WAL cannot reach %s: %s%s%s", t,
				  res.reason,
				  found ? "; the last commit before it: " : "",
				  found ? lct : "");
		else
			error_set(err, ERR_PRECONDITION,
				  "no transaction commits after %s in the "
				  "archived WAL (%s .. %s): PostgreSQL would "
				  "replay to its end and fail (\"recovery "
				  "ended before configured recovery target "
				  "was reached\")%s%s",
				  t, first, last,
				  found ? "; the last commit is " : "",
				  found ? lct : "");
		error_hint(err, "recover to a time before the last commit, "
				"or to the end of the archive with --latest");
		free(lct);
		goto out;
	}
	p->stop = res.after;
	p->stop_tli = res.after_tli;
	p->has_stop = 1;
	if (res.has_before) {
		p->kept = res.before;
		p->has_kept = 1;
		p->kept_tli = res.before_tli;
	} else if (last_commit(&p->kept, &p->kept_tli, &p->has_kept, c, segs,
			       start, segsize, err)) {
		goto out;
	}
	{
		char name[25];
		uint64_t seg = p->stop.end_lsn / segsize;

		catalog_wal_format(name, p->stop_tli, seg, segsize);
		free(p->last_wal);
		p->last_wal = xstrdup(name);
	}
	p->wal_note = xasprintf("read %zu WAL segments (%llu records)",
				res.segments, res.records);
	rc = 0;
out:
	walscan_result_release(&res);
	free(t);
	return rc;
}

/*
 * xid and restore-point targets: find them in the WAL from the oldest
 * completed backup (or the pinned one) on, then restore the newest backup
 * that ended before them.
 */
static int
wal_find(struct plan *p, struct store *c, const char *wals,
	 const struct catalog *cat, uint32_t tli,
	 enum manifest_target_kind kind, const char *value,
	 const char *backup_id, struct error *err)
{
	uint64_t segsize = catalog_segsize(cat);
	const struct catalog_backup *from = NULL, *best = NULL;
	struct walscan_seg *segs = NULL;
	struct walscan_query q;
	struct walscan_result res;
	struct strbuf names = STRBUF_INIT;
	uint64_t first, end;
	size_t i, n = 0;
	char a[25], b[25];
	int rc = -1;
	const struct wal_event *ev;

	memset(&res, 0, sizeof(res));
	if (backup_id)
		from = catalog_find_backup(cat, backup_id);
	for (i = 0; !from && i < catalog_backup_count(cat); i++) {
		const struct catalog_backup *bk = catalog_backup_at(cat, i);

		if (bk->status == CATALOG_STATUS_DONE && bk->has_begin_lsn &&
		    bk->has_end_lsn)
			from = bk;
	}
	if (!from || !from->has_begin_lsn) {
		rc = 0;
		goto out;
	}
	first = backup_begin_segno(from, segsize);
	end = walscan_run_end(cat, tli, first);
	if (end < first) {
		rc = 0;
		goto out;
	}
	n = (size_t)(end - first + 1);
	if (walscan_list(&segs, c, wals, cat, tli, first, end, err))
		goto out;
	memset(&q, 0, sizeof(q));
	if (kind == MANIFEST_TARGET_XID) {
		q.has_xid = 1;
		q.xid = (uint32_t)strtoul(value, NULL, 10);
	} else {
		q.name = value;
		q.restore_points = 1;
	}
	if (walscan_run(&res, c, segs, n, segsize, &q, 0, err))
		goto out;
	catalog_wal_format(a, segs[0].tli, first, segsize);
	catalog_wal_format(b, segs[n - 1].tli, end, segsize);
	if (!res.records && !res.short_seg) {
		p->wal_note = xasprintf(
			"the WAL from %s to %s holds no record this tool can "
			"read: the target was not checked",
			a, b);
		rc = 0;
		goto out;
	}
	p->wal_read = 1;
	ev = kind == MANIFEST_TARGET_XID ? (res.has_xid ? &res.xid : NULL)
					 : (res.has_name ? &res.name : NULL);
	if (!ev) {
		for (i = 0; i < res.nrps && names.len < 400; i++)
			strbuf_addf(&names, "%s'%s'", i ? ", " : "",
				    res.rps[i].name);
		if (kind == MANIFEST_TARGET_XID)
			error_set(err, ERR_PRECONDITION,
				  "transaction %s does not commit in the "
				  "archived WAL from backup '%s' on (%s .. "
				  "%s)%s%s",
				  value, from->id, a, b,
				  res.invalid ? ": it stops at " : "",
				  res.invalid ? res.reason : "");
		else
			error_set(err, ERR_PRECONDITION,
				  "restore point '%s' is not in the archived "
				  "WAL from backup '%s' on (%s .. %s); the "
				  "restore points there: %s",
				  value, from->id, a, b,
				  names.len ? names.buf : "none");
		error_hint(err, "'kubectl cnpgops catalog --restore-points' "
				"lists the restore points; --to TIME "
				"recovers to a time");
		goto out;
	}
	if (ev->kind == WAL_ABORT || ev->kind == WAL_ABORT_PREPARED) {
		char *et = event_text(ev);

		error_set(err, ERR_PRECONDITION,
			  "transaction %s aborted (%s): recovery would stop "
			  "there and keep none of its changes",
			  value, et);
		error_hint(err, "give the xid of a committed transaction, or "
				"--to TIME");
		free(et);
		goto out;
	}
	/* the newest completed backup that ended before the target */
	for (i = 0; i < catalog_backup_count(cat); i++) {
		const struct catalog_backup *bk = catalog_backup_at(cat, i);

		if (bk->status != CATALOG_STATUS_DONE || !bk->has_end_lsn ||
		    !bk->has_begin_lsn || bk->end_lsn > ev->lsn ||
		    backup_begin_segno(bk, segsize) < first)
			continue;
		if (backup_id && bk != from)
			continue;
		best = bk;
	}
	if (!best) {
		char *et = event_text(ev);

		error_set(err, ERR_PRECONDITION,
			  "the target (%s) lies before the end of backup "
			  "'%s': no completed backup ends before it",
			  et, from->id);
		error_hint(err, "a recovery can only stop after the backup "
				"it restores has ended");
		free(et);
		goto out;
	}
	free(p->backup_id);
	p->backup_id = xstrdup(best->id);
	p->timeline = best->timeline;
	free(p->first_wal);
	p->first_wal = best->begin_wal ? xstrdup(best->begin_wal) : NULL;
	p->stop = *ev;
	p->has_stop = 1;
	p->stop_after = 1;
	p->wal_note = xasprintf("read %zu WAL segments (%llu records)",
				res.segments, res.records);
	free(p->why);
	p->why = xasprintf("the newest completed backup that ended before "
			   "the target, found in the WAL at LSN %X/%X",
			   (unsigned)(ev->lsn >> 32), (unsigned)ev->lsn);
	rc = 0;
out:
	strbuf_release(&names);
	walscan_result_release(&res);
	walscan_segs_free(segs, n);
	return rc;
}

/* The window's end is the last commit of the run: exact. */
static void
set_window_latest(struct plan *p, const struct wal_event *ev)
{
	struct timefmt_time t;

	waldec_time_unix(ev->time, &t.sec, &t.usec);
	free(p->window_latest);
	p->window_latest = rfc3339(&t);
	p->window_exact = 1;
}

/* Read what the WAL says about the plan's target. */
static int
plan_wal(struct plan *p, struct reader *r, const struct catalog *cat,
	 const struct catalog_plan *cp, enum manifest_target_kind kind,
	 const struct timefmt_time *when, const char *value,
	 const char *backup_id, unsigned flags, struct error *err)
{
	uint64_t segsize = catalog_segsize(cat), first, end;
	struct walscan_seg *segs = NULL;
	char *wals = xasprintf("%swals/", reader_prefix(r));
	size_t n = 0, k;
	char a[25], b[25];
	int rc = -1;

	if (kind == MANIFEST_TARGET_XID || kind == MANIFEST_TARGET_NAME) {
		rc = wal_find(p, reader_store(r), wals, cat, cp->timeline, kind,
			      value, backup_id, err);
		goto out;
	}
	if (kind != MANIFEST_TARGET_TIME && kind != MANIFEST_TARGET_LATEST) {
		rc = 0;
		goto out;
	}
	if (!cp->backup->has_begin_lsn) {
		rc = 0;
		goto out;
	}
	first = backup_begin_segno(cp->backup, segsize);
	end = walscan_run_end(cat, cp->timeline, first);
	if (end < first) {
		rc = 0;
		goto out;
	}
	/* later WAL that this recovery cannot reach */
	for (k = 0; k < catalog_timeline_count(cat); k++) {
		const struct catalog_timeline *t = catalog_timeline_at(cat, k);

		if (t->id == cp->timeline && t->nr_ranges &&
		    t->ranges[t->nr_ranges - 1].last > end) {
			char gap[25];

			catalog_wal_format(gap, t->id, end + 1, segsize);
			catalog_wal_format(b, t->id,
					   t->ranges[t->nr_ranges - 1].last,
					   segsize);
			p->warning = xasprintf(
				"WAL segment %s is missing: the WAL archived "
				"after it (up to %s) cannot be replayed by "
				"this recovery",
				gap, b);
		}
	}
	n = (size_t)(end - first + 1);
	if (walscan_list(&segs, reader_store(r), wals, cat, cp->timeline, first,
			 end, err))
		goto out;
	catalog_wal_format(a, segs[0].tli, first, segsize);
	catalog_wal_format(b, segs[n - 1].tli, end, segsize);
	if (kind == MANIFEST_TARGET_TIME) {
		struct wal_event lc;
		uint32_t lt;
		int found;

		if (wal_time(p, reader_store(r), segs, n, segsize, when, flags,
			     a, b, err))
			goto out;
		/* the window ends at the run's last commit */
		if (p->wal_read &&
		    last_commit(&lc, &lt, &found, reader_store(r), segs, n,
				segsize, err))
			goto out;
		if (p->wal_read && found && !p->window_partial)
			set_window_latest(p, &lc);
		rc = 0;
		goto out;
	}
	/* latest: the last transaction of the run */
	if (last_commit(&p->kept, &p->kept_tli, &p->has_kept, reader_store(r),
			segs, n, segsize, err))
		goto out;
	p->wal_read = p->has_kept;
	if (p->has_kept)
		set_window_latest(p, &p->kept);
	rc = 0;
out:
	walscan_segs_free(segs, n);
	free(wals);
	return rc;
}

/* The plan from cat (partial: only the WAL up to the target). */
static int
plan_from(struct plan *out, struct reader *r, const struct catalog *cat,
	  int partial, enum manifest_target_kind kind,
	  const struct timefmt_time *when, const char *value,
	  const char *backup_id, unsigned flags, struct error *err)
{
	struct catalog_target t = { 0 };
	struct catalog_plan cp = { 0 };
	struct plan p = { 0 };
	int rc = -1, have_plan = 0;

	p.window_partial = partial;
	t.backup_id = backup_id;
	switch (kind) {
	case MANIFEST_TARGET_TIME:
		t.kind = CATALOG_TARGET_TIME;
		t.time = *when;
		break;
	case MANIFEST_TARGET_LSN:
		t.kind = CATALOG_TARGET_LSN;
		if (!value) {
			error_set(err, ERR_INTERNAL,
				  "an LSN target needs a value");
			goto out;
		}
		if (catalog_lsn_parse(&t.lsn, value, strlen(value), err)) {
			err->code = ERR_USAGE;
			goto out;
		}
		break;
	case MANIFEST_TARGET_IMMEDIATE:
		t.kind = CATALOG_TARGET_IMMEDIATE;
		break;
	default:
		/*
		 * latest, and the xid and restore-point targets, which only
		 * the WAL itself could place: recover from the newest backup
		 * (or the pinned one) through all of the archive.
		 */
		t.kind = CATALOG_TARGET_LATEST;
		break;
	}
	if (catalog_plan(&cp, cat, &t, err))
		goto out;
	have_plan = 1;
	p.backup_id = xstrdup(cp.backup->id);
	p.timeline = cp.backup->timeline;
	p.target_tli = cp.timeline != cp.backup->timeline ? cp.timeline : 0;
	if (kind == MANIFEST_TARGET_TIME || kind == MANIFEST_TARGET_LSN)
		p.target_tli = cp.timeline;
	p.first_wal = xstrdup(cp.first_wal);
	p.last_wal = cp.last_wal[0] ? xstrdup(cp.last_wal) : NULL;
	if (cp.window.has_earliest)
		p.window_earliest = rfc3339(&cp.window.earliest);
	if (cp.window.has_latest)
		p.window_latest = rfc3339(&cp.window.latest);
	if (backup_id)
		p.why = xasprintf("backup %s was asked for, and the archive "
				  "covers the target from it",
				  backup_id);
	else if (kind == MANIFEST_TARGET_XID || kind == MANIFEST_TARGET_NAME)
		p.why = xstrdup(
			"xid and restore-point targets need a pinned "
			"backup (CNPG's rule): the newest completed one "
			"was chosen; the archive is checked through "
			"its end, not for the target itself");
	else if (kind == MANIFEST_TARGET_TIME)
		p.why = xstrdup("the newest completed backup that ended at or "
				"before the target, with continuous WAL up to "
				"it");
	else
		p.why = xstrdup("the newest completed backup, with continuous "
				"WAL after it");
	if (!(flags & PLAN_NO_WAL) &&
	    plan_wal(&p, r, cat, &cp, kind, when, value, backup_id, flags, err))
		goto out;
	*out = p;
	memset(&p, 0, sizeof(p));
	rc = 0;
out:
	if (have_plan)
		catalog_plan_release(&cp);
	plan_release(&p);
	return rc;
}

int
plan_make(struct plan *out, const struct archive_config *arch,
	  enum manifest_target_kind kind, const struct timefmt_time *when,
	  const char *value, const char *backup_id, unsigned flags,
	  struct error *err)
{
	struct reader *r = NULL;
	struct catalog *cat = NULL;
	int rc = -1, partial = 0;

	if (reader_open(&r, arch, err))
		goto out;
	if (kind == MANIFEST_TARGET_TIME) {
		/* only the WAL up to the target, at first */
		if (reader_load_until(&cat, &partial, r, when, SKEW_SECONDS,
				      backup_id, err))
			goto out;
		rc = plan_from(out, r, cat, partial, kind, when, value,
			       backup_id, flags, err);
		if (!rc || !partial || err->code != ERR_PRECONDITION)
			goto out;
		/* a refusal is made on the whole catalog */
		error_clear(err);
		catalog_free(cat);
		cat = NULL;
		rc = -1;
	}
	if (reader_load(&cat, r, err))
		goto out;
	rc = plan_from(out, r, cat, 0, kind, when, value, backup_id, flags,
		       err);
out:
	catalog_free(cat);
	reader_free(r);
	return rc;
}

char *
plan_describe(const struct plan *p)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "plan: restore backup %s (timeline %u)\n",
		    p->backup_id ? p->backup_id : "?", p->timeline);
	if (p->first_wal)
		strbuf_addf(&sb, "  replay WAL from %s%s%s\n", p->first_wal,
			    p->last_wal ? " to " : "",
			    p->last_wal ? p->last_wal : "");
	if (p->target_tli)
		strbuf_addf(&sb, "  recovery ends on timeline %u\n",
			    p->target_tli);
	if (p->window_earliest && p->window_partial)
		strbuf_addf(&sb,
			    "  recoverable window: from %s (its end was not "
			    "read: only the WAL up to the target was listed; "
			    "'kubectl cnpgops catalog' shows it)\n",
			    p->window_earliest);
	else if (p->window_earliest && p->window_latest)
		strbuf_addf(&sb, "  recoverable window: %s .. %s (%s)\n",
			    p->window_earliest, p->window_latest,
			    p->window_exact
				    ? "exact: the last commit in the WAL "
				      "replayed"
				    : "an upper bound: the archive time of "
				      "the last segment");
	if (p->why)
		strbuf_addf(&sb, "  why: %s\n", p->why);
	if (p->has_kept) {
		char *t = event_text(&p->kept);

		strbuf_addf(&sb, "  last transaction kept: %s\n", t);
		free(t);
	} else if (p->has_stop && !p->stop_after) {
		strbuf_addstr(&sb, "  last transaction kept: none after the "
				   "backup (only its contents are restored)\n");
	}
	if (p->has_stop) {
		char *t = event_text(&p->stop);

		strbuf_addf(&sb, "  recovery stops %s: %s\n",
			    p->stop_after ? "after" : "before", t);
		free(t);
	}
	if (p->wal_note)
		strbuf_addf(&sb, "  WAL: %s\n", p->wal_note);
	if (p->warning)
		strbuf_addf(&sb, "  warning: %s\n", p->warning);
	return strbuf_detach(&sb, NULL);
}

int
plan_check_empty(const struct archive_config *arch, const char *server_name,
		 struct error *err)
{
	struct reader *r = NULL;
	char *first = NULL;
	int used = 0, rc = -1;

	if (reader_open(&r, arch, err) ||
	    reader_server_used(&used, &first, r, server_name, err))
		goto out;
	if (used) {
		error_set(err, ERR_PRECONDITION,
			  "the archive path for serverName '%s' in '%s' is not "
			  "empty (it holds '%s'): CNPG refuses to archive into "
			  "it (\"Expected empty archive\")",
			  server_name, arch->destination_path, first);
		error_hint(err, "choose another --name (the serverName "
				"follows it), or leave out --archive");
		goto out;
	}
	rc = 0;
out:
	free(first);
	reader_free(r);
	return rc;
}

void
plan_release(struct plan *p)
{
	free(p->backup_id);
	free(p->first_wal);
	free(p->last_wal);
	free(p->window_earliest);
	free(p->window_latest);
	free(p->why);
	free(p->wal_note);
	free(p->warning);
	memset(p, 0, sizeof(*p));
}
