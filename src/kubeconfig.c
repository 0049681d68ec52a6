/*
 * kubeconfig: find the kubeconfig files the way kubectl does (--kubeconfig,
 * else $KUBECONFIG, else ~/.kube/config, else the in-cluster service
 * account), merge them with clientcmd's rules (for every named cluster,
 * context and user the first file that defines the name wins;
 * current-context comes from the first file that sets it), resolve one
 * context into a struct kube_config, and run exec credential plugins.
 *
 * The files are parsed with libyaml's document API and kept loaded while a
 * context is resolved, so every error can name "FILE:LINE:COL".  Relative
 * paths are resolved against the directory of the file that defines them.
 * ExecCredential objects are built and read with jansson.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

#include "errors.h"
#include "jsonmem.h"
#include "kubeconfig.h"
#include "strbuf.h"
#include "xmalloc.h"

#define KUBECONFIG_FILE_MAX	   (16u << 20)
#define KUBECONFIG_EXEC_STDOUT_MAX (1u << 20)
#define KUBECONFIG_EXEC_STDERR_MAX (64u << 10)
#define KUBECONFIG_SA_DIR	   "/var/run/secrets/kubernetes.io/serviceaccount"
#define KUBECONFIG_EXEC_INFO	   "KUBERNETES_EXEC_INFO"
#define KUBECONFIG_AUTH_PROVIDER_HINT                                        \
	"replace auth-provider with an exec plugin: gke-gcloud-auth-plugin " \
	"for GKE, kubelogin for AKS and OIDC (then run 'kubectl cnpgops' "   \
	"again)"

/* One loaded kubeconfig file. */
struct kc_file {
	char *path; /* as given, for messages */
	char *dir; /* absolute directory, for relative paths */
	yaml_document_t doc;
	yaml_node_t *root; /* a mapping, or NULL for an empty file */
};

/* The files in precedence order. */
struct kc_files {
	struct kc_file *v;
	size_t n;
	struct strbuf names; /* "a:b", for messages and cfg->source */
};

/* A named entry found in the merged files: its file and its body mapping. */
struct kc_entry {
	struct kc_file *file;
	yaml_node_t *body; /* the "cluster"/"context"/"user" mapping, or NULL */
	const char *owner; /* "cluster \"x\"", for messages */
};

/* Read a whole file (capped); the buffer is cleared when it grows. */
static int
kc_read_file(char **out, size_t *out_len, const char *path, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	struct stat st;
	char buf[8192];
	ssize_t n;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set(err, ERR_IO, "cannot read \"%s\": %s", path,
				 strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (size_t)st.st_size < KUBECONFIG_FILE_MAX)
		strbuf_init(&sb, (size_t)st.st_size + 1);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_set(err, ERR_IO, "cannot read \"%s\": %s", path,
				  strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > KUBECONFIG_FILE_MAX) {
			error_set(err, ERR_IO, "\"%s\" exceeds 16 MiB", path);
			goto out;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	*out = strbuf_detach(&sb, out_len);
	ret = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	strbuf_release_secret(&sb);
	close(fd);
	return ret;
}

/* Read a small text file (token, namespace) without trailing space. */
static int
kc_read_trimmed(char **out, const char *path, struct error *err)
{
	char *s = NULL;
	size_t len = 0;

	if (kc_read_file(&s, &len, path, err))
		return -1;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	*out = s;
	return 0;
}

static int
kc_b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode standard base64 (white space ignored); -1 if it is not base64. */
static int
kc_base64_decode(char **out, size_t *out_len, const char *in)
{
	size_t n = strlen(in), o = 0, sig = 0;
	unsigned char *buf = xmalloc(n / 4 * 3 + 4);
	unsigned long acc = 0;
	int bits = 0, pad = 0, v;
	const char *p;

	for (p = in; *p; p++) {
		if (isspace((unsigned char)*p))
			continue;
		if (*p == '=') {
			pad++;
			continue;
		}
		v = kc_b64_value((unsigned char)*p);
		if (v < 0 || pad)
			goto bad;
		sig++;
		acc = ((acc << 6) | (unsigned long)v) & 0xffffffUL;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)((acc >> bits) & 0xff);
		}
	}
	if (sig % 4 == 1 || pad > 2)
		goto bad;
	buf[o] = '\0';
	*out = (char *)buf;
	*out_len = o;
	return 0;
bad:
	free_secret_len(buf, n / 4 * 3 + 4);
	return -1;
}

static char *
kc_base64_encode(const unsigned char *in, size_t len)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct strbuf sb = STRBUF_INIT;
	size_t i;
	unsigned long v;

	strbuf_grow(&sb, (len + 2) / 3 * 4);
	for (i = 0; i + 2 < len; i += 3) {
		v = (unsigned long)in[i] << 16 | (unsigned long)in[i + 1] << 8 |
		    in[i + 2];
		strbuf_addch(&sb, tab[(v >> 18) & 63]);
		strbuf_addch(&sb, tab[(v >> 12) & 63]);
		strbuf_addch(&sb, tab[(v >> 6) & 63]);
		strbuf_addch(&sb, tab[v & 63]);
	}
	if (i < len) {
		v = (unsigned long)in[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)in[i + 1] << 8;
		strbuf_addch(&sb, tab[(v >> 18) & 63]);
		strbuf_addch(&sb, tab[(v >> 12) & 63]);
		strbuf_addch(&sb, i + 1 < len ? tab[(v >> 6) & 63] : '=');
		strbuf_addch(&sb, '=');
	}
	return strbuf_detach(&sb, NULL);
}

/* ---- YAML access ---- */

