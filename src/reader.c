/*
 * reader: the object store behind a catalog.  Placeholder until the S3
 * client and the catalog model land: reading is refused with a clear
 * error, so no command ever acts on a catalog it did not read.
 */
#include "reader.h"
#include "archive.h"
#include "errors.h"

int
reader_catalog_json(json_t **out, const struct archive_config *arch,
		    struct error *err)
{
	(void)out;
	error_set(err, ERR_OBJSTORE,
		  "cannot read the catalog in '%s': reading object stores is "
		  "not built into this version",
		  arch->destination_path);
	return -1;
}
