/*
 * The S3 client: requests signed with s3_sign, listings streamed through
 * s3_xml, retries with backoff, parallel requests through curl multi, and
 * S3 errors turned into messages that name the object and the fix.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "errors.h"
#include "s3.h"
#include "s3_sign.h"
#include "s3_xml.h"
#include "strbuf.h"
#include "xmalloc.h"

#define ERROR_BODY_MAX	((size_t)65536)
#define CLOCK_SKEW_WARN 300

struct s3_client {
	char *scheme; /* "http" or "https" */
	char *authority; /* host[:port] of the endpoint; NULL for AWS */
	char *base_path; /* path of the endpoint URL, "" or "/x" */
	char *endpoint; /* for messages */
	char *bucket;
	char *region;
	int path_style;
	struct s3_credentials cred;
	char *ca_pem;
	size_t ca_pem_len;
	long timeout_ms;
	int max_retries;
	long backoff_ms;
	CURL *easy; /* reused by the blocking calls: keeps connections */
	struct s3_last_error last;
};

enum s3_op { OP_LIST, OP_GET, OP_HEAD, OP_PUT, OP_DELETE };

struct req {
	struct s3_client *c;
	enum s3_op op;
	char *key; /* raw; "" for a listing */
	struct s3_sign_pair query[5];
	char *qval[5]; /* owned values of query */
	size_t nquery;
	const void *body;
	size_t body_len;
	size_t max;
	/* The response. */
	CURL *h;
	struct curl_slist *hdrs;
	long status;
	struct strbuf resp;
	struct s3_xml_list *list;
	struct s3_list_cb cb; /* the user's, for listings */
	const char *upper; /* s3_list_parallel: last key of the range */
	int past_upper;
	struct error werr;
	char date[64];
	char bucket_region[64];
	char etag[80];
	char last_modified[64];
	long long content_length;
	char errbuf[CURL_ERROR_SIZE];
	int attempt;
	int region_retried;
	/* s3_get_stream_many: the body goes to chunk as it arrives */
	int (*chunk)(void *data, size_t i, const char *buf, size_t len,
		     struct error *err);
	void *chunk_data;
	int delivered; /* chunk has had bytes of this attempt */
	int stopped; /* chunk asked to stop: the transfer is complete */
	/* For s3_get_many and s3_list_parallel. */
	size_t index;
	int state; /* 0 waiting, 1 in flight, 2 done */
	struct timespec ready_at;
};

static const char *const op_verb[] = { "listing", "reading", "checking",
				       "writing", "deleting" };
static const char *const op_perm[] = { "s3:ListBucket", "s3:GetObject",
				       "s3:GetObject", "s3:PutObject",
				       "s3:DeleteObject" };

/* Credentials. */

void
s3_credentials_release(struct s3_credentials *c)
{
	free(c->access_key);
	free_secret(c->secret_key);
	free_secret(c->session_token);
	memset(c, 0, sizeof(*c));
}

static char *
trimmed(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return xstrndup(s, len);
}

int
s3_credentials_parse_ini(struct s3_credentials *out, const char *text,
			 const char *profile, const char *source,
			 struct error *err)
{
	struct s3_credentials c = { NULL, NULL, NULL };
	const char *line = text;
	int in_profile = 0, found = 0;

	while (line && *line) {
		const char *eol = strchr(line, '\n');
		size_t len = eol ? (size_t)(eol - line) : strlen(line);
		char *l = trimmed(line, len);

		line = eol ? eol + 1 : NULL;
		if (l[0] == '[') {
			char *end = strchr(l, ']');

			if (end) {
				char *name =
					trimmed(l + 1, (size_t)(end - l - 1));
				in_profile = strcmp(name, profile) == 0;
				found |= in_profile;
				free(name);
			}
		} else if (in_profile && l[0] != '#' && l[0] != ';') {
			char *eq = strchr(l, '=');

			if (eq) {
				char *k = trimmed(l, (size_t)(eq - l));
				char *v = trimmed(eq + 1, strlen(eq + 1));

				if (strcmp(k, "aws_access_key_id") == 0) {
					free(c.access_key);
					c.access_key = v;
				} else if (strcmp(k, "aws_secret_access_key") ==
					   0) {
					free_secret(c.secret_key);
					c.secret_key = v;
				} else if (strcmp(k, "aws_session_token") ==
					   0) {
					free_secret(c.session_token);
					c.session_token = v;
				} else {
					free_secret(v);
				}
				free(k);
			}
		}
		free_secret(l);
	}
	if (!found) {
		s3_credentials_release(&c);
		error_set(err, ERR_CONFIG, "no profile '%s' in '%s'", profile,
			  source);
		error_hint(err, "add a [%s] section to '%s' or set AWS_PROFILE",
			   profile, source);
		return -1;
	}
	if (!c.access_key || !c.secret_key || !*c.access_key ||
	    !*c.secret_key) {
		s3_credentials_release(&c);
		error_set(err, ERR_CONFIG,
			  "profile '%s' in '%s' lacks aws_access_key_id or "
			  "aws_secret_access_key",
			  profile, source);
		return -1;
	}
	*out = c;
	return 0;
}

static int
read_small_file(struct strbuf *sb, const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n;

	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0 && sb->len < (1 << 20))
		strbuf_add(sb, buf, n);
	explicit_bzero(buf, sizeof(buf));
	(void)fclose(f);
	return 0;
}