static const char *
kc_scalar(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/* A null node: absent, "~", "null" or an empty plain scalar. */
static int
kc_is_null(const yaml_node_t *node)
{
	const char *s;

	if (!node)
		return 1;
	if (node->type != YAML_SCALAR_NODE ||
	    node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	s = kc_scalar(node);
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static yaml_node_t *
kc_get(struct kc_file *f, const yaml_node_t *map, const char *key)
{
	yaml_node_pair_t *p;

	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yaml_document_get_node(&f->doc, p->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp(kc_scalar(k), key))
			return yaml_document_get_node(&f->doc, p->value);
	}
	return NULL;
}

static int kc_node_error(struct error *err, const struct kc_file *f,
			 const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ERR_CONFIG "FILE:LINE:COL: message" at node (1-based). */
static int
kc_node_error(struct error *err, const struct kc_file *f,
	      const yaml_node_t *node, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	strbuf_addf(&sb, "%s:%zu:%zu: ", f->path, node->start_mark.line + 1,
		    node->start_mark.column + 1);
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_set(err, ERR_CONFIG, "%s", sb.buf);
	strbuf_release(&sb);
	return -1;
}

/* The string at key of e's body (borrowed), NULL when absent or null. */
static int
kc_str(const char **out, const struct kc_entry *e, const char *key,
       struct error *err)
{
	yaml_node_t *n = kc_get(e->file, e->body, key);

	if (kc_is_null(n)) {
		*out = NULL;
		return 0;
	}
	if (n->type != YAML_SCALAR_NODE)
		return kc_node_error(err, e->file, n,
				     "\"%s\" of %s must be a string", key,
				     e->owner);
	*out = kc_scalar(n);
	return 0;
}

static int
kc_bool(int *out, const struct kc_entry *e, const char *key, struct error *err)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	yaml_node_t *n = kc_get(e->file, e->body, key);

	*out = 0;
	if (kc_is_null(n))
		return 0;
	if (n->type == YAML_SCALAR_NODE) {
		for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (!strcasecmp(kc_scalar(n), yes[i])) {
				*out = 1;
				return 0;
			}
			if (!strcasecmp(kc_scalar(n), no[i]))
				return 0;
		}
	}
	return kc_node_error(err, e->file, n,
			     "\"%s\" of %s must be true or false", key,
			     e->owner);
}

/* Decode the base64 at key into a new NUL-terminated buffer (or NULL). */
static int
kc_data(char **out, size_t *out_len, const struct kc_entry *e, const char *key,
	struct error *err)
{
	const char *s = NULL;

	*out = NULL;
	*out_len = 0;
	if (kc_str(&s, e, key, err))
		return -1;
	if (!s || !*s)
		return 0;
	if (kc_base64_decode(out, out_len, s))
		return kc_node_error(
			err, e->file, kc_get(e->file, e->body, key),
			"\"%s\" of %s is not valid base64", key, e->owner);
	return 0;
}

/* A path from file f: absolute as is, else relative to f's directory. */
static char *
kc_path(const struct kc_file *f, const char *p)
{
	if (p[0] == '/')
		return xstrdup(p);
	return xasprintf("%s/%s", f->dir, p);
}

/* Clear every scalar (tokens, keys) before the document is freed. */
static void
kc_file_release(struct kc_file *f)
{
	if (f->doc.nodes.start) {
		for (yaml_node_t *n = f->doc.nodes.start; n < f->doc.nodes.top;
		     n++)
			if (n->type == YAML_SCALAR_NODE)
				explicit_bzero(n->data.scalar.value,
					       n->data.scalar.length);
		yaml_document_delete(&f->doc);
	}
	free(f->path);
	free(f->dir);
}

static void
kc_files_release(struct kc_files *fs)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		kc_file_release(&fs->v[i]);
	free(fs->v);
	strbuf_release(&fs->names);
	fs->v = NULL;
	fs->n = 0;
}

/* The sections of a kubeconfig: list name, body key, entry kind. */
static const struct {
	const char *list, *body, *kind;
} kc_sections[] = {
	{ "clusters", "cluster", "cluster" },
	{ "contexts", "context", "context" },
	{ "users", "user", "user" },
};

/* Check the shape clientcmd would reject when it decodes the file. */
static int
kc_file_validate(struct kc_file *f, struct error *err)
{
	yaml_node_t *list, *item, *name, *body, *cc;
	yaml_node_item_t *it;
	size_t s;

	if (f->root && kc_is_null(f->root))
		f->root = NULL;
	if (!f->root)
		return 0;
	if (f->root->type != YAML_MAPPING_NODE)
		return kc_node_error(err, f, f->root,
				     "a kubeconfig must be a mapping");
	cc = kc_get(f, f->root, "current-context");
	if (!kc_is_null(cc) && cc->type != YAML_SCALAR_NODE)
		return kc_node_error(err, f, cc,
				     "\"current-context\" must be a string");
	for (s = 0; s < sizeof(kc_sections) / sizeof(kc_sections[0]); s++) {
		list = kc_get(f, f->root, kc_sections[s].list);
		if (kc_is_null(list))
			continue;
		if (list->type != YAML_SEQUENCE_NODE)
			return kc_node_error(err, f, list,
					     "\"%s\" must be a list",
					     kc_sections[s].list);
		for (it = list->data.sequence.items.start;
		     it < list->data.sequence.items.top; it++) {
			item = yaml_document_get_node(&f->doc, *it);
			if (!item || item->type != YAML_MAPPING_NODE)
				return kc_node_error(
					err, f, item ? item : list,
					"each entry of \"%s\" must be a mapping",
					kc_sections[s].list);
			name = kc_get(f, item, "name");
			if (kc_is_null(name) || name->type != YAML_SCALAR_NODE)
				return kc_node_error(
					err, f, name ? name : item,
					"each entry of \"%s\" needs a \"name\" "
					"string",
					kc_sections[s].list);
			body = kc_get(f, item, kc_sections[s].body);
			if (!kc_is_null(body) &&
			    body->type != YAML_MAPPING_NODE)
				return kc_node_error(
					err, f, body,
					"\"%s\" of %s \"%s\" must be a mapping",
					kc_sections[s].body,
					kc_sections[s].kind, kc_scalar(name));
		}
	}
	return 0;
}

/* The absolute directory of path. */
static char *
kc_dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *cwd, *dir;

	if (slash == path)
		return xstrdup("/");
	if (path[0] == '/')
		return xstrndup(path, (size_t)(slash - path));
	cwd = getcwd(NULL, 0);
	if (!cwd)
		cwd = xstrdup(".");
	if (slash)
		dir = xasprintf("%s/%.*s", cwd, (int)(slash - path), path);
	else
		dir = xstrdup(cwd);
	free(cwd);
	return dir;
}

/* Parse path and append it to fs. */
static int
kc_files_add(struct kc_files *fs, const char *path, struct error *err)
{
	yaml_parser_t parser;
	struct kc_file *f;
	char *data = NULL;
	size_t len = 0;
	int ret = -1;

	if (kc_read_file(&data, &len, path, err))
		return -1;
	fs->v = xreallocarray(fs->v, fs->n + 1, sizeof(*fs->v));
	f = &fs->v[fs->n];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	f->dir = kc_dir_of(path);
	fs->n++;
	if (fs->names.len)
		strbuf_addch(&fs->names, ':');
	strbuf_addstr(&fs->names, path);

	if (!yaml_parser_initialize(&parser)) {
		error_set(err, ERR_INTERNAL,
			  "cannot initialise the YAML parser");
		goto out;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &f->doc)) {
		error_set(err, ERR_CONFIG, "%s:%zu:%zu: %s%s%s", path,
			  parser.problem_mark.line + 1,
			  parser.problem_mark.column + 1,
			  parser.problem ? parser.problem : "invalid YAML",
			  parser.context ? " " : "",
			  parser.context ? parser.context : "");
		memset(&f->doc, 0, sizeof(f->doc));
		yaml_parser_delete(&parser);
		goto out;
	}
	yaml_parser_delete(&parser);
	f->root = yaml_document_get_root_node(&f->doc);
	ret = kc_file_validate(f, err);
