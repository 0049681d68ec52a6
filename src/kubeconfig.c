/*
 * kubeconfig: find, merge and resolve the client configuration the way
 * kubectl does (client-go's clientcmd rules), and run exec credential
 * plugins.  Files are parsed with libyaml into json_t (scalars stay
 * strings) so that the merge and the lookups are simple; parse errors keep
 * libyaml's line and column.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

#include "base64.h"
#include "errors.h"
#include "kubeconfig.h"
#include "strbuf.h"
#include "timefmt.h"
#include "xmalloc.h"

#define MAX_FILE_SIZE	 ((size_t)16 << 20)
#define MAX_YAML_NODES	 200000
#define MAX_YAML_DEPTH	 64
#define MAX_EXEC_STDOUT	 ((size_t)1 << 20)
#define MAX_EXEC_STDERR	 ((size_t)64 << 10)
#define SA_DIR		 "/var/run/secrets/kubernetes.io/serviceaccount"
#define EXEC_DEFAULT_API "client.authentication.k8s.io/v1"

/* Read a whole file (capped) into a NUL-terminated buffer. */
static char *
read_file(size_t *out_len, const char *path, const char *what,
	  struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	char buf[8192];
	FILE *fp = fopen(path, "rb");
	size_t n;

	if (!fp) {
		error_set(err, errno == ENOENT ? ERR_CONFIG : ERR_IO,
			  "cannot read %s '%s': %s", what, path,
			  strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		if (sb.len + n > MAX_FILE_SIZE) {
			fclose(fp);
			strbuf_release_secret(&sb);
			error_set(err, ERR_CONFIG,
				  "%s '%s' is larger than 16 MiB", what, path);
			return NULL;
		}
		strbuf_add(&sb, buf, n);
	}
	if (ferror(fp)) {
		fclose(fp);
		strbuf_release_secret(&sb);
		error_set(err, ERR_IO, "cannot read %s '%s'", what, path);
		return NULL;
	}
	fclose(fp);
	explicit_bzero(buf, sizeof(buf));
	return strbuf_detach(&sb, out_len);
}

/* libyaml document node -> json_t, scalars as strings. */
static json_t *
node_to_json(yaml_document_t *doc, yaml_node_t *node, int depth, long *budget)
{
	json_t *v;

	if (!node || depth > MAX_YAML_DEPTH || --*budget < 0)
		return NULL;
	switch (node->type) {
	case YAML_SCALAR_NODE: {
		const char *s = (const char *)node->data.scalar.value;
		size_t len = node->data.scalar.length;

		/* a plain null-like scalar is null, as YAML readers do */
		if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
		    (len == 0 || strcmp(s, "null") == 0 ||
		     strcmp(s, "~") == 0 || strcmp(s, "Null") == 0 ||
		     strcmp(s, "NULL") == 0))
			return json_null();
		return json_stringn(s, len);
	}
	case YAML_SEQUENCE_NODE: {
		yaml_node_item_t *it;

		v = json_array();
		for (it = node->data.sequence.items.start;
		     it < node->data.sequence.items.top; it++) {
			json_t *c = node_to_json(
				doc, yaml_document_get_node(doc, *it),
				depth + 1, budget);

			if (!c) {
				json_decref(v);
				return NULL;
			}
			json_array_append_new(v, c);
		}
		return v;
	}
	case YAML_MAPPING_NODE: {
		yaml_node_pair_t *p;

		v = json_object();
		for (p = node->data.mapping.pairs.start;
		     p < node->data.mapping.pairs.top; p++) {
			yaml_node_t *k = yaml_document_get_node(doc, p->key);
			json_t *c;

			if (!k || k->type != YAML_SCALAR_NODE) {
				json_decref(v);
				return NULL;
			}
			c = node_to_json(doc,
					 yaml_document_get_node(doc, p->value),
					 depth + 1, budget);
			if (!c) {
				json_decref(v);
				return NULL;
			}
			json_object_setn_new(v,
					     (const char *)k->data.scalar.value,
					     k->data.scalar.length, c);
		}
		return v;
	}
	default:
		return NULL;
	}
}

