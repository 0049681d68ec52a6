/*
 * plan: what a recovery will do, decided from the barman catalog in the
 * object store before anything is created: which backup, which timeline,
 * which WAL is replayed, and the recoverability window it rests on.
 */
#ifndef CNPGOPS_PLAN_H
#define CNPGOPS_PLAN_H

#include "manifest.h"
#include "waldec.h"

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
	char *window_latest; /* RFC3339: an upper bound, or exact */
	int window_exact; /* window_latest is the last commit in the WAL */
	int window_partial; /* only the WAL up to the target was listed:
			       window_latest is not the archive's end */
	char *why; /* one line: why this backup */
	/* What the archived WAL itself says (walscan), when it was read. */
	int wal_read; /* records were decoded */
	int has_kept, has_stop;
	int stop_after; /* recovery stops after stop (xid, restore point),
			   else before it (time) */
	struct wal_event kept; /* the last transaction the recovery keeps */
	struct wal_event stop; /* the one it stops before (time targets) or
				  at (xid targets, restore points) */
	uint32_t kept_tli, stop_tli;
	char *wal_note; /* what was read, or why the WAL was not checked */
	char *warning; /* e.g. WAL beyond a gap that no recovery reaches */
};

/* plan_make flags */
#define PLAN_EXCLUSIVE 0x1 /* recovery_target_inclusive = false */
#define PLAN_NO_WAL    0x2 /* do not read the WAL, only the catalog */

/*
 * Read the catalog of arch and plan a recovery to the target (kind, and
 * when for a time, value for an LSN, xid or name), from backup_id when
 * given.  Unless PLAN_NO_WAL, the archived WAL is read too (walscan):
 * a time target needs a commit after it in the WAL replayed (PostgreSQL
 * fails at the end of WAL otherwise), an xid must commit and a restore
 * point exist after the chosen backup (chosen from where they are), and
 * the last transaction kept is named.  Errors: ERR_PRECONDITION when the
 * catalog or the WAL cannot satisfy the target (the message gives the
 * window, the last commit or the first missing segment), ERR_OBJSTORE and
 * ERR_CATALOG when it cannot be read.
 */
int plan_make(struct plan *out, const struct archive_config *arch,
	      enum manifest_target_kind kind, const struct timefmt_time *when,
	      const char *value, const char *backup_id, unsigned flags,
	      struct error *err);

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
