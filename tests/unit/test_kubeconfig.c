/*
 * kubeconfig: file discovery ($KUBECONFIG, --kubeconfig, ~/.kube/config,
 * in-cluster), kubectl's merge rules, context/cluster/user selection and
 * flag overrides, error messages with FILE:LINE:COL, and exec credential
 * plugins (shell scripts under tests/fixtures/kubeconfig/exec/).  Each test
 * saves the environment variables it touches, starts from a clean slate
 * (HOME pointing at a directory with no kubeconfig) and restores them.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "errors.h"
#include "kubeconfig.h"
#include "strbuf.h"
#include "test.h"
#include "xmalloc.h"

/* An expected string that must be NULL (NULL itself means "not checked"). */
static const char kc_none[] = "(null)";
#define NONE kc_none
/* Tri-state flags: 0 not checked. */
#define YES 1
#define NO  2

static const char *const kc_env_vars[] = {
	"KUBECONFIG",
	"HOME",
	"KUBERNETES_SERVICE_HOST",
	"KUBERNETES_SERVICE_PORT",
	"CNPGOPS_SERVICEACCOUNT_DIR",
	"POD_NAMESPACE",
	"CNPGOPS_TEST_EXEC_DUMP",
	"CNPGOPS_TEST_EXPIRY",
	"PLUGIN_VAR",
};
#define KC_NENV (sizeof(kc_env_vars) / sizeof(kc_env_vars[0]))

struct kc_env {
	char *saved[KC_NENV];
};

/* A path under tests/fixtures/kubeconfig (the caller frees it). */
static char *
fx(const char *rel)
{
	return xasprintf("%s/kubeconfig/%s", test_fixtures_dir(), rel);
}

/* Save and clear the variables; HOME points at a directory with nothing. */
static void
kc_env_enter(struct kc_env *e)
{
	char *home = fx("no-home");
	size_t i;

	for (i = 0; i < KC_NENV; i++) {
		const char *v = getenv(kc_env_vars[i]);

		e->saved[i] = v ? xstrdup(v) : NULL;
		unsetenv(kc_env_vars[i]);
	}
	setenv("HOME", home, 1);
	free(home);
}

static void
kc_env_leave(struct kc_env *e)
{
	size_t i;

	for (i = 0; i < KC_NENV; i++) {
		if (e->saved[i])
			setenv(kc_env_vars[i], e->saved[i], 1);
		else
			unsetenv(kc_env_vars[i]);
		free(e->saved[i]);
	}
}

/* "a:b" of fixture names to a ':' list of paths, keeping empty entries. */
static char *
fx_list(const char *list)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = list, *end;

	for (;;) {
		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		if (end > p)
			strbuf_addf(&sb, "%s/kubeconfig/%.*s",
				    test_fixtures_dir(), (int)(end - p), p);
		if (!*end)
			break;
		strbuf_addch(&sb, ':');
		p = end + 1;
	}
	return strbuf_detach(&sb, NULL);
}

static void
check_str(const char *row, const char *what, const char *got, const char *want,
	  int line)
{
	if (!want)
		return;
	if (want == NONE ? got != NULL : (!got || strcmp(got, want) != 0))
		test_fail(__FILE__, line, "%s: %s: got \"%s\", want \"%s\"",
			  row, what, got ? got : "(null)",
			  want == NONE ? "(null)" : want);
}

static void
check_has(const char *row, const char *what, const char *got, const char *want,
	  int line)
{
	if (want && (!got || !strstr(got, want)))
		test_fail(__FILE__, line,
			  "%s: %s: got \"%s\", want it to contain \"%s\"", row,
			  what, got ? got : "(null)", want);
}

static void
check_suffix(const char *row, const char *what, const char *got,
	     const char *want, int line)
{
	size_t gl, wl;

	if (!want)
		return;
	if (want == NONE) {
		check_str(row, what, got, want, line);
		return;
	}
	gl = got ? strlen(got) : 0;
	wl = strlen(want);
	if (!got || gl < wl || strcmp(got + gl - wl, want) != 0)
		test_fail(__FILE__, line,
			  "%s: %s: got \"%s\", want it to end in \"%s\"", row,
			  what, got ? got : "(null)", want);
}

/* got/len must hold exactly the bytes of the fixture (or be NULL). */
static void
check_fixture(const char *row, const char *what, const char *got, size_t len,
	      const char *fixture, int line)
{
	char *name, *want;
	size_t wlen = 0;

	if (!fixture)
		return;
	if (fixture == NONE) {
		check_str(row, what, got, NONE, line);
		return;
	}
	name = xasprintf("kubeconfig/%s", fixture);
	want = test_read_fixture(name, &wlen);
	if (!got || len != wlen || memcmp(got, want, len) != 0)
		test_fail(__FILE__, line,
			  "%s: %s differs from fixture %s (%zu vs %zu bytes)",
			  row, what, fixture, len, wlen);
	free(want);
	free(name);
}

struct load_case {
	const char *name;
	const char *kubeconfig; /* $KUBECONFIG as fixture names */
	const char *flag; /* --kubeconfig fixture */
	const char *home; /* HOME fixture directory (else "no-home") */
	const char *sa_host; /* KUBERNETES_SERVICE_HOST (port 443) */
	const char *sa_dir; /* CNPGOPS_SERVICEACCOUNT_DIR fixture */
	const char *pod_ns; /* POD_NAMESPACE */
	struct kubeconfig_opts opts;

