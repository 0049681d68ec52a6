/*
 * The Azure Blob Storage dialect: List Blobs (XML, streamed through
 * expat, markers), Get Blob, Get Blob Properties, Put Blob (block blobs)
 * and Delete Blob, authorised with the account key (Shared Key, HMAC-
 * SHA256 over the canonical request), a SAS token, or a bearer token of
 * the local Azure CLI login; and Azure's error answers turned into
 * messages that name the object, the account and the fix.
 *
 * The archive's URL is https://ACCOUNT.blob.core.windows.net/CONTAINER/
 * PATH, azure://CONTAINER/PATH (the account from the credentials), or as
 * barman reads any other host, an emulator's http://HOST:PORT/ACCOUNT/
 * CONTAINER/PATH.  Credentials in barman's order: a connection string
 * (azureCredentials.connectionString or AZURE_STORAGE_CONNECTION_STRING),
 * a SAS token, the account key; else the Azure CLI's login
 * (inheritFromAzureAD, useDefaultAzureCredentials: the local identity).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <expat.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "archive.h"
#include "azure.h"
#include "base64.h"
#include "errors.h"
#include "s3_xml.h"
#include "store.h"
#include "store_impl.h"
#include "strbuf.h"
#include "xmalloc.h"

#define AZURE_VERSION "2021-08-06"
#define AZURE_SUFFIX  "blob.core.windows.net"
#define AZ_TIMEOUT_MS 30000
#define AZ_RESOURCE   "https://storage.azure.com/"

enum azure_auth { AZ_SHARED_KEY, AZ_SAS, AZ_BEARER };

struct azure_impl {
	char *origin; /* "https://acct.blob.core.windows.net" or an
			 emulator's "http://127.0.0.1:10000" */
	char *base_path; /* "" or an emulator's "/acct" */
	char *base; /* origin + base_path, for messages */
	char *account;
	char *container;
	enum azure_auth auth;
	unsigned char *key; /* the decoded account key (secret) */
	size_t key_len;
	char *sas; /* without a leading '?' (secret) */
	char *token; /* bearer (secret) */
	time_t token_expiry;
	char *source; /* where the credentials came from */
	char *sas_expiry; /* se= of the SAS, for messages */
	char *sas_perms; /* sp= of the SAS */
};

static void
impl_free(void *p)
{
	struct azure_impl *a = p;

	if (!a)
		return;
	free(a->origin);
	free(a->base_path);
	free(a->base);
	free(a->account);
	free(a->container);
	free_secret_len(a->key, a->key_len);
	free_secret(a->sas);
	free_secret(a->token);
	free(a->source);
	free(a->sas_expiry);
	free(a->sas_perms);
	free(a);
}

static char *
object_url(const struct store *st, const char *key)
{
	const struct azure_impl *a = st->impl;

	return xasprintf("%s/%s/%s", a->base, a->container, key);
}

/* Set origin and base_path from an endpoint URL ("scheme://host[/path]"). */
static void
set_endpoint(struct azure_impl *a, const char *url)
{
	const char *p = strstr(url, "://");
	const char *slash = p ? strchr(p + 3, '/') : NULL;
	size_t plen;

	free(a->origin);
	free(a->base_path);
	free(a->base);
	a->origin = slash ? xstrndup(url, (size_t)(slash - url)) : xstrdup(url);
	plen = slash ? strlen(slash) : 0;
	while (plen && slash[plen - 1] == '/')
		plen--;
	a->base_path = slash ? xstrndup(slash, plen) : xstrdup("");
	a->base = xasprintf("%s%s", a->origin, a->base_path);
}

/*
 * The value of name in "name=value<sep>name=value", or NULL.  Connection
 * strings (sep ';') allow blanks before a name and any case in it; query
 * strings (sep '&') match exactly.
 */