int
s3_credentials_from_env(struct s3_credentials *out, struct error *err)
{
	const char *ak = getenv("AWS_ACCESS_KEY_ID");
	const char *sk = getenv("AWS_SECRET_ACCESS_KEY");
	const char *tok = getenv("AWS_SESSION_TOKEN");
	const char *profile = getenv("AWS_PROFILE");
	const char *file = getenv("AWS_SHARED_CREDENTIALS_FILE");
	const char *home = getenv("HOME");
	struct strbuf text = STRBUF_INIT;
	char *path;
	int ret;

	if (ak && *ak && sk && *sk) {
		out->access_key = xstrdup(ak);
		out->secret_key = xstrdup(sk);
		out->session_token = tok && *tok ? xstrdup(tok) : NULL;
		return 0;
	}
	if (!profile || !*profile)
		profile = "default";
	if (file && *file)
		path = xstrdup(file);
	else
		path = xasprintf("%s/.aws/credentials", home ? home : "");
	if (read_small_file(&text, path) < 0) {
		error_set(err, ERR_CONFIG,
			  "no S3 credentials: AWS_ACCESS_KEY_ID and "
			  "AWS_SECRET_ACCESS_KEY are not set and '%s' cannot "
			  "be read",
			  path);
		error_hint(err, "export AWS_ACCESS_KEY_ID=... "
				"AWS_SECRET_ACCESS_KEY=... or set "
				"AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE");
		free(path);
		return -1;
	}
	ret = s3_credentials_parse_ini(out, text.buf, profile, path, err);
	strbuf_release_secret(&text);
	free(path);
	return ret;
}

/* URLs. */

static int
valid_bucket(const char *b)
{
	size_t len = strlen(b), i;
	int digits_and_dots = 1;

	if (len < 3 || len > 63)
		return 0;
	for (i = 0; i < len; i++) {
		char ch = b[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		      ch == '-' || ch == '.'))
			return 0;
		if (ch != '.' && !(ch >= '0' && ch <= '9'))
			digits_and_dots = 0;
	}
	if (b[0] == '-' || b[0] == '.' || b[len - 1] == '-' ||
	    b[len - 1] == '.' || strstr(b, "..") || digits_and_dots)
		return 0;
	return 1;
}

int
s3_parse_url(struct s3_url *out, const char *url, struct error *err)
{
	const char *rest, *slash;
	char *bucket;

	if (strncmp(url, "s3://", 5) != 0) {
		error_set(err, ERR_CONFIG, "'%s' is not an s3:// URL", url);
		error_hint(err, "write the destination path as "
				"s3://BUCKET/PREFIX");
		return -1;
	}
	rest = url + 5;
	slash = strchr(rest, '/');
	bucket = slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
	if (!valid_bucket(bucket)) {
		error_set(err, ERR_CONFIG,
			  "'%s' in '%s' is not a valid S3 bucket name", bucket,
			  url);
		error_hint(err, "bucket names are 3-63 characters of a-z, "
				"0-9, '.' and '-', starting and ending with a "
				"letter or digit");
		free(bucket);
		return -1;
	}
	out->bucket = bucket;
	rest = slash ? slash + 1 : "";
	while (*rest == '/')
		rest++;
	out->prefix = xstrdup(rest);
	return 0;
}

void
s3_url_release(struct s3_url *u)
{
	free(u->bucket);
	free(u->prefix);
	u->bucket = u->prefix = NULL;
}

/* The client. */

static int
parse_endpoint(struct s3_client *c, const char *ep, struct error *err)
{
	const char *p, *slash;

	if (strncmp(ep, "http://", 7) == 0) {
		c->scheme = xstrdup("http");
		p = ep + 7;
	} else if (strncmp(ep, "https://", 8) == 0) {
		c->scheme = xstrdup("https");
		p = ep + 8;
	} else {
		error_set(err, ERR_CONFIG,
			  "endpoint URL '%s' must start with http:// or "
			  "https://",
			  ep);
		return -1;
	}
	slash = strchr(p, '/');
	c->authority = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
	if (!*c->authority || strpbrk(c->authority, "?#@ ")) {
		error_set(err, ERR_CONFIG, "bad host in endpoint URL '%s'", ep);
		return -1;
	}
	c->base_path = xstrdup(slash ? slash : "");
	while (*c->base_path && c->base_path[strlen(c->base_path) - 1] == '/')
		c->base_path[strlen(c->base_path) - 1] = '\0';
	c->path_style = 1;
	return 0;
}

struct s3_client *
s3_client_new(const struct s3_config *cfg, const char *bucket,
	      struct error *err)
{
	struct s3_client *c = xcalloc(1, sizeof(*c));
	const char *region = cfg->region;
	const char *bo = getenv("CNPGOPS_TEST_BACKOFF_MS");

	if (!valid_bucket(bucket)) {
		error_set(err, ERR_CONFIG, "'%s' is not a valid S3 bucket name",
			  bucket);
		goto fail;
	}
	c->bucket = xstrdup(bucket);
	if (!region || !*region)
		region = getenv("AWS_REGION");
	if (!region || !*region)
		region = getenv("AWS_DEFAULT_REGION");
	if (!region || !*region)
		region = "us-east-1";
	c->region = xstrdup(region);
	if (cfg->endpoint && *cfg->endpoint) {
		if (parse_endpoint(c, cfg->endpoint, err) < 0)
			goto fail;
		c->endpoint = xstrdup(cfg->endpoint);
	} else {
		c->scheme = xstrdup("https");
		c->base_path = xstrdup("");
		/* Dotted names break the wildcard certificate. */
		c->path_style = strchr(bucket, '.') != NULL;
		c->endpoint = xasprintf("https://s3.%s.amazonaws.com", region);
	}
	if (cfg->credentials &&
	    (!cfg->credentials->access_key || !cfg->credentials->secret_key)) {
		error_set(err, ERR_CONFIG,
			  "the S3 credentials lack an access key id or a "
			  "secret access key");
		goto fail;
	}
	if (cfg->credentials) {
		c->cred.access_key = xstrdup(cfg->credentials->access_key);
		c->cred.secret_key = xstrdup(cfg->credentials->secret_key);
		c->cred.session_token =
			cfg->credentials->session_token
				? xstrdup(cfg->credentials->session_token)
				: NULL;
	} else if (s3_credentials_from_env(&c->cred, err) < 0) {
		goto fail;
	}
	if (cfg->ca_pem && cfg->ca_pem_len) {
		c->ca_pem = xmalloc(cfg->ca_pem_len);
		memcpy(c->ca_pem, cfg->ca_pem, cfg->ca_pem_len);
		c->ca_pem_len = cfg->ca_pem_len;
	}
	c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 60000;
	c->max_retries = cfg->max_retries > 0 ? cfg->max_retries : 4;
	c->backoff_ms = bo && *bo ? strtol(bo, NULL, 10) : 200;
	if (c->backoff_ms < 0)
		c->backoff_ms = 0;
	c->easy = curl_easy_init();
	if (!c->easy) {
		error_set(err, ERR_INTERNAL, "curl_easy_init failed");
		goto fail;
	}
	return c;
fail:
	s3_client_free(c);
	return NULL;
}

