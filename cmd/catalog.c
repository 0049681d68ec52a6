/*
 * catalog: what can be restored, read from the barman catalog in the
 * object store from here: base backups, WAL timelines and their gaps, the
 * recoverability window, and warnings.
 *
 * usage: kubectl cnpgops catalog CLUSTER [--object-store NAME] [--wal]
 *        [--restore-points | --no-wal-decode] [-o json]
 *        kubectl cnpgops catalog --destination-path URL
 *        --server-name NAME [--endpoint-url URL] [--endpoint-ca FILE]
 *        [--region REGION] [--wal] [--restore-points | --no-wal-decode]
 *        [-o json]
 *
 * The last commit of each timeline, and of the run of WAL the window ends
 * on, are read from the tail of the archived WAL itself (walscan): the
 * window's latest point is then exact.
 *
 * With a CLUSTER the archive is found the way CNPG finds it (the
 * barman-cloud plugin's ObjectStore, or the inline barmanObjectStore) and
 * only the Secret keys it references are read; with the flags, credentials
 * come from the AWS_* environment or the AWS profile.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "archive.h"
#include "cli.h"
#include "kube.h"
#include "kubeconfig.h"
#include "output.h"
#include "reader.h"
#include "strbuf.h"
#include "xmalloc.h"

struct catalog_opts {
	struct archive_flags af;
	int wal;
	int no_decode;
	int restore_points;
};

enum { OPT_WAL = OPT_LOCAL_BASE, OPT_NO_DECODE, OPT_RESTORE_POINTS };

static int catalog_opt(void *state, int ch, const char *arg, struct error *err);
static int catalog_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option catalog_longopts[] = {
	GLOBAL_LONGOPTS,
	ARCHIVE_FLAGS_LONGOPTS,
	{ "wal", no_argument, NULL, OPT_WAL },
	{ "no-wal-decode", no_argument, NULL, OPT_NO_DECODE },
	{ "restore-points", no_argument, NULL, OPT_RESTORE_POINTS },
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_catalog_entry = {
	.name = "catalog",
	.usage = "(CLUSTER [--object-store NAME] | --destination-path "
		 "URL --server-name NAME [--endpoint-url URL] "
		 "[--endpoint-ca FILE] [--region REGION]) [--wal] "
		 "[--restore-points | --no-wal-decode] [-o json]",
	.summary = "Show the barman catalog: backups, WAL timelines, "
		   "recoverability window",
	.help = ARCHIVE_FLAGS_HELP
	"      --wal                    list every WAL range, not just "
	"the summary\n"
	"      --restore-points         list the restore points in the WAL "
	"(reads\n"
	"                               all of it from the oldest backup on)\n"
	"      --no-wal-decode          do not read the last commits from the "
	"WAL\n"
	"                               (the window's end is then an upper "
	"bound)\n",
	.shortopts = "",
	.longopts = catalog_longopts,
	.min_args = 0,
	.max_args = 1,
	.flags = 0, /* the API only with a CLUSTER: cmd_open_kube() */
	.state_size = sizeof(struct catalog_opts),
	.opt = catalog_opt,
	.exec = catalog_exec,
};

