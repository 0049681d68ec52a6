/*
 * kube: the Kubernetes REST client.  This file owns URL building, the
 * credentials of a request, retries with backoff, the translation of
 * Kubernetes Status bodies and transport failures into struct error, list
 * paging, and the incremental parsing of watch streams.  The network is
 * behind struct kube_transport; the default transport (at the end of this
 * file) is libcurl with one easy handle reused for the client's lifetime.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "errors.h"
#include "jsonmem.h"
#include "kube.h"
#include "kubeconfig.h"
#include "strbuf.h"
#include "xmalloc.h"

#ifndef CNPGOPS_VERSION
#define CNPGOPS_VERSION "dev"
#endif

#define KUBE_MAX_BODY		((size_t)64 << 20)
#define KUBE_MAX_TOKEN_FILE	((size_t)1 << 20)
#define KUBE_DEFAULT_RETRIES	5
#define KUBE_BACKOFF_BASE_MS	200
#define KUBE_BACKOFF_CAP_MS	5000
#define KUBE_RETRY_AFTER_CAP_MS 10000
#define KUBE_LIST_RESTARTS	3
#define KUBE_CRED_SLACK_S	10

struct kind_info {
	const char *group; /* NULL for the core group */
	const char *api_version;
	const char *kind;
	const char *plural;
	const char *resource; /* what kubectl accepts */
	const char *noun; /* for messages */
	int namespaced;
};

static const struct kind_info kind_table[] = {
	[KUBE_NAMESPACE] = { NULL, "v1", "Namespace", "namespaces",
			     "namespaces", "namespace", 0 },
	[KUBE_SECRET] = { NULL, "v1", "Secret", "secrets", "secrets", "secret",
			  1 },
	[KUBE_POD] = { NULL, "v1", "Pod", "pods", "pods", "pod", 1 },
	[KUBE_EVENT] = { NULL, "v1", "Event", "events", "events", "event", 1 },
	[KUBE_PVC] = { NULL, "v1", "PersistentVolumeClaim",
		       "persistentvolumeclaims", "persistentvolumeclaims",
		       "persistent volume claim", 1 },
	[KUBE_CLUSTER] = { "postgresql.cnpg.io", "postgresql.cnpg.io/v1",
			   "Cluster", "clusters", "clusters.postgresql.cnpg.io",
			   "cluster", 1 },
	[KUBE_BACKUP] = { "postgresql.cnpg.io", "postgresql.cnpg.io/v1",
			  "Backup", "backups", "backups.postgresql.cnpg.io",
			  "backup", 1 },
	[KUBE_SCHEDULED_BACKUP] = { "postgresql.cnpg.io",
				    "postgresql.cnpg.io/v1", "ScheduledBackup",
				    "scheduledbackups",
				    "scheduledbackups.postgresql.cnpg.io",
				    "scheduled backup", 1 },
	[KUBE_OBJECT_STORE] = { "barmancloud.cnpg.io", "barmancloud.cnpg.io/v1",
				"ObjectStore", "objectstores",
				"objectstores.barmancloud.cnpg.io",
				"object store", 1 },
	[KUBE_JOB] = { "batch", "batch/v1", "Job", "jobs", "jobs.batch", "job",
		       1 },
};

struct kube_client {
	const struct kube_config *cfg;
	struct kube_client_opts opts;
	int max_retries;
	char *server; /* cfg->server without trailing slashes */
	char *token; /* static token or token_file contents (secret) */
	int token_from_file;
	struct kubeconfig_cred cred; /* exec plugin credentials */
	int have_cred;
	long backoff_limit_ms; /* CNPGOPS_TEST_BACKOFF_MS, else -1 */
	uint64_t rng;
	struct kube_transport transport;

	/* The libcurl transport. */
	CURL *curl;
	char *tls_base; /* server URL naming tls_server_name, or NULL */
	char *connect_to; /* "::HOST:PORT" for tls_server_name */
	char *host_header; /* "Host: HOST[:PORT]" for tls_server_name */
	struct curl_slist *connect_to_list;
	struct kube_http_response *cur_resp;
	kube_body_fn cur_body;
	void *cur_body_ud;
	char errbuf[CURL_ERROR_SIZE];
};

/* One request, with its retries, and what it came to. */
struct call {
	const char *method;
	const struct kind_info *ki;
	int secret; /* bodies hold secrets: clear them */
	const char *ns;
	const char *name; /* NULL for a collection */
	const char *verb; /* the RBAC verb: get, list, watch, create, ... */
	const char *subresource;
	struct strbuf url;
	const char *content_type;
	char *body;
	size_t body_len;
	int idempotent;
	long timeout_ms;
	long accept_status; /* returned to the caller, not an error */
	int accept_404_if_retried; /* DELETE: an earlier attempt did it */
	struct watch *watch; /* a watch stream consumer, or NULL */

	long status;
	struct strbuf resp;
	int attempts;
	int maybe_applied; /* an earlier attempt may have been applied */
};

/* The state of a watch: the stream parser and the resume point. */
struct watch {
	struct kube_client *kc;
	const struct kind_info *ki;
	const char *ns;
	kube_watch_fn fn;
	void *ud;
	struct error *err;
	struct strbuf line;
	char *rv;
	int events; /* ADDED/MODIFIED/DELETED/BOOKMARK on this connection */
	int stop; /* fn returned 1 */
	int failed; /* err is set */
	int gone; /* an ERROR event with 410 */
	long retry_status; /* an ERROR event with a retriable status */
	char *retry_msg;
};

struct sink {
	struct call *c;
	struct kube_http_response *resp;
	int toobig;
};

static enum kube_transport_result curl_send(void *ud,
					    const struct kube_http_request *req,
					    struct kube_http_response *resp,
					    kube_body_fn body, void *body_ud);
static int status_error(struct kube_client *kc, const struct call *c,
			long status, const json_t *st, struct error *err);

/* A string member of a JSON object, or NULL. */
static const char *
jstr(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* Kinds. */

static const struct kind_info *
kind_get(enum kube_kind kind)
{
	if ((unsigned)kind >= sizeof(kind_table) / sizeof(kind_table[0]))
		return NULL;
	return &kind_table[kind];
}

const char *
kube_kind_api_version(enum kube_kind kind)
{
	const struct kind_info *ki = kind_get(kind);

	return ki ? ki->api_version : "";
}

const char *
kube_kind_name(enum kube_kind kind)
{
	const struct kind_info *ki = kind_get(kind);

	return ki ? ki->kind : "";
}

const char *
kube_kind_plural(enum kube_kind kind)
{
	const struct kind_info *ki = kind_get(kind);

	return ki ? ki->plural : "";
}

const char *
kube_kind_resource(enum kube_kind kind)
{
	const struct kind_info *ki = kind_get(kind);

	return ki ? ki->resource : "";
}

/* Clocks, sleeping and jitter. */

static long long
real_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long
now_ms(struct kube_client *kc)
{
	if (kc->transport.now_ms)
		return kc->transport.now_ms(kc->transport.ud);
	return real_now_ms();
}

static void
sleep_ms(struct kube_client *kc, long ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	if (kc->transport.sleep_ms) {
		kc->transport.sleep_ms(kc->transport.ud, ms);
		return;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static uint64_t
next_random(struct kube_client *kc)
{
	/* xorshift64 */
	kc->rng ^= kc->rng << 13;
	kc->rng ^= kc->rng >> 7;
	kc->rng ^= kc->rng << 17;
	return kc->rng;
}

/*
 * The sleep before retry number n (0-based): exponential from 200 ms,
 * capped at 5 s, "equal jitter" (half fixed, half random), raised to the
 * server's Retry-After (capped at 10 s), and capped by
 * CNPGOPS_TEST_BACKOFF_MS.
 */
static long
backoff_ms(struct kube_client *kc, int n, long retry_after_s)
{
	long d = KUBE_BACKOFF_BASE_MS;
	long ms;
	int i;

	for (i = 0; i < n && d < KUBE_BACKOFF_CAP_MS; i++)
		d *= 2;
	if (d > KUBE_BACKOFF_CAP_MS)
		d = KUBE_BACKOFF_CAP_MS;
	ms = d / 2 + (long)(next_random(kc) % (uint64_t)(d / 2 + 1));
	if (retry_after_s > 0) {
		long ra = retry_after_s > KUBE_RETRY_AFTER_CAP_MS / 1000
				  ? KUBE_RETRY_AFTER_CAP_MS
				  : retry_after_s * 1000;

		if (ra > ms)
			ms = ra;
	}
	if (kc->backoff_limit_ms >= 0 && ms > kc->backoff_limit_ms)
		ms = kc->backoff_limit_ms;
	return ms;
}

/* Logging: never a header, a token or a body. */

static void logf_(struct kube_client *kc, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
logf_(struct kube_client *kc, int level, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!kc->opts.log || kc->opts.verbose < level)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	kc->opts.log(kc->opts.log_ud, level, sb.buf);
	strbuf_release(&sb);
}

static const char *
http_reason(long status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Entity";
	case 429:
		return "Too Many Requests";
	case 500:
		return "Internal Server Error";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	default:
		return "";
	}
}

/* URLs. */

static void
add_escaped(struct strbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~') {
			strbuf_addch(sb, ch);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, hex[ch >> 4]);
			strbuf_addch(sb, hex[ch & 15]);
		}
	}
}

