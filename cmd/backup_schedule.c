/*
 * backup schedule: create or update a ScheduledBackup.
 *
 * usage: kubectl cnpgops backup schedule CLUSTER
 *
 * Not implemented yet: the entry is listed so that --help shows the whole
 * tool, and running it says so and exits 1.
 */
#include <stddef.h>

#include "cli.h"

static const struct option backup_schedule_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_backup_schedule_entry = {
	.name = "backup schedule",
	.usage = "CLUSTER",
	.summary = "Create or update a ScheduledBackup",
	.shortopts = "",
	.longopts = backup_schedule_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.exec = cmd_not_implemented,
};
