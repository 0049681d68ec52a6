/*
 * The command table, in the order --help lists it.
 */
#include <stddef.h>

#include "cli.h"

const struct cmd_entry *const cmd_table[] = {
	&cmd_backup_now_entry,
	&cmd_backup_schedule_entry,
	&cmd_backup_schedule_list_entry,
	&cmd_backup_list_entry,
	&cmd_catalog_entry,
	&cmd_pitr_entry,
	&cmd_clone_entry,
	&cmd_archive_test_entry,
	&cmd_doctor_entry,
	&cmd_recreate_entry,
	&cmd_drill_entry,
	&cmd_version_entry,
	&cmd_help_entry,
	&cmd_complete_entry,
	NULL,
};
