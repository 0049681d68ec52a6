/*
 * The Google Cloud Storage dialect: the JSON API (objects list with
 * prefix, delimiter, startOffset and page tokens; media download; media
 * upload; delete), OAuth 2.0 bearer tokens, and GCS error answers turned
 * into messages that name the object, the identity and the role to grant.
 *
 * Credentials, in the order Google's client libraries look for them: the
 * key file of the ObjectStore's googleCredentials.applicationCredentials
 * Secret, GOOGLE_APPLICATION_CREDENTIALS, gcloud's application-default
 * credentials file, and as a last resort `gcloud auth print-access-token`.
 * A service account key is exchanged for a token with a JWT assertion
 * signed RS256 (OpenSSL); an authorized_user file with its refresh token.
 * A token is fetched when first needed and again when it nears its expiry
 * or a request is refused with 401.
 *
 * The endpoint is https://storage.googleapis.com, or endpointURL, or
 * STORAGE_EMULATOR_HOST (the variable Google's libraries honour).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "archive.h"
#include "base64.h"
#include "errors.h"
#include "gcs.h"
#include "jsonmem.h"
#include "s3_xml.h"
#include "store.h"
#include "store_impl.h"
#include "strbuf.h"
#include "xmalloc.h"

#define GCS_DEFAULT_BASE  "https://storage.googleapis.com"
#define GCS_SCOPE	  "https://www.googleapis.com/auth/devstorage.read_write"
#define GCS_TOKEN_URI	  "https://oauth2.googleapis.com/token"
#define PAGE_MAX	  ((size_t)32 << 20)
#define TOKEN_BODY_MAX	  ((size_t)65536)
#define TOKEN_MARGIN_S	  60
#define GCLOUD_TIMEOUT_MS 30000

enum gcs_cred_kind {
	GCS_CRED_SERVICE_ACCOUNT,
	GCS_CRED_AUTHORIZED_USER,
	GCS_CRED_GCLOUD
};

struct gcs_impl {
	char *base; /* "https://storage.googleapis.com", no trailing '/' */
	char *bucket;
	enum gcs_cred_kind kind;
	char *source; /* where the credentials came from, for messages */
	char *email; /* service account, or "" */
	char *private_key; /* PEM (secret) */
	char *key_id;
	char *token_uri;
	char *client_id;
	char *client_secret; /* secret */
	char *refresh_token; /* secret */
	char *token; /* secret */
	time_t token_expiry;
	const struct store *st; /* for the CA bundle and timeouts */
};

static void
impl_free(void *p)
{
	struct gcs_impl *g = p;

	if (!g)
		return;
	free(g->base);
	free(g->bucket);
	free(g->source);
	free(g->email);
	free_secret(g->private_key);
	free(g->key_id);
	free(g->token_uri);
	free(g->client_id);
	free_secret(g->client_secret);
	free_secret(g->refresh_token);
	free_secret(g->token);
	free(g);
}

static char *
object_url(const struct store *st, const char *key)
{
	return xasprintf("gs://%s/%s", st->bucket, key);
}

static int
valid_bucket(const char *b)
{
	size_t len = strlen(b), i;

	if (len < 3 || len > 222)
		return 0;
	for (i = 0; i < len; i++)
		if (!((b[i] >= 'a' && b[i] <= 'z') ||
		      (b[i] >= '0' && b[i] <= '9') || b[i] == '-' ||
		      b[i] == '_' || b[i] == '.'))
			return 0;
	return b[0] != '-' && b[0] != '.' && b[len - 1] != '-' &&
	       b[len - 1] != '.';
}

/* JWTs and tokens. */

static char *
base64url(const void *data, size_t len)
{
	char *s = base64_encode(data, len);
	size_t i, j;

	for (i = j = 0; s[i]; i++) {
		if (s[i] == '=')
			continue;
		if (s[i] == '+')
			s[j++] = '-';
		else if (s[i] == '/')
			s[j++] = '_';
		else
			s[j++] = s[i];
	}
	s[j] = '\0';
	return s;
}

