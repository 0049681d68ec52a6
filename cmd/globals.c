/*
 * The global flags shared by every command: kubeconfig selection,
 * namespace, output format, dry-run, request timeout and verbosity.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "errors.h"
#include "timefmt.h"

static int
parse_verbose(struct globals *g, const char *arg, struct error *err)
{
	char *end;
	long v;

	if (!arg) {
		g->verbose++;
		return 0;
	}
	if (*arg == '=')
		arg++;
	if (arg[strspn(arg, "v")] == '\0' && *arg) {
		g->verbose += 1 + (int)strlen(arg); /* -vvv */
		return 0;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || *end || v < 0 || v > 10)
		return error_set(err, ERR_USAGE,
				 "invalid verbosity '%s' (use -v, -vv or -v=N)",
				 arg);
	/* kubectl's -v=6 shows requests: map 6 to 1, 8 and up to 2 */
	g->verbose = v >= 8 ? 2 : v >= 6 ? 1 : (int)(v > 0);
	return 0;
}

int
globals_parse_opt(struct globals *g, int ch, const char *arg, struct error *err)
{
	switch (ch) {
	case OPT_KUBECONFIG:
		g->kubeconfig = arg;
		return 0;
	case OPT_CONTEXT:
		g->context = arg;
		return 0;
	case OPT_CLUSTER:
		g->cluster = arg;
		return 0;
	case OPT_USER:
		g->user = arg;
		return 0;
	case OPT_TOKEN:
		g->token = arg;
		return 0;
	case OPT_SERVER:
		g->server = arg;
		return 0;
	case 'n':
		if (!*arg)
			return error_set(err, ERR_USAGE,
					 "flag '--namespace' needs a value");
		g->namespace = arg;
		return 0;
	case 'o':
		if (strcmp(arg, "json") == 0)
			g->output = OUTPUT_JSON;
		else if (strcmp(arg, "yaml") == 0)
			g->output = OUTPUT_YAML;
		else if (strcmp(arg, "text") == 0 || strcmp(arg, "wide") == 0)
			g->output = OUTPUT_TEXT;
		else
			return error_set(
				err, ERR_USAGE,
				"unknown output format '%s' (use text, "
				"yaml or json)",
				arg);
		g->output_set = 1;
		return 0;
	case OPT_DRY_RUN:
		if (!arg || strcmp(arg, "client") == 0)
			g->dry_run = DRY_RUN_CLIENT;
		else if (strcmp(arg, "server") == 0)
			g->dry_run = DRY_RUN_SERVER;
		else if (strcmp(arg, "none") == 0)
			g->dry_run = DRY_RUN_NONE;
		else
			return error_set(err, ERR_USAGE,
					 "invalid --dry-run value '%s' (use "
					 "client, server or none)",
					 arg);
		return 0;
	case OPT_REQUEST_TIMEOUT: {
		int64_t ms;

		if (timefmt_parse_duration(&ms, arg, TIMEFMT_BARE_SECONDS, err))
			return -1;
		g->request_timeout_ms = (long)ms;
		return 0;
	}
	case 'v':
		return parse_verbose(g, arg, err);
	case 'h':
		g->help = 1;
		return 0;
	default:
		return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
	}
}