/* Parse one kubeconfig file into json_t (an object). */
static json_t *
parse_file(const char *path, struct error *err)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	size_t len = 0;
	char *text = read_file(&len, path, "kubeconfig", err);
	json_t *v = NULL;
	yaml_node_t *root;
	long budget = MAX_YAML_NODES;

	if (!text)
		return NULL;
	if (!yaml_parser_initialize(&parser)) {
		free_secret_len(text, len);
		error_set(err, ERR_INTERNAL,
			  "cannot initialise the yaml parser");
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		if (parser.context)
			error_set(err, ERR_CONFIG,
				  "%s:%zu:%zu: %s %s (started at %zu:%zu)",
				  path, parser.problem_mark.line + 1,
				  parser.problem_mark.column + 1,
				  parser.problem ? parser.problem
						 : "invalid YAML",
				  parser.context, parser.context_mark.line + 1,
				  parser.context_mark.column + 1);
		else
			error_set(err, ERR_CONFIG, "%s:%zu:%zu: %s", path,
				  parser.problem_mark.line + 1,
				  parser.problem_mark.column + 1,
				  parser.problem ? parser.problem
						 : "invalid YAML");
		error_hint(err, "fix the file, or point --kubeconfig or "
				"KUBECONFIG at another one");
		yaml_parser_delete(&parser);
		free_secret_len(text, len);
		return NULL;
	}
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		v = json_object(); /* an empty file is an empty config */
	} else {
		v = node_to_json(&doc, root, 0, &budget);
		if (!v || !json_is_object(v)) {
			json_decref(v);
			v = NULL;
			error_set(
				err, ERR_CONFIG,
				"%s: not a kubeconfig (the top level must be "
				"a mapping of plain keys, at most %d deep and "
				"%d nodes)",
				path, MAX_YAML_DEPTH, MAX_YAML_NODES);
		}
	}
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	free_secret_len(text, len);
	return v;
}

/* One named entry (cluster, context, user) and where it was defined. */
struct entry {
	char *name;
	json_t *body; /* the "cluster"/"context"/"user" mapping */
	char *dir; /* directory of the defining file */
	char *file;
};

struct merged {
	struct entry *clusters, *contexts, *users;
	size_t nclusters, ncontexts, nusers;
	char *current_context;
	struct strbuf files; /* for messages */
};

static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static const struct entry *
find_entry(const struct entry *e, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(e[i].name, name) == 0)
			return &e[i];
	return NULL;
}

/* Add the entries of list `key` (clusters, ...) unless already defined. */
static int
merge_list(struct entry **list, size_t *n, const json_t *file, const char *key,
	   const char *inner, const char *path, struct error *err)
{
	const json_t *arr = json_object_get(file, key), *it;
	size_t i;

	if (json_is_null(arr) || !arr)
		return 0;
	if (!json_is_array(arr))
		return error_set(err, ERR_CONFIG, "%s: '%s' must be a list",
				 path, key);
	json_array_foreach(arr, i, it)
	{
		const char *name =
			json_string_value(json_object_get(it, "name"));
		const json_t *body = json_object_get(it, inner);

		if (!name)
			return error_set(err, ERR_CONFIG,
					 "%s: %s[%zu] has no name", path, key,
					 i);
		if (body && !json_is_null(body) && !json_is_object(body))
			return error_set(err, ERR_CONFIG,
					 "%s: %s[%zu].%s must be a mapping",
					 path, key, i, inner);
		if (find_entry(*list, *n, name))
			continue; /* the first file to define a name wins */
		*list = xreallocarray(*list, *n + 1, sizeof(**list));
		(*list)[*n].name = xstrdup(name);
		(*list)[*n].body = json_is_object(body) ? json_deep_copy(body)
							: json_object();
		(*list)[*n].dir = dir_of(path);
		(*list)[*n].file = xstrdup(path);
		(*n)++;
	}
	return 0;
}

static void
entries_free(struct entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(e[i].name);
		json_decref(e[i].body);
		free(e[i].dir);
		free(e[i].file);
	}
	free(e);
}

static void
merged_release(struct merged *m)
{
	entries_free(m->clusters, m->nclusters);
	entries_free(m->contexts, m->ncontexts);
	entries_free(m->users, m->nusers);
	free(m->current_context);
	strbuf_release(&m->files);
}

