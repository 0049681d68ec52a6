/*
 * The Backup flags shared by "backup now" and "backup schedule".
 */
#include <string.h>

#include "cli.h"
#include "errors.h"
#include "manifest.h"

int
backup_flags_parse(struct backup_flags *bf, int ch, const char *arg,
		   struct error *err)
{
	switch (ch) {
	case OPT_BACKUP_METHOD:
		if (strcmp(arg, "auto") != 0 &&
		    strcmp(arg, "barmanObjectStore") != 0 &&
		    strcmp(arg, "volumeSnapshot") != 0 &&
		    strcmp(arg, "plugin") != 0)
			return error_set(
				err, ERR_USAGE,
				"unknown backup method '%s' (use auto, "
				"barmanObjectStore, volumeSnapshot or "
				"plugin)",
				arg);
		bf->method = arg;
		return 0;
	case OPT_BACKUP_TARGET:
		if (strcmp(arg, "primary") != 0 &&
		    strcmp(arg, "prefer-standby") != 0)
			return error_set(err, ERR_USAGE,
					 "unknown target '%s' (use primary or "
					 "prefer-standby)",
					 arg);
		bf->target = arg;
		return 0;
	case OPT_BACKUP_ONLINE:
	case OPT_BACKUP_OFFLINE:
		if (bf->online != MANIFEST_UNSET)
			return error_set(err, ERR_USAGE,
					 "--online and --offline exclude each "
					 "other");
		bf->online = ch == OPT_BACKUP_ONLINE ? MANIFEST_TRUE
						     : MANIFEST_FALSE;
		return 0;
	case OPT_BACKUP_IMMEDIATE:
		bf->immediate_checkpoint = MANIFEST_TRUE;
		return 0;
	case OPT_BACKUP_WAIT_ARCHIVE:
	case OPT_BACKUP_NO_WAIT_ARCHIVE:
		if (bf->wait_for_archive != MANIFEST_UNSET)
			return error_set(err, ERR_USAGE,
					 "--wait-for-archive and "
					 "--no-wait-for-archive exclude each "
					 "other");
		bf->wait_for_archive = ch == OPT_BACKUP_WAIT_ARCHIVE
					       ? MANIFEST_TRUE
					       : MANIFEST_FALSE;
		return 0;
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}
