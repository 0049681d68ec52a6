/*
 * __complete: shell completion for kubectl's plugin completion (kubectl
 * 1.26 and later runs kubectl_complete-cnpgops, which runs this), in
 * cobra's protocol: one candidate per line, optionally "value<TAB>help",
 * then a line ":DIRECTIVE" (4: do not complete file names).
 *
 * usage: kubectl cnpgops __complete [WORD...] PARTIAL
 *
 * Completes command words, then the flags of the command the words select.
 * Nothing is printed on stderr and the exit status is 0 even when there is
 * nothing to offer, as shells expect.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kube.h"
#include "kubeconfig.h"

#define DIRECTIVE_NO_FILE 4

static int complete_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option complete_longopts[] = {
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_complete_entry = {
	.name = "__complete",
	.usage = "[WORD...] PARTIAL",
	.summary = "Shell completion (used by kubectl_complete-cnpgops)",
	.shortopts = "",
	.longopts = complete_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_HIDDEN | CMD_RAW_ARGS,
	.exec = complete_exec,
};

/* Print the next word of each entry whose name starts with words + partial. */
static void
complete_words(char **words, int n, const char *partial)
{
	size_t i, plen = strlen(partial);
	const char *last = NULL;
	size_t lastlen = 0;

	for (i = 0; cmd_table[i]; i++) {
		const char *p = cmd_table[i]->name;
		const char *end;
		int k, ok = 1;

		if (cmd_table[i]->flags & CMD_HIDDEN)
			continue;
		for (k = 0; k < n && ok; k++) {
			size_t wl = strlen(words[k]);

			if (strncmp(p, words[k], wl) != 0 || p[wl] != ' ')
				ok = 0;
			else
				p += wl + 1;
		}
		if (!ok || strncmp(p, partial, plen) != 0)
			continue;
		end = strchr(p, ' ');
		if (!end)
			end = p + strlen(p);
		/* groups repeat: print each next word once */
		if (last && (size_t)(end - p) == lastlen &&
		    strncmp(last, p, lastlen) == 0)
			continue;
		if (*end)
			printf("%.*s\n", (int)(end - p), p);
		else
			printf("%s\t%s\n", p, cmd_table[i]->summary);
		last = p;
		lastlen = (size_t)(end - p);
	}
}

static void
complete_flags(const struct cmd_entry *ce, const char *partial)
{
	const struct option *o;
	size_t plen = strlen(partial);

	for (o = ce->longopts; o->name; o++) {
		char flag[128];

		if (strlen(o->name) < 2)
			continue; /* --v is an alias of -v */
		snprintf(flag, sizeof(flag), "--%s", o->name);
		if (strncmp(flag, partial, plen) == 0)
			printf("%s\n", flag);
	}
}

/* The kubeconfig flags among the words typed so far. */
static void
scan_globals(struct kubeconfig_opts *ko, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!a)
			break;
		if ((strcmp(a, "-n") == 0 || strcmp(a, "--namespace") == 0) &&
		    v)
			ko->namespace = v;
		else if (strncmp(a, "--namespace=", 12) == 0)
			ko->namespace = a + 12;
		else if (strcmp(a, "--context") == 0 && v)
			ko->context = v;
		else if (strncmp(a, "--context=", 10) == 0)
			ko->context = a + 10;
		else if (strcmp(a, "--kubeconfig") == 0 && v)
			ko->kubeconfig = v;
		else if (strncmp(a, "--kubeconfig=", 13) == 0)
			ko->kubeconfig = a + 13;
	}
}

/*
 * Names of objects of kind from the API (clusters in the namespace, or
 * namespaces), quietly nothing when the API cannot be reached: a shell
 * completion must never print errors.
 */
static void
complete_names(enum kube_kind kind, const char *partial, int argc, char **argv)
{
	struct kubeconfig_opts ko = { 0 };
	struct kube_client_opts co = { 0 };
	struct kube_config *cfg = NULL;
	struct kube_client *kc = NULL;
	struct error err = ERROR_INIT;
	json_t *list = NULL, *it;
	size_t i, plen = strlen(partial);

	scan_globals(&ko, argc, argv);
	co.timeout_ms = 5000;
	co.max_retries = -1;
	if (kubeconfig_load(&cfg, &ko, &err) ||
	    kube_client_new(&kc, cfg, &co, &err))
		goto out;
	list = kube_list(kc, kind,
			 kind == KUBE_NAMESPACE ? NULL : cfg->namespace, NULL,
			 &err);
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		const char *n = json_string_value(json_object_get(
			json_object_get(it, "metadata"), "name"));

		if (n && strncmp(n, partial, plen) == 0)
			printf("%s\n", n);
	}
out:
	json_decref(list);
	kube_client_free(kc);
	kubeconfig_free(cfg);
	error_clear(&err);
}

static int
complete_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *partial = argc > 0 ? argv[argc - 1] : "";
	char *words[4] = { NULL };
	int nw = 0, i, nmatch = 0;
	const struct cmd_entry *ce;
	const char *prev;

	(void)ctx;
	for (i = 0; i < argc - 1 && nw < 4; i++) {
		if (argv[i][0] == '-') {
			if (cli_flag_takes_value(argv[i]))
				i++;
			continue;
		}
		words[nw++] = argv[i];
	}
	ce = cmd_find(nw, words, &nmatch);
	prev = argc > 1 ? argv[argc - 2] : "";
	if (strcmp(prev, "-n") == 0 || strcmp(prev, "--namespace") == 0) {
		complete_names(KUBE_NAMESPACE, partial, argc - 1, argv);
	} else if (partial[0] == '-') {
		if (ce)
			complete_flags(ce, partial);
	} else if (!ce || nmatch == nw) {
		/* a command word, or the next word of a group */
		complete_words(words, nw, partial);
		/* or the cluster operand of a command that takes one */
		if (ce && nmatch == nw && (ce->flags & CMD_TARGET_CLUSTER))
			complete_names(KUBE_CLUSTER, partial, argc - 1, argv);
	}
	printf(":%d\n", DIRECTIVE_NO_FILE);
	return 0;
}