/* The signed assertion of a service account key (the caller's). */
static char *
jwt_assertion(const struct gcs_impl *g, struct error *err)
{
	struct strbuf in = STRBUF_INIT;
	json_t *hdr, *claims;
	char *h = NULL, *c = NULL, *hs, *cs, *out = NULL, *sig64;
	unsigned char sig[1024];
	size_t siglen = sizeof(sig);
	time_t now = time(NULL);
	BIO *bio = NULL;
	EVP_PKEY *key = NULL;
	EVP_MD_CTX *md = NULL;

	hdr = json_pack("{s:s,s:s}", "alg", "RS256", "typ", "JWT");
	if (g->key_id && *g->key_id)
		json_object_set_new(hdr, "kid", json_string(g->key_id));
	claims = json_pack("{s:s,s:s,s:s,s:I,s:I}", "iss", g->email, "scope",
			   GCS_SCOPE, "aud", g->token_uri, "iat",
			   (json_int_t)now, "exp", (json_int_t)now + 3600);
	h = jsonmem_dumps(hdr, JSON_COMPACT);
	c = jsonmem_dumps(claims, JSON_COMPACT);
	json_decref(hdr);
	json_decref(claims);
	if (!h || !c)
		xalloc_die();
	hs = base64url(h, strlen(h));
	cs = base64url(c, strlen(c));
	strbuf_addf(&in, "%s.%s", hs, cs);
	free(hs);
	free(cs);
	bio = BIO_new_mem_buf(g->private_key, -1);
	key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	if (!key) {
		error_set(err, ERR_CONFIG,
			  "the private key of service account '%s' (%s) is "
			  "not a PEM private key",
			  g->email, g->source);
		error_hint(err, "give the key file as the Google console "
				"wrote it (its \"private_key\" field)");
		goto out;
	}
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)in.buf,
			   in.len) != 1) {
		error_set(err, ERR_CONFIG,
			  "cannot sign with the key of service account '%s' "
			  "(%s): an RSA key is needed",
			  g->email, g->source);
		goto out;
	}
	sig64 = base64url(sig, siglen);
	out = xasprintf("%s.%s", in.buf, sig64);
	free(sig64);
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	BIO_free(bio);
	free(h);
	free(c);
	strbuf_release(&in);
	return out;
}

static size_t
on_token_body(char *p, size_t sz, size_t n, void *ud)
{
	struct strbuf *sb = ud;

	if (sb->len + sz * n > TOKEN_BODY_MAX)
		return 0;
	strbuf_add(sb, p, sz * n);
	return sz * n;
}

static void
form_add(struct strbuf *sb, const char *name, const char *value)
{
	if (sb->len)
		strbuf_addch(sb, '&');
	strbuf_addstr(sb, name);
	strbuf_addch(sb, '=');
	store_uri_encode(sb, value, strlen(value), 0);
}

