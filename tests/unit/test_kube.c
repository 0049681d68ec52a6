/*
 * kube: the REST client through its transport hook, without a network:
 * URLs and query escaping for each kind, list paging, the translation of
 * real Status bodies (tests/fixtures/kube/), retries and Retry-After, the
 * body cap, the write verbs, and watch streams cut at arbitrary byte
 * boundaries with bookmarks, 410 re-lists, dropped connections and
 * timeouts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "errors.h"
#include "kube.h"
#include "kubeconfig.h"
#include "strbuf.h"
#include "test.h"

#define SERVER	      "https://api.test:6443"
#define CNPG	      SERVER "/apis/postgresql.cnpg.io/v1"
#define RANDOM_CHUNKS ((size_t)-1)

/* One scripted answer of the fake transport. */
struct step {
	const char *method; /* expected method, NULL = any */
	const char *url; /* expected URL, NULL = any */
	enum kube_transport_result result;
	long status;
	long retry_after; /* 0 = no header */
	const char *fixture; /* body from tests/fixtures/kube/ */
	const char *body; /* or a literal body */
	const char *detail; /* the transport's error text */
	size_t chunk; /* piece size; 0 = whole; RANDOM_CHUNKS */
	long advance_ms; /* the fake clock moves this much */
	size_t huge_mb; /* deliver this many MiB of 'x' instead */
};

struct fake {
	const struct step *steps;
	size_t nsteps, next;
	struct strbuf reqs; /* "METHOD URL" lines */
	struct strbuf body; /* the last request body */
	struct strbuf ctype; /* the last request content type */
	struct strbuf token; /* the last bearer token */
	long sleeps[64];
	size_t nsleeps;
	long long now;
	uint32_t seed;
	size_t delivered_mb;
};

struct env {
	struct kube_config cfg;
	char server[128], user[32], ctx[32], cluster[32], token[32];
	struct fake fake;
	struct kube_client *kc;
	struct strbuf log;
};

static uint32_t
fake_rand(struct fake *f)
{
	f->seed = f->seed * 1103515245u + 12345u;
	return (f->seed >> 16) & 0x7fff;
}

static int
deliver(struct fake *f, const struct step *st, const char *data, size_t len,
	kube_body_fn body, void *body_ud)
{
	size_t off = 0;

	while (off < len) {
		size_t n = st->chunk == 0		? len - off
			   : st->chunk == RANDOM_CHUNKS ? 1 + fake_rand(f) % 17
							: st->chunk;

		if (n > len - off)
			n = len - off;
		if (body(body_ud, data + off, n))
			return -1;
		off += n;
	}
	return 0;
}

static enum kube_transport_result
fake_send(void *ud, const struct kube_http_request *req,
	  struct kube_http_response *resp, kube_body_fn body, void *body_ud)
{
	struct fake *f = ud;
	const struct step *st;
	char *data = NULL;
	size_t len = 0;
	int rc = 0;

	strbuf_addf(&f->reqs, "%s %s\n", req->method, req->url);
	strbuf_reset(&f->body);
	strbuf_add(&f->body, req->body ? req->body : "", req->body_len);
	strbuf_reset(&f->ctype);
	strbuf_addstr(&f->ctype, req->content_type ? req->content_type : "");
	strbuf_reset(&f->token);
	strbuf_addstr(&f->token, req->token ? req->token : "");
	if (f->next >= f->nsteps) {
		test_fail(__FILE__, __LINE__, "unexpected request %s %s",
			  req->method, req->url);
		snprintf(resp->detail, sizeof(resp->detail), "no more steps");
		return KUBE_TRANSPORT_TLS;
	}
	st = &f->steps[f->next++];
	if (st->method)
		CHECK_STR(req->method, st->method);
	if (st->url)
		CHECK_STR(req->url, st->url);
	f->now += st->advance_ms;
	resp->status = st->status;
	resp->retry_after_s = st->retry_after ? st->retry_after : -1;
	if (st->detail)
		snprintf(resp->detail, sizeof(resp->detail), "%s", st->detail);
	if (st->huge_mb) {
		char *mb = malloc((size_t)1 << 20);
		size_t i;

		memset(mb, 'x', (size_t)1 << 20);
		for (i = 0; i < st->huge_mb && rc == 0; i++) {
			f->delivered_mb++;
			rc = body(body_ud, mb, (size_t)1 << 20);
		}
		free(mb);
	} else if (st->fixture) {
		char name[256];

		snprintf(name, sizeof(name), "kube/%s", st->fixture);
		data = test_read_fixture(name, &len);
		rc = deliver(f, st, data, len, body, body_ud);
		free(data);
	} else if (st->body) {
		rc = deliver(f, st, st->body, strlen(st->body), body, body_ud);
	}
	return rc ? KUBE_TRANSPORT_ABORTED : st->result;
}

static void
fake_sleep(void *ud, long ms)
{
	struct fake *f = ud;

	if (f->nsleeps < sizeof(f->sleeps) / sizeof(f->sleeps[0]))
		f->sleeps[f->nsleeps++] = ms;
	f->now += ms;
}

static long long
fake_now(void *ud)
{
	struct fake *f = ud;

	return f->now;
}

static void
test_log(void *ud, int level, const char *line)
{
	struct strbuf *sb = ud;

	strbuf_addf(sb, "%d %s\n", level, line);
}

static void
env_cfg(struct env *e, const char *server)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->server, sizeof(e->server), "%s", server);
	snprintf(e->user, sizeof(e->user), "sre");
	snprintf(e->ctx, sizeof(e->ctx), "prod-ctx");
	snprintf(e->cluster, sizeof(e->cluster), "prod-cluster");
	snprintf(e->token, sizeof(e->token), "s3cr3t-token");
	e->cfg.server = e->server;
	e->cfg.user_name = e->user;
	e->cfg.context_name = e->ctx;
	e->cfg.cluster_name = e->cluster;
	e->cfg.token = e->token;
	strbuf_init(&e->log, 0);
	strbuf_init(&e->fake.reqs, 0);
	strbuf_init(&e->fake.body, 0);
	strbuf_init(&e->fake.ctype, 0);
	strbuf_init(&e->fake.token, 0);
	e->fake.now = 1000000;
	e->fake.seed = 42;
}

static void
env_connect(struct env *e, const struct step *steps, size_t n, int max_retries)
{
	struct kube_client_opts opts = { 0 };
	struct kube_transport t = { 0 };
	struct error err = ERROR_INIT;

	e->fake.steps = steps;
	e->fake.nsteps = n;
	opts.verbose = 2;
	opts.log = test_log;
	opts.log_ud = &e->log;
	opts.max_retries = max_retries;
	opts.timeout_ms = 30000;
	if (kube_client_new(&e->kc, &e->cfg, &opts, &err)) {
		test_fail(__FILE__, __LINE__, "kube_client_new: %s", err.msg);
		error_clear(&err);
		return;
	}
	t.send = fake_send;
	t.sleep_ms = fake_sleep;
	t.now_ms = fake_now;
	t.ud = &e->fake;
	kube_client_set_transport(e->kc, &t);
}

static void
env_open(struct env *e, const struct step *steps, size_t n, int max_retries)
{
	env_cfg(e, SERVER);
	env_connect(e, steps, n, max_retries);
}

