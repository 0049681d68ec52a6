/*
 * azure: the Azure Blob Storage dialect of the object-store engine.
 */
#ifndef CNPGOPS_AZURE_H
#define CNPGOPS_AZURE_H

struct archive_config;
struct error;
struct store;

int azure_store_open(struct store **out, char **bucket_prefix,
		     const struct archive_config *arch, struct error *err);

#endif