static int
merge_file(struct merged *m, const char *path, struct error *err)
{
	json_t *f = parse_file(path, err);
	const char *cur;
	int rc = -1;

	if (!f)
		return -1;
	strbuf_addf(&m->files, "%s%s", m->files.len ? ":" : "", path);
	if (merge_list(&m->clusters, &m->nclusters, f, "clusters", "cluster",
		       path, err) ||
	    merge_list(&m->contexts, &m->ncontexts, f, "contexts", "context",
		       path, err) ||
	    merge_list(&m->users, &m->nusers, f, "users", "user", path, err))
		goto out;
	cur = json_string_value(json_object_get(f, "current-context"));
	if (cur && *cur && !m->current_context)
		m->current_context = xstrdup(cur);
	rc = 0;
out:
	json_decref(f);
	return rc;
}

static int
file_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/*
 * Which files to read: --kubeconfig (must exist), else $KUBECONFIG
 * (missing files skipped), else ~/.kube/config.  Returns the number of
 * files merged; 0 means "none found" (in-cluster may apply).
 */
static int
load_files(struct merged *m, const char *flag, struct error *err)
{
	const char *env = getenv("KUBECONFIG");
	const char *home = getenv("HOME");
	int n = 0;

	if (flag) {
		if (!file_exists(flag))
			return error_set(err, ERR_CONFIG,
					 "kubeconfig '%s' (from --kubeconfig) "
					 "does not exist",
					 flag);
		return merge_file(m, flag, err) ? -1 : 1;
	}
	if (env && *env) {
		char *copy = xstrdup(env), *p = copy, *colon;

		for (;;) {
			colon = strchr(p, ':');
			if (colon)
				*colon = '\0';
			if (*p && file_exists(p)) {
				if (merge_file(m, p, err)) {
					free(copy);
					return -1;
				}
				n++;
			}
			if (!colon)
				break;
			p = colon + 1;
		}
		free(copy);
		return n;
	}
	if (home && *home) {
		char *path = xasprintf("%s/.kube/config", home);

		if (file_exists(path)) {
			n = merge_file(m, path, err) ? -1 : 1;
		}
		free(path);
	}
	return n;
}

static const char *
str(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s && *s ? s : NULL;
}

static int
truthy(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	const char *s = json_string_value(v);

	return json_is_true(v) ||
	       (s && (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
		      strcmp(s, "yes") == 0));
}

/* A path from a kubeconfig file, resolved against that file's directory. */
static char *
resolve_path(const char *p, const char *dir)
{
	if (p[0] == '/' || !dir)
		return xstrdup(p);
	if (p[0] == '~' && p[1] == '/' && getenv("HOME"))
		return xasprintf("%s%s", getenv("HOME"), p + 1);
	return xasprintf("%s/%s", dir, p);
}

/* Fill *out (and *out_len) from "<key>-data" (base64) or "<key>" (file). */
static int
load_pem(char **out, size_t *out_len, char **out_path, const json_t *body,
	 const char *key, const char *dir, const char *what, struct error *err)
{
	char *datakey = xasprintf("%s-data", key);
	const char *data = str(body, datakey);
	const char *file = str(body, key);
	int rc = 0;

	if (data) {
		char *label = xasprintf("%s (%s)", what, datakey);

		*out = base64_decode(out_len, data, strlen(data), label, err);
		free(label);
		rc = *out ? 0 : -1;
	} else if (file) {
		char *path = resolve_path(file, dir);

		*out = read_file(out_len, path, what, err);
		if (out_path && *out)
			*out_path = xstrdup(path);
		free(path);
		rc = *out ? 0 : -1;
	}
	free(datakey);
	return rc;
}

static char **
string_list(const json_t *arr, size_t *n)
{
	char **v = xcalloc(json_array_size(arr) + 1, sizeof(char *));
	const json_t *it;
	size_t i;

	*n = 0;
	json_array_foreach(arr, i, it) if (json_is_string(it)) v[(*n)++] =
		xstrdup(json_string_value(it));
	return v;
}

static int
load_exec(struct kube_config *cfg, const json_t *exec, const char *dir,
	  struct error *err)
{
	struct kubeconfig_exec *e = xcalloc(1, sizeof(*e));
	const char *cmd = str(exec, "command");
	const json_t *env = json_object_get(exec, "env"), *it;
	size_t i;

