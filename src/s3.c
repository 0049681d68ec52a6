/*
 * The S3 dialect: URLs, AWS Signature V4 (s3_sign), ListObjectsV2 pages
 * through s3_xml, S3 error answers turned into messages naming the object
 * and the fix, the region redirect; and the AWS credentials of the
 * environment.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "archive.h"
#include "errors.h"
#include "s3.h"
#include "s3_sign.h"
#include "s3_xml.h"
#include "store.h"
#include "store_impl.h"
#include "strbuf.h"
#include "xmalloc.h"

#define CLOCK_SKEW_WARN 300

/* The dialect's state of a store. */
struct s3_impl {
	char *scheme; /* "http" or "https" */
	char *authority; /* host[:port] of the endpoint; NULL for AWS */
	char *base_path; /* path of the endpoint URL, "" or "/x" */
	char *bucket;
	char *region;
	int path_style;
	struct s3_credentials cred;
};

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
	if (strbuf_read_file(&text, path, (size_t)1 << 20) < 0) {
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

/* The dialect. */

static struct s3_impl *
impl_of(const struct store *st)
{
	return st->impl;
}

static int
parse_endpoint(struct s3_impl *c, const char *ep, struct error *err)
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

static void
impl_free(void *p)
{
	struct s3_impl *c = p;

	if (!c)
		return;
	free(c->scheme);
	free(c->authority);
	free(c->base_path);
	free(c->bucket);
	free(c->region);
	s3_credentials_release(&c->cred);
	free(c);
}

static char *
object_url(const struct store *st, const char *key)
{
	return xasprintf("s3://%s/%s", st->bucket, key);
}

/* The query of a request, in the order SigV4 signs it (sorted there). */
static size_t
query_of(const struct store_req *r, struct s3_sign_pair *q, char *num,
	 size_t numlen)
{
	size_t n = 0, i;

	if (r->op == STORE_OP_LIST) {
		q[n].name = "list-type";
		q[n++].value = "2";
		if (r->prefix && *r->prefix) {
			q[n].name = "prefix";
			q[n++].value = r->prefix;
		}
		if (r->delimiter) {
			q[n].name = "delimiter";
			q[n++].value = r->delimiter;
		}
		if (r->token) {
			q[n].name = "continuation-token";
			q[n++].value = r->token;
		} else if (r->start_after) {
			q[n].name = "start-after";
			q[n++].value = r->start_after;
		}
		if (r->max_keys > 0) {
			snprintf(num, numlen, "%d", r->max_keys);
			q[n].name = "max-keys";
			q[n++].value = num;
		}
	}
	for (i = 0; i < r->nquery; i++) {
		q[n].name = r->query[i].name;
		q[n++].value = r->query[i].value;
	}
	return n;
}

static int
s3_prepare(struct store *st, struct store_req *r, struct strbuf *url,
	   struct curl_slist **hdrs, struct error *err)
{
	struct s3_impl *c = impl_of(st);
	struct strbuf path = STRBUF_INIT, host = STRBUF_INIT;
	struct s3_sign_pair q[STORE_MAX_QUERY + 6];
	struct s3_sign_input in;
	struct s3_sign_output so = { NULL, NULL, NULL, NULL, NULL };
	struct s3_sign_pair ct = { "Content-Type", "application/octet-stream" };
	char hash[65], amz_date[17], num[16];
	time_t now = time(NULL);
	struct tm tm;
	size_t i, nq = query_of(r, q, num, sizeof(num));
	int ret = -1;

	if (c->path_style) {
		strbuf_addf(&path, "%s/%s", c->base_path, c->bucket);
		if (r->op != STORE_OP_LIST)
			strbuf_addf(&path, "/%s", r->key);
		if (c->authority)
			strbuf_addstr(&host, c->authority);
		else
			strbuf_addf(&host, "s3.%s.amazonaws.com", c->region);
	} else {
		strbuf_addf(&path, "/%s", r->op == STORE_OP_LIST ? "" : r->key);
		strbuf_addf(&host, "%s.s3.%s.amazonaws.com", c->bucket,
			    c->region);
	}
	strbuf_addf(url, "%s://%s", c->scheme, host.buf);
	s3_sign_uri_encode(url, path.buf, path.len, 1);
	for (i = 0; i < nq; i++) {
		strbuf_addch(url, i ? '&' : '?');
		s3_sign_uri_encode(url, q[i].name, strlen(q[i].name), 0);
		strbuf_addch(url, '=');
		s3_sign_uri_encode(url, q[i].value, strlen(q[i].value), 0);
	}

	gmtime_r(&now, &tm);
	strftime(amz_date, sizeof(amz_date), "%Y%m%dT%H%M%SZ", &tm);
	s3_sign_sha256_hex(hash, r->body ? r->body : "", r->body_len);
	memset(&in, 0, sizeof(in));
	in.method = r->op == STORE_OP_LIST || r->op == STORE_OP_GET ? "GET"
		    : r->op == STORE_OP_HEAD			    ? "HEAD"
		    : r->op == STORE_OP_PUT			    ? "PUT"
								    : "DELETE";
	r->method = in.method;
	in.host = host.buf;
	in.path = path.buf;
	in.query = q;
	in.nquery = nq;
	in.headers = r->op == STORE_OP_PUT ? &ct : NULL;
	in.nheaders = r->op == STORE_OP_PUT ? 1 : 0;
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
	store_add_header(hdrs, "Host", host.buf);
	store_add_header(hdrs, "x-amz-date", amz_date);
	store_add_header(hdrs, "x-amz-content-sha256", hash);
	if (c->cred.session_token)
		store_add_header(hdrs, "x-amz-security-token",
				 c->cred.session_token);
	if (r->op == STORE_OP_PUT)
		store_add_header(hdrs, "Content-Type",
				 "application/octet-stream");
	store_add_header(hdrs, "Authorization", so.authorization);
	ret = 0;
out:
	s3_sign_output_release(&so);
	strbuf_release(&path);
	strbuf_release(&host);
	return ret;
}

/* Listing pages through s3_xml. */

static void *
s3_list_new(const struct store_list_cb *cb)
{
	return s3_xml_list_new(cb);
}

static int
s3_list_feed(void *p, const char *buf, size_t len, int final, struct error *err)
{
	return s3_xml_list_feed(p, buf, len, final, err);
}

static size_t
s3_list_count(const void *p)
{
	return s3_xml_list_count(p);
}

static const char *
s3_list_next_token(const void *p)
{
	return s3_xml_list_truncated(p) ? s3_xml_list_next_token(p) : NULL;
}

static void
s3_list_free(void *p)
{
	s3_xml_list_free(p);
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
report_s3_error(struct store *st, struct store_req *r,
		const struct s3_xml_error *x, const char *bucket_region,
		struct error *err)
{
	struct s3_impl *c = impl_of(st);
	char *name = store_req_object_url(r);
	const char *code = x->code;
	const char *verb = store_op_verb(r->op);
	long skew;

	if (strcmp(code, "NoSuchBucket") == 0) {
		error_set(err, ERR_OBJSTORE,
			  "%s '%s': bucket '%s' does not exist at '%s' "
			  "(NoSuchBucket)",
			  verb, name, c->bucket, st->endpoint);
		error_hint(err,
			   "check the bucket in destinationPath and the "
			   "endpoint URL; list buckets with 'aws s3 ls "
			   "--endpoint-url %s'",
			   st->endpoint);
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
		if (r->op == STORE_OP_LIST)
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
		skew = store_req_clock_skew(r);
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
		const char *right = x->region	     ? x->region
				    : *bucket_region ? bucket_region
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

/* The S3 code for an answer without a body (HEAD), from its status. */
static const char *
code_for_status(const struct store_req *r)
{
	switch (r->status) {
	case 404:
		return r->op == STORE_OP_LIST ? "NoSuchBucket" : "NoSuchKey";
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

static enum store_outcome
s3_failure(struct store *st, struct store_req *r, struct error *err)
{
	struct s3_impl *c = impl_of(st);
	struct s3_xml_error x;
	char bucket_region[64];
	enum store_outcome o;

	(void)store_req_header(r, "x-amz-bucket-region", bucket_region,
			       sizeof(bucket_region));
	memset(&x, 0, sizeof(x));
	if (s3_xml_parse_error(&x, r->resp.buf, r->resp.len) < 0) {
		/* HEAD answers carry no body: map by status. */
		x.code = xstrdup(code_for_status(r));
		if (r->status == 400 && bucket_region[0]) {
			free(x.code);
			x.code = xstrdup("AuthorizationHeaderMalformed");
		}
		x.message = xasprintf("HTTP %ld", r->status);
	}
	store_set_last(st, r->status, x.code, x.request_id);
	/* The bucket lives in another region: retry there once. */
	if (!r->retried_now &&
	    (strcmp(x.code, "AuthorizationHeaderMalformed") == 0 ||
	     strcmp(x.code, "PermanentRedirect") == 0 || r->status == 301)) {
		const char *right = x.region	       ? x.region
				    : bucket_region[0] ? bucket_region
						       : NULL;

		if (right && strcmp(right, c->region) != 0) {
			free(c->region);
			c->region = xstrdup(right);
			s3_xml_error_release(&x);
			return STORE_RETRY_NOW;
		}
	}
	report_s3_error(st, r, &x, bucket_region, err);
	o = r->status >= 500 || retryable_code(x.code) ? STORE_RETRY
						       : STORE_DONE_FAIL;
	s3_xml_error_release(&x);
	return o;
}

const struct store_dialect s3_dialect = {
	"s3",
	1,
	s3_prepare,
	s3_list_new,
	s3_list_feed,
	s3_list_count,
	s3_list_next_token,
	s3_list_free,
	s3_failure,
	object_url,
	impl_free,
};

struct store *
s3_store_new(const struct s3_config *cfg, const char *bucket, struct error *err)
{
	struct s3_impl *c = xcalloc(1, sizeof(*c));
	const char *region = cfg->region;
	char *endpoint = NULL;
	struct store *st;

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
		endpoint = xstrdup(cfg->endpoint);
	} else {
		c->scheme = xstrdup("https");
		c->base_path = xstrdup("");
		/* Dotted names break the wildcard certificate. */
		c->path_style = strchr(bucket, '.') != NULL;
		endpoint = xasprintf("https://s3.%s.amazonaws.com", region);
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
	st = store_new(&s3_dialect, c, bucket, endpoint, cfg->ca_pem,
		       cfg->ca_pem_len, cfg->timeout_ms, cfg->max_retries, err);
	if (!st)
		goto fail;
	st->identity =
		xasprintf("access key '%s'%s", c->cred.access_key,
			  c->cred.session_token ? " with a session token" : "");
	free(endpoint);
	return st;
fail:
	free(endpoint);
	impl_free(c);
	return NULL;
}

int
s3_store_open(struct store **out, char **bucket_prefix,
	      const struct archive_config *arch, struct error *err)
{
	struct s3_config cfg = { 0 };
	struct s3_credentials cred = { 0 };
	struct s3_url url = { NULL, NULL };
	struct store *st;

	if (s3_parse_url(&url, arch->destination_path, err))
		return -1;
	cfg.endpoint = arch->endpoint_url;
	cfg.region = arch->region;
	cfg.ca_pem = arch->endpoint_ca_pem;
	cfg.ca_pem_len = arch->endpoint_ca_len;
	if (arch->access_key_id && arch->secret_access_key) {
		cred.access_key = arch->access_key_id;
		cred.secret_key = arch->secret_access_key;
		cred.session_token = arch->session_token;
		cfg.credentials = &cred;
	}
	st = s3_store_new(&cfg, url.bucket, err);
	if (!st) {
		s3_url_release(&url);
		return -1;
	}
	if (!cfg.credentials) {
		char *id = xasprintf(
			"%s, from the local AWS environment%s", st->identity,
			arch->inherit_iam_role ? " (the cluster uses its IAM "
						 "role: inheritFromIAMRole)"
					       : "");

		free(st->identity);
		st->identity = id;
	}
	if (bucket_prefix)
		*bucket_prefix = xstrdup(url.prefix);
	s3_url_release(&url);
	*out = st;
	return 0;
}

const char *
s3_store_region(const struct store *st)
{
	return impl_of(st)->region;
}

int
s3_get_lifecycle(struct store_lifecycle *out, struct store *st,
		 struct error *err)
{
	struct store_req r;
	struct error lerr = ERROR_INIT;
	int ret = -1;

	if (strcmp(store_provider(st), "s3") != 0)
		return error_set(err, ERR_USAGE,
				 "lifecycle rules are read from S3 only");
	store_req_init(&r, st, STORE_OP_GET, "");
	store_req_add_query(&r, "lifecycle", "");
	r.max = 1u << 20;
	if (store_req_run(&r, &lerr) < 0) {
		if (strcmp(st->last.code, "NoSuchLifecycleConfiguration") ==
		    0) {
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
			  st->bucket);
		goto out;
	}
	ret = 0;
out:
	store_req_release(&r);
	return ret;
}