static void
env_close(struct env *e)
{
	CHECK_INT(e->fake.next, e->fake.nsteps);
	/* The token must never reach the log. */
	CHECK(strstr(e->log.buf, "s3cr3t") == NULL);
	kube_client_free(e->kc);
	strbuf_release(&e->log);
	strbuf_release(&e->fake.reqs);
	strbuf_release(&e->fake.body);
	strbuf_release(&e->fake.ctype);
	strbuf_release(&e->fake.token);
}

#define NSTEPS(a) (sizeof(a) / sizeof((a)[0]))

/* URLs. */

static void
kube_get_builds_the_path_of_each_kind(void)
{
	static const struct {
		enum kube_kind kind;
		const char *ns, *name, *url;
	} cases[] = {
		{ KUBE_NAMESPACE, NULL, "prod",
		  SERVER "/api/v1/namespaces/prod" },
		{ KUBE_NAMESPACE, "ignored", "prod",
		  SERVER "/api/v1/namespaces/prod" },
		{ KUBE_SECRET, "prod", "pg1-app",
		  SERVER "/api/v1/namespaces/prod/secrets/pg1-app" },
		{ KUBE_POD, "prod", "pg1-1",
		  SERVER "/api/v1/namespaces/prod/pods/pg1-1" },
		{ KUBE_EVENT, "prod", "pg1.17a",
		  SERVER "/api/v1/namespaces/prod/events/pg1.17a" },
		{ KUBE_PVC, "prod", "pg1-1",
		  SERVER "/api/v1/namespaces/prod/persistentvolumeclaims/"
			 "pg1-1" },
		{ KUBE_CLUSTER, "prod", "pg1",
		  CNPG "/namespaces/prod/clusters/pg1" },
		{ KUBE_BACKUP, "prod", "nightly",
		  CNPG "/namespaces/prod/backups/nightly" },
		{ KUBE_SCHEDULED_BACKUP, "prod", "daily",
		  CNPG "/namespaces/prod/scheduledbackups/daily" },
		{ KUBE_OBJECT_STORE, "prod", "minio",
		  SERVER "/apis/barmancloud.cnpg.io/v1/namespaces/prod/"
			 "objectstores/minio" },
		{ KUBE_BACKUP, "team a", "x/../y?z=1#f",
		  CNPG "/namespaces/team%20a/backups/x%2F..%2Fy%3Fz%3D1%23f" },
	};
	size_t i;

	for (i = 0; i < NSTEPS(cases); i++) {
		struct step steps[1] = { { 0 } };
		struct error err = ERROR_INIT;
		struct env e;
		json_t *obj;

		steps[0].method = "GET";
		steps[0].url = cases[i].url;
		steps[0].status = 200;
		steps[0].body = "{\"kind\":\"Thing\"}";
		env_open(&e, steps, 1, 0);
		obj = kube_get(e.kc, cases[i].kind, cases[i].ns, cases[i].name,
			       &err);
		CHECK(obj != NULL);
		CHECK_STR(json_string_value(json_object_get(obj, "kind")),
			  "Thing");
		CHECK_STR(e.fake.token.buf, "s3cr3t-token");
		json_decref(obj);
		error_clear(&err);
		env_close(&e);
	}
}

static void
kube_kind_names_match_the_crds(void)
{
	CHECK_STR(kube_kind_api_version(KUBE_BACKUP), "postgresql.cnpg.io/v1");
	CHECK_STR(kube_kind_api_version(KUBE_OBJECT_STORE),
		  "barmancloud.cnpg.io/v1");
	CHECK_STR(kube_kind_api_version(KUBE_SECRET), "v1");
	CHECK_STR(kube_kind_name(KUBE_SCHEDULED_BACKUP), "ScheduledBackup");
	CHECK_STR(kube_kind_plural(KUBE_PVC), "persistentvolumeclaims");
	CHECK_STR(kube_kind_resource(KUBE_CLUSTER),
		  "clusters.postgresql.cnpg.io");
	CHECK_STR(kube_kind_resource(KUBE_POD), "pods");
}

static void
kube_server_path_prefix_is_kept(void)
{
	static const struct step steps[] = {
		{ "GET",
		  "https://rancher.example/k8s/clusters/c-abc/api/v1/"
		  "namespaces/prod/secrets/s",
		  KUBE_TRANSPORT_OK, 200, 0, NULL, "{}", NULL, 0, 0, 0 },
	};
	struct error err = ERROR_INIT;
	struct env e;
	json_t *obj;

	env_cfg(&e, "https://rancher.example/k8s/clusters/c-abc//");
	env_connect(&e, steps, NSTEPS(steps), 0);
	CHECK_STR(kube_client_server(e.kc),
		  "https://rancher.example/k8s/clusters/c-abc");
	obj = kube_get(e.kc, KUBE_SECRET, "prod", "s", &err);
	CHECK(obj != NULL);
	json_decref(obj);
	env_close(&e);
}

static void
kube_list_escapes_selectors_and_spans_namespaces(void)
{
	static const struct step steps[] = {
		{ "GET",
		  CNPG "/namespaces/prod/backups?labelSelector=cnpg.io%2F"
		       "cluster%3Dpg1%2Crole%20in%20%28primary%2Creplica%29"
		       "&fieldSelector=metadata.name%21%3Dx&limit=50",
		  KUBE_TRANSPORT_OK, 200, 0, "backups-page3.json", NULL, NULL,
		  0, 0, 0 },
		{ "GET", CNPG "/backups", KUBE_TRANSPORT_OK, 200, 0,
		  "backups-page3.json", NULL, NULL, 0, 0, 0 },
	};
	struct kube_list_opts lo = { 0 };
	struct error err = ERROR_INIT;
	struct env e;
	json_t *list;

	env_open(&e, steps, NSTEPS(steps), 0);
	lo.label_selector = "cnpg.io/cluster=pg1,role in (primary,replica)";
	lo.field_selector = "metadata.name!=x";
	lo.limit = 50;
	list = kube_list(e.kc, KUBE_BACKUP, "prod", &lo, &err);
	CHECK(list != NULL);
	json_decref(list);
	list = kube_list(e.kc, KUBE_BACKUP, NULL, NULL, &err);
	CHECK_INT(json_array_size(json_object_get(list, "items")), 1);
	json_decref(list);
	CHECK_INT(err.code, ERR_OK);
	env_close(&e);
}

/* Paging. */

static void
check_names(const json_t *list, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	const json_t *it;
	size_t i;

	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		strbuf_addf(&sb, "%s%s", sb.len ? " " : "",
			    json_string_value(json_object_get(
				    json_object_get(it, "metadata"), "name")));
	}
	CHECK_STR(sb.buf, want);
	strbuf_release(&sb);
}

static void
kube_list_follows_continue_tokens(void)
{
	static const struct step steps[] = {
		{ "GET", CNPG "/namespaces/prod/backups?limit=2",
		  KUBE_TRANSPORT_OK, 200, 0, "backups-page1.json", NULL, NULL,
		  0, 0, 0 },
		{ "GET",
		  CNPG "/namespaces/prod/backups?limit=2&continue="
		       "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTA1LCJzdGFydCI6In"
		       "BnMS1iXHUwMDAwIn0%3D",
		  KUBE_TRANSPORT_OK, 200, 0, "backups-page2.json", NULL, NULL,
		  0, 0, 0 },
		{ "GET",
		  CNPG "/namespaces/prod/backups?limit=2&continue="
		       "eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MTA1LCJzdGFydCI6In"
		       "BnMS1kXHUwMDAwIn0%3D",
		  KUBE_TRANSPORT_OK, 200, 0, "backups-page3.json", NULL, NULL,
		  0, 0, 0 },
	};
	struct kube_list_opts lo = { NULL, NULL, 2 };
	struct error err = ERROR_INIT;
	struct env e;
	json_t *list, *md;

	env_open(&e, steps, NSTEPS(steps), 0);
	list = kube_list(e.kc, KUBE_BACKUP, "prod", &lo, &err);
	CHECK(list != NULL);
	check_names(list, "pg1-a pg1-b pg1-c pg1-d pg1-e");
	md = json_object_get(list, "metadata");
	CHECK(json_object_get(md, "continue") == NULL);
	CHECK(json_object_get(md, "remainingItemCount") == NULL);
	CHECK_STR(json_string_value(json_object_get(md, "resourceVersion")),
		  "105");
	CHECK_STR(json_string_value(json_object_get(list, "kind")),
		  "BackupList");
	json_decref(list);
	env_close(&e);
}

