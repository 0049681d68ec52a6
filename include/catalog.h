/*
 * catalog: the barman-cloud catalog of one server, as a pure model (no I/O).
 *
 * The caller lists <destinationPath>/<serverName>/ and feeds each object
 * (key relative to that prefix, size, LastModified) to catalog_add_object,
 * then the contents of each base/<id>/backup.info (catalog_add_backup_info)
 * and of each wals/<TLI>.history (catalog_add_history).  WAL segments are
 * kept as contiguous runs per timeline, so memory grows with the number of
 * backups, timelines and gaps, never with the number of WAL objects.
 *
 * From the model: the WAL ranges and gaps per timeline, the recovery
 * window, the backup a point-in-time recovery would start from
 * (catalog_choose_backup, barman's and CNPG's rule: the newest completed
 * backup that ended at or before the target), whether the archive covers
 * the replay (catalog_check_coverage) and a JSON document (catalog_to_json).
 */
#ifndef CNPGOPS_CATALOG_H
#define CNPGOPS_CATALOG_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "timefmt.h"

struct error;

#define CATALOG_DEFAULT_SEGSIZE 16777216ULL

/* backup.info "status". */
enum catalog_status {
	CATALOG_STATUS_UNKNOWN = 0,
	CATALOG_STATUS_EMPTY,
	CATALOG_STATUS_STARTED,
	CATALOG_STATUS_WAITING_FOR_WALS,
	CATALOG_STATUS_DONE,
	CATALOG_STATUS_SYNCING,
	CATALOG_STATUS_FAILED
};

/* One backup, from base/<id>/backup.info.  Strings are NULL for None. */
struct catalog_backup {
	char *id; /* the folder name under base/ */
	char *name; /* backup_name */
	enum catalog_status status;
	int has_begin_time, has_end_time;
	struct timefmt_time begin_time, end_time;
	int naive_time; /* a time had no zone and was read as UTC */
	char *begin_wal, *end_wal; /* 24-hex segment names */
	int has_begin_lsn, has_end_lsn;
	uint64_t begin_lsn, end_lsn; /* begin_xlog, end_xlog */
	uint32_t timeline; /* 0 when None */
	int64_t size, deduplicated_size; /* -1 when None */
	char *compression, *error, *server_name, *systemid, *mode;
	int64_t version; /* PostgreSQL server_version_num, 0 when None */
	uint64_t segsize; /* xlog_segment_size */
};

/*
 * Parse backup.info (buf, len; never read past len, no NUL needed) of the
 * backup in folder id.  key=value lines are split on the first '='; None is
 * null; Python literals are kept as text; unknown keys are ignored.
 * *out is the caller's (catalog_backup_free).
 * Errors: ERR_CATALOG "backup.info of 'ID': line N: REASON".
 */
int catalog_backup_parse(struct catalog_backup **out, const char *id,
			 const char *buf, size_t len, struct error *err);

/* Free a backup (NULL-safe). */
void catalog_backup_free(struct catalog_backup *b);

/* "DONE", "FAILED", ... ("UNKNOWN" for CATALOG_STATUS_UNKNOWN). */
const char *catalog_status_name(enum catalog_status s);

/* What a file name under wals/ is. */
enum catalog_wal_kind {
	CATALOG_WAL_OTHER = 0,
	CATALOG_WAL_SEGMENT, /* 000000010000000000000003[.gz] */
	CATALOG_WAL_PARTIAL, /* ...03.partial[.gz] */
	CATALOG_WAL_BACKUP_LABEL, /* ...03.00000028.backup[.gz] */
	CATALOG_WAL_HISTORY /* 00000002.history[.gz] */
};

struct catalog_wal_name {
	enum catalog_wal_kind kind;
	uint32_t tli;
	uint32_t log, seg; /* the two 8-hex halves of the segment number */
	uint32_t offset; /* CATALOG_WAL_BACKUP_LABEL */
	const char *compression; /* "gz", "bz2", "xz", "snappy", "zst",
				    "lz4" (static) or NULL */
};

/*
 * Classify a WAL file name (no directory) of len bytes; never fails: an
 * unrecognised name is CATALOG_WAL_OTHER.
 */
void catalog_wal_parse_name(struct catalog_wal_name *out, const char *name,
			    size_t len);

/*
 * Segment arithmetic for segment size segsize (a power of two, 1 MiB to
 * 1 GiB): 0x100000000 / segsize segments per xlogid.
 * catalog_wal_segno returns -1 when seg is out of range for segsize.
 */
