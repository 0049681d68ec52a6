/*
 * The command framework: find the entry the leading words select, parse
 * global and local flags with getopt_long (flags may stand anywhere after
 * the plugin name), check the operands, set up what the entry's CMD_* flags
 * ask for, run exec() and release everything.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "errors.h"
#include "kube.h"
#include "kubeconfig.h"
#include "strbuf.h"
#include "xmalloc.h"

/* Global flags whose value may be the next word. */
static const char *const global_value_flags[] = {
	"--kubeconfig",	     "--context", "--cluster",	 "--user", "--token",
	"--server",	     "-n",	  "--namespace", "-o",	   "--output",
	"--request-timeout", "--v",	  NULL,
};

int
cli_flag_takes_value(const char *arg)
{
	size_t i;

	for (i = 0; global_value_flags[i]; i++)
		if (strcmp(arg, global_value_flags[i]) == 0)
			return 1;
	return 0;
}

/* Does some entry's name start with the words w[0..n-1]? */
static int
words_match(const char *name, char *const *w, int n, int exact)
{
	const char *p = name;
	int i;

	for (i = 0; i < n; i++) {
		size_t len = strlen(w[i]);

		if (strncmp(p, w[i], len) != 0 || (p[len] != ' ' && p[len]))
			return 0;
		p += len;
		if (*p == ' ')
			p++;
		else if (i < n - 1)
			return 0;
	}
	return exact ? *p == '\0' : 1;
}

static int
is_prefix_of_some(char *const *w, int n)
{
	size_t i;

	for (i = 0; cmd_table[i]; i++)
		if (words_match(cmd_table[i]->name, w, n, 0))
			return 1;
	return 0;
}

const struct cmd_entry *
cmd_find(int argc, char *const *argv, int *nwords)
{
	const struct cmd_entry *best = NULL;
	int n, i;

	*nwords = 0;
	for (n = 1; n <= argc && n <= 4; n++) {
		if (!is_prefix_of_some(argv, n))
			break;
		for (i = 0; cmd_table[i]; i++) {
			if (words_match(cmd_table[i]->name, argv, n, 1)) {
				best = cmd_table[i];
				*nwords = n;
			}
		}
	}
	return best;
}

void
cmd_print_usage(FILE *fp, const struct cmd_entry *ce)
{
	fprintf(fp, "usage: %s %s%s%s\n", CNPGOPS_PROG, ce->name,
		ce->usage && *ce->usage ? " " : "", ce->usage ? ce->usage : "");
}

static const char global_help[] =
	"Global flags:\n"
	"      --kubeconfig PATH        kubeconfig file (else $KUBECONFIG, "
	"~/.kube/config, in-cluster)\n"
	"      --context NAME           kubeconfig context to use\n"
	"      --cluster NAME           kubeconfig cluster to use\n"
	"      --user NAME              kubeconfig user to use\n"
	"  -n, --namespace NS           namespace (else the context's, else "
	"default)\n"
	"  -o, --output FORMAT          text, yaml or json\n"
	"      --dry-run[=MODE]         client (print only) or server (validate "
	"on the server)\n"
	"      --request-timeout D      give up on one API request after D "
	"(e.g. 30s)\n"
	"  -v, --verbose                show requests on stderr (repeat for "
	"more; never secrets)\n"
	"  -h, --help                   show help\n";

void
cmd_print_help(FILE *fp, const struct cmd_entry *ce)
{
	cmd_print_usage(fp, ce);
	fprintf(fp, "\n%s\n", ce->summary);
	if (ce->help && *ce->help)
		fprintf(fp, "\nFlags:\n%s", ce->help);
	fprintf(fp, "\n%s", global_help);
}

static int
entry_in_group(const struct cmd_entry *ce, const char *group)
{
	size_t len;

	if (!group)
		return 1;
	len = strlen(group);
	return strncmp(ce->name, group, len) == 0 && ce->name[len] == ' ';
}

