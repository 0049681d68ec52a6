/*
 * pitr: build a point-in-time-recovery Cluster from the catalog.
 *
 * usage: kubectl cnpgops pitr CLUSTER
 *
 * Not implemented yet: the entry is listed so that --help shows the whole
 * tool, and running it says so and exits 1.
 */
#include <stddef.h>

#include "cli.h"

static const struct option pitr_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_pitr_entry = {
	.name = "pitr",
	.usage = "CLUSTER",
	.summary = "Build a point-in-time-recovery Cluster from the catalog",
	.shortopts = "",
	.longopts = pitr_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.exec = cmd_not_implemented,
};