	cfg->exec = e;
	if (!cmd)
		return error_set(err, ERR_CONFIG,
				 "user '%s' has an exec plugin without a "
				 "command",
				 cfg->user_name);
	/* a relative command with a slash is relative to the file */
	e->command = strchr(cmd, '/') ? resolve_path(cmd, dir) : xstrdup(cmd);
	e->api_version =
		xstrdup(str(exec, "apiVersion") ? str(exec, "apiVersion")
						: EXEC_DEFAULT_API);
	e->args = string_list(json_object_get(exec, "args"), &e->nargs);
	e->install_hint = str(exec, "installHint")
				  ? xstrdup(str(exec, "installHint"))
				  : NULL;
	e->provide_cluster_info = truthy(exec, "provideClusterInfo");
	e->interactive_mode = str(exec, "interactiveMode")
				      ? xstrdup(str(exec, "interactiveMode"))
				      : NULL;
	e->env_names = xcalloc(json_array_size(env) + 1, sizeof(char *));
	e->env_values = xcalloc(json_array_size(env) + 1, sizeof(char *));
	json_array_foreach(env, i, it)
	{
		const char *n = str(it, "name");
		const char *v = json_string_value(json_object_get(it, "value"));

		if (!n)
			continue;
		e->env_names[e->nenv] = xstrdup(n);
		e->env_values[e->nenv] = xstrdup(v ? v : "");
		e->nenv++;
	}
	return 0;
}

static void
list_names(struct strbuf *sb, const struct entry *e, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		strbuf_addf(sb, "%s%s", i ? ", " : "", e[i].name);
	if (!n)
		strbuf_addstr(sb, "none");
}

static int
resolve(struct kube_config *cfg, const struct merged *m,
	const struct kubeconfig_opts *opts, struct error *err)
{
	const char *ctxname =
		opts->context ? opts->context : m->current_context;
	const struct entry *ctx, *cl, *user = NULL;
	const json_t *c, *u;
	const char *cname, *uname, *ns;
	struct strbuf names = STRBUF_INIT;

	if (!ctxname) {
		list_names(&names, m->contexts, m->ncontexts);
		error_set(err, ERR_CONFIG,
			  "no current context in kubeconfig (%s)",
			  m->files.buf);
		error_hint(err, "pass --context NAME (contexts: %s)",
			   names.buf);
		strbuf_release(&names);
		return -1;
	}
	ctx = find_entry(m->contexts, m->ncontexts, ctxname);
	if (!ctx) {
		list_names(&names, m->contexts, m->ncontexts);
		error_set(err, ERR_CONFIG,
			  "context '%s' not found in kubeconfig (%s)", ctxname,
			  m->files.buf);
		error_hint(err, "use one of the contexts: %s", names.buf);
		strbuf_release(&names);
		return -1;
	}
	cfg->context_name = xstrdup(ctxname);
	cname = opts->cluster ? opts->cluster : str(ctx->body, "cluster");
	uname = opts->user ? opts->user : str(ctx->body, "user");
	if (!cname)
		return error_set(err, ERR_CONFIG,
				 "context '%s' names no cluster (%s)", ctxname,
				 ctx->file);
	cl = find_entry(m->clusters, m->nclusters, cname);
	if (!cl) {
		list_names(&names, m->clusters, m->nclusters);
		error_set(err, ERR_CONFIG,
			  "cluster '%s' of context '%s' not found in "
			  "kubeconfig (%s)",
			  cname, ctxname, m->files.buf);
		error_hint(err, "clusters defined: %s", names.buf);
		strbuf_release(&names);
		return -1;
	}
	if (uname) {
		user = find_entry(m->users, m->nusers, uname);
		if (!user) {
			list_names(&names, m->users, m->nusers);
			error_set(err, ERR_CONFIG,
				  "user '%s' of context '%s' not found in "
				  "kubeconfig (%s)",
				  uname, ctxname, m->files.buf);
			error_hint(err, "users defined: %s", names.buf);
			strbuf_release(&names);
			return -1;
		}
	}
	cfg->cluster_name = xstrdup(cname);
	cfg->user_name = xstrdup(uname ? uname : "");
	c = cl->body;
	if (!str(c, "server") && !opts->server)
		return error_set(err, ERR_CONFIG,
				 "cluster '%s' has no server (%s)", cname,
				 cl->file);
	cfg->server = xstrdup(opts->server ? opts->server : str(c, "server"));
	cfg->insecure_skip_tls_verify = truthy(c, "insecure-skip-tls-verify");
	if (str(c, "tls-server-name"))
		cfg->tls_server_name = xstrdup(str(c, "tls-server-name"));
	if (str(c, "proxy-url"))
		cfg->proxy_url = xstrdup(str(c, "proxy-url"));
	if (load_pem(&cfg->ca_pem, &cfg->ca_len, &cfg->ca_file, c,
		     "certificate-authority", cl->dir, "certificate authority",
		     err))
		return -1;

	ns = opts->namespace ? opts->namespace : str(ctx->body, "namespace");
	cfg->namespace = xstrdup(ns ? ns : "default");
	cfg->namespace_explicit = ns != NULL;

	if (!user)
		goto token;
	u = user->body;
	if (json_object_get(u, "auth-provider")) {
		const char *ap =
			str(json_object_get(u, "auth-provider"), "name");

		error_set(err, ERR_CONFIG,
			  "user '%s' uses the auth-provider '%s', which "
			  "kubectl no longer supports",
			  uname, ap ? ap : "?");
		error_hint(err, "switch the user to its exec plugin "
				"(gke-gcloud-auth-plugin, kubelogin, "
				"aws eks get-token)");
		return -1;
	}
	if (load_pem(&cfg->client_cert_pem, &cfg->client_cert_len, NULL, u,
		     "client-certificate", user->dir, "client certificate",
		     err) ||
	    load_pem(&cfg->client_key_pem, &cfg->client_key_len, NULL, u,
		     "client-key", user->dir, "client key", err))
		return -1;
	if (str(u, "token"))
		cfg->token = xstrdup(str(u, "token"));
	if (str(u, "tokenFile"))
		cfg->token_file = resolve_path(str(u, "tokenFile"), user->dir);
	if (str(u, "username"))
		cfg->username = xstrdup(str(u, "username"));
	if (str(u, "password"))
		cfg->password = xstrdup(str(u, "password"));
	if (json_is_object(json_object_get(u, "exec")) &&
	    load_exec(cfg, json_object_get(u, "exec"), user->dir, err))
		return -1;
token:
	if (opts->token) {
		free_secret(cfg->token);
		cfg->token = xstrdup(opts->token);
		free(cfg->token_file);
		cfg->token_file = NULL;
	}
	return 0;
}