/* POST the grant to the token endpoint and keep the token it answers. */
static int
exchange(struct gcs_impl *g, const char *form, struct error *err)
{
	const struct store *st = g->st;
	CURL *h = curl_easy_init();
	struct strbuf body = STRBUF_INIT;
	char errbuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode cc;
	json_t *doc = NULL;
	json_error_t je;
	const char *tok;
	int ret = -1;

	if (!h)
		return error_set(err, ERR_INTERNAL, "curl_easy_init failed");
	store_setup_handle(st, h);
	(void)curl_easy_setopt(h, CURLOPT_URL, g->token_uri);
	(void)curl_easy_setopt(h, CURLOPT_POSTFIELDS, form);
	(void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_token_body);
	(void)curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	(void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	cc = curl_easy_perform(h);
	(void)curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	if (cc != CURLE_OK) {
		error_set(err, ERR_IO,
			  "getting an access token from '%s' for %s: %s",
			  g->token_uri, g->source,
			  errbuf[0] ? errbuf : curl_easy_strerror(cc));
		error_hint(err, "the token endpoint must be reachable from "
				"here (proxies come from the environment)");
		goto out;
	}
	doc = json_loadb(body.buf, body.len, 0, &je);
	if (status != 200) {
		const char *e =
			json_string_value(json_object_get(doc, "error"));
		const char *d = json_string_value(
			json_object_get(doc, "error_description"));

		error_set(err, ERR_CONFIG,
			  "%s was refused by '%s': %s%s%s (HTTP %ld)",
			  g->source, g->token_uri, e ? e : "error",
			  d ? ": " : "", d ? d : "", status);
		if (g->kind == GCS_CRED_SERVICE_ACCOUNT)
			error_hint(err,
				   "the key of service account '%s' may have "
				   "been deleted or the clock is off: create a "
				   "new key ('gcloud iam service-accounts keys "
				   "create') and update the Secret",
				   g->email);
		else
			error_hint(err, "log in again with 'gcloud auth "
					"application-default login'");
		goto out;
	}
	tok = json_string_value(json_object_get(doc, "access_token"));
	if (!tok || !*tok) {
		error_set(err, ERR_CONFIG,
			  "the answer of '%s' holds no access_token",
			  g->token_uri);
		goto out;
	}
	free_secret(g->token);
	g->token = xstrdup(tok);
	g->token_expiry =
		time(NULL) +
		(json_integer_value(json_object_get(doc, "expires_in")) > 0
			 ? (time_t)json_integer_value(
				   json_object_get(doc, "expires_in"))
			 : 3600);
	ret = 0;
out:
	/* jansson's memory is zeroed when freed (jsonmem) */
	json_decref(doc);
	strbuf_release_secret(&body);
	curl_easy_cleanup(h);
	return ret;
}

/* gcloud auth print-access-token: its first line is the token. */
static int
gcloud_token(struct gcs_impl *g, struct error *err)
{
	const char *const argv[] = { "gcloud", "auth", "print-access-token",
				     NULL };
	char *tok = NULL;

	if (store_command_line(&tok, argv, GCLOUD_TIMEOUT_MS, err) < 0) {
		int missing = err->code == ERR_NOT_FOUND;

		error_clear(err);
		error_set(err, ERR_CONFIG,
			  "no Google credentials: googleCredentials names no "
			  "key, GOOGLE_APPLICATION_CREDENTIALS is not set, "
			  "there is no application-default credentials file, "
			  "and %s",
			  missing ? "gcloud is not on PATH"
				  : "'gcloud auth print-access-token' failed");
		error_hint(err, "run 'gcloud auth application-default "
				"login', or export "
				"GOOGLE_APPLICATION_CREDENTIALS=KEY.json");
		return -1;
	}
	free_secret(g->token);
	g->token = tok;
	g->token_expiry = time(NULL) + (time_t)30 * 60; /* gcloud: an hour */
	return 0;
}

static int
fresh_token(struct gcs_impl *g, struct error *err)
{
	struct strbuf form = STRBUF_INIT;
	char *jwt;
	int ret;

	if (g->token && time(NULL) + TOKEN_MARGIN_S < g->token_expiry)
		return 0;
	switch (g->kind) {
	case GCS_CRED_SERVICE_ACCOUNT:
		jwt = jwt_assertion(g, err);
		if (!jwt)
			return -1;
		form_add(&form, "grant_type",
			 "urn:ietf:params:oauth:grant-type:jwt-bearer");
		form_add(&form, "assertion", jwt);
		free(jwt);
		break;
	case GCS_CRED_AUTHORIZED_USER:
		form_add(&form, "grant_type", "refresh_token");
		form_add(&form, "client_id", g->client_id);
		form_add(&form, "client_secret", g->client_secret);
		form_add(&form, "refresh_token", g->refresh_token);
		break;
	default:
		return gcloud_token(g, err);
	}
	ret = exchange(g, form.buf, err);
	strbuf_release_secret(&form);
	return ret;
}

/* Credentials: a key file's JSON. */
static int
take_key_file(struct gcs_impl *g, const char *text, size_t len,
	      const char *source, struct error *err)
{
	json_error_t je;
	json_t *doc = json_loadb(text, len, 0, &je);
	const char *type = json_string_value(json_object_get(doc, "type"));
	int ret = -1;

	g->source = xstrdup(source);
	if (!doc) {
		error_set(err, ERR_CONFIG,
			  "%s is not a JSON key file (line %d: %s)", source,
			  je.line, je.text);
		goto out;
	}
#define S(name) json_string_value(json_object_get(doc, name))
	if (type && strcmp(type, "service_account") == 0) {
		if (!S("client_email") || !S("private_key")) {
			error_set(err, ERR_CONFIG,
				  "%s lacks client_email or private_key",
				  source);
			goto out;
		}
		g->kind = GCS_CRED_SERVICE_ACCOUNT;
		g->email = xstrdup(S("client_email"));
		g->private_key = xstrdup(S("private_key"));
		g->key_id = S("private_key_id") ? xstrdup(S("private_key_id"))
						: NULL;
		g->token_uri = xstrdup(S("token_uri") ? S("token_uri")
						      : GCS_TOKEN_URI);
		free(g->source);
		g->source = xasprintf("service account '%s' (%s)", g->email,
				      source);
	} else if (type && strcmp(type, "authorized_user") == 0) {
		if (!S("client_id") || !S("client_secret") ||
		    !S("refresh_token")) {
			error_set(err, ERR_CONFIG,
				  "%s lacks client_id, client_secret or "
				  "refresh_token",
				  source);
			goto out;
		}
		g->kind = GCS_CRED_AUTHORIZED_USER;
		g->email = xstrdup("");
		g->client_id = xstrdup(S("client_id"));
		g->client_secret = xstrdup(S("client_secret"));
		g->refresh_token = xstrdup(S("refresh_token"));
		g->token_uri = xstrdup(S("token_uri") ? S("token_uri")
						      : GCS_TOKEN_URI);
		free(g->source);
		g->source = xasprintf("user credentials (%s)", source);
	} else {
		error_set(err, ERR_CONFIG,
			  "%s is a '%s' key file: a service_account or "
			  "authorized_user one is needed",
			  source, type ? type : "?");
		goto out;
	}
#undef S
	ret = 0;
out:
	/* jansson's memory is zeroed when freed (jsonmem) */
	json_decref(doc);
	return ret;
}

static int
find_credentials(struct gcs_impl *g, const struct archive_config *arch,
		 struct error *err)
{
	const char *env = getenv("GOOGLE_APPLICATION_CREDENTIALS");
	const char *cfg = getenv("CLOUDSDK_CONFIG");
	const char *home = getenv("HOME");
	struct strbuf text = STRBUF_INIT;
	char *path = NULL, *src;
	int ret;

	if (arch->google_credentials) {
		src = xasprintf("the key in secret %s",
				arch->google_credentials_source
					? arch->google_credentials_source
					: "googleCredentials");
		ret = take_key_file(g, arch->google_credentials,
				    arch->google_credentials_len, src, err);
		free(src);
		return ret;
	}
	if (env && *env) {
		if (strbuf_read_file(&text, env, (size_t)1 << 20) < 0) {
			error_set(err, ERR_CONFIG,
				  "GOOGLE_APPLICATION_CREDENTIALS names '%s', "
				  "which cannot be read: %s",
				  env, strerror(errno));
			return -1;
		}
		src = xasprintf("key file '%s' (GOOGLE_APPLICATION_"
				"CREDENTIALS)",
				env);
		ret = take_key_file(g, text.buf, text.len, src, err);
		free(src);
		strbuf_release_secret(&text);
		return ret;
	}
	if (cfg && *cfg)
		path = xasprintf("%s/application_default_credentials.json",
				 cfg);
	else
		path = xasprintf("%s/.config/gcloud/"
				 "application_default_credentials.json",
				 home ? home : "");
	if (strbuf_read_file(&text, path, (size_t)1 << 20) == 0) {
		src = xasprintf("gcloud's application-default credentials "
				"'%s'",
				path);
		ret = take_key_file(g, text.buf, text.len, src, err);
		free(src);
		free(path);
		strbuf_release_secret(&text);
		return ret;
	}
	free(path);
	g->kind = GCS_CRED_GCLOUD;
	g->email = xstrdup("");
	g->source = xstrdup("the account of 'gcloud auth print-access-token'");
	return 0;
}

/* Requests. */

static void
add_param(struct strbuf *url, int *first, const char *name, const char *value)
{
	strbuf_addch(url, *first ? '?' : '&');
	*first = 0;
	strbuf_addstr(url, name);
	strbuf_addch(url, '=');
	store_uri_encode(url, value, strlen(value), 0);
}

static int
gcs_prepare(struct store *st, struct store_req *r, struct strbuf *url,
	    struct curl_slist **hdrs, struct error *err)
{
	struct gcs_impl *g = st->impl;
	struct strbuf auth = STRBUF_INIT;
	int first = 1;
	size_t i;

	if (fresh_token(g, err) < 0)
		return -1;
	switch (r->op) {
	case STORE_OP_LIST:
		strbuf_addf(url, "%s/storage/v1/b/", g->base);
		store_uri_encode(url, g->bucket, strlen(g->bucket), 0);
		strbuf_addstr(url, "/o");
		if (r->prefix && *r->prefix)
			add_param(url, &first, "prefix", r->prefix);
		if (r->delimiter)
			add_param(url, &first, "delimiter", r->delimiter);
		if (r->token)
			add_param(url, &first, "pageToken", r->token);
		else if (r->start_after) /* inclusive: the engine skips it */
			add_param(url, &first, "startOffset", r->start_after);
		if (r->max_keys > 0) {
			char num[16];

			snprintf(num, sizeof(num), "%d", r->max_keys);
			add_param(url, &first, "maxResults", num);
		}
		add_param(url, &first, "fields",
			  "nextPageToken,prefixes,items(name,size,updated)");
		break;
	case STORE_OP_PUT:
		strbuf_addf(url, "%s/upload/storage/v1/b/", g->base);
		store_uri_encode(url, g->bucket, strlen(g->bucket), 0);
		strbuf_addstr(url, "/o");
		add_param(url, &first, "uploadType", "media");
		add_param(url, &first, "name", r->key);
		r->method = "POST";
		store_add_header(hdrs, "Content-Type",
				 "application/octet-stream");
		break;
	case STORE_OP_HEAD:
		return error_set(err, ERR_USAGE,
				 "checking an object without reading it is "
				 "not done on GCS");
	default:
		strbuf_addf(url, "%s/storage/v1/b/", g->base);
		store_uri_encode(url, g->bucket, strlen(g->bucket), 0);
		/* an object, or (no key) the bucket itself */
		if (*r->key) {
			strbuf_addstr(url, "/o/");
			store_uri_encode(url, r->key, strlen(r->key), 0);
		}
		if (r->op == STORE_OP_GET && *r->key)
			add_param(url, &first, "alt", "media");
		break;
	}
	for (i = 0; i < r->nquery; i++)
		add_param(url, &first, r->query[i].name, r->query[i].value);
	strbuf_addf(&auth, "Bearer %s", g->token);
	store_add_header(hdrs, "Authorization", auth.buf);
	strbuf_release_secret(&auth);
	return 0;
}

/*
 * A listing page: the JSON answer, held until it is complete (a page is
 * at most 1000 entries), then items and prefixes passed on merged in name
 * order, as S3 sends them.
 */
struct gcs_list {
	struct store_page page; /* first: the engine reads it */
	struct store_list_cb cb;
	struct strbuf body;
};

static void *
gcs_list_new(const struct store_list_cb *cb)
{
	struct gcs_list *l = xcalloc(1, sizeof(*l));

	l->cb = *cb;
	strbuf_init(&l->body, 0);
	return l;
}

static int
emit_object(struct gcs_list *l, const json_t *it, struct error *err)
{
	struct store_object o;
	const char *size = json_string_value(json_object_get(it, "size"));
	const char *upd = json_string_value(json_object_get(it, "updated"));

	memset(&o, 0, sizeof(o));
	o.key = json_string_value(json_object_get(it, "name"));
	if (!o.key)
		return error_set(err, ERR_OBJSTORE,
				 "a GCS listing item has no name");
	o.size = size ? strtoll(size, NULL, 10) : 0;
	if (upd && s3_xml_parse_time(&o.last_modified, upd) < 0)
		return error_set(err, ERR_OBJSTORE,
				 "object '%s': bad time '%s' in the listing",
				 o.key, upd);
	l->page.count++;
	return l->cb.object ? l->cb.object(l->cb.data, &o, err) : 0;
}

static int
gcs_list_feed(void *p, const char *buf, size_t len, int final,
	      struct error *err)
{
	struct gcs_list *l = p;
	json_error_t je;
	json_t *doc;
	const json_t *items, *prefixes;
	size_t i = 0, j = 0, ni, np;
	int rc = 0;

	if (l->body.len + len > PAGE_MAX)
		return error_set(err, ERR_OBJSTORE,
				 "a GCS listing page is larger than %zu bytes",
				 PAGE_MAX);
	strbuf_add(&l->body, buf, len);
	if (!final)
		return 0;
	doc = json_loadb(l->body.buf, l->body.len, 0, &je);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return error_set(err, ERR_OBJSTORE,
				 "a GCS listing is not JSON (line %d: %s)",
				 je.line, je.text);
	}
	if (json_is_string(json_object_get(doc, "nextPageToken")))
		l->page.next = xstrdup(json_string_value(
			json_object_get(doc, "nextPageToken")));
	items = json_object_get(doc, "items");
	prefixes = json_object_get(doc, "prefixes");
	ni = json_array_size(items);
	np = json_array_size(prefixes);
	while (!rc && (i < ni || j < np)) {
		const json_t *it = json_array_get(items, i);
		const char *pre =
			json_string_value(json_array_get(prefixes, j));
		const char *name =
			it ? json_string_value(json_object_get(it, "name"))
			   : NULL;

		if (j < np && pre &&
		    (i >= ni || !name || strcmp(pre, name) < 0)) {
			l->page.count++;
			rc = l->cb.prefix ? l->cb.prefix(l->cb.data, pre, err)
					  : 0;
			j++;
		} else if (i < ni) {
			rc = emit_object(l, it, err);
			i++;
		} else {
			j++;
		}
	}
	json_decref(doc);
	return rc;
}