static char *
field_get(const char *s, char sep, const char *name)
{
	size_t nl = strlen(name);
	int loose = sep == ';';
	const char *p = s;

	while (p && *p) {
		const char *end = strchr(p, sep);
		size_t len = end ? (size_t)(end - p) : strlen(p);

		while (loose && len && (*p == ' ' || *p == '\t')) {
			p++;
			len--;
		}
		if (len > nl && p[nl] == '=' &&
		    (loose ? strncasecmp(p, name, nl) : strncmp(p, name, nl)) ==
			    0)
			return xstrndup(p + nl + 1, len - nl - 1);
		p = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Decode %XX escapes in place. */
static void
url_decode(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '%' && s[1] && s[2]) {
			char hex[3] = { s[1], s[2], 0 };

			*o++ = (char)strtol(hex, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static int
set_key(struct azure_impl *a, const char *b64, const char *source,
	struct error *err)
{
	size_t len = 0;
	char *k = base64_decode(&len, b64, strlen(b64), source, err);

	if (!k)
		return -1;
	a->key = (unsigned char *)k;
	a->key_len = len;
	a->auth = AZ_SHARED_KEY;
	return 0;
}

static void
set_sas(struct azure_impl *a, const char *sas)
{
	while (*sas == '?')
		sas++;
	a->sas = xstrdup(sas);
	a->auth = AZ_SAS;
	a->sas_expiry = field_get(a->sas, '&', "se");
	if (a->sas_expiry)
		url_decode(a->sas_expiry);
	a->sas_perms = field_get(a->sas, '&', "sp");
}

/* Where the account is, from the URL (the container and prefix too). */
static int
parse_url(struct azure_impl *a, char **prefix, const char *url,
	  const char *account_hint, struct error *err)
{
	const char *slash, *rest;
	char *host;

	if (strncmp(url, "azure://", 8) == 0) {
		if (!account_hint) {
			error_set(err, ERR_CONFIG,
				  "'%s' names no storage account: give "
				  "storageAccount (or AZURE_STORAGE_ACCOUNT)",
				  url);
			return -1;
		}
		a->account = xstrdup(account_hint);
		host = xasprintf("https://%s.%s", a->account, AZURE_SUFFIX);
		set_endpoint(a, host);
		free(host);
		rest = url + 8;
	} else {
		const char *p = strstr(url, "://");

		if (!p || (strncmp(url, "https://", 8) != 0 &&
			   strncmp(url, "http://", 7) != 0)) {
			error_set(err, ERR_CONFIG,
				  "'%s' is not an Azure blob URL", url);
			return -1;
		}
		p += 3;
		slash = strchr(p, '/');
		host = slash ? xstrndup(p, (size_t)(slash - p)) : xstrdup(p);
		rest = slash ? slash + 1 : "";
		if (strlen(host) > strlen(AZURE_SUFFIX) &&
		    strcmp(host + strlen(host) - strlen(AZURE_SUFFIX),
			   AZURE_SUFFIX) == 0) {
			/* ACCOUNT.blob.core.windows.net */
			char *origin =
				xstrndup(url, (size_t)(p - url) + strlen(host));

			a->account = xstrndup(host, strcspn(host, "."));
			set_endpoint(a, origin);
			free(origin);
		} else {
			/* an emulator: the account is the first segment */
			const char *s2 = strchr(rest, '/');

			if (!s2 || s2 == rest) {
				error_set(err, ERR_CONFIG,
					  "'%s': an emulator's URL is "
					  "http://HOST:PORT/ACCOUNT/CONTAINER/"
					  "PATH",
					  url);
				free(host);
				return -1;
			}
			char *ep = xstrndup(url, (size_t)(s2 - url));

			a->account = xstrndup(rest, (size_t)(s2 - rest));
			set_endpoint(a, ep);
			free(ep);
			rest = s2 + 1;
		}
		free(host);
	}
	slash = strchr(rest, '/');
	a->container =
		slash ? xstrndup(rest, (size_t)(slash - rest)) : xstrdup(rest);
	if (strlen(a->container) < 3 || strlen(a->container) > 63 ||
	    strspn(a->container, "abcdefghijklmnopqrstuvwxyz0123456789-") !=
		    strlen(a->container)) {
		error_set(err, ERR_CONFIG,
			  "'%s' in '%s' is not a valid container name",
			  a->container, url);
		error_hint(err, "container names are 3-63 characters of a-z, "
				"0-9 and '-'");
		return -1;
	}
	rest = slash ? slash + 1 : "";
	while (*rest == '/')
		rest++;
	*prefix = xstrdup(rest);
	return 0;
}

static int
find_credentials(struct azure_impl *a, const struct archive_config *arch,
		 char **prefix, struct error *err)
{
	const char *env_cs = getenv("AZURE_STORAGE_CONNECTION_STRING");
	const char *env_acct = getenv("AZURE_STORAGE_ACCOUNT");
	const char *env_key = getenv("AZURE_STORAGE_KEY");
	const char *env_sas = getenv("AZURE_STORAGE_SAS_TOKEN");
	const char *cs = arch->azure_connection_string;
	const char *account = arch->azure_storage_account;
	const char *key = arch->azure_storage_key;
	const char *sas = arch->azure_sas_token;
	const char *src = "the azureCredentials Secret";
	int from_cluster = arch->model != ARCHIVE_MODEL_FLAGS;
	int ret = -1;

	if (!from_cluster || (!cs && !key && !sas)) {
		/* the environment, as barman-cloud takes it */
		cs = cs ? cs : env_cs;
		account = account ? account : env_acct;
		key = env_key;
		sas = env_sas;
		src = "the AZURE_STORAGE_* environment";
	}
	if (cs && *cs) {
		char *ck = field_get(cs, ';', "AccountKey");
		char *cn = field_get(cs, ';', "AccountName");
		char *csas = field_get(cs, ';', "SharedAccessSignature");
		char *ep = field_get(cs, ';', "BlobEndpoint");

		if (parse_url(a, prefix, arch->destination_path,
			      cn ? cn : account, err))
			goto cs_out;
		/* the connection string says where the blobs are */
		if (ep && *ep)
			set_endpoint(a, ep);
		if (cn && strcmp(cn, a->account) != 0) {
			error_set(err, ERR_CONFIG,
				  "the connection string is for account '%s', "
				  "the destination path for '%s'",
				  cn, a->account);
		} else if (csas) {
			set_sas(a, csas);
			ret = 0;
		} else if (ck) {
			ret = set_key(a, ck,
				      "the connection string's AccountKey",
				      err);
		} else {
			error_set(err, ERR_CONFIG,
				  "the connection string has neither "
				  "AccountKey nor SharedAccessSignature");
		}
		a->source =
			xasprintf("the connection string of %s (account "
				  "'%s')",
				  from_cluster && arch->azure_connection_string
					  ? "the azureCredentials Secret"
					  : "AZURE_STORAGE_CONNECTION_STRING",
				  a->account);
cs_out:
		free_secret(ck);
		free(cn);
		free_secret(csas);
		free(ep);
		return ret;
	}
	if (parse_url(a, prefix, arch->destination_path, account, err))
		return -1;
	if (account && strcmp(account, a->account) != 0) {
		error_set(err, ERR_CONFIG,
			  "the credentials are for storage account '%s', the "
			  "destination path is in '%s'",
			  account, a->account);
		return -1;
	}
	if (sas && *sas) {
		set_sas(a, sas);
		a->source = xasprintf("a SAS token for account '%s' (%s)",
				      a->account, src);
		return 0;
	}
	if (key && *key) {
		if (set_key(a, key, "the storage account key", err))
			return -1;
		a->source = xasprintf("the key of storage account '%s' (%s)",
				      a->account, src);
		return 0;
	}
	a->auth = AZ_BEARER;
	a->source = xstrdup("the Azure CLI's login ('az account "
			    "get-access-token')");
	return 0;
}

static int
bearer_token(struct azure_impl *a, struct error *err)
{
	const char *const argv[] = {
		"az",	     "account", "get-access-token", "--resource",
		AZ_RESOURCE, "--query", "accessToken",	    "-o",
		"tsv",	     NULL
	};
	char *tok = NULL;

	if (a->token && time(NULL) + 60 < a->token_expiry)
		return 0;
	if (store_command_line(&tok, argv, AZ_TIMEOUT_MS, err) < 0) {
		error_clear(err);
		error_set(err, ERR_CONFIG,
			  "no Azure credentials for account '%s': no "
			  "connection string, SAS token or account key, and "
			  "'az account get-access-token' gave no token",
			  a->account);
		error_hint(err, "export AZURE_STORAGE_KEY, "
				"AZURE_STORAGE_SAS_TOKEN or "
				"AZURE_STORAGE_CONNECTION_STRING, or 'az "
				"login' as an identity with Storage Blob Data "
				"Reader on the container");
		return -1;
	}
	free_secret(a->token);
	a->token = tok;
	a->token_expiry = time(NULL) + (time_t)30 * 60;
	return 0;
}

/* Requests. */

struct param {
	const char *name, *value;
};

static int
param_cmp(const void *x, const void *y)
{
	return strcmp(((const struct param *)x)->name,
		      ((const struct param *)y)->name);
}

static int
header_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Shared Key: the Authorization header of a request. */
static char *
shared_key(const struct azure_impl *a, const char *method, const char *path,
	   struct param *q, size_t nq, char **xms, size_t nxms,
	   const char *content_length, const char *content_type)
{
	struct strbuf sts = STRBUF_INIT;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *sig, *out;
	size_t i;

	strbuf_addf(&sts, "%s\n\n\n%s\n\n%s\n\n\n\n\n\n\n", method,
		    content_length, content_type);
	qsort(xms, nxms, sizeof(*xms), header_cmp);
	for (i = 0; i < nxms; i++)
		strbuf_addf(&sts, "%s\n", xms[i]);
	strbuf_addf(&sts, "/%s%s", a->account, path);
	qsort(q, nq, sizeof(*q), param_cmp);
	for (i = 0; i < nq; i++)
		strbuf_addf(&sts, "\n%s:%s", q[i].name, q[i].value);
	HMAC(EVP_sha256(), a->key, (int)a->key_len,
	     (const unsigned char *)sts.buf, sts.len, mac, &maclen);
	sig = base64_encode(mac, maclen);
	out = xasprintf("SharedKey %s:%s", a->account, sig);
	free(sig);
	explicit_bzero(mac, sizeof(mac));
	strbuf_release(&sts);
	return out;
}

static int
azure_prepare(struct store *st, struct store_req *r, struct strbuf *url,
	      struct curl_slist **hdrs, struct error *err)
{
	struct azure_impl *a = st->impl;
	struct strbuf path = STRBUF_INIT, line = STRBUF_INIT;
	struct param q[STORE_MAX_QUERY + 8];
	char date[64], num[16], len[32], *xms[4];
	size_t nq = 0, nx = 0, i;
	time_t now = time(NULL);
	struct tm tm;
	const char *ctype = "";

	if (a->auth == AZ_BEARER && bearer_token(a, err) < 0)
		return -1;
	strbuf_addf(&path, "%s/", a->base_path);
	store_uri_encode(&path, a->container, strlen(a->container), 0);
	if (r->op == STORE_OP_LIST) {
		q[nq].name = "restype";
		q[nq++].value = "container";
		q[nq].name = "comp";
		q[nq++].value = "list";
		if (r->prefix && *r->prefix) {
			q[nq].name = "prefix";
			q[nq++].value = r->prefix;
		}
		if (r->delimiter) {
			q[nq].name = "delimiter";
			q[nq++].value = r->delimiter;
		}
		if (r->token) {
			q[nq].name = "marker";
			q[nq++].value = r->token;
		}
		if (r->max_keys > 0) {
			snprintf(num, sizeof(num), "%d", r->max_keys);
			q[nq].name = "maxresults";
			q[nq++].value = num;
		}
	} else if (*r->key) {
		strbuf_addch(&path, '/');
		store_uri_encode(&path, r->key, strlen(r->key), 1);
	}
	for (i = 0; i < r->nquery; i++) {
		q[nq].name = r->query[i].name;
		q[nq++].value = r->query[i].value;
	}
	strbuf_addf(url, "%s%s", a->origin, path.buf);
	for (i = 0; i < nq; i++) {
		strbuf_addch(url, i ? '&' : '?');
		strbuf_addstr(url, q[i].name);
		strbuf_addch(url, '=');
		store_uri_encode(url, q[i].value, strlen(q[i].value), 0);
	}
	if (a->auth == AZ_SAS) {
		strbuf_addch(url, nq ? '&' : '?');
		strbuf_addstr(url, a->sas);
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	store_add_header(hdrs, "x-ms-date", date);
	store_add_header(hdrs, "x-ms-version", AZURE_VERSION);
	xms[nx++] = xasprintf("x-ms-date:%s", date);
	xms[nx++] = xasprintf("x-ms-version:%s", AZURE_VERSION);
	len[0] = '\0';
	if (r->op == STORE_OP_PUT) {
		ctype = "application/octet-stream";
		store_add_header(hdrs, "x-ms-blob-type", "BlockBlob");
		store_add_header(hdrs, "Content-Type", ctype);
		xms[nx++] = xstrdup("x-ms-blob-type:BlockBlob");
		if (r->body_len)
			snprintf(len, sizeof(len), "%zu", r->body_len);
	}
	if (a->auth == AZ_SHARED_KEY) {
		char *auth = shared_key(a,
					r->op == STORE_OP_LIST	 ? "GET"
					: r->op == STORE_OP_GET	 ? "GET"
					: r->op == STORE_OP_HEAD ? "HEAD"
					: r->op == STORE_OP_PUT	 ? "PUT"
								 : "DELETE",
					path.buf, q, nq, xms, nx, len, ctype);

		store_add_header(hdrs, "Authorization", auth);
		free(auth);
	} else if (a->auth == AZ_BEARER) {
		strbuf_addf(&line, "Bearer %s", a->token);
		store_add_header(hdrs, "Authorization", line.buf);
	}
	for (i = 0; i < nx; i++)
		free(xms[i]);
	strbuf_release(&path);
	strbuf_release_secret(&line);
	return 0;
}

/*
 * A List Blobs page, streamed: each <Blob> (Name, Properties/
 * Last-Modified, Content-Length, Etag) and <BlobPrefix> (Name) is passed
 * on when it closes; <NextMarker> is the next page's token.
 */
struct azure_list {
	struct store_page page; /* first: the engine reads it */
	XML_Parser xp;
	struct store_list_cb cb;
	struct error *err; /* during a feed */
	int failed;
	int depth;
	int in_blob, in_prefix;
	struct strbuf text; /* the element being read */
	struct strbuf name, mtime, size, etag;
};

static void
on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
	struct azure_list *l = ud;

	(void)attrs;
	l->depth++;
	strbuf_reset(&l->text);
	if (strcmp(name, "Blob") == 0) {
		l->in_blob = 1;
		strbuf_reset(&l->name);
		strbuf_reset(&l->mtime);
		strbuf_reset(&l->size);
		strbuf_reset(&l->etag);
	} else if (strcmp(name, "BlobPrefix") == 0) {
		l->in_prefix = 1;
		strbuf_reset(&l->name);
	}
}

static void
on_text(void *ud, const XML_Char *s, int len)
{
	struct azure_list *l = ud;

	if (l->text.len + (size_t)len < 65536)
		strbuf_add(&l->text, s, (size_t)len);
}

static void
fail_parse(struct azure_list *l)
{
	l->failed = 1;
	XML_StopParser(l->xp, XML_FALSE);
}

static void
on_end(void *ud, const XML_Char *name)
{
	struct azure_list *l = ud;

	l->depth--;
	if ((l->in_blob || l->in_prefix) && strcmp(name, "Name") == 0) {
		strbuf_reset(&l->name);
		strbuf_add(&l->name, l->text.buf, l->text.len);
	} else if (l->in_blob && strcmp(name, "Last-Modified") == 0) {
		strbuf_reset(&l->mtime);
		strbuf_add(&l->mtime, l->text.buf, l->text.len);
	} else if (l->in_blob && strcmp(name, "Content-Length") == 0) {
		strbuf_reset(&l->size);
		strbuf_add(&l->size, l->text.buf, l->text.len);
	} else if (l->in_blob && strcmp(name, "Etag") == 0) {
		strbuf_reset(&l->etag);
		strbuf_add(&l->etag, l->text.buf, l->text.len);
	} else if (strcmp(name, "Blob") == 0 && l->in_blob) {
		struct store_object o;
		time_t t = curl_getdate(l->mtime.buf, NULL);

		l->in_blob = 0;
		memset(&o, 0, sizeof(o));
		o.key = l->name.buf;
		o.size = strtoll(l->size.buf, NULL, 10);
		o.last_modified = t == (time_t)-1 ? 0 : t;
		o.etag = l->etag.len ? l->etag.buf : NULL;
		l->page.count++;
		if (l->cb.object && l->cb.object(l->cb.data, &o, l->err) < 0)
			fail_parse(l);
	} else if (strcmp(name, "BlobPrefix") == 0 && l->in_prefix) {
		l->in_prefix = 0;
		l->page.count++;
		if (l->cb.prefix &&
		    l->cb.prefix(l->cb.data, l->name.buf, l->err) < 0)
			fail_parse(l);
	} else if (strcmp(name, "NextMarker") == 0 && l->depth == 1) {
		free(l->page.next);
		l->page.next = l->text.len ? xstrdup(l->text.buf) : NULL;
	}
	strbuf_reset(&l->text);
}

static void *
azure_list_new(const struct store_list_cb *cb)
{
	struct azure_list *l = xcalloc(1, sizeof(*l));

	l->cb = *cb;
	l->xp = XML_ParserCreate("UTF-8");
	if (!l->xp)
		xalloc_die();
	XML_SetUserData(l->xp, l);
	XML_SetElementHandler(l->xp, on_start, on_end);
	XML_SetCharacterDataHandler(l->xp, on_text);
	strbuf_init(&l->text, 0);
	strbuf_init(&l->name, 0);
	strbuf_init(&l->mtime, 0);
	strbuf_init(&l->size, 0);
	strbuf_init(&l->etag, 0);
	return l;
}

static int
azure_list_feed(void *p, const char *buf, size_t len, int final,
		struct error *err)
{
	struct azure_list *l = p;

	l->err = err;
	if (XML_Parse(l->xp, buf, (int)len, final) == XML_STATUS_ERROR) {
		if (l->failed)
			return -1;
		return error_set(err, ERR_OBJSTORE,
				 "a List Blobs answer is not XML: %s",
				 XML_ErrorString(XML_GetErrorCode(l->xp)));
	}
	return 0;
}

static void
azure_list_free(void *p)
{
	struct azure_list *l = p;

	if (!l)
		return;
	XML_ParserFree(l->xp);
	strbuf_release(&l->text);
	strbuf_release(&l->name);
	strbuf_release(&l->mtime);
	strbuf_release(&l->size);
	strbuf_release(&l->etag);
	free(l->page.next);
	free(l);
}

/* Is the SAS token past its se= time? */
static int
sas_expired(const struct azure_impl *a)
{
	time_t t;

	/* se= is ISO 8601 UTC: 2026-12-03T19:03:46Z */
	if (!a->sas_expiry || s3_xml_parse_time(&t, a->sas_expiry) < 0)
		return 0;
	return t < time(NULL);
}

static enum store_outcome
azure_failure(struct store *st, struct store_req *r, struct error *err)
{
	struct azure_impl *a = st->impl;
	struct s3_xml_error x;
	char code[80], reqid[128];
	char *name = store_req_object_url(r);
	const char *verb = store_op_verb(r->op);
	const char *msg;
	enum store_outcome o = STORE_DONE_FAIL;

	memset(&x, 0, sizeof(x));
	(void)s3_xml_parse_error(&x, r->resp.buf, r->resp.len);
	if (!store_req_header(r, "x-ms-error-code", code, sizeof(code)))
		snprintf(code, sizeof(code), "%s",
			 x.code ? x.code : "HTTP error");
	(void)store_req_header(r, "x-ms-request-id", reqid, sizeof(reqid));
	store_set_last(st, r->status, code, reqid);
	/* Azure's Message goes on with RequestId and Time lines */
	if (x.message)
		x.message[strcspn(x.message, "\r\n")] = '\0';
	msg = x.message ? x.message : code;
	if (strcmp(code, "ContainerNotFound") == 0) {
		error_set(err, ERR_OBJSTORE,
			  "%s '%s': container '%s' does not exist in storage "
			  "account '%s' (ContainerNotFound)",
			  verb, name, a->container, a->account);
		error_hint(err,
			   "check the container in destinationPath; list "
			   "them with 'az storage container list "
			   "--account-name %s'",
			   a->account);
	} else if (strcmp(code, "BlobNotFound") == 0 ||
		   (r->status == 404 && r->op != STORE_OP_LIST)) {
		error_set(err, ERR_NOT_FOUND,
			  "%s '%s': the blob does not exist (%s)", verb, name,
			  code);
	} else if (strcmp(code, "AuthorizationPermissionMismatch") == 0 ||
		   strcmp(code, "AuthorizationResourceTypeMismatch") == 0 ||
		   strcmp(code, "AuthorizationServiceMismatch") == 0) {
		error_set(err, ERR_OBJSTORE, "%s '%s': %s may not do this (%s)",
			  verb, name, a->source, code);
		if (a->auth == AZ_SAS)
			error_hint(err,
				   "the SAS token allows sp=%s: make one with "
				   "read and list (sp=rl; racwdl for "
				   "archive-test --write), for the container "
				   "or the account (srt=co)",
				   a->sas_perms ? a->sas_perms : "?");
		else
			error_hint(err,
				   "give the identity 'Storage Blob Data "
				   "Reader' (Contributor to write) on "
				   "container '%s'",
				   a->container);
	} else if (strcmp(code, "AuthenticationFailed") == 0 ||
		   strcmp(code, "AuthorizationFailure") == 0 ||
		   strcmp(code, "InvalidAuthenticationInfo") == 0 ||
		   r->status == 403) {
		if (a->auth == AZ_SAS && sas_expired(a)) {
			error_set(err, ERR_OBJSTORE,
				  "%s '%s': the SAS token expired at %s (%s)",
				  verb, name, a->sas_expiry, code);
			error_hint(err, "make a new SAS token and update "
					"storageSasToken in the Secret");
		} else if (a->auth == AZ_SAS) {
			error_set(err, ERR_OBJSTORE,
				  "%s '%s': the SAS token was refused (%s): "
				  "%s",
				  verb, name, code, msg);
			error_hint(err, "the token may be for another account "
					"or container, revoked, or not yet "
					"valid (st=): make a new one");
		} else if (a->auth == AZ_SHARED_KEY) {
			long skew = store_req_clock_skew(r);

			if (skew > 900 || skew < -900)
				error_set(err, ERR_OBJSTORE,
					  "%s '%s': the request was refused "
					  "(%s): the local clock is %ld s %s "
					  "the server's",
					  verb, name, code,
					  skew < 0 ? -skew : skew,
					  skew > 0 ? "ahead of" : "behind");
			else
				error_set(err, ERR_OBJSTORE,
					  "%s '%s': the key of storage "
					  "account '%s' was refused (%s)",
					  verb, name, a->account, code);
			error_hint(err,
				   "check storageKey (az storage account "
				   "keys list --account-name %s) and sync the "
				   "clock with NTP if it is off",
				   a->account);
		} else {
			error_set(err, ERR_OBJSTORE,
				  "%s '%s': %s was refused (%s): %s", verb,
				  name, a->source, code, msg);
			error_hint(err,
				   "give the identity 'Storage Blob Data "
				   "Reader' on container '%s'",
				   a->container);
		}
	} else {
		error_set(err, ERR_OBJSTORE, "%s '%s': %s (%s, HTTP %ld)", verb,
			  name, msg, code, r->status);
		if (r->status >= 500 || r->status == 429 ||
		    strcmp(code, "ServerBusy") == 0 ||
		    strcmp(code, "OperationTimedOut") == 0)
			o = STORE_RETRY;
	}
	if (reqid[0])
		error_hint_default(
			err, "quote request id %s to Azure's support", reqid);
	s3_xml_error_release(&x);
	free(name);
	return o;
}

const struct store_dialect azure_dialect = {
	"azure",
	0,
	azure_prepare,
	azure_list_new,
	azure_list_feed,
	store_page_count,
	store_page_next_token,
	azure_list_free,
	azure_failure,
	object_url,
	impl_free,
};

int
azure_store_open(struct store **out, char **bucket_prefix,
		 const struct archive_config *arch, struct error *err)
{
	struct azure_impl *a = xcalloc(1, sizeof(*a));
	char *prefix = NULL;
	struct store *st;

	if (find_credentials(a, arch, &prefix, err))
		goto fail;
	if (arch->endpoint_url && *arch->endpoint_url)
		set_endpoint(a, arch->endpoint_url);
	st = store_new(&azure_dialect, a, a->container, a->base,
		       arch->endpoint_ca_pem, arch->endpoint_ca_len, 0, 0, err);
	if (!st)
		goto fail;
	st->identity = xasprintf(
		"%s%s", a->source,
		a->auth == AZ_BEARER && (arch->azure_ad ||
					 arch->azure_default_credentials)
			? ", the local identity (the cluster uses its own: "
			  "inheritFromAzureAD)"
			: "");
	if (bucket_prefix)
		*bucket_prefix = prefix;
	else
		free(prefix);
	*out = st;
	return 0;
fail:
	free(prefix);
	impl_free(a);
	return -1;
}
