/*
 * recreate: recreate a cluster with a new bootstrap, never losing it.
 *
 * usage: kubectl cnpgops recreate CLUSTER
 * initdb) [--yes]
 *
 * Not implemented yet: the entry is listed so that --help shows the whole
 * tool, and running it says so and exits 1.
 */
#include <stddef.h>

#include "cli.h"

static const struct option recreate_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_recreate_entry = {
	.name = "recreate",
	.usage = "CLUSTER",
	.summary = "Recreate a cluster with a new bootstrap, never losing it",
	.shortopts = "",
	.longopts = recreate_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.exec = cmd_not_implemented,
};
