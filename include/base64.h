/*
 * base64: standard (RFC 4648) decoding and encoding, for Secret data and
 * kubeconfig -data fields.
 */
#ifndef CNPGOPS_BASE64_H
#define CNPGOPS_BASE64_H

#include <stddef.h>

struct error;

/*
 * Decode base64 text (padding optional, white space ignored) into a new
 * NUL-terminated buffer; *out_len gets the decoded length.  The caller frees
 * the result (with free_secret_len when it holds a secret).  Errors:
 * ERR_CONFIG for an invalid character or length; what names the input.
 */
char *base64_decode(size_t *out_len, const char *in, size_t len,
		    const char *what, struct error *err);

/* Encode len bytes into a new NUL-terminated string (caller frees). */
char *base64_encode(const void *in, size_t len);

#endif
