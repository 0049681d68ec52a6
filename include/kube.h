/*
 * kube: a small Kubernetes REST client over libcurl and jansson.
 *
 * Objects are json_t.  One curl handle (and so one connection) is reused
 * for the client's lifetime.  Idempotent requests (GET, list, watch setup,
 * DELETE) are retried with backoff on 429, 5xx and transport errors,
 * honouring Retry-After; writes are retried only when the request never
 * reached the server.  Bodies are capped (64 MiB).  Kubernetes Status
 * errors are translated: 404 -> ERR_NOT_FOUND naming the object, 409 ->
 * ERR_CONFLICT, 401 -> ERR_CONFIG (credentials), 403 -> ERR_CONFIG naming
 * the verb, resource and namespace RBAC denied, 422 -> ERR_KUBE_API listing
 * the invalid fields, others -> ERR_KUBE_API with the Status message.
 * curl.h is included only by kube.c.
 *
 * Errors every request can set (besides those named per function):
 *   ERR_NOT_FOUND  404 for a named object: "backup 'ns/name' not found";
 *                  or "namespace 'ns' not found"
 *   ERR_CONFIG     401 (credentials, naming user and context), 403 (the
 *                  server's RBAC message; hint: the permission to ask
 *                  for), a resource the server does not serve (CRD not
 *                  installed), TLS verification or client certificate
 *                  failures, exec plugin failures
 *   ERR_CONFLICT   409 (AlreadyExists, or a resourceVersion conflict)
 *   ERR_KUBE_API   422 (each invalid field), other 4xx, 429 and 5xx after
 *                  the retries, a response that is not JSON
 *   ERR_TIMEOUT    the request timeout (opts.timeout_ms) passed
 *   ERR_IO         the server cannot be reached (after the retries), the
 *                  connection failed, a body over 64 MiB
 *   ERR_INTERNAL   a missing namespace or name for a namespaced kind
 * A DELETE whose earlier attempt may have been applied (5xx, dropped
 * connection) counts a 404 on the retry as success.
 */
#ifndef CNPGOPS_KUBE_H
#define CNPGOPS_KUBE_H

#include <jansson.h>

struct error;
struct kube_client;
struct kube_config;

/* The resources this tool touches. */
enum kube_kind {
	KUBE_NAMESPACE,
	KUBE_SECRET,
	KUBE_POD,
	KUBE_EVENT,
	KUBE_PVC,
	KUBE_CLUSTER, /* postgresql.cnpg.io/v1 clusters */
	KUBE_BACKUP, /* postgresql.cnpg.io/v1 backups */
	KUBE_SCHEDULED_BACKUP, /* postgresql.cnpg.io/v1 scheduledbackups */
	KUBE_OBJECT_STORE, /* barmancloud.cnpg.io/v1 objectstores */
	KUBE_JOB /* batch/v1 jobs */
};

/* apiVersion ("v1", "postgresql.cnpg.io/v1"), Kind and plural of a kind. */
const char *kube_kind_api_version(enum kube_kind kind);
const char *kube_kind_name(enum kube_kind kind);
const char *kube_kind_plural(enum kube_kind kind);
/*
 * The name kubectl accepts for the resource, for hints: "secrets",
 * "backups.postgresql.cnpg.io".  Borrowed, static.
 */
const char *kube_kind_resource(enum kube_kind kind);

/* A sink for -v output; lines have no trailing newline, never a secret. */
typedef void (*kube_log_fn)(void *ud, int level, const char *line);

struct kube_client_opts {
	long timeout_ms; /* per request (--request-timeout); 0 = none */
	int verbose; /* 0 quiet, 1 requests, 2 + response codes/timing */
	kube_log_fn log;
	void *log_ud;
	int max_retries; /* 0 means the default (5), -1 no retries */
};