	enum error_code code;
	const char *msg, *msg2, *hint; /* substrings */

	const char *source; /* fixture list, compared exactly */
	const char *context, *cluster, *user, *server, *ns;
	int ns_explicit;
	const char *token, *token_file; /* token_file: suffix */
	const char *ca, *ca_file; /* ca: fixture; ca_file: suffix */
	const char *cert, *key; /* fixtures */
	const char *cert_file; /* suffix */
	int insecure;
	const char *tls_server_name, *proxy_url, *username, *password;
	int exec;
};

static const struct load_case load_cases[] = {
	{
		.name = "current-context comes from the first file setting it",
		.kubeconfig = "merge-a.yaml:b/merge-b.yaml:merge-c.yaml",
		.source = "merge-a.yaml:b/merge-b.yaml:merge-c.yaml",
		.context = "ctx-b",
		.cluster = "only-b",
		.user = "bob",
		.server = "https://b.example:6443",
		.ca = "b/certs/ca.pem",
		.ca_file = "/kubeconfig/b/certs/ca.pem",
		.cert = "b/certs/client.crt",
		.cert_file = "/kubeconfig/b/certs/client.crt",
		.key = "b/certs/client.key",
		.token = NONE,
		.ns = "default",
		.ns_explicit = NO,
		.insecure = NO,
		.exec = NO,
	},
	{
		.name = "the first file defining a name wins, relative paths "
			"follow it",
		.kubeconfig = "merge-a.yaml:b/merge-b.yaml",
		.opts = { .context = "shared-ctx" },
		.context = "shared-ctx",
		.cluster = "shared",
		.server = "https://a.example:6443",
		.ca = "ca.crt",
		.ca_file = "/kubeconfig/ca.crt",
		.user = "alice",
		.token = "token-from-a",
		.cert = NONE,
		.ns = "default",
		.ns_explicit = NO,
	},
	{
		.name = "the namespace comes from the context",
		.kubeconfig = "merge-a.yaml",
		.opts = { .context = "ctx-a" },
		.ns = "team-a",
		.ns_explicit = YES,
	},
	{
		.name = "--namespace wins over the context's",
		.kubeconfig = "merge-a.yaml",
		.opts = { .context = "ctx-a", .namespace = "ops" },
		.ns = "ops",
		.ns_explicit = YES,
	},
	{
		.name = "--cluster overrides the context's cluster",
		.kubeconfig = "merge-a.yaml:b/merge-b.yaml",
		.opts = { .context = "ctx-a", .cluster = "only-b" },
		.cluster = "only-b",
		.server = "https://b.example:6443",
		.ca = "b/certs/ca.pem",
		.user = "alice",
		.token = "token-from-a",
		.ns = "team-a",
	},
	{
		.name = "--user overrides the context's user; tokenFile is read",
		.kubeconfig = "merge-a.yaml:b/merge-b.yaml",
		.opts = { .context = "ctx-a", .user = "carol" },
		.user = "carol",
		.token = "token-from-file",
		.token_file = "/kubeconfig/b/certs/token",
		.cert = NONE,
	},
	{
		.name = "--token replaces the user's credentials",
		.kubeconfig = "merge-a.yaml:b/merge-b.yaml",
		.opts = { .token = "flag-token" },
		.user = "bob",
		.token = "flag-token",
		.token_file = NONE,
		.cert = NONE,
		.key = NONE,
	},
	{
		.name = "--server overrides the server",
		.kubeconfig = "b/merge-b.yaml",
		.opts = { .server = "https://override.example:8443/" },
		.server = "https://override.example:8443",
		.cluster = "only-b",
	},
	{
		.name = "missing and empty $KUBECONFIG entries are skipped",
		.kubeconfig = "::nope.yaml:b/merge-b.yaml::",
		.source = "b/merge-b.yaml",
		.context = "ctx-b",
	},
	{
		.name = "--kubeconfig wins over $KUBECONFIG",
		.kubeconfig = "merge-a.yaml",
		.flag = "b/merge-b.yaml",
		.source = "b/merge-b.yaml",
		.context = "ctx-b",
	},
	{
		.name = "a missing --kubeconfig file is an error",
		.kubeconfig = "merge-a.yaml",
		.flag = "nope.yaml",
		.code = ERR_CONFIG,
		.msg = "nope.yaml\" (--kubeconfig) does not exist",
		.hint = "drop --kubeconfig",
	},
	{
		.name = "~/.kube/config when $KUBECONFIG is unset",
		.home = "home",
		.source = "home/.kube/config",
		.context = "home-ctx",
		.server = "https://home.example:6443",
		.token = "home-token",
		.ns = "home-ns",
		.ns_explicit = YES,
	},
	{
		.name = "$KUBECONFIG set means ~/.kube/config is not read",
		.kubeconfig = "nope.yaml",
		.home = "home",
		.code = ERR_CONFIG,
		.msg = "no kubeconfig found (looked at KUBECONFIG=",
		.msg2 = "nope.yaml",
		.hint = "set KUBECONFIG=/path/to/kubeconfig or pass --kubeconfig",
	},
	{
		.name = "nothing to load",
		.code = ERR_CONFIG,
		.msg = "no kubeconfig found (looked at ",
		.msg2 = "no-home/.kube/config",
		.hint = "--kubeconfig FILE",
	},
	{
		.name = "--context that does not exist",
		.kubeconfig = "merge-a.yaml:b/merge-b.yaml:merge-c.yaml",
		.opts = { .context = "nope" },
		.code = ERR_CONFIG,
		.msg = "context \"nope\" (--context) not found in kubeconfig "
		       "(files: ",
		.msg2 = "merge-c.yaml)",
		.hint = "available contexts: ctx-a, shared-ctx, ctx-b, ctx-c;",
	},
	{
		.name = "current-context that does not exist",
		.kubeconfig = "refs.yaml",
		.code = ERR_CONFIG,
		.msg = "context \"gone\" (current-context) not found",
		.hint = "available contexts: ctx-nocluster, ctx-nouser, "
			"ctx-badca, ctx-noserver; pass --context NAME",
	},
	{
		.name = "no current-context and no --context",
		.kubeconfig = "merge-a.yaml",
		.code = ERR_CONFIG,
		.msg = "no context selected: current-context is not set",
		.hint = "(available contexts: ctx-a, shared-ctx)",
	},
	{
		.name = "the context's cluster does not exist",
		.kubeconfig = "refs.yaml",
		.opts = { .context = "ctx-nocluster" },
		.code = ERR_CONFIG,
		.msg = "cluster \"ghost\" (of context \"ctx-nocluster\") not "
		       "found in kubeconfig (files: ",
		.hint = "available clusters: real, badca, noserver;",
	},
	{
		.name = "the context's user does not exist",
		.kubeconfig = "refs.yaml",
		.opts = { .context = "ctx-nouser" },
		.code = ERR_CONFIG,
		.msg = "user \"ghost-user\" (of context \"ctx-nouser\") not "
		       "found",
		.hint = "available users: u;",
	},
	{
		.name = "--cluster that does not exist",
		.kubeconfig = "refs.yaml",
		.opts = { .context = "ctx-nouser", .cluster = "nope" },
		.code = ERR_CONFIG,
		.msg = "cluster \"nope\" (--cluster) not found",
	},
	{
		.name = "--user that does not exist",
		.kubeconfig = "merge-a.yaml",
		.opts = { .context = "ctx-a", .user = "nope" },
		.code = ERR_CONFIG,
		.msg = "user \"nope\" (--user) not found",
		.hint = "available users: alice;",
	},
	{
		.name = "an unreadable certificate-authority names the file",
		.kubeconfig = "refs.yaml",
		.opts = { .context = "ctx-badca" },
		.code = ERR_IO,
		.msg = "cluster \"badca\": \"certificate-authority\" (from ",
		.msg2 = "kubeconfig/missing-ca.crt\": No such file",
	},
	{
		.name = "a cluster without a server",
		.kubeconfig = "refs.yaml",
		.opts = { .context = "ctx-noserver" },
		.code = ERR_CONFIG,
		.msg = "cluster \"noserver\" has no server",
		.hint = "--server URL",
	},
	{
		.name = "-data fields are decoded",
		.kubeconfig = "data.yaml",
		.server = "https://data.example:6443",
		.ca = "ca.crt",
		.ca_file = NONE,
		.insecure = YES,
		.tls_server_name = "api.internal.example",
		.proxy_url = "http://proxy.example:3128",
		.cert = "b/certs/client.crt",
		.cert_file = NONE,
		.key = "b/certs/client.key",
		.username = "admin",
		.password = "s3cret",
		.token = NONE,
	},
	{
		.name = "certificate-authority-data wins over the file",
		.kubeconfig = "data.yaml",
		.opts = { .context = "ctx-both" },
		.ca = "ca.crt",
		.ca_file = NONE,
	},
	{
		.name = "invalid base64 is reported at its line",
		.kubeconfig = "data.yaml",
		.opts = { .context = "ctx-bad64" },
		.code = ERR_CONFIG,
		.msg = "data.yaml:21:33: \"certificate-authority-data\" of "
		       "cluster \"bad64\" is not valid base64",
	},
	{
		.name = "malformed YAML is reported as FILE:LINE:COL",
		.kubeconfig = "malformed.yaml",
		.code = ERR_CONFIG,
		.msg = "kubeconfig/malformed.yaml:8:9: did not find expected ',' "
		       "or ']'",
	},
	{
		.name = "clusters that is not a list",
		.kubeconfig = "merge-a.yaml:wrongtype.yaml",
		.code = ERR_CONFIG,
		.msg = "wrongtype.yaml:2:11: \"clusters\" must be a list",
	},
	{
		.name = "a server that is not a string",
		.kubeconfig = "wrongtype-server.yaml",
		.code = ERR_CONFIG,
		.msg = "wrongtype-server.yaml:6:13: \"server\" of cluster \"x\" "
		       "must be a string",
	},
	{
		.name = "auth-provider is refused with a pointer to exec "
			"plugins",
		.kubeconfig = "authprovider.yaml",
		.code = ERR_CONFIG,
		.msg = "authprovider.yaml:15:7: user \"gke-user\" uses "
		       "auth-provider \"gcp\", which is not supported",
		.hint = "gke-gcloud-auth-plugin",
	},
	{
		.name = "--token replaces an auth-provider",
		.kubeconfig = "authprovider.yaml",
		.opts = { .token = "flag-token" },
		.token = "flag-token",
		.user = "gke-user",
	},
	{
		.name = "in-cluster service account",
		.sa_host = "10.96.0.1",
		.sa_dir = "serviceaccount",
		.source = NULL,
		.context = NONE,
		.cluster = NONE,
		.user = NONE,
		.server = "https://10.96.0.1:443",
		.token = "sa-token-123",
		.token_file = "/kubeconfig/serviceaccount/token",
		.ca = "serviceaccount/ca.crt",
		.ca_file = "/kubeconfig/serviceaccount/ca.crt",
		.ns = "cnpg-system",
		.ns_explicit = YES,
	},
	{
		.name = "in-cluster with an IPv6 host and -n",
		.sa_host = "fd00::1",
		.sa_dir = "serviceaccount",
		.opts = { .namespace = "prod" },
		.server = "https://[fd00::1]:443",
		.ns = "prod",
	},
	{
		.name = "in-cluster POD_NAMESPACE wins over the file",
		.sa_host = "10.96.0.1",
		.sa_dir = "serviceaccount",
		.pod_ns = "from-env",
		.ns = "from-env",
	},
	{
		.name = "in-cluster needs the service-account token",
		.sa_host = "10.96.0.1",
		.sa_dir = "no-such-dir",
		.code = ERR_CONFIG,
		.msg = "no kubeconfig found",
	},
	{
		.name = "a kubeconfig wins over in-cluster",
		.kubeconfig = "b/merge-b.yaml",
		.sa_host = "10.96.0.1",
		.sa_dir = "serviceaccount",
		.source = "b/merge-b.yaml",
		.server = "https://b.example:6443",
	},
	{
		.name = "exec without apiVersion",
		.kubeconfig = "exec-bad.yaml",
		.opts = { .context = "noversion" },
		.code = ERR_CONFIG,
		.msg = "exec-bad.yaml:14:11: the exec plugin of user "
		       "\"noversion\" has no \"apiVersion\"",
		.hint = "client.authentication.k8s.io/v1",
	},
	{
		.name = "exec with an unknown interactiveMode",
		.kubeconfig = "exec-bad.yaml",
		.opts = { .context = "badmode" },
		.code = ERR_CONFIG,
		.msg = "exec-bad.yaml:20:24: \"interactiveMode\" of the exec "
		       "plugin of user \"badmode\" must be Never, IfAvailable "
		       "or Always",
	},
	{
		.name = "exec args that are not a list",
		.kubeconfig = "exec-bad.yaml",
		.opts = { .context = "badargs" },
		.code = ERR_CONFIG,
		.msg = "exec-bad.yaml:26:13: \"args\" of the exec plugin of "
		       "user \"badargs\" must be a list of strings",
	},
	{
		.name = "exec plugin configuration is loaded",
		.kubeconfig = "exec.yaml",
		.opts = { .context = "ok" },
		.exec = YES,
		.ca = "ca.crt",
	},
};

