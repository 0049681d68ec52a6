/*
 * cluster: backup method detection and CNPG's Backup webhook rules.
 */
#include <stdlib.h>
#include <string.h>

#include "cluster.h"
#include "errors.h"
#include "test.h"

#define META "\"metadata\":{\"name\":\"pg1\",\"namespace\":\"prod\"}"

static void
cluster_method_follows_the_configuration(void)
{
	static const struct {
		const char *cluster, *requested, *method, *plugin;
		int code;
		const char *msg;
	} rows[] = {
		{ "{" META ",\"spec\":{\"plugins\":[{\"name\":\"barman-cloud."
		  "cloudnative-pg.io\",\"isWALArchiver\":true}]}}",
		  "auto", "plugin", "barman-cloud.cloudnative-pg.io", 0, NULL },
		{ "{" META ",\"spec\":{\"backup\":{\"barmanObjectStore\":{}}}}",
		  "auto", "barmanObjectStore", NULL, 0, NULL },
		{ "{" META ",\"spec\":{\"backup\":{\"volumeSnapshot\":{}}}}",
		  "auto", "volumeSnapshot", NULL, 0, NULL },
		{ "{" META ",\"spec\":{\"backup\":{\"volumeSnapshot\":{},"
		  "\"barmanObjectStore\":{}}}}",
		  "volumeSnapshot", "volumeSnapshot", NULL, 0, NULL },
		{ "{" META ",\"spec\":{\"plugins\":[{\"name\":\"x\","
		  "\"isWALArchiver\":true,\"enabled\":false}]}}",
		  "auto", NULL, NULL, ERR_PRECONDITION,
		  "cluster 'prod/pg1' has no backup configuration (no WAL "
		  "archiver plugin, no spec.backup.barmanObjectStore, no "
		  "spec.backup.volumeSnapshot)" },
		{ "{" META ",\"spec\":{\"backup\":{\"barmanObjectStore\":{}}}}",
		  "plugin", NULL, NULL, ERR_PRECONDITION,
		  "cluster 'prod/pg1' is not configured for backup method "
		  "'plugin'" },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		json_t *c = json_loads(rows[i].cluster, 0, NULL);
		struct error err = ERROR_INIT;
		const char *method = NULL, *plugin = NULL;
		int rc = cluster_choose_backup_method(&method, &plugin, c,
						      rows[i].requested, &err);

		CHECK(c != NULL);
		CHECK_INT(rc, rows[i].code ? -1 : 0);
		CHECK_INT(err.code, rows[i].code);
		if (rows[i].code) {
			CHECK_STR(err.msg, rows[i].msg);
			CHECK(err.hint != NULL);
		} else {
			CHECK_STR(method, rows[i].method);
			CHECK_STR(plugin, rows[i].plugin);
		}
		error_clear(&err);
		json_decref(c);
	}
}

static void
cluster_online_flags_follow_the_webhook(void)
{
	static const struct {
		const char *method;
		enum manifest_tristate online, immediate, wait;
		int ok;
	} rows[] = {
		{ "barmanObjectStore", MANIFEST_UNSET, MANIFEST_UNSET,
		  MANIFEST_UNSET, 1 },
		{ "barmanObjectStore", MANIFEST_TRUE, MANIFEST_UNSET,
		  MANIFEST_UNSET, 0 },
		{ "barmanObjectStore", MANIFEST_UNSET, MANIFEST_TRUE,
		  MANIFEST_UNSET, 0 },
		{ "barmanObjectStore", MANIFEST_UNSET, MANIFEST_UNSET,
		  MANIFEST_FALSE, 0 },
		{ "volumeSnapshot", MANIFEST_TRUE, MANIFEST_TRUE,
		  MANIFEST_FALSE, 1 },
		{ "volumeSnapshot", MANIFEST_FALSE, MANIFEST_TRUE,
		  MANIFEST_UNSET, 0 },
		{ "plugin", MANIFEST_UNSET, MANIFEST_TRUE, MANIFEST_UNSET, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct error err = ERROR_INIT;
		int rc = cluster_check_backup_flags(
			rows[i].method, rows[i].online, rows[i].immediate,
			rows[i].wait, &err);

		CHECK_INT(rc, rows[i].ok ? 0 : -1);
		CHECK_INT(err.code, rows[i].ok ? ERR_OK : ERR_USAGE);
		error_clear(&err);
	}
}

static void
cluster_condition_is_found_by_type(void)
{
	json_t *c = json_loads(
		"{\"status\":{\"conditions\":[{\"type\":\"Ready\","
		"\"status\":\"True\"},{\"type\":\"ContinuousArchiving\","
		"\"status\":\"False\",\"message\":\"exit status 4\"}]}}",
		0, NULL);
	const json_t *ca = cluster_condition(c, "ContinuousArchiving");

	CHECK_STR(json_string_value(json_object_get(ca, "message")),
		  "exit status 4");
	CHECK(cluster_condition(c, "LastBackupSucceeded") == NULL);
	json_decref(c);
}

const struct test cluster_tests[] = {
	TEST(cluster_method_follows_the_configuration),
	TEST(cluster_online_flags_follow_the_webhook),
	TEST(cluster_condition_is_found_by_type),
	{ NULL, NULL },
};