void
s3_client_free(struct s3_client *c)
{
	if (!c)
		return;
	if (c->easy)
		curl_easy_cleanup(c->easy);
	free(c->scheme);
	free(c->authority);
	free(c->base_path);
	free(c->endpoint);
	free(c->bucket);
	free(c->region);
	s3_credentials_release(&c->cred);
	free(c->ca_pem);
	free(c);
}

const char *
s3_client_region(const struct s3_client *c)
{
	return c->region;
}

const struct s3_last_error *
s3_client_last_error(const struct s3_client *c)
{
	return &c->last;
}

/* Requests. */

static void
req_init(struct req *r, struct s3_client *c, enum s3_op op, const char *key)
{
	memset(r, 0, sizeof(*r));
	r->c = c;
	r->op = op;
	r->key = xstrdup(key ? key : "");
	strbuf_init(&r->resp, 0);
}

static void
req_add_query(struct req *r, const char *name, const char *value)
{
	r->qval[r->nquery] = xstrdup(value);
	r->query[r->nquery].name = name;
	r->query[r->nquery].value = r->qval[r->nquery];
	r->nquery++;
}

static void
req_release(struct req *r)
{
	size_t i;

	for (i = 0; i < r->nquery; i++)
		free(r->qval[i]);
	free(r->key);
	strbuf_release(&r->resp);
	s3_xml_list_free(r->list);
	if (r->hdrs)
		curl_slist_free_all(r->hdrs);
	error_clear(&r->werr);
}

static char *
object_name(const struct req *r)
{
	return xasprintf("s3://%s/%s", r->c->bucket, r->key);
}

static size_t
on_write(char *p, size_t sz, size_t n, void *ud)
{
	struct req *r = ud;
	size_t len = sz * n, cap;

	if (!r->status)
		(void)curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE,
					&r->status);
	if (r->status / 100 == 2 && r->op == OP_LIST)
		return s3_xml_list_feed(r->list, p, len, 0, &r->werr) < 0 ? 0
									  : len;
	if (r->status / 100 == 2 && r->chunk) {
		int rc = r->chunk(r->chunk_data, r->index, p, len, &r->werr);

		r->delivered = 1;
		if (rc > 0)
			r->stopped = 1;
		return rc ? 0 : len;
	}
	cap = r->status / 100 == 2 ? r->max : ERROR_BODY_MAX;
	if (r->resp.len + len > cap) {
		char *name = object_name(r);

		error_set(&r->werr, ERR_OBJSTORE,
			  "'%s' is larger than %zu bytes", name, cap);
		free(name);
		return 0;
	}
	strbuf_add(&r->resp, p, len);
	return len;
}

static void
copy_header(char *dst, size_t dstlen, const char *v, size_t len)
{
	while (len &&
	       (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
		len--;
	while (len && *v == ' ') {
		v++;
		len--;
	}
	if (len >= dstlen)
		len = dstlen - 1;
	memcpy(dst, v, len);
	dst[len] = '\0';
}

static size_t
on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct req *r = ud;
	size_t len = sz * n;
	const char *colon = memchr(p, ':', len);
	size_t nl;
	char num[32];

	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		r->date[0] = r->bucket_region[0] = r->etag[0] = '\0';
		r->last_modified[0] = '\0';
		r->content_length = -1;
		return len;
	}
	if (!colon)
		return len;
	nl = (size_t)(colon - p);
	colon++;
	if (nl == 4 && strncasecmp(p, "date", 4) == 0)
		copy_header(r->date, sizeof(r->date), colon, len - nl - 1);
	else if (nl == 19 && strncasecmp(p, "x-amz-bucket-region", 19) == 0)
		copy_header(r->bucket_region, sizeof(r->bucket_region), colon,
			    len - nl - 1);
	else if (nl == 4 && strncasecmp(p, "etag", 4) == 0)
		copy_header(r->etag, sizeof(r->etag), colon, len - nl - 1);
	else if (nl == 13 && strncasecmp(p, "last-modified", 13) == 0)
		copy_header(r->last_modified, sizeof(r->last_modified), colon,
			    len - nl - 1);
	else if (nl == 14 && strncasecmp(p, "content-length", 14) == 0) {
		copy_header(num, sizeof(num), colon, len - nl - 1);
		r->content_length = strtoll(num, NULL, 10);
	}
	return len;
}

/* Object callbacks of s3_list_parallel stop at the range's upper key. */
static int
range_object(void *data, const struct s3_object *o, struct error *err)
{
	struct req *r = data;

	if (r->past_upper || (r->upper && strcmp(o->key, r->upper) > 0)) {
		r->past_upper = 1;
		return 0;
	}
	return r->cb.object ? r->cb.object(r->cb.data, o, err) : 0;
}

static int
range_prefix(void *data, const char *prefix, struct error *err)
{
	struct req *r = data;

	if (r->past_upper || (r->upper && strcmp(prefix, r->upper) > 0)) {
		r->past_upper = 1;
		return 0;
	}
	return r->cb.prefix ? r->cb.prefix(r->cb.data, prefix, err) : 0;
}

