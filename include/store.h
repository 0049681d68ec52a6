/*
 * store: one bucket (S3, GCS) or container (Azure Blob) of an object store,
 * as barman-cloud catalogs need it: paged, streamed listings with prefix,
 * delimiter and start-after, GET (capped), streamed GETs, HEAD, PUT and
 * DELETE of small objects, several requests at once through curl multi,
 * retries with exponential backoff on 5xx, throttling and transport errors,
 * and every error answer turned into a message naming the object and the
 * fix.
 *
 * The engine (store.c) is the same for every provider; a dialect builds
 * the requests, signs them and reads the answers: s3.c (SigV4, XML),
 * gcs.c (OAuth 2.0 bearer tokens, the JSON API), azure.c (Shared Key or
 * SAS, XML).  Open one with store_open() from an archive configuration.
 *
 * Errors: ERR_CONFIG (credentials, URL, TLS trust), ERR_NOT_FOUND (the
 * object does not exist), ERR_OBJSTORE (every other answer of the store),
 * ERR_IO (connection refused, DNS, timeouts).
 */
#ifndef CNPGOPS_STORE_H
#define CNPGOPS_STORE_H

#include <stddef.h>
#include <time.h>

struct archive_config;
struct error;
struct strbuf;

/* One object of a listing; the strings are valid during the callback. */
struct store_object {
	const char *key;
	long long size;
	time_t last_modified; /* UTC */
	const char *etag; /* as the store sends it, or NULL */
};

/*
 * The callbacks of a listing (either may be NULL).  Return 0 to go on, or
 * -1 with err set to stop the listing; that error is passed up.
 */
struct store_list_cb {
	int (*object)(void *data, const struct store_object *obj,
		      struct error *err);
	int (*prefix)(void *data, const char *prefix, struct error *err);
	void *data;
};

struct store_list_opts {
	const char *prefix;
	const char *delimiter; /* "/" or NULL */
	const char *start_after; /* the keys after this one (see
				    store_can_start_after) */
	const char *continuation_token; /* from the previous page */
	int max_keys; /* 0: the store's default (1000) */
};

struct store;

/*
 * A client for the archive of arch (borrowed: must outlive the store),
 * the provider chosen by arch->provider, credentials from arch or else from
 * the environment as the provider's own tools take them.  *bucket_prefix
 * (may be NULL) receives the key prefix of destinationPath, "" or ending
 * in '/' (the caller's).  Errors: ERR_CONFIG.
 */
int store_open(struct store **out, char **bucket_prefix,
	       const struct archive_config *arch, struct error *err);

/* NULL is a no-op; secrets are cleared. */
void store_free(struct store *st);

/* "s3", "gcs" or "azure". */
const char *store_provider(const struct store *st);

/*
 * The object's name for messages: "s3://bucket/key", "gs://bucket/key",
 * "https://account.blob.core.windows.net/container/key" (the caller's).
 */
char *store_object_url(const struct store *st, const char *key);

/* The endpoint requests go to: "https://s3.us-east-1.amazonaws.com", ... */
const char *store_endpoint(const struct store *st);

/* The bucket (container) name. */
const char *store_bucket(const struct store *st);

/* A line on how the store is reached and as whom, without any secret. */
const char *store_identity(const struct store *st);

/* S3: the region in use (changed after a region redirect); else NULL. */
const char *store_region(const struct store *st);

/* Does the store list from a key on (start-after)?  Azure does not. */
int store_can_start_after(const struct store *st);

/* The store's side of the last failure (empty strings if none). */
struct store_last_error {
	long http_status; /* 0 for transport errors */
	char code[64]; /* "NoSuchKey", "AccessDenied", "403", ... */
	char request_id[128];
};
const struct store_last_error *store_last_error(const struct store *st);

/*
 * One page of a listing, streamed into cb.  *next_token receives the token
 * of the next page (caller frees) or NULL when the listing is complete.
 * Without start-after support (store_can_start_after) opts->start_after
 * is applied by skipping keys.
 */
int store_list_page(char **next_token, struct store *st,
		    const struct store_list_opts *opts,
		    const struct store_list_cb *cb, struct error *err);

/* Every page of a listing (prefix may be "", delimiter NULL). */
int store_list_all(struct store *st, const char *prefix, const char *delimiter,
		   const struct store_list_cb *cb, struct error *err);

/*
 * Several listings of prefix at once, at most max_in_flight requests in
 * flight: range i covers the keys after bounds[i-1] (or from the start)
 * up to and including bounds[i] (or to the end for i == nbounds).  With
 * nbounds boundaries there are nbounds + 1 ranges; the callbacks of
 * different ranges interleave, each range in key order.  Only for stores
 * that can start after a key.
 */
int store_list_parallel(struct store *st, const char *prefix,
			const char *const *bounds, size_t nbounds,
			int max_in_flight, const struct store_list_cb *cb,
			struct error *err);

/* GET key into out (appended), failing with ERR_OBJSTORE past max bytes. */
int store_get(struct strbuf *out, struct store *st, const char *key, size_t max,
	      struct error *err);

struct store_stat {
	long long size;
	time_t last_modified;
	char etag[80];
};

/* HEAD key into out; ERR_NOT_FOUND if it does not exist. */
int store_stat(struct store_stat *out, struct store *st, const char *key,
	       struct error *err);

/* PUT a small object. */
int store_put(struct store *st, const char *key, const void *data, size_t len,
	      struct error *err);

/* DELETE key (no error if it does not exist). */
int store_delete(struct store *st, const char *key, struct error *err);

/*
 * GET keys[0..n) with at most max_in_flight requests at once, each capped
 * at max bytes.  done is called once per key, in completion order, with
 * the body (NULL on failure) and that key's error (ERR_OK on success);
 * returning -1 from done (with err set) stops the whole batch.  A failed
 * key does not stop the others.
 */
int store_get_many(struct store *st, const char *const *keys, size_t n,
		   int max_in_flight, size_t max,
		   int (*done)(void *data, size_t i, const char *body,
			       size_t len, const struct error *key_err,
			       struct error *err),
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
int store_get_stream_many(struct store *st, const char *const *keys, size_t n,
			  int max_in_flight,
			  int (*chunk)(void *data, size_t i, const char *buf,
				       size_t len, struct error *err),
			  int (*done)(void *data, size_t i,
				      const struct error *key_err,
				      struct error *err),
			  void *data, struct error *err);

/*
 * One rule of a bucket's lifecycle configuration that expires objects
 * (S3: an Expiration; GCS: a Delete action).
 */
struct store_lifecycle_rule {
	char *id; /* may be NULL */
	int enabled; /* S3 Status Enabled (GCS rules always are) */
	char *prefix; /* the keys it applies to; "" all */
	long expiration_days; /* after so many days; -1 when none */
	int has_expiration_date; /* on a date (S3 Date, GCS createdBefore) */
};

struct store_lifecycle {
	struct store_lifecycle_rule *rules;
	size_t n;
};

/*
 * The bucket's lifecycle rules into out (release with
 * store_lifecycle_release); none is an empty set.  Errors: ERR_OBJSTORE,
 * ERR_USAGE for a store whose rules cannot be read with its credentials
 * (Azure keeps them on the storage account).
 */
int store_get_lifecycle(struct store_lifecycle *out, struct store *st,
			struct error *err);
void store_lifecycle_release(struct store_lifecycle *l);

#endif