static void
kube_list_starts_over_when_continue_expires(void)
{
	static const struct step steps[] = {
		{ "GET", CNPG "/namespaces/prod/backups?limit=2",
		  KUBE_TRANSPORT_OK, 200, 0, "backups-page1.json", NULL, NULL,
		  0, 0, 0 },
		{ "GET", NULL, KUBE_TRANSPORT_OK, 410, 0,
		  "status-410-continue.json", NULL, NULL, 0, 0, 0 },
		{ "GET", CNPG "/namespaces/prod/backups?limit=2",
		  KUBE_TRANSPORT_OK, 200, 0, "backups-page1.json", NULL, NULL,
		  0, 0, 0 },
		{ "GET", NULL, KUBE_TRANSPORT_OK, 200, 0, "backups-page2.json",
		  NULL, NULL, 0, 0, 0 },
		{ "GET", NULL, KUBE_TRANSPORT_OK, 200, 0, "backups-page3.json",
		  NULL, NULL, 0, 0, 0 },
	};
	struct kube_list_opts lo = { NULL, NULL, 2 };
	struct error err = ERROR_INIT;
	struct env e;
	json_t *list;

	env_open(&e, steps, NSTEPS(steps), 0);
	list = kube_list(e.kc, KUBE_BACKUP, "prod", &lo, &err);
	CHECK(list != NULL);
	check_names(list, "pg1-a pg1-b pg1-c pg1-d pg1-e");
	json_decref(list);
	env_close(&e);
}

static void
kube_list_fills_in_kind_of_core_items(void)
{
	static const struct step steps[] = {
		{ "GET", SERVER "/api/v1/namespaces/prod/secrets",
		  KUBE_TRANSPORT_OK, 200, 0, "secrets-list.json", NULL, NULL, 0,
		  0, 0 },
	};
	struct error err = ERROR_INIT;
	struct env e;
	json_t *list, *it;

	env_open(&e, steps, NSTEPS(steps), 0);
	list = kube_list(e.kc, KUBE_SECRET, "prod", NULL, &err);
	it = json_array_get(json_object_get(list, "items"), 0);
	CHECK_STR(json_string_value(json_object_get(it, "kind")), "Secret");
	CHECK_STR(json_string_value(json_object_get(it, "apiVersion")), "v1");
	/* Neither the token nor the secret's data reach the log. */
	CHECK(strstr(e.log.buf, "c2VjcmV0") == NULL);
	CHECK(strstr(e.log.buf, "GET " SERVER "/api/v1/namespaces/prod/"
				"secrets 200 OK in ") != NULL);
	json_decref(list);
	env_close(&e);
}

/* Status translation. */

enum op { OP_GET, OP_LIST, OP_CREATE, OP_PATCH, OP_STATUS, OP_DELETE };

static void
run_op(struct env *e, enum op op, struct error *err, int *failed)
{
	json_t *obj =
		json_pack("{s:s, s:s, s:{s:s, s:s}, s:{s:{s:s}}}", "apiVersion",
			  "postgresql.cnpg.io/v1", "kind", "Backup", "metadata",
			  "name", "nightly", "namespace", "prod", "spec",
			  "cluster", "name", "pg1");
	json_t *res = NULL;

	switch (op) {
	case OP_GET:
		res = kube_get(e->kc, KUBE_BACKUP, "prod", "nightly", err);
		break;
	case OP_LIST:
		res = kube_list(e->kc, KUBE_BACKUP, "prod", NULL, err);
		break;
	case OP_CREATE:
		res = kube_create(e->kc, KUBE_BACKUP, "prod", obj,
				  KUBE_DRY_RUN_NONE, err);
		break;
	case OP_PATCH:
		res = kube_patch(e->kc, KUBE_CLUSTER, "prod", "pg1", obj,
				 KUBE_DRY_RUN_NONE, err);
		break;
	case OP_STATUS:
		res = kube_update_status(e->kc, KUBE_BACKUP, NULL, obj, err);
		break;
	case OP_DELETE:
		*failed =
			kube_delete(e->kc, KUBE_BACKUP, "prod", "nightly",
				    "Background", KUBE_DRY_RUN_NONE, err) != 0;
		json_decref(obj);
		return;
	}
	*failed = res == NULL;
	json_decref(res);
	json_decref(obj);
}

