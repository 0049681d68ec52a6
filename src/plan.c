/*
 * plan: recoveries decided from the barman catalog.  Reading the catalog
 * from the object store lands with the S3 client and the catalog model;
 * until then every plan is refused, so nothing is ever created unchecked.
 */
#include <stdlib.h>

#include "archive.h"
#include "errors.h"
#include "plan.h"
#include "strbuf.h"
#include "timefmt.h"

int
plan_make(struct plan *out, const struct archive_config *arch,
	  enum manifest_target_kind kind, const struct timefmt_time *when,
	  const char *value, const char *backup_id, struct error *err)
{
	(void)out;
	(void)kind;
	(void)when;
	(void)value;
	(void)backup_id;
	error_set(err, ERR_PRECONDITION,
		  "cannot check the target against the catalog in '%s': "
		  "reading catalogs is not built into this version",
		  arch->destination_path);
	error_hint(err, "no recovery Cluster is made without that check");
	return -1;
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
	if (p->window_earliest && p->window_latest)
		strbuf_addf(&sb, "  recoverable window: %s .. %s\n",
			    p->window_earliest, p->window_latest);
	if (p->why)
		strbuf_addf(&sb, "  why: %s\n", p->why);
	return strbuf_detach(&sb, NULL);
}

int
plan_check_empty(const struct archive_config *arch, const char *server_name,
		 struct error *err)
{
	(void)server_name;
	return error_set(err, ERR_PRECONDITION,
			 "cannot check that the archive path in '%s' is empty",
			 arch->destination_path);
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
}