out:
	free_secret_len(data, len);
	return ret;
}

/* 1 if path exists, 0 if it does not (ENOENT or ENOTDIR). */
static int
kc_exists(const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		return 1;
	return errno != ENOENT && errno != ENOTDIR;
}

/* Load the files kubectl would load; fs->n == 0 when none exist. */
static int
kc_files_find(struct kc_files *fs, struct strbuf *looked,
	      const struct kubeconfig_opts *opts, struct error *err)
{
	const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
	const char *p, *end;
	char *path = NULL;
	int ret = 0;

	if (opts->kubeconfig && *opts->kubeconfig) {
		if (!kc_exists(opts->kubeconfig)) {
			error_set(err, ERR_CONFIG,
				  "kubeconfig \"%s\" (--kubeconfig) does not "
				  "exist",
				  opts->kubeconfig);
			error_hint(err,
				   "check the path, or drop --kubeconfig to "
				   "use $KUBECONFIG or ~/.kube/config");
			return -1;
		}
		return kc_files_add(fs, opts->kubeconfig, err);
	}
	if (env && *env) {
		strbuf_addf(looked, "KUBECONFIG=%s", env);
		for (p = env; *p && !ret; p = *end ? end + 1 : end) {
			end = strchr(p, ':');
			if (!end)
				end = p + strlen(p);
			if (end == p)
				continue;
			int dup = 0;

			path = xstrndup(p, (size_t)(end - p));
			for (size_t i = 0; i < fs->n; i++)
				dup |= !strcmp(fs->v[i].path, path);
			if (!dup && kc_exists(path))
				ret = kc_files_add(fs, path, err);
			free(path);
		}
		return ret;
	}
	if (home && *home) {
		path = xasprintf("%s/.kube/config", home);
		strbuf_addstr(looked, path);
		if (kc_exists(path))
			ret = kc_files_add(fs, path, err);
		free(path);
	}
	return ret;
}

/* Find the first definition of name in the section (0 if none). */
static int
kc_find(struct kc_entry *out, struct kc_files *fs, size_t section,
	const char *name)
{
	yaml_node_t *list, *item, *n;
	yaml_node_item_t *it;
	size_t i;

	for (i = 0; i < fs->n; i++) {
		struct kc_file *f = &fs->v[i];

		list = kc_get(f, f->root, kc_sections[section].list);
		if (kc_is_null(list))
			continue;
		for (it = list->data.sequence.items.start;
		     it < list->data.sequence.items.top; it++) {
			item = yaml_document_get_node(&f->doc, *it);
			n = kc_get(f, item, "name");
			if (strcmp(kc_scalar(n), name) != 0)
				continue;
			out->file = f;
			out->body = kc_get(f, item, kc_sections[section].body);
			if (kc_is_null(out->body))
				out->body = NULL;
			return 1;
		}
	}
	return 0;
}

/* "a, b" (each name once, in precedence order), or "none". */
static void
kc_names(struct strbuf *sb, struct kc_files *fs, size_t section)
{
	const char **seen = NULL, *name;
	size_t i, j, nseen = 0;
	yaml_node_t *list, *item;
	yaml_node_item_t *it;

	for (i = 0; i < fs->n; i++) {
		struct kc_file *f = &fs->v[i];

		list = kc_get(f, f->root, kc_sections[section].list);
		if (kc_is_null(list))
			continue;
		for (it = list->data.sequence.items.start;
		     it < list->data.sequence.items.top; it++) {
			item = yaml_document_get_node(&f->doc, *it);
			name = kc_scalar(kc_get(f, item, "name"));
			for (j = 0; j < nseen && strcmp(seen[j], name) != 0;
			     j++)
				;
			if (j < nseen)
				continue;
			seen = xreallocarray(seen, nseen + 1, sizeof(*seen));
			seen[nseen++] = name;
			strbuf_addf(sb, "%s%s", nseen > 1 ? ", " : "", name);
		}
	}
	if (!nseen)
		strbuf_addstr(sb, "none");
	free(seen);
}

/* current-context of the first file that sets it, or NULL. */
static const char *
kc_current_context(struct kc_files *fs)
{
	for (size_t i = 0; i < fs->n; i++) {
		yaml_node_t *n =
			kc_get(&fs->v[i], fs->v[i].root, "current-context");

		if (!kc_is_null(n) && *kc_scalar(n))
			return kc_scalar(n);
	}
	return NULL;
}

static void
kc_exec_free(struct kubeconfig_exec *ex)
{
	size_t i;

	if (!ex)
		return;
	free(ex->api_version);
	free(ex->command);
	for (i = 0; i < ex->nargs; i++)
		free(ex->args[i]);
	free(ex->args);
	for (i = 0; i < ex->nenv; i++) {
		free(ex->env_names[i]);
		free_secret(ex->env_values[i]);
	}
	free(ex->env_names);
	free(ex->env_values);
	free(ex->install_hint);
	free(ex->interactive_mode);
	free(ex);
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
	free(cfg->client_cert_file);
	free_secret_len(cfg->client_key_pem, cfg->client_key_len);
	free(cfg->client_key_file);
	free_secret(cfg->token);
	free(cfg->token_file);
	kc_exec_free(cfg->exec);
	free(cfg->username);
	free_secret(cfg->password);
	free(cfg->namespace);
	free(cfg);
}

/* Copy the optional string at key into *dst (left NULL when absent). */
static int
kc_dup(char **dst, const struct kc_entry *e, const char *key, struct error *err)
{
	const char *s = NULL;

	if (kc_str(&s, e, key, err))
		return -1;
	if (s && *s)
		*dst = xstrdup(s);
	return 0;
}

/*
 * Load a PEM either from key_data (base64, wins, as in client-go) or from
 * the file at key_file (resolved against e's file); *file gets the path.
 */
static int
kc_pem(char **pem, size_t *len, char **file, const struct kc_entry *e,
       const char *key_data, const char *key_file, struct error *err)
{
	const char *path = NULL;

	if (kc_data(pem, len, e, key_data, err) ||
	    kc_str(&path, e, key_file, err))
		return -1;
	if (*pem || !path || !*path)
		return 0;
	*file = kc_path(e->file, path);
	if (kc_read_file(pem, len, *file, err)) {
		error_prefix(err, "%s: \"%s\" (from %s): ", e->owner, key_file,
			     e->file->path);
		return -1;
	}
	return 0;
}

