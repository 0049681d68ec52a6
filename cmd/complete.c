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

static int
complete_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const char *partial = argc > 0 ? argv[argc - 1] : "";
	char *words[4] = { NULL };
	int nw = 0, i, nmatch = 0;
	const struct cmd_entry *ce;

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
	if (partial[0] == '-') {
		if (ce)
			complete_flags(ce, partial);
	} else if (!ce || nmatch == nw) {
		/* a command word, or the next word of a group */
		complete_words(words, nw, partial);
	}
	printf(":%d\n", DIRECTIVE_NO_FILE);
	return 0;
}