static void
kc_setup_env(const struct load_case *c)
{
	char *p;

	if (c->kubeconfig) {
		p = fx_list(c->kubeconfig);
		setenv("KUBECONFIG", p, 1);
		free(p);
	}
	if (c->home) {
		p = fx(c->home);
		setenv("HOME", p, 1);
		free(p);
	}
	if (c->sa_host) {
		setenv("KUBERNETES_SERVICE_HOST", c->sa_host, 1);
		setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	}
	if (c->sa_dir) {
		p = fx(c->sa_dir);
		setenv("CNPGOPS_SERVICEACCOUNT_DIR", p, 1);
		free(p);
	}
	if (c->pod_ns)
		setenv("POD_NAMESPACE", c->pod_ns, 1);
}

static void
check_flag(const char *row, const char *what, int got, int want, int line)
{
	if (want && (want == YES) != (got != 0))
		test_fail(__FILE__, line, "%s: %s: got %d, want %s", row, what,
			  got, want == YES ? "set" : "unset");
}

static void
kc_check_loaded(const struct load_case *c, const struct kube_config *cfg)
{
	const char *n = c->name;
	char *src;

	if (c->source) {
		src = fx_list(c->source);
		check_str(n, "source", cfg->source, src, __LINE__);
		free(src);
	}
	if (c->sa_host && !c->kubeconfig)
		check_str(n, "source", cfg->source, "in-cluster", __LINE__);
	check_str(n, "context", cfg->context_name, c->context, __LINE__);
	check_str(n, "cluster", cfg->cluster_name, c->cluster, __LINE__);
	check_str(n, "user", cfg->user_name, c->user, __LINE__);
	check_str(n, "server", cfg->server, c->server, __LINE__);
	check_str(n, "namespace", cfg->namespace, c->ns, __LINE__);
	check_flag(n, "namespace_explicit", cfg->namespace_explicit,
		   c->ns_explicit, __LINE__);
	check_str(n, "token", cfg->token, c->token, __LINE__);
	check_suffix(n, "token_file", cfg->token_file, c->token_file, __LINE__);
	check_fixture(n, "ca_pem", cfg->ca_pem, cfg->ca_len, c->ca, __LINE__);
	check_suffix(n, "ca_file", cfg->ca_file, c->ca_file, __LINE__);
	check_fixture(n, "client cert", cfg->client_cert_pem,
		      cfg->client_cert_len, c->cert, __LINE__);
	check_suffix(n, "client_cert_file", cfg->client_cert_file, c->cert_file,
		     __LINE__);
	check_fixture(n, "client key", cfg->client_key_pem, cfg->client_key_len,
		      c->key, __LINE__);
	check_flag(n, "insecure", cfg->insecure_skip_tls_verify, c->insecure,
		   __LINE__);
	check_str(n, "tls_server_name", cfg->tls_server_name,
		  c->tls_server_name, __LINE__);
	check_str(n, "proxy_url", cfg->proxy_url, c->proxy_url, __LINE__);
	check_str(n, "username", cfg->username, c->username, __LINE__);
	check_str(n, "password", cfg->password, c->password, __LINE__);
	check_flag(n, "exec", cfg->exec != NULL, c->exec, __LINE__);
}

