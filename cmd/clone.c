/*
 * clone: clone a cluster from its catalog (prod to dev).
 *
 * usage: kubectl cnpgops clone CLUSTER
 *
 * Not implemented yet: the entry is listed so that --help shows the whole
 * tool, and running it says so and exits 1.
 */
#include <stddef.h>

#include "cli.h"

static const struct option clone_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_clone_entry = {
	.name = "clone",
	.usage = "CLUSTER",
	.summary = "Clone a cluster from its catalog (prod to dev)",
	.shortopts = "",
	.longopts = clone_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.exec = cmd_not_implemented,
};
