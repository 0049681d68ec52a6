/*
 * store_impl: what the object-store engine (store.c) and its dialects
 * (s3.c, gcs.c, azure.c) share.  Not for other modules: they use store.h.
 *
 * A dialect turns a request into a URL, a method and headers (prepare),
 * parses listing pages (a streaming parser), and turns an error answer into
 * a message with a fix and a verdict: fail, retry later, or retry at once
 * (after it changed something: the region, a fresh token).
 */
#ifndef CNPGOPS_STORE_IMPL_H
#define CNPGOPS_STORE_IMPL_H

#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "errors.h"
#include "store.h"
#include "strbuf.h"

enum store_op {
	STORE_OP_LIST,
	STORE_OP_GET,
	STORE_OP_HEAD,
	STORE_OP_PUT,
	STORE_OP_DELETE
};

enum store_outcome {
	STORE_DONE_OK,
	STORE_DONE_FAIL,
	STORE_RETRY, /* after a backoff */
	STORE_RETRY_NOW /* the dialect changed something: again, at once */
};

#define STORE_MAX_QUERY 6

struct store_pair {
	const char *name;
	const char *value;
};

struct store_req {
	struct store *st;
	enum store_op op;
	char *key; /* raw; "" for a listing or a bucket-level request */
	/* A listing (STORE_OP_LIST): owned copies of the options. */
	char *prefix, *delimiter, *start_after, *token;
	int max_keys;
	/* Extra query parameters (bucket-level requests: "lifecycle"). */
	struct store_pair query[STORE_MAX_QUERY];
	char *qval[STORE_MAX_QUERY];
	size_t nquery;
	const void *body;
	size_t body_len;
	size_t max;
	const char *method; /* set by prepare: "GET", "POST", ... */
	/* The response. */
	CURL *h;
	struct curl_slist *hdrs;
	long status;
	struct strbuf resp; /* a body (capped), or an error body */
	struct strbuf resp_headers; /* "name: value\r\n" lines, capped */
	void *list; /* the dialect's page parser */
	struct store_list_cb cb; /* the user's, for listings */
	const char *upper; /* store_list_parallel: last key of the range */
	int past_upper;
	struct error werr;
	char date[64];
	char etag[80];
	char last_modified[64];
	long long content_length;
	char errbuf[CURL_ERROR_SIZE];
	int attempt;
	int retried_now; /* a STORE_RETRY_NOW was used */
	/* store_get_stream_many: the body goes to chunk as it arrives */
	int (*chunk)(void *data, size_t i, const char *buf, size_t len,
		     struct error *err);
	void *chunk_data;
	int delivered; /* chunk has had bytes of this attempt */
	int stopped; /* chunk asked to stop: the transfer is complete */
	/* For batches. */
	size_t index;
	int state; /* 0 waiting, 1 in flight, 2 done */
	struct timespec ready_at;
};

struct store_dialect {
	const char *name; /* "s3", "gcs", "azure" */
	int can_start_after;
	/*
	 * Set r->method and build the URL (into url) and the request
	 * headers (appended to *hdrs) of one attempt.
	 */
	int (*prepare)(struct store *st, struct store_req *r,
		       struct strbuf *url, struct curl_slist **hdrs,
		       struct error *err);
	/* A parser for one listing page, calling cb. */
	void *(*list_new)(const struct store_list_cb *cb);
	int (*list_feed)(void *p, const char *buf, size_t len, int final,
			 struct error *err);
	size_t (*list_count)(const void *p); /* entries passed on so far */
	const char *(*list_next_token)(const void *p); /* NULL: last page */
	void (*list_free)(void *p);
	/*
	 * A non-2xx answer (r->status, r->resp, r->resp_headers): set err
	 * (and st's last error) and say what to do.
	 */
	enum store_outcome (*failure)(struct store *st, struct store_req *r,
				      struct error *err);
	/* The object's URL for messages (the caller's). */
	char *(*object_url)(const struct store *st, const char *key);
	void (*free)(void *impl);
};

/* The dialects (s3.c, gcs.c, azure.c). */
extern const struct store_dialect s3_dialect;
extern const struct store_dialect gcs_dialect;
extern const struct store_dialect azure_dialect;

struct store {
	const struct store_dialect *d;
	void *impl; /* the dialect's */
	char *bucket;
	char *endpoint; /* for messages: where requests go */
	char *identity; /* store_identity() */
	char *ca_pem;
	size_t ca_pem_len;
	long timeout_ms;
	int max_retries;
	long backoff_ms;
	CURL *easy; /* reused by the blocking calls: keeps connections */
	struct store_last_error last;
};

/*
 * A new engine for dialect d with impl (taken), bucket and endpoint (for
 * messages), the CA bundle (copied), timeout_ms (0: 60 s), max_retries (0:
 * 4).  Returns NULL with ERR_INTERNAL.
 */
struct store *store_new(const struct store_dialect *d, void *impl,
			const char *bucket, const char *endpoint,
			const char *ca_pem, size_t ca_len, long timeout_ms,
			int max_retries, struct error *err);

void store_req_init(struct store_req *r, struct store *st, enum store_op op,
		    const char *key);
void store_req_add_query(struct store_req *r, const char *name,
			 const char *value);
void store_req_release(struct store_req *r);
/* Run one request to the end, with retries. */
int store_req_run(struct store_req *r, struct error *err);

/*
 * The value of response header name (case-insensitive) into buf, trimmed;
 * returns 1 if present, else 0 (buf is then "").
 */
int store_req_header(const struct store_req *r, const char *name, char *buf,
		     size_t len);

/* The URL of what r reads or writes (a listing: its prefix), the
 * caller's. */
char *store_req_object_url(const struct store_req *r);

/* Seconds the local clock is ahead of the server's Date (0: unknown). */
long store_req_clock_skew(const struct store_req *r);

/*
 * The options every request of st's has: no signals, st's timeouts, http
 * and https only, the user agent, st's CA bundle.
 */
void store_setup_handle(const struct store *st, CURL *h);

/*
 * The head of a dialect's page parser, for parsers that keep their count
 * and next token here (gcs.c, azure.c): store_page_count and
 * store_page_next_token then read them.
 */
struct store_page {
	size_t count; /* entries passed on */
	char *next; /* the next page's token, or NULL */
};
size_t store_page_count(const void *p);
const char *store_page_next_token(const void *p);

/* Append "name: value" to *hdrs. */
void store_add_header(struct curl_slist **hdrs, const char *name,
		      const char *value);

/* Percent-encode s (len bytes) into sb: unreserved kept, '/' kept when
 * keep_slash (RFC 3986, as every provider signs it). */
void store_uri_encode(struct strbuf *sb, const char *s, size_t len,
		      int keep_slash);

/* The verb of an operation for messages: "listing", "reading", ... */
const char *store_op_verb(enum store_op op);

/*
 * Run argv (argv[0] looked up on PATH, stdin /dev/null, stderr as ours)
 * and return the first line of its output in *out (a secret: free with
 * free_secret), waiting at most timeout_ms.  Errors: ERR_NOT_FOUND when
 * the program is not found, ERR_CONFIG when it fails or prints nothing.
 */
int store_command_line(char **out, const char *const argv[], int timeout_ms,
		       struct error *err);

/* Record the store's side of a failure. */
void store_set_last(struct store *st, long status, const char *code,
		    const char *request_id);

#endif
