/*
 * kubeconfig: placeholder until the kubeconfig module lands.
 */
#include <stdlib.h>

#include "errors.h"
#include "kubeconfig.h"

int
kubeconfig_load(struct kube_config **out, const struct kubeconfig_opts *opts,
		struct error *err)
{
	(void)out;
	(void)opts;
	return error_set(err, ERR_INTERNAL,
			 "kubeconfig support is not built yet");
}

void
kubeconfig_free(struct kube_config *cfg)
{
	free(cfg);
}

int
kubeconfig_exec_credential(struct kubeconfig_cred *out,
			   const struct kube_config *cfg, struct error *err)
{
	(void)out;
	(void)cfg;
	return error_set(err, ERR_INTERNAL,
			 "exec credentials are not built yet");
}

void
kubeconfig_cred_release(struct kubeconfig_cred *cred)
{
	(void)cred;
}
