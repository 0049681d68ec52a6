/*
 * s3tool: a test driver for the s3 module (not installed, not a command
 * of the plugin).  Credentials come from the environment.
 *
 *   s3tool [-e ENDPOINT] [-r REGION] [-m MAXKEYS] [-c CA.pem] BUCKET list
 *          PREFIX [DELIM]
 *   s3tool ... BUCKET list-parallel PREFIX BOUND...
 *   s3tool ... BUCKET get KEY | head KEY | delete KEY | put KEY TEXT
 *   s3tool ... BUCKET get-many K KEY...
 *
 * Listings print "object KEY SIZE MTIME ETAG" / "prefix P" lines and end
 * with "pages N".  Errors print "error: ...", "hint: ..." and "code: ..."
 * on stderr and exit 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "http.h"
#include "s3.h"
#include "strbuf.h"

static int
print_object(void *data, const struct store_object *o, struct error *err)
{
	(void)data;
	(void)err;
	printf("object %s %lld %lld %s\n", o->key, o->size,
	       (long long)o->last_modified, o->etag);
	return 0;
}

static int
print_prefix(void *data, const char *prefix, struct error *err)
{
	(void)data;
	(void)err;
	printf("prefix %s\n", prefix);
	return 0;
}

static int
print_body(void *data, size_t i, const char *body, size_t len,
	   const struct error *key_err, struct error *err)
{
	const char *const *keys = data;

	(void)err;
	if (body)
		printf("got %s %zu %.*s\n", keys[i], len, (int)len, body);
	else
		printf("failed %s %s\n", keys[i], key_err->msg);
	return 0;
}

static void
read_file(struct strbuf *sb, const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_add(sb, buf, n);
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct s3_config cfg;
	struct store *c = NULL;
	struct error err = ERROR_INIT;
	struct store_list_cb cb = { print_object, print_prefix, NULL };
	struct strbuf sb = STRBUF_INIT, ca = STRBUF_INIT;
	int opt, max_keys = 0, ret = -1;
	const char *cmd;

	memset(&cfg, 0, sizeof(cfg));
	while ((opt = getopt(argc, argv, "e:r:m:c:T:")) != -1) {
		if (opt == 'T')
			cfg.timeout_ms = strtol(optarg, NULL, 10);
		else if (opt == 'e')
			cfg.endpoint = optarg;
		else if (opt == 'r')
			cfg.region = optarg;
		else if (opt == 'c')
			read_file(&ca, optarg);
		else if (opt == 'm')
			max_keys = (int)strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (argc - optind < 3) {
		fprintf(stderr,
			"usage: s3tool [-e URL] [-r REGION] [-T MS] BUCKET "
			"CMD ARGS\n");
		return 2;
	}
	cfg.ca_pem = ca.len ? ca.buf : NULL;
	cfg.ca_pem_len = ca.len;
	http_global_init();
	c = s3_store_new(&cfg, argv[optind], &err);
	if (!c)
		goto out;
	cmd = argv[optind + 1];
	if (strcmp(cmd, "list") == 0) {
		struct store_list_opts o;
		char *token = NULL;
		int pages = 0;

		memset(&o, 0, sizeof(o));
		o.prefix = argv[optind + 2];
		o.delimiter = argc - optind > 3 ? argv[optind + 3] : NULL;
		o.max_keys = max_keys;
		do {
			char *next = NULL;

			o.continuation_token = token;
			if (store_list_page(&next, c, &o, &cb, &err) < 0) {
				free(token);
				goto out;
			}
			free(token);
			token = next;
			pages++;
		} while (token);
		printf("pages %d\n", pages);
	} else if (strcmp(cmd, "list-parallel") == 0) {
		if (store_list_parallel(c, argv[optind + 2],
					(const char *const *)argv + optind + 3,
					(size_t)(argc - optind - 3), 4, &cb,
					&err) < 0)
			goto out;
	} else if (strcmp(cmd, "get") == 0) {
		if (store_get(&sb, c, argv[optind + 2], 1 << 20, &err) < 0)
			goto out;
		fwrite(sb.buf, 1, sb.len, stdout);
	} else if (strcmp(cmd, "head") == 0) {
		struct store_stat h;

		if (store_stat(&h, c, argv[optind + 2], &err) < 0)
			goto out;
		printf("size %lld etag %s\n", h.size, h.etag);
	} else if (strcmp(cmd, "put") == 0 && argc - optind > 3) {
		if (store_put(c, argv[optind + 2], argv[optind + 3],
			      strlen(argv[optind + 3]), &err) < 0)
			goto out;
	} else if (strcmp(cmd, "delete") == 0) {
		if (store_delete(c, argv[optind + 2], &err) < 0)
			goto out;
	} else if (strcmp(cmd, "get-many") == 0 && argc - optind > 3) {
		if (store_get_many(c, (const char *const *)argv + optind + 3,
				   (size_t)(argc - optind - 3),
				   (int)strtol(argv[optind + 2], NULL, 10),
				   1 << 20, print_body, argv + optind + 3,
				   &err) < 0)
			goto out;
	} else {
		fprintf(stderr, "s3tool: unknown command '%s'\n", cmd);
		ret = -2;
		goto out;
	}
	ret = 0;
out:
	if (err.code != ERR_OK) {
		fprintf(stderr, "error: %s\n", err.msg);
		if (err.hint)
			fprintf(stderr, "hint: %s\n", err.hint);
		if (c)
			fprintf(stderr, "code: %s\n",
				store_last_error(c)->code);
	}
	if (c)
		fprintf(stderr, "region: %s\n", store_region(c));
	error_clear(&err);
	strbuf_release(&sb);
	strbuf_release(&ca);
	store_free(c);
	http_global_cleanup();
	return ret == 0 ? 0 : ret == -2 ? 2 : 1;
}