static int
in_cluster(struct kube_config *cfg, const struct kubeconfig_opts *opts,
	   struct error *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *dir = getenv("CNPGOPS_SERVICEACCOUNT_DIR");
	char *path;
	size_t len = 0;

	if (!dir || !*dir)
		dir = SA_DIR;
	if (!host || !*host || !port || !*port) {
		error_set(err, ERR_CONFIG, "no kubeconfig found");
		error_hint(err,
			   "pass --kubeconfig FILE, set KUBECONFIG, or create "
			   "~/.kube/config (as kubectl does)");
		return -1;
	}
	cfg->source = xstrdup("in-cluster");
	cfg->server = strchr(host, ':')
			      ? xasprintf("https://[%s]:%s", host, port)
			      : xasprintf("https://%s:%s", host, port);
	if (opts->server) {
		free(cfg->server);
		cfg->server = xstrdup(opts->server);
	}
	cfg->cluster_name = xstrdup("in-cluster");
	cfg->user_name = xstrdup("service-account");
	path = xasprintf("%s/ca.crt", dir);
	cfg->ca_pem = read_file(&cfg->ca_len, path, "service account CA", err);
	if (cfg->ca_pem)
		cfg->ca_file = xstrdup(path);
	free(path);
	if (!cfg->ca_pem)
		return -1;
	cfg->token_file = xasprintf("%s/token", dir);
	if (opts->token)
		cfg->token = xstrdup(opts->token);
	if (opts->namespace) {
		cfg->namespace = xstrdup(opts->namespace);
		cfg->namespace_explicit = 1;
	} else {
		struct error lerr = ERROR_INIT;
		char *nsfile = xasprintf("%s/namespace", dir);
		char *ns = read_file(&len, nsfile, "namespace", &lerr);

		free(nsfile);
		error_clear(&lerr);
		if (ns) {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addstr(&sb, ns);
			strbuf_rtrim(&sb);
			free(ns);
			cfg->namespace = strbuf_detach(&sb, NULL);
			cfg->namespace_explicit = 1;
		} else {
			cfg->namespace = xstrdup("default");
		}
	}
	return 0;
}

