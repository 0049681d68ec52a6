/*
 * drill: restore into a throwaway cluster to prove the backups work.
 *
 * usage: kubectl cnpgops drill CLUSTER
 *
 * Not implemented yet: the entry is listed so that --help shows the whole
 * tool, and running it says so and exits 1.
 */
#include <stddef.h>

#include "cli.h"

static const struct option drill_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_drill_entry = {
	.name = "drill",
	.usage = "CLUSTER",
	.summary = "Restore into a throwaway cluster to prove the backups work",
	.shortopts = "",
	.longopts = drill_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.exec = cmd_not_implemented,
};
