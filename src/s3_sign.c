/*
 * AWS Signature Version 4 for S3, with OpenSSL's libcrypto.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "s3_sign.h"
#include "strbuf.h"
#include "xmalloc.h"

static const char hexdig[] = "0123456789abcdef";

void
s3_sign_uri_encode(struct strbuf *sb, const char *s, size_t len, int keep_slash)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' ||
		    c == '.' || c == '~' || (keep_slash && c == '/')) {
			strbuf_addch(sb, c);
		} else {
			strbuf_addch(sb, '%');
			strbuf_addch(sb, "0123456789ABCDEF"[c >> 4]);
			strbuf_addch(sb, "0123456789ABCDEF"[c & 15]);
		}
	}
}

static void
tohex(char *hex, const unsigned char *md, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		hex[2 * i] = hexdig[md[i] >> 4];
		hex[2 * i + 1] = hexdig[md[i] & 15];
	}
	hex[2 * n] = '\0';
}

void
s3_sign_sha256_hex(char hex[65], const void *data, size_t len)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(data, len, md);
	tohex(hex, md, sizeof(md));
}

static int
hmac(unsigned char out[32], const void *key, size_t keylen, const char *msg)
{
	unsigned int n = 32;

	if (!HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
		  strlen(msg), out, &n) ||
	    n != 32)
		return -1;
	return 0;
}

struct enc_pair {
	char *name;
	char *value;
};

static int
cmp_enc_pair(const void *a, const void *b)
{
	const struct enc_pair *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->value, y->value);
}

/* Lower-case name; value trimmed with inner runs of spaces collapsed. */
static void
canon_header(struct enc_pair *p, const char *name, const char *value)
{
	struct strbuf sb = STRBUF_INIT;
	const char *v = value;
	size_t i;
	int space = 0;

	p->name = xstrdup(name);
	for (i = 0; p->name[i]; i++)
		if (p->name[i] >= 'A' && p->name[i] <= 'Z')
			p->name[i] = (char)(p->name[i] - 'A' + 'a');
	while (*v == ' ' || *v == '\t')
		v++;
	for (; *v; v++) {
		if (*v == ' ' || *v == '\t') {
			space = 1;
			continue;
		}
		if (space && sb.len)
			strbuf_addch(&sb, ' ');
		space = 0;
		strbuf_addch(&sb, *v);
	}
	p->value = strbuf_detach(&sb, NULL);
}

static void
free_pairs(struct enc_pair *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].name);
		free_secret(p[i].value);
	}
	free(p);
}

int
s3_sign(struct s3_sign_output *out, const struct s3_sign_input *in)
{
	struct strbuf cr = STRBUF_INIT, sts = STRBUF_INIT, sh = STRBUF_INIT;
	struct strbuf tmp = STRBUF_INIT;
	struct enc_pair *q = NULL, *h = NULL;
	size_t nh = 0, i;
	char date[9], crhash[65], sig[65];
	unsigned char k[32];
	int ret = -1;

	if (!in->method || !in->host || !in->path || in->path[0] != '/' ||
	    !in->payload_hash || !in->amz_date || strlen(in->amz_date) != 16 ||
	    !in->region || !in->access_key || !in->secret_key)
		return -1;
	memcpy(date, in->amz_date, 8);
	date[8] = '\0';

	strbuf_addf(&cr, "%s\n", in->method);
	s3_sign_uri_encode(&cr, in->path, strlen(in->path), 1);
	strbuf_addch(&cr, '\n');

	q = xcalloc(in->nquery + 1, sizeof(*q));
	for (i = 0; i < in->nquery; i++) {
		const char *v = in->query[i].value ? in->query[i].value : "";

		strbuf_reset(&tmp);
		s3_sign_uri_encode(&tmp, in->query[i].name,
				   strlen(in->query[i].name), 0);
		q[i].name = xstrdup(tmp.buf);
		strbuf_reset(&tmp);
		s3_sign_uri_encode(&tmp, v, strlen(v), 0);
		q[i].value = xstrdup(tmp.buf);
	}
	qsort(q, in->nquery, sizeof(*q), cmp_enc_pair);
	for (i = 0; i < in->nquery; i++)
		strbuf_addf(&cr, "%s%s=%s", i ? "&" : "", q[i].name,
			    q[i].value);
	strbuf_addch(&cr, '\n');

	h = xcalloc(in->nheaders + 4, sizeof(*h));
	canon_header(&h[nh++], "host", in->host);
	for (i = 0; i < in->nheaders; i++)
		canon_header(&h[nh++], in->headers[i].name,
			     in->headers[i].value);
	canon_header(&h[nh++], "x-amz-content-sha256", in->payload_hash);
	canon_header(&h[nh++], "x-amz-date", in->amz_date);
	if (in->session_token)
		canon_header(&h[nh++], "x-amz-security-token",
			     in->session_token);
	qsort(h, nh, sizeof(*h), cmp_enc_pair);
	for (i = 0; i < nh; i++) {
		strbuf_addf(&cr, "%s:%s\n", h[i].name, h[i].value);
		strbuf_addf(&sh, "%s%s", i ? ";" : "", h[i].name);
	}
	strbuf_addf(&cr, "\n%s\n%s", sh.buf, in->payload_hash);

	s3_sign_sha256_hex(crhash, cr.buf, cr.len);
	strbuf_addf(&sts, "AWS4-HMAC-SHA256\n%s\n%s/%s/s3/aws4_request\n%s",
		    in->amz_date, date, in->region, crhash);

	strbuf_reset(&tmp);
	strbuf_addf(&tmp, "AWS4%s", in->secret_key);
	if (hmac(k, tmp.buf, tmp.len, date) < 0 ||
	    hmac(k, k, 32, in->region) < 0 || hmac(k, k, 32, "s3") < 0 ||
	    hmac(k, k, 32, "aws4_request") < 0 || hmac(k, k, 32, sts.buf) < 0)
		goto out;
	tohex(sig, k, 32);

	out->authorization = xasprintf(
		"AWS4-HMAC-SHA256 Credential=%s/%s/%s/s3/aws4_request, "
		"SignedHeaders=%s, Signature=%s",
		in->access_key, date, in->region, sh.buf, sig);
	out->signature = xstrdup(sig);
	out->canonical_request = strbuf_detach(&cr, NULL);
	out->string_to_sign = strbuf_detach(&sts, NULL);
	out->signed_headers = strbuf_detach(&sh, NULL);
	ret = 0;
out:
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(sig, sizeof(sig));
	strbuf_release_secret(&tmp);
	strbuf_release(&cr);
	strbuf_release(&sts);
	strbuf_release(&sh);
	free_pairs(q, in->nquery);
	free_pairs(h, nh);
	return ret;
}

void
s3_sign_output_release(struct s3_sign_output *o)
{
	free(o->canonical_request);
	free(o->string_to_sign);
	free_secret(o->signature);
	free(o->authorization);
	free(o->signed_headers);
	memset(o, 0, sizeof(*o));
}