/* Build the URL, sign, and set the handle up for one attempt. */
static int
req_prepare(struct req *r, CURL *h, struct error *err)
{
	struct s3_client *c = r->c;
	struct strbuf url = STRBUF_INIT, path = STRBUF_INIT, host = STRBUF_INIT;
	struct strbuf line = STRBUF_INIT;
	struct s3_sign_input in;
	struct s3_sign_output so = { NULL, NULL, NULL, NULL, NULL };
	struct s3_sign_pair ct = { "Content-Type", "application/octet-stream" };
	char hash[65], amz_date[17];
	time_t now = time(NULL);
	struct tm tm;
	size_t i;
	int ret = -1;

	r->h = h;
	r->status = 0;
	r->past_upper = 0;
	r->stopped = 0;
	if (r->chunk && r->delivered) {
		/* a retry: the consumer starts over */
		r->delivered = 0;
		if (r->chunk(r->chunk_data, r->index, NULL, 0, err) < 0)
			return -1;
	}
	r->content_length = -1;
	r->errbuf[0] = '\0';
	strbuf_reset(&r->resp);
	error_clear(&r->werr);
	s3_xml_list_free(r->list);
	r->list = NULL;
	if (r->hdrs) {
		curl_slist_free_all(r->hdrs);
		r->hdrs = NULL;
	}
	if (r->op == OP_LIST) {
		struct s3_list_cb wrap = { range_object, range_prefix, NULL };

		wrap.data = r;
		r->list = s3_xml_list_new(&wrap);
	}

	if (c->path_style) {
		strbuf_addf(&path, "%s/%s", c->base_path, c->bucket);
		if (r->op != OP_LIST)
			strbuf_addf(&path, "/%s", r->key);
		if (c->authority)
			strbuf_addstr(&host, c->authority);
		else
			strbuf_addf(&host, "s3.%s.amazonaws.com", c->region);
	} else {
		strbuf_addf(&path, "/%s", r->key);
		strbuf_addf(&host, "%s.s3.%s.amazonaws.com", c->bucket,
			    c->region);
	}
	strbuf_addf(&url, "%s://%s", c->scheme, host.buf);
	s3_sign_uri_encode(&url, path.buf, path.len, 1);
	for (i = 0; i < r->nquery; i++) {
		strbuf_addch(&url, i ? '&' : '?');
		s3_sign_uri_encode(&url, r->query[i].name,
				   strlen(r->query[i].name), 0);
		strbuf_addch(&url, '=');
		s3_sign_uri_encode(&url, r->query[i].value,
				   strlen(r->query[i].value), 0);
	}

	gmtime_r(&now, &tm);
	strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
	s3_sign_sha256_hex(hash, r->body ? r->body : "", r->body_len);
	memset(&in, 0, sizeof(in));
	in.method = r->op == OP_LIST || r->op == OP_GET ? "GET"
		    : r->op == OP_HEAD			? "HEAD"
		    : r->op == OP_PUT			? "PUT"
							: "DELETE";
	in.host = host.buf;
	in.path = path.buf;
	in.query = r->query;
	in.nquery = r->nquery;
	in.headers = r->op == OP_PUT ? &ct : NULL;
	in.nheaders = r->op == OP_PUT ? 1 : 0;
	in.payload_hash = hash;
	in.amz_date = amz_date;
	in.region = c->region;
	in.access_key = c->cred.access_key;
	in.secret_key = c->cred.secret_key;
	in.session_token = c->cred.session_token;
	if (s3_sign(&so, &in) < 0) {
		error_set(err, ERR_INTERNAL, "cannot sign the S3 request");
		goto out;
	}

	strbuf_addf(&line, "Host: %s", host.buf);
	r->hdrs = curl_slist_append(r->hdrs, line.buf);
	strbuf_reset(&line);
	strbuf_addf(&line, "x-amz-date: %s", amz_date);
	r->hdrs = curl_slist_append(r->hdrs, line.buf);
	strbuf_reset(&line);
	strbuf_addf(&line, "x-amz-content-sha256: %s", hash);
	r->hdrs = curl_slist_append(r->hdrs, line.buf);
	if (c->cred.session_token) {
		strbuf_reset(&line);
		strbuf_addf(&line, "x-amz-security-token: %s",
			    c->cred.session_token);
		r->hdrs = curl_slist_append(r->hdrs, line.buf);
	}
	if (r->op == OP_PUT)
		r->hdrs = curl_slist_append(
			r->hdrs, "Content-Type: application/octet-stream");
	strbuf_reset(&line);
	strbuf_addf(&line, "Authorization: %s", so.authorization);
	r->hdrs = curl_slist_append(r->hdrs, line.buf);
	r->hdrs = curl_slist_append(r->hdrs, "Expect:");
	if (!r->hdrs) {
		error_set(err, ERR_INTERNAL, "curl_slist_append failed");
		goto out;
	}

	curl_easy_reset(h);
	(void)curl_easy_setopt(h, CURLOPT_URL, url.buf);
	(void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->hdrs);
	(void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	(void)curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	(void)curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	(void)curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	(void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
	(void)curl_easy_setopt(h, CURLOPT_PRIVATE, r);
	(void)curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	(void)curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			       c->timeout_ms < 10000 ? c->timeout_ms : 10000L);
	(void)curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(h, CURLOPT_USERAGENT, "kubectl-cnpgops");
	if (c->ca_pem) {
		struct curl_blob blob;

		blob.data = c->ca_pem;
		blob.len = c->ca_pem_len;
		blob.flags = CURL_BLOB_COPY;
		(void)curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
	switch (r->op) {
	case OP_HEAD:
		(void)curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		break;
	case OP_PUT:
		(void)curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
		(void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				       (curl_off_t)r->body_len);
		(void)curl_easy_setopt(h, CURLOPT_POSTFIELDS,
				       r->body ? r->body : "");
		break;
	case OP_DELETE:
		(void)curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "DELETE");
		break;
	default:
		break;
	}
	ret = 0;
out:
	s3_sign_output_release(&so);
	strbuf_release(&url);
	strbuf_release(&path);
	strbuf_release(&host);
	strbuf_release(&line);
	return ret;
}

static long
clock_skew(const struct req *r)
{
	time_t server = curl_getdate(r->date, NULL);

	if (!r->date[0] || server == (time_t)-1)
		return 0;
	return (long)(time(NULL) - server);
}

static int
retryable_code(const char *code)
{
	return code && (strcmp(code, "SlowDown") == 0 ||
			strcmp(code, "RequestTimeout") == 0 ||
			strcmp(code, "InternalError") == 0 ||
			strcmp(code, "ServiceUnavailable") == 0 ||
			strcmp(code, "RequestTimeTooSkewed") == 0);
}

/* The message for an S3 error answer. */
static void
report_s3_error(struct req *r, const struct s3_xml_error *x, struct error *err)
{
	struct s3_client *c = r->c;
	char *name = object_name(r);
	const char *code = x->code;
	const char *verb = op_verb[r->op];
	long skew;

	if (strcmp(code, "NoSuchBucket") == 0) {
		error_set(err, ERR_OBJSTORE,
			  "%s '%s': bucket '%s' does not exist at '%s' "
			  "(NoSuchBucket)",
			  verb, name, c->bucket, c->endpoint);
		error_hint(err,
			   "check the bucket in destinationPath and the "
			   "endpoint URL; list buckets with 'aws s3 ls "
			   "--endpoint-url %s'",
			   c->endpoint);
	} else if (strcmp(code, "NoSuchKey") == 0) {
		error_set(err, ERR_NOT_FOUND,
			  "%s '%s': the object does not exist (NoSuchKey)",
			  verb, name);
		error_hint(err, "list what is there with 'aws s3 ls %s'", name);
	} else if (strcmp(code, "AccessDenied") == 0) {
		error_set(err, ERR_OBJSTORE,
			  "%s '%s': access denied for access key '%s' "
			  "(AccessDenied)",
			  verb, name, c->cred.access_key);
		if (r->op == OP_LIST)
			error_hint(err,
				   "grant %s on arn:aws:s3:::%s to the "
				   "credentials' user or role",
				   op_perm[r->op], c->bucket);
		else
			error_hint(err,
				   "grant %s on arn:aws:s3:::%s/%s to the "
				   "credentials' user or role",
				   op_perm[r->op], c->bucket, r->key);
	} else if (strcmp(code, "InvalidAccessKeyId") == 0) {
		error_set(err, ERR_OBJSTORE,
			  "%s '%s': the object store does not know access "
			  "key '%s' (InvalidAccessKeyId)",
			  verb, name, c->cred.access_key);
		error_hint(err, "check the access key id in the credentials "
				"secret (or AWS_ACCESS_KEY_ID) and that the "
				"endpoint is the right one");
	} else if (strcmp(code, "SignatureDoesNotMatch") == 0 ||
		   strcmp(code, "RequestTimeTooSkewed") == 0) {
		skew = clock_skew(r);
		if (skew > CLOCK_SKEW_WARN || skew < -CLOCK_SKEW_WARN)
			error_set(err, ERR_OBJSTORE,
				  "%s '%s': the request signature was refused "
				  "(%s): the local clock is %ld s %s the "
				  "server's",
				  verb, name, code, skew < 0 ? -skew : skew,
				  skew > 0 ? "ahead of" : "behind");
		else
			error_set(err, ERR_OBJSTORE,
				  "%s '%s': the request signature was refused "
				  "(%s): the secret access key for '%s' is "
				  "wrong",
				  verb, name, code, c->cred.access_key);
		error_hint(err, "check the secret access key (and sync the "
				"clock with NTP if it is off)");
	} else if (strcmp(code, "AuthorizationHeaderMalformed") == 0 ||
		   strcmp(code, "PermanentRedirect") == 0) {
		const char *right = x->region		  ? x->region
				    : r->bucket_region[0] ? r->bucket_region
							  : NULL;

		error_set(err, ERR_OBJSTORE,
			  "%s '%s': bucket '%s' is not in region '%s'%s%s%s "
			  "(%s)",
			  verb, name, c->bucket, c->region,
			  right ? ", it is in '" : "", right ? right : "",
			  right ? "'" : "", code);
		error_hint(err,
			   "set the region to '%s' (AWS_REGION or the "
			   "ObjectStore's region)",
			   right ? right : "the bucket's region");
	} else {
		error_set(err, ERR_OBJSTORE, "%s '%s': %s (%s, HTTP %ld)", verb,
			  name, x->message ? x->message : "error", code,
			  r->status);
	}
	if (x->request_id)
		error_hint_default(err,
				   "quote request id %s to the object "
				   "store's support",
				   x->request_id);
	free(name);
}

/* Map a failed transfer (transport level) to an error. */
static void
report_transport(struct req *r, CURLcode cc, struct error *err)
{
	struct s3_client *c = r->c;
	char *name = object_name(r);
	const char *text = r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		error_set(err, ERR_CONFIG, "%s '%s': TLS with '%s' failed: %s",
			  op_verb[r->op], name, c->endpoint, text);
		if (strstr(text, "expired"))
			error_hint(err, "the server's certificate has "
					"expired: renew it");
		else if (strstr(text, "subject name") ||
			 strstr(text, "does not match"))
			error_hint(err, "the certificate does not name the "
					"endpoint's host: use the host name "
					"the certificate was issued for");
		else
			error_hint(err, "give the endpoint's CA bundle "
					"(endpointCA in the ObjectStore)");
		break;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		error_set(err, ERR_IO, "%s '%s': cannot connect to '%s': %s",
			  op_verb[r->op], name, c->endpoint, text);
		error_hint(err, "check the endpoint URL and that the object "
				"store is reachable from here");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		error_set(err, ERR_IO, "%s '%s': '%s' did not answer: %s",
			  op_verb[r->op], name, c->endpoint, text);
		break;
	default:
		error_set(err, ERR_IO, "%s '%s' at '%s': %s", op_verb[r->op],
			  name, c->endpoint, text);
		break;
	}
	free(name);
}