/*
 * Create a client for cfg (borrowed; must outlive the client).  A static
 * token wins over token_file, which is read here (once per client) and
 * again after a 401.  Exec credentials are obtained lazily (first request),
 * cached until 10 s before their expiry and refreshed once on a 401.  TLS:
 * ca_pem, client_cert_pem and client_key_pem are passed to libcurl from
 * memory; tls_server_name is honoured by connecting to the server's host
 * and port while naming tls_server_name in the URL (CURLOPT_CONNECT_TO),
 * with the original host in the Host header (libcurl 7.88 has no SNI
 * option); proxy_url sets the proxy, otherwise libcurl reads
 * https_proxy/HTTPS_PROXY and no_proxy/NO_PROXY itself.
 * The environment variable CNPGOPS_TEST_BACKOFF_MS=N caps every retry
 * sleep (backoff and Retry-After) at N ms, for tests.
 * Errors: ERR_CONFIG (no or malformed server URL, unreadable token file).
 */
int kube_client_new(struct kube_client **out, const struct kube_config *cfg,
		    const struct kube_client_opts *opts, struct error *err);
void kube_client_free(struct kube_client *kc);

struct kube_list_opts {
	const char *label_selector;
	const char *field_selector;
	long limit; /* page size; 0 = server default; pages are followed */
};

enum kube_dry_run { KUBE_DRY_RUN_NONE = 0, KUBE_DRY_RUN_SERVER };

/* GET one object.  Returns a new reference (the caller's) or NULL. */
json_t *kube_get(struct kube_client *kc, enum kube_kind kind, const char *ns,
		 const char *name, struct error *err);

/*
 * List objects (ns NULL = all namespaces; opts may be NULL), following
 * continue tokens; an expired continue token (410) restarts the list (3
 * times at most).  Returns the List object (the caller's) with every
 * page's items merged, metadata.continue removed, and kind/apiVersion set
 * on every item (core lists leave them out).
 */
json_t *kube_list(struct kube_client *kc, enum kube_kind kind, const char *ns,
		  const struct kube_list_opts *opts, struct error *err);

/*
 * POST obj (borrowed) into ns (NULL: obj's metadata.namespace), with
 * ?dryRun=All for KUBE_DRY_RUN_SERVER.  Returns what the server returned
 * (the caller's).  Retried only when the request was not applied
 * (connection refused, 429).
 */
json_t *kube_create(struct kube_client *kc, enum kube_kind kind, const char *ns,
		    const json_t *obj, enum kube_dry_run dry,
		    struct error *err);

/*
 * JSON merge patch (application/merge-patch+json) of ns/name with patch
 * (borrowed).  Returns the patched object (the caller's).  Retried like
 * kube_create.
 */
json_t *kube_patch(struct kube_client *kc, enum kube_kind kind, const char *ns,
		   const char *name, const json_t *patch, enum kube_dry_run dry,
		   struct error *err);

/*
 * PUT obj (borrowed; its metadata names it, ns NULL = its namespace) onto
 * its status subresource.  Returns the updated object (the caller's).
 * ERR_CONFLICT when obj's resourceVersion is stale.  Retried like
 * kube_create.
 */
json_t *kube_update_status(struct kube_client *kc, enum kube_kind kind,
			   const char *ns, const json_t *obj,
			   struct error *err);

/*
 * DELETE with a DeleteOptions body carrying the propagation policy
 * ("Background", "Foreground", "Orphan" or NULL for the server's default)
 * and ?dryRun=All for KUBE_DRY_RUN_SERVER.  Returns 0 or -1.
 */
int kube_delete(struct kube_client *kc, enum kube_kind kind, const char *ns,
		const char *name, const char *propagation,
		enum kube_dry_run dry, struct error *err);

/*
 * A watch event: type is "ADDED", "MODIFIED", "DELETED" or, after a 410
 * Gone forced a re-list, "SYNC" once per current object.  obj is borrowed
 * for the call.  Return 0 to keep watching, 1 to stop (kube_watch returns
 * 0), or -1 with err set to abort.
 */
typedef int (*kube_watch_fn)(void *ud, const char *type, const json_t *obj,
			     struct error *err);

