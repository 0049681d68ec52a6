/*
 * kubeconfig: find, merge and resolve the client configuration the way
 * kubectl does, and run exec credential plugins.
 *
 * Precedence: --kubeconfig, else $KUBECONFIG (several files separated by
 * ':'; for every map key the first file that sets it wins, current-context
 * comes from the first file that sets it), else ~/.kube/config, else the
 * in-cluster service account (KUBERNETES_SERVICE_HOST/PORT and the files
 * under /var/run/secrets/kubernetes.io/serviceaccount, whose directory can
 * be overridden for tests with CNPGOPS_SERVICEACCOUNT_DIR).
 *
 * libyaml is used only here (and in output.c).
 */
#ifndef CNPGOPS_KUBECONFIG_H
#define CNPGOPS_KUBECONFIG_H

#include <stddef.h>
#include <time.h>

struct error;

/* What the user asked for on the command line; NULL means "not given". */
struct kubeconfig_opts {
	const char *kubeconfig; /* --kubeconfig */
	const char *context; /* --context */
	const char *cluster; /* --cluster (override the context's cluster) */
	const char *user; /* --user (override the context's user) */
	const char *namespace; /* -n/--namespace */
	const char *token; /* --token */
	const char *server; /* --server */
};

/* An exec credential plugin (users[].user.exec). */
struct kubeconfig_exec {
	char *api_version; /* client.authentication.k8s.io/v1 or v1beta1 */
	char *command;
	char **args; /* nargs entries */
	size_t nargs;
	char **env_names; /* nenv entries, with env_values */
	char **env_values;
	size_t nenv;
	char *install_hint;
	int provide_cluster_info;
	char *interactive_mode; /* Never, IfAvailable, Always, or NULL */
};

/* The resolved configuration: one context, its cluster and its user. */
struct kube_config {
	char *source; /* where it came from: file list or "in-cluster" */
	char *context_name; /* NULL in-cluster */
	char *cluster_name;
	char *user_name;

	/* cluster */
	char *server; /* https://host:port[/path], no trailing slash */
	char *ca_pem; /* CA bundle (PEM) read into memory, or NULL */
	size_t ca_len;
	char *ca_file; /* certificate-authority path, for messages */
	int insecure_skip_tls_verify;
	char *tls_server_name;
	char *proxy_url;

	/* user; the secrets are cleared when freed */
	char *client_cert_pem;
	size_t client_cert_len;
	char *client_key_pem;
	size_t client_key_len;
	char *token;
	char *token_file; /* re-read on every client creation */
	struct kubeconfig_exec *exec;
	char *username; /* basic auth, rarely used */
	char *password;

	/* namespace: the flag, else the context's, else "default" */
	char *namespace;
	int namespace_explicit; /* set by -n or the context */
};

/*
 * Find and resolve the configuration.  *out is the caller's, freed with
 * kubeconfig_free().  Errors: ERR_CONFIG for a missing file, a malformed
 * file (reported as "FILE:LINE:COL: problem"), a missing context, cluster
 * or user (each named), or no configuration at all; ERR_IO for unreadable
 * files.
 */
int kubeconfig_load(struct kube_config **out,
		    const struct kubeconfig_opts *opts, struct error *err);

void kubeconfig_free(struct kube_config *cfg);

/* Credentials produced by an exec plugin (ExecCredential status). */
struct kubeconfig_cred {
	char *token;
	char *client_cert_pem;
	char *client_key_pem;
	time_t expiry; /* 0 when the plugin set none */
};

/*
 * Run cfg->exec and parse its ExecCredential.  KUBERNETES_EXEC_INFO is set
 * (with the cluster when provideClusterInfo is true), the plugin's env is
 * added to ours, stdin is passed through only when interactive mode allows
 * it and stdin is a tty.  Errors: ERR_CONFIG with the plugin's stderr and
 * installHint when it cannot be run or fails, or prints something that is
 * not a valid ExecCredential.
 */
int kubeconfig_exec_credential(struct kubeconfig_cred *out,
			       const struct kube_config *cfg,
			       struct error *err);

/* Clear (explicit_bzero) and free the credentials in cred. */
void kubeconfig_cred_release(struct kubeconfig_cred *cred);

#endif