void
cmd_print_overview(FILE *fp, const char *group)
{
	size_t i;

	if (group)
		fprintf(fp, "usage: %s %s COMMAND [flags]\n\n", CNPGOPS_PROG,
			group);
	else
		fprintf(fp,
			"usage: %s COMMAND [flags]\n\n"
			"Backup and recovery for CloudNativePG clusters.\n\n",
			CNPGOPS_PROG);
	fprintf(fp, "Commands:\n");
	for (i = 0; cmd_table[i]; i++) {
		if (!entry_in_group(cmd_table[i], group) ||
		    (cmd_table[i]->flags & CMD_HIDDEN))
			continue;
		fprintf(fp, "  %-22s %s\n", cmd_table[i]->name,
			cmd_table[i]->summary);
	}
	fprintf(fp, "\n%s", global_help);
	fprintf(fp, "\nRun '%s help COMMAND' for a command's flags.\n",
		CNPGOPS_PROG);
}

int
cmd_usage_error(const struct cmd_entry *ce, struct error *err, const char *fmt,
		...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	error_set(err, ERR_USAGE, "%s", sb.buf);
	strbuf_release(&sb);
	error_hint(err, "usage: %s %s%s%s", CNPGOPS_PROG, ce->name,
		   ce->usage && *ce->usage ? " " : "",
		   ce->usage ? ce->usage : "");
	return -1;
}

static const char *
long_name(const struct option *lo, int val)
{
	for (; lo && lo->name; lo++)
		if (lo->val == val && strlen(lo->name) > 1)
			return lo->name;
	return NULL;
}

static int
is_global(int ch)
{
	return (ch >= 0x100 && ch < OPT_BACKUP_METHOD) || ch == 'n' ||
	       ch == 'o' || ch == 'v' || ch == 'h';
}

static int
parse_flags(const struct cmd_entry *ce, struct globals *g, void *state,
	    int argc, char **argv, struct error *err)
{
	char *shortopts = xasprintf("%s%s", GLOBAL_SHORTOPTS, ce->shortopts);
	int ch, rc = 0;

	optind = 0; /* glibc: full re-initialisation */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, ce->longopts, NULL)) !=
	       -1) {
		if (ch == '?') {
			if (optopt && optopt < 0x100)
				rc = cmd_usage_error(
					ce, err, "unknown flag '-%c'", optopt);
			else
				rc = cmd_usage_error(ce, err,
						     "unknown flag '%s'",
						     argv[optind - 1]);
			break;
		}
		if (ch == ':') {
			const char *name = long_name(ce->longopts, optopt);
			if (name && strncmp(argv[optind - 1], "--", 2) == 0)
				rc = cmd_usage_error(
					ce, err, "flag '--%s' needs a value",
					name);
			else
				rc = cmd_usage_error(ce, err,
						     "flag '-%c' needs a value",
						     optopt);
			break;
		}
		if (is_global(ch))
			rc = globals_parse_opt(g, ch, optarg, err);
		else if (ce->opt)
			rc = ce->opt(state, ch, optarg, err);
		else
			rc = error_set(err, ERR_INTERNAL, "flag %d unhandled",
				       ch);
		if (rc) {
			if (err->code == ERR_USAGE)
				error_hint_default(err, "usage: %s %s%s%s",
						   CNPGOPS_PROG, ce->name,
						   ce->usage && *ce->usage ? " "
									   : "",
						   ce->usage ? ce->usage : "");
			break;
		}
	}
	free(shortopts);
	return rc;
}

static void
hint_clusters(struct cmd_ctx *ctx, const char *name)
{
	struct error lerr = ERROR_INIT;
	json_t *list, *items, *it;
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	list = kube_list(ctx->kube, KUBE_CLUSTER, ctx->namespace, NULL, &lerr);
	error_clear(&lerr);
	items = list ? json_object_get(list, "items") : NULL;
	json_array_foreach(items, i, it)
	{
		const char *n = json_string_value(json_object_get(
			json_object_get(it, "metadata"), "name"));

		if (n)
			strbuf_addf(&sb, "%s%s", sb.len ? ", " : "", n);
	}
	if (sb.len)
		error_hint(ctx->err,
			   "clusters in namespace '%s': %s; check the name or "
			   "pass -n NAMESPACE",
			   ctx->namespace, sb.buf);
	else
		error_hint(ctx->err,
			   "namespace '%s' has no CNPG clusters; run 'kubectl "
			   "get clusters.postgresql.cnpg.io -A' to find it",
			   ctx->namespace);
	(void)name;
	strbuf_release(&sb);
	json_decref(list);
}

