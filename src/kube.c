/*
 * kube: placeholder until the Kubernetes client lands.
 */
#include <stdlib.h>

#include "errors.h"
#include "kube.h"

int
kube_client_new(struct kube_client **out, const struct kube_config *cfg,
		const struct kube_client_opts *opts, struct error *err)
{
	(void)out;
	(void)cfg;
	(void)opts;
	return error_set(err, ERR_INTERNAL, "the API client is not built yet");
}

void
kube_client_free(struct kube_client *kc)
{
	free(kc);
}

json_t *
kube_get(struct kube_client *kc, enum kube_kind kind, const char *ns,
	 const char *name, struct error *err)
{
	(void)kc;
	(void)kind;
	(void)ns;
	(void)name;
	error_set(err, ERR_INTERNAL, "the API client is not built yet");
	return NULL;
}

json_t *
kube_list(struct kube_client *kc, enum kube_kind kind, const char *ns,
	  const struct kube_list_opts *opts, struct error *err)
{
	(void)kc;
	(void)kind;
	(void)ns;
	(void)opts;
	error_set(err, ERR_INTERNAL, "the API client is not built yet");
	return NULL;
}

json_t *
kube_create(struct kube_client *kc, enum kube_kind kind, const char *ns,
	    const json_t *obj, enum kube_dry_run dry, struct error *err)
{
	(void)kc;
	(void)kind;
	(void)ns;
	(void)obj;
	(void)dry;
	error_set(err, ERR_INTERNAL, "the API client is not built yet");
	return NULL;
}

int
kube_watch(struct kube_client *kc, enum kube_kind kind, const char *ns,
	   const struct kube_list_opts *opts, const char *resource_version,
	   long timeout_ms, kube_watch_fn fn, void *ud, struct error *err)
{
	(void)kc;
	(void)kind;
	(void)ns;
	(void)opts;
	(void)resource_version;
	(void)timeout_ms;
	(void)fn;
	(void)ud;
	return error_set(err, ERR_INTERNAL, "the API client is not built yet");
}
