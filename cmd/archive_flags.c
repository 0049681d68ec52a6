/*
 * The flags that name an archive, shared by "catalog" and "archive-test",
 * and the small flag values several commands take (--timeout,
 * --instances).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "archive.h"
#include "cli.h"
#include "errors.h"
#include "kube.h"
#include "timefmt.h"

int
archive_flags_parse(struct archive_flags *af, int ch, const char *arg,
		    struct error *err)
{
	switch (ch) {
	case OPT_ARCHIVE_OBJECT_STORE:
		af->object_store = arg;
		return 0;
	case OPT_ARCHIVE_DESTINATION:
		af->destination_path = arg;
		return 0;
	case OPT_ARCHIVE_SERVER_NAME:
		af->server_name = arg;
		return 0;
	case OPT_ARCHIVE_ENDPOINT_URL:
		af->endpoint_url = arg;
		return 0;
	case OPT_ARCHIVE_ENDPOINT_CA:
		af->endpoint_ca = arg;
		return 0;
	case OPT_ARCHIVE_REGION:
		af->region = arg;
		return 0;
	}
	return error_set(err, ERR_INTERNAL, "unhandled flag %d", ch);
}

int
archive_flags_resolve(struct archive_config **out, json_t **cluster,
		      struct cmd_ctx *ctx, const struct archive_flags *af,
		      int argc, char **argv)
{
	if ((argc == 1) == (af->destination_path != NULL))
		return cmd_usage_error(ctx->entry, ctx->err,
				       "name a cluster, or give "
				       "--destination-path and --server-name, "
				       "not both");
	if (argc == 0)
		return archive_from_flags(out, af->destination_path,
					  af->server_name, af->endpoint_url,
					  af->endpoint_ca, af->region,
					  ctx->err);
	if (cmd_open_kube(ctx))
		return -1;
	*cluster = kube_get(ctx->kube, KUBE_CLUSTER, ctx->namespace, argv[0],
			    ctx->err);
	if (!*cluster)
		return -1;
	return archive_resolve(out, ctx->kube, ctx->namespace, *cluster,
			       af->object_store, ctx->err);
}

int
cmd_parse_timeout(long *out, const char *arg, struct error *err)
{
	int64_t ms;

	if (timefmt_parse_duration(&ms, arg, 0, err))
		return -1;
	*out = (long)ms;
	return 0;
}

int
cmd_parse_instances(int *out, const char *arg, struct error *err)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(arg, &end, 10);
	if (errno || *end || n < 1 || n > 99)
		return error_set(err, ERR_USAGE,
				 "--instances takes a number from 1 to 99, "
				 "not '%s'",
				 arg);
	*out = (int)n;
	return 0;
}
