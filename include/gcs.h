/*
 * gcs: the Google Cloud Storage dialect of the object-store engine
 * (store.h): the JSON API with OAuth 2.0 tokens; see gcs.c.
 */
#ifndef CNPGOPS_GCS_H
#define CNPGOPS_GCS_H

struct archive_config;
struct error;
struct store;
struct store_lifecycle;

/*
 * The store of an archive at gs://BUCKET/PREFIX, with the first
 * credentials found (see gcs.c); *bucket_prefix receives PREFIX.
 * Errors: ERR_CONFIG.
 */
int gcs_store_open(struct store **out, char **bucket_prefix,
		   const struct archive_config *arch, struct error *err);

/*
 * The Delete rules of the bucket's lifecycle (buckets.get, fields
 * lifecycle) into out, one per matchesPrefix (or one for all).  Errors:
 * ERR_OBJSTORE.
 */
int gcs_get_lifecycle(struct store_lifecycle *out, struct store *st,
		      struct error *err);

#endif
