/*
 * archive-test: test the archive's endpoint, credentials and path as barman
 * uses them.
 *
 * usage: kubectl cnpgops archive-test CLUSTER
 *
 * Not implemented yet: the entry is listed so that --help shows the whole
 * tool, and running it says so and exits 1.
 */
#include <stddef.h>

#include "cli.h"

static const struct option archive_test_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_archive_test_entry = {
	.name = "archive-test",
	.usage = "CLUSTER",
	.summary =
		"Test the archive's endpoint, credentials and path as barman uses them",
	.shortopts = "",
	.longopts = archive_test_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = CMD_MUTATES | CMD_OUTPUT_YAML,
	.exec = cmd_not_implemented,
};
