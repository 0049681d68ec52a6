/*
 * backup now: create a Backup of a cluster now.
 *
 * usage: kubectl cnpgops backup now CLUSTER
 * [--dry-run=client|server]
 *
 * Not implemented yet: the entry is listed so that --help shows the whole
 * tool, and running it says so and exits 1.
 */
#include <stddef.h>

#include "cli.h"

static const struct option backup_now_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_backup_now_entry = {
	.name = "backup now",
	.usage = "CLUSTER",
	.summary = "Create a Backup of a cluster now",
	.shortopts = "",
	.longopts = backup_now_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.exec = cmd_not_implemented,
};