static void
kubeconfig_load_follows_kubectl_rules(void)
{
	size_t i;

	for (i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		const struct load_case *c = &load_cases[i];
		struct kubeconfig_opts opts = c->opts;
		struct error err = ERROR_INIT;
		struct kube_config *cfg = NULL;
		struct kc_env env;
		char *flag = c->flag ? fx(c->flag) : NULL;
		int rc;

		kc_env_enter(&env);
		kc_setup_env(c);
		opts.kubeconfig = flag;
		rc = kubeconfig_load(&cfg, &opts, &err);
		kc_env_leave(&env);

		if (c->code == ERR_OK) {
			if (rc != 0)
				test_fail(__FILE__, __LINE__,
					  "%s: unexpected error: %s (hint: %s)",
					  c->name, err.msg,
					  err.hint ? err.hint : "");
			else
				kc_check_loaded(c, cfg);
		} else {
			if (rc != -1 || err.code != c->code)
				test_fail(__FILE__, __LINE__,
					  "%s: got rc %d code %d (%s), want "
					  "code %d",
					  c->name, rc, err.code,
					  err.msg ? err.msg : "", c->code);
			check_has(c->name, "message", err.msg, c->msg,
				  __LINE__);
			check_has(c->name, "message", err.msg, c->msg2,
				  __LINE__);
			check_has(c->name, "hint", err.hint, c->hint, __LINE__);
			if (rc == -1 && cfg != NULL)
				test_fail(__FILE__, __LINE__,
					  "%s: *out written on failure",
					  c->name);
		}
		kubeconfig_free(rc == 0 ? cfg : NULL);
		error_clear(&err);
		free(flag);
	}
}

