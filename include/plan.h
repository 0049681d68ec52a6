/*
 * plan: what a recovery will do, decided from the barman catalog in the
 * object store before anything is created: which backup, which timeline,
 * which WAL is replayed, and the recoverability window it rests on.
 */
#ifndef CNPGOPS_PLAN_H
#define CNPGOPS_PLAN_H

#include "manifest.h"

struct archive_config;
struct error;
struct timefmt_time;

struct plan {
	char *backup_id; /* the backup to restore (pinned) */
	unsigned timeline; /* the backup's timeline */
	unsigned target_tli; /* 0: leave the timeline to PostgreSQL */
	char *first_wal; /* the backup's begin WAL */
	char *last_wal; /* the last segment needed, when known */
	char *window_earliest; /* RFC3339 */
	char *window_latest; /* RFC3339 (an upper bound) */
	char *why; /* one line: why this backup */
};

/*
 * Read the catalog of arch and plan a recovery to the target (kind, and
 * when for a time, value for an LSN, xid or name), from backup_id when
 * given.  Errors: ERR_PRECONDITION when the catalog cannot satisfy the
 * target (the message gives the window or the first missing segment),
 * ERR_OBJSTORE and ERR_CATALOG when it cannot be read.
 */
int plan_make(struct plan *out, const struct archive_config *arch,
	      enum manifest_target_kind kind, const struct timefmt_time *when,
	      const char *value, const char *backup_id, struct error *err);

/* The plan for humans, several lines (the caller frees it). */
char *plan_describe(const struct plan *p);

/*
 * Is <destinationPath>/<server_name>/ empty in the archive of arch, as CNPG
 * requires before a new cluster archives there?  Errors: ERR_PRECONDITION
 * when it is not, ERR_OBJSTORE when it cannot be listed.
 */
int plan_check_empty(const struct archive_config *arch, const char *server_name,
		     struct error *err);

void plan_release(struct plan *p);

#endif
