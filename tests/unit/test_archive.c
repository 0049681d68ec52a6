/*
 * archive: destination paths, the server prefix, double nesting, and the
 * base64 decoding of Secret data.
 */
#include <stdlib.h>
#include <string.h>

#include "archive.h"
#include "base64.h"
#include "errors.h"
#include "test.h"
#include "xmalloc.h"

static void
archive_provider_comes_from_the_url_scheme(void)
{
	CHECK_INT(archive_provider_of("s3://bucket/path"), ARCHIVE_PROVIDER_S3);
	CHECK_INT(archive_provider_of("gs://bucket/path"),
		  ARCHIVE_PROVIDER_GCS);
	CHECK_INT(archive_provider_of(
			  "https://acct.blob.core.windows.net/container/p"),
		  ARCHIVE_PROVIDER_AZURE);
	CHECK_INT(archive_provider_of("azure://container/p"),
		  ARCHIVE_PROVIDER_AZURE);
	/* any other http(s) host is an emulator's path-style URL, as
	 * barman reads it */
	CHECK_INT(archive_provider_of(
			  "http://127.0.0.1:10000/devstoreaccount1/c/p"),
		  ARCHIVE_PROVIDER_AZURE);
	CHECK_INT(archive_provider_of("ftp://example.com/x"), -1);
	CHECK_INT(archive_provider_of("/var/backups"), -1);
	CHECK_INT(archive_provider_of(NULL), -1);
}

static void
archive_double_nesting_is_detected(void)
{
	static const struct {
		const char *path, *server;
		int nested;
		const char *prefix;
	} rows[] = {
		{ "s3://b/backups", "pg1", 0, "s3://b/backups/pg1/" },
		{ "s3://b/backups/pg1", "pg1", 1, "s3://b/backups/pg1/pg1/" },
		{ "s3://b/backups/pg1/", "pg1", 1, "s3://b/backups/pg1/pg1/" },
		{ "s3://b/backups/xpg1", "pg1", 0, "s3://b/backups/xpg1/pg1/" },
		{ "s3://pg1", "pg1", 0, "s3://pg1/pg1/" },
		{ "s3://b/pg1", "pg1", 1, "s3://b/pg1/pg1/" },
		{ "s3://b", "pg1", 0, "s3://b/pg1/" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct archive_config *cfg = NULL;
		struct error err = ERROR_INIT;
		char *prefix;

		CHECK_INT(archive_from_flags(&cfg, rows[i].path, rows[i].server,
					     NULL, NULL, NULL, &err),
			  0);
		if (!cfg)
			continue;
		CHECK_INT(archive_is_double_nested(cfg), rows[i].nested);
		prefix = archive_server_path(cfg);
		CHECK_STR(prefix, rows[i].prefix);
		free(prefix);
		archive_config_free(cfg);
	}
}

static void
archive_flags_need_path_and_server(void)
{
	struct archive_config *cfg = NULL;
	struct error err = ERROR_INIT;

	CHECK_INT(archive_from_flags(&cfg, "s3://b/p", NULL, NULL, NULL, NULL,
				     &err),
		  -1);
	CHECK_INT(err.code, ERR_USAGE);
	CHECK(cfg == NULL);
	error_clear(&err);
	CHECK_INT(archive_from_flags(&cfg, "ftp://b/p", "pg1", NULL, NULL, NULL,
				     &err),
		  -1);
	CHECK(strstr(err.msg, "'ftp://b/p'") != NULL);
	error_clear(&err);
	CHECK_INT(archive_from_flags(&cfg, "s3://b/p", "pg1", NULL,
				     "/nonexistent/ca.pem", NULL, &err),
		  -1);
	CHECK_INT(err.code, ERR_IO);
	error_clear(&err);
}

static void
base64_round_trips_and_rejects_garbage(void)
{
	static const struct {
		const char *in, *out;
	} rows[] = {
		{ "", "" },
		{ "Zg==", "f" },
		{ "Zm8=", "fo" },
		{ "Zm9v", "foo" },
		{ "Zm9vYg", "foob" },
		{ "Zm9v\nYmFy\n", "foobar" },
		{ "QUtJQUlPU0ZPRE5ON0VYQU1QTEU=", "AKIAIOSFODNN7EXAMPLE" },
	};
	struct error err = ERROR_INIT;
	size_t i, len;
	char *s;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		s = base64_decode(&len, rows[i].in, strlen(rows[i].in), "x",
				  &err);
		CHECK_STR(s, rows[i].out);
		CHECK_INT(len, strlen(rows[i].out));
		free(s);
		if (*rows[i].out && !strchr(rows[i].in, '\n') &&
		    strchr(rows[i].in, '=')) {
			s = base64_encode(rows[i].out, strlen(rows[i].out));
			CHECK_STR(s, rows[i].in);
			free(s);
		}
	}
	s = base64_decode(&len, "Zm9v!", 5, "secret 'a/b' key 'c'", &err);
	CHECK(s == NULL);
	CHECK_STR(err.msg, "secret 'a/b' key 'c' is not valid base64 (byte 5)");
	error_clear(&err);
	s = base64_decode(&len, "Z", 1, "x", &err);
	CHECK(s == NULL);
	error_clear(&err);
}

const struct test archive_tests[] = {
	TEST(archive_provider_comes_from_the_url_scheme),
	TEST(archive_double_nesting_is_detected),
	TEST(archive_flags_need_path_and_server),
	TEST(base64_round_trips_and_rejects_garbage),
	{ NULL, NULL },
};