static int
kc_cluster(struct kube_config *cfg, const struct kc_entry *e, struct error *err)
{
	if (kc_dup(&cfg->server, e, "server", err) ||
	    kc_pem(&cfg->ca_pem, &cfg->ca_len, &cfg->ca_file, e,
		   "certificate-authority-data", "certificate-authority",
		   err) ||
	    kc_bool(&cfg->insecure_skip_tls_verify, e,
		    "insecure-skip-tls-verify", err) ||
	    kc_dup(&cfg->tls_server_name, e, "tls-server-name", err) ||
	    kc_dup(&cfg->proxy_url, e, "proxy-url", err))
		return -1;
	return 0;
}

/* A list of strings at key of e (args). */
static int
kc_str_list(char ***out, size_t *n, const struct kc_entry *e, const char *key,
	    struct error *err)
{
	yaml_node_t *list = kc_get(e->file, e->body, key);
	yaml_node_item_t *it;

	if (kc_is_null(list))
		return 0;
	if (list->type != YAML_SEQUENCE_NODE)
		return kc_node_error(err, e->file, list,
				     "\"%s\" of %s must be a list of strings",
				     key, e->owner);
	for (it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++) {
		yaml_node_t *item = yaml_document_get_node(&e->file->doc, *it);

		if (!item || item->type != YAML_SCALAR_NODE)
			return kc_node_error(
				err, e->file, item ? item : list,
				"\"%s\" of %s must be a list of strings", key,
				e->owner);
		*out = xreallocarray(*out, *n + 1, sizeof(**out));
		(*out)[(*n)++] = xstrdup(kc_scalar(item));
	}
	return 0;
}

/* env: [{name, value}] of an exec plugin. */
static int
kc_exec_env(struct kubeconfig_exec *ex, const struct kc_entry *e,
	    struct error *err)
{
	yaml_node_t *list = kc_get(e->file, e->body, "env");
	yaml_node_item_t *it;
	struct kc_entry item = *e;
	const char *name, *value;

	if (kc_is_null(list))
		return 0;
	if (list->type != YAML_SEQUENCE_NODE)
		return kc_node_error(err, e->file, list,
				     "\"env\" of %s must be a list", e->owner);
	for (it = list->data.sequence.items.start;
	     it < list->data.sequence.items.top; it++) {
		item.body = yaml_document_get_node(&e->file->doc, *it);
		if (!item.body || item.body->type != YAML_MAPPING_NODE)
			return kc_node_error(
				err, e->file, item.body ? item.body : list,
				"each \"env\" entry of %s must be a mapping "
				"with name and value",
				e->owner);
		name = value = NULL;
		if (kc_str(&name, &item, "name", err) ||
		    kc_str(&value, &item, "value", err))
			return -1;
		if (!name || !*name)
			return kc_node_error(err, e->file, item.body,
					     "an \"env\" entry of %s has no "
					     "name",
					     e->owner);
		ex->env_names = xreallocarray(ex->env_names, ex->nenv + 1,
					      sizeof(char *));
		ex->env_values = xreallocarray(ex->env_values, ex->nenv + 1,
					       sizeof(char *));
		ex->env_names[ex->nenv] = xstrdup(name);
		ex->env_values[ex->nenv] = xstrdup(value ? value : "");
		ex->nenv++;
	}
	return 0;
}

static int
kc_exec(struct kubeconfig_exec **out, const struct kc_entry *user,
	struct error *err)
{
	struct kc_entry e = *user;
	struct kubeconfig_exec *ex = xcalloc(1, sizeof(*ex));
	char *owner = xasprintf("the exec plugin of %s", user->owner);
	const char *command = NULL;
	yaml_node_t *node;
	int ret = -1;

	e.body = kc_get(user->file, user->body, "exec");
	e.owner = owner;
	if (e.body->type != YAML_MAPPING_NODE) {
		kc_node_error(err, e.file, e.body,
			      "\"exec\" of %s must be a "
			      "mapping",
			      user->owner);
		goto out;
	}
	if (kc_dup(&ex->api_version, &e, "apiVersion", err) ||
	    kc_str(&command, &e, "command", err) ||
	    kc_str_list(&ex->args, &ex->nargs, &e, "args", err) ||
	    kc_exec_env(ex, &e, err) ||
	    kc_dup(&ex->install_hint, &e, "installHint", err) ||
	    kc_bool(&ex->provide_cluster_info, &e, "provideClusterInfo", err) ||
	    kc_dup(&ex->interactive_mode, &e, "interactiveMode", err))
		goto out;
	if (!command || !*command) {
		kc_node_error(err, e.file, e.body, "%s has no \"command\"",
			      e.owner);
		goto out;
	}
	if (!ex->api_version) {
		kc_node_error(err, e.file, e.body, "%s has no \"apiVersion\"",
			      e.owner);
		error_hint(err,
			   "set apiVersion: client.authentication.k8s.io/v1 "
			   "in the exec section of the user");
		goto out;
	}
	if (ex->interactive_mode &&
	    strcmp(ex->interactive_mode, "Never") != 0 &&
	    strcmp(ex->interactive_mode, "IfAvailable") != 0 &&
	    strcmp(ex->interactive_mode, "Always") != 0) {
		node = kc_get(e.file, e.body, "interactiveMode");
		kc_node_error(err, e.file, node,
			      "\"interactiveMode\" of %s must be Never, "
			      "IfAvailable or Always",
			      e.owner);
		goto out;
	}
	/* client-go resolves a command with a '/' against the file. */
	ex->command = strchr(command, '/') ? kc_path(e.file, command)
					   : xstrdup(command);
	*out = ex;
	ex = NULL;
	ret = 0;
out:
	free(owner);
	kc_exec_free(ex);
	return ret;
}

static int
kc_user(struct kube_config *cfg, const struct kc_entry *e, struct error *err)
{
	yaml_node_t *ap = kc_get(e->file, e->body, "auth-provider");
	const char *token_file = NULL;

	if (!kc_is_null(ap)) {
		yaml_node_t *name = kc_get(e->file, ap, "name");

		kc_node_error(err, e->file, ap,
			      "%s uses auth-provider \"%s\", which is not "
			      "supported",
			      e->owner,
			      name && name->type == YAML_SCALAR_NODE
				      ? kc_scalar(name)
				      : "?");
		error_hint(err, KUBECONFIG_AUTH_PROVIDER_HINT);
		return -1;
	}
	if (kc_pem(&cfg->client_cert_pem, &cfg->client_cert_len,
		   &cfg->client_cert_file, e, "client-certificate-data",
		   "client-certificate", err) ||
	    kc_pem(&cfg->client_key_pem, &cfg->client_key_len,
		   &cfg->client_key_file, e, "client-key-data", "client-key",
		   err) ||
	    kc_dup(&cfg->token, e, "token", err) ||
	    kc_str(&token_file, e, "tokenFile", err) ||
	    kc_dup(&cfg->username, e, "username", err) ||
	    kc_dup(&cfg->password, e, "password", err))
		return -1;
	if (token_file && *token_file) {
		cfg->token_file = kc_path(e->file, token_file);
		/* As clientcmd: an inline token wins, else read the file. */
		if (!cfg->token &&
		    kc_read_trimmed(&cfg->token, cfg->token_file, err)) {
			error_prefix(err,
				     "%s: \"tokenFile\" (from %s): ", e->owner,
				     e->file->path);
			return -1;
		}
	}
	if (!kc_is_null(kc_get(e->file, e->body, "exec")))
		return kc_exec(&cfg->exec, e, err);
	return 0;
}