/* Load a context of exec.yaml (abort the test on failure). */
static struct kube_config *
kc_load_exec(const char *context)
{
	struct kubeconfig_opts opts = { 0 };
	struct kube_config *cfg = NULL;
	struct error err = ERROR_INIT;
	char *path = fx("exec.yaml");

	opts.kubeconfig = path;
	opts.context = context;
	if (kubeconfig_load(&cfg, &opts, &err))
		test_fail(__FILE__, __LINE__, "loading context \"%s\": %s",
			  context, err.msg);
	error_clear(&err);
	free(path);
	return cfg;
}

static void
kubeconfig_exec_section_is_parsed(void)
{
	struct kube_config *cfg = kc_load_exec("ok");
	const struct kubeconfig_exec *ex;

	CHECK(cfg != NULL && cfg->exec != NULL);
	if (!cfg || !cfg->exec)
		goto out;
	ex = cfg->exec;
	CHECK_STR(ex->api_version, "client.authentication.k8s.io/v1");
	CHECK(ex->command[0] == '/');
	check_suffix("ok", "command", ex->command, "/kubeconfig/exec/ok.sh",
		     __LINE__);
	CHECK_INT(ex->nargs, 2);
	if (ex->nargs == 2) {
		CHECK_STR(ex->args[0], "alpha");
		CHECK_STR(ex->args[1], "beta gamma");
	}
	CHECK_INT(ex->nenv, 1);
	if (ex->nenv == 1) {
		CHECK_STR(ex->env_names[0], "PLUGIN_VAR");
		CHECK_STR(ex->env_values[0], "from-kubeconfig");
	}
	CHECK_STR(ex->install_hint, "install ok.sh");
	CHECK_STR(ex->interactive_mode, "Never");
	CHECK_INT(ex->provide_cluster_info, 0);
	kubeconfig_free(cfg);

	/* A command without '/' is looked up on PATH, not resolved. */
	cfg = kc_load_exec("missing-path");
	CHECK(cfg && cfg->exec);
	if (cfg && cfg->exec)
		CHECK_STR(cfg->exec->command, "cnpgops-test-no-such-plugin");
out:
	kubeconfig_free(cfg);
}

/* Point stdin at /dev/null (plugins must not see a terminal). */
static int
kc_stdin_null(void)
{
	int saved = dup(0), fd = open("/dev/null", O_RDONLY);

	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	return saved;
}

static void
kc_stdin_restore(int saved)
{
	if (saved >= 0) {
		dup2(saved, 0);
		close(saved);
	}
}

struct exec_case {
	const char *context;
	enum error_code code;
	const char *msg, *msg2, *hint;
	const char *token, *cert, *key;
	long long expiry; /* -1: not checked */
};

