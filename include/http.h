/*
 * http: process-wide set-up of the HTTP library (libcurl), shared by the
 * Kubernetes client and the object-store clients.  curl.h is included only
 * by the HTTP layer (http.c, kube.c, s3.c).
 */
#ifndef CNPGOPS_HTTP_H
#define CNPGOPS_HTTP_H

/* Call once at the start of main(); returns 0 or -1. */
int http_global_init(void);
/* Call once at the end of main(). */
void http_global_cleanup(void);
/* "7.88.1 (OpenSSL/3.0.19)": the libcurl version and its TLS backend. */
const char *http_library_version(void);

#endif