static void
kc_set_namespace(struct kube_config *cfg, const struct kubeconfig_opts *opts,
		 const char *fallback)
{
	if (opts->namespace && *opts->namespace)
		cfg->namespace = xstrdup(opts->namespace);
	else if (fallback && *fallback)
		cfg->namespace = xstrdup(fallback);
	cfg->namespace_explicit = cfg->namespace != NULL;
	if (!cfg->namespace)
		cfg->namespace = xstrdup("default");
}

/* Server from the flag or the cluster, without trailing slashes. */
static int
kc_finish_server(struct kube_config *cfg, const struct kubeconfig_opts *opts,
		 struct error *err)
{
	size_t len;

	if (opts->server && *opts->server) {
		free(cfg->server);
		cfg->server = xstrdup(opts->server);
	}
	if (!cfg->server || !*cfg->server) {
		error_set(err, ERR_CONFIG,
			  "cluster \"%s\" has no server in kubeconfig (files: "
			  "%s)",
			  cfg->cluster_name ? cfg->cluster_name : "",
			  cfg->source);
		error_hint(err, "set clusters[].cluster.server in the "
				"kubeconfig, or pass --server URL");
		return -1;
	}
	len = strlen(cfg->server);
	while (len > 1 && cfg->server[len - 1] == '/')
		cfg->server[--len] = '\0';
	return 0;
}

/* The --token flag replaces every credential of the user. */
static void
kc_token_override(struct kube_config *cfg, const struct kubeconfig_opts *opts)
{
	if (!opts->token || !*opts->token)
		return;
	free_secret_len(cfg->client_cert_pem, cfg->client_cert_len);
	free_secret_len(cfg->client_key_pem, cfg->client_key_len);
	free(cfg->client_cert_file);
	free(cfg->client_key_file);
	free_secret(cfg->token);
	free(cfg->token_file);
	kc_exec_free(cfg->exec);
	free(cfg->username);
	free_secret(cfg->password);
	cfg->client_cert_pem = cfg->client_key_pem = NULL;
	cfg->client_cert_len = cfg->client_key_len = 0;
	cfg->client_cert_file = cfg->client_key_file = NULL;
	cfg->token_file = cfg->username = cfg->password = NULL;
	cfg->exec = NULL;
	cfg->token = xstrdup(opts->token);
}

/* ERR_CONFIG "KIND "NAME" ... not found" with the available names. */
static int
kc_not_found(struct error *err, struct kc_files *fs, size_t section,
	     const char *name, const char *why, const char *fix)
{
	struct strbuf names = STRBUF_INIT;

	kc_names(&names, fs, section);
	error_set(err, ERR_CONFIG,
		  "%s \"%s\"%s not found in kubeconfig (files: %s)",
		  kc_sections[section].kind, name, why, fs->names.buf);
	error_hint(err, "available %s: %s; %s", kc_sections[section].list,
		   names.buf, fix);
	strbuf_release(&names);
	return -1;
}

static int
kc_resolve(struct kube_config *cfg, struct kc_files *fs,
	   const struct kubeconfig_opts *opts, struct error *err)
{
	struct kc_entry ctx = { 0 }, cl = { 0 }, us = { 0 };
	const char *ctx_name, *cluster = NULL, *user = NULL, *ns = NULL;
	char *why = NULL, *owner = NULL;
	int ret = -1;

	cfg->source = xstrdup(fs->names.buf);
	ctx_name = opts->context && *opts->context ? opts->context
						   : kc_current_context(fs);
	if (ctx_name) {
		if (!kc_find(&ctx, fs, 1, ctx_name)) {
			kc_not_found(err, fs, 1, ctx_name,
				     opts->context && *opts->context
					     ? " (--context)"
					     : " (current-context)",
				     "pass --context NAME or run 'kubectl "
				     "config use-context NAME'");
			goto out;
		}
		cfg->context_name = xstrdup(ctx_name);
		why = xasprintf("context \"%s\"", ctx_name);
		ctx.owner = why;
		if (kc_str(&cluster, &ctx, "cluster", err) ||
		    kc_str(&user, &ctx, "user", err) ||
		    kc_str(&ns, &ctx, "namespace", err))
			goto out;
	} else if (!(opts->cluster && *opts->cluster)) {
		struct strbuf names = STRBUF_INIT;

		kc_names(&names, fs, 1);
		error_set(err, ERR_CONFIG,
			  "no context selected: current-context is not set in "
			  "kubeconfig (files: %s)",
			  fs->names.buf);
		error_hint(err,
			   "pass --context NAME or run 'kubectl config "
			   "use-context NAME' (available contexts: %s)",
			   names.buf);
		strbuf_release(&names);
		goto out;
	}
	free(why);
	why = NULL;

	if (opts->cluster && *opts->cluster) {
		cluster = opts->cluster;
		why = xstrdup(" (--cluster)");
	} else {
		why = xasprintf(" (of context \"%s\")", ctx_name);
	}
	if (cluster && *cluster) {
		cfg->cluster_name = xstrdup(cluster);
		if (kc_find(&cl, fs, 0, cluster)) {
			owner = xasprintf("cluster \"%s\"", cluster);
			cl.owner = owner;
			if (kc_cluster(cfg, &cl, err))
				goto out;
			free(owner);
			owner = NULL;
		} else if (!(opts->server && *opts->server)) {
			kc_not_found(err, fs, 0, cluster, why,
				     "fix the context or pass --cluster NAME");
			goto out;
		}
	} else if (!(opts->server && *opts->server)) {
		error_set(err, ERR_CONFIG,
			  "context \"%s\" names no cluster in kubeconfig "
			  "(files: %s)",
			  ctx_name, fs->names.buf);
		error_hint(err, "set contexts[].context.cluster, or pass "
				"--cluster NAME");
		goto out;
	}
	if (kc_finish_server(cfg, opts, err))
		goto out;

	free(why);
	why = NULL;
	if (opts->user && *opts->user) {
		user = opts->user;
		why = xstrdup(" (--user)");
	} else {
		why = xasprintf(" (of context \"%s\")",
				ctx_name ? ctx_name : "");
	}
	if (user && *user) {
		cfg->user_name = xstrdup(user);
		if (kc_find(&us, fs, 2, user)) {
			if (!(opts->token && *opts->token)) {
				owner = xasprintf("user \"%s\"", user);
				us.owner = owner;
				if (kc_user(cfg, &us, err))
					goto out;
				free(owner);
				owner = NULL;
			}
		} else if (!(opts->token && *opts->token)) {
			kc_not_found(err, fs, 2, user, why,
				     "fix the context or pass --user NAME");
			goto out;
		}
	}
	kc_token_override(cfg, opts);
	kc_set_namespace(cfg, opts, ns);
	ret = 0;
out:
	free(owner);
	free(why);
	return ret;
}