int catalog_wal_segno(uint64_t *out, uint32_t log, uint32_t seg,
		      uint64_t segsize);
/* The 24-hex name of (tli, segno) into buf (at least 25 bytes). */
void catalog_wal_format(char *buf, uint32_t tli, uint64_t segno,
			uint64_t segsize);
/* The segment holding lsn. */
uint64_t catalog_wal_lsn_segno(uint64_t lsn, uint64_t segsize);
/* 1 if segsize is a valid segment size. */
int catalog_wal_segsize_valid(uint64_t segsize);

/* Parse an LSN "X/Y" (hex) of len bytes. Errors: ERR_CATALOG. */
int catalog_lsn_parse(uint64_t *out, const char *text, size_t len,
		      struct error *err);
/* "X/Y" into buf (at least 18 bytes). */
void catalog_lsn_format(char *buf, uint64_t lsn);

/* One line of a timeline history file. */
struct catalog_history_entry {
	uint32_t parent_tli;
	uint64_t switch_lsn;
};

/*
 * Parse the history file of timeline tli (buf, len): "TLI<TAB>X/Y<TAB>
 * reason" lines, blank lines and '#' comments allowed.  Parent timelines
 * must be increasing and below tli.  *out (an array of *n entries) is the
 * caller's (free).
 * Errors: ERR_CATALOG "history file of timeline N: line N: REASON".
 */
int catalog_history_parse(struct catalog_history_entry **out, size_t *n,
			  uint32_t tli, const char *buf, size_t len,
			  struct error *err);

/* A contiguous run of segments [first, last] on one timeline. */
struct catalog_wal_range {
	uint64_t first, last; /* segment numbers */
	time_t first_mtime; /* LastModified of the first segment */
	time_t last_mtime; /* LastModified of the last segment */
};

struct catalog_timeline {
	uint32_t id;
	uint32_t parent; /* 0: none known (timeline 1, or no history file) */
	int has_history;
	uint64_t switch_lsn; /* where this timeline left its parent */
	struct catalog_wal_range *ranges; /* sorted, disjoint, not adjacent */
	size_t nr_ranges, alloc_ranges;
	size_t partials; /* .partial segments seen */
};

struct catalog;

/*
 * A new empty catalog for destinationPath/serverName (copied) and segment
 * size segsize (0: the default, or the xlog_segment_size of the first
 * backup added before any WAL).  catalog_free is NULL-safe.
 */
struct catalog *catalog_new(const char *destination_path,
			    const char *server_name, uint64_t segsize);
void catalog_free(struct catalog *cat);

/*
 * Feed one listed object (key relative to <destinationPath>/<serverName>/).
 * WAL segments join their timeline's runs, in any order; duplicates (the
 * same segment twice) are fine.  A segment in the wrong wals/<TLI><LOG>/
 * folder, or an unrecognised key under wals/, becomes a warning.
 */
void catalog_add_object(struct catalog *cat, const char *key, size_t key_len,
			uint64_t size, time_t mtime);

/*
 * Add the backup.info of folder id (parsed with catalog_backup_parse).
 * Errors: ERR_CATALOG (the parse error), or a segment size that differs
 * from the catalog's.
 */
int catalog_add_backup_info(struct catalog *cat, const char *id,
			    const char *buf, size_t len, struct error *err);

/*
 * Add the contents of wals/<tli>.history.  Errors: ERR_CATALOG (parse).
 */
int catalog_add_history(struct catalog *cat, uint32_t tli, const char *buf,
			size_t len, struct error *err);

/* Accessors; the pointers are borrowed and valid until the next add. */
size_t catalog_backup_count(const struct catalog *cat);
/* Backups sorted by id (oldest first). */
const struct catalog_backup *catalog_backup_at(const struct catalog *cat,
					       size_t i);
const struct catalog_backup *catalog_find_backup(const struct catalog *cat,
						 const char *id_or_name);
size_t catalog_timeline_count(const struct catalog *cat);
/* Timelines sorted by id. */
const struct catalog_timeline *catalog_timeline_at(const struct catalog *cat,
						   size_t i);
const struct catalog_timeline *catalog_timeline_find(const struct catalog *cat,
						     uint32_t tli);
uint64_t catalog_segsize(const struct catalog *cat);

/*
 * For tests and sizing: the number of range slots allocated over all
 * timelines (what memory grows with).
 */
size_t catalog_range_slots(const struct catalog *cat);