static void
gcs_list_free(void *p)
{
	struct gcs_list *l = p;

	if (!l)
		return;
	strbuf_release(&l->body);
	free(l->page.next);
	free(l);
}

/* What to grant for an operation. */
static const char *
role_for(enum store_op op)
{
	return op == STORE_OP_PUT || op == STORE_OP_DELETE
		       ? "roles/storage.objectAdmin"
		       : "roles/storage.objectViewer";
}

static const char *
perm_for(enum store_op op)
{
	switch (op) {
	case STORE_OP_LIST:
		return "storage.objects.list";
	case STORE_OP_PUT:
		return "storage.objects.create";
	case STORE_OP_DELETE:
		return "storage.objects.delete";
	default:
		return "storage.objects.get";
	}
}

static enum store_outcome
gcs_failure(struct store *st, struct store_req *r, struct error *err)
{
	struct gcs_impl *g = st->impl;
	json_error_t je;
	json_t *doc = json_loadb(r->resp.buf, r->resp.len, 0, &je);
	const json_t *e = json_object_get(doc, "error");
	const char *msg = json_string_value(json_object_get(e, "message"));
	const char *reason = json_string_value(json_object_get(
		json_array_get(json_object_get(e, "errors"), 0), "reason"));
	char *name = store_req_object_url(r);
	const char *verb = store_op_verb(r->op);
	char code[16];
	enum store_outcome o = STORE_DONE_FAIL;

	snprintf(code, sizeof(code), "%ld", r->status);
	store_set_last(st, r->status, reason ? reason : code, NULL);
	if (!msg)
		msg = "error";
	if (r->status == 401 && !r->retried_now) {
		/* the token expired or was revoked: a fresh one, once */
		free_secret(g->token);
		g->token = NULL;
		o = STORE_RETRY_NOW;
		error_set(err, ERR_CONFIG, "%s '%s': %s (HTTP 401)", verb, name,
			  msg);
	} else if (r->status == 401) {
		error_set(err, ERR_CONFIG,
			  "%s '%s': the access token of %s was refused: %s "
			  "(HTTP 401)",
			  verb, name, g->source, msg);
		error_hint(err, "check the credentials (a deleted key or "
				"revoked login)");
	} else if (r->status == 403) {
		error_set(err, ERR_OBJSTORE,
			  "%s '%s': access denied for %s: %s", verb, name,
			  g->source, msg);
		error_hint(err,
			   "grant %s (%s) on gs://%s to %s; the operator "
			   "also needs storage.buckets.get "
			   "(roles/storage.legacyBucketReader)",
			   role_for(r->op), perm_for(r->op), g->bucket,
			   *g->email ? g->email : "that identity");
	} else if (r->status == 404 &&
		   (r->op == STORE_OP_LIST || (msg && strstr(msg, "bucket")))) {
		error_set(err, ERR_OBJSTORE,
			  "%s '%s': bucket '%s' does not exist at '%s' (%s)",
			  verb, name, g->bucket, st->endpoint, msg);
		error_hint(err, "check the bucket in destinationPath; list "
				"buckets with 'gcloud storage ls'");
	} else if (r->status == 404) {
		error_set(err, ERR_NOT_FOUND,
			  "%s '%s': the object does not exist", verb, name);
		error_hint(err,
			   "list what is there with 'gcloud storage ls %s'",
			   name);
	} else {
		error_set(err, ERR_OBJSTORE, "%s '%s': %s (%s, HTTP %ld)", verb,
			  name, msg, reason ? reason : "error", r->status);
		if (r->status == 429 || r->status == 408 || r->status >= 500)
			o = STORE_RETRY;
	}
	free(name);
	json_decref(doc);
	return o;
}

