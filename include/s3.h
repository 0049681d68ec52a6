/*
 * s3: a client for the S3 API as barman-cloud catalogs need it: paged,
 * streamed ListObjectsV2, GET/HEAD/PUT/DELETE of small objects, parallel
 * GETs through curl multi, retries with exponential backoff on 5xx,
 * SlowDown, RequestTimeout, InternalError and transport errors, and S3
 * errors turned into messages naming s3://bucket/key and the fix.
 *
 * Requests are signed with AWS Signature V4 (s3_sign.h).  With a custom
 * endpoint the URLs are path-style (http://host:port/bucket/key); without
 * one, AWS virtual-hosted style (https://bucket.s3.REGION.amazonaws.com/).
 * A request answered with the bucket's real region (301 PermanentRedirect,
 * x-amz-bucket-region, AuthorizationHeaderMalformed) is retried once in
 * that region, which s3_client_region() then reports.
 *
 * Errors: ERR_CONFIG (credentials, bad URL, TLS trust), ERR_NOT_FOUND
 * (NoSuchKey; HEAD 404), ERR_OBJSTORE (every other S3 answer), ERR_IO
 * (connection refused, DNS, timeouts).  s3_client_last_error() gives the
 * S3 code of the last failure.
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
	/* NULL: s3_credentials_from_env().  Copied by s3_client_new. */
	const struct s3_credentials *credentials;
	const char *ca_pem; /* CA bundle in PEM, in memory; or NULL */
	size_t ca_pem_len;
	long timeout_ms; /* per request; 0 means 60 s */
	int max_retries; /* 0 means 4 */
};

struct s3_client;

/*
 * A client for bucket.  Returns NULL with ERR_CONFIG (bad endpoint, bucket
 * name, no credentials).  Free with s3_client_free.
 */
struct s3_client *s3_client_new(const struct s3_config *cfg, const char *bucket,
				struct error *err);

/* NULL is a no-op; the secret is cleared. */
void s3_client_free(struct s3_client *c);

/* The region in use (changed after a region redirect). */
const char *s3_client_region(const struct s3_client *c);

/* The S3 side of the last failure (empty strings if none). */
struct s3_last_error {
	long http_status; /* 0 for transport errors */
	char code[64]; /* "NoSuchKey", "AccessDenied", ... */
	char request_id[128];
};
const struct s3_last_error *s3_client_last_error(const struct s3_client *c);

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

struct s3_list_opts {
	const char *prefix;
	const char *delimiter; /* "/" or NULL */
	const char *start_after;
	const char *continuation_token;
	int max_keys; /* 0: server default (1000) */
};

/*
 * One ListObjectsV2 page, streamed into cb.  *next_token receives the
 * continuation token (caller frees) or NULL when the listing is complete.
 */
int s3_list_page(char **next_token, struct s3_client *c,
		 const struct s3_list_opts *opts, const struct s3_list_cb *cb,
		 struct error *err);

/* Every page of a listing (prefix may be "", delimiter NULL). */
int s3_list_all(struct s3_client *c, const char *prefix, const char *delimiter,
		const struct s3_list_cb *cb, struct error *err);

/*
 * Several listings of prefix at once, at most max_in_flight requests in
 * flight: range i covers the keys after bounds[i-1] (or from the start)
 * up to and including bounds[i] (or to the end for i == nbounds).  With
 * nbounds boundaries there are nbounds + 1 ranges; the callbacks of
 * different ranges interleave, each range in key order.
 */
int s3_list_parallel(struct s3_client *c, const char *prefix,
		     const char *const *bounds, size_t nbounds,
		     int max_in_flight, const struct s3_list_cb *cb,
		     struct error *err);

/* GET key into out (appended), failing with ERR_OBJSTORE past max bytes. */
int s3_get(struct strbuf *out, struct s3_client *c, const char *key, size_t max,
	   struct error *err);

struct s3_head {
	long long size;
	time_t last_modified;
	char etag[80];
};

/* HEAD key into out; ERR_NOT_FOUND if it does not exist. */
int s3_head(struct s3_head *out, struct s3_client *c, const char *key,
	    struct error *err);

/* PUT a small object. */
/*
 * The bucket's lifecycle rules (GET ?lifecycle) into out (release with
 * s3_lifecycle_release); none (NoSuchLifecycleConfiguration) is an empty
 * set.  Errors: ERR_OBJSTORE.
 */
int s3_get_lifecycle(struct s3_lifecycle *out, struct s3_client *c,
		     struct error *err);

int s3_put(struct s3_client *c, const char *key, const void *data, size_t len,
	   struct error *err);

/* DELETE key (no error if it does not exist, as S3 does). */
int s3_delete(struct s3_client *c, const char *key, struct error *err);

/*
 * GET keys[0..n) with at most max_in_flight requests at once, each capped
 * at max bytes.  done is called once per key, in completion order, with
 * the body (NULL on failure) and that key's error (ERR_OK on success);
 * returning -1 from done (with err set) stops the whole batch.  A failed
 * key does not stop the others.
 */
int s3_get_many(struct s3_client *c, const char *const *keys, size_t n,
		int max_in_flight, size_t max,
		int (*done)(void *data, size_t i, const char *body, size_t len,
			    const struct error *key_err, struct error *err),
		void *data, struct error *err);

/*
 * GET keys[0..n) with at most max_in_flight at once, streaming each body
 * into chunk as it arrives (i is the key's index).  chunk returns 0 to go
 * on, 1 to stop that transfer early (it then counts as complete), or -1
 * with err set to fail that key.  Before a retried attempt of a key that
 * already delivered bytes, chunk is called with buf NULL and len 0: start
 * over.  done is called once per key, in completion order, with that key's
 * error (ERR_OK on success); returning -1 from done (with err set) stops
 * the whole batch.
 */
int s3_get_stream_many(struct s3_client *c, const char *const *keys, size_t n,
		       int max_in_flight,
		       int (*chunk)(void *data, size_t i, const char *buf,
				    size_t len, struct error *err),
		       int (*done)(void *data, size_t i,
				   const struct error *key_err,
				   struct error *err),
		       void *data, struct error *err);

#endif
