/*
 * Following a Cluster until it is healthy, for the commands that create
 * one (pitr, clone): phase changes with the elapsed time on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli.h"
#include "kube.h"
#include "xmalloc.h"

struct wait_state {
	const char *name;
	char *last;
};

static int
wait_event(void *ud, const char *type, const json_t *obj, struct error *err)
{
	struct wait_state *ws = ud;
	const char *name = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "name"));
	const char *phase = json_string_value(
		json_object_get(json_object_get(obj, "status"), "phase"));
	if (!name || strcmp(name, ws->name) != 0)
		return 0;
	if (strcmp(type, "DELETED") == 0)
		return error_set(err, ERR_NOT_FOUND,
				 "cluster '%s' was deleted while waiting",
				 ws->name);
	if (!phase)
		phase = "creating";
	if (!ws->last || strcmp(ws->last, phase) != 0) {
		char *what = xasprintf("cluster/%s", ws->name);

		progress_state(what, phase);
		free(what);
		free(ws->last);
		ws->last = xstrdup(phase);
	}
	return strcmp(phase, "Cluster in healthy state") == 0;
}

int
cmd_wait_cluster_healthy(struct cmd_ctx *ctx, struct kube_client *kc,
			 const char *ns, const char *name, long timeout_ms)
{
	struct wait_state ws = { name, NULL };
	struct kube_list_opts lo = { 0 };
	char *sel = xasprintf("metadata.name=%s", name);
	int rc;

	lo.field_selector = sel;
	progress_start();
	rc = kube_watch(kc, KUBE_CLUSTER, ns, &lo, NULL, timeout_ms, wait_event,
			&ws, ctx->err);
	progress_stop();
	if (rc && ctx->err->code == ERR_TIMEOUT) {
		error_clear(ctx->err);
		error_set(ctx->err, ERR_TIMEOUT,
			  "cluster '%s/%s' is not healthy after the timeout "
			  "(last phase: %s); recovery goes on",
			  ns, name, ws.last ? ws.last : "creating");
		error_hint(ctx->err,
			   "watch it with 'kubectl get clusters.postgresql."
			   "cnpg.io %s -n %s -w' and its pods' logs",
			   name, ns);
	}
	if (rc == 0)
		cmd_note("cluster '%s/%s' is healthy; connect with: kubectl "
			 "cnpg psql %s -n %s (or the Service %s-rw, user and "
			 "password in the Secret %s-app)",
			 ns, name, name, ns, name, name);
	free(ws.last);
	free(sel);
	return rc;
}

struct backup_wait {
	const char *name;
	char *last;
	json_t *final;
};

static int
backup_event(void *ud, const char *type, const json_t *obj, struct error *err)
{
	struct backup_wait *bw = ud;
	const char *name = json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "name"));
	const char *phase = json_string_value(
		json_object_get(json_object_get(obj, "status"), "phase"));

	if (!name || strcmp(name, bw->name) != 0)
		return 0;
	if (strcmp(type, "DELETED") == 0)
		return error_set(err, ERR_NOT_FOUND,
				 "backup '%s' was deleted while waiting",
				 bw->name);
	if (!phase)
		phase = "pending";
	if (!bw->last || strcmp(bw->last, phase) != 0) {
		char *what = xasprintf("backup/%s", bw->name);

		progress_state(what, phase);
		free(what);
		free(bw->last);
		bw->last = xstrdup(phase);
	}
	if (strcmp(phase, "completed") == 0 || strcmp(phase, "failed") == 0 ||
	    strcmp(phase, "walArchivingFailing") == 0) {
		json_decref(bw->final);
		bw->final = json_deep_copy(obj);
		return 1;
	}
	return 0;
}

int
cmd_wait_backup(json_t **out, struct cmd_ctx *ctx, struct kube_client *kc,
		const char *ns, const char *name, const char *cluster,
		long timeout_ms)
{
	struct backup_wait bw = { name, NULL, NULL };
	struct kube_list_opts lo = { 0 };
	char *sel = xasprintf("metadata.name=%s", name);
	const char *phase;
	int rc;

	lo.field_selector = sel;
	progress_start();
	rc = kube_watch(kc, KUBE_BACKUP, ns, &lo, NULL, timeout_ms,
			backup_event, &bw, ctx->err);
	progress_stop();
	free(sel);
	if (rc) {
		if (ctx->err->code == ERR_TIMEOUT) {
			error_clear(ctx->err);
			error_set(ctx->err, ERR_TIMEOUT,
				  "backup '%s/%s' did not finish within the "
				  "timeout (last phase: %s); it continues in "
				  "the cluster",
				  ns, name, bw.last ? bw.last : "pending");
			error_hint(ctx->err,
				   "follow it with 'kubectl cnpgops backup "
				   "list %s -n %s'",
				   cluster, ns);
		}
		free(bw.last);
		json_decref(bw.final);
		return -1;
	}
	free(bw.last);
	phase = json_string_value(
		json_object_get(json_object_get(bw.final, "status"), "phase"));
	if (strcmp(phase, "completed") != 0) {
		const char *msg = json_string_value(json_object_get(
			json_object_get(bw.final, "status"), "error"));
		error_set(ctx->err, ERR_KUBE_API, "backup '%s/%s' %s: %s", ns,
			  name, phase, msg ? msg : "-");
		error_hint(ctx->err,
			   "run 'kubectl cnpgops archive-test %s -n %s' if the "
			   "error is about the object store",
			   cluster, ns);
		json_decref(bw.final);
		return -1;
	}
	*out = bw.final;
	return 0;
}
