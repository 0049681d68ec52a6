/*
 * backup list: list a cluster's Backup objects, newest first.
 *
 * usage: kubectl cnpgops backup list CLUSTER
 *
 * Not implemented yet: the entry is listed so that --help shows the whole
 * tool, and running it says so and exits 1.
 */
#include <stddef.h>

#include "cli.h"

static const struct option backup_list_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_backup_list_entry = {
	.name = "backup list",
	.usage = "CLUSTER",
	.summary = "List a cluster's Backup objects, newest first",
	.shortopts = "",
	.longopts = backup_list_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.exec = cmd_not_implemented,
};