/* The service-account directory, or NULL when not running in a pod. */
static char *
kc_incluster_dir(void)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *dir = getenv("CNPGOPS_SERVICEACCOUNT_DIR");
	char *token;
	int ok;

	if (!host || !*host || !port || !*port)
		return NULL;
	if (!dir || !*dir)
		dir = KUBECONFIG_SA_DIR;
	token = xasprintf("%s/token", dir);
	ok = access(token, R_OK) == 0;
	free(token);
	return ok ? xstrdup(dir) : NULL;
}

static int
kc_incluster(struct kube_config *cfg, const char *dir,
	     const struct kubeconfig_opts *opts, struct error *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *pod_ns = getenv("POD_NAMESPACE");
	char *ns = NULL, *path = NULL;
	struct error ignored = ERROR_INIT;
	int ret = -1;

	if (!host || !port)
		return error_set(err, ERR_INTERNAL,
				 "KUBERNETES_SERVICE_HOST/PORT are not set");
	cfg->source = xstrdup("in-cluster");
	cfg->server = strchr(host, ':')
			      ? xasprintf("https://[%s]:%s", host, port)
			      : xasprintf("https://%s:%s", host, port);
	cfg->token_file = xasprintf("%s/token", dir);
	if (kc_read_trimmed(&cfg->token, cfg->token_file, err))
		goto out;
	path = xasprintf("%s/ca.crt", dir);
	if (kc_exists(path)) {
		if (kc_read_file(&cfg->ca_pem, &cfg->ca_len, path, err))
			goto out;
		cfg->ca_file = path;
		path = NULL;
	}
	free(path);
	path = xasprintf("%s/namespace", dir);
	if (pod_ns && *pod_ns)
		ns = xstrdup(pod_ns);
	else if (kc_read_trimmed(&ns, path, &ignored))
		ns = NULL;
	error_clear(&ignored);
	if (kc_finish_server(cfg, opts, err))
		goto out;
	kc_token_override(cfg, opts);
	kc_set_namespace(cfg, opts, ns);
	ret = 0;
out:
	free(ns);
	free(path);
	return ret;
}

/* What kubeconfig_load() uses when the caller passes no options. */
static const struct kubeconfig_opts kc_no_opts;

int
kubeconfig_load(struct kube_config **out, const struct kubeconfig_opts *opts,
		struct error *err)
{
	struct kc_files fs = { NULL, 0, STRBUF_INIT };
	struct strbuf looked = STRBUF_INIT;
	struct kube_config *cfg = xcalloc(1, sizeof(*cfg));
	char *sa_dir = NULL;
	int ret = -1;

	if (!opts)
		opts = &kc_no_opts;
	if (kc_files_find(&fs, &looked, opts, err))
		goto out;
	if (fs.n) {
		if (kc_resolve(cfg, &fs, opts, err))
			goto out;
	} else if (!opts->context && !opts->cluster && !opts->user &&
		   (sa_dir = kc_incluster_dir()) != NULL) {
		if (kc_incluster(cfg, sa_dir, opts, err))
			goto out;
	} else {
		error_set(err, ERR_CONFIG, "no kubeconfig found (looked at %s)",
			  looked.len ? looked.buf
				     : "~/.kube/config, HOME unset");
		error_hint(err, "set KUBECONFIG=/path/to/kubeconfig or pass "
				"--kubeconfig FILE");
		goto out;
	}
	*out = cfg;
	cfg = NULL;
	ret = 0;
out:
	free(sa_dir);
	strbuf_release(&looked);
	kc_files_release(&fs);
	kubeconfig_free(cfg);
	return ret;
}

/* ---- exec credential plugins ---- */

/* KUBERNETES_EXEC_INFO: an ExecCredential with spec only. */
static char *
kc_exec_info(const struct kube_config *cfg, int interactive)
{
	const struct kubeconfig_exec *ex = cfg->exec;
	json_t *root = json_object(), *spec = json_object();
	char *s, *copy;

	json_object_set_new(root, "apiVersion", json_string(ex->api_version));
	json_object_set_new(root, "kind", json_string("ExecCredential"));
	json_object_set_new(spec, "interactive", json_boolean(interactive));
	if (ex->provide_cluster_info) {
		json_t *cl = json_object();

		if (cfg->server)
			json_object_set_new(cl, "server",
					    json_string(cfg->server));
		if (cfg->tls_server_name)
			json_object_set_new(cl, "tls-server-name",
					    json_string(cfg->tls_server_name));
		if (cfg->insecure_skip_tls_verify)
			json_object_set_new(cl, "insecure-skip-tls-verify",
					    json_true());
		if (cfg->ca_pem) {
			char *ca = kc_base64_encode(
				(const unsigned char *)cfg->ca_pem,
				cfg->ca_len);
			json_object_set_new(cl, "certificate-authority-data",
					    json_string(ca));
			free(ca);
		}
		if (cfg->proxy_url)
			json_object_set_new(cl, "proxy-url",
					    json_string(cfg->proxy_url));
		json_object_set_new(spec, "cluster", cl);
	}
	json_object_set_new(root, "spec", spec);
	s = jsonmem_dumps(root, JSON_COMPACT);
	json_decref(root);
	copy = xstrdup(s ? s : "{}");
	free(s);
	return copy;
}

/* Our environment, minus what the plugin's env replaces, plus its env. */
static char **
kc_exec_envp(const struct kubeconfig_exec *ex, const char *info)
{
	size_t n, i, j, k = 0, len;
	char **envp;

	for (n = 0; environ[n]; n++)
		;
	envp = xcalloc(n + ex->nenv + 2, sizeof(*envp));
	for (i = 0; i < n; i++) {
		int replaced = !strncmp(environ[i], KUBECONFIG_EXEC_INFO "=",
					strlen(KUBECONFIG_EXEC_INFO) + 1);
		for (j = 0; j < ex->nenv && !replaced; j++) {
			len = strlen(ex->env_names[j]);
			replaced =
				!strncmp(environ[i], ex->env_names[j], len) &&
				environ[i][len] == '=';
		}
		if (!replaced)
			envp[k++] = xstrdup(environ[i]);
	}
	for (j = 0; j < ex->nenv; j++)
		envp[k++] =
			xasprintf("%s=%s", ex->env_names[j], ex->env_values[j]);
	envp[k] = xasprintf("%s=%s", KUBECONFIG_EXEC_INFO, info);
	return envp;
}

