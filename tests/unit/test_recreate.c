/*
 * recreate: clean manifests, GitOps owners, serverName candidates, and the
 * new Cluster for each mode.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "recreate.h"
#include "test.h"

static json_t *
load(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	if (!v)
		test_fail(__FILE__, __LINE__, "bad JSON: %s", e.text);
	return v;
}

static const char *
str_at(const json_t *v, const char *path)
{
	char buf[256];
	char *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && v;
	     tok = strtok_r(NULL, ".", &save)) {
		if (json_is_array(v))
			v = json_array_get(v, strtoul(tok, NULL, 10));
		else
			v = json_object_get(v, tok);
	}
	return json_string_value(v);
}

static const char *const live_plugin =
	"{\"apiVersion\":\"postgresql.cnpg.io/v1\",\"kind\":\"Cluster\","
	"\"metadata\":{\"name\":\"app-db\",\"namespace\":\"prod\","
	"\"uid\":\"u-1\",\"resourceVersion\":\"7\",\"generation\":2,"
	"\"creationTimestamp\":\"2026-01-01T00:00:00Z\",\"managedFields\":[],"
	"\"labels\":{\"team\":\"a\"},\"annotations\":{"
	"\"kubectl.kubernetes.io/last-applied-configuration\":\"{}\"}},"
	"\"spec\":{\"instances\":3,\"bootstrap\":{\"initdb\":{\"database\":"
	"\"app\",\"owner\":\"app\"}},\"plugins\":[{\"name\":"
	"\"barman-cloud.cloudnative-pg.io\",\"isWALArchiver\":true,"
	"\"parameters\":{\"barmanObjectName\":\"store\",\"serverName\":"
	"\"app-db\"}}]},\"status\":{\"phase\":\"Cluster in healthy state\"}}";

static void
recreate_clean_drops_what_the_server_sets(void)
{
	json_t *live = load(live_plugin);
	json_t *c = recreate_clean(live);
	const json_t *meta = json_object_get(c, "metadata");

	CHECK(json_object_get(c, "status") == NULL);
	CHECK(json_object_get(meta, "uid") == NULL);
	CHECK(json_object_get(meta, "resourceVersion") == NULL);
	CHECK(json_object_get(meta, "generation") == NULL);
	CHECK(json_object_get(meta, "managedFields") == NULL);
	CHECK(json_object_get(meta, "creationTimestamp") == NULL);
	CHECK(json_object_get(meta, "annotations") == NULL);
	CHECK_STR(str_at(c, "metadata.labels.team"), "a");
	CHECK_INT(json_integer_value(json_object_get(json_object_get(c, "spec"),
						     "instances")),
		  3);
	/* the live object is untouched */
	CHECK_STR(str_at(live, "metadata.uid"), "u-1");
	json_decref(c);
	json_decref(live);
}

