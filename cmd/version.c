/*
 * version: the plugin's version and the versions of the libraries it runs
 * with (libcurl and its TLS library, jansson, libyaml).
 *
 * usage: kubectl cnpgops version [-o json]
 */
#include <stdio.h>

#include <jansson.h>

#include "cli.h"
#include "http.h"
#include "output.h"

static int version_exec(struct cmd_ctx *ctx, int argc, char **argv);

static const struct option version_longopts[] = {
	GLOBAL_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "[-o json]",
	.summary = "Print the plugin version and its library versions",
	.shortopts = "",
	.longopts = version_longopts,
	.min_args = 0,
	.max_args = 0,
	.flags = CMD_OUTPUT_YAML,
	.exec = version_exec,
};

static int
version_exec(struct cmd_ctx *ctx, int argc, char **argv)
{
	json_t *v;
	int rc = 0;

	(void)argc;
	(void)argv;
	if (ctx->g->output == OUTPUT_TEXT) {
		printf("kubectl-cnpgops %s\n", CNPGOPS_VERSION);
		printf("libcurl %s\n", http_library_version());
		printf("jansson %s\n", jansson_version_str());
		printf("libyaml %s\n", output_yaml_version());
		return 0;
	}
	v = json_pack("{s:s, s:s, s:s, s:s}", "version", CNPGOPS_VERSION,
		      "libcurl", http_library_version(), "jansson",
		      jansson_version_str(), "libyaml", output_yaml_version());
	if (ctx->g->output == OUTPUT_JSON)
		rc = output_json(stdout, v, ctx->err);
	else
		rc = output_yaml(stdout, v, ctx->err);
	json_decref(v);
	return rc;
}