enum outcome { DONE_OK, DONE_FAIL, RETRY, RETRY_NOW };

static int
transport_retryable(CURLcode cc)
{
	return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
	       cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
	       cc == CURLE_GOT_NOTHING || cc == CURLE_PARTIAL_FILE;
}

/* The S3 code for an answer without a body (HEAD), from its status. */
static const char *
code_for_status(const struct req *r)
{
	switch (r->status) {
	case 404:
		return r->op == OP_LIST ? "NoSuchBucket" : "NoSuchKey";
	case 403:
		return "AccessDenied";
	case 301:
		return "PermanentRedirect";
	case 503:
		return "SlowDown";
	default:
		return "UnknownError";
	}
}

/* Classify a finished transfer; on failure err is set (also for RETRY). */
static enum outcome
req_outcome(struct req *r, CURLcode cc, struct error *err)
{
	struct s3_client *c = r->c;
	struct s3_xml_error x;
	int emitted = r->list && s3_xml_list_count(r->list) > 0;

	if (!r->status)
		(void)curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE,
					&r->status);
	c->last.http_status = r->status;
	c->last.code[0] = c->last.request_id[0] = '\0';
	if (r->werr.code != ERR_OK) {
		error_move(err, &r->werr);
		return DONE_FAIL;
	}
	if (r->stopped)
		return DONE_OK;
	if (cc != CURLE_OK) {
		c->last.http_status = 0;
		report_transport(r, cc, err);
		return transport_retryable(cc) && !emitted ? RETRY : DONE_FAIL;
	}
	if (r->status / 100 == 2) {
		if (r->op == OP_LIST &&
		    s3_xml_list_feed(r->list, "", 0, 1, err) < 0)
			return DONE_FAIL;
		return DONE_OK;
	}
	memset(&x, 0, sizeof(x));
	if (s3_xml_parse_error(&x, r->resp.buf, r->resp.len) < 0) {
		/* HEAD answers carry no body: map by status. */
		x.code = xstrdup(code_for_status(r));
		if (r->status == 400 && r->bucket_region[0]) {
			free(x.code);
			x.code = xstrdup("AuthorizationHeaderMalformed");
		}
		x.message = xasprintf("HTTP %ld", r->status);
	}
	snprintf(c->last.code, sizeof(c->last.code), "%s", x.code);
	snprintf(c->last.request_id, sizeof(c->last.request_id), "%s",
		 x.request_id ? x.request_id : "");
	/* The bucket lives in another region: retry there once. */
	if (!r->region_retried &&
	    (strcmp(x.code, "AuthorizationHeaderMalformed") == 0 ||
	     strcmp(x.code, "PermanentRedirect") == 0 || r->status == 301)) {
		const char *right = x.region		  ? x.region
				    : r->bucket_region[0] ? r->bucket_region
							  : NULL;

		if (right && strcmp(right, c->region) != 0) {
			free(c->region);
			c->region = xstrdup(right);
			r->region_retried = 1;
			s3_xml_error_release(&x);
			return RETRY_NOW;
		}
	}
	report_s3_error(r, &x, err);
	{
		int again = r->status >= 500 || retryable_code(x.code);

		s3_xml_error_release(&x);
		return again ? RETRY : DONE_FAIL;
	}
}

