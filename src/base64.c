/*
 * base64 (RFC 4648) without line length limits.
 */
#include <stdint.h>
#include <stdlib.h>

#include "base64.h"
#include "errors.h"
#include "xmalloc.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
value_of(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

char *
base64_decode(size_t *out_len, const char *in, size_t len, const char *what,
	      struct error *err)
{
	unsigned char *out = xmalloc(len / 4 * 3 + 4);
	uint32_t acc = 0;
	size_t i, n = 0;
	int bits = 0, pad = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		v = value_of(c);
		if (v < 0 || pad) {
			free_secret_len(out, len / 4 * 3 + 4);
			error_set(err, ERR_CONFIG,
				  "%s is not valid base64 (byte %zu)", what,
				  i + 1);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (bits >= 6 || pad > 2) {
		free_secret_len(out, len / 4 * 3 + 4);
		error_set(err, ERR_CONFIG, "%s is not valid base64 (length)",
			  what);
		return NULL;
	}
	out[n] = '\0';
	*out_len = n;
	return (char *)out;
}

char *
base64_encode(const void *in, size_t len)
{
	const unsigned char *p = in;
	char *out = xmalloc((len + 2) / 3 * 4 + 1);
	size_t i, n = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 |
			     p[i + 2];

		out[n++] = alphabet[v >> 18];
		out[n++] = alphabet[(v >> 12) & 63];
		out[n++] = alphabet[(v >> 6) & 63];
		out[n++] = alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		out[n++] = alphabet[v >> 18];
		out[n++] = alphabet[(v >> 12) & 63];
		out[n++] = (char)(i + 1 < len ? alphabet[(v >> 6) & 63] : '=');
		out[n++] = '=';
	}
	out[n] = '\0';
	return out;
}
