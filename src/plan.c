/*
 * plan: recoveries decided from the barman catalog read from the object
 * store: the backup, the timeline, the WAL to replay, the window.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "catalog.h"
#include "errors.h"
#include "plan.h"
#include "reader.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

static char *
rfc3339(const struct timefmt_time *t)
{
	return timefmt_format_rfc3339(*t);
}

int
plan_make(struct plan *out, const struct archive_config *arch,
	  enum manifest_target_kind kind, const struct timefmt_time *when,
	  const char *value, const char *backup_id, struct error *err)
{
	struct reader *r = NULL;
	struct catalog *cat = NULL;
	struct catalog_target t = { 0 };
	struct catalog_plan cp = { 0 };
	struct plan p = { 0 };
	int rc = -1, have_plan = 0;

	if (reader_open(&r, arch, err) || reader_load(&cat, r, err))
		goto out;
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
	*out = p;
	memset(&p, 0, sizeof(p));
	rc = 0;
out:
	if (have_plan)
		catalog_plan_release(&cp);
	plan_release(&p);
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
	if (p->window_earliest && p->window_latest)
		strbuf_addf(&sb,
			    "  recoverable window: %s .. %s (an upper bound: "
			    "the archive time of the last segment)\n",
			    p->window_earliest, p->window_latest);
	if (p->why)
		strbuf_addf(&sb, "  why: %s\n", p->why);
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
	memset(p, 0, sizeof(*p));
}
