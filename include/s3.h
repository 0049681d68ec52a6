/*
 * s3: the S3 dialect of the object-store engine (store.h): URLs
 * (path-style with a custom endpoint, virtual-hosted on AWS), AWS
 * Signature V4 (s3_sign.h) with session tokens, ListObjectsV2 pages
 * streamed through s3_xml, S3 errors turned into messages naming
 * s3://bucket/key and the fix, and the region: from the configuration,
 * AWS_REGION or AWS_DEFAULT_REGION, else us-east-1; a request answered
 * with the bucket's real region (301 PermanentRedirect,
 * x-amz-bucket-region, AuthorizationHeaderMalformed) is retried once in
 * that region, which store_region() then reports.  Also the credentials
 * of the AWS environment and the bucket's lifecycle rules.
 */
#ifndef CNPGOPS_S3_H
#define CNPGOPS_S3_H

#include <stddef.h>
#include <time.h>

#include "s3_xml.h"

struct error;
struct strbuf;

struct s3_credentials {
	char *access_key;
	char *secret_key; /* cleared with explicit_bzero when released */
	char *session_token; /* or NULL */
};

/*
 * Credentials from the environment: AWS_ACCESS_KEY_ID +
 * AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), else the profile
 * AWS_PROFILE (default "default") of AWS_SHARED_CREDENTIALS_FILE (default
 * ~/.aws/credentials).  Fills out; ERR_CONFIG if none are found.
 */
int s3_credentials_from_env(struct s3_credentials *out, struct error *err);

/*
 * Parse the shared-credentials ini text and fill out with profile's
 * aws_access_key_id, aws_secret_access_key and aws_session_token.
 * source names the file in messages.  ERR_CONFIG if the profile or a key
 * is missing.
 */
int s3_credentials_parse_ini(struct s3_credentials *out, const char *text,
			     const char *profile, const char *source,
			     struct error *err);

/* Clear and free the strings; the struct is zeroed. */
void s3_credentials_release(struct s3_credentials *c);

struct s3_config {
	const char *endpoint; /* "http://127.0.0.1:9000", or NULL for AWS */
	const char *region; /* NULL: AWS_REGION, AWS_DEFAULT_REGION,
			       "us-east-1" */
	/* NULL: s3_credentials_from_env().  Copied by s3_store_new. */
	const struct s3_credentials *credentials;
	const char *ca_pem; /* CA bundle in PEM, in memory; or NULL */
	size_t ca_pem_len;
	long timeout_ms; /* per request; 0 means 60 s */
	int max_retries; /* 0 means 4 */
};

struct archive_config;
struct store;

/*
 * A store for bucket.  Returns NULL with ERR_CONFIG (bad endpoint, bucket
 * name, no credentials).  Free with store_free.
 */
struct store *s3_store_new(const struct s3_config *cfg, const char *bucket,
			   struct error *err);

/*
 * The store of an archive whose destinationPath is s3://BUCKET/PREFIX,
 * with arch's endpoint, CA, region and credentials (else the environment's;
 * inheritFromIAMRole: the environment's, said in store_identity).
 * *bucket_prefix (may be NULL) receives PREFIX as written (no leading /).
 */
int s3_store_open(struct store **out, char **bucket_prefix,
		  const struct archive_config *arch, struct error *err);

/* The region in use. */
const char *s3_store_region(const struct store *st);

/* A destination path "s3://bucket/prefix". */
struct s3_url {
	char *bucket;
	char *prefix; /* "" or without leading '/', trailing '/' kept */
};

/*
 * Parse url into out (release with s3_url_release).  ERR_CONFIG if it is
 * not s3:// or the bucket name is not a valid S3 bucket name.
 */
int s3_parse_url(struct s3_url *out, const char *url, struct error *err);
void s3_url_release(struct s3_url *u);

/*
 * The bucket's lifecycle rules (GET ?lifecycle) into out (release with
 * store_lifecycle_release); none (NoSuchLifecycleConfiguration) is an empty
 * set.  Errors: ERR_OBJSTORE, ERR_USAGE for a store that is not S3.
 */
int s3_get_lifecycle(struct store_lifecycle *out, struct store *st,
		     struct error *err);

#endif
