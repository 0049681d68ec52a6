/*
 * manifest: the builders' output, as YAML, against tests/golden/.
 */
#include <stdio.h>
#include <stdlib.h>

#include "errors.h"
#include "jsonmem.h"
#include "manifest.h"
#include "output.h"
#include "test.h"

static void
check_golden(json_t *obj, const char *golden)
{
	struct error err = ERROR_INIT;
	char *yaml = output_yaml_string(obj, &err);
	char path[256];
	char *want;

	snprintf(path, sizeof(path), "../golden/%s", golden);
	want = test_read_fixture(path, NULL);
	CHECK_STR(yaml, want);
	free(yaml);
	free(want);
	json_decref(obj);
	error_clear(&err);
}

static void
manifest_backup_plugin_names_the_plugin(void)
{
	struct manifest_backup b = { 0 };

	b.name = "app-db-20261125094100";
	b.namespace = "prod";
	b.cluster = "app-db";
	b.method = "plugin";
	b.plugin_name = "barman-cloud.cloudnative-pg.io";
	check_golden(manifest_backup(&b), "backup-plugin.yaml");
}

static void
manifest_backup_inline_has_no_online_fields(void)
{
	struct manifest_backup b = { 0 };

	b.name = "before-migration";
	b.namespace = "prod";
	b.cluster = "app-db";
	b.method = "barmanObjectStore";
	b.target = "primary";
	check_golden(manifest_backup(&b), "backup-inline.yaml");
}

static void
manifest_backup_snapshot_carries_online_configuration(void)
{
	struct manifest_backup b = { 0 };

	b.name = "app-db-snap";
	b.namespace = "prod";
	b.cluster = "app-db";
	b.method = "volumeSnapshot";
	b.online = MANIFEST_TRUE;
	b.immediate_checkpoint = MANIFEST_TRUE;
	b.wait_for_archive = MANIFEST_FALSE;
	check_golden(manifest_backup(&b), "backup-snapshot.yaml");
}

static void
manifest_scheduled_backup_is_six_field_and_owned(void)
{
	struct manifest_scheduled_backup s = { 0 };

	s.name = "app-db-scheduled";
	s.namespace = "prod";
	s.cluster = "app-db";
	s.schedule = "0 0 3 * * *";
	s.method = "plugin";
	s.plugin_name = "barman-cloud.cloudnative-pg.io";
	s.owner = "self";
	s.immediate = 1;
	check_golden(manifest_scheduled_backup(&s),
		     "scheduledbackup-plugin.yaml");
}

static json_t *
load_fixture_json(const char *name)
{
	char *text = test_read_fixture(name, NULL);
	json_t *v = json_loads(text, 0, NULL);

	free(text);
	CHECK(v != NULL);
	return v;
}

static void
manifest_recovery_from_plugin_source_to_a_time(void)
{
	json_t *src = load_fixture_json("kube/cluster-plugin.json");
	struct manifest_recovery r = { 0 };

	r.source = src;
	r.name = "app-db-pitr-202611240941";
	r.namespace = "prod";
	r.plugin_model = 1;
	r.object_store = "app-db-store";
	r.server_name = "app-db";
	r.backup_id = "20261124T030001";
	r.target = MANIFEST_TARGET_TIME;
	r.target_value = "2026-11-24 09:41:00.000000+00:00";
	r.instances = 1;
	check_golden(manifest_recovery_cluster(&r), "pitr-plugin-time.yaml");
	json_decref(src);
}

static void
manifest_recovery_from_inline_source_archiving_elsewhere(void)
{
	json_t *src = load_fixture_json("kube/cluster-inline.json");
	struct manifest_recovery r = { 0 };

	r.source = src;
	r.name = "legacy-db-restored";
	r.namespace = "prod";
	r.inline_config = json_object_get(
		json_object_get(json_object_get(src, "spec"), "backup"),
		"barmanObjectStore");
	r.server_name = "legacy-db";
	r.backup_id = "20261120T000000";
	r.target = MANIFEST_TARGET_LSN;
	r.target_value = "0/5000060";
	r.exclusive = 1;
	r.target_tli = 2;
	r.archive_server = "legacy-db-restored";
	check_golden(manifest_recovery_cluster(&r), "pitr-inline-lsn.yaml");
	json_decref(src);
}