static void
kube_status_bodies_are_translated(void)
{
	static const struct {
		const char *fixture;
		long status;
		enum op op;
		enum error_code code;
		const char *msg, *msg2, *hint, *hint2;
	} cases[] = {
		{ "status-404-backup.json", 404, OP_GET, ERR_NOT_FOUND,
		  "backup 'prod/nightly' not found", NULL,
		  "run 'kubectl get backups.postgresql.cnpg.io -n prod'",
		  NULL },
		{ "status-404-namespace.json", 404, OP_CREATE, ERR_NOT_FOUND,
		  "namespace 'prod' not found", NULL, "kubectl get namespaces",
		  NULL },
		{ "404-page-not-found.txt", 404, OP_LIST, ERR_CONFIG,
		  "the API server " SERVER
		  " does not serve backups.postgresql.cnpg.io",
		  NULL, "CloudNativePG operator installed",
		  "--api-group=postgresql.cnpg.io" },
		{ "status-409-already-exists.json", 409, OP_CREATE,
		  ERR_CONFLICT, "backup 'prod/nightly'", "already exists",
		  "choose another name", NULL },
		{ "status-409-conflict.json", 409, OP_PATCH, ERR_CONFLICT,
		  "cluster 'prod/pg1'", "the object has been modified",
		  "run the command again", NULL },
		{ "status-401.json", 401, OP_GET, ERR_CONFIG,
		  "rejected the credentials (401 Unauthorized) for user 'sre' "
		  "in context 'prod-ctx'",
		  SERVER, "the token of user 'sre'", "log in again" },
		{ "status-403-list-backups.json", 403, OP_LIST, ERR_CONFIG,
		  "cannot list resource \"backups\" in API group "
		  "\"postgresql.cnpg.io\" in the namespace \"prod\"",
		  "permission denied",
		  "ask for RBAC permission to list backups.postgresql.cnpg.io "
		  "in namespace 'prod'",
		  "kubectl auth can-i list backups.postgresql.cnpg.io -n prod'"
		  "); see the RBAC example in the man page" },
		{ "status-403-list-backups.json", 403, OP_STATUS, ERR_CONFIG,
		  "permission denied", NULL,
		  "permission to update backups.postgresql.cnpg.io/status in "
		  "namespace 'prod'",
		  NULL },
		{ "status-422-backup.json", 422, OP_CREATE, ERR_KUBE_API,
		  "the API server rejected backup 'prod/nightly' as invalid: "
		  "spec.cluster.name: Required value; spec.method: Unsupported "
		  "value: \"tape\"",
		  NULL, "kubectl explain backups.postgresql.cnpg.io.spec",
		  NULL },
		{ "status-500.json", 500, OP_CREATE, ERR_KUBE_API,
		  "500 Internal Server Error to POST " CNPG
		  "/namespaces/prod/backups (1 attempt)",
		  "no endpoints available for service", "readyz", NULL },
		{ "status-400-bad-selector.json", 400, OP_LIST, ERR_KUBE_API,
		  "400 Bad Request to GET", "unable to parse requirement", NULL,
		  NULL },
		{ "503-load-balancer.html", 503, OP_GET, ERR_KUBE_API,
		  "503 Service Unavailable to GET " CNPG
		  "/namespaces/prod/backups/nightly (1 attempt): <html><head>"
		  "<title>503 Service Temporarily Unavailable</title>",
		  NULL, NULL, NULL },
		{ "status-404-backup.json", 404, OP_DELETE, ERR_NOT_FOUND,
		  "backup 'prod/nightly' not found", NULL, NULL, NULL },
	};
	size_t i;

	for (i = 0; i < NSTEPS(cases); i++) {
		struct step steps[1] = { { 0 } };
		struct error err = ERROR_INIT;
		struct env e;
		int failed = 0;

		steps[0].status = cases[i].status;
		steps[0].fixture = cases[i].fixture;
		env_open(&e, steps, 1, -1);
		run_op(&e, cases[i].op, &err, &failed);
		CHECK(failed);
		CHECK_INT(err.code, cases[i].code);
		if (!err.msg || !strstr(err.msg, cases[i].msg) ||
		    (cases[i].msg2 && !strstr(err.msg, cases[i].msg2)))
			test_fail(__FILE__, __LINE__, "%s: message \"%s\"",
				  cases[i].fixture, err.msg ? err.msg : "");
		if (cases[i].hint &&
		    (!err.hint || !strstr(err.hint, cases[i].hint) ||
		     (cases[i].hint2 && !strstr(err.hint, cases[i].hint2))))
			test_fail(__FILE__, __LINE__, "%s: hint \"%s\"",
				  cases[i].fixture, err.hint ? err.hint : "");
		error_clear(&err);
		env_close(&e);
	}
}

/* Retries. */

static void
check_backoff(const struct fake *f, size_t i, long lo, long hi)
{
	if (i >= f->nsleeps || f->sleeps[i] < lo || f->sleeps[i] > hi)
		test_fail(__FILE__, __LINE__,
			  "sleep %zu: got %ld, want %ld..%ld", i,
			  i < f->nsleeps ? f->sleeps[i] : -1, lo, hi);
}

static void
kube_get_retries_5xx_with_growing_backoff(void)
{
	static const struct step steps[] = {
		{ "GET", NULL, KUBE_TRANSPORT_OK, 503, 0, NULL, "busy", NULL, 0,
		  0, 0 },
		{ "GET", NULL, KUBE_TRANSPORT_OK, 502, 0, NULL, "", NULL, 0, 0,
		  0 },
		{ "GET", NULL, KUBE_TRANSPORT_FAILED, 0, 0, NULL, NULL,
		  "Recv failure: Connection reset by peer", 0, 0, 0 },
		{ "GET", NULL, KUBE_TRANSPORT_OK, 200, 0, NULL, "{\"a\":1}",
		  NULL, 0, 0, 0 },
	};
	struct error err = ERROR_INIT;
	struct env e;
	json_t *obj;

	env_open(&e, steps, NSTEPS(steps), 0);
	obj = kube_get(e.kc, KUBE_BACKUP, "prod", "nightly", &err);
	CHECK(obj != NULL);
	CHECK_INT(e.fake.nsleeps, 3);
	check_backoff(&e.fake, 0, 100, 200);
	check_backoff(&e.fake, 1, 200, 400);
	check_backoff(&e.fake, 2, 400, 800);
	CHECK(strstr(e.log.buf, "503 Service Unavailable, retry 1 of 5") !=
	      NULL);
	json_decref(obj);
	env_close(&e);
}

static void
kube_get_gives_up_after_max_retries(void)
{
	static const struct step one = { "GET", NULL, KUBE_TRANSPORT_OK,
					 503,	0,    "status-500.json",
					 NULL,	NULL, 0,
					 0,	0 };
	struct step steps[11];
	struct error err = ERROR_INIT;
	struct env e;
	size_t i;

	for (i = 0; i < NSTEPS(steps); i++)
		steps[i] = one;
	/* The default: 5 retries, 6 attempts. */
	env_open(&e, steps, 6, 0);
	CHECK(kube_get(e.kc, KUBE_BACKUP, "prod", "nightly", &err) == NULL);
	CHECK_INT(err.code, ERR_KUBE_API);
	CHECK(err.msg && strstr(err.msg, "503 Service Unavailable to GET "
					 "https://api.test:6443/apis/"
					 "postgresql.cnpg.io/v1/namespaces/"
					 "prod/backups/nightly (6 attempts)"));
	CHECK_INT(e.fake.nsleeps, 5);
	error_clear(&err);
	env_close(&e);

	/* 10 retries: the backoff stops growing at 5 s. */
	env_open(&e, steps, 11, 10);
	CHECK(kube_get(e.kc, KUBE_BACKUP, "prod", "nightly", &err) == NULL);
	CHECK_INT(e.fake.nsleeps, 10);
	for (i = 0; i < 10; i++) {
		long hi = 200L << i;

		if (hi > 5000)
			hi = 5000;
		check_backoff(&e.fake, i, hi / 2, hi);
	}
	error_clear(&err);
	env_close(&e);
}

static void
kube_retry_after_is_honoured_and_capped(void)
{
	static const struct step header[] = {
		{ "GET", NULL, KUBE_TRANSPORT_OK, 429, 3, NULL, "", NULL, 0, 0,
		  0 },
		{ "GET", NULL, KUBE_TRANSPORT_OK, 429, 120, NULL, "", NULL, 0,
		  0, 0 },
		{ "GET", NULL, KUBE_TRANSPORT_OK, 429, 0, "status-429.json",
		  NULL, NULL, 0, 0, 0 },
		{ "GET", NULL, KUBE_TRANSPORT_OK, 200, 0, NULL, "{}", NULL, 0,
		  0, 0 },
	};
	struct error err = ERROR_INIT;
	struct env e;
	json_t *obj;

	env_open(&e, header, NSTEPS(header), 0);
	obj = kube_get(e.kc, KUBE_BACKUP, "prod", "nightly", &err);
	CHECK(obj != NULL);
	CHECK_INT(e.fake.nsleeps, 3);
	check_backoff(&e.fake, 0, 3000, 3000);
	check_backoff(&e.fake, 1, 10000, 10000);
	check_backoff(&e.fake, 2, 3000, 3000); /* retryAfterSeconds */
	json_decref(obj);
	env_close(&e);

	/* CNPGOPS_TEST_BACKOFF_MS caps every sleep. */
	setenv("CNPGOPS_TEST_BACKOFF_MS", "1", 1);
	env_open(&e, header, NSTEPS(header), 0);
	unsetenv("CNPGOPS_TEST_BACKOFF_MS");
	obj = kube_get(e.kc, KUBE_BACKUP, "prod", "nightly", &err);
	CHECK(obj != NULL);
	check_backoff(&e.fake, 0, 1, 1);
	check_backoff(&e.fake, 1, 1, 1);
	json_decref(obj);
	env_close(&e);
}

