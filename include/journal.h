/*
 * journal: the state directory of a long procedure (recreate): files
 * written atomically and durably, and an append-only journal of steps, one
 * JSON object per line:
 *
 *	{"time":"2026-11-25T07:01:02Z","step":"backup","event":"start",
 *	 "data":{...}}
 *
 * Each line is written with one write() and fsync()ed before the step it
 * announces goes on, so after any interruption the journal tells which
 * steps finished (a "done" line) and which one was under way (a "start"
 * line without its "done").  A torn last line, from a crash in the middle
 * of a write, is ignored.
 */
#ifndef CNPGOPS_JOURNAL_H
#define CNPGOPS_JOURNAL_H

#include <stddef.h>

#include <jansson.h>

struct error;
struct journal;

/*
 * Open (creating it when create is set) the journal file "journal.jsonl"
 * of the state directory dir, which must exist, and read what it holds.
 * Errors: ERR_IO; ERR_NOT_FOUND when it does not exist and create is 0.
 */
int journal_open(struct journal **out, const char *dir, int create,
		 struct error *err);
void journal_close(struct journal *j);

/*
 * Append {"time","step","event","data"} (data stolen; NULL for none) and
 * fsync it.  Errors: ERR_IO.
 */
int journal_record(struct journal *j, const char *step, const char *event,
		   json_t *data, struct error *err);

/* The data of step's last record with event (borrowed), or NULL. */
const json_t *journal_find(const struct journal *j, const char *step,
			   const char *event);

/* The records so far (borrowed array). */
const json_t *journal_entries(const struct journal *j);

/*
 * Write len bytes of data to dir/name atomically (a temporary file,
 * fsync, rename, fsync of dir), mode 0600.  Errors: ERR_IO.
 */
int journal_write_file(const char *dir, const char *name, const char *data,
		       size_t len, struct error *err);

/*
 * Make the directory path (mode 0700; its parent must exist).  Errors:
 * ERR_CONFLICT when it exists already, ERR_IO otherwise.
 */
int journal_make_dir(const char *path, struct error *err);

#endif
