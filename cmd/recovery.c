/*
 * What the commands that make a recovery Cluster share (pitr, clone,
 * drill, recreate): a default name stamped with the time, the plan shown,
 * and the manifest's fields that come from the archive and the plan.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "archive.h"
#include "cli.h"
#include "manifest.h"
#include "plan.h"
#include "xmalloc.h"

char *
cmd_stamped(const char *base, enum cmd_stamp stamp)
{
	char text[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (stamp) {
	case CMD_STAMP_MINUTE:
		strftime(text, sizeof(text), "%Y%m%d%H%M", &tm);
		break;
	case CMD_STAMP_SECOND:
		strftime(text, sizeof(text), "%Y%m%d%H%M%S", &tm);
		break;
	default:
		strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &tm);
		break;
	}
	return xasprintf("%s%s", base, text);
}

void
cmd_print_plan(const struct plan *p, FILE *fp)
{
	char *d = plan_describe(p);

	fputs(d, fp);
	free(d);
}

void
cmd_recovery_of(struct manifest_recovery *r, const json_t *source,
		const char *name, const char *ns,
		const struct archive_config *arch, const struct plan *p)
{
	r->source = source;
	r->name = name;
	r->namespace = ns;
	r->plugin_model = arch->model == ARCHIVE_MODEL_PLUGIN;
	r->object_store = arch->object_store_name;
	r->inline_config = arch->configuration;
	r->server_name = arch->server_name;
	r->backup_id = p->backup_id;
	r->target_tli = p->target_tli;
}