static void
kube_post_is_not_retried_on_500_or_after_sending(void)
{
	static const struct step s500[] = {
		{ "POST", NULL, KUBE_TRANSPORT_OK, 500, 0, "status-500.json",
		  NULL, NULL, 0, 0, 0 },
	};
	static const struct step reset[] = {
		{ "PATCH", NULL, KUBE_TRANSPORT_FAILED, 0, 0, NULL, NULL,
		  "Empty reply from server", 0, 0, 0 },
	};
	struct error err = ERROR_INIT;
	struct env e;
	int failed = 0;

	env_open(&e, s500, NSTEPS(s500), 0);
	run_op(&e, OP_CREATE, &err, &failed);
	CHECK(failed);
	CHECK_INT(err.code, ERR_KUBE_API);
	CHECK_INT(e.fake.nsleeps, 0);
	error_clear(&err);
	env_close(&e);

	env_open(&e, reset, NSTEPS(reset), 0);
	run_op(&e, OP_PATCH, &err, &failed);
	CHECK(failed);
	CHECK_INT(err.code, ERR_IO);
	CHECK(err.msg && strstr(err.msg, "Empty reply from server"));
	CHECK(err.hint && strstr(err.hint, "may or may not have been applied"));
	error_clear(&err);
	env_close(&e);
}

static void
kube_post_is_retried_when_not_applied(void)
{
	static const struct step steps[] = {
		{ "POST", NULL, KUBE_TRANSPORT_CONNECT, 0, 0, NULL, NULL,
		  "Failed to connect to api.test port 6443: Connection refused",
		  0, 0, 0 },
		{ "POST", NULL, KUBE_TRANSPORT_OK, 429, 1, NULL, "", NULL, 0, 0,
		  0 },
		{ "POST", CNPG "/namespaces/prod/backups", KUBE_TRANSPORT_OK,
		  201, 0, NULL, "{\"kind\":\"Backup\"}", NULL, 0, 0, 0 },
	};
	struct error err = ERROR_INIT;
	struct env e;
	int failed = 1;

	env_open(&e, steps, NSTEPS(steps), 0);
	run_op(&e, OP_CREATE, &err, &failed);
	CHECK(!failed);
	CHECK_INT(e.fake.nsleeps, 2);
	env_close(&e);
}

static void
kube_delete_404_after_a_retry_counts_as_done(void)
{
	static const struct step steps[] = {
		{ "DELETE", NULL, KUBE_TRANSPORT_OK, 504, 0, NULL, "", NULL, 0,
		  0, 0 },
		{ "DELETE", NULL, KUBE_TRANSPORT_OK, 404, 0,
		  "status-404-backup.json", NULL, NULL, 0, 0, 0 },
	};
	struct error err = ERROR_INIT;
	struct env e;
	int failed = 1;

	env_open(&e, steps, NSTEPS(steps), 0);
	run_op(&e, OP_DELETE, &err, &failed);
	CHECK(!failed);
	CHECK_INT(err.code, ERR_OK);
	env_close(&e);
}

static void
kube_transport_failures_are_translated(void)
{
	static const struct step tls[] = {
		{ "GET", NULL, KUBE_TRANSPORT_TLS, 0, 0, NULL, NULL,
		  "SSL certificate problem: unable to get local issuer "
		  "certificate",
		  0, 0, 0 },
	};
	static const struct step timeout[] = {
		{ "GET", NULL, KUBE_TRANSPORT_TIMEOUT, 0, 0, NULL, NULL,
		  "Operation timed out after 30000 milliseconds with 0 bytes "
		  "received",
		  0, 0, 0 },
	};
	static const struct step refused = {
		"GET",
		NULL,
		KUBE_TRANSPORT_CONNECT,
		0,
		0,
		NULL,
		NULL,
		"Failed to connect to api.test port 6443 after 0 ms: "
		"Connection refused",
		0,
		0,
		0
	};
	static const struct step alert[] = {
		{ "GET", NULL, KUBE_TRANSPORT_TLS, 0, 0, NULL, NULL,
		  "OpenSSL SSL_read: OpenSSL/3.0.19: error:0A00045C:SSL "
		  "routines::tlsv13 alert certificate required, errno 0",
		  0, 0, 0 },
	};
	static const struct step name[] = {
		{ "GET", NULL, KUBE_TRANSPORT_TLS, 0, 0, NULL, NULL,
		  "SSL: no alternative certificate subject name matches "
		  "target host name '127.0.0.1'",
		  0, 0, 0 },
	};
	struct step steps[3] = { refused, refused, refused };
	struct error err = ERROR_INIT;
	struct env e;

	env_open(&e, tls, NSTEPS(tls), 0);
	CHECK(kube_get(e.kc, KUBE_CLUSTER, "prod", "pg1", &err) == NULL);
	CHECK_INT(err.code, ERR_CONFIG);
	CHECK_STR(err.msg, "TLS verification of " SERVER " failed: SSL "
			   "certificate problem: unable to get local issuer "
			   "certificate");
	CHECK(err.hint &&
	      strstr(err.hint, "certificate-authority-data of "
			       "cluster 'prod-cluster'") &&
	      strstr(err.hint, "context 'prod-ctx'"));
	error_clear(&err);
	env_close(&e);

	env_open(&e, alert, NSTEPS(alert), 0);
	CHECK(kube_get(e.kc, KUBE_CLUSTER, "prod", "pg1", &err) == NULL);
	CHECK_INT(err.code, ERR_CONFIG);
	CHECK(err.msg && strstr(err.msg, "the API server " SERVER
					 " refused the TLS client certificate "
					 "of user 'sre'"));
	CHECK(err.hint && strstr(err.hint, "user 'sre' has none"));
	error_clear(&err);
	env_close(&e);

	env_open(&e, name, NSTEPS(name), 0);
	CHECK(kube_get(e.kc, KUBE_CLUSTER, "prod", "pg1", &err) == NULL);
	CHECK_INT(err.code, ERR_CONFIG);
	CHECK(err.hint && strstr(err.hint, "tls-server-name"));
	error_clear(&err);
	env_close(&e);

	env_open(&e, timeout, NSTEPS(timeout), 0);
	CHECK(kube_get(e.kc, KUBE_CLUSTER, "prod", "pg1", &err) == NULL);
	CHECK_INT(err.code, ERR_TIMEOUT);
	CHECK(err.hint && strstr(err.hint, "--request-timeout"));
	error_clear(&err);
	env_close(&e);

	env_open(&e, steps, NSTEPS(steps), 2);
	CHECK(kube_get(e.kc, KUBE_CLUSTER, "prod", "pg1", &err) == NULL);
	CHECK_INT(err.code, ERR_IO);
	CHECK(err.msg &&
	      strstr(err.msg, "cannot connect to the API server " SERVER
			      " (3 attempts)") &&
	      strstr(err.msg, "Connection refused"));
	error_clear(&err);
	env_close(&e);
}

