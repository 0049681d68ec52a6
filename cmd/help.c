/*
 * help [COMMAND...]: the overview, a group's commands, or one command's
 * flags, on stdout.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static int help_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option help_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.usage = "[COMMAND...]",
	.summary = "Show the commands, or the flags of one command",
	.shortopts = "",
	.longopts = help_longopts,
	.min_args = 0,
	.max_args = -1,
	.exec = help_exec,
};

static int
help_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry *ce;
	int n = 0;

	if (argc == 0) {
		cmd_print_overview(stdout, NULL);
		return 0;
	}
	ce = cmd_find(argc, argv, &n);
	if (ce && n == argc) {
		cmd_print_help(stdout, ce);
		return 0;
	}
	if (argc == 1) {
		size_t i, len = strlen(argv[0]);

		for (i = 0; cmd_table[i]; i++)
			if (strncmp(cmd_table[i]->name, argv[0], len) == 0 &&
			    cmd_table[i]->name[len] == ' ') {
				cmd_print_overview(stdout, argv[0]);
				return 0;
			}
	}
	error_set(ctx->err, ERR_USAGE, "unknown command '%s'", argv[0]);
	error_hint(ctx->err, "run '%s --help' to list the commands",
		   CNPGOPS_PROG);
	return -1;
}
