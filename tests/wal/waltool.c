/*
 * waltool: the WAL decoder's test driver.  It decodes WAL segment files
 * (named as PostgreSQL and barman name them, compressed or not) with
 * src/waldec.c and prints one line per event, in the form the tests
 * compare with pg_waldump's:
 *
 *	LSN XID KIND YYYY-MM-DD HH:MM:SS.FFFFFF [NAME]
 *
 * then "end: STATUS LSN records=N [reason]".
 *
 *   waltool [--segsize BYTES] [--split] FILE...
 *
 * The files must be consecutive segments.  Without --split one decoder
 * reads them all in order; with --split each file has its own decoder and
 * records that cross a file boundary are finished with waldec_continue, as
 * the catalog reader does when it decodes segments in parallel ("end:
 * stitched=N" counts them).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog.h"
#include "decomp.h"
#include "errors.h"
#include "waldec.h"
#include "xmalloc.h"

static const char *const kinds[] = { "COMMIT", "ABORT", "COMMIT_PREPARED",
				     "ABORT_PREPARED", "RESTORE_POINT" };

static int
print_event(void *data, const struct wal_event *ev, struct error *err)
{
	int64_t sec;
	int32_t usec;
	time_t t;
	struct tm tm;
	char buf[32];

	(void)data;
	(void)err;
	waldec_time_unix(ev->time, &sec, &usec);
	t = (time_t)sec;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%X/%08X %" PRIu32 " %s %s.%06d%s%s\n",
	       (unsigned)(ev->lsn >> 32), (unsigned)ev->lsn, ev->xid,
	       kinds[ev->kind], buf, (int)usec,
	       ev->kind == WAL_RESTORE_POINT ? " " : "",
	       ev->kind == WAL_RESTORE_POINT ? ev->name : "");
	return 0;
}

static int
to_dec(void *data, const void *buf, size_t len, struct error *err)
{
	return waldec_feed(data, buf, len, err);
}

static int
feed_file(struct waldec *d, const char *path, struct error *err)
{
	const char *base = strrchr(path, '/');
	const char *dot;
	FILE *f = fopen(path, "rb");
	struct decomp *z;
	char buf[65536];
	size_t n;
	int kind, rc = 0;

	base = base ? base + 1 : path;
	dot = strchr(base, '.');
	kind = decomp_kind_of(dot ? dot + 1 : NULL);
	if (!f || kind < 0) {
		if (f)
			fclose(f);
		return error_set(err, ERR_IO, "cannot read '%s'", path);
	}
	z = decomp_new((enum decomp_kind)kind, to_dec, d);
	while (!rc && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		rc = decomp_feed(z, buf, n, err);
	if (!rc)
		rc = decomp_finish(z, err);
	decomp_free(z);
	fclose(f);
	return rc;
}

static uint64_t
start_of(const char *path, uint64_t segsize)
{
	const char *base = strrchr(path, '/');
	struct catalog_wal_name wn;
	uint64_t segno = 0;

	base = base ? base + 1 : path;
	catalog_wal_parse_name(&wn, base, strlen(base));
	if (wn.kind != CATALOG_WAL_SEGMENT ||
	    catalog_wal_segno(&segno, wn.log, wn.seg, segsize)) {
		fprintf(stderr, "waltool: '%s' is not a WAL segment\n", base);
		exit(2);
	}
	return segno * segsize;
}

static void
print_end(const struct waldec *d)
{
	struct waldec_status st;
	static const char *const ends[] = { "more", "zeros", "invalid" };

	waldec_status(d, &st);
	printf("end: %s %X/%08X records=%" PRIu64
	       " pending=%d version=%d%s%s\n",
	       ends[st.end], (unsigned)(st.end_lsn >> 32), (unsigned)st.end_lsn,
	       st.records, st.pending, st.version,
	       st.end == WALDEC_END_INVALID ? " " : "",
	       st.end == WALDEC_END_INVALID ? st.reason : "");
}

int
main(int argc, char **argv)
{
	uint64_t segsize = 16u << 20;
	struct error err = ERROR_INIT;
	int i = 1, split = 0, rc = 0, n, j, stitched = 0;
	struct waldec **ds;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--segsize") == 0 && i + 1 < argc)
			segsize = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--split") == 0)
			split = 1;
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: waltool [--segsize BYTES] [--split] "
				"FILE...\n");
		return 2;
	}
	n = argc - i;
	ds = xcalloc((size_t)n, sizeof(*ds));
	if (!split) {
		ds[0] = waldec_new(start_of(argv[i], segsize), segsize,
				   print_event, NULL);
		for (j = 0; j < n && !rc; j++)
			rc = feed_file(ds[0], argv[i + j], &err);
		if (!rc)
			print_end(ds[0]);
	} else {
		/* decode every file alone, then print in order, finishing
		 * each file's last record with the next file's head */
		for (j = 0; j < n && !rc; j++) {
			ds[j] = waldec_new(start_of(argv[i + j], segsize),
					   segsize, print_event, NULL);
			rc = feed_file(ds[j], argv[i + j], &err);
			if (!rc && j > 0) {
				struct waldec_status a, b;

				waldec_status(ds[j - 1], &a);
				rc = waldec_continue(ds[j - 1], ds[j], &err);
				waldec_status(ds[j - 1], &b);
				stitched += a.pending && !b.pending &&
					    b.records == a.records + 1;
			}
		}
		if (!rc)
			printf("end: stitched=%d\n", stitched);
		for (j = 0; j < n && !rc; j++)
			print_end(ds[j]);
	}
	if (rc)
		fprintf(stderr, "waltool: %s\n", err.msg);
	for (j = 0; j < n; j++)
		waldec_free(ds[j]);
	free(ds);
	error_clear(&err);
	return rc ? 1 : 0;
}