static void
manifest_dev_clone_drops_what_dev_has_not(void)
{
	json_t *src = load_fixture_json("kube/cluster-plugin.json");
	json_t *removed = json_array();
	struct manifest_recovery r = { 0 };
	struct manifest_dev d = { 0 };
	json_t *c;
	char *list;

	r.source = src;
	r.name = "app-db-dev";
	r.namespace = "dev";
	r.plugin_model = 1;
	r.object_store = "app-db-dev-source";
	r.server_name = "app-db";
	r.backup_id = "20261124T030001";
	r.target = MANIFEST_TARGET_LATEST;
	c = manifest_recovery_cluster(&r);
	d.storage_size = "20Gi";
	d.memory = "1Gi";
	d.cpu = "500m";
	manifest_size_for_dev(c, &d, removed);
	list = jsonmem_dumps(removed, JSON_COMPACT);
	CHECK_STR(list,
		  "[\"spec.affinity.tolerations (node pools of the "
		  "source)\",\"spec.affinity.nodeSelector\",\"spec."
		  "monitoring.enablePodMonitor\",\"serviceAccountTemplate "
		  "annotation eks.amazonaws.com/role-arn (the source's "
		  "cloud identity)\"]");
	free(list);
	json_decref(removed);
	check_golden(c, "clone-dev.yaml");
	json_decref(src);
}

static void
manifest_secret_refs_are_renamed_and_listed(void)
{
	json_t *src = load_fixture_json("kube/cluster-inline.json");
	json_t *conf = json_deep_copy(json_object_get(
		json_object_get(json_object_get(src, "spec"), "backup"),
		"barmanObjectStore"));
	json_t *names = json_array();
	json_t *secret = json_loads(
		"{\"metadata\":{\"name\":\"minio-creds\"},\"data\":{"
		"\"ACCESS_KEY_ID\":\"QUtJQQ==\",\"OTHER\":\"eA==\"}}",
		0, NULL);
	static const char *const keys[] = { "ACCESS_KEY_ID", "MISSING", NULL };
	json_t *copy;
	char *s;

	manifest_secret_names(conf, names);
	s = jsonmem_dumps(names, JSON_COMPACT);
	CHECK_STR(s, "[\"minio-ca\",\"minio-creds\"]");
	free(s);
	manifest_rename_secret(conf, "minio-creds", "dev-creds");
	CHECK_STR(
		json_string_value(json_object_get(
			json_object_get(json_object_get(conf, "s3Credentials"),
					"secretAccessKey"),
			"name")),
		"dev-creds");
	CHECK_STR(json_string_value(json_object_get(
			  json_object_get(conf, "endpointCA"), "name")),
		  "minio-ca");
	copy = manifest_secret_copy(secret, "dev-creds", "dev", keys);
	s = jsonmem_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
	CHECK_STR(s, "{\"apiVersion\":\"v1\",\"data\":{\"ACCESS_KEY_ID\":"
		     "\"QUtJQQ==\"},\"kind\":\"Secret\",\"metadata\":{"
		     "\"name\":\"dev-creds\",\"namespace\":\"dev\"},\"type\":"
		     "\"Opaque\"}");
	free(s);
	json_decref(copy);
	json_decref(secret);
	json_decref(names);
	json_decref(conf);
	json_decref(src);
}

static void
output_yaml_quotes_what_yaml_would_retype(void)
{
	struct error err = ERROR_INIT;
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:b, s:s}", "a",
			      "yes", "b", "0755", "c", "1e3", "d", "2026-11-24",
			      "e", "plain words", "f", 42, "g", 1, "h", "");
	char *y = output_yaml_string(v, &err);

	CHECK_STR(y, "a: 'yes'\nb: '0755'\nc: '1e3'\nd: '2026-11-24'\n"
		     "e: plain words\nf: 42\ng: true\nh: ''\n");
	free(y);
	json_decref(v);
}

const struct test manifest_tests[] = {
	TEST(manifest_backup_plugin_names_the_plugin),
	TEST(manifest_backup_inline_has_no_online_fields),
	TEST(manifest_backup_snapshot_carries_online_configuration),
	TEST(manifest_scheduled_backup_is_six_field_and_owned),
	TEST(manifest_recovery_from_plugin_source_to_a_time),
	TEST(manifest_recovery_from_inline_source_archiving_elsewhere),
	TEST(manifest_dev_clone_drops_what_dev_has_not),
	TEST(manifest_secret_refs_are_renamed_and_listed),
	TEST(output_yaml_quotes_what_yaml_would_retype),
	{ NULL, NULL },
};
