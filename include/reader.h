/*
 * reader: read the barman catalog of an archive from its object store into
 * the catalog model (catalog.h): the backups' backup.info files (fetched in
 * parallel), every WAL object of wals/ (listed flat, page by page, so the
 * number of requests is the minimum the layout allows) and the timeline
 * history files.  Nothing is written to disk.
 */
#ifndef CNPGOPS_READER_H
#define CNPGOPS_READER_H

#include <jansson.h>

struct archive_config;
struct catalog;
struct error;
struct reader;
struct store;
struct timefmt_time;

/*
 * A reader for the archive of arch (borrowed; must outlive the reader).
 * Credentials come from arch, else from the environment.  Errors:
 * ERR_CONFIG (URL, credentials).
 */
int reader_open(struct reader **out, const struct archive_config *arch,
		struct error *err);
void reader_free(struct reader *r);

/* The store behind the reader, for the checks of archive-test. */
struct store *reader_store(struct reader *r);
/* The key prefix of the server folder: "<path>/<serverName>/". */
const char *reader_prefix(const struct reader *r);

/*
 * Read the whole catalog.  *out is the caller's (catalog_free).  Errors:
 * ERR_OBJSTORE when the store cannot be read, ERR_CATALOG when what it
 * holds cannot be parsed.
 */
int reader_load(struct catalog **out, struct reader *r, struct error *err);

/*
 * The catalog with only the WAL a recovery to the time until needs: every
 * backup and history file, and the wals/ folders from the one that holds
 * the begin WAL of backup_id (or of the newest completed backup that ended
 * by until) on, a LOG at a time, stopping after the first whose segments
 * include one archived more than skew_s seconds after until.  *partial is
 * 1 when folders after it were left out: the catalog then ends there, and
 * older backups look as if their WAL were missing.  Without such a backup
 * it is reader_load's catalog.  Errors as reader_load.
 */
int reader_load_until(struct catalog **out, int *partial, struct reader *r,
		      const struct timefmt_time *until, long skew_s,
		      const char *backup_id, struct error *err);

/*
 * Does anything exist under <path>/<server_name>/?  *out is 1 if so (the
 * first key found goes to *first_key, the caller's, when not NULL).
 */
int reader_server_used(int *out, char **first_key, struct reader *r,
		       const char *server_name, struct error *err);

/* reader_catalog_json flags */
#define READER_WAL_DECODE     0x1 /* the last commits from the WAL (walscan) */
#define READER_RESTORE_POINTS 0x2 /* and every restore point */

/*
 * Open, load and render as the JSON "catalog -o json" prints; with
 * READER_WAL_DECODE annotated by walscan_annotate.
 */
int reader_catalog_json(json_t **out, const struct archive_config *arch,
			unsigned flags, struct error *err);

/* The number of requests made so far (for the benchmark). */
long reader_requests(const struct reader *r);

#endif
