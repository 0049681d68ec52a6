/*
 * kubeconfig: find, merge and resolve the client configuration the way
 * kubectl does, and run exec credential plugins.
 *
 * Precedence: --kubeconfig, else $KUBECONFIG (several files separated by
 * ':'; for every map key the first file that sets it wins, current-context
 * comes from the first file that sets it), else ~/.kube/config, else the
 * in-cluster service account (KUBERNETES_SERVICE_HOST/PORT and the files
 * under /var/run/secrets/kubernetes.io/serviceaccount, whose directory can
 * be overridden for tests with CNPGOPS_SERVICEACCOUNT_DIR).  Missing files in
 * $KUBECONFIG are skipped (as kubectl does); a missing --kubeconfig file is
 * an error.  Relative paths in a file (certificate-authority,
 * client-certificate, client-key, tokenFile, and an exec command that
 * contains a '/') are resolved against that file's directory.
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
	char *source; /* where it came from: "a:b" file list or "in-cluster" */
	char *context_name; /* NULL in-cluster */
	char *cluster_name; /* NULL in-cluster */
	char *user_name; /* NULL in-cluster or when the context names none */

	/* cluster */
	char *server; /* https://host:port[/path], no trailing slash */
	char *ca_pem; /* CA bundle (PEM) read into memory, or NULL */
	size_t ca_len;
	char *ca_file; /* certificate-authority path, for messages; NULL when
			  the CA came from certificate-authority-data */
	int insecure_skip_tls_verify;
	char *tls_server_name;
	char *proxy_url;

	/*
	 * user; the secrets are cleared when freed.  The *-data fields win
	 * over the file fields (as in client-go); files are read at load.
	 * --token replaces every credential of the user (exec included).
	 */
	char *client_cert_pem;
	size_t client_cert_len;
	char *client_key_pem;
	size_t client_key_len;
	/*
	 * token: the inline token, else the contents of tokenFile read at
	 * load time (trailing white space removed).  token_file keeps the
	 * resolved path so the client can re-read it (service-account tokens
	 * rotate); it is set even when an inline token wins.
	 */
	char *token;
	char *token_file; /* re-read on every client creation */
	/*
	 * NULL unless users[].user.exec.  client-go runs the plugin only when
	 * the user has no token, basic auth or client certificate; the
	 * client should do the same.  interactiveMode absent means
	 * IfAvailable (kubectl requires it for v1; we are lenient).
	 */
	struct kubeconfig_exec *exec;
	char *username; /* basic auth, rarely used */
	char *password;

	/* namespace: the flag, else the context's, else "default" */
	char *namespace;
	int namespace_explicit; /* set by -n, the context, or in-cluster by
				   POD_NAMESPACE or the service account */

	/* Added fields (after the original contract). */
	char *client_cert_file; /* client-certificate path, for messages */
	char *client_key_file; /* client-key path, for messages */
};

/*
 * Find and resolve the configuration.  *out is the caller's, freed with
 * kubeconfig_free().  Errors: ERR_CONFIG for a missing file, a malformed
 * file (reported as "FILE:LINE:COL: problem"), a value of the wrong type
 * ("FILE:LINE:COL: ..."), a missing context, cluster or user (each named,
 * with the available names in the hint), a user with a legacy
 * auth-provider (refused; the hint names the exec plugins to use), or no
 * configuration at all; ERR_IO for unreadable files (a CA, certificate,
 * key or token file named by the kubeconfig).
 */
int kubeconfig_load(struct kube_config **out,
		    const struct kubeconfig_opts *opts, struct error *err);

/* Free cfg (NULL is fine), clearing the secrets with explicit_bzero. */
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
 * it and stdin is a tty.  The plugin runs with fork/execvpe (no shell);
 * stdout is capped at 1 MiB, stderr at 64 KiB; there is no timeout (as in
 * kubectl).  In that interactive case the plugin's stderr goes straight to
 * ours (login prompts must reach the user, as with kubectl) and is not in
 * the error message; otherwise it is captured for the message.  *out is filled
 * only on success and released with kubeconfig_cred_release().  Errors:
 * ERR_CONFIG with the plugin's stderr and installHint when it cannot be run or
 * fails, or prints something that is not a valid ExecCredential (wrong kind or
 * apiVersion, no status, neither token nor certificate and key, bad
 * expirationTimestamp); ERR_INTERNAL when cfg has no exec plugin; ERR_IO for
 * pipe/fork failures.
 */
int kubeconfig_exec_credential(struct kubeconfig_cred *out,
			       const struct kube_config *cfg,
			       struct error *err);

/* Clear (explicit_bzero) and free the credentials in cred. */
void kubeconfig_cred_release(struct kubeconfig_cred *cred);

/*
 * Parse len bytes of an exec plugin's output as the ExecCredential of
 * api_version, as kubeconfig_exec_credential does (for tests and
 * fuzzing).  Errors: ERR_CONFIG.
 */
int kubeconfig_exec_parse(struct kubeconfig_cred *out, const char *api_version,
			  const char *data, size_t len, struct error *err);

#endif
