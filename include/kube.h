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
	KUBE_OBJECT_STORE /* barmancloud.cnpg.io/v1 objectstores */
};

/* apiVersion ("v1", "postgresql.cnpg.io/v1"), Kind and plural of a kind. */
const char *kube_kind_api_version(enum kube_kind kind);
const char *kube_kind_name(enum kube_kind kind);
const char *kube_kind_plural(enum kube_kind kind);

/* A sink for -v output; lines have no trailing newline, never a secret. */
typedef void (*kube_log_fn)(void *ud, int level, const char *line);

struct kube_client_opts {
	long timeout_ms; /* per request (--request-timeout); 0 = none */
	int verbose; /* 0 quiet, 1 requests, 2 + response codes/timing */
	kube_log_fn log;
	void *log_ud;
	int max_retries; /* 0 means the default (5) */
};

/*
 * Create a client for cfg (borrowed; must outlive the client).  Exec
 * credentials are obtained lazily, cached until expiry and refreshed once
 * on a 401.  Errors: ERR_CONFIG (unreadable token file, exec plugin), ERR_IO.
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

/* GET one object.  Returns a new reference or NULL. */
json_t *kube_get(struct kube_client *kc, enum kube_kind kind, const char *ns,
		 const char *name, struct error *err);

/*
 * List objects (ns NULL = all namespaces), following continue tokens.
 * Returns the List object with every page's items merged.
 */
json_t *kube_list(struct kube_client *kc, enum kube_kind kind, const char *ns,
		  const struct kube_list_opts *opts, struct error *err);

/* POST obj (borrowed).  Returns what the server returned. */
json_t *kube_create(struct kube_client *kc, enum kube_kind kind, const char *ns,
		    const json_t *obj, enum kube_dry_run dry,
		    struct error *err);

/* JSON merge patch (application/merge-patch+json). */
json_t *kube_patch(struct kube_client *kc, enum kube_kind kind, const char *ns,
		   const char *name, const json_t *patch, enum kube_dry_run dry,
		   struct error *err);

/* PUT obj (borrowed) onto its status subresource. */
json_t *kube_update_status(struct kube_client *kc, enum kube_kind kind,
			   const char *ns, const json_t *obj,
			   struct error *err);

/*
 * DELETE with a propagation policy ("Background", "Foreground", "Orphan"
 * or NULL for the server's default).
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
 * Watch objects of a kind in ns from resource_version (NULL: list first
 * and deliver the current objects as "SYNC", then watch from the list's
 * resourceVersion).  A dropped stream is resumed from the last seen
 * resourceVersion.  Gives up with ERR_TIMEOUT after timeout_ms (0: never).
 */
int kube_watch(struct kube_client *kc, enum kube_kind kind, const char *ns,
	       const struct kube_list_opts *opts, const char *resource_version,
	       long timeout_ms, kube_watch_fn fn, void *ud, struct error *err);

/* The server URL, for messages. */
const char *kube_client_server(const struct kube_client *kc);

#endif