int
cmd_open_kube(struct cmd_ctx *ctx)
{
	struct globals *g = ctx->g;
	struct kubeconfig_opts ko = { 0 };
	struct kube_client_opts co = { 0 };

	if (ctx->kube)
		return 0;
	ko.kubeconfig = g->kubeconfig;
	ko.context = g->context;
	ko.cluster = g->cluster;
	ko.user = g->user;
	ko.namespace = g->namespace;
	ko.token = g->token;
	ko.server = g->server;
	if (kubeconfig_load(&ctx->kcfg, &ko, ctx->err))
		return -1;
	ctx->namespace = ctx->kcfg->namespace;
	co.timeout_ms = g->request_timeout_ms;
	co.verbose = g->verbose;
	co.log = cmd_log;
	return kube_client_new(&ctx->kube, ctx->kcfg, &co, ctx->err);
}

static int
setup(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *ce = ctx->entry;

	if (!(ce->flags & CMD_NEEDS_KUBE))
		return 0;
	if (cmd_open_kube(ctx))
		return -1;
	if ((ce->flags & CMD_TARGET_CLUSTER) && argc > 0) {
		ctx->cluster = kube_get(ctx->kube, KUBE_CLUSTER, ctx->namespace,
					argv[0], ctx->err);
		if (!ctx->cluster) {
			if (ctx->err->code == ERR_NOT_FOUND) {
				error_clear(ctx->err);
				error_set(ctx->err, ERR_NOT_FOUND,
					  "cluster '%s/%s' not found",
					  ctx->namespace, argv[0]);
				hint_clusters(ctx, argv[0]);
			}
			return -1;
		}
	}
	return 0;
}

int
cmd_run(const struct cmd_entry *ce, struct globals *g, int argc, char **argv,
	struct error *err)
{
	struct cmd_ctx ctx = { 0 };
	void *state = NULL;
	int rc = -1, nargs;
	char **args;

	if (ce->state_size)
		state = xcalloc(1, ce->state_size);
	if (ce->init)
		ce->init(state);
	if (ce->flags & CMD_RAW_ARGS)
		optind = 1;
	else if (parse_flags(ce, g, state, argc, argv, err))
		goto out;
	if (g->help) {
		cmd_print_help(stdout, ce);
		rc = 0;
		goto out;
	}
	args = argv + optind;
	nargs = argc - optind;
	if (nargs < ce->min_args) {
		cmd_usage_error(ce, err, "'%s' needs %s", ce->name,
				ce->min_args == 1 ? "an operand"
						  : "more operands");
		goto out;
	}
	if (ce->max_args >= 0 && nargs > ce->max_args) {
		cmd_usage_error(ce, err, "unexpected operand '%s'",
				args[ce->max_args]);
		goto out;
	}
	if (g->dry_run != DRY_RUN_NONE && !(ce->flags & CMD_MUTATES)) {
		cmd_usage_error(
			ce, err,
			"'%s' changes nothing: --dry-run does not apply",
			ce->name);
		goto out;
	}
	if (g->output == OUTPUT_YAML && !(ce->flags & CMD_OUTPUT_YAML)) {
		cmd_usage_error(ce, err, "'%s' has no yaml output; use -o json",
				ce->name);
		goto out;
	}
	if (g->output == OUTPUT_JSON && (ce->flags & CMD_NO_OUTPUT_JSON)) {
		cmd_usage_error(ce, err, "'%s' has no json output", ce->name);
		goto out;
	}
	ctx.entry = ce;
	ctx.g = g;
	ctx.state = state;
	ctx.err = err;
	if (setup(&ctx, nargs, args))
		goto out;
	rc = ce->exec(&ctx, nargs, args);
	if (rc < 0 && err->code == ERR_OK)
		error_set(err, ERR_INTERNAL, "'%s' failed", ce->name);
out:
	json_decref(ctx.cluster);
	kube_client_free(ctx.kube);
	kubeconfig_free(ctx.kcfg);
	free(state);
	return rc;
}

static void vnote(const char *prefix, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void
vnote(const char *prefix, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, prefix);
	strbuf_vaddf(&sb, fmt, ap);
	strbuf_addch(&sb, '\n');
	fputs(sb.buf, stderr);
	strbuf_release(&sb);
}

void
cmd_note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote("", fmt, ap);
	va_end(ap);
}

void
cmd_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote("warning: ", fmt, ap);
	va_end(ap);
}

void
cmd_log(void *ud, int level, const char *line)
{
	(void)ud;
	fprintf(stderr, "I%d %s\n", level, line);
}
