/*
 * kubectl-cnpgops: entry point.  Finds the command the leading words name,
 * hands the rest of the command line to the framework, prints the error (if
 * any) as "error: ..." and "hint: ..." on stderr and maps it to the exit
 * status: 0 ok, 1 failure, 2 usage, 3 precondition refused, 4 timed out.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "errors.h"
#include "http.h"
#include "jsonmem.h"
#include "xmalloc.h"

static void
print_error(const struct error *err)
{
	fprintf(stderr, "error: %s\n", err->msg ? err->msg : "unknown error");
	if (err->hint)
		fprintf(stderr, "hint: %s\n", err->hint);
}

static int
has_help_flag(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "-h") == 0 ||
		    strcmp(argv[i], "--help") == 0)
			return 1;
	}
	return 0;
}

/*
 * Collect the leading operand words (skipping global flags and their
 * values), let cmd_find() pick the entry, and build the argv the framework
 * parses: the entry's name, then every other argument in order.
 */
static int
dispatch(int argc, char **argv, struct error *err)
{
	struct globals g = { 0 };
	char *words[4];
	int pos[4] = { 0 }, nw = 0, nmatch = 0, i, j, nargc, rc;
	const struct cmd_entry *ce;
	char **nargv;

	for (i = 1; i < argc && nw < 4; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			break;
		if (a[0] == '-' && a[1]) {
			if (cli_flag_takes_value(a))
				i++;
			continue;
		}
		pos[nw] = i;
		words[nw++] = argv[i];
	}
	ce = cmd_find(nw, words, &nmatch);
	if (!ce) {
		if (nw == 0) {
			if (argc > 1 && !has_help_flag(argc, argv)) {
				error_set(err, ERR_USAGE, "no command given");
				error_hint(err,
					   "run '%s --help' to list the "
					   "commands",
					   CNPGOPS_PROG);
				return -1;
			}
			cmd_print_overview(stdout, NULL);
			return 0;
		}
		if (cmd_find(1, words, &nmatch) == NULL && nw >= 1) {
			/* a group word alone ("backup") */
			size_t k;
			size_t len = strlen(words[0]);

			for (k = 0; cmd_table[k]; k++)
				if (strncmp(cmd_table[k]->name, words[0],
					    len) == 0 &&
				    cmd_table[k]->name[len] == ' ')
					break;
			if (cmd_table[k]) {
				if (has_help_flag(argc, argv)) {
					cmd_print_overview(stdout, words[0]);
					return 0;
				}
				error_set(err, ERR_USAGE,
					  "'%s' needs a subcommand", words[0]);
				error_hint(err,
					   "run '%s %s --help' to list its "
					   "subcommands",
					   CNPGOPS_PROG, words[0]);
				return -1;
			}
		}
		error_set(err, ERR_USAGE, "unknown command '%s'", words[0]);
		error_hint(err, "run '%s --help' to list the commands",
			   CNPGOPS_PROG);
		return -1;
	}
	nargv = xcalloc((size_t)argc + 1, sizeof(char *));
	nargv[0] = (char *)(uintptr_t)ce->name;
	nargc = 1;
	for (i = 1, j = 0; i < argc; i++) {
		if (j < nmatch && i == pos[j]) {
			j++;
			continue;
		}
		nargv[nargc++] = argv[i];
	}
	rc = cmd_run(ce, &g, nargc, nargv, err);
	free(nargv);
	return rc;
}

int
main(int argc, char **argv)
{
	struct error err = ERROR_INIT;
	int status;

	jsonmem_init(); /* before any JSON value exists */
	if (http_global_init()) {
		fprintf(stderr, "error: cannot initialise libcurl\n");
		return 1;
	}
	status = dispatch(argc, argv, &err);
	if (err.code != ERR_OK || status < 0)
		status = error_exit_status(err.code);
	if (err.code != ERR_OK)
		print_error(&err);
	error_clear(&err);
	http_global_cleanup();
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "error: writing to standard output failed\n");
		if (!status)
			status = 1;
	}
	return status;
}
