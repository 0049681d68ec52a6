/*
 * kubeconfig: kubectl's precedence and merge rules, selection and
 * overrides, the errors users see, in-cluster configuration, and exec
 * credential plugins (real scripts in tests/fixtures/kubeconfig/).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "kubeconfig.h"
#include "test.h"
#include "xmalloc.h"

#define FX "tests/fixtures/kubeconfig/"

static const char *const saved_vars[] = {
	"KUBECONFIG",
	"HOME",
	"KUBERNETES_SERVICE_HOST",
	"KUBERNETES_SERVICE_PORT",
	"CNPGOPS_SERVICEACCOUNT_DIR",
	NULL,
};

struct env_save {
	char *v[8];
};

static void
env_clear(struct env_save *s)
{
	size_t i;

	for (i = 0; saved_vars[i]; i++) {
		const char *v = getenv(saved_vars[i]);

		s->v[i] = v ? xstrdup(v) : NULL;
		unsetenv(saved_vars[i]);
	}
	setenv("HOME", "/nonexistent-home-for-tests", 1);
}

static void
env_restore(struct env_save *s)
{
	size_t i;

	for (i = 0; saved_vars[i]; i++) {
		if (s->v[i])
			setenv(saved_vars[i], s->v[i], 1);
		else
			unsetenv(saved_vars[i]);
		free(s->v[i]);
	}
}

static struct kube_config *
load(const char *kubeconfig_env, const struct kubeconfig_opts *o,
     struct error *err)
{
	struct kubeconfig_opts none = { 0 };
	struct kube_config *cfg = NULL;

	if (kubeconfig_env)
		setenv("KUBECONFIG", kubeconfig_env, 1);
	if (kubeconfig_load(&cfg, o ? o : &none, err))
		return NULL;
	return cfg;
}

static void
kubeconfig_first_file_wins_per_name(void)
{
	struct env_save s;
	struct error err = ERROR_INIT;
	struct kubeconfig_opts o = { 0 };
	struct kube_config *cfg;

	env_clear(&s);
	/* current-context from the first file that sets it: a.yaml's prod */
	cfg = load(FX "missing.yaml:" FX "a.yaml:" FX "b.yaml", NULL, &err);
	CHECK(cfg != NULL);
	if (cfg) {
		CHECK_STR(cfg->context_name, "prod");
		CHECK_STR(cfg->server, "https://prod.example:6443");
		CHECK_STR(cfg->namespace, "payments");
		CHECK(cfg->namespace_explicit);
		CHECK_STR(cfg->tls_server_name, "kubernetes.default.svc");
		/* relative paths resolve against the defining file */
		CHECK_STR(cfg->ca_file, FX "sub/ca.pem");
		CHECK(cfg->ca_pem && strstr(cfg->ca_pem, "ca") != NULL);
		CHECK(cfg->client_cert_pem &&
		      strstr(cfg->client_cert_pem, "client") != NULL);
		CHECK(cfg->client_key_pem &&
		      strstr(cfg->client_key_pem, "PRIVATE KEY") != NULL);
		CHECK(cfg->token == NULL);
	}
	kubeconfig_free(cfg);
	/* "shared" is defined by both files: a.yaml's wins */
	o.context = "shared";
	o.user = "robot";
	cfg = load(FX "a.yaml:" FX "b.yaml", &o, &err);
	CHECK(cfg != NULL);
	if (cfg) {
		CHECK_STR(cfg->server, "https://from-a.example");
		CHECK_STR(cfg->token, "s3cr3t-token");
		CHECK_STR(cfg->namespace, "default");
		CHECK(!cfg->namespace_explicit);
	}
	kubeconfig_free(cfg);
	error_clear(&err);
	env_restore(&s);
}

static void
kubeconfig_flags_override_the_context(void)
{
	struct env_save s;
	struct error err = ERROR_INIT;
	struct kubeconfig_opts o = { 0 };
	struct kube_config *cfg;

	env_clear(&s);
	o.kubeconfig = FX "b.yaml";
	o.namespace = "ops";
	o.server = "https://override.example/";
	o.token = "flag-token";
	cfg = load("should-be-ignored", &o, &err);
	CHECK(cfg != NULL);
	if (cfg) {
		CHECK_STR(cfg->context_name, "staging");
		CHECK_STR(cfg->server, "https://override.example");
		CHECK_STR(cfg->namespace, "ops");
		CHECK_STR(cfg->token, "flag-token");
		CHECK(cfg->insecure_skip_tls_verify);
		CHECK(cfg->ca_pem &&
		      strncmp(cfg->ca_pem, "-----BEGIN", 10) == 0);
	}
	kubeconfig_free(cfg);
	o.server = NULL;
	o.token = NULL;
	o.user = "eks";
	cfg = load(NULL, &o, &err);
	CHECK(cfg != NULL && cfg->exec != NULL);
	if (cfg && cfg->exec) {
		CHECK_STR(cfg->exec->command, "aws");
		CHECK_INT(cfg->exec->nargs, 4);
		CHECK_STR(cfg->exec->args[3], "prod");
		CHECK_INT(cfg->exec->nenv, 1);
		CHECK_STR(cfg->exec->env_names[0], "AWS_PROFILE");
		CHECK_STR(cfg->exec->install_hint, "install the AWS CLI");
		CHECK(cfg->exec->provide_cluster_info);
	}
	kubeconfig_free(cfg);
	error_clear(&err);
	env_restore(&s);
}