static void
build_path(struct strbuf *sb, const struct kube_client *kc,
	   const struct kind_info *ki, const char *ns, const char *name,
	   const char *subresource)
{
	strbuf_addstr(sb, kc->server);
	if (ki->group)
		strbuf_addf(sb, "/apis/%s", ki->api_version);
	else
		strbuf_addstr(sb, "/api/v1");
	if (ki->namespaced && ns) {
		strbuf_addstr(sb, "/namespaces/");
		add_escaped(sb, ns);
	}
	strbuf_addf(sb, "/%s", ki->plural);
	if (name) {
		strbuf_addch(sb, '/');
		add_escaped(sb, name);
	}
	if (subresource)
		strbuf_addf(sb, "/%s", subresource);
}

static void
add_query(struct strbuf *sb, const char *key, const char *val)
{
	if (!val)
		return;
	strbuf_addch(sb, strchr(sb->buf, '?') ? '&' : '?');
	strbuf_addf(sb, "%s=", key);
	add_escaped(sb, val);
}

static void
add_selectors(struct strbuf *sb, const struct kube_list_opts *opts)
{
	if (!opts)
		return;
	if (opts->label_selector && *opts->label_selector)
		add_query(sb, "labelSelector", opts->label_selector);
	if (opts->field_selector && *opts->field_selector)
		add_query(sb, "fieldSelector", opts->field_selector);
}

/* "backup 'ns/name'", "namespace 'name'", "backups in namespace 'ns'". */
static void
describe(struct strbuf *sb, const struct call *c)
{
	if (c->name && c->ki->namespaced && c->ns)
		strbuf_addf(sb, "%s '%s/%s'", c->ki->noun, c->ns, c->name);
	else if (c->name)
		strbuf_addf(sb, "%s '%s'", c->ki->noun, c->name);
	else if (c->ki->namespaced && c->ns)
		strbuf_addf(sb, "%s in namespace '%s'", c->ki->plural, c->ns);
	else if (c->ki->namespaced)
		strbuf_addf(sb, "%s in all namespaces", c->ki->plural);
	else
		strbuf_addstr(sb, c->ki->plural);
}

/* Calls. */

static void
call_init(struct call *c, const struct kind_info *ki, const char *method,
	  const char *verb, const char *ns, const char *name)
{
	memset(c, 0, sizeof(*c));
	c->ki = ki;
	c->secret = ki == &kind_table[KUBE_SECRET];
	c->method = method;
	c->verb = verb;
	c->ns = ns;
	c->name = name;
	c->idempotent = !strcmp(method, "GET") || !strcmp(method, "DELETE");
	strbuf_init(&c->url, 0);
	strbuf_init(&c->resp, 0);
}

static void
call_reset_body(struct call *c)
{
	if (c->secret)
		explicit_bzero(c->resp.buf, c->resp.len);
	strbuf_reset(&c->resp);
}

static void
call_release(struct call *c)
{
	strbuf_release(&c->url);
	if (c->secret) {
		strbuf_release_secret(&c->resp);
		free_secret_len(c->body, c->body_len);
	} else {
		strbuf_release(&c->resp);
		free(c->body);
	}
	c->body = NULL;
}

static void
call_set_json_body(struct call *c, const json_t *obj, const char *ctype)
{
	c->body = jsonmem_dumps(obj, JSON_COMPACT);
	if (!c->body)
		c->body = xstrdup("{}");
	c->body_len = strlen(c->body);
	c->content_type = ctype;
}

/* Credentials. */

static int
read_token_file(char **out, const struct kube_config *cfg, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	FILE *fp;
	size_t n;
	int rc = -1;

	fp = fopen(cfg->token_file, "r");
	if (!fp) {
		error_set(err, ERR_CONFIG,
			  "cannot read the token file '%s' of user '%s': %s",
			  cfg->token_file, cfg->user_name ? cfg->user_name : "",
			  strerror(errno));
		error_hint(err, "check tokenFile of user '%s' in %s",
			   cfg->user_name ? cfg->user_name : "",
			   cfg->source ? cfg->source : "the kubeconfig");
		return -1;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		strbuf_add(&sb, buf, n);
		if (sb.len > KUBE_MAX_TOKEN_FILE) {
			error_set(err, ERR_CONFIG,
				  "the token file '%s' is larger than 1 MiB",
				  cfg->token_file);
			goto out;
		}
	}
	if (ferror(fp)) {
		error_set(err, ERR_CONFIG, "cannot read the token file '%s'",
			  cfg->token_file);
		goto out;
	}
	strbuf_rtrim(&sb);
	if (!sb.len) {
		error_set(err, ERR_CONFIG, "the token file '%s' is empty",
			  cfg->token_file);
		goto out;
	}
	*out = strbuf_detach(&sb, NULL);
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	strbuf_release_secret(&sb);
	fclose(fp);
	return rc;
}

static void
drop_cred(struct kube_client *kc)
{
	if (kc->have_cred)
		kubeconfig_cred_release(&kc->cred);
	memset(&kc->cred, 0, sizeof(kc->cred));
	kc->have_cred = 0;
}

static int
ensure_cred(struct kube_client *kc, struct error *err)
{
	struct kubeconfig_cred cred = { 0 };

	if (kc->have_cred && (!kc->cred.expiry ||
			      time(NULL) + KUBE_CRED_SLACK_S < kc->cred.expiry))
		return 0;
	drop_cred(kc);
	if (kubeconfig_exec_credential(&cred, kc->cfg, err))
		return -1;
	kc->cred = cred;
	kc->have_cred = 1;
	return 0;
}

static int
fill_auth(struct kube_client *kc, struct kube_http_request *req,
	  struct error *err)
{
	const struct kube_config *cfg = kc->cfg;

	if (cfg->client_cert_pem && cfg->client_key_pem) {
		req->cert_pem = cfg->client_cert_pem;
		req->cert_len = cfg->client_cert_len
					? cfg->client_cert_len
					: strlen(cfg->client_cert_pem);
		req->key_pem = cfg->client_key_pem;
		req->key_len = cfg->client_key_len
				       ? cfg->client_key_len
				       : strlen(cfg->client_key_pem);
	}
	if (kc->token) {
		req->token = kc->token;
		return 0;
	}
	if (!cfg->exec)
		return 0;
	if (ensure_cred(kc, err))
		return -1;
	if (kc->cred.token && *kc->cred.token)
		req->token = kc->cred.token;
	if (kc->cred.client_cert_pem && kc->cred.client_key_pem) {
		req->cert_pem = kc->cred.client_cert_pem;
		req->cert_len = strlen(kc->cred.client_cert_pem);
		req->key_pem = kc->cred.client_key_pem;
		req->key_len = strlen(kc->cred.client_key_pem);
	}
	return 0;
}

/*
 * After a 401: fetch new credentials once (exec plugin), or re-read the
 * token file if it changed.  Returns 1 when the request is worth repeating.
 */
static int
refresh_auth(struct kube_client *kc)
{
	struct error lerr = ERROR_INIT;
	char *tok = NULL;

	if (kc->token_from_file) {
		int changed;

		if (read_token_file(&tok, kc->cfg, &lerr)) {
			error_clear(&lerr);
			return 0;
		}
		changed = strcmp(tok, kc->token) != 0;
		free_secret(kc->token);
		kc->token = tok;
		return changed;
	}
	if (!kc->token && kc->cfg->exec) {
		drop_cred(kc);
		return 1;
	}
	return 0;
}

/* Sending. */

static int watch_feed(struct watch *w, const char *data, size_t len);