static long
backoff_ms(const struct s3_client *c, int attempt)
{
	long ms = c->backoff_ms;
	int i;

	for (i = 0; i < attempt && ms < 20000; i++)
		ms *= 2;
	return ms;
}

static void
sleep_ms(long ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0)
		;
}

/* Run one request to the end, with retries. */
static int
req_run(struct req *r, struct error *err)
{
	for (;;) {
		struct error e = ERROR_INIT;
		enum outcome o;
		CURLcode cc;

		if (req_prepare(r, r->c->easy, err) < 0)
			return -1;
		cc = curl_easy_perform(r->c->easy);
		o = req_outcome(r, cc, &e);
		if (o == DONE_OK)
			return 0;
		if (o == DONE_FAIL ||
		    (o == RETRY && r->attempt >= r->c->max_retries)) {
			error_move(err, &e);
			return -1;
		}
		error_clear(&e);
		if (o == RETRY)
			sleep_ms(backoff_ms(r->c, r->attempt++));
	}
}

/* The operations. */

static void
list_query(struct req *r, const struct s3_list_opts *o)
{
	req_add_query(r, "list-type", "2");
	if (o->prefix && *o->prefix)
		req_add_query(r, "prefix", o->prefix);
	if (o->delimiter && *o->delimiter)
		req_add_query(r, "delimiter", o->delimiter);
	if (o->start_after && *o->start_after)
		req_add_query(r, "start-after", o->start_after);
	if (o->continuation_token && *o->continuation_token)
		req_add_query(r, "continuation-token", o->continuation_token);
	if (o->max_keys > 0) {
		char num[16];

		snprintf(num, sizeof(num), "%d", o->max_keys);
		req_add_query(r, "max-keys", num);
	}
}

int
s3_list_page(char **next_token, struct s3_client *c,
	     const struct s3_list_opts *opts, const struct s3_list_cb *cb,
	     struct error *err)
{
	struct req r;
	int ret = -1;

	req_init(&r, c, OP_LIST, opts->prefix);
	if (cb)
		r.cb = *cb;
	list_query(&r, opts);
	if (req_run(&r, err) < 0)
		goto out;
	*next_token =
		s3_xml_list_truncated(r.list) && s3_xml_list_next_token(r.list)
			? xstrdup(s3_xml_list_next_token(r.list))
			: NULL;
	ret = 0;
out:
	req_release(&r);
	return ret;
}