const struct store_dialect gcs_dialect = {
	"gcs",
	1,
	gcs_prepare,
	gcs_list_new,
	gcs_list_feed,
	store_page_count,
	store_page_next_token,
	gcs_list_free,
	gcs_failure,
	object_url,
	impl_free,
};

/* "gs://bucket/prefix" */
static int
parse_url(char **bucket, char **prefix, const char *url, struct error *err)
{
	const char *rest, *slash;

	if (strncmp(url, "gs://", 5) != 0) {
		error_set(err, ERR_CONFIG, "'%s' is not a gs:// URL", url);
		return -1;
	}
	rest = url + 5;
	slash = strchr(rest, '/');
	*bucket =
		slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
	if (!valid_bucket(*bucket)) {
		error_set(err, ERR_CONFIG,
			  "'%s' in '%s' is not a valid GCS bucket name",
			  *bucket, url);
		free(*bucket);
		*bucket = NULL;
		return -1;
	}
	rest = slash ? slash + 1 : "";
	while (*rest == '/')
		rest++;
	*prefix = xstrdup(rest);
	return 0;
}

static char *
base_url(const struct archive_config *arch)
{
	const char *emu = getenv("STORAGE_EMULATOR_HOST");
	char *b;

	if (arch->endpoint_url && *arch->endpoint_url)
		b = xstrdup(arch->endpoint_url);
	else if (emu && *emu)
		b = strstr(emu, "://") ? xstrdup(emu)
				       : xasprintf("http://%s", emu);
	else
		b = xstrdup(GCS_DEFAULT_BASE);
	while (*b && b[strlen(b) - 1] == '/')
		b[strlen(b) - 1] = '\0';
	return b;
}