static int
sink_body(void *ud, const char *data, size_t len)
{
	struct sink *s = ud;

	if (s->c->watch && s->resp->status == 200)
		return watch_feed(s->c->watch, data, len);
	if (len > KUBE_MAX_BODY - s->c->resp.len) {
		s->toobig = 1;
		return -1;
	}
	strbuf_add(&s->c->resp, data, len);
	return 0;
}

/*
 * One attempt.  Returns -1 with err set when the credentials cannot be
 * had or the body is too large; otherwise 0 with *tr and *resp filled in.
 */
static int
send_once(struct kube_client *kc, struct call *c,
	  struct kube_http_response *resp, enum kube_transport_result *tr,
	  struct error *err)
{
	struct kube_http_request req = { 0 };
	struct sink s = { 0 };
	long long t0;
	long ms;

	if (fill_auth(kc, &req, err))
		return -1;
	req.method = c->method;
	req.url = c->url.buf;
	req.content_type = c->content_type;
	req.body = c->body;
	req.body_len = c->body_len;
	req.timeout_ms = c->timeout_ms;
	req.stream = c->watch != NULL;
	memset(resp, 0, sizeof(*resp));
	resp->retry_after_s = -1;
	s.c = c;
	s.resp = resp;
	call_reset_body(c);
	logf_(kc, 1, "%s %s", c->method, c->url.buf);
	t0 = now_ms(kc);
	*tr = kc->transport.send(kc->transport.ud, &req, resp, sink_body, &s);
	ms = (long)(now_ms(kc) - t0);
	c->attempts++;
	if (s.toobig) {
		error_set(err, ERR_IO, "response from '%s' exceeds 64 MiB",
			  c->url.buf);
		error_hint(err, "narrow the request (a namespace, a label "
				"selector) or raise no limit: the cap protects "
				"this tool's memory");
		return -1;
	}
	if (*tr == KUBE_TRANSPORT_OK || resp->status)
		logf_(kc, 2, "%s %s %ld %s in %ld ms", c->method, c->url.buf,
		      resp->status, http_reason(resp->status), ms);
	else
		logf_(kc, 1, "%s %s failed after %ld ms: %s", c->method,
		      c->url.buf, ms, resp->detail);
	return 0;
}

static int
retriable(const struct call *c, enum kube_transport_result tr, long status)
{
	switch (tr) {
	case KUBE_TRANSPORT_OK:
		if (status == 429)
			return 1;
		return c->idempotent && (status == 500 || status == 502 ||
					 status == 503 || status == 504);
	case KUBE_TRANSPORT_CONNECT:
		return 1;
	case KUBE_TRANSPORT_FAILED:
		return c->idempotent;
	case KUBE_TRANSPORT_TLS:
	case KUBE_TRANSPORT_TIMEOUT:
	case KUBE_TRANSPORT_ABORTED:
	default:
		return 0;
	}
}

/* Retry-After from the header, else from a Status' retryAfterSeconds. */
static long
retry_after(const struct call *c, const struct kube_http_response *resp)
{
	json_t *st;
	long ra = resp->retry_after_s;

	if (ra >= 0 || !c->resp.len)
		return ra;
	st = json_loadb(c->resp.buf, c->resp.len, 0, NULL);
	ra = (long)json_integer_value(json_object_get(
		json_object_get(st, "details"), "retryAfterSeconds"));
	json_decref(st);
	return ra > 0 ? ra : -1;
}

static int
transport_error(struct kube_client *kc, const struct call *c,
		enum kube_transport_result tr,
		const struct kube_http_response *resp, struct error *err)
{
	const struct kube_config *cfg = kc->cfg;
	const char *ctx = cfg->context_name ? cfg->context_name : "";

	switch (tr) {
	case KUBE_TRANSPORT_TLS:
		if (strstr(resp->detail, "alert")) {
			/* The server refused us, not we the server. */
			error_set(err, ERR_CONFIG,
				  "the API server %s refused the TLS client "
				  "certificate of user '%s': %s",
				  kc->server,
				  cfg->user_name ? cfg->user_name : "",
				  resp->detail);
			if (cfg->client_cert_pem)
				error_hint(err,
					   "check client-certificate and "
					   "client-key of user '%s' in the "
					   "kubeconfig: the certificate may "
					   "have expired or belong to another "
					   "cluster",
					   cfg->user_name ? cfg->user_name
							  : "");
			else
				error_hint(
					err,
					"the server wants a client "
					"certificate and user '%s' has none: "
					"add client-certificate-data and "
					"client-key-data to the kubeconfig",
					cfg->user_name ? cfg->user_name : "");
			return -1;
		}
		error_set(err, ERR_CONFIG, "TLS verification of %s failed: %s",
			  kc->server, resp->detail);
		if (strstr(resp->detail, "name"))
			error_hint(err,
				   "the server's certificate is for another "
				   "name: fix the server URL of cluster '%s', "
				   "or set tls-server-name in the kubeconfig",
				   cfg->cluster_name ? cfg->cluster_name : "");
		else
			error_hint(err,
				   "check certificate-authority%s of cluster "
				   "'%s' in the kubeconfig, and that context "
				   "'%s' is the one you meant (kubectl config "
				   "current-context)",
				   cfg->ca_file ? "" : "-data",
				   cfg->cluster_name ? cfg->cluster_name : "",
				   ctx);
		return -1;
	case KUBE_TRANSPORT_TIMEOUT:
		error_set(err, ERR_TIMEOUT, "%s %s timed out: %s", c->method,
			  c->url.buf, resp->detail);
		error_hint(err,
			   "raise --request-timeout, or check that %s is "
			   "reachable",
			   kc->server);
		return -1;
	case KUBE_TRANSPORT_CONNECT:
		error_set(err, ERR_IO,
			  "cannot connect to the API server %s (%d attempts): "
			  "%s",
			  kc->server, c->attempts, resp->detail);
		error_hint(err,
			   "check that the cluster is up and reachable from "
			   "here, and that context '%s' points at the right "
			   "server (kubectl config view --minify)",
			   ctx);
		return -1;
	case KUBE_TRANSPORT_FAILED:
	case KUBE_TRANSPORT_ABORTED:
	case KUBE_TRANSPORT_OK:
	default:
		error_set(err, ERR_IO, "%s %s failed (%d attempt%s): %s",
			  c->method, c->url.buf, c->attempts,
			  c->attempts == 1 ? "" : "s",
			  *resp->detail ? resp->detail : "connection lost");
		if (!c->idempotent)
			error_hint(err,
				   "the request may or may not have been "
				   "applied: check with 'kubectl get %s -n %s' "
				   "before retrying",
				   c->ki->resource, c->ns ? c->ns : "default");
		else
			error_hint(err, "check the connection to %s and retry",
				   kc->server);
		return -1;
	}
}

/*
 * Perform c with retries.  Returns 0 for a 2xx (or c->accept_status) with
 * c->status and c->resp set, else -1 with the translated error.
 */
static int
do_call(struct kube_client *kc, struct call *c, struct error *err)
{
	struct kube_http_response resp;
	enum kube_transport_result tr;
	int retries = 0, reauthed = 0;
	json_t *st;
	int rc;

	for (;;) {
		if (send_once(kc, c, &resp, &tr, err))
			return -1;
		c->status = resp.status;
		if (tr == KUBE_TRANSPORT_OK) {
			if (resp.status >= 200 && resp.status < 300)
				return 0;
			if (c->accept_status && resp.status == c->accept_status)
				return 0;
			if (resp.status == 404 && c->accept_404_if_retried &&
			    c->maybe_applied)
				return 0;
			if (resp.status == 401 && !reauthed &&
			    refresh_auth(kc)) {
				reauthed = 1;
				logf_(kc, 1,
				      "%s %s: 401, retrying with new "
				      "credentials",
				      c->method, c->url.buf);
				continue;
			}
		}
		if (retries < kc->max_retries &&
		    retriable(c, tr, resp.status)) {
			long ra = tr == KUBE_TRANSPORT_OK
					  ? retry_after(c, &resp)
					  : -1;
			long ms = backoff_ms(kc, retries, ra);

			if (tr != KUBE_TRANSPORT_CONNECT &&
			    !(tr == KUBE_TRANSPORT_OK && resp.status == 429))
				c->maybe_applied = 1;
			if (tr == KUBE_TRANSPORT_OK)
				logf_(kc, 1,
				      "%s %s: %ld %s%s, retry %d of %d in "
				      "%ld ms",
				      c->method, c->url.buf, resp.status,
				      http_reason(resp.status),
				      ra > 0 ? " with Retry-After" : "",
				      retries + 1, kc->max_retries, ms);
			else
				logf_(kc, 1,
				      "%s %s: %s, retry %d of %d in "
				      "%ld ms",
				      c->method, c->url.buf, resp.detail,
				      retries + 1, kc->max_retries, ms);
			sleep_ms(kc, ms);
			retries++;
			continue;
		}
		if (tr != KUBE_TRANSPORT_OK)
			return transport_error(kc, c, tr, &resp, err);
		st = json_loadb(c->resp.buf, c->resp.len, 0, NULL);
		rc = status_error(kc, c, resp.status, st, err);
		json_decref(st);
		return rc;
	}
}

