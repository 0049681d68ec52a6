/*
 * s3_sign: AWS Signature Version 4 for S3 requests, computed with OpenSSL
 * (HMAC-SHA256, SHA-256).  Pure functions: no I/O, no clock.  The
 * canonical request follows AWS's S3 rules: the path is URI-encoded once
 * per segment (S3 does not double-encode or normalise), query keys and
 * values are percent-encoded leaving only A-Z a-z 0-9 - _ . ~ and sorted by
 * key then value, headers are lower-cased, trimmed and sorted.
 */
#ifndef CNPGOPS_S3_SIGN_H
#define CNPGOPS_S3_SIGN_H

#include <stddef.h>

struct strbuf;

/* One query parameter or header: both strings raw (not encoded). */
struct s3_sign_pair {
	const char *name;
	const char *value;
};

struct s3_sign_input {
	const char *method; /* "GET", "PUT", ... */
	const char *host; /* the Host header: "bucket.s3.amazonaws.com:9000" */
	const char *path; /* raw path starting with '/', e.g. "/bucket/a b" */
	const struct s3_sign_pair *query; /* raw query parameters */
	size_t nquery;
	/* Extra headers to sign (not host/x-amz-date/x-amz-content-sha256/
	 * x-amz-security-token, which the signer adds). */
	const struct s3_sign_pair *headers;
	size_t nheaders;
	const char *payload_hash; /* hex SHA-256 of the body, or
				     "UNSIGNED-PAYLOAD" */
	const char *amz_date; /* "20130524T000000Z" */
	const char *region; /* "us-east-1" */
	const char *access_key;
	const char *secret_key;
	const char *session_token; /* or NULL */
};

/* The results; every string is owned by the struct. */
struct s3_sign_output {
	char *canonical_request;
	char *string_to_sign;
	char *signature; /* 64 hex digits */
	char *authorization; /* the Authorization header value */
	char *signed_headers; /* "host;range;x-amz-content-sha256;x-amz-date" */
};

/*
 * Sign a request: fills out (release it with s3_sign_output_release).
 * Returns 0, or -1 if an input is missing or OpenSSL fails (no struct
 * error: the caller reports ERR_INTERNAL).
 */
int s3_sign(struct s3_sign_output *out, const struct s3_sign_input *in);

/* Free the strings of a s3_sign_output (the signature is cleared first). */
void s3_sign_output_release(struct s3_sign_output *o);

/* Append s percent-encoded as AWS wants; '/' is kept when keep_slash. */
void s3_sign_uri_encode(struct strbuf *sb, const char *s, size_t len,
			int keep_slash);

/* Write the 64 hex digits (plus NUL) of SHA-256(data) into hex. */
void s3_sign_sha256_hex(char hex[65], const void *data, size_t len);

/* The SHA-256 of the empty string, in hex (the payload hash of a GET). */
#define S3_SIGN_EMPTY_SHA256 \
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

#endif