int
s3_list_all(struct s3_client *c, const char *prefix, const char *delimiter,
	    const struct s3_list_cb *cb, struct error *err)
{
	struct s3_list_opts o;
	char *token = NULL;

	memset(&o, 0, sizeof(o));
	o.prefix = prefix;
	o.delimiter = delimiter;
	do {
		char *next = NULL;

		o.continuation_token = token;
		if (s3_list_page(&next, c, &o, cb, err) < 0) {
			free(token);
			return -1;
		}
		free(token);
		token = next;
	} while (token);
	return 0;
}

int
s3_get(struct strbuf *out, struct s3_client *c, const char *key, size_t max,
       struct error *err)
{
	struct req r;
	int ret = -1;

	req_init(&r, c, OP_GET, key);
	r.max = max;
	if (req_run(&r, err) < 0)
		goto out;
	strbuf_add(out, r.resp.buf, r.resp.len);
	ret = 0;
out:
	req_release(&r);
	return ret;
}

int
s3_head(struct s3_head *out, struct s3_client *c, const char *key,
	struct error *err)
{
	struct req r;
	int ret = -1;
	time_t t;

	req_init(&r, c, OP_HEAD, key);
	if (req_run(&r, err) < 0)
		goto out;
	t = curl_getdate(r.last_modified, NULL);
	out->size = r.content_length;
	out->last_modified = t == (time_t)-1 ? 0 : t;
	snprintf(out->etag, sizeof(out->etag), "%s", r.etag);
	ret = 0;
out:
	req_release(&r);
	return ret;
}

int
s3_get_lifecycle(struct s3_lifecycle *out, struct s3_client *c,
		 struct error *err)
{
	struct req r;
	struct error lerr = ERROR_INIT;
	int ret = -1;

	req_init(&r, c, OP_GET, "");
	req_add_query(&r, "lifecycle", "");
	r.max = 1u << 20;
	if (req_run(&r, &lerr) < 0) {
		if (strcmp(c->last.code, "NoSuchLifecycleConfiguration") == 0) {
			memset(out, 0, sizeof(*out));
			error_clear(&lerr);
			ret = 0;
		} else {
			error_move(err, &lerr);
		}
		goto out;
	}
	if (s3_xml_parse_lifecycle(out, r.resp.buf, r.resp.len)) {
		error_set(err, ERR_OBJSTORE,
			  "the lifecycle configuration of bucket '%s' is not "
			  "a LifecycleConfiguration document",
			  c->bucket);
		goto out;
	}
	ret = 0;
out:
	req_release(&r);
	return ret;
}

int
s3_put(struct s3_client *c, const char *key, const void *data, size_t len,
       struct error *err)
{
	struct req r;
	int ret;

	req_init(&r, c, OP_PUT, key);
	r.body = data;
	r.body_len = len;
	ret = req_run(&r, err);
	req_release(&r);
	return ret;
}

int
s3_delete(struct s3_client *c, const char *key, struct error *err)
{
	struct req r;
	int ret;

	req_init(&r, c, OP_DELETE, key);
	ret = req_run(&r, err);
	req_release(&r);
	return ret;
}

/* Parallel requests through curl multi. */

