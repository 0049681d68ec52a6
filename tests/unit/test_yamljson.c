/*
 * yamljson: scalars typed as kubectl types them, refusals with positions,
 * and a round trip through our own YAML writer (output_yaml_string) for
 * every golden manifest.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "jsonmem.h"
#include "output.h"
#include "test.h"
#include "xmalloc.h"
#include "yamljson.h"

static char *
compact(const json_t *v)
{
	return jsonmem_dumps(v,
			     JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

static void
yamljson_types_scalars_like_kubectl(void)
{
	static const struct {
		const char *yaml;
		const char *json;
	} cases[] = {
		{ "a: 1", "[{\"a\":1}]" },
		{ "a: -12", "[{\"a\":-12}]" },
		{ "a: 010", "[{\"a\":\"010\"}]" },
		{ "a: 1.5", "[{\"a\":1.5}]" },
		{ "a: 2e3", "[{\"a\":2000.0}]" },
		{ "a: '1'", "[{\"a\":\"1\"}]" },
		{ "a: \"true\"", "[{\"a\":\"true\"}]" },
		{ "a: true\nb: False\nc: NULL\nd: ~\ne:",
		  "[{\"a\":true,\"b\":false,\"c\":null,\"d\":null,\"e\":null}]" },
		{ "a: yes", "[{\"a\":\"yes\"}]" },
		{ "a: 10Gi", "[{\"a\":\"10Gi\"}]" },
		{ "a: 0 0 * * * *", "[{\"a\":\"0 0 * * * *\"}]" },
		{ "a: 99999999999999999999",
		  "[{\"a\":\"99999999999999999999\"}]" },
		{ "a: !!str 5", "[{\"a\":\"5\"}]" },
		{ "a: [1, x, {b: c}]", "[{\"a\":[1,\"x\",{\"b\":\"c\"}]}]" },
		{ "a: |\n  line1\n  line2\n",
		  "[{\"a\":\"line1\\nline2\\n\"}]" },
		{ "---\na: 1\n---\n---\nb: 2\n", "[{\"a\":1},{\"b\":2}]" },
		{ "", "[]" },
		{ "- 1\n- 2", "[[1,2]]" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct error err = ERROR_INIT;
		json_t *v = yamljson_parse(cases[i].yaml, strlen(cases[i].yaml),
					   "t", &err);
		char *got = v ? compact(v) : NULL;

		if (!v)
			test_fail(__FILE__, __LINE__, "case %zu: %s", i,
				  err.msg);
		else
			CHECK_STR(got, cases[i].json);
		free(got);
		json_decref(v);
		error_clear(&err);
	}
}

static void
yamljson_refuses_aliases_duplicates_and_depth(void)
{
	static const struct {
		const char *yaml;
		const char *msg;
	} cases[] = {
		{ "a: &x 1\nb: *x", "t:1:4: anchors are not supported" },
		{ "a: 1\nb: *x", "t:2:4: " },
		{ "a: 1\na: 2", "t:2:1: duplicate mapping key" },
		{ "? [1]\n: 2", "t:1:3: a mapping key must be a string" },
		{ "a: [1, 2", "t:" },
		{ "a:\n\tb: 1", "t:" },
		{ "name: \"app\\0evil\"", "t:1:7: a NUL byte in a value" },
		{ "\"a\\0b\": 1", "t:1:1: a NUL byte in a mapping key" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct error err = ERROR_INIT;
		json_t *v = yamljson_parse(cases[i].yaml, strlen(cases[i].yaml),
					   "t", &err);

		CHECK(v == NULL);
		CHECK_INT(err.code, ERR_CONFIG);
		if (err.msg &&
		    strncmp(err.msg, cases[i].msg, strlen(cases[i].msg)) != 0)
			test_fail(__FILE__, __LINE__, "case %zu: %s", i,
				  err.msg);
		json_decref(v);
		error_clear(&err);
	}
	{
		char buf[100];
		struct error err = ERROR_INIT;
		json_t *v;

		memset(buf, '[', sizeof(buf));
		v = yamljson_parse(buf, sizeof(buf), "t", &err);
		CHECK(v == NULL);
		CHECK(err.msg && strstr(err.msg, "nested too deeply"));
		json_decref(v);
		error_clear(&err);
	}
}

/* Every golden manifest: YAML -> JSON -> our YAML -> JSON is the same. */
static void
yamljson_round_trips_the_golden_manifests(void)
{
	char *dir = xasprintf("%s/../golden", test_fixtures_dir());
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	CHECK(d != NULL);
	while (d && (de = readdir(d)) != NULL) {
		struct error err = ERROR_INIT;
		char *path, *yaml = NULL;
		json_t *a, *b = NULL;
		size_t len = strlen(de->d_name);

		if (len < 6 || strcmp(de->d_name + len - 5, ".yaml") != 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		a = yamljson_read_file(path, &err);
		if (!a) {
			test_fail(__FILE__, __LINE__, "%s", err.msg);
		} else {
			CHECK_INT(json_array_size(a), 1);
			CHECK(json_is_object(json_array_get(a, 0)));
			yaml = output_yaml_string(json_array_get(a, 0), &err);
			b = yaml ? yamljson_parse(yaml, strlen(yaml), "again",
						  &err)
				 : NULL;
			CHECK(b != NULL);
			if (b && !json_equal(json_array_get(a, 0),
					     json_array_get(b, 0)))
				test_fail(__FILE__, __LINE__,
					  "%s does not round-trip", path);
			n++;
		}
		free(yaml);
		json_decref(a);
		json_decref(b);
		error_clear(&err);
		free(path);
	}
	if (d)
		closedir(d);
	CHECK(n >= 5);
	free(dir);
}

static void
yamljson_reports_unreadable_files(void)
{
	struct error err = ERROR_INIT;
	json_t *v = yamljson_read_file("/nonexistent/x.yaml", &err);

	CHECK(v == NULL);
	CHECK_INT(err.code, ERR_IO);
	error_clear(&err);
}

const struct test yamljson_tests[] = {
	TEST(yamljson_types_scalars_like_kubectl),
	TEST(yamljson_refuses_aliases_duplicates_and_depth),
	TEST(yamljson_round_trips_the_golden_manifests),
	TEST(yamljson_reports_unreadable_files),
	{ NULL, NULL },
};
