/*
 * backup schedule list: the ScheduledBackups of one cluster, with their
 * schedule, whether they are suspended, and the last and next run.
 *
 * usage: kubectl cnpgops backup schedule list CLUSTER [-o json|yaml]
 *
 * A schedule without six fields is flagged: CNPG reads six (seconds
 * first) and only warns, so "0 3 * * *" does not run daily at 03:00 but
 * every hour, at second 0 of minute 3.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "kube.h"
#include "output.h"
#include "xmalloc.h"

static int schedule_list_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option schedule_list_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_backup_schedule_list_entry = {
	.name = "backup schedule list",
	.usage = "CLUSTER [-o json|yaml]",
	.summary = "List a cluster's ScheduledBackups",
	.shortopts = "",
	.longopts = schedule_list_longopts,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NEEDS_KUBE | CMD_TARGET_CLUSTER | CMD_OUTPUT_YAML,
	.exec = schedule_list_exec,
};

static const char *
get_str(const json_t *o, const char *a, const char *b)
{
	return json_string_value(json_object_get(json_object_get(o, a), b));
}

static int
fields(const char *s)
{
	int n = 0;

	if (*s == '@')
		return 6;
	while (*s) {
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		n++;
		while (*s && !isspace((unsigned char)*s))
			s++;
	}
	return n;
}

static int
is_for(const json_t *sb, const char *cluster)
{
	const char *spec = json_string_value(json_object_get(
		json_object_get(json_object_get(sb, "spec"), "cluster"),
		"name"));

	return spec && strcmp(spec, cluster) == 0;
}

static int
by_name(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa;
	const json_t *b = *(const json_t *const *)pb;
	const char *na = get_str(a, "metadata", "name");
	const char *nb = get_str(b, "metadata", "name");

	return strcmp(na ? na : "", nb ? nb : "");
}

static int
schedule_list_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	static const char *const headers[] = { "NAME",	    "SCHEDULE",
					       "SUSPENDED", "METHOD",
					       "LAST",	    "NEXT" };
	const char *cluster = argv[0];
	json_t *list, *items, *it, *out_items, *out_list = NULL;
	json_t **sel = NULL;
	struct output_table *t = NULL;
	size_t i, n = 0;
	int rc = -1, five = 0;

	(void)argc;
	list = kube_list(ctx->kube, KUBE_SCHEDULED_BACKUP, ctx->namespace, NULL,
			 ctx->err);
	if (!list) {
		error_prefix(ctx->err,
			     "listing scheduled backups of cluster '%s/%s': ",
			     ctx->namespace, cluster);
		return -1;
	}
	items = json_object_get(list, "items");
	sel = xcalloc(json_array_size(items) + 1, sizeof(json_t *));
	json_array_foreach(items, i, it) if (is_for(it, cluster)) sel[n++] = it;
	qsort(sel, n, sizeof(json_t *), by_name);
	if (ctx->g->output != OUTPUT_TEXT) {
		out_items = json_array();
		for (i = 0; i < n; i++)
			json_array_append(out_items, sel[i]);
		out_list = json_pack("{s:s, s:s, s:o}", "apiVersion", "v1",
				     "kind", "List", "items", out_items);
		rc = ctx->g->output == OUTPUT_JSON
			     ? output_json(stdout, out_list, ctx->err)
			     : output_yaml(stdout, out_list, ctx->err);
		goto out;
	}
	if (n == 0) {
		cmd_note("no scheduled backups found for cluster '%s/%s'",
			 ctx->namespace, cluster);
		rc = 0;
		goto out;
	}
	t = output_table_new(6, headers);
	for (i = 0; i < n; i++) {
		const char *sched = get_str(sel[i], "spec", "schedule");
		const char *method = get_str(sel[i], "spec", "method");
		const char *cells[6];
		char *s = NULL;

		if (sched && fields(sched) != 6) {
			s = xasprintf("%s (!)", sched);
			five = 1;
		}
		cells[0] = get_str(sel[i], "metadata", "name");
		cells[1] = s ? s : sched;
		cells[2] = json_is_true(json_object_get(
				   json_object_get(sel[i], "spec"), "suspend"))
				   ? "true"
				   : "false";
		cells[3] = method ? method : "barmanObjectStore";
		cells[4] = get_str(sel[i], "status", "lastScheduleTime");
		cells[5] = get_str(sel[i], "status", "nextScheduleTime");
		if (!cells[4])
			cells[4] = "-";
		if (!cells[5])
			cells[5] = "-";
		output_table_add(t, cells);
		free(s);
	}
	output_table_print(stdout, t);
	if (five)
		cmd_warn("schedules marked (!) do not have six fields; CNPG "
			 "reads the first field as seconds, so they run far "
			 "more often than intended: fix them with 'kubectl "
			 "cnpgops backup schedule %s --schedule ... "
			 "--overwrite'",
			 cluster);
	rc = 0;
out:
	output_table_free(t);
	free(sel);
	json_decref(out_list);
	json_decref(list);
	return rc;
}