static const struct exec_case exec_cases[] = {
	{
		.context = "ok",
		.token = "alpha|beta gamma|from-kubeconfig|1",
		.cert = NONE,
		.key = NONE,
		.expiry = 1795575845,
	},
	{
		.context = "v1beta1",
		.token = NONE,
		.cert = "-----BEGIN CERTIFICATE-----\nZXhlYyBjZXJ0\n-----END "
			"CERTIFICATE-----\n",
		.key = "-----BEGIN PRIVATE KEY-----\nZXhlYyBrZXk=\n-----END "
		       "PRIVATE KEY-----\n",
		.expiry = 1795575845,
	},
	{
		.context = "wrongversion",
		.code = ERR_CONFIG,
		.msg = "returned apiVersion "
		       "\"client.authentication.k8s.io/v1beta1\", but the "
		       "kubeconfig configures "
		       "\"client.authentication.k8s.io/v1\"",
		.hint = "exec.apiVersion",
	},
	{
		.context = "fail",
		.code = ERR_CONFIG,
		.msg = "/kubeconfig/exec/fail.sh\" failed with exit status 3: "
		       "error: the refresh token expired\nrun 'cloud auth "
		       "login' to log in again",
		.hint = "run 'cloud components install auth-plugin'",
	},
	{
		.context = "missing",
		.code = ERR_CONFIG,
		.msg = "/kubeconfig/exec/does-not-exist.sh\" not found",
		.hint = "install the plugin from https://example.com/plugin",
	},
	{
		.context = "missing-path",
		.code = ERR_CONFIG,
		.msg = "exec plugin \"cnpgops-test-no-such-plugin\" not found",
		.hint = "install \"cnpgops-test-no-such-plugin\" (it must be "
			"on PATH)",
	},
	{
		.context = "garbage",
		.code = ERR_CONFIG,
		.msg = "/exec/garbage.sh\" printed invalid ExecCredential "
		       "JSON: line 1 column 7: ",
		.msg2 = "expected near 'Welcome'",
	},
	{
		.context = "nostatus",
		.code = ERR_CONFIG,
		.msg = "returned an ExecCredential without status",
	},
	{
		.context = "wrongkind",
		.code = ERR_CONFIG,
		.msg = "returned kind \"Status\", want \"ExecCredential\"",
	},
	{
		.context = "badexpiry",
		.code = ERR_CONFIG,
		.msg = "invalid expirationTimestamp \"25/11/2026 03:04\"",
	},
	{
		.context = "certonly",
		.code = ERR_CONFIG,
		.msg = "returned clientCertificateData without clientKeyData",
	},
	{
		.context = "big",
		.token = "big-ok",
		.expiry = 0,
	},
	{
		.context = "huge",
		.code = ERR_CONFIG,
		.msg = "printed more than 1 MiB",
	},
	{
		.context = "always",
		.code = ERR_CONFIG,
		.msg = "needs a terminal (interactiveMode Always)",
	},
};

static void
kc_check_exec(const struct exec_case *c, int rc, const struct error *err,
	      const struct kubeconfig_cred *cred)
{
	const char *n = c->context;

	if (c->code == ERR_OK) {
		if (rc != 0) {
			test_fail(__FILE__, __LINE__,
				  "%s: unexpected error: %s", n, err->msg);
			return;
		}
		check_str(n, "token", cred->token, c->token, __LINE__);
		check_str(n, "cert", cred->client_cert_pem, c->cert, __LINE__);
		check_str(n, "key", cred->client_key_pem, c->key, __LINE__);
		if (c->expiry >= 0 && (long long)cred->expiry != c->expiry)
			test_fail(__FILE__, __LINE__,
				  "%s: expiry %lld, want %lld", n,
				  (long long)cred->expiry, c->expiry);
		return;
	}
	if (rc != -1 || err->code != c->code)
		test_fail(__FILE__, __LINE__, "%s: got rc %d code %d (%s)", n,
			  rc, err->code, err->msg ? err->msg : "");
	check_has(n, "message", err->msg, c->msg, __LINE__);
	check_has(n, "message", err->msg, c->msg2, __LINE__);
	check_has(n, "hint", err->hint, c->hint, __LINE__);
	if (cred->token || cred->client_cert_pem || cred->client_key_pem)
		test_fail(__FILE__, __LINE__, "%s: *out written on failure", n);
}

static void
kubeconfig_exec_plugins_produce_credentials_or_errors(void)
{
	size_t i;

	for (i = 0; i < sizeof(exec_cases) / sizeof(exec_cases[0]); i++) {
		const struct exec_case *c = &exec_cases[i];
		struct kubeconfig_cred cred = { 0 };
		struct error err = ERROR_INIT;
		struct kube_config *cfg;
		struct kc_env env;
		int rc = -1, in;

		kc_env_enter(&env);
		/* The kubeconfig's exec env must win over ours. */
		setenv("PLUGIN_VAR", "from-parent", 1);
		cfg = kc_load_exec(c->context);
		in = kc_stdin_null();
		if (cfg)
			rc = kubeconfig_exec_credential(&cred, cfg, &err);
		kc_stdin_restore(in);
		kc_env_leave(&env);
		if (cfg)
			kc_check_exec(c, rc, &err, &cred);
		kubeconfig_cred_release(&cred);
		kubeconfig_free(cfg);
		error_clear(&err);
	}
}