static void
recreate_names_gitops_owners(void)
{
	static const struct {
		const char *meta, *owner, *evidence;
	} cases[] = {
		{ "{\"labels\":{\"kustomize.toolkit.fluxcd.io/name\":\"x\"}}",
		  "Flux", "kustomize.toolkit.fluxcd.io/name" },
		{ "{\"annotations\":{\"argocd.argoproj.io/tracking-id\":\"x\"}}",
		  "Argo CD", "argocd.argoproj.io/tracking-id" },
		{ "{\"annotations\":{\"meta.helm.sh/release-name\":\"x\"}}",
		  "Helm", "meta.helm.sh/release-name" },
		{ "{\"labels\":{\"app.kubernetes.io/managed-by\":\"Helm\"}}",
		  "Helm", "app.kubernetes.io/managed-by" },
		{ "{\"labels\":{\"app.kubernetes.io/managed-by\":\"me\"}}",
		  NULL, NULL },
		{ "{}", NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *meta = load(cases[i].meta);
		json_t *obj = json_pack("{s:o}", "metadata", meta);
		const char *ev = NULL;

		CHECK_STR(recreate_gitops_owner(obj, &ev), cases[i].owner);
		CHECK_STR(ev, cases[i].evidence);
		json_decref(obj);
	}
}

static void
recreate_server_candidates_count_on(void)
{
	char *s;

	s = recreate_server_candidate("app-db", "app-db", 1);
	CHECK_STR(s, "app-db-r1");
	free(s);
	s = recreate_server_candidate("app-db", "app-db-r1", 1);
	CHECK_STR(s, "app-db-r2");
	free(s);
	s = recreate_server_candidate("app-db", "app-db-r7", 3);
	CHECK_STR(s, "app-db-r10");
	free(s);
	s = recreate_server_candidate("app-db", "app-db-rx", 2);
	CHECK_STR(s, "app-db-r2");
	free(s);
	s = recreate_server_candidate("app-db", "other", 1);
	CHECK_STR(s, "app-db-r1");
	free(s);
}

static void
recreate_builds_a_recovery_from_its_own_archive(void)
{
	json_t *live = load(live_plugin);
	json_t *old = recreate_clean(live);
	struct recreate_build b = { 0 };
	struct error err = ERROR_INIT;
	json_t *c;

	b.mode = RECREATE_RECOVERY;
	b.old = old;
	b.plugin_model = 1;
	b.object_store = "store";
	b.old_server = "app-db";
	b.new_server = "app-db-r1";
	b.backup_id = "20261125T070001";
	b.target = MANIFEST_TARGET_LATEST;
	b.recreate_id = "id-1";
	c = recreate_new_cluster(&b, &err);
	CHECK(c != NULL);
	CHECK_STR(str_at(c, "metadata.name"), "app-db");
	CHECK_STR(str_at(c, "spec.bootstrap.recovery.source"), "app-db-origin");
	CHECK_STR(str_at(c, "spec.bootstrap.recovery.database"), "app");
	CHECK_STR(str_at(c, "spec.bootstrap.recovery.recoveryTarget.backupID"),
		  "20261125T070001");
	CHECK(json_object_get(
		      json_object_get(json_object_get(c, "spec"), "bootstrap"),
		      "initdb") == NULL);
	CHECK_STR(str_at(c, "spec.externalClusters.0.name"), "app-db-origin");
	CHECK_STR(
		str_at(c,
		       "spec.externalClusters.0.plugin.parameters.serverName"),
		"app-db");
	CHECK_STR(str_at(c, "spec.plugins.0.parameters.serverName"),
		  "app-db-r1");
	CHECK_STR(json_string_value(json_object_get(
			  json_object_get(json_object_get(c, "metadata"),
					  "annotations"),
			  "cnpgops.io/recreate-id")),
		  "id-1");
	CHECK_STR(recreate_archive_server(c), "app-db-r1");
	CHECK_STR(recreate_archive_server(old), "app-db");
	json_decref(c);

	/* initdb: the old initdb, a new serverName, no recovery */
	b.mode = RECREATE_INITDB;
	c = recreate_new_cluster(&b, &err);
	CHECK(c != NULL);
	CHECK_STR(str_at(c, "spec.bootstrap.initdb.database"), "app");
	CHECK(json_object_get(
		      json_object_get(json_object_get(c, "spec"), "bootstrap"),
		      "recovery") == NULL);
	CHECK_STR(recreate_archive_server(c), "app-db-r1");
	json_decref(c);
	json_decref(old);
	json_decref(live);
}

static void
recreate_checks_the_file(void)
{
	json_t *old = load(live_plugin);
	struct recreate_build b = { 0 };
	struct error err = ERROR_INIT;
	json_t *file, *c;

	b.mode = RECREATE_FILE;
	b.old = old;
	file = load(
		"{\"apiVersion\":\"postgresql.cnpg.io/v1\",\"kind\":"
		"\"Cluster\",\"metadata\":{\"name\":\"other\"},\"spec\":{}}");
	b.file = file;
	c = recreate_new_cluster(&b, &err);
	CHECK(c == NULL);
	CHECK_INT(err.code, ERR_USAGE);
	CHECK(err.msg && strstr(err.msg, "named 'other', not 'app-db'"));
	error_clear(&err);
	json_decref(file);

	file = load("{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":"
		    "{\"name\":\"app-db\"}}");
	b.file = file;
	c = recreate_new_cluster(&b, &err);
	CHECK(c == NULL);
	CHECK(err.msg &&
	      strstr(err.msg, "not a postgresql.cnpg.io/v1 Cluster"));
	error_clear(&err);
	json_decref(file);

	file = load("{\"apiVersion\":\"postgresql.cnpg.io/v1\",\"kind\":"
		    "\"Cluster\",\"metadata\":{\"name\":\"app-db\"},\"spec\":"
		    "{\"backup\":{\"barmanObjectStore\":{\"destinationPath\":"
		    "\"s3://b/p\"}}}}");
	b.file = file;
	b.new_server = "app-db-r4";
	c = recreate_new_cluster(&b, &err);
	CHECK(c != NULL);
	CHECK_STR(str_at(c, "metadata.namespace"), "prod");
	CHECK_STR(str_at(c, "spec.backup.barmanObjectStore.serverName"),
		  "app-db-r4");
	json_decref(c);
	json_decref(file);
	json_decref(old);
}

const struct test recreate_tests[] = {
	TEST(recreate_clean_drops_what_the_server_sets),
	TEST(recreate_names_gitops_owners),
	TEST(recreate_server_candidates_count_on),
	TEST(recreate_builds_a_recovery_from_its_own_archive),
	TEST(recreate_checks_the_file),
	{ NULL, NULL },
};