static json_t *
parse_response(const struct call *c, struct error *err)
{
	json_error_t jerr;
	json_t *j = json_loadb(c->resp.buf, c->resp.len, 0, &jerr);

	if (!j) {
		error_set(err, ERR_KUBE_API,
			  "cannot parse the response to %s %s: %s at line %d "
			  "column %d",
			  c->method, c->url.buf, jerr.text, jerr.line,
			  jerr.column);
		error_hint(err,
			   "is %s a Kubernetes API server (a proxy in "
			   "between)? check with 'kubectl get --raw /version'",
			   "the server");
		return NULL;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		error_set(err, ERR_KUBE_API,
			  "the response to %s %s is not a JSON object",
			  c->method, c->url.buf);
		return NULL;
	}
	return j;
}

/* Status errors. */

/* The first line of a non-Status body, printable and short. */
static void
body_excerpt(struct strbuf *sb, const struct strbuf *body)
{
	size_t i;

	for (i = 0; i < body->len && i < 200; i++) {
		unsigned char ch = (unsigned char)body->buf[i];

		if (ch == '\n' || ch == '\r')
			break;
		strbuf_addch(sb, ch < 0x20 || ch >= 0x7f ? '?' : ch);
	}
	strbuf_rtrim(sb);
}

static void
hint_unauthorized(struct kube_client *kc, struct error *err)
{
	const struct kube_config *cfg = kc->cfg;
	const char *user = cfg->user_name ? cfg->user_name : "";

	if (kc->token_from_file)
		error_hint(err,
			   "the token in '%s' is not accepted: refresh it (for "
			   "a service account, check that it still exists)",
			   kc->cfg->token_file);
	else if (kc->token)
		error_hint(err,
			   "the token of user '%s' has expired or belongs to "
			   "another cluster: log in again and update the "
			   "kubeconfig, or pass a valid --token",
			   user);
	else if (cfg->exec)
		error_hint(err,
			   "the exec plugin '%s' gave credentials the server "
			   "does not accept: log in again with your provider's "
			   "login command, then retry",
			   cfg->exec->command ? cfg->exec->command : "");
	else if (cfg->client_cert_pem)
		error_hint(err,
			   "the client certificate of user '%s' has expired "
			   "or is not trusted by this cluster: get a fresh "
			   "kubeconfig from the cluster's administrator",
			   user);
	else
		error_hint(err,
			   "user '%s' has no credentials (token, client "
			   "certificate or exec plugin) in the kubeconfig",
			   user);
}

static void
add_rbac_resource(struct strbuf *sb, const struct call *c)
{
	if (c->ki->group)
		strbuf_addf(sb, "%s.%s", c->ki->plural, c->ki->group);
	else
		strbuf_addstr(sb, c->ki->plural);
	if (c->subresource)
		strbuf_addf(sb, "/%s", c->subresource);
}

static int
error_forbidden(struct kube_client *kc, const struct call *c, const char *msg,
		struct error *err)
{
	struct strbuf res = STRBUF_INIT;
	const char *user = kc->cfg->user_name ? kc->cfg->user_name : "";

	add_rbac_resource(&res, c);
	if (msg)
		error_set(err, ERR_CONFIG, "permission denied: %s", msg);
	else
		error_set(err, ERR_CONFIG,
			  "permission denied (403 Forbidden): user '%s' cannot "
			  "%s %s in %s%s%s",
			  user, c->verb, res.buf,
			  c->ns ? "namespace '" : "all namespaces",
			  c->ns ? c->ns : "", c->ns ? "'" : "");
	if (c->ki->namespaced && c->ns)
		error_hint(err,
			   "ask for RBAC permission to %s %s in namespace "
			   "'%s' (check with 'kubectl auth can-i %s %s -n "
			   "%s'); see the RBAC example in the man page",
			   c->verb, res.buf, c->ns, c->verb, res.buf, c->ns);
	else
		error_hint(err,
			   "ask for RBAC permission to %s %s cluster-wide (a "
			   "ClusterRole; check with 'kubectl auth can-i %s %s "
			   "-A'); see the RBAC example in the man page",
			   c->verb, res.buf, c->verb, res.buf);
	strbuf_release(&res);
	return -1;
}

static int
error_not_found(struct kube_client *kc, const struct call *c, int is_status,
		const json_t *details, struct error *err)
{
	struct strbuf what = STRBUF_INIT;
	const char *dkind = json_string_value(json_object_get(details, "kind"));
	const char *dname = json_string_value(json_object_get(details, "name"));

	if (is_status && dkind && !strcmp(dkind, "namespaces") &&
	    c->ki != &kind_table[KUBE_NAMESPACE]) {
		error_set(err, ERR_NOT_FOUND, "namespace '%s' not found",
			  dname ? dname : (c->ns ? c->ns : ""));
		error_hint(err, "run 'kubectl get namespaces' to see the "
				"namespaces, or pass -n NAMESPACE");
	} else if (is_status && c->name) {
		describe(&what, c);
		error_set(err, ERR_NOT_FOUND, "%s not found", what.buf);
		if (c->ki->namespaced && c->ns)
			error_hint(err,
				   "run 'kubectl get %s -n %s' to see the %s "
				   "that exist",
				   c->ki->resource, c->ns, c->ki->plural);
		else
			error_hint(err,
				   "run 'kubectl get %s' to see the %s "
				   "that exist",
				   c->ki->resource, c->ki->plural);
	} else {
		error_set(err, ERR_CONFIG,
			  "the API server %s does not serve %s (%s)",
			  kc->server, c->ki->resource, c->ki->api_version);
		if (c->ki->group && !strcmp(c->ki->group, "postgresql.cnpg.io"))
			error_hint(
				err,
				"is the CloudNativePG operator installed "
				"in this cluster? run 'kubectl api-resources "
				"--api-group=postgresql.cnpg.io'");
		else if (c->ki->group)
			error_hint(err,
				   "is the barman-cloud plugin installed in "
				   "this cluster? run 'kubectl api-resources "
				   "--api-group=%s'",
				   c->ki->group);
	}
	strbuf_release(&what);
	return -1;
}

static int
error_invalid(const struct call *c, const char *msg, const json_t *details,
	      struct error *err)
{
	struct strbuf what = STRBUF_INIT, list = STRBUF_INIT;
	const json_t *causes = json_object_get(details, "causes");
	const json_t *cause;
	size_t i;

	describe(&what, c);
	json_array_foreach(causes, i, cause)
	{
		const char *field =
			json_string_value(json_object_get(cause, "field"));
		const char *cmsg =
			json_string_value(json_object_get(cause, "message"));

		strbuf_addf(&list, "%s%s%s%s", list.len ? "; " : "",
			    field ? field : "", field ? ": " : "",
			    cmsg ? cmsg : "invalid");
	}
	error_set(err, ERR_KUBE_API,
		  "the API server rejected %s as invalid: %s", what.buf,
		  list.len ? list.buf : (msg ? msg : "422"));
	error_hint(err,
		   "fix the fields named above; the CRD's schema is "
		   "shown by 'kubectl explain %s.spec'",
		   c->ki->resource);
	strbuf_release(&what);
	strbuf_release(&list);
	return -1;
}

/*
 * Translate an HTTP error status; st is the parsed body (a Status, or
 * something else, or NULL).
 */