static void
kubeconfig_errors_name_what_is_missing(void)
{
	static const struct {
		const char *env, *flag, *context, *user, *msg, *hint;
	} rows[] = {
		{ FX "a.yaml", NULL, "nope", NULL,
		  "context 'nope' not found in kubeconfig (" FX "a.yaml)",
		  "use one of the contexts: prod, broken" },
		{ FX "a.yaml", NULL, "broken", NULL,
		  "cluster 'nowhere' of context 'broken' not found in "
		  "kubeconfig (" FX "a.yaml)",
		  "clusters defined: prod-cluster, shared" },
		{ FX "a.yaml:" FX "b.yaml", NULL, "shared", NULL,
		  "user 'ghost' of context 'shared' not found in kubeconfig "
		  "(" FX "a.yaml:" FX "b.yaml)",
		  NULL },
		{ NULL, FX "malformed.yaml", NULL, NULL,
		  FX "malformed.yaml:7:1: found unexpected end of stream while "
		     "scanning a quoted scalar (started at 5:13)",
		  NULL },
		{ NULL, FX "absent.yaml", NULL, NULL,
		  "kubeconfig '" FX "absent.yaml' (from --kubeconfig) does not "
		  "exist",
		  NULL },
		{ FX "b.yaml", NULL, NULL, "legacy-gke",
		  "user 'legacy-gke' uses the auth-provider 'gcp', which kubectl "
		  "no longer supports",
		  NULL },
		{ FX "absent-1.yaml:" FX "absent-2.yaml", NULL, NULL, NULL,
		  "no kubeconfig found", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct env_save s;
		struct error err = ERROR_INIT;
		struct kubeconfig_opts o = { 0 };
		struct kube_config *cfg;

		env_clear(&s);
		o.kubeconfig = rows[i].flag;
		o.context = rows[i].context;
		o.user = rows[i].user;
		cfg = load(rows[i].env, &o, &err);
		CHECK(cfg == NULL);
		CHECK_INT(err.code, ERR_CONFIG);
		CHECK_STR(err.msg, rows[i].msg);
		if (rows[i].hint)
			CHECK_STR(err.hint, rows[i].hint);
		kubeconfig_free(cfg);
		error_clear(&err);
		env_restore(&s);
	}
}

static void
kubeconfig_in_cluster_uses_the_service_account(void)
{
	struct env_save s;
	struct error err = ERROR_INIT;
	struct kube_config *cfg;

	env_clear(&s);
	setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	setenv("CNPGOPS_SERVICEACCOUNT_DIR", FX "sa", 1);
	cfg = load(NULL, NULL, &err);
	CHECK(cfg != NULL);
	if (cfg) {
		CHECK_STR(cfg->source, "in-cluster");
		CHECK_STR(cfg->server, "https://10.96.0.1:443");
		CHECK_STR(cfg->token_file, FX "sa/token");
		CHECK_STR(cfg->namespace, "jobs");
		CHECK_STR(cfg->ca_pem, "ca\n");
	}
	kubeconfig_free(cfg);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	cfg = load(NULL, NULL, &err);
	CHECK(cfg != NULL);
	if (cfg)
		CHECK_STR(cfg->server, "https://[fd00::1]:443");
	kubeconfig_free(cfg);
	error_clear(&err);
	env_restore(&s);
}

static struct kube_config *
exec_config(const char *script, const char *api_version)
{
	struct kube_config *cfg = xcalloc(1, sizeof(*cfg));

	cfg->server = xstrdup("https://127.0.0.1:6443");
	cfg->ca_pem = xstrdup("PEM");
	cfg->ca_len = 3;
	cfg->exec = xcalloc(1, sizeof(*cfg->exec));
	cfg->exec->command = xstrdup(script);
	cfg->exec->api_version = xstrdup(api_version);
	cfg->exec->args = xcalloc(2, sizeof(char *));
	cfg->exec->args[0] = xstrdup("arg1");
	cfg->exec->nargs = 1;
	cfg->exec->env_names = xcalloc(1, sizeof(char *));
	cfg->exec->env_values = xcalloc(1, sizeof(char *));
	cfg->exec->interactive_mode = xstrdup("Never");
	cfg->exec->install_hint = xstrdup("ask the platform team");
	cfg->exec->provide_cluster_info = 1;
	return cfg;
}

static void
kubeconfig_exec_plugin_gives_a_token(void)
{
	struct kube_config *cfg = exec_config(
		FX "plugin-ok.sh", "client.authentication.k8s.io/v1");
	struct kubeconfig_cred cred = { 0 };
	struct error err = ERROR_INIT;
	char info_path[] = "/tmp/cnpgops-exec-info-XXXXXX";
	int fd = mkstemp(info_path);
	char *info;

	CHECK(fd >= 0);
	close(fd);
	setenv("EXEC_INFO_OUT", info_path, 1);
	CHECK_INT(kubeconfig_exec_credential(&cred, cfg, &err), 0);
	CHECK_STR(cred.token, "tok-arg1");
	CHECK_INT((long long)cred.expiry, 1893553445LL);
	{
		FILE *fp = fopen(info_path, "r");
		char buf[4096] = "";
		size_t n = fp ? fread(buf, 1, sizeof(buf) - 1, fp) : 0;

		if (fp)
			fclose(fp);
		buf[n] = '\0';
		info = xstrdup(buf);
	}
	CHECK(strstr(info, "\"kind\":\"ExecCredential\"") != NULL);
	CHECK(strstr(info, "\"server\":\"https://127.0.0.1:6443\"") != NULL);
	CHECK(strstr(info, "\"certificate-authority-data\":\"UEVN\"") != NULL);
	CHECK(strstr(info, "\"interactive\":false") != NULL);
	free(info);
	unlink(info_path);
	unsetenv("EXEC_INFO_OUT");
	kubeconfig_cred_release(&cred);
	kubeconfig_free(cfg);
	error_clear(&err);
}

static void
kubeconfig_exec_plugin_failures_are_explained(void)
{
	static const struct {
		const char *script, *version, *msg;
	} rows[] = {
		{ FX "plugin-fail.sh", "client.authentication.k8s.io/v1",
		  "exec plugin '" FX "plugin-fail.sh' failed with exit status "
		  "5: error: SSO session expired" },
		{ FX "plugin-garbage.sh", "client.authentication.k8s.io/v1",
		  "exec plugin '" FX "plugin-garbage.sh' printed no valid "
		  "ExecCredential: '[' or '{' expected near 'this'" },
		{ FX "plugin-absent.sh", "client.authentication.k8s.io/v1",
		  "exec plugin '" FX "plugin-absent.sh' could not be run: "
		  "command not found" },
		{ FX "plugin-v1beta1.sh", "client.authentication.k8s.io/v1",
		  "exec plugin '" FX "plugin-v1beta1.sh' answered with "
		  "apiVersion 'client.authentication.k8s.io/v1beta1', not "
		  "'client.authentication.k8s.io/v1' as the kubeconfig asks" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct kube_config *cfg =
			exec_config(rows[i].script, rows[i].version);
		struct kubeconfig_cred cred = { 0 };
		struct error err = ERROR_INIT;

		CHECK_INT(kubeconfig_exec_credential(&cred, cfg, &err), -1);
		CHECK_INT(err.code, ERR_CONFIG);
		CHECK_STR(err.msg, rows[i].msg);
		CHECK_STR(err.hint, "ask the platform team");
		kubeconfig_free(cfg);
		error_clear(&err);
	}
}

static void
kubeconfig_exec_plugin_certificates_and_noise(void)
{
	struct kube_config *cfg = exec_config(
		FX "plugin-v1beta1.sh", "client.authentication.k8s.io/v1beta1");
	struct kubeconfig_cred cred = { 0 };
	struct error err = ERROR_INIT;

	CHECK_INT(kubeconfig_exec_credential(&cred, cfg, &err), 0);
	CHECK_STR(cred.client_cert_pem, "CERT");
	CHECK_STR(cred.client_key_pem, "KEY");
	CHECK(cred.token == NULL);
	kubeconfig_cred_release(&cred);
	kubeconfig_free(cfg);
	cfg = exec_config(FX "plugin-noisy.sh",
			  "client.authentication.k8s.io/v1");
	CHECK_INT(kubeconfig_exec_credential(&cred, cfg, &err), 0);
	CHECK_STR(cred.token, "after-noise");
	kubeconfig_cred_release(&cred);
	kubeconfig_free(cfg);
	error_clear(&err);
}

const struct test kubeconfig_tests[] = {
	TEST(kubeconfig_first_file_wins_per_name),
	TEST(kubeconfig_flags_override_the_context),
	TEST(kubeconfig_errors_name_what_is_missing),
	TEST(kubeconfig_in_cluster_uses_the_service_account),
	TEST(kubeconfig_exec_plugin_gives_a_token),
	TEST(kubeconfig_exec_plugin_failures_are_explained),
	TEST(kubeconfig_exec_plugin_certificates_and_noise),
	{ NULL, NULL },
};
