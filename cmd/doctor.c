/*
 * doctor: find failing WAL archiving and stale backups early.
 *
 * usage: kubectl cnpgops doctor [CLUSTER]
 *
 * Not implemented yet: the entry is listed so that --help shows the whole
 * tool, and running it says so and exits 1.
 */
#include <stddef.h>

#include "cli.h"

static const struct option doctor_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_doctor_entry = {
	.name = "doctor",
	.usage = "[CLUSTER]",
	.summary = "Find failing WAL archiving and stale backups early",
	.shortopts = "",
	.longopts = doctor_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.exec = cmd_not_implemented,
};