static int
status_error(struct kube_client *kc, const struct call *c, long status,
	     const json_t *st, struct error *err)
{
	const struct kube_config *cfg = kc->cfg;
	const char *kind = jstr(st, "kind");
	int is_status = kind && !strcmp(kind, "Status");
	const char *msg = is_status ? jstr(st, "message") : NULL;
	const char *reason = is_status ? jstr(st, "reason") : NULL;
	const json_t *details =
		is_status ? json_object_get(st, "details") : NULL;
	struct strbuf ex = STRBUF_INIT, what = STRBUF_INIT;

	if (!msg && !is_status) {
		body_excerpt(&ex, &c->resp);
		if (ex.len)
			msg = ex.buf;
	}
	describe(&what, c);
	switch (status) {
	case 401:
		if (cfg->context_name)
			error_set(err, ERR_CONFIG,
				  "the API server %s rejected the credentials "
				  "(401 Unauthorized) for user '%s' in context "
				  "'%s'",
				  kc->server,
				  cfg->user_name ? cfg->user_name : "",
				  cfg->context_name);
		else
			error_set(err, ERR_CONFIG,
				  "the API server %s rejected the credentials "
				  "(401 Unauthorized) of %s",
				  kc->server,
				  cfg->user_name ? cfg->user_name
						 : "the service account");
		hint_unauthorized(kc, err);
		break;
	case 403:
		error_forbidden(kc, c, is_status ? msg : NULL, err);
		break;
	case 404:
		error_not_found(kc, c, is_status, details, err);
		break;
	case 409:
		error_set(err, ERR_CONFLICT, "%s: %s", what.buf,
			  msg ? msg : "409 Conflict");
		if (reason && !strcmp(reason, "AlreadyExists"))
			error_hint(
				err,
				"choose another name, or look at the "
				"existing one with 'kubectl get %s %s -n %s'",
				c->ki->resource, c->name ? c->name : "",
				c->ns ? c->ns : "default");
		else
			error_hint(err, "the object changed meanwhile; run the "
					"command again");
		break;
	case 422:
		error_invalid(c, msg, details, err);
		break;
	case 429:
		error_set(err, ERR_KUBE_API,
			  "the API server kept throttling %s %s (429 Too Many "
			  "Requests, %d attempts): %s",
			  c->method, c->url.buf, c->attempts,
			  msg ? msg : "no message");
		error_hint(err, "the API server is overloaded; retry in a "
				"minute");
		break;
	default:
		if (status >= 500)
			error_set(err, ERR_KUBE_API,
				  "the API server answered %ld %s to %s %s (%d "
				  "attempt%s): %s",
				  status, http_reason(status), c->method,
				  c->url.buf, c->attempts,
				  c->attempts == 1 ? "" : "s",
				  msg ? msg : "no message");
		else
			error_set(err, ERR_KUBE_API,
				  "the API server answered %ld %s to %s %s: %s",
				  status, http_reason(status), c->method,
				  c->url.buf, msg ? msg : "no message");
		if (status >= 500)
			error_hint(err,
				   "check the API server's health with "
				   "'kubectl get --raw=/readyz?verbose' and "
				   "retry");
		break;
	}
	strbuf_release(&ex);
	strbuf_release(&what);
	return -1;
}

/* The client. */