int
kubeconfig_load(struct kube_config **out, const struct kubeconfig_opts *opts,
		struct error *err)
{
	struct merged m = { 0 };
	struct kube_config *cfg = xcalloc(1, sizeof(*cfg));
	int n;

	strbuf_init(&m.files, 0);
	n = load_files(&m, opts->kubeconfig, err);
	if (n < 0)
		goto fail;
	if (n == 0) {
		if (in_cluster(cfg, opts, err))
			goto fail;
	} else {
		cfg->source = xstrdup(m.files.buf);
		if (resolve(cfg, &m, opts, err))
			goto fail;
	}
	while (strlen(cfg->server) > 1 &&
	       cfg->server[strlen(cfg->server) - 1] == '/')
		cfg->server[strlen(cfg->server) - 1] = '\0';
	merged_release(&m);
	*out = cfg;
	return 0;
fail:
	merged_release(&m);
	kubeconfig_free(cfg);
	return -1;
}

static void
exec_free(struct kubeconfig_exec *e)
{
	size_t i;

	if (!e)
		return;
	free(e->api_version);
	free(e->command);
	for (i = 0; i < e->nargs; i++)
		free(e->args[i]);
	free(e->args);
	for (i = 0; i < e->nenv; i++) {
		free(e->env_names[i]);
		free_secret(e->env_values[i]);
	}
	free(e->env_names);
	free(e->env_values);
	free(e->install_hint);
	free(e->interactive_mode);
	free(e);
}

void
kubeconfig_free(struct kube_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->source);
	free(cfg->context_name);
	free(cfg->cluster_name);
	free(cfg->user_name);
	free(cfg->server);
	free(cfg->ca_pem);
	free(cfg->ca_file);
	free(cfg->tls_server_name);
	free(cfg->proxy_url);
	free_secret_len(cfg->client_cert_pem, cfg->client_cert_len);
	free_secret_len(cfg->client_key_pem, cfg->client_key_len);
	free_secret(cfg->token);
	free(cfg->token_file);
	exec_free(cfg->exec);
	free(cfg->username);
	free_secret(cfg->password);
	free(cfg->namespace);
	free(cfg);
}

/* The ExecCredential given to the plugin in KUBERNETES_EXEC_INFO. */
static char *
exec_info(const struct kube_config *cfg, int interactive)
{
	json_t *spec = json_pack("{s:b}", "interactive", interactive);
	json_t *info;
	char *s;

	if (cfg->exec->provide_cluster_info) {
		json_t *c = json_pack("{s:s}", "server", cfg->server);

		if (cfg->ca_pem) {
			char *b = base64_encode(cfg->ca_pem, cfg->ca_len);

			json_object_set_new(c, "certificate-authority-data",
					    json_string(b));
			free(b);
		}
		if (cfg->tls_server_name)
			json_object_set_new(c, "tls-server-name",
					    json_string(cfg->tls_server_name));
		if (cfg->insecure_skip_tls_verify)
			json_object_set_new(c, "insecure-skip-tls-verify",
					    json_true());
		if (cfg->proxy_url)
			json_object_set_new(c, "proxy-url",
					    json_string(cfg->proxy_url));
		json_object_set_new(spec, "cluster", c);
	}
	info = json_pack("{s:s, s:s, s:o}", "apiVersion",
			 cfg->exec->api_version, "kind", "ExecCredential",
			 "spec", spec);
	s = json_dumps(info, JSON_COMPACT);
	json_decref(info);
	return s;
}