/*
 * Warnings about the catalog (FAILED backups, gaps, WAL older than the
 * oldest backup, an empty catalog, backups whose WAL is missing, naive
 * timestamps, misplaced objects), in a stable order.  The array and
 * strings are the caller's (catalog_warnings_free).
 */
char **catalog_warnings(const struct catalog *cat, size_t *n);
void catalog_warnings_free(char **w, size_t n);

/* The recovery window of one timeline. */
struct catalog_window {
	uint32_t timeline;
	int has_earliest, has_latest;
	struct timefmt_time earliest; /* end of the oldest DONE backup */
	const struct catalog_backup *earliest_backup;
	struct timefmt_time latest; /* an upper bound, see basis */
	const struct catalog_backup *latest_backup; /* newest usable backup */
	uint32_t latest_tli; /* the timeline of latest_segno */
	uint64_t latest_segno; /* last segment of its contiguous WAL run */
	char *basis; /* what latest rests on; the caller's via
			catalog_window_release */
};

/*
 * The window of timeline tli (0: the newest timeline): earliest = end time
 * of the oldest DONE backup on tli or an ancestor; latest = LastModified of
 * the last segment of the contiguous run that follows the newest usable
 * backup (across timeline switches).  latest is an upper bound: the last
 * commit lies somewhere inside that segment, archived at that time.
 * Errors: ERR_PRECONDITION when no DONE backup leads to tli.
 */
int catalog_window(struct catalog_window *out, const struct catalog *cat,
		   uint32_t tli, struct error *err);
void catalog_window_release(struct catalog_window *w);

enum catalog_target_kind {
	CATALOG_TARGET_LATEST = 0, /* the end of the archive */
	CATALOG_TARGET_IMMEDIATE, /* consistency: the backup's end */
	CATALOG_TARGET_TIME,
	CATALOG_TARGET_LSN
};

struct catalog_target {
	enum catalog_target_kind kind;
	struct timefmt_time time; /* CATALOG_TARGET_TIME */
	uint64_t lsn; /* CATALOG_TARGET_LSN */
	const char *backup_id; /* pin this backup (id or name), or NULL */
	uint32_t tli; /* target timeline, 0 = latest */
};

/* A recovery plan: all pointers borrowed from the catalog. */
struct catalog_plan {
	const struct catalog_backup *backup;
	uint32_t timeline; /* the timeline recovery ends on */
	char first_wal[25]; /* first segment to replay (backup's begin_wal) */
	char last_wal[25]; /* last segment needed */
	struct catalog_window window;
};

/*
 * Choose the backup for target: the pinned one, or the newest DONE backup
 * with end_time <= target time (LSN: end_xlog <= target LSN; latest and
 * immediate: the newest DONE) on a timeline that leads to the target
 * timeline.  *out is borrowed.
 * Errors: ERR_PRECONDITION (no such backup; the message includes the
 * window), ERR_NOT_FOUND (pinned id unknown).
 */
int catalog_choose_backup(const struct catalog_backup **out,
			  const struct catalog *cat,
			  const struct catalog_target *target,
			  struct error *err);

/*
 * Check that the archive holds WAL from backup's begin_wal continuously up
 * to the target (time: the first segment archived at or after it; LSN: the
 * segment holding it; immediate: end_wal; latest: end_wal at least),
 * switching timelines at the switch points of the history files.
 * Fills *out (catalog_plan_release).
 * Errors: ERR_PRECONDITION naming the first missing segment, or the window.
 */
int catalog_check_coverage(struct catalog_plan *out, const struct catalog *cat,
			   const struct catalog_backup *backup,
			   const struct catalog_target *target,
			   struct error *err);

/* catalog_choose_backup then catalog_check_coverage. */
int catalog_plan(struct catalog_plan *out, const struct catalog *cat,
		 const struct catalog_target *target, struct error *err);
void catalog_plan_release(struct catalog_plan *p);

/*
 * The catalog as JSON, a stable schema (times RFC3339 UTC, absent values
 * null):
 *   {"destinationPath","serverName",
 *    "backups":[{"id","name","status","beginTime","endTime","timeline",
 *                "beginWal","endWal","beginLsn","endLsn","size","error"}],
 *    "timelines":[{"id","parent","switchLsn","walRanges":[{"first","last"}],
 *                  "gaps":[{"first","last"}]}],
 *    "window":{"earliest","latest","timeline","latestIsUpperBound":true,
 *              "basis"},
 *    "warnings":[string]}
 * The window is catalog_window of the newest timeline.  The caller owns
 * the reference.
 */
json_t *catalog_to_json(const struct catalog *cat);

#endif