/*
 * Watch objects of a kind in ns (NULL = all namespaces) from
 * resource_version (NULL: list first and deliver the current objects as
 * "SYNC", then watch from the list's resourceVersion).  The stream is
 * parsed as it arrives (one event line buffered at most).  BOOKMARK events
 * only move the resume point.  A 410 (as an ERROR event or as the status)
 * re-lists and delivers "SYNC" again: objects deleted meanwhile are not
 * reported, so a caller tracking a set rebuilds it from the SYNCs.  A
 * stream the server ends is resumed at once; a dropped or refused
 * connection is resumed from the last seen resourceVersion with backoff
 * (opts.max_retries failures in a row at most).  Returns 0 when fn asked
 * to stop, -1 when fn failed (its error) or on ERR_TIMEOUT after
 * timeout_ms (0: never), or the request errors above.
 */
int kube_watch(struct kube_client *kc, enum kube_kind kind, const char *ns,
	       const struct kube_list_opts *opts, const char *resource_version,
	       long timeout_ms, kube_watch_fn fn, void *ud, struct error *err);

struct strbuf;

/*
 * GET the log of the pod ns/pod (pods/log, text) and append at most max
 * bytes of it to out.  Errors as kube_get.
 */
int kube_pod_log(struct strbuf *out, struct kube_client *kc, const char *ns,
		 const char *pod, size_t max, struct error *err);

/* The server URL, for messages. */
const char *kube_client_server(const struct kube_client *kc);

/*
 * The transport: the seam between the client's logic (URLs, credentials,
 * retries, Status mapping, paging, watch-stream parsing) and the network.
 * The client uses libcurl unless a test installs its own transport with
 * kube_client_set_transport(); everything above the transport is then
 * exercised without a network.
 */

/* What one attempt of a request came to. */
enum kube_transport_result {
	KUBE_TRANSPORT_OK = 0, /* a response arrived (any HTTP status) */
	KUBE_TRANSPORT_CONNECT, /* nothing was sent: resolve/connect failed */
	KUBE_TRANSPORT_TLS, /* the server's certificate was not accepted, or
			       the client certificate/CA is unusable */
	KUBE_TRANSPORT_FAILED, /* failed after (perhaps) sending: reset, EOF */
	KUBE_TRANSPORT_TIMEOUT, /* the request's timeout_ms passed */
	KUBE_TRANSPORT_ABORTED /* the body function returned non-zero */
};

/* One HTTP request; everything is borrowed for the call. */
struct kube_http_request {
	const char *method; /* "GET", "POST", "PATCH", "PUT", "DELETE" */
	const char *url; /* absolute, starts with the server URL */
	const char *content_type; /* NULL when there is no body */
	const char *body;
	size_t body_len;
	const char *token; /* bearer token (a secret) or NULL */
	const char *cert_pem; /* client certificate and key (PEM), or NULL */
	size_t cert_len;
	const char *key_pem; /* a secret */
	size_t key_len;
	long timeout_ms; /* 0 = none */
	int stream; /* a watch: the body is consumed as it arrives */
};

/* What the transport fills in. */
struct kube_http_response {
	long status; /* HTTP status; set before the first body call */
	long retry_after_s; /* Retry-After in seconds, -1 when absent */
	char detail[256]; /* the transport's error text (curl's errbuf) */
};

/*
 * Receives the response body in pieces of any size, in order.  Returns 0
 * to go on, non-zero to abort the transfer (the transport then returns
 * KUBE_TRANSPORT_ABORTED).
 */
typedef int (*kube_body_fn)(void *body_ud, const char *data, size_t len);

struct kube_transport {
	/* Perform one attempt; no retries (the client does those). */
	enum kube_transport_result (*send)(void *ud,
					   const struct kube_http_request *req,
					   struct kube_http_response *resp,
					   kube_body_fn body, void *body_ud);
	/* Sleep between retries; NULL = really sleep. */
	void (*sleep_ms)(void *ud, long ms);
	/* A monotonic clock in ms for timeouts and timing; NULL = real. */
	long long (*now_ms)(void *ud);
	void *ud;
};

/*
 * Replace the libcurl transport by t (copied; t->ud is borrowed).  For
 * unit tests; a client with its own transport never opens a connection.
 */
void kube_client_set_transport(struct kube_client *kc,
			       const struct kube_transport *t);

#endif
