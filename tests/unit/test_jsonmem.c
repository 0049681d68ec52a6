/* jsonmem: jansson's strings come back as malloc memory; values work. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonmem.h"
#include "test.h"

static void
jsonmem_dumps_gives_malloc_memory(void)
{
	json_t *v = json_pack("{s:s, s:i}", "token", "s3cr3t", "n", 7);
	char *s = jsonmem_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);

	CHECK_STR(s, "{\"n\":7,\"token\":\"s3cr3t\"}");
	s = realloc(s, 100); /* from malloc: realloc and free work */
	CHECK(s != NULL);
	free(s);
	json_decref(v);
}

static void
jsonmem_is_installed_in_the_runner(void)
{
	json_malloc_t m = NULL;
	json_free_t f = NULL;

	json_get_alloc_funcs(&m, &f);
	CHECK(m != NULL && m != malloc);
	CHECK(f != NULL && f != free);
}

const struct test jsonmem_tests[] = {
	TEST(jsonmem_dumps_gives_malloc_memory),
	TEST(jsonmem_is_installed_in_the_runner),
	{ NULL, NULL },
};