static const struct {
	const char *stamp;
	long long want; /* -1: the plugin's answer is refused */
} expiry_cases[] = {
	{ "2026-11-25T03:04:05Z", 1795575845 },
	{ "2026-11-25T03:04:05.999999999Z", 1795575845 },
	{ "2026-11-25T05:04:05+02:00", 1795575845 },
	{ "2026-11-24T22:34:05-04:30", 1795575845 },
	{ "2024-02-29t12:00:00z", 1709208000 },
	{ "1970-01-01T00:00:00Z", 0 },
	{ "", 0 },
	{ "2026-11-25T03:04:05", -1 },
	{ "2026-11-25 03:04:05Z", -1 },
	{ "2026-13-01T00:00:00Z", -1 },
	{ "2026-11-25T03:04Z", -1 },
	{ "2026-11-25T03:04:05+0200", -1 },
	{ "2026-11-25T03:04:05.Z", -1 },
	{ "yesterday", -1 },
};

static void
kubeconfig_exec_expiry_is_rfc3339_in_utc(void)
{
	struct kube_config *cfg = kc_load_exec("expiry");
	size_t i;
	int in;

	if (!cfg)
		return;
	in = kc_stdin_null();
	for (i = 0; i < sizeof(expiry_cases) / sizeof(expiry_cases[0]); i++) {
		struct kubeconfig_cred cred = { 0 };
		struct error err = ERROR_INIT;
		struct kc_env env;
		int rc;

		kc_env_enter(&env);
		setenv("CNPGOPS_TEST_EXPIRY", expiry_cases[i].stamp, 1);
		rc = kubeconfig_exec_credential(&cred, cfg, &err);
		kc_env_leave(&env);
		if (expiry_cases[i].want < 0) {
			if (rc != -1)
				test_fail(__FILE__, __LINE__,
					  "\"%s\" was accepted as %lld",
					  expiry_cases[i].stamp,
					  (long long)cred.expiry);
			check_has(expiry_cases[i].stamp, "message", err.msg,
				  "invalid expirationTimestamp", __LINE__);
		} else if (rc != 0 ||
			   (long long)cred.expiry != expiry_cases[i].want) {
			test_fail(__FILE__, __LINE__,
				  "\"%s\": rc %d expiry %lld, want %lld (%s)",
				  expiry_cases[i].stamp, rc,
				  (long long)cred.expiry, expiry_cases[i].want,
				  err.msg ? err.msg : "");
		}
		kubeconfig_cred_release(&cred);
		error_clear(&err);
	}
	kc_stdin_restore(in);
	kubeconfig_free(cfg);
}

/* Run the "info" plugin and parse the KUBERNETES_EXEC_INFO it saved. */
static json_t *
kc_exec_info_of(const char *context)
{
	struct kubeconfig_cred cred = { 0 };
	struct error err = ERROR_INIT;
	struct kube_config *cfg;
	struct kc_env env;
	json_error_t jerr;
	json_t *info = NULL;
	const char *tmp = getenv("TMPDIR");
	char *dump = xasprintf("%s/cnpgops-exec-info-XXXXXX",
			       tmp && *tmp ? tmp : "/tmp");
	int fd, in, rc = -1;

	fd = mkstemp(dump);
	if (fd < 0) {
		test_fail(__FILE__, __LINE__, "mkstemp failed");
		free(dump);
		return NULL;
	}
	close(fd);
	cfg = kc_load_exec(context);
	kc_env_enter(&env);
	setenv("CNPGOPS_TEST_EXEC_DUMP", dump, 1);
	in = kc_stdin_null();
	if (cfg)
		rc = kubeconfig_exec_credential(&cred, cfg, &err);
	kc_stdin_restore(in);
	kc_env_leave(&env);
	if (rc != 0)
		test_fail(__FILE__, __LINE__, "%s: %s", context,
			  err.msg ? err.msg : "not loaded");
	else
		CHECK_STR(cred.token, "info-ok");
	if (rc == 0) {
		info = json_load_file(dump, 0, &jerr);
		if (!info)
			test_fail(__FILE__, __LINE__,
				  "%s: KUBERNETES_EXEC_INFO is not JSON: %s",
				  context, jerr.text);
	}
	unlink(dump);
	free(dump);
	kubeconfig_cred_release(&cred);
	kubeconfig_free(cfg);
	error_clear(&err);
	return info;
}

static void
kubeconfig_exec_info_describes_the_cluster(void)
{
	json_t *info = kc_exec_info_of("info"), *spec, *cl;

	if (!info)
		return;
	CHECK_STR(json_string_value(json_object_get(info, "apiVersion")),
		  "client.authentication.k8s.io/v1");
	CHECK_STR(json_string_value(json_object_get(info, "kind")),
		  "ExecCredential");
	spec = json_object_get(info, "spec");
	CHECK(json_is_false(json_object_get(spec, "interactive")));
	cl = json_object_get(spec, "cluster");
	CHECK(json_is_object(cl));
	CHECK_STR(json_string_value(json_object_get(cl, "server")),
		  "https://exec.example:6443");
	CHECK_STR(json_string_value(json_object_get(cl, "tls-server-name")),
		  "api.internal.example");
	/* base64 of tests/fixtures/kubeconfig/ca.crt */
	CHECK_STR(json_string_value(
			  json_object_get(cl, "certificate-authority-data")),
		  "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tClEwRXRRU0JtY205dElIUm9a"
		  "U0IwYjNBZ1pHbHlaV04wYjNKNQotLS0tLUVORCBDRVJUSUZJQ0FURS0tLS0t"
		  "Cg==");
	CHECK(json_object_get(cl, "insecure-skip-tls-verify") == NULL);
	json_decref(info);

	info = kc_exec_info_of("info-nocluster");
	if (!info)
		return;
	spec = json_object_get(info, "spec");
	CHECK(json_is_object(spec));
	CHECK(json_object_get(spec, "cluster") == NULL);
	json_decref(info);
}