static int
setup_tls_server_name(struct kube_client *kc, struct error *err)
{
	const struct kube_config *cfg = kc->cfg;
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *url = NULL;
	size_t n;
	int rc = -1;

	if (!u || curl_url_set(u, CURLUPART_URL, kc->server, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		error_set(err, ERR_CONFIG,
			  "the server URL '%s' of cluster "
			  "'%s' is not valid",
			  kc->server,
			  cfg->cluster_name ? cfg->cluster_name : "");
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
		port = NULL;
	kc->host_header = port ? xasprintf("Host: %s:%s", host, port)
			       : xasprintf("Host: %s", host);
	curl_free(port);
	port = NULL;
	curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
	kc->connect_to = xasprintf("::%s:%s", host, port ? port : "443");
	if (curl_url_set(u, CURLUPART_HOST, cfg->tls_server_name, 0) !=
		    CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		error_set(err, ERR_CONFIG,
			  "tls-server-name '%s' of cluster '%s' is not a valid "
			  "host name",
			  cfg->tls_server_name,
			  cfg->cluster_name ? cfg->cluster_name : "");
		goto out;
	}
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	kc->tls_base = xstrndup(url, n);
	rc = 0;
out:
	curl_free(host);
	curl_free(port);
	curl_free(url);
	curl_url_cleanup(u);
	return rc;
}

int
kube_client_new(struct kube_client **out, const struct kube_config *cfg,
		const struct kube_client_opts *opts, struct error *err)
{
	struct kube_client *kc;
	const char *env;
	size_t n;

	if (!cfg || !cfg->server || !*cfg->server) {
		error_set(err, ERR_CONFIG,
			  "cluster '%s' has no server URL in %s",
			  cfg && cfg->cluster_name ? cfg->cluster_name : "",
			  cfg && cfg->source ? cfg->source : "the kubeconfig");
		error_hint(err, "set it with 'kubectl config set-cluster NAME "
				"--server=https://HOST:PORT'");
		return -1;
	}
	if (strncmp(cfg->server, "https://", 8) != 0 &&
	    strncmp(cfg->server, "http://", 7) != 0) {
		error_set(err, ERR_CONFIG,
			  "the server '%s' of cluster '%s' is not an http(s) "
			  "URL",
			  cfg->server,
			  cfg->cluster_name ? cfg->cluster_name : "");
		error_hint(err, "use https://HOST:PORT in the kubeconfig");
		return -1;
	}
	kc = xcalloc(1, sizeof(*kc));
	kc->cfg = cfg;
	if (opts)
		kc->opts = *opts;
	kc->max_retries = kc->opts.max_retries < 0    ? 0
			  : kc->opts.max_retries == 0 ? KUBE_DEFAULT_RETRIES
						      : kc->opts.max_retries;
	n = strlen(cfg->server);
	while (n > 0 && cfg->server[n - 1] == '/')
		n--;
	kc->server = xstrndup(cfg->server, n);
	kc->backoff_limit_ms = -1;
	env = getenv("CNPGOPS_TEST_BACKOFF_MS");
	if (env && *env) {
		char *end;
		long v = strtol(env, &end, 10);

		if (!*end && v >= 0)
			kc->backoff_limit_ms = v;
	}
	kc->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
		  (uint64_t)(uintptr_t)kc;
	if (!kc->rng)
		kc->rng = 0x9e3779b97f4a7c15ULL;
	kc->transport.send = curl_send;
	kc->transport.ud = kc;
	if (cfg->token && *cfg->token) {
		kc->token = xstrdup(cfg->token);
	} else if (cfg->token_file && *cfg->token_file) {
		if (read_token_file(&kc->token, cfg, err))
			goto fail;
		kc->token_from_file = 1;
	}
	if (cfg->tls_server_name && *cfg->tls_server_name &&
	    setup_tls_server_name(kc, err))
		goto fail;
	*out = kc;
	return 0;
fail:
	kube_client_free(kc);
	return -1;
}

void
kube_client_free(struct kube_client *kc)
{
	if (!kc)
		return;
	if (kc->curl)
		curl_easy_cleanup(kc->curl);
	curl_slist_free_all(kc->connect_to_list);
	drop_cred(kc);
	free_secret(kc->token);
	free(kc->server);
	free(kc->tls_base);
	free(kc->connect_to);
	free(kc->host_header);
	free(kc);
}

const char *
kube_client_server(const struct kube_client *kc)
{
	return kc->server;
}

void
kube_client_set_transport(struct kube_client *kc,
			  const struct kube_transport *t)
{
	kc->transport = *t;
}

/* Verbs. */

static const struct kind_info *
kind_or_error(enum kube_kind kind, struct error *err)
{
	const struct kind_info *ki = kind_get(kind);

	if (!ki)
		error_set(err, ERR_INTERNAL, "unknown kind %d", (int)kind);
	return ki;
}

static int
need_ns(const struct kind_info *ki, const char *ns, const char *what,
	struct error *err)
{
	if (ki->namespaced && (!ns || !*ns))
		return error_set(err, ERR_INTERNAL, "%s %s: no namespace given",
				 what, ki->noun);
	return 0;
}

static int
need_name(const struct kind_info *ki, const char *name, const char *what,
	  struct error *err)
{
	if (!name || !*name)
		return error_set(err, ERR_INTERNAL, "%s %s: no name given",
				 what, ki->noun);
	return 0;
}

json_t *
kube_get(struct kube_client *kc, enum kube_kind kind, const char *ns,
	 const char *name, struct error *err)
{
	const struct kind_info *ki = kind_or_error(kind, err);
	struct call c;
	json_t *res = NULL;

	if (!ki || need_ns(ki, ns, "getting", err) ||
	    need_name(ki, name, "getting", err))
		return NULL;
	call_init(&c, ki, "GET", "get", ns, name);
	build_path(&c.url, kc, ki, ns, name, NULL);
	c.timeout_ms = kc->opts.timeout_ms;
	if (!do_call(kc, &c, err))
		res = parse_response(&c, err);
	call_release(&c);
	return res;
}

int
kube_pod_log(struct strbuf *out, struct kube_client *kc, const char *ns,
	     const char *pod, size_t max, struct error *err)
{
	const struct kind_info *ki = kind_or_error(KUBE_POD, err);
	struct call c;
	int rc = -1;

	if (!ki || need_ns(ki, ns, "reading the log of", err) ||
	    need_name(ki, pod, "reading the log of", err))
		return -1;
	call_init(&c, ki, "GET", "get", ns, pod);
	c.subresource = "log";
	build_path(&c.url, kc, ki, ns, pod, "log");
	c.timeout_ms = kc->opts.timeout_ms;
	if (!do_call(kc, &c, err)) {
		strbuf_add(out, c.resp.buf,
			   c.resp.len < max ? c.resp.len : max);
		rc = 0;
	}
	call_release(&c);
	return rc;
}

/* Give list items the kind and apiVersion core lists leave out. */
static void
fill_item_kinds(json_t *items, const struct kind_info *ki)
{
	json_t *it;
	size_t i;

	json_array_foreach(items, i, it)
	{
		if (!json_is_object(it))
			continue;
		if (!json_object_get(it, "kind"))
			json_object_set_new(it, "kind", json_string(ki->kind));
		if (!json_object_get(it, "apiVersion"))
			json_object_set_new(it, "apiVersion",
					    json_string(ki->api_version));
	}
}

json_t *
kube_list(struct kube_client *kc, enum kube_kind kind, const char *ns,
	  const struct kube_list_opts *opts, struct error *err)
{
	const struct kind_info *ki = kind_or_error(kind, err);
	json_t *result = NULL, *page = NULL, *items;
	char *cont = NULL;
	int restarts = 0;
	struct call c;

	if (!ki)
		return NULL;
	for (;;) {
		call_init(&c, ki, "GET", "list", ns, NULL);
		build_path(&c.url, kc, ki, ns, NULL, NULL);
		add_selectors(&c.url, opts);
		if (opts && opts->limit > 0)
			strbuf_addf(&c.url, "%slimit=%ld",
				    strchr(c.url.buf, '?') ? "&" : "?",
				    opts->limit);
		add_query(&c.url, "continue", cont);
		c.timeout_ms = kc->opts.timeout_ms;
		c.accept_status = cont ? 410 : 0;
		if (do_call(kc, &c, err))
			goto fail;
		if (c.status == 410) {
			/* The continue token expired: start over. */
			if (++restarts > KUBE_LIST_RESTARTS) {
				error_set(err, ERR_KUBE_API,
					  "listing %s: the list kept changing "
					  "(410 Gone on continue %d times)",
					  ki->plural, restarts);
				goto fail;
			}
			logf_(kc, 1,
			      "%s %s: continue token expired, listing "
			      "again",
			      c.method, c.url.buf);
			json_decref(result);
			result = NULL;
			free(cont);
			cont = NULL;
			call_release(&c);
			continue;
		}
		page = parse_response(&c, err);
		if (!page)
			goto fail;
		items = json_object_get(page, "items");
		if (json_is_null(items) || !items) {
			items = json_array();
			json_object_set_new(page, "items", items);
		}
		if (!json_is_array(items)) {
			error_set(err, ERR_KUBE_API,
				  "the response to GET %s has no items list",
				  c.url.buf);
			goto fail;
		}
		fill_item_kinds(items, ki);
		free(cont);
		cont = NULL;
		{
			const char *next = json_string_value(json_object_get(
				json_object_get(page, "metadata"), "continue"));

			if (next && *next)
				cont = xstrdup(next);
		}
		if (!result) {
			result = page;
		} else {
			json_array_extend(json_object_get(result, "items"),
					  items);
			json_decref(page);
		}
		page = NULL;
		call_release(&c);
		if (!cont)
			break;
	}
	json_object_del(json_object_get(result, "metadata"), "continue");
	json_object_del(json_object_get(result, "metadata"),
			"remainingItemCount");
	return result;
fail:
	call_release(&c);
	json_decref(page);
	json_decref(result);
	free(cont);
	return NULL;
}

json_t *
kube_create(struct kube_client *kc, enum kube_kind kind, const char *ns,
	    const json_t *obj, enum kube_dry_run dry, struct error *err)
{
	const struct kind_info *ki = kind_or_error(kind, err);
	const json_t *md = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	struct call c;
	json_t *res = NULL;

	if (!ki)
		return NULL;
	if (!ns)
		ns = json_string_value(json_object_get(md, "namespace"));
	if (need_ns(ki, ns, "creating", err))
		return NULL;
	if (!name)
		name = json_string_value(json_object_get(md, "generateName"));
	call_init(&c, ki, "POST", "create", ns, name);
	build_path(&c.url, kc, ki, ns, NULL, NULL);
	if (dry == KUBE_DRY_RUN_SERVER)
		add_query(&c.url, "dryRun", "All");
	call_set_json_body(&c, obj, "application/json");
	c.timeout_ms = kc->opts.timeout_ms;
	if (!do_call(kc, &c, err))
		res = parse_response(&c, err);
	call_release(&c);
	return res;
}

json_t *
kube_patch(struct kube_client *kc, enum kube_kind kind, const char *ns,
	   const char *name, const json_t *patch, enum kube_dry_run dry,
	   struct error *err)
{
	const struct kind_info *ki = kind_or_error(kind, err);
	struct call c;
	json_t *res = NULL;

	if (!ki || need_ns(ki, ns, "patching", err) ||
	    need_name(ki, name, "patching", err))
		return NULL;
	call_init(&c, ki, "PATCH", "patch", ns, name);
	build_path(&c.url, kc, ki, ns, name, NULL);
	if (dry == KUBE_DRY_RUN_SERVER)
		add_query(&c.url, "dryRun", "All");
	call_set_json_body(&c, patch, "application/merge-patch+json");
	c.timeout_ms = kc->opts.timeout_ms;
	if (!do_call(kc, &c, err))
		res = parse_response(&c, err);
	call_release(&c);
	return res;
}

json_t *
kube_update_status(struct kube_client *kc, enum kube_kind kind, const char *ns,
		   const json_t *obj, struct error *err)
{
	const struct kind_info *ki = kind_or_error(kind, err);
	const json_t *md = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(md, "name"));
	struct call c;
	json_t *res = NULL;

	if (!ki)
		return NULL;
	if (!ns)
		ns = json_string_value(json_object_get(md, "namespace"));
	if (need_ns(ki, ns, "updating the status of", err))
		return NULL;
	if (!name) {
		error_set(err, ERR_INTERNAL,
			  "updating the status of a %s: the object has no name",
			  ki->noun);
		return NULL;
	}
	call_init(&c, ki, "PUT", "update", ns, name);
	c.subresource = "status";
	build_path(&c.url, kc, ki, ns, name, "status");
	call_set_json_body(&c, obj, "application/json");
	c.timeout_ms = kc->opts.timeout_ms;
	if (!do_call(kc, &c, err))
		res = parse_response(&c, err);
	call_release(&c);
	return res;
}

int
kube_delete(struct kube_client *kc, enum kube_kind kind, const char *ns,
	    const char *name, const char *propagation, enum kube_dry_run dry,
	    struct error *err)
{
	const struct kind_info *ki = kind_or_error(kind, err);
	json_t *opts;
	struct call c;
	int rc;

	if (!ki || need_ns(ki, ns, "deleting", err) ||
	    need_name(ki, name, "deleting", err))
		return -1;
	call_init(&c, ki, "DELETE", "delete", ns, name);
	build_path(&c.url, kc, ki, ns, name, NULL);
	if (dry == KUBE_DRY_RUN_SERVER)
		add_query(&c.url, "dryRun", "All");
	opts = json_pack("{s:s, s:s}", "kind", "DeleteOptions", "apiVersion",
			 "v1");
	if (propagation)
		json_object_set_new(opts, "propagationPolicy",
				    json_string(propagation));
	call_set_json_body(&c, opts, "application/json");
	json_decref(opts);
	c.timeout_ms = kc->opts.timeout_ms;
	c.accept_404_if_retried = 1;
	rc = do_call(kc, &c, err);
	call_release(&c);
	return rc;
}

/* Watch. */

static void
watch_set_rv(struct watch *w, const json_t *obj)
{
	const char *rv = json_string_value(json_object_get(
		json_object_get(obj, "metadata"), "resourceVersion"));

	if (rv && *rv) {
		free(w->rv);
		w->rv = xstrdup(rv);
	}
}

static int
watch_deliver(struct watch *w, const char *type, const json_t *obj)
{
	int r = w->fn(w->ud, type, obj, w->err);

	if (r < 0) {
		if (!w->err || w->err->code == ERR_OK)
			error_set(w->err, ERR_INTERNAL,
				  "the watch callback failed without a "
				  "message");
		w->failed = 1;
		return -1;
	}
	if (r > 0) {
		w->stop = 1;
		return -1;
	}
	return 0;
}

/* One line of the stream: one event. */
static int
watch_line(struct watch *w, const char *line, size_t len)
{
	struct kube_client *kc = w->kc;
	json_error_t jerr;
	json_t *ev;
	const json_t *obj;
	const char *type;
	size_t i;
	int rc = 0;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			break;
	if (i == len)
		return 0;
	ev = json_loadb(line, len, 0, &jerr);
	if (!ev) {
		error_set(w->err, ERR_KUBE_API,
			  "cannot parse a watch event of %s: %s at column %d",
			  w->ki->plural, jerr.text, jerr.column);
		w->failed = 1;
		return -1;
	}
	type = json_string_value(json_object_get(ev, "type"));
	obj = json_object_get(ev, "object");
	if (!type || !json_is_object(obj)) {
		error_set(w->err, ERR_KUBE_API,
			  "a watch event of %s has no type or object",
			  w->ki->plural);
		w->failed = 1;
		rc = -1;
	} else if (!strcmp(type, "BOOKMARK")) {
		watch_set_rv(w, obj);
		w->events++;
		logf_(kc, 2, "watch %s: bookmark at %s", w->ki->plural,
		      w->rv ? w->rv : "");
	} else if (!strcmp(type, "ERROR")) {
		long code =
			(long)json_integer_value(json_object_get(obj, "code"));
		const char *msg =
			json_string_value(json_object_get(obj, "message"));

		logf_(kc, 1, "watch %s: error event %ld: %s", w->ki->plural,
		      code, msg ? msg : "");
		if (code == 410) {
			w->gone = 1;
		} else if (code == 429 || code == 500 || code == 502 ||
			   code == 503 || code == 504) {
			w->retry_status = code;
			free(w->retry_msg);
			w->retry_msg = xstrdup(msg ? msg : "");
		} else {
			struct call c;

			call_init(&c, w->ki, "GET", "watch", w->ns, NULL);
			strbuf_addstr(&c.url, "watch stream");
			status_error(kc, &c, code, obj, w->err);
			call_release(&c);
			w->failed = 1;
		}
		rc = -1;
	} else if (!strcmp(type, "ADDED") || !strcmp(type, "MODIFIED") ||
		   !strcmp(type, "DELETED")) {
		watch_set_rv(w, obj);
		w->events++;
		rc = watch_deliver(w, type, obj);
	}
	json_decref(ev);
	return rc;
}

/* Feed stream bytes: split at newlines, never buffering more than a line. */
static int
watch_feed(struct watch *w, const char *data, size_t len)
{
	while (len > 0) {
		const char *nl = memchr(data, '\n', len);
		size_t n = nl ? (size_t)(nl - data) : len;

		if (w->line.len + n > KUBE_MAX_BODY) {
			error_set(w->err, ERR_IO,
				  "a watch event of %s exceeds 64 MiB",
				  w->ki->plural);
			w->failed = 1;
			return -1;
		}
		if (!nl) {
			strbuf_add(&w->line, data, n);
			return 0;
		}
		if (w->line.len) {
			strbuf_add(&w->line, data, n);
			if (watch_line(w, w->line.buf, w->line.len))
				return -1;
			strbuf_reset(&w->line);
		} else if (watch_line(w, data, n)) {
			return -1;
		}
		data += n + 1;
		len -= n + 1;
	}
	return 0;
}

/* List, deliver every object as SYNC, and resume from the list's RV. */
static int
watch_relist(struct watch *w, enum kube_kind kind, const char *ns,
	     const struct kube_list_opts *opts)
{
	json_t *list = kube_list(w->kc, kind, ns, opts, w->err);
	const json_t *it;
	const char *rv;
	size_t i;
	int rc = -1;

	if (!list) {
		w->failed = 1;
		return -1;
	}
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		if (watch_deliver(w, "SYNC", it))
			goto out;
	}
	rv = json_string_value(json_object_get(
		json_object_get(list, "metadata"), "resourceVersion"));
	free(w->rv);
	w->rv = rv ? xstrdup(rv) : NULL;
	rc = 0;
out:
	json_decref(list);
	return rc;
}