static int
catalog_opt(void *state, int ch, const char *arg, struct error *err)
{
	struct catalog_opts *o = state;

	if (ARCHIVE_FLAG(ch))
		return archive_flags_parse(&o->af, ch, arg, err);
	switch (ch) {
	case OPT_WAL:
		o->wal = 1;
		return 0;
	case OPT_NO_DECODE:
		o->no_decode = 1;
		return 0;
	case OPT_RESTORE_POINTS:
		o->restore_points = 1;
		return 0;
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}

static const char *
js(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "-";
}

static void
render_backups(const json_t *doc)
{
	static const char *const h[] = { "ID",	      "NAME",	 "STATUS",
					 "BEGIN",     "END",	 "TLI",
					 "BEGIN-WAL", "END-WAL", "SIZE" };
	struct output_table *t = output_table_new(9, h);
	const json_t *b;
	size_t i;

	json_array_foreach(json_object_get(doc, "backups"), i, b)
	{
		char tli[24], size[32];
		const char *cells[9];
		json_int_t sz = json_integer_value(json_object_get(b, "size"));

		snprintf(tli, sizeof(tli), "%lld",
			 (long long)json_integer_value(
				 json_object_get(b, "timeline")));
		if (json_is_integer(json_object_get(b, "size")))
			snprintf(size, sizeof(size), "%.1f MiB",
				 (double)sz / 1048576.0);
		else
			snprintf(size, sizeof(size), "-");
		cells[0] = js(b, "id");
		cells[1] = js(b, "name");
		cells[2] = js(b, "status");
		cells[3] = js(b, "beginTime");
		cells[4] = js(b, "endTime");
		cells[5] = tli;
		cells[6] = js(b, "beginWal");
		cells[7] = js(b, "endWal");
		cells[8] = size;
		output_table_add(t, cells);
	}
	output_table_print(stdout, t);
	output_table_free(t);
}

static void
render_ranges(const char *what, const json_t *ranges, int all)
{
	const json_t *r;
	size_t i, n = json_array_size(ranges);

	if (n == 0) {
		printf("    %s: none\n", what);
		return;
	}
	json_array_foreach(ranges, i, r)
	{
		if (!all && n > 3 && i == 1) {
			printf("    ... %zu more (use --wal)\n", n - 2);
			i = n - 2;
			continue;
		}
		printf("    %s: %s .. %s\n", what, js(r, "first"),
		       js(r, "last"));
	}
}

static void
render(const json_t *doc, const struct catalog_opts *o)
{
	const json_t *tl, *w = json_object_get(doc, "window");
	size_t i;

	printf("archive: %s/%s/\n", js(doc, "destinationPath"),
	       js(doc, "serverName"));
	printf("\nBase backups\n");
	if (json_array_size(json_object_get(doc, "backups")))
		render_backups(doc);
	else
		printf("  none\n");
	printf("\nTimelines\n");
	json_array_foreach(json_object_get(doc, "timelines"), i, tl)
	{
		json_int_t parent =
			json_integer_value(json_object_get(tl, "parent"));

		printf("  timeline %lld", (long long)json_integer_value(
						  json_object_get(tl, "id")));
		if (parent)
			printf(" (from %lld at %s)", (long long)parent,
			       js(tl, "switchLsn"));
		printf("\n");
		render_ranges("WAL", json_object_get(tl, "walRanges"), o->wal);
		if (json_is_object(json_object_get(tl, "lastCommit"))) {
			const json_t *c = json_object_get(tl, "lastCommit");

			printf("    last commit: %s (xid %lld, %s)\n",
			       js(c, "time"),
			       (long long)json_integer_value(
				       json_object_get(c, "xid")),
			       js(c, "lsn"));
		}
		render_ranges("gap", json_object_get(tl, "gaps"), 1);
	}
	printf("\nRecoverability window");
	if (json_object_get(w, "timeline"))
		printf(" (timeline %lld)",
		       (long long)json_integer_value(
			       json_object_get(w, "timeline")));
	printf("\n  earliest: %s\n  latest:   %s%s\n", js(w, "earliest"),
	       js(w, "latest"),
	       json_is_true(json_object_get(w, "latestIsUpperBound"))
		       ? " (upper bound)"
	       : json_object_get(w, "latestCommit")
		       ? " (exact: the last commit)"
		       : "");
	if (json_object_get(w, "basis"))
		printf("  basis:    %s\n", js(w, "basis"));
	if (json_is_array(json_object_get(doc, "restorePoints"))) {
		const json_t *rp;

		printf("\nRestore points\n");
		if (!json_array_size(json_object_get(doc, "restorePoints")))
			printf("  none\n");
		json_array_foreach(json_object_get(doc, "restorePoints"), i, rp)
			printf("  %s  %s  %s (timeline %lld)\n", js(rp, "time"),
			       js(rp, "name"), js(rp, "lsn"),
			       (long long)json_integer_value(
				       json_object_get(rp, "timeline")));
	}
	if (json_array_size(json_object_get(doc, "warnings"))) {
		const json_t *warn;

		printf("\nWarnings\n");
		json_array_foreach(json_object_get(doc, "warnings"), i, warn)
			printf("  ! %s\n", json_is_string(warn)
						   ? json_string_value(warn)
						   : js(warn, "message"));
	}
}

static int
catalog_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	struct catalog_opts *o = ctx->state;
	struct archive_config *arch = NULL;
	json_t *cluster = NULL, *doc = NULL;
	int rc = -1;

	if (archive_flags_resolve(&arch, &cluster, ctx, &o->af, argc, argv))
		goto out;
	if (archive_is_double_nested(arch))
		cmd_warn(
			"destinationPath '%s' already ends with the "
			"serverName '%s': barman appends it, so the archive is "
			"at %s/%s/",
			arch->destination_path, arch->server_name,
			arch->destination_path, arch->server_name);
	if (o->restore_points && o->no_decode) {
		error_set(ctx->err, ERR_USAGE,
			  "--restore-points reads the WAL: it cannot go with "
			  "--no-wal-decode");
		goto out;
	}
	if (o->restore_points)
		cmd_note("reading the archived WAL from the oldest backup on "
			 "for its restore points: this reads all of it");
	if (reader_catalog_json(
		    &doc, arch,
		    (o->no_decode ? 0 : READER_WAL_DECODE) |
			    (o->restore_points ? READER_RESTORE_POINTS : 0),
		    ctx->err))
		goto out;
	if (ctx->g->output == OUTPUT_JSON)
		rc = output_json(stdout, doc, ctx->err);
	else {
		render(doc, o);
		rc = 0;
	}
out:
	json_decref(doc);
	json_decref(cluster);
	archive_config_free(arch);
	return rc;
}
