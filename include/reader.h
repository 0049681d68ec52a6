/*
 * reader: read the barman catalog of an archive from its object store and
 * hand back the catalog model (see catalog.h) and its JSON form, the one
 * "catalog -o json" prints.
 */
#ifndef CNPGOPS_READER_H
#define CNPGOPS_READER_H

#include <jansson.h>

struct archive_config;
struct error;

/*
 * Read the catalog of arch.  *out is the JSON document (the caller's):
 * {"destinationPath", "serverName", "backups": [...], "timelines": [...],
 * "window": {...}, "warnings": [...]}.  Errors: ERR_OBJSTORE when the store
 * cannot be read, ERR_CATALOG when what it holds cannot be parsed.
 */
int reader_catalog_json(json_t **out, const struct archive_config *arch,
			struct error *err);

#endif