static int
watch_timeout(struct watch *w, const char *ns, long timeout_ms)
{
	if (ns)
		error_set(w->err, ERR_TIMEOUT,
			  "gave up watching %s in namespace '%s' after %ld s",
			  w->ki->plural, ns, (timeout_ms + 999) / 1000);
	else
		error_set(w->err, ERR_TIMEOUT,
			  "gave up watching %s after %ld s", w->ki->plural,
			  (timeout_ms + 999) / 1000);
	return -1;
}

int
kube_watch(struct kube_client *kc, enum kube_kind kind, const char *ns,
	   const struct kube_list_opts *opts, const char *resource_version,
	   long timeout_ms, kube_watch_fn fn, void *ud, struct error *err)
{
	const struct kind_info *ki = kind_or_error(kind, err);
	struct watch w = { 0 };
	long long deadline = 0, start;
	int failures = 0, reauthed = 0, relists = 0, rc = -1;
	struct call c;

	if (!ki)
		return -1;
	w.kc = kc;
	w.ki = ki;
	w.ns = ns;
	w.fn = fn;
	w.ud = ud;
	w.err = err;
	strbuf_init(&w.line, 0);
	if (timeout_ms > 0)
		deadline = now_ms(kc) + timeout_ms;
	if (!resource_version) {
		if (watch_relist(&w, kind, ns, opts))
			goto done;
	} else {
		w.rv = xstrdup(resource_version);
	}
	for (;;) {
		struct kube_http_response resp;
		enum kube_transport_result tr;
		long long left = deadline ? deadline - now_ms(kc) : 0;
		long ms;
		int clean;

		if (deadline && left <= 0) {
			watch_timeout(&w, ns, timeout_ms);
			goto done;
		}
		call_init(&c, ki, "GET", "watch", ns, NULL);
		build_path(&c.url, kc, ki, ns, NULL, NULL);
		strbuf_addstr(&c.url, "?watch=1");
		add_query(&c.url, "resourceVersion", w.rv);
		strbuf_addstr(&c.url, "&allowWatchBookmarks=true");
		add_selectors(&c.url, opts);
		if (deadline)
			strbuf_addf(&c.url, "&timeoutSeconds=%lld",
				    (left + 999) / 1000);
		c.timeout_ms = deadline ? (long)left : 0;
		c.watch = &w;
		w.events = 0;
		w.gone = 0;
		w.retry_status = 0;
		strbuf_reset(&w.line);
		start = now_ms(kc);
		if (send_once(kc, &c, &resp, &tr, err)) {
			w.failed = 1;
			break;
		}
		if (w.failed || w.stop)
			break;
		if (w.events) {
			failures = 0;
			relists = 0;
		}
		if (w.gone || (tr == KUBE_TRANSPORT_OK && resp.status == 410)) {
			if (++relists > KUBE_LIST_RESTARTS) {
				error_set(err, ERR_KUBE_API,
					  "watching %s: the API server keeps "
					  "expiring the resource version it "
					  "just listed (410 Gone %d times)",
					  ki->plural, relists);
				break;
			}
			logf_(kc, 1,
			      "watch %s: resource version %s is gone, "
			      "listing again",
			      ki->plural, w.rv ? w.rv : "");
			call_release(&c);
			if (watch_relist(&w, kind, ns, opts))
				goto done;
			continue;
		}
		if (tr == KUBE_TRANSPORT_OK && resp.status == 401 &&
		    !reauthed && refresh_auth(kc)) {
			reauthed = 1;
			call_release(&c);
			continue;
		}
		clean = tr == KUBE_TRANSPORT_OK && resp.status == 200 &&
			!w.retry_status;
		if (clean) {
			/* The server ended the stream: resume at once, but
			 * not in a tight loop if it keeps ending empty. */
			ms = 0;
			if (!w.events && now_ms(kc) - start < 1000)
				ms = backoff_ms(kc, failures++, -1);
		} else if (tr == KUBE_TRANSPORT_TIMEOUT && deadline &&
			   now_ms(kc) >= deadline) {
			watch_timeout(&w, ns, timeout_ms);
			break;
		} else if ((w.retry_status || tr == KUBE_TRANSPORT_TIMEOUT ||
			    retriable(&c, tr, resp.status)) &&
			   failures < kc->max_retries) {
			ms = backoff_ms(kc, failures++,
					tr == KUBE_TRANSPORT_OK
						? retry_after(&c, &resp)
						: -1);
			logf_(kc, 1,
			      "watch %s: %s, reconnecting from %s in %ld "
			      "ms",
			      ki->plural,
			      w.retry_status	   ? w.retry_msg
			      : resp.status == 200 ? "stream interrupted"
			      : *resp.detail	   ? resp.detail
						   : http_reason(resp.status),
			      w.rv ? w.rv : "the start", ms);
		} else if (w.retry_status) {
			error_set(err, ERR_KUBE_API,
				  "watching %s: the API server kept failing "
				  "(%ld): %s",
				  ki->plural, w.retry_status, w.retry_msg);
			break;
		} else if (tr != KUBE_TRANSPORT_OK || resp.status == 200) {
			transport_error(kc, &c, tr, &resp, err);
			break;
		} else {
			json_t *st =
				json_loadb(c.resp.buf, c.resp.len, 0, NULL);

			status_error(kc, &c, resp.status, st, err);
			json_decref(st);
			break;
		}
		call_release(&c);
		if (deadline && ms > deadline - now_ms(kc))
			ms = (long)(deadline - now_ms(kc));
		sleep_ms(kc, ms);
	}
	call_release(&c);
done:
	rc = w.stop && !w.failed ? 0 : -1;
	if (kind == KUBE_SECRET)
		strbuf_release_secret(&w.line);
	else
		strbuf_release(&w.line);
	free(w.rv);
	free(w.retry_msg);
	return rc;
}