int
gcs_store_open(struct store **out, char **bucket_prefix,
	       const struct archive_config *arch, struct error *err)
{
	struct gcs_impl *g = xcalloc(1, sizeof(*g));
	char *prefix = NULL;
	struct store *st;

	if (parse_url(&g->bucket, &prefix, arch->destination_path, err))
		goto fail;
	g->base = base_url(arch);
	if (find_credentials(g, arch, err))
		goto fail;
	st = store_new(&gcs_dialect, g, g->bucket, g->base,
		       arch->endpoint_ca_pem, arch->endpoint_ca_len, 0, 0, err);
	if (!st)
		goto fail;
	g->st = st;
	st->identity = xasprintf(
		"%s%s", g->source,
		arch->gke_environment && !arch->google_credentials
			? ", the local identity (the cluster uses its GKE "
			  "Workload Identity: gkeEnvironment)"
			: "");
	if (bucket_prefix)
		*bucket_prefix = prefix;
	else
		free(prefix);
	*out = st;
	return 0;
fail:
	free(prefix);
	impl_free(g);
	return -1;
}

int
gcs_get_lifecycle(struct store_lifecycle *out, struct store *st,
		  struct error *err)
{
	struct store_req r;
	json_error_t je;
	json_t *doc = NULL;
	const json_t *rule;
	size_t i, k;
	int ret = -1;

