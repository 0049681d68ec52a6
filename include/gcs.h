/*
 * gcs: the Google Cloud Storage dialect of the object-store engine.
 */
#ifndef CNPGOPS_GCS_H
#define CNPGOPS_GCS_H

struct archive_config;
struct error;
struct store;

int gcs_store_open(struct store **out, char **bucket_prefix,
		   const struct archive_config *arch, struct error *err);

#endif
