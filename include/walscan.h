/*
 * walscan: read archived WAL segments from the object store and answer
 * what recovery targets depend on, from the records themselves (waldec):
 * the last commit in a run of WAL, the first commit after a time (the one
 * PostgreSQL stops before) and the last one kept, the commit of an xid,
 * restore points.  Segments are streamed through the decompressor into
 * the decoder, several at once, never written to disk and never held
 * whole; records that cross a segment boundary are finished across it.
 */
#ifndef CNPGOPS_WALSCAN_H
#define CNPGOPS_WALSCAN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "waldec.h"

struct catalog;
struct error;
struct store;

/* One archived segment. */
struct walscan_seg {
	char *key; /* the object's key */
	uint32_t tli;
	uint64_t segno;
	time_t mtime; /* LastModified */
	long long size;
};

/*
 * The segments first..last (segment numbers) that a recovery onto timeline
 * tli replays, each from the timeline the history files say (a segment at
 * or after a timeline's switch point comes from that timeline), listed
 * under wals (the "<path>/<server>/wals/" prefix).  *out (walscan_segs_free)
 * has last - first + 1 entries.  Errors: ERR_PRECONDITION naming the first
 * missing segment, ERR_OBJSTORE.
 */
int walscan_list(struct walscan_seg **out, struct store *c, const char *wals,
		 const struct catalog *cat, uint32_t tli, uint64_t first,
		 uint64_t last, struct error *err);
void walscan_segs_free(struct walscan_seg *segs, size_t n);

struct walscan_query {
	int last; /* the last commit or abort */
	int has_time; /* the first commit/abort after time, the one before */
	int64_t time; /* PostgreSQL timestamp (microseconds since 2000) */
	int inclusive; /* recovery_target_inclusive: stop at > time (1) or
			  at >= time (0) */
	int has_xid;
	uint32_t xid;
	const char *name; /* the first restore point of that name */
	int restore_points; /* collect every restore point */
};

struct walscan_result {
	int has_last, has_before, has_after, has_xid, has_name;
	struct wal_event last; /* the last commit/abort read */
	struct wal_event before; /* the last commit/abort before "after" */
	struct wal_event after; /* the first commit/abort past the time */
	struct wal_event xid; /* the commit/abort of the xid */
	struct wal_event name; /* the restore point */
	struct wal_event *rps; /* restore points, in LSN order */
	size_t nrps;
	uint32_t last_tli, before_tli, after_tli; /* their segments' TLIs */
	size_t segments; /* segments read */
	unsigned long long bytes; /* WAL bytes decoded */
	unsigned long long records; /* valid records decoded */
	int invalid; /* decoding stopped at an invalid record */
	int short_seg; /* ... at a segment that is not whole */
	uint64_t invalid_lsn;
	char reason[200];
};

/*
 * Answer q from segs[0..n), consecutive segments of segment size segsize.
 * Forward: in order, stopping once every question has its answer (the
 * time's "after", the xid, the name); backward (q->last only): from the
 * end, stopping at the first window that holds a commit or abort.  Errors:
 * ERR_OBJSTORE, ERR_CATALOG (a segment that cannot be decompressed).
 */
int walscan_run(struct walscan_result *out, struct store *c,
		const struct walscan_seg *segs, size_t n, uint64_t segsize,
		const struct walscan_query *q, int backward, struct error *err);
void walscan_result_release(struct walscan_result *r);

/* A PostgreSQL timestamp from Unix seconds and microseconds. */
int64_t walscan_pgtime(time_t sec, long usec);

/*
 * An event as JSON: {"kind","time","xid","lsn","timeline"} (restore
 * points: "name" instead of "xid"), times RFC3339 UTC with microseconds.
 */
json_t *walscan_event_json(const struct wal_event *ev, uint32_t tli);

/* How many segments the tail scans read back at most. */
#define WALSCAN_TAIL_MAX 32

/*
 * The last segment of the contiguous run of WAL that a recovery onto tli
 * replays from segment from (across the timeline switches of its
 * history), or from - 1 when segment from itself is missing.
 */
uint64_t walscan_run_end(const struct catalog *cat, uint32_t tli,
			 uint64_t from);

/*
 * The last commit or abort of segs[0..n) (backward, at most
 * WALSCAN_TAIL_MAX segments from the end) into *out.
 */
int walscan_tail(struct walscan_result *out, struct store *c,
		 const struct walscan_seg *segs, size_t n, uint64_t segsize,
		 struct error *err);

/*
 * Add to the "catalog -o json" document doc what the WAL itself says: to
 * each timeline "lastCommit" (the last commit or abort in its last WAL
 * run, read from at most WALSCAN_TAIL_MAX segments at its end; null when
 * none was found), and to "window" the last commit of the run it ends on:
 * "latest" becomes that commit's time, "latestIsUpperBound" false,
 * "latestArchived" the archive time it replaced, "latestCommit" the event.
 * With restore_points, "restorePoints" lists every restore point in the
 * WAL from the oldest completed backup on.  Problems reading the WAL
 * become warnings; the document stays usable.  Never fails.
 */
void walscan_annotate(json_t *doc, struct store *c, const char *wals,
		      const struct catalog *cat, int restore_points);

#endif
