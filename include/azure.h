/*
 * azure: the Azure Blob Storage dialect of the object-store engine
 * (store.h): Shared Key, SAS or a bearer token; see azure.c.
 */
#ifndef CNPGOPS_AZURE_H
#define CNPGOPS_AZURE_H

struct archive_config;
struct error;
struct store;

/*
 * The store of an archive in Azure Blob Storage (the URL forms and the
 * credentials are in azure.c); *bucket_prefix receives the path below the
 * container.  Errors: ERR_CONFIG.
 */
int azure_store_open(struct store **out, char **bucket_prefix,
		     const struct archive_config *arch, struct error *err);

#endif
