/*
 * jsonmem: jansson allocates through this module, and every block it frees
 * is zeroed first (explicit_bzero), so that Secret data read from the API
 * (base64 values, tokens in ExecCredential answers) does not linger in
 * freed memory.  Strings jansson returns must then be freed by jansson:
 * use jsonmem_dumps, never json_dumps with free().
 */
#ifndef CNPGOPS_JSONMEM_H
#define CNPGOPS_JSONMEM_H

#include <stddef.h>

#include <jansson.h>

/*
 * Install the allocator.  Call it first thing in main(), before any json_t
 * exists: a value allocated before would be freed through the new free.
 */
void jsonmem_init(void);

/* json_dumps into memory from malloc (free() it); NULL when it fails. */
char *jsonmem_dumps(const json_t *v, size_t flags);

#endif
