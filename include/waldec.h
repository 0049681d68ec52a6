/*
 * waldec: a decoder of PostgreSQL WAL (versions 13 to 17) that reads what
 * recovery targets depend on: the commit and abort records of
 * transactions (with their xid and xact_time), two-phase commits and
 * aborts, restore points (name and time) and WAL switches.  Every record is
 * checked as PostgreSQL checks it when it replays (page headers and their
 * addresses, continuation lengths, xl_prev, CRC-32C), and decoding stops
 * cleanly at the first record that fails, at the zeros after the end of
 * WAL, or at the end of the input.
 *
 * The input is raw WAL from a segment boundary on (one segment or several
 * consecutive ones), fed in chunks of any size; nothing is buffered
 * beyond one page and the record being assembled.  A record continued from
 * before the start is skipped, and its bytes are kept (up to 1 MiB) so
 * that the decoder of the previous segment can finish its last record with
 * waldec_continue() when segments are decoded in parallel.
 */
#ifndef CNPGOPS_WALDEC_H
#define CNPGOPS_WALDEC_H

#include <stddef.h>
#include <stdint.h>

struct error;

enum wal_event_kind {
	WAL_COMMIT = 0,
	WAL_ABORT,
	WAL_COMMIT_PREPARED,
	WAL_ABORT_PREPARED,
	WAL_RESTORE_POINT
};

struct wal_event {
	enum wal_event_kind kind;
	uint64_t lsn; /* start of the record */
	uint64_t end_lsn; /* end of the record, aligned: where the next one
			     starts (what pg_create_restore_point returns) */
	uint32_t xid; /* the transaction (prepared: the prepared one) */
	uint32_t tli; /* the page's timeline */
	int64_t time; /* xact_time / rp_time: microseconds since
			 2000-01-01 00:00 UTC (PostgreSQL's TimestampTz) */
	char name[64]; /* WAL_RESTORE_POINT */
};

/* Convert a PostgreSQL timestamp to Unix seconds and microseconds. */
void waldec_time_unix(int64_t pgtime, int64_t *sec, int32_t *usec);

enum waldec_end {
	WALDEC_MORE = 0, /* not ended: more input may follow */
	WALDEC_END_ZEROS, /* the end of WAL: an empty record slot */
	WALDEC_END_INVALID /* a record or page failed a check */
};

struct waldec_status {
	enum waldec_end end;
	uint64_t end_lsn; /* where decoding stopped (the bad record/page) */
	char reason[160]; /* WALDEC_END_INVALID: what failed */
	uint64_t records; /* complete, valid records */
	uint64_t last_lsn; /* start of the last valid record, 0 if none */
	uint64_t next_lsn; /* where the next record starts */
	int pending; /* a record is incomplete at the end of the input */
	int version; /* PostgreSQL major version from the page magic */
	uint64_t sysid; /* from the first long page header, 0 if none */
};

typedef int (*waldec_event_fn)(void *data, const struct wal_event *ev,
			       struct error *err);

struct waldec;

/*
 * A decoder for WAL starting at start_lsn, which must be a segment
 * boundary for segment size segsize (a power of two, 1 MiB to 1 GiB).
 * event (may be NULL) is called for each decoded event in LSN order.
 */
struct waldec *waldec_new(uint64_t start_lsn, uint64_t segsize,
			  waldec_event_fn event, void *data);
void waldec_free(struct waldec *d);

/*
 * Feed len bytes of WAL.  Returns 0 (also after the WAL ended: the rest is
 * ignored; see waldec_status), or -1 with the event callback's error.
 */
int waldec_feed(struct waldec *d, const void *buf, size_t len,
		struct error *err);

/*
 * Finish the record pending at the end of d's input with the bytes the
 * decoder of the next segment skipped (waldec_head).  Returns 0, or -1
 * with the event callback's error.
 */
int waldec_continue(struct waldec *d, const struct waldec *next,
		    struct error *err);

/* Where decoding stands. */
void waldec_status(const struct waldec *d, struct waldec_status *out);

/*
 * The bytes of the record continued from before the start (NULL when the
 * input began with a record, or when they were more than 1 MiB).
 */
const unsigned char *waldec_head(const struct waldec *d, size_t *len);

#endif