/* The libcurl transport. */

static size_t
curl_write_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct kube_client *kc = ud;
	size_t n = size * nmemb;
	long code = 0;

	curl_easy_getinfo(kc->curl, CURLINFO_RESPONSE_CODE, &code);
	kc->cur_resp->status = code;
	if (kc->cur_body(kc->cur_body_ud, data, n))
		return n == 0 ? 1 : 0;
	return n;
}

static size_t
curl_header_cb(char *data, size_t size, size_t nmemb, void *ud)
{
	struct kube_client *kc = ud;
	size_t n = size * nmemb, i;
	long v = 0;

	if (n >= 5 && !strncmp(data, "HTTP/", 5)) {
		kc->cur_resp->retry_after_s = -1;
	} else if (n > 12 && !strncasecmp(data, "Retry-After:", 12)) {
		for (i = 12; i < n && (data[i] == ' ' || data[i] == '\t'); i++)
			;
		if (i < n && data[i] >= '0' && data[i] <= '9') {
			for (; i < n && data[i] >= '0' && data[i] <= '9'; i++)
				if (v < 100000)
					v = v * 10 + (data[i] - '0');
			kc->cur_resp->retry_after_s = v;
		}
	}
	return n;
}

static int
curl_open(struct kube_client *kc)
{
	const struct kube_config *cfg = kc->cfg;
	CURL *h = curl_easy_init();

	if (!h)
		return -1;
	kc->curl = h;
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, kc->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, kc);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, curl_header_cb);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, kc);
	curl_easy_setopt(h, CURLOPT_USERAGENT,
			 "kubectl-cnpgops/" CNPGOPS_VERSION);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 30L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 10L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
	if (cfg->insecure_skip_tls_verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cfg->ca_pem) {
		struct curl_blob ca;

		ca.data = cfg->ca_pem;
		ca.len = cfg->ca_len ? cfg->ca_len : strlen(cfg->ca_pem);
		ca.flags = CURL_BLOB_COPY;
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
	}
	if (cfg->proxy_url && *cfg->proxy_url)
		curl_easy_setopt(h, CURLOPT_PROXY, cfg->proxy_url);
	if (kc->connect_to) {
		kc->connect_to_list = curl_slist_append(NULL, kc->connect_to);
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, kc->connect_to_list);
	}
	return 0;
}

static void
slist_free_secret(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static void
curl_apply_cert(struct kube_client *kc, const struct kube_http_request *req)
{
	struct curl_blob cert, key;

	if (!req->cert_pem || !req->key_pem)
		return;
	cert.data = (void *)(uintptr_t)req->cert_pem;
	cert.len = req->cert_len;
	cert.flags = CURL_BLOB_COPY;
	key.data = (void *)(uintptr_t)req->key_pem;
	key.len = req->key_len;
	key.flags = CURL_BLOB_COPY;
	curl_easy_setopt(kc->curl, CURLOPT_SSLCERT_BLOB, &cert);
	curl_easy_setopt(kc->curl, CURLOPT_SSLCERTTYPE, "PEM");
	curl_easy_setopt(kc->curl, CURLOPT_SSLKEY_BLOB, &key);
	curl_easy_setopt(kc->curl, CURLOPT_SSLKEYTYPE, "PEM");
}

static enum kube_transport_result
curl_result(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
		return KUBE_TRANSPORT_CONNECT;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		return KUBE_TRANSPORT_TLS;
	case CURLE_OPERATION_TIMEDOUT:
		return KUBE_TRANSPORT_TIMEOUT;
	case CURLE_WRITE_ERROR:
		return KUBE_TRANSPORT_ABORTED;
	default:
		return KUBE_TRANSPORT_FAILED;
	}
}

static enum kube_transport_result
curl_send(void *ud, const struct kube_http_request *req,
	  struct kube_http_response *resp, kube_body_fn body, void *body_ud)
{
	struct kube_client *kc = ud;
	struct curl_slist *hdrs = NULL;
	struct strbuf url = STRBUF_INIT;
	CURLcode rc;
	long code = 0;

	if (!kc->curl && curl_open(kc)) {
		snprintf(resp->detail, sizeof(resp->detail),
			 "cannot initialise libcurl");
		return KUBE_TRANSPORT_FAILED;
	}
	if (kc->tls_base && !strncmp(req->url, kc->server, strlen(kc->server)))
		strbuf_addf(&url, "%s%s", kc->tls_base,
			    req->url + strlen(kc->server));
	else
		strbuf_addstr(&url, req->url);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (kc->host_header)
		hdrs = curl_slist_append(hdrs, kc->host_header);
	if (req->content_type) {
		char *h = xasprintf("Content-Type: %s", req->content_type);

		hdrs = curl_slist_append(hdrs, h);
		free(h);
	}
	if (req->token) {
		char *h = xasprintf("Authorization: Bearer %s", req->token);

		hdrs = curl_slist_append(hdrs, h);
		free_secret(h);
	}
	curl_apply_cert(kc, req);
	curl_easy_setopt(kc->curl, CURLOPT_URL, url.buf);
	curl_easy_setopt(kc->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(kc->curl, CURLOPT_TIMEOUT_MS, req->timeout_ms);
	if (req->body) {
		curl_easy_setopt(kc->curl, CURLOPT_POSTFIELDSIZE_LARGE,
				 (curl_off_t)req->body_len);
		curl_easy_setopt(kc->curl, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(kc->curl, CURLOPT_CUSTOMREQUEST,
				 strcmp(req->method, "POST") ? req->method
							     : NULL);
	} else {
		curl_easy_setopt(kc->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(kc->curl, CURLOPT_CUSTOMREQUEST,
				 strcmp(req->method, "GET") ? req->method
							    : NULL);
	}
	kc->cur_resp = resp;
	kc->cur_body = body;
	kc->cur_body_ud = body_ud;
	kc->errbuf[0] = '\0';
	rc = curl_easy_perform(kc->curl);
	curl_easy_getinfo(kc->curl, CURLINFO_RESPONSE_CODE, &code);
	resp->status = code;
	curl_easy_setopt(kc->curl, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(kc->curl, CURLOPT_POSTFIELDS, NULL);
	slist_free_secret(hdrs);
	strbuf_release(&url);
	kc->cur_resp = NULL;
	if (rc == CURLE_OK)
		return KUBE_TRANSPORT_OK;
	snprintf(resp->detail, sizeof(resp->detail), "%s",
		 kc->errbuf[0] ? kc->errbuf : curl_easy_strerror(rc));
	/* A TLS alert about our certificate ("certificate required", "bad
	 * certificate", "unknown ca") is a configuration error: no retry. */
	if (strstr(resp->detail, "alert") &&
	    (strstr(resp->detail, "certificate") ||
	     strstr(resp->detail, "unknown ca")))
		return KUBE_TRANSPORT_TLS;
	return curl_result(rc);
}