static const struct {
	const char *context;
	const char *token; /* what tty.sh saw */
	int prompt_shown; /* its stderr went to ours */
} tty_cases[] = {
	{ "tty-ifavailable", "tty=yes interactive=true", 1 },
	{ "tty-default", "tty=yes interactive=true", 1 },
	{ "tty-always", "tty=yes interactive=true", 1 },
	{ "tty-never", "tty=no interactive=false", 0 },
};

/* Read what the plugin wrote to our stderr (a temporary file). */
static char *
kc_slurp_fd(int fd)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[4096];
	ssize_t n;

	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		strbuf_add(&sb, buf, (size_t)n);
	return strbuf_detach(&sb, NULL);
}

static void
kubeconfig_exec_stdin_is_passed_only_to_interactive_plugins(void)
{
	const char *tmp = getenv("TMPDIR");
	char *errpath = xasprintf("%s/cnpgops-exec-stderr-XXXXXX",
				  tmp && *tmp ? tmp : "/tmp");
	int master, slave = -1, errfd, saved0, saved2;
	size_t i;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) || unlockpt(master) ||
	    (slave = open(ptsname(master), O_RDWR | O_NOCTTY)) < 0) {
		test_fail(__FILE__, __LINE__, "cannot open a pseudo-terminal");
		goto out;
	}
	for (i = 0; i < sizeof(tty_cases) / sizeof(tty_cases[0]); i++) {
		struct kubeconfig_cred cred = { 0 };
		struct error err = ERROR_INIT;
		struct kube_config *cfg = kc_load_exec(tty_cases[i].context);
		char *got;
		int rc = -1;

		errfd = mkstemp(errpath);
		if (!cfg || errfd < 0) {
			test_fail(__FILE__, __LINE__, "%s: setup failed",
				  tty_cases[i].context);
			kubeconfig_free(cfg);
			if (errfd >= 0)
				close(errfd);
			break;
		}
		unlink(errpath);
		memcpy(errpath + strlen(errpath) - 6, "XXXXXX", 6);
		saved0 = dup(0);
		saved2 = dup(2);
		dup2(slave, 0);
		dup2(errfd, 2);
		rc = kubeconfig_exec_credential(&cred, cfg, &err);
		dup2(saved2, 2);
		dup2(saved0, 0);
		close(saved2);
		close(saved0);
		got = kc_slurp_fd(errfd);
		close(errfd);
		if (rc != 0)
			test_fail(__FILE__, __LINE__, "%s: %s",
				  tty_cases[i].context, err.msg);
		else
			check_str(tty_cases[i].context, "token", cred.token,
				  tty_cases[i].token, __LINE__);
		if (!!strstr(got, "tty.sh prompt") != tty_cases[i].prompt_shown)
			test_fail(
				__FILE__, __LINE__,
				"%s: plugin stderr %s our stderr (got \"%s\")",
				tty_cases[i].context,
				tty_cases[i].prompt_shown ? "should reach"
							  : "leaked to",
				got);
		free(got);
		kubeconfig_cred_release(&cred);
		kubeconfig_free(cfg);
		error_clear(&err);
	}
out:
	if (slave >= 0)
		close(slave);
	if (master >= 0)
		close(master);
	free(errpath);
}

static void
kubeconfig_load_accepts_null_options(void)
{
	struct kube_config *cfg = NULL;
	struct error err = ERROR_INIT;
	struct kc_env env;
	char *path = fx("b/merge-b.yaml");
	int rc;

	kc_env_enter(&env);
	setenv("KUBECONFIG", path, 1);
	rc = kubeconfig_load(&cfg, NULL, &err);
	kc_env_leave(&env);
	CHECK_INT(rc, 0);
	if (rc == 0)
		CHECK_STR(cfg->context_name, "ctx-b");
	kubeconfig_free(cfg);
	error_clear(&err);
	free(path);
}

static void
kubeconfig_free_accepts_null(void)
{
	struct kubeconfig_cred cred = { 0 };

	kubeconfig_free(NULL);
	kubeconfig_cred_release(&cred);
	kubeconfig_cred_release(NULL);
	CHECK(cred.token == NULL);
}

const struct test kubeconfig_tests[] = {
	TEST(kubeconfig_load_follows_kubectl_rules),
	TEST(kubeconfig_exec_section_is_parsed),
	TEST(kubeconfig_exec_plugins_produce_credentials_or_errors),
	TEST(kubeconfig_exec_expiry_is_rfc3339_in_utc),
	TEST(kubeconfig_exec_info_describes_the_cluster),
	TEST(kubeconfig_exec_stdin_is_passed_only_to_interactive_plugins),
	TEST(kubeconfig_load_accepts_null_options),
	TEST(kubeconfig_free_accepts_null),
	{ NULL, NULL },
};