static void
kube_body_is_capped_at_64_mib(void)
{
	static const struct step steps[] = {
		{ "GET", NULL, KUBE_TRANSPORT_OK, 200, 0, NULL, NULL, NULL, 0,
		  0, 70 },
	};
	struct error err = ERROR_INIT;
	struct env e;

	env_open(&e, steps, NSTEPS(steps), 0);
	CHECK(kube_list(e.kc, KUBE_EVENT, NULL, NULL, &err) == NULL);
	CHECK_INT(err.code, ERR_IO);
	CHECK_STR(err.msg,
		  "response from '" SERVER "/api/v1/events' exceeds 64 MiB");
	/* 64 pieces of 1 MiB fit; the 65th is refused and ends the
	 * transfer. */
	CHECK_INT(e.fake.delivered_mb, 65);
	error_clear(&err);
	env_close(&e);
}

/* Write verbs. */

static void
kube_write_verbs_send_the_right_requests(void)
{
	static const struct step steps[] = {
		{ "POST", CNPG "/namespaces/prod/backups?dryRun=All",
		  KUBE_TRANSPORT_OK, 201, 0, NULL, "{\"kind\":\"Backup\"}",
		  NULL, 0, 0, 0 },
		{ "PATCH", CNPG "/namespaces/prod/clusters/pg1?dryRun=All",
		  KUBE_TRANSPORT_OK, 200, 0, NULL, "{}", NULL, 0, 0, 0 },
		{ "PUT", CNPG "/namespaces/prod/backups/nightly/status",
		  KUBE_TRANSPORT_OK, 200, 0, NULL, "{}", NULL, 0, 0, 0 },
		{ "DELETE", CNPG "/namespaces/prod/backups/nightly?dryRun=All",
		  KUBE_TRANSPORT_OK, 200, 0, NULL, "{}", NULL, 0, 0, 0 },
	};
	json_t *obj =
		json_pack("{s:s, s:s, s:{s:s}, s:{s:s}}", "apiVersion",
			  "postgresql.cnpg.io/v1", "kind", "Backup", "metadata",
			  "name", "nightly", "status", "phase", "failed");
	json_t *patch = json_pack("{s:{s:{s:n}}}", "metadata", "annotations",
				  "cnpg.io/hibernation");
	struct error err = ERROR_INIT;
	struct env e;
	json_t *res;

	env_open(&e, steps, NSTEPS(steps), 0);
	res = kube_create(e.kc, KUBE_BACKUP, "prod", obj, KUBE_DRY_RUN_SERVER,
			  &err);
	CHECK(res != NULL);
	json_decref(res);
	CHECK_STR(e.fake.ctype.buf, "application/json");
	CHECK_STR(e.fake.body.buf,
		  "{\"apiVersion\":\"postgresql.cnpg.io/v1\",\"kind\":"
		  "\"Backup\",\"metadata\":{\"name\":\"nightly\"},\"status\":{"
		  "\"phase\":\"failed\"}}");

	res = kube_patch(e.kc, KUBE_CLUSTER, "prod", "pg1", patch,
			 KUBE_DRY_RUN_SERVER, &err);
	CHECK(res != NULL);
	json_decref(res);
	CHECK_STR(e.fake.ctype.buf, "application/merge-patch+json");
	CHECK_STR(e.fake.body.buf,
		  "{\"metadata\":{\"annotations\":{\"cnpg.io/hibernation\":"
		  "null}}}");

	res = kube_update_status(e.kc, KUBE_BACKUP, "prod", obj, &err);
	CHECK(res != NULL);
	json_decref(res);

	CHECK_INT(kube_delete(e.kc, KUBE_BACKUP, "prod", "nightly",
			      "Foreground", KUBE_DRY_RUN_SERVER, &err),
		  0);
	CHECK_STR(e.fake.body.buf,
		  "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\","
		  "\"propagationPolicy\":\"Foreground\"}");
	CHECK_INT(err.code, ERR_OK);
	json_decref(obj);
	json_decref(patch);
	env_close(&e);
}

/* Watch. */

struct recorder {
	struct strbuf seen;
	const char *stop_at; /* return 1 at this "TYPE name" */
	int fail; /* return -1 on the first event */
};

static int
record_event(void *ud, const char *type, const json_t *obj, struct error *err)
{
	struct recorder *r = ud;
	const json_t *md = json_object_get(obj, "metadata");
	struct strbuf ev = STRBUF_INIT;
	int rc = 0;

	strbuf_addf(&ev, "%s %s", type,
		    json_string_value(json_object_get(md, "name")));
	strbuf_addf(&r->seen, "%s %s\n", ev.buf,
		    json_string_value(json_object_get(md, "resourceVersion")));
	if (r->fail)
		rc = error_set(err, ERR_PRECONDITION, "callback refused %s",
			       ev.buf);
	else if (r->stop_at && !strcmp(ev.buf, r->stop_at))
		rc = 1;
	strbuf_release(&ev);
	return rc;
}

#define WATCH CNPG "/namespaces/prod/backups?watch=1&resourceVersion="

static void
kube_watch_parses_streams_cut_anywhere(void)
{
	static const size_t chunks[] = { 0, 1, 2, 3, 5, 7, 64, 4096 };
	size_t round;

	/* Every fixed piece size, then 20 random cuttings. */
	for (round = 0; round < NSTEPS(chunks) + 20; round++) {
		struct step steps[2] = {
			{ "GET", WATCH "200&allowWatchBookmarks=true",
			  KUBE_TRANSPORT_OK, 200, 0, "watch-backups.jsonl",
			  NULL, NULL, 0, 0, 0 },
			{ "GET", WATCH "220&allowWatchBookmarks=true",
			  KUBE_TRANSPORT_OK, 200, 0, NULL,
			  "{\"type\":\"ADDED\",\"object\":{\"metadata\":{"
			  "\"name\":\"stop\",\"resourceVersion\":\"300\"}}}\n",
			  NULL, 0, 0, 0 },
		};
		struct recorder r = { STRBUF_INIT, "ADDED stop", 0 };
		struct error err = ERROR_INIT;
		struct env e;

		steps[0].chunk =
			round < NSTEPS(chunks) ? chunks[round] : RANDOM_CHUNKS;
		steps[1].chunk = steps[0].chunk;
		env_open(&e, steps, NSTEPS(steps), 0);
		e.fake.seed = (uint32_t)round;
		CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", NULL, "200", 0,
				     record_event, &r, &err),
			  0);
		CHECK_INT(err.code, ERR_OK);
		CHECK_STR(r.seen.buf, "ADDED pg1-a 201\n"
				      "MODIFIED pg1-a 207\n"
				      "MODIFIED pg1-a 212\n"
				      "DELETED pg1-old 213\n"
				      "ADDED stop 300\n");
		/* The stream ended after events: no backoff. */
		CHECK_INT(e.fake.nsleeps, 0);
		strbuf_release(&r.seen);
		env_close(&e);
	}
}

