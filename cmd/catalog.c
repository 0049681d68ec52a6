/*
 * catalog: show the barman catalog: backups, WAL timelines, recoverability
 * window.
 *
 * usage: kubectl cnpgops catalog CLUSTER
 *
 * Not implemented yet: the entry is listed so that --help shows the whole
 * tool, and running it says so and exits 1.
 */
#include <stddef.h>

#include "cli.h"

static const struct option catalog_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_catalog_entry = {
	.name = "catalog",
	.usage = "CLUSTER",
	.summary =
		"Show the barman catalog: backups, WAL timelines, recoverability window",
	.shortopts = "",
	.longopts = catalog_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.exec = cmd_not_implemented,
};