/* Collect both pipes with poll() so a chatty plugin cannot deadlock us. */
static int
drain(int out_fd, int err_fd, struct strbuf *out, struct strbuf *errb)
{
	struct pollfd p[2];
	char buf[4096];
	int open_fds = 2, too_big = 0;

	p[0].fd = out_fd;
	p[0].events = POLLIN;
	p[1].fd = err_fd;
	p[1].events = POLLIN;
	while (open_fds > 0) {
		int i;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < 2; i++) {
			ssize_t n;
			struct strbuf *sb = i == 0 ? out : errb;
			size_t cap = i == 0 ? MAX_EXEC_STDOUT : MAX_EXEC_STDERR;

			if (p[i].fd < 0 || !(p[i].revents & (POLLIN | POLLHUP)))
				continue;
			n = read(p[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				p[i].fd = -1;
				open_fds--;
				continue;
			}
			if (sb->len + (size_t)n <= cap)
				strbuf_add(sb, buf, (size_t)n);
			else if (i == 0)
				too_big = 1;
		}
	}
	explicit_bzero(buf, sizeof(buf));
	return too_big ? 1 : 0;
}

static int
run_plugin(struct strbuf *out, struct strbuf *errb, int *status,
	   const struct kube_config *cfg, struct error *err)
{
	const struct kubeconfig_exec *e = cfg->exec;
	const char *mode =
		e->interactive_mode ? e->interactive_mode : "IfAvailable";
	int tty = isatty(STDIN_FILENO);
	int interactive = strcmp(mode, "Never") != 0 && tty;
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, rc = -1, big;
	char *info = NULL;
	char **argv = NULL;
	pid_t pid;
	size_t i;

	if (strcmp(mode, "Always") == 0 && !tty)
		return error_set(err, ERR_CONFIG,
				 "exec plugin '%s' needs an interactive "
				 "terminal (interactiveMode: Always), but "
				 "standard input is not one",
				 e->command);
	info = exec_info(cfg, interactive);
	argv = xcalloc(e->nargs + 2, sizeof(char *));
	argv[0] = e->command;
	for (i = 0; i < e->nargs; i++)
		argv[i + 1] = e->args[i];
	if (pipe(po) || pipe(pe)) {
		error_set(err, ERR_IO, "cannot create pipes: %s",
			  strerror(errno));
		goto out;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		error_set(err, ERR_IO, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		if (!interactive) {
			int devnull = open("/dev/null", O_RDONLY);

			if (devnull >= 0)
				dup2(devnull, STDIN_FILENO);
		}
		close(po[0]);
		close(po[1]);
		close(pe[0]);
		close(pe[1]);
		for (i = 0; i < e->nenv; i++)
			setenv(e->env_names[i], e->env_values[i], 1);
		if (info)
			setenv("KUBERNETES_EXEC_INFO", info, 1);
		signal(SIGPIPE, SIG_DFL);
		execvp(argv[0], argv);
		_exit(errno == ENOENT ? 127 : 126);
	}
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	big = drain(po[0], pe[0], out, errb);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (big < 0) {
		error_set(err, ERR_IO, "reading the output of exec plugin '%s'",
			  e->command);
		goto out;
	}
	if (big) {
		error_set(err, ERR_CONFIG,
			  "exec plugin '%s' printed more than 1 MiB",
			  e->command);
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	free(argv);
	free(info);
	return rc;
}

/* An RFC3339 instant as time_t; -1 if it is not one. */
static time_t
parse_rfc3339(const char *s)
{
	struct timefmt_target t;
	struct timefmt_time now = { 0, 0 };
	struct error lerr = ERROR_INIT;

	if (timefmt_parse_target(&t, s, now, &lerr) || t.relative) {
		error_clear(&lerr);
		return (time_t)-1;
	}
	return (time_t)t.time.sec;
}

static void plugin_failed(struct error *err, const struct kubeconfig_exec *e,
			  const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
plugin_failed(struct error *err, const struct kubeconfig_exec *e,
	      const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_set(err, ERR_CONFIG, "%s", sb.buf);
	strbuf_release(&sb);
	if (e->install_hint)
		error_hint(err, "%s", e->install_hint);
}

int
kubeconfig_exec_credential(struct kubeconfig_cred *out,
			   const struct kube_config *cfg, struct error *err)
{
	const struct kubeconfig_exec *e = cfg->exec;
	struct strbuf sout = STRBUF_INIT, serr = STRBUF_INIT;
	struct kubeconfig_cred cred = { 0 };
	json_t *doc = NULL, *status;
	json_error_t jerr;
	const char *s;
	int wstatus = 0, rc = -1;

	if (!e)
		return error_set(err, ERR_INTERNAL,
				 "no exec plugin configured");
	if (run_plugin(&sout, &serr, &wstatus, cfg, err))
		goto out;
	strbuf_rtrim(&serr);
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 127 && !sout.len) {
		plugin_failed(err, e,
			      "exec plugin '%s' could not be run: command "
			      "not found",
			      e->command);
		error_hint_default(err,
				   "install '%s' or fix the user's "
				   "exec.command in the kubeconfig",
				   e->command);
		goto out;
	}
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		char *why = WIFEXITED(wstatus)
				    ? xasprintf("exit status %d",
						WEXITSTATUS(wstatus))
				    : xasprintf("signal %d", WTERMSIG(wstatus));
		char *detail = xasprintf("%s%s%s", why, serr.len ? ": " : "",
					 serr.buf);

		plugin_failed(err, e, "exec plugin '%s' failed with %s",
			      e->command, detail);
		free(why);
		free(detail);
		goto out;
	}
	doc = json_loadb(sout.buf, sout.len, 0, &jerr);
	if (!doc) {
		plugin_failed(err, e,
			      "exec plugin '%s' printed no valid "
			      "ExecCredential: %s",
			      e->command, jerr.text);
		goto out;
	}
	s = json_string_value(json_object_get(doc, "kind"));
	if (!s || strcmp(s, "ExecCredential") != 0) {
		plugin_failed(err, e,
			      "exec plugin '%s' printed a '%s', not an "
			      "ExecCredential",
			      e->command, s ? s : "document without kind");
		goto out;
	}
	s = json_string_value(json_object_get(doc, "apiVersion"));
	if (!s || strcmp(s, e->api_version ? e->api_version
					   : EXEC_DEFAULT_API) != 0) {
		plugin_failed(err, e,
			      "exec plugin '%s' answered with apiVersion "
			      "'%s', not '%s' as the kubeconfig asks",
			      e->command, s ? s : "(none)",
			      e->api_version ? e->api_version
					     : EXEC_DEFAULT_API);
		goto out;
	}
	status = json_object_get(doc, "status");
	if (!json_is_object(status)) {
		plugin_failed(err, e,
			      "exec plugin '%s' printed an ExecCredential "
			      "without status",
			      e->command);
		goto out;
	}
	if ((s = json_string_value(json_object_get(status, "token"))) && *s)
		cred.token = xstrdup(s);
	if ((s = json_string_value(
		     json_object_get(status, "clientCertificateData"))))
		cred.client_cert_pem = xstrdup(s);
	if ((s = json_string_value(json_object_get(status, "clientKeyData"))))
		cred.client_key_pem = xstrdup(s);
	if (!cred.token && !(cred.client_cert_pem && cred.client_key_pem)) {
		plugin_failed(err, e,
			      "exec plugin '%s' returned neither a token nor "
			      "a client certificate and key",
			      e->command);
		goto out;
	}
	if ((s = json_string_value(
		     json_object_get(status, "expirationTimestamp")))) {
		cred.expiry = parse_rfc3339(s);
		if (cred.expiry == (time_t)-1) {
			plugin_failed(err, e,
				      "exec plugin '%s' returned an invalid "
				      "expirationTimestamp '%s'",
				      e->command, s);
			goto out;
		}
	}
	*out = cred;
	memset(&cred, 0, sizeof(cred));
	rc = 0;
out:
	kubeconfig_cred_release(&cred);
	if (doc) {
		/* the token lives in jansson's strings too: scrub them */
		json_t *st = json_object_get(doc, "status");
		const char *k;
		json_t *v;

		json_object_foreach(st, k, v) if (json_is_string(v))
			explicit_bzero((char *)(uintptr_t)json_string_value(v),
				       json_string_length(v));
	}
	json_decref(doc);
	strbuf_release_secret(&sout);
	strbuf_release(&serr);
	return rc;
}

void
kubeconfig_cred_release(struct kubeconfig_cred *cred)
{
	if (!cred)
		return;
	free_secret(cred->token);
	free_secret(cred->client_cert_pem);
	free_secret(cred->client_key_pem);
	memset(cred, 0, sizeof(*cred));
}