static void
kube_watch_relists_on_410_and_delivers_sync(void)
{
	static const struct step event[] = {
		{ "GET", WATCH "200&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_OK, 200, 0, "watch-gone.jsonl", NULL, NULL, 3,
		  0, 0 },
		{ "GET", CNPG "/namespaces/prod/backups", KUBE_TRANSPORT_OK,
		  200, 0, "backups-after-gone.json", NULL, NULL, 0, 0, 0 },
		{ "GET", WATCH "350&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_OK, 200, 0, "watch-after-gone.jsonl", NULL,
		  NULL, 0, 0, 0 },
	};
	static const struct step http[] = {
		{ "GET", WATCH "200&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_OK, 410, 0, NULL,
		  "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":"
		  "\"Failure\",\"message\":\"too old resource version\","
		  "\"reason\":\"Expired\",\"code\":410}",
		  NULL, 0, 0, 0 },
		{ "GET", CNPG "/namespaces/prod/backups", KUBE_TRANSPORT_OK,
		  200, 0, "backups-after-gone.json", NULL, NULL, 0, 0, 0 },
		{ "GET", WATCH "350&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_OK, 200, 0, "watch-after-gone.jsonl", NULL,
		  NULL, 0, 0, 0 },
	};
	struct recorder r = { STRBUF_INIT, "MODIFIED pg1-b", 0 };
	struct error err = ERROR_INIT;
	struct env e;

	env_open(&e, event, NSTEPS(event), 0);
	CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", NULL, "200", 0,
			     record_event, &r, &err),
		  0);
	CHECK_STR(r.seen.buf, "ADDED pg1-a 201\n"
			      "SYNC pg1-a 340\n"
			      "SYNC pg1-b 345\n"
			      "MODIFIED pg1-b 360\n");
	env_close(&e);

	strbuf_reset(&r.seen);
	env_open(&e, http, NSTEPS(http), 0);
	CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", NULL, "200", 0,
			     record_event, &r, &err),
		  0);
	CHECK_STR(r.seen.buf, "SYNC pg1-a 340\n"
			      "SYNC pg1-b 345\n"
			      "MODIFIED pg1-b 360\n");
	CHECK_INT(err.code, ERR_OK);
	env_close(&e);

	/* A server that expires every version it lists: give up. */
	{
		struct step loop[7];
		size_t i;

		for (i = 0; i < 7; i++) {
			loop[i] = http[i % 2];
			loop[i].url = NULL;
		}
		env_open(&e, loop, NSTEPS(loop), 0);
		CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", NULL, "200", 0,
				     record_event, &r, &err),
			  -1);
		CHECK_INT(err.code, ERR_KUBE_API);
		CHECK(err.msg && strstr(err.msg, "410 Gone 4 times"));
		error_clear(&err);
		env_close(&e);
	}
	strbuf_release(&r.seen);
}

static void
kube_watch_without_rv_lists_first(void)
{
	static const struct step steps[] = {
		{ "GET",
		  CNPG "/namespaces/prod/backups?labelSelector=cnpg.io%2F"
		       "cluster%3Dpg1",
		  KUBE_TRANSPORT_OK, 200, 0, "backups-after-gone.json", NULL,
		  NULL, 0, 0, 0 },
		{ "GET",
		  WATCH "350&allowWatchBookmarks=true&labelSelector=cnpg.io%2F"
			"cluster%3Dpg1",
		  KUBE_TRANSPORT_OK, 200, 0, "watch-after-gone.jsonl", NULL,
		  NULL, 0, 0, 0 },
	};
	struct kube_list_opts lo = { "cnpg.io/cluster=pg1", NULL, 0 };
	struct recorder r = { STRBUF_INIT, "MODIFIED pg1-b", 0 };
	struct error err = ERROR_INIT;
	struct env e;

	env_open(&e, steps, NSTEPS(steps), 0);
	CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", &lo, NULL, 0,
			     record_event, &r, &err),
		  0);
	CHECK_STR(r.seen.buf, "SYNC pg1-a 340\n"
			      "SYNC pg1-b 345\n"
			      "MODIFIED pg1-b 360\n");
	strbuf_release(&r.seen);
	env_close(&e);
}

static void
kube_watch_resumes_after_a_dropped_connection(void)
{
	static const struct step steps[] = {
		{ "GET", WATCH "200&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_FAILED, 200, 0, NULL,
		  "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":"
		  "\"a\",\"resourceVersion\":\"201\"}}}\n{\"type\":\"MODIF",
		  "transfer closed with outstanding read data remaining", 0, 0,
		  0 },
		{ "GET", WATCH "201&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_CONNECT, 0, 0, NULL, NULL,
		  "Failed to connect to api.test port 6443: Connection refused",
		  0, 0, 0 },
		{ "GET", WATCH "201&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_OK, 200, 0, NULL,
		  "{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"name\":"
		  "\"a\",\"resourceVersion\":\"202\"}}}\n",
		  NULL, 0, 0, 0 },
	};
	struct recorder r = { STRBUF_INIT, "MODIFIED a", 0 };
	struct error err = ERROR_INIT;
	struct env e;

	env_open(&e, steps, NSTEPS(steps), 0);
	CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", NULL, "200", 0,
			     record_event, &r, &err),
		  0);
	/* The half event of the dropped stream is discarded. */
	CHECK_STR(r.seen.buf, "ADDED a 201\nMODIFIED a 202\n");
	CHECK_INT(e.fake.nsleeps, 2);
	check_backoff(&e.fake, 0, 100, 200);
	check_backoff(&e.fake, 1, 200, 400);
	strbuf_release(&r.seen);
	env_close(&e);
}

static void
kube_watch_backs_off_on_empty_streams_and_error_events(void)
{
	static const struct step steps[] = {
		/* The server ends the stream at once, twice. */
		{ "GET", WATCH "200&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_OK, 200, 0, NULL, "", NULL, 0, 0, 0 },
		{ "GET", WATCH "200&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_OK, 200, 0, NULL, "", NULL, 0, 0, 0 },
		/* An ERROR event with a retriable status. */
		{ "GET", WATCH "200&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_OK, 200, 0, NULL,
		  "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\","
		  "\"message\":\"etcdserver: leader changed\",\"code\":500}}"
		  "\n",
		  NULL, 0, 0, 0 },
		{ "GET", WATCH "200&allowWatchBookmarks=true",
		  KUBE_TRANSPORT_OK, 200, 0, NULL,
		  "{\"type\":\"DELETED\",\"object\":{\"metadata\":{"
		  "\"name\":\"a\",\"resourceVersion\":\"230\"}}}\n",
		  NULL, 0, 0, 0 },
	};
	struct recorder r = { STRBUF_INIT, "DELETED a", 0 };
	struct error err = ERROR_INIT;
	struct env e;

	env_open(&e, steps, NSTEPS(steps), 0);
	CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", NULL, "200", 0,
			     record_event, &r, &err),
		  0);
	CHECK_STR(r.seen.buf, "DELETED a 230\n");
	CHECK_INT(e.fake.nsleeps, 3);
	check_backoff(&e.fake, 0, 100, 200);
	check_backoff(&e.fake, 1, 200, 400);
	check_backoff(&e.fake, 2, 400, 800);
	CHECK(strstr(e.log.buf, "etcdserver: leader changed") != NULL);
	strbuf_release(&r.seen);
	env_close(&e);
}

static void
kube_watch_times_out(void)
{
	static const struct step steps[] = {
		{ "GET", WATCH "200&allowWatchBookmarks=true&timeoutSeconds=5",
		  KUBE_TRANSPORT_OK, 200, 0, NULL,
		  "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{"
		  "\"resourceVersion\":\"210\"}}}\n",
		  NULL, 0, 2000, 0 },
		{ "GET", WATCH "210&allowWatchBookmarks=true&timeoutSeconds=3",
		  KUBE_TRANSPORT_TIMEOUT, 0, 0, NULL, NULL,
		  "Operation timed out after 3000 milliseconds", 0, 3000, 0 },
	};
	struct recorder r = { STRBUF_INIT, NULL, 0 };
	struct error err = ERROR_INIT;
	struct env e;

	env_open(&e, steps, NSTEPS(steps), 0);
	CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", NULL, "200", 5000,
			     record_event, &r, &err),
		  -1);
	CHECK_INT(err.code, ERR_TIMEOUT);
	CHECK_STR(err.msg,
		  "gave up watching backups in namespace 'prod' after 5 s");
	CHECK_STR(r.seen.buf, "");
	error_clear(&err);
	strbuf_release(&r.seen);
	env_close(&e);
}