static void
ms_from_now(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static long
ms_until(const struct timespec *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(ts->tv_sec - now.tv_sec) * 1000 +
	       (ts->tv_nsec - now.tv_nsec) / 1000000L;
}

/*
 * What to do when a request of a batch is finished: key_err is ERR_OK on
 * success.  Return 0 when the request is done, 1 to send it again (the
 * callee changed it: next page), -1 with err set to stop the batch.
 */
struct batch {
	int (*finished)(void *data, struct req *r, const struct error *key_err,
			struct error *err);
	void *data;
};

static int
multi_run(struct s3_client *c, struct req *reqs, size_t n, int max_in_flight,
	  const struct batch *b, struct error *err)
{
	CURLM *m = curl_multi_init();
	CURL **handles = xcalloc(n + 1, sizeof(*handles));
	size_t i, left = n;
	int running = 0, ret = -1;

	if (!m) {
		error_set(err, ERR_INTERNAL, "curl_multi_init failed");
		goto out;
	}
	if (max_in_flight < 1)
		max_in_flight = 1;
	for (i = 0; i < n; i++) {
		reqs[i].index = i;
		reqs[i].state = 0;
		clock_gettime(CLOCK_MONOTONIC, &reqs[i].ready_at);
	}
	while (left > 0) {
		long wait = 1000;
		int still = 0, msgs = 0;
		CURLMsg *msg;

		for (i = 0; i < n && running < max_in_flight; i++) {
			if (reqs[i].state != 0)
				continue;
			if (ms_until(&reqs[i].ready_at) > 0) {
				continue;
			}
			if (!handles[i])
				handles[i] = curl_easy_init();
			if (!handles[i] ||
			    req_prepare(&reqs[i], handles[i], err) < 0)
				goto out;
			if (curl_multi_add_handle(m, handles[i]) != CURLM_OK) {
				error_set(err, ERR_INTERNAL,
					  "curl_multi_add_handle failed");
				goto out;
			}
			reqs[i].state = 1;
			running++;
		}
		for (i = 0; i < n; i++) {
			long w;

			if (reqs[i].state != 0)
				continue;
			w = ms_until(&reqs[i].ready_at);
			if (w < wait)
				wait = w < 0 ? 0 : w;
		}
		if (curl_multi_perform(m, &still) != CURLM_OK ||
		    curl_multi_poll(m, NULL, 0, (int)wait, NULL) != CURLM_OK) {
			error_set(err, ERR_INTERNAL, "curl multi failed");
			goto out;
		}
		(void)curl_multi_perform(m, &still);
		while ((msg = curl_multi_info_read(m, &msgs))) {
			struct req *r = NULL;
			struct error e = ERROR_INIT;
			enum outcome o;
			int again;

			if (msg->msg != CURLMSG_DONE)
				continue;
			(void)curl_easy_getinfo(msg->easy_handle,
						CURLINFO_PRIVATE, (char **)&r);
			(void)curl_multi_remove_handle(m, msg->easy_handle);
			running--;
			o = req_outcome(r, msg->data.result, &e);
			if (o == RETRY_NOW ||
			    (o == RETRY && r->attempt < c->max_retries)) {
				ms_from_now(
					&r->ready_at,
					o == RETRY ? backoff_ms(c, r->attempt++)
						   : 0);
				r->state = 0;
				error_clear(&e);
				continue;
			}
			again = b->finished(b->data, r, &e, err);
			error_clear(&e);
			if (again < 0)
				goto out;
			if (again == 1) {
				r->attempt = 0;
				r->region_retried = 0;
				clock_gettime(CLOCK_MONOTONIC, &r->ready_at);
				r->state = 0;
			} else {
				r->state = 2;
				left--;
			}
		}
	}
	ret = 0;
out:
	for (i = 0; i < n; i++) {
		if (!handles[i])
			continue;
		if (m && reqs[i].state == 1)
			(void)curl_multi_remove_handle(m, handles[i]);
		curl_easy_cleanup(handles[i]);
	}
	free(handles);
	if (m)
		(void)curl_multi_cleanup(m);
	return ret;
}

struct get_many {
	int (*done)(void *data, size_t i, const char *body, size_t len,
		    const struct error *key_err, struct error *err);
	void *data;
};

static int
get_many_finished(void *data, struct req *r, const struct error *key_err,
		  struct error *err)
{
	struct get_many *g = data;
	int ok = key_err->code == ERR_OK;

	return g->done(g->data, r->index, ok ? r->resp.buf : NULL,
		       ok ? r->resp.len : 0, key_err, err) < 0
		       ? -1
		       : 0;
}

int
s3_get_many(struct s3_client *c, const char *const *keys, size_t n,
	    int max_in_flight, size_t max,
	    int (*done)(void *data, size_t i, const char *body, size_t len,
			const struct error *key_err, struct error *err),
	    void *data, struct error *err)
{
	struct req *reqs = xcalloc(n + 1, sizeof(*reqs));
	struct get_many g;
	struct batch b;
	size_t i;
	int ret;

	g.done = done;
	g.data = data;
	b.finished = get_many_finished;
	b.data = &g;
	for (i = 0; i < n; i++) {
		req_init(&reqs[i], c, OP_GET, keys[i]);
		reqs[i].max = max;
	}
	ret = multi_run(c, reqs, n, max_in_flight, &b, err);
	for (i = 0; i < n; i++)
		req_release(&reqs[i]);
	free(reqs);
	return ret;
}

static int
list_range_finished(void *data, struct req *r, const struct error *key_err,
		    struct error *err)
{
	const char *token;
	size_t i;

	(void)data;
	if (key_err->code != ERR_OK) {
		error_set(err, key_err->code, "%s", key_err->msg);
		if (key_err->hint)
			error_hint(err, "%s", key_err->hint);
		return -1;
	}
	token = s3_xml_list_next_token(r->list);
	if (r->past_upper || !s3_xml_list_truncated(r->list) || !token)
		return 0;
	/* Next page: replace start-after/continuation-token. */
	for (i = 0; i < r->nquery; i++) {
		if (strcmp(r->query[i].name, "start-after") == 0 ||
		    strcmp(r->query[i].name, "continuation-token") == 0) {
			free(r->qval[i]);
			r->qval[i] = xstrdup(token);
			r->query[i].name = "continuation-token";
			r->query[i].value = r->qval[i];
			return 1;
		}
	}
	req_add_query(r, "continuation-token", token);
	return 1;
}

int
s3_list_parallel(struct s3_client *c, const char *prefix,
		 const char *const *bounds, size_t nbounds, int max_in_flight,
		 const struct s3_list_cb *cb, struct error *err)
{
	struct req *reqs = xcalloc(nbounds + 2, sizeof(*reqs));
	struct s3_list_opts o;
	struct batch b;
	size_t i;
	int ret;

	b.finished = list_range_finished;
	b.data = NULL;
	for (i = 0; i <= nbounds; i++) {
		memset(&o, 0, sizeof(o));
		o.prefix = prefix;
		o.start_after = i ? bounds[i - 1] : NULL;
		req_init(&reqs[i], c, OP_LIST, prefix);
		if (cb)
			reqs[i].cb = *cb;
		reqs[i].upper = i < nbounds ? bounds[i] : NULL;
		list_query(&reqs[i], &o);
	}
	ret = multi_run(c, reqs, nbounds + 1, max_in_flight, &b, err);
	for (i = 0; i <= nbounds; i++)
		req_release(&reqs[i]);
	free(reqs);
	return ret;
}

struct stream_many {
	int (*done)(void *data, size_t i, const struct error *key_err,
		    struct error *err);
	void *data;
};

static int
stream_many_finished(void *data, struct req *r, const struct error *key_err,
		     struct error *err)
{
	struct stream_many *g = data;

	return g->done(g->data, r->index, key_err, err) < 0 ? -1 : 0;
}

int
s3_get_stream_many(struct s3_client *c, const char *const *keys, size_t n,
		   int max_in_flight,
		   int (*chunk)(void *data, size_t i, const char *buf,
				size_t len, struct error *err),
		   int (*done)(void *data, size_t i,
			       const struct error *key_err, struct error *err),
		   void *data, struct error *err)
{
	struct req *reqs = xcalloc(n + 1, sizeof(*reqs));
	struct stream_many g;
	struct batch b;
	size_t i;
	int ret;

	g.done = done;
	g.data = data;
	b.finished = stream_many_finished;
	b.data = &g;
	for (i = 0; i < n; i++) {
		req_init(&reqs[i], c, OP_GET, keys[i]);
		reqs[i].chunk = chunk;
		reqs[i].chunk_data = data;
	}
	ret = multi_run(c, reqs, n, max_in_flight, &b, err);
	for (i = 0; i < n; i++)
		req_release(&reqs[i]);
	free(reqs);
	return ret;
}