	store_req_init(&r, st, STORE_OP_GET, "");
	store_req_add_query(&r, "fields", "lifecycle");
	r.max = 1u << 20;
	if (store_req_run(&r, err) < 0)
		goto out;
	doc = json_loadb(r.resp.buf, r.resp.len, 0, &je);
	if (!json_is_object(doc)) {
		error_set(err, ERR_OBJSTORE,
			  "the metadata of bucket '%s' is not JSON",
			  st->bucket);
		goto out;
	}
	memset(out, 0, sizeof(*out));
	json_array_foreach(
		json_object_get(json_object_get(doc, "lifecycle"), "rule"), i,
		rule)
	{
		const json_t *cond = json_object_get(rule, "condition");
		const json_t *pre = json_object_get(cond, "matchesPrefix");
		const char *type = json_string_value(json_object_get(
			json_object_get(rule, "action"), "type"));
		size_t np = json_array_size(pre);

		if (!type || strcmp(type, "Delete") != 0)
			continue;
		for (k = 0; k < (np ? np : 1); k++) {
			struct store_lifecycle_rule *lr;
			const char *p;

			out->rules = xreallocarray(out->rules, out->n + 1,
						   sizeof(*out->rules));
			lr = &out->rules[out->n++];
			memset(lr, 0, sizeof(*lr));
			lr->id = xasprintf("rule %zu", i + 1);
			lr->enabled = 1;
			p = np ? json_string_value(json_array_get(pre, k)) : "";
			lr->prefix = xstrdup(p ? p : "");
			lr->expiration_days =
				json_is_integer(json_object_get(cond, "age"))
					? (long)json_integer_value(
						  json_object_get(cond, "age"))
					: -1;
			lr->has_expiration_date =
				json_object_get(cond, "createdBefore") != NULL;
		}
	}
	ret = 0;
out:
	json_decref(doc);
	store_req_release(&r);
	return ret;
}