static void
kube_watch_errors_stop_it(void)
{
	static const struct step cb[] = {
		{ "GET", NULL, KUBE_TRANSPORT_OK, 200, 0, "watch-backups.jsonl",
		  NULL, NULL, 1, 0, 0 },
	};
	static const struct step forbidden[] = {
		{ "GET", NULL, KUBE_TRANSPORT_OK, 403, 0,
		  "status-403-list-backups.json", NULL, NULL, 0, 0, 0 },
	};
	static const struct step garbage[] = {
		{ "GET", NULL, KUBE_TRANSPORT_OK, 200, 0, NULL,
		  "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":"
		  "\"a\",\"resourceVersion\":\"1\"}}}\n<html>\n",
		  NULL, 0, 0, 0 },
	};
	struct recorder r = { STRBUF_INIT, NULL, 1 };
	struct error err = ERROR_INIT;
	struct env e;

	env_open(&e, cb, NSTEPS(cb), 0);
	CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", NULL, "200", 0,
			     record_event, &r, &err),
		  -1);
	CHECK_INT(err.code, ERR_PRECONDITION);
	CHECK_STR(err.msg, "callback refused ADDED pg1-a");
	error_clear(&err);
	env_close(&e);

	env_open(&e, forbidden, NSTEPS(forbidden), 0);
	CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", NULL, "200", 0,
			     record_event, &r, &err),
		  -1);
	CHECK_INT(err.code, ERR_CONFIG);
	CHECK(err.hint && strstr(err.hint, "permission to watch "
					   "backups.postgresql.cnpg.io in "
					   "namespace 'prod'"));
	error_clear(&err);
	env_close(&e);

	r.fail = 0;
	env_open(&e, garbage, NSTEPS(garbage), 0);
	CHECK_INT(kube_watch(e.kc, KUBE_BACKUP, "prod", NULL, "200", 0,
			     record_event, &r, &err),
		  -1);
	CHECK_INT(err.code, ERR_KUBE_API);
	CHECK(err.msg && strstr(err.msg, "cannot parse a watch event"));
	error_clear(&err);
	strbuf_release(&r.seen);
	env_close(&e);
}

/* Credentials. */

static void
kube_token_file_is_read_per_client(void)
{
	static const struct step steps[] = {
		{ "GET", NULL, KUBE_TRANSPORT_OK, 200, 0, NULL, "{}", NULL, 0,
		  0, 0 },
		{ "GET", NULL, KUBE_TRANSPORT_OK, 401, 0, "status-401.json",
		  NULL, NULL, 0, 0, 0 },
	};
	char path[] = "/tmp/cnpgops-test-token-XXXXXX";
	struct error err = ERROR_INIT;
	struct env e;
	json_t *obj;
	int fd = mkstemp(path);

	CHECK(fd >= 0);
	CHECK_INT(write(fd, "file-token\n", 11), 11);
	close(fd);
	env_cfg(&e, SERVER);
	e.cfg.token = NULL;
	e.cfg.token_file = path;
	env_connect(&e, steps, NSTEPS(steps), 0);
	obj = kube_get(e.kc, KUBE_POD, "prod", "pg1-1", &err);
	CHECK(obj != NULL);
	json_decref(obj);
	CHECK_STR(e.fake.token.buf, "file-token");
	/* A 401 re-reads the file; unchanged, so no second try. */
	CHECK(kube_get(e.kc, KUBE_POD, "prod", "pg1-1", &err) == NULL);
	CHECK_INT(err.code, ERR_CONFIG);
	CHECK(err.hint && strstr(err.hint, path));
	error_clear(&err);
	env_close(&e);

	unlink(path);
	env_cfg(&e, SERVER);
	e.cfg.token = NULL;
	e.cfg.token_file = path;
	CHECK(kube_client_new(&e.kc, &e.cfg, NULL, &err) == -1);
	CHECK_INT(err.code, ERR_CONFIG);
	CHECK(err.msg && strstr(err.msg, "cannot read the token file"));
	error_clear(&err);
	e.kc = NULL;
	env_close(&e);
}

static void
kube_exec_credentials_are_fetched_before_sending(void)
{
	struct kubeconfig_exec ex = { 0 };
	char cmd[] = "/nonexistent/cnpgops-test-plugin";
	struct error err = ERROR_INIT;
	struct env e;

	ex.command = cmd;
	env_cfg(&e, SERVER);
	e.cfg.token = NULL;
	e.cfg.exec = &ex;
	env_connect(&e, NULL, 0, 0);
	/* The plugin cannot run: the request is never sent. */
	CHECK(kube_get(e.kc, KUBE_POD, "prod", "p", &err) == NULL);
	CHECK(err.code != ERR_OK);
	CHECK_INT(e.fake.next, 0);
	CHECK_STR(e.fake.reqs.buf, "");
	error_clear(&err);
	env_close(&e);
}

static void
kube_client_new_rejects_bad_servers(void)
{
	struct error err = ERROR_INIT;
	struct kube_client *kc = NULL;
	struct env e;

	env_cfg(&e, "");
	CHECK(kube_client_new(&kc, &e.cfg, NULL, &err) == -1);
	CHECK_INT(err.code, ERR_CONFIG);
	CHECK(err.msg && strstr(err.msg, "cluster 'prod-cluster' has no "
					 "server URL"));
	error_clear(&err);
	env_close(&e);

	env_cfg(&e, "api.test:6443");
	CHECK(kube_client_new(&kc, &e.cfg, NULL, &err) == -1);
	CHECK_INT(err.code, ERR_CONFIG);
	error_clear(&err);
	env_close(&e);
}

const struct test kube_tests[] = {
	TEST(kube_get_builds_the_path_of_each_kind),
	TEST(kube_kind_names_match_the_crds),
	TEST(kube_server_path_prefix_is_kept),
	TEST(kube_list_escapes_selectors_and_spans_namespaces),
	TEST(kube_list_follows_continue_tokens),
	TEST(kube_list_starts_over_when_continue_expires),
	TEST(kube_list_fills_in_kind_of_core_items),
	TEST(kube_status_bodies_are_translated),
	TEST(kube_get_retries_5xx_with_growing_backoff),
	TEST(kube_get_gives_up_after_max_retries),
	TEST(kube_retry_after_is_honoured_and_capped),
	TEST(kube_post_is_not_retried_on_500_or_after_sending),
	TEST(kube_post_is_retried_when_not_applied),
	TEST(kube_delete_404_after_a_retry_counts_as_done),
	TEST(kube_transport_failures_are_translated),
	TEST(kube_body_is_capped_at_64_mib),
	TEST(kube_write_verbs_send_the_right_requests),
	TEST(kube_watch_parses_streams_cut_anywhere),
	TEST(kube_watch_relists_on_410_and_delivers_sync),
	TEST(kube_watch_without_rv_lists_first),
	TEST(kube_watch_resumes_after_a_dropped_connection),
	TEST(kube_watch_backs_off_on_empty_streams_and_error_events),
	TEST(kube_watch_times_out),
	TEST(kube_watch_errors_stop_it),
	TEST(kube_token_file_is_read_per_client),
	TEST(kube_exec_credentials_are_fetched_before_sending),
	TEST(kube_client_new_rejects_bad_servers),
	{ NULL, NULL },
};