static void
kc_strv_free(char **v, int secret)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++) {
		if (secret)
			free_secret(v[i]);
		else
			free(v[i]);
	}
	free(v);
}

/* What a plugin run produced. */
struct kc_run {
	struct strbuf out; /* stdout, capped */
	struct strbuf err; /* stderr, capped */
	int out_too_big;
	int status; /* from waitpid */
	int exec_errno; /* errno of a failed exec, else 0 */
};

/* Read whatever is ready on fd into sb (capped); 0 at end of file. */
static ssize_t
kc_drain(int fd, struct strbuf *sb, size_t cap, int *too_big)
{
	char buf[16384];
	ssize_t n;

	n = read(fd, buf, sizeof(buf));
	if (n > 0) {
		size_t take = (size_t)n;

		if (sb->len + take > cap) {
			take = cap - sb->len;
			if (too_big)
				*too_big = 1;
		}
		strbuf_add(sb, buf, take);
	}
	explicit_bzero(buf, sizeof(buf));
	return n;
}

static void
kc_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Run argv with envp and stdin from in_fd, collecting stdout and stderr
 * with poll() so neither pipe can fill up and stall the plugin.  When
 * interactive, the plugin writes its stderr to ours (as kubectl lets it),
 * so prompts such as a device-code login reach the user.
 */
static int
kc_run(struct kc_run *run, char **argv, char **envp, int in_fd, int interactive,
       struct error *err)
{
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, st[2] = { -1, -1 };
	struct pollfd pfd[2];
	pid_t pid = -1;
	ssize_t n;
	int e, i, failed = 0, ret = -1;

	if (pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC) ||
	    pipe2(st, O_CLOEXEC)) {
		error_set(err, ERR_IO, "cannot create pipes: %s",
			  strerror(errno));
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		error_set(err, ERR_IO, "cannot fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		if (dup2(in_fd, 0) < 0 || dup2(out[1], 1) < 0 ||
		    (!interactive && dup2(errp[1], 2) < 0))
			_exit(127);
		execvpe(argv[0], argv, envp);
		e = errno;
		if (write(st[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	kc_close(&out[1]);
	kc_close(&errp[1]);
	kc_close(&st[1]);
	if (interactive)
		kc_close(&errp[0]);
	/* The status pipe closes on a successful exec, or carries errno. */
	do
		n = read(st[0], &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	run->exec_errno = n == (ssize_t)sizeof(e) ? e : 0;

	pfd[0].fd = out[0];
	pfd[1].fd = errp[0];
	pfd[0].events = pfd[1].events = POLLIN;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			error_set(err, ERR_IO,
				  "cannot poll the exec plugin: %s",
				  strerror(errno));
			kill(pid, SIGKILL);
			failed = 1;
			break;
		}
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || !pfd[i].revents)
				continue;
			n = kc_drain(pfd[i].fd, i ? &run->err : &run->out,
				     i ? KUBECONFIG_EXEC_STDERR_MAX
				       : KUBECONFIG_EXEC_STDOUT_MAX,
				     i ? NULL : &run->out_too_big);
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				kc_close(i ? &errp[0] : &out[0]);
			pfd[i].fd = i ? errp[0] : out[0];
		}
	}
	while (waitpid(pid, &run->status, 0) < 0) {
		if (errno != EINTR) {
			error_set(err, ERR_IO,
				  "cannot wait for the exec "
				  "plugin: %s",
				  strerror(errno));
			goto out;
		}
	}
	ret = failed ? -1 : 0;
out:
	kc_close(&out[0]);
	kc_close(&out[1]);
	kc_close(&errp[0]);
	kc_close(&errp[1]);
	kc_close(&st[0]);
	kc_close(&st[1]);
	return ret;
}

