/*
 * http: process-wide set-up of the HTTP library (libcurl), shared by the
 * Kubernetes client and the object-store clients.  curl.h is included only
 * by the HTTP layer (http.c, kube.c, s3.c).
 */
#ifndef CNPGOPS_HTTP_H
#define CNPGOPS_HTTP_H

#include <stddef.h>

/* Call once at the start of main(); returns 0 or -1. */
int http_global_init(void);
/* Call once at the end of main(). */
void http_global_cleanup(void);
/* "7.88.1 (OpenSSL/3.0.19)": the libcurl version and its TLS backend. */
const char *http_library_version(void);

/* How far a connection to an endpoint got. */
enum http_probe_stage {
	HTTP_PROBE_URL = 0, /* the URL itself is unusable */
	HTTP_PROBE_DNS, /* the host name did not resolve */
	HTTP_PROBE_CONNECT, /* resolved, but TCP did not connect */
	HTTP_PROBE_TLS, /* connected, but the TLS handshake failed */
	HTTP_PROBE_OK /* connected (and TLS verified, for https) */
};

struct http_probe {
	enum http_probe_stage stage;
	char address[64]; /* the address connected to (or tried) */
	char detail[256]; /* the library's words for the failure */
	long connect_ms; /* time to connect, when it did */
	int tls; /* the URL is https */
	int tls_unknown_ca, tls_name_mismatch, tls_expired;
};

/*
 * Resolve, connect and (for https) complete a verified TLS handshake with
 * the endpoint of url, using ca_pem (ca_len bytes, or NULL for the system
 * CAs), without sending a request.  Proxies from the environment apply as
 * for any request.  Always fills *out; returns 0 when the stage reached is
 * HTTP_PROBE_OK, else -1.
 */
int http_probe(struct http_probe *out, const char *url, const char *ca_pem,
	       size_t ca_len, long timeout_ms);

#endif
