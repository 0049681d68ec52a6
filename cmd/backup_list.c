/*
 * backup list: the Backup objects of one cluster, newest first.
 *
 * usage: kubectl cnpgops backup list CLUSTER [-o json|yaml]
 *
 * A Backup belongs to CLUSTER when it carries the label
 * cnpg.io/cluster=CLUSTER or, failing that, names it in spec.cluster.name
 * (Backups created by hand often have no label).  Newest first means by
 * status.startedAt, then metadata.creationTimestamp.  -o json prints a v1
 * List whose items are the objects as the API returned them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "kube.h"
#include "output.h"
#include "strbuf.h"
#include "xmalloc.h"

static int backup_list_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option backup_list_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_backup_list_entry = {
	.name = "backup list",
	.usage = "CLUSTER [-o json|yaml]",
	.summary = "List a cluster's Backup objects, newest first",
	.shortopts = "",
	.longopts = backup_list_longopts,
	.min_args = 1,
	.max_args = 1,
	.flags = CMD_NEEDS_KUBE | CMD_TARGET_CLUSTER | CMD_OUTPUT_YAML,
	.exec = backup_list_exec,
};

static const char *
str_at(const json_t *obj, const char *a, const char *b)
{
	const json_t *v = json_object_get(obj, a);

	if (b)
		v = json_object_get(v, b);
	return json_string_value(v);
}

/* RFC3339 as the API server writes it ("2026-11-24T09:41:00Z"); -1 if not. */
static time_t
parse_rfc3339(const char *s)
{
	struct tm tm = { 0 };
	const char *p;

	if (!s)
		return (time_t)-1;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return (time_t)-1;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p != 'Z' || p[1])
		return (time_t)-1;
	return timegm(&tm);
}

static const char *
sort_key(const json_t *b)
{
	const char *t = str_at(b, "status", "startedAt");

	return t ? t : str_at(b, "metadata", "creationTimestamp");
}

static int
newest_first(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa;
	const json_t *b = *(const json_t *const *)pb;
	time_t ta = parse_rfc3339(sort_key(a)), tb = parse_rfc3339(sort_key(b));
	const char *na = str_at(a, "metadata", "name");
	const char *nb = str_at(b, "metadata", "name");

	if (ta != tb)
		return ta < tb ? 1 : -1;
	return strcmp(nb ? nb : "", na ? na : "");
}

static int
belongs_to(const json_t *b, const char *cluster)
{
	const char *label = json_string_value(json_object_get(
		json_object_get(json_object_get(b, "metadata"), "labels"),
		"cnpg.io/cluster"));
	const char *spec;

	if (label)
		return strcmp(label, cluster) == 0;
	spec = json_string_value(json_object_get(
		json_object_get(json_object_get(b, "spec"), "cluster"),
		"name"));
	return spec && strcmp(spec, cluster) == 0;
}

static void
format_duration(struct strbuf *sb, long secs)
{
	if (secs >= 3600)
		strbuf_addf(sb, "%ldh%ldm%lds", secs / 3600, secs / 60 % 60,
			    secs % 60);
	else if (secs >= 60)
		strbuf_addf(sb, "%ldm%lds", secs / 60, secs % 60);
	else
		strbuf_addf(sb, "%lds", secs);
}

static void
print_table(json_t **items, size_t n)
{
	static const char *const headers[] = { "NAME",	   "PHASE",
					       "METHOD",   "STARTED",
					       "DURATION", "BACKUP-ID",
					       "ERROR" };
	struct output_table *t = output_table_new(7, headers);
	size_t i;

	for (i = 0; i < n; i++) {
		const json_t *b = items[i];
		struct strbuf dur = STRBUF_INIT;
		time_t start = parse_rfc3339(str_at(b, "status", "startedAt"));
		time_t stop = parse_rfc3339(str_at(b, "status", "stoppedAt"));
		const char *method = str_at(b, "status", "method");
		const char *error = str_at(b, "status", "error");
		const char *cells[7];

		if (start != (time_t)-1 && stop != (time_t)-1 && stop >= start)
			format_duration(&dur, (long)(stop - start));
		else
			strbuf_addstr(&dur, "-");
		if (!method)
			method = str_at(b, "spec", "method");
		cells[0] = str_at(b, "metadata", "name");
		cells[1] = str_at(b, "status", "phase");
		cells[2] = method ? method : "barmanObjectStore";
		cells[3] = str_at(b, "status", "startedAt");
		cells[4] = dur.buf;
		cells[5] = str_at(b, "status", "backupId");
		cells[6] = error && *error ? error : "-";
		if (!cells[1])
			cells[1] = "pending";
		if (!cells[3])
			cells[3] = "-";
		if (!cells[5])
			cells[5] = "-";
		output_table_add(t, cells);
		strbuf_release(&dur);
	}
	output_table_print(stdout, t);
	output_table_free(t);
}

static int
backup_list_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *cluster = argv[0];
	json_t *list = NULL, *items, *it, *out_list = NULL, *out_items;
	json_t **sel = NULL;
	size_t i, n = 0;
	int rc = -1;

	(void)argc;
	list = kube_list(ctx->kube, KUBE_BACKUP, ctx->namespace, NULL,
			 ctx->err);
	if (!list) {
		error_prefix(ctx->err, "listing backups of cluster '%s/%s': ",
			     ctx->namespace, cluster);
		goto out;
	}
	items = json_object_get(list, "items");
	sel = xcalloc(json_array_size(items) + 1, sizeof(json_t *));
	json_array_foreach(items, i, it) if (belongs_to(it, cluster)) sel[n++] =
		it;
	qsort(sel, n, sizeof(json_t *), newest_first);

	if (ctx->g->output == OUTPUT_TEXT) {
		if (n == 0)
			cmd_note("no backups found for cluster '%s/%s'",
				 ctx->namespace, cluster);
		else
			print_table(sel, n);
		rc = 0;
		goto out;
	}
	out_items = json_array();
	for (i = 0; i < n; i++)
		json_array_append(out_items, sel[i]);
	out_list = json_pack("{s:s, s:s, s:o}", "apiVersion", "v1", "kind",
			     "List", "items", out_items);
	if (ctx->g->output == OUTPUT_JSON)
		rc = output_json(stdout, out_list, ctx->err);
	else
		rc = output_yaml(stdout, out_list, ctx->err);
out:
	free(sel);
	json_decref(out_list);
	json_decref(list);
	return rc;
}