/* Parse exactly n digits. */
static int
kc_digits(const char **p, int n, int *out)
{
	int v = 0;

	while (n-- > 0) {
		if (!isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (*(*p)++ - '0');
	}
	*out = v;
	return 0;
}

/* RFC 3339 ("2026-11-25T03:00:00Z", fractions, offsets) to UTC. */
static int
kc_parse_rfc3339(time_t *out, const char *s)
{
	struct tm tm;
	int year, mon, day, hh, mm, ss, oh = 0, om = 0, sign = 0;
	const char *p = s;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (kc_digits(&p, 4, &year) || *p++ != '-' || kc_digits(&p, 2, &mon) ||
	    *p++ != '-' || kc_digits(&p, 2, &day))
		return -1;
	if (*p != 'T' && *p != 't')
		return -1;
	p++;
	if (kc_digits(&p, 2, &hh) || *p++ != ':' || kc_digits(&p, 2, &mm) ||
	    *p++ != ':' || kc_digits(&p, 2, &ss))
		return -1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (kc_digits(&p, 2, &oh) || *p++ != ':' ||
		    kc_digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
	} else {
		return -1;
	}
	if (*p || mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 ||
	    mm > 59 || ss > 60)
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t - (time_t)sign * (oh * 3600 + om * 60);
	return 0;
}

/* An optional string member of obj; -1 if present but not a string. */
static int
kc_json_str(const char **out, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (json_is_null(v) || !v)
		return 0;
	if (!json_is_string(v))
		return -1;
	*out = json_string_value(v);
	return 0;
}

static int
kc_exec_parse(struct kubeconfig_cred *out, const struct kubeconfig_exec *ex,
	      const struct strbuf *buf, struct error *err)
{
	const char *api = NULL, *kind = NULL, *token = NULL, *cert = NULL,
		   *key = NULL, *exp = NULL;
	json_error_t jerr;
	json_t *root, *status;
	time_t expiry = 0;
	int ret = -1;

	root = json_loadb(buf->buf, buf->len, 0, &jerr);
	if (!root)
		return error_set(err, ERR_CONFIG,
				 "exec plugin \"%s\" printed invalid "
				 "ExecCredential JSON: line %d column %d: %s",
				 ex->command, jerr.line, jerr.column,
				 jerr.text);
	if (!json_is_object(root)) {
		error_set(err, ERR_CONFIG,
			  "exec plugin \"%s\" printed JSON that is not an "
			  "ExecCredential object",
			  ex->command);
		goto out;
	}
	if (kc_json_str(&kind, root, "kind") || !kind ||
	    strcmp(kind, "ExecCredential") != 0) {
		error_set(err, ERR_CONFIG,
			  "exec plugin \"%s\" returned kind \"%s\", want "
			  "\"ExecCredential\"",
			  ex->command, kind ? kind : "");
		goto out;
	}
	if (kc_json_str(&api, root, "apiVersion") || !api ||
	    strcmp(api, ex->api_version) != 0) {
		error_set(err, ERR_CONFIG,
			  "exec plugin \"%s\" returned apiVersion \"%s\", but "
			  "the kubeconfig configures \"%s\"",
			  ex->command, api ? api : "", ex->api_version);
		error_hint(err, "set users[].user.exec.apiVersion to the "
				"version the plugin speaks, or upgrade the "
				"plugin");
		goto out;
	}
	status = json_object_get(root, "status");
	if (!json_is_object(status)) {
		error_set(err, ERR_CONFIG,
			  "exec plugin \"%s\" returned an ExecCredential "
			  "without status",
			  ex->command);
		goto out;
	}
	if (kc_json_str(&token, status, "token") ||
	    kc_json_str(&cert, status, "clientCertificateData") ||
	    kc_json_str(&key, status, "clientKeyData") ||
	    kc_json_str(&exp, status, "expirationTimestamp")) {
		error_set(err, ERR_CONFIG,
			  "exec plugin \"%s\" returned a status field that "
			  "is not a string",
			  ex->command);
		goto out;
	}
	if (token && !*token)
		token = NULL;
	if (cert && !*cert)
		cert = NULL;
	if (key && !*key)
		key = NULL;
	if (!token && !cert && !key) {
		error_set(err, ERR_CONFIG,
			  "exec plugin \"%s\" returned neither a token nor a "
			  "client certificate",
			  ex->command);
		goto out;
	}
	if (!cert != !key) {
		error_set(err, ERR_CONFIG,
			  "exec plugin \"%s\" returned %s without %s",
			  ex->command,
			  cert ? "clientCertificateData" : "clientKeyData",
			  cert ? "clientKeyData" : "clientCertificateData");
		goto out;
	}
	if (exp && *exp && kc_parse_rfc3339(&expiry, exp)) {
		error_set(err, ERR_CONFIG,
			  "exec plugin \"%s\" returned an invalid "
			  "expirationTimestamp \"%s\" (want RFC 3339)",
			  ex->command, exp);
		goto out;
	}
	out->token = token ? xstrdup(token) : NULL;
	out->client_cert_pem = cert ? xstrdup(cert) : NULL;
	out->client_key_pem = key ? xstrdup(key) : NULL;
	out->expiry = expiry;
	ret = 0;
out:
	json_decref(root);
	return ret;
}

int
kubeconfig_exec_parse(struct kubeconfig_cred *out, const char *api_version,
		      const char *data, size_t len, struct error *err)
{
	struct kubeconfig_exec ex;
	struct strbuf buf = STRBUF_INIT;
	int rc;

	memset(&ex, 0, sizeof(ex));
	ex.api_version = (char *)(uintptr_t)api_version;
	ex.command = (char *)(uintptr_t) "fuzz";
	strbuf_add(&buf, data, len);
	rc = kc_exec_parse(out, &ex, &buf, err);
	strbuf_release_secret(&buf);
	return rc;
}

int
kubeconfig_exec_credential(struct kubeconfig_cred *out,
			   const struct kube_config *cfg, struct error *err)
{
	const struct kubeconfig_exec *ex = cfg->exec;
	struct kc_run run = { STRBUF_INIT, STRBUF_INIT, 0, 0, 0 };
	const char *mode;
	char **argv = NULL, **envp = NULL, *info = NULL;
	int interactive, in_fd = -1, ret = -1;
	size_t i;

	if (!ex)
		return error_set(err, ERR_INTERNAL,
				 "user \"%s\" has no exec plugin",
				 cfg->user_name ? cfg->user_name : "");
	mode = ex->interactive_mode ? ex->interactive_mode : "IfAvailable";
	interactive = strcmp(mode, "Never") != 0 && isatty(0);
	if (!strcmp(mode, "Always") && !interactive) {
		error_set(err, ERR_CONFIG,
			  "exec plugin \"%s\" needs a terminal "
			  "(interactiveMode Always) but standard input is not "
			  "one",
			  ex->command);
		error_hint(err, "run the command from an interactive terminal");
		goto out;
	}
	if (interactive) {
		in_fd = 0;
	} else {
		in_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (in_fd < 0) {
			error_set(err, ERR_IO, "cannot open /dev/null: %s",
				  strerror(errno));
			goto out;
		}
	}
	info = kc_exec_info(cfg, interactive);
	envp = kc_exec_envp(ex, info);
	argv = xcalloc(ex->nargs + 2, sizeof(*argv));
	argv[0] = xstrdup(ex->command);
	for (i = 0; i < ex->nargs; i++)
		argv[i + 1] = xstrdup(ex->args[i]);
	if (kc_run(&run, argv, envp, in_fd, interactive, err))
		goto out;
	strbuf_rtrim(&run.err);
	if (run.exec_errno) {
		if (run.exec_errno == ENOENT)
			error_set(err, ERR_CONFIG,
				  "exec plugin \"%s\" not found", ex->command);
		else
			error_set(err, ERR_CONFIG,
				  "cannot run exec plugin \"%s\": %s",
				  ex->command, strerror(run.exec_errno));
		if (ex->install_hint)
			error_hint(err, "%s", ex->install_hint);
		else
			error_hint(
				err,
				"install \"%s\" (it must be on PATH), or fix "
				"users[].user.exec.command of user \"%s\"",
				ex->command,
				cfg->user_name ? cfg->user_name : "");
		goto out;
	}
	if (WIFSIGNALED(run.status) ||
	    (WIFEXITED(run.status) && WEXITSTATUS(run.status) != 0)) {
		if (WIFSIGNALED(run.status))
			error_set(err, ERR_CONFIG,
				  "exec plugin \"%s\" was killed by signal "
				  "%d%s%s",
				  ex->command, WTERMSIG(run.status),
				  run.err.len ? ": " : "", run.err.buf);
		else
			error_set(err, ERR_CONFIG,
				  "exec plugin \"%s\" failed with exit status "
				  "%d%s%s",
				  ex->command, WEXITSTATUS(run.status),
				  run.err.len ? ": " : "", run.err.buf);
		if (ex->install_hint)
			error_hint(err, "%s", ex->install_hint);
		goto out;
	}
	if (run.out_too_big) {
		error_set(err, ERR_CONFIG,
			  "exec plugin \"%s\" printed more than 1 MiB",
			  ex->command);
		goto out;
	}
	ret = kc_exec_parse(out, ex, &run.out, err);
out:
	if (in_fd > 0)
		close(in_fd);
	kc_strv_free(argv, 0);
	kc_strv_free(envp, 1);
	free(info);
	strbuf_release_secret(&run.out);
	strbuf_release(&run.err);
	return ret;
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
