/*
 * jsonmem: a zeroing allocator for jansson.  Each block carries its size
 * in a header of max_align_t's size, so alignment is what malloc gives.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonmem.h"
#include "xmalloc.h"

#define JSONMEM_HEADER sizeof(max_align_t)

static void *
jsonmem_malloc(size_t n)
{
	unsigned char *base;

	if (n > (size_t)-1 - JSONMEM_HEADER)
		return NULL;
	base = malloc(n + JSONMEM_HEADER);
	if (!base)
		return NULL;
	memcpy(base, &n, sizeof(n));
	return base + JSONMEM_HEADER;
}

static void
jsonmem_free(void *p)
{
	unsigned char *base;
	size_t n;

	if (!p)
		return;
	base = (unsigned char *)p - JSONMEM_HEADER;
	memcpy(&n, base, sizeof(n));
	explicit_bzero(p, n);
	free(base);
}

void
jsonmem_init(void)
{
	json_set_alloc_funcs(jsonmem_malloc, jsonmem_free);
}

char *
jsonmem_dumps(const json_t *v, size_t flags)
{
	json_malloc_t m;
	json_free_t f;
	char *s = json_dumps(v, flags), *copy;

	if (!s)
		return NULL;
	copy = xstrdup(s);
	json_get_alloc_funcs(&m, &f);
	if (f)
		f(s);
	else
		free(s);
	return copy;
}
