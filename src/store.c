/*
 * The object-store engine: requests built by a dialect (store_impl.h), run
 * with libcurl, blocking or several at once through curl multi, retried
 * with exponential backoff, bodies capped or streamed, listing pages fed
 * to the dialect's parser as they arrive, transport failures turned into
 * messages.  store_open() picks the dialect of an archive configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "archive.h"
#include "azure.h"
#include "errors.h"
#include "gcs.h"
#include "s3.h"
#include "s3_sign.h"
#include "store.h"
#include "store_impl.h"
#include "strbuf.h"
#include "xmalloc.h"

#define ERROR_BODY_MAX ((size_t)65536)
#define HEADERS_MAX    ((size_t)16384)

static const char *const op_verbs[] = { "listing", "reading", "checking",
					"writing", "deleting" };

const char *
store_op_verb(enum store_op op)
{
	return op_verbs[op];
}

/* The store. */

struct store *
store_new(const struct store_dialect *d, void *impl, const char *bucket,
	  const char *endpoint, const char *ca_pem, size_t ca_len,
	  long timeout_ms, int max_retries, struct error *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	const char *bo = getenv("CNPGOPS_TEST_BACKOFF_MS");

	st->d = d;
	st->impl = impl;
	st->bucket = xstrdup(bucket);
	st->endpoint = xstrdup(endpoint);
	if (ca_pem && ca_len) {
		st->ca_pem = xmalloc(ca_len);
		memcpy(st->ca_pem, ca_pem, ca_len);
		st->ca_pem_len = ca_len;
	}
	st->timeout_ms = timeout_ms > 0 ? timeout_ms : 60000;
	st->max_retries = max_retries > 0 ? max_retries : 4;
	st->backoff_ms = bo && *bo ? strtol(bo, NULL, 10) : 200;
	if (st->backoff_ms < 0)
		st->backoff_ms = 0;
	st->easy = curl_easy_init();
	if (!st->easy) {
		error_set(err, ERR_INTERNAL, "curl_easy_init failed");
		store_free(st);
		return NULL;
	}
	return st;
}

void
store_free(struct store *st)
{
	if (!st)
		return;
	if (st->easy)
		curl_easy_cleanup(st->easy);
	if (st->d && st->d->free)
		st->d->free(st->impl);
	free(st->bucket);
	free(st->endpoint);
	free(st->identity);
	free(st->ca_pem);
	free(st);
}

int
store_open(struct store **out, char **bucket_prefix,
	   const struct archive_config *arch, struct error *err)
{
	switch (arch->provider) {
	case ARCHIVE_PROVIDER_S3:
		return s3_store_open(out, bucket_prefix, arch, err);
	case ARCHIVE_PROVIDER_GCS:
		return gcs_store_open(out, bucket_prefix, arch, err);
	case ARCHIVE_PROVIDER_AZURE:
		return azure_store_open(out, bucket_prefix, arch, err);
	}
	return error_set(err, ERR_CONFIG, "'%s': unknown object store",
			 arch->destination_path);
}

const char *
store_provider(const struct store *st)
{
	return st->d->name;
}

char *
store_object_url(const struct store *st, const char *key)
{
	return st->d->object_url(st, key ? key : "");
}

const char *
store_endpoint(const struct store *st)
{
	return st->endpoint;
}

const char *
store_bucket(const struct store *st)
{
	return st->bucket;
}

const char *
store_identity(const struct store *st)
{
	return st->identity ? st->identity : "";
}

const char *
store_region(const struct store *st)
{
	return strcmp(st->d->name, "s3") == 0 ? s3_store_region(st) : NULL;
}

int
store_can_start_after(const struct store *st)
{
	return st->d->can_start_after;
}

const struct store_last_error *
store_last_error(const struct store *st)
{
	return &st->last;
}

void
store_set_last(struct store *st, long status, const char *code,
	       const char *request_id)
{
	st->last.http_status = status;
	snprintf(st->last.code, sizeof(st->last.code), "%s", code ? code : "");
	snprintf(st->last.request_id, sizeof(st->last.request_id), "%s",
		 request_id ? request_id : "");
}

void
store_lifecycle_release(struct store_lifecycle *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->rules[i].id);
		free(l->rules[i].prefix);
	}
	free(l->rules);
	memset(l, 0, sizeof(*l));
}

int
store_get_lifecycle(struct store_lifecycle *out, struct store *st,
		    struct error *err)
{
	if (strcmp(st->d->name, "s3") == 0)
		return s3_get_lifecycle(out, st, err);
	if (strcmp(st->d->name, "gcs") == 0)
		return gcs_get_lifecycle(out, st, err);
	return error_set(err, ERR_USAGE,
			 "Azure keeps lifecycle management policies on the "
			 "storage account, where blob credentials cannot "
			 "read them: check them with 'az storage account "
			 "management-policy show'");
}

/* Helpers for dialects. */

void
store_add_header(struct curl_slist **hdrs, const char *name, const char *value)
{
	struct strbuf line = STRBUF_INIT;
	struct curl_slist *n;

	strbuf_addf(&line, "%s: %s", name, value);
	n = curl_slist_append(*hdrs, line.buf);
	if (!n)
		xalloc_die();
	*hdrs = n;
	strbuf_release(&line);
}

void
store_uri_encode(struct strbuf *sb, const char *s, size_t len, int keep_slash)
{
	/* RFC 3986, as SigV4 spells it out: every provider takes it */
	s3_sign_uri_encode(sb, s, len, keep_slash);
}

int
store_req_header(const struct store_req *r, const char *name, char *buf,
		 size_t len)
{
	const char *p = r->resp_headers.buf;
	size_t nl = strlen(name);

	buf[0] = '\0';
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);

		if (ll > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1;
			size_t vl = ll - nl - 1;

			while (vl && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl && (v[vl - 1] == '\r' || v[vl - 1] == ' '))
				vl--;
			if (vl >= len)
				vl = len - 1;
			memcpy(buf, v, vl);
			buf[vl] = '\0';
			return 1;
		}
		p = eol ? eol + 1 : NULL;
	}
	return 0;
}

long
store_req_clock_skew(const struct store_req *r)
{
	time_t server = curl_getdate(r->date, NULL);

	if (!r->date[0] || server == (time_t)-1)
		return 0;
	return (long)(time(NULL) - server);
}

int
store_command_line(char **out, const char *const argv[], int timeout_ms,
		   struct error *err)
{
	posix_spawn_file_actions_t fa;
	struct strbuf sb = STRBUF_INIT;
	int fds[2], status = 0, ret = -1, spawned;
	pid_t pid;
	char buf[4096], **args;
	size_t n = 0, i;

	while (argv[n])
		n++;
	args = xcalloc(n + 1, sizeof(*args));
	for (i = 0; i < n; i++)
		args[i] = xstrdup(argv[i]);
	if (pipe(fds) < 0) {
		ret = error_set(err, ERR_IO, "pipe: %s", strerror(errno));
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	spawned = posix_spawnp(&pid, args[0], &fa, NULL, args, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (spawned != 0) {
		close(fds[0]);
		error_set(err, ERR_NOT_FOUND, "'%s' cannot be run: %s", argv[0],
			  strerror(spawned));
		goto out;
	}
	for (;;) {
		struct pollfd pfd = { fds[0], POLLIN, 0 };
		ssize_t got;

		if (poll(&pfd, 1, timeout_ms) <= 0) {
			(void)kill(pid, SIGTERM);
			break;
		}
		got = read(fds[0], buf, sizeof(buf));
		if (got <= 0 || sb.len > 65536)
			break;
		strbuf_add(&sb, buf, (size_t)got);
	}
	explicit_bzero(buf, sizeof(buf));
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sb.len = sb.len ? strcspn(sb.buf, "\r\n") : 0;
	/* 127: the exec failed in the child (as a shell says it) */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && !sb.len) {
		error_set(err, ERR_NOT_FOUND, "'%s' cannot be run", argv[0]);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !sb.len) {
		error_set(err, ERR_CONFIG, "'%s %s' failed", argv[0],
			  argv[1] ? argv[1] : "");
		goto out;
	}
	sb.buf[sb.len] = '\0';
	*out = xstrdup(sb.buf);
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(args[i]);
	free(args);
	strbuf_release_secret(&sb);
	return ret;
}

void
store_setup_handle(const struct store *st, CURL *h)
{
	(void)curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, st->timeout_ms);
	(void)curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
			       st->timeout_ms < 10000 ? st->timeout_ms
						      : 10000L);
	(void)curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(h, CURLOPT_USERAGENT, "kubectl-cnpgops");
	if (st->ca_pem) {
		struct curl_blob blob;

		blob.data = st->ca_pem;
		blob.len = st->ca_pem_len;
		blob.flags = CURL_BLOB_COPY;
		(void)curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	}
}

size_t
store_page_count(const void *p)
{
	return ((const struct store_page *)p)->count;
}

const char *
store_page_next_token(const void *p)
{
	return ((const struct store_page *)p)->next;
}

/* Requests. */

void
store_req_init(struct store_req *r, struct store *st, enum store_op op,
	       const char *key)
{
	memset(r, 0, sizeof(*r));
	r->st = st;
	r->op = op;
	r->key = xstrdup(key ? key : "");
	strbuf_init(&r->resp, 0);
	strbuf_init(&r->resp_headers, 0);
}

void
store_req_add_query(struct store_req *r, const char *name, const char *value)
{
	if (r->nquery == STORE_MAX_QUERY)
		abort(); /* a dialect's bug: STORE_MAX_QUERY is its limit */
	r->qval[r->nquery] = xstrdup(value);
	r->query[r->nquery].name = name;
	r->query[r->nquery].value = r->qval[r->nquery];
	r->nquery++;
}

static void
list_free(struct store_req *r)
{
	if (r->list)
		r->st->d->list_free(r->list);
	r->list = NULL;
}

void
store_req_release(struct store_req *r)
{
	size_t i;

	for (i = 0; i < r->nquery; i++)
		free(r->qval[i]);
	free(r->key);
	free(r->prefix);
	free(r->delimiter);
	free(r->start_after);
	free(r->token);
	strbuf_release(&r->resp);
	strbuf_release(&r->resp_headers);
	list_free(r);
	if (r->hdrs)
		curl_slist_free_all(r->hdrs);
	error_clear(&r->werr);
}

char *
store_req_object_url(const struct store_req *r)
{
	return store_object_url(r->st, r->op == STORE_OP_LIST && r->prefix
					       ? r->prefix
					       : r->key);
}

static void
status_of(struct store_req *r)
{
	if (!r->status)
		(void)curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE,
					&r->status);
}

static size_t
on_write(char *p, size_t sz, size_t n, void *ud)
{
	struct store_req *r = ud;
	size_t len = sz * n, cap;

	status_of(r);
	if (r->status / 100 == 2 && r->op == STORE_OP_LIST)
		return r->st->d->list_feed(r->list, p, len, 0, &r->werr) < 0
			       ? 0
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
		char *name = store_req_object_url(r);

		error_set(&r->werr, ERR_OBJSTORE,
			  "'%s' is larger than %zu bytes", name, cap);
		free(name);
		return 0;
	}
	strbuf_add(&r->resp, p, len);
	return len;
}

static void
copy_value(char *dst, size_t dstlen, const char *v, size_t len)
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
	struct store_req *r = ud;
	size_t len = sz * n;
	const char *colon = memchr(p, ':', len);
	size_t nl;
	char num[32];

	if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new answer (after a redirect or 100) */
		r->date[0] = r->etag[0] = r->last_modified[0] = '\0';
		r->content_length = -1;
		strbuf_reset(&r->resp_headers);
		return len;
	}
	if (!colon)
		return len;
	if (r->resp_headers.len + len < HEADERS_MAX)
		strbuf_add(&r->resp_headers, p, len);
	nl = (size_t)(colon - p);
	colon++;
	if (nl == 4 && strncasecmp(p, "date", 4) == 0)
		copy_value(r->date, sizeof(r->date), colon, len - nl - 1);
	else if (nl == 4 && strncasecmp(p, "etag", 4) == 0)
		copy_value(r->etag, sizeof(r->etag), colon, len - nl - 1);
	else if (nl == 13 && strncasecmp(p, "last-modified", 13) == 0)
		copy_value(r->last_modified, sizeof(r->last_modified), colon,
			   len - nl - 1);
	else if (nl == 14 && strncasecmp(p, "content-length", 14) == 0) {
		copy_value(num, sizeof(num), colon, len - nl - 1);
		r->content_length = strtoll(num, NULL, 10);
	}
	return len;
}

/*
 * The listing callbacks go through these: keys up to start-after are
 * skipped (stores that cannot start after a key, and GCS's inclusive
 * startOffset), and store_list_parallel's ranges stop at their upper key.
 */
static int
range_object(void *data, const struct store_object *o, struct error *err)
{
	struct store_req *r = data;

	if (r->past_upper || (r->upper && strcmp(o->key, r->upper) > 0)) {
		r->past_upper = 1;
		return 0;
	}
	if (r->start_after && strcmp(o->key, r->start_after) <= 0)
		return 0;
	return r->cb.object ? r->cb.object(r->cb.data, o, err) : 0;
}

static int
range_prefix(void *data, const char *prefix, struct error *err)
{
	struct store_req *r = data;

	if (r->past_upper || (r->upper && strcmp(prefix, r->upper) > 0)) {
		r->past_upper = 1;
		return 0;
	}
	if (r->start_after && strcmp(prefix, r->start_after) <= 0 &&
	    strncmp(r->start_after, prefix, strlen(prefix)) != 0)
		return 0;
	return r->cb.prefix ? r->cb.prefix(r->cb.data, prefix, err) : 0;
}

/* Set the handle up for one attempt. */
static int
req_prepare(struct store_req *r, CURL *h, struct error *err)
{
	struct store *st = r->st;
	struct strbuf url = STRBUF_INIT;
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
	strbuf_reset(&r->resp_headers);
	error_clear(&r->werr);
	list_free(r);
	if (r->hdrs) {
		curl_slist_free_all(r->hdrs);
		r->hdrs = NULL;
	}
	if (r->op == STORE_OP_LIST) {
		struct store_list_cb wrap = { range_object, range_prefix,
					      NULL };

		wrap.data = r;
		r->list = st->d->list_new(&wrap);
	}
	r->method = NULL;
	if (st->d->prepare(st, r, &url, &r->hdrs, err) < 0)
		goto out;
	if (!r->method)
		r->method = r->op == STORE_OP_HEAD     ? "HEAD"
			    : r->op == STORE_OP_PUT    ? "PUT"
			    : r->op == STORE_OP_DELETE ? "DELETE"
						       : "GET";
	store_add_header(&r->hdrs, "Expect", "");

	curl_easy_reset(h);
	store_setup_handle(st, h);
	(void)curl_easy_setopt(h, CURLOPT_URL, url.buf);
	(void)curl_easy_setopt(h, CURLOPT_HTTPHEADER, r->hdrs);
	(void)curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	(void)curl_easy_setopt(h, CURLOPT_WRITEDATA, r);
	(void)curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	(void)curl_easy_setopt(h, CURLOPT_HEADERDATA, r);
	(void)curl_easy_setopt(h, CURLOPT_ERRORBUFFER, r->errbuf);
	(void)curl_easy_setopt(h, CURLOPT_PRIVATE, r);
	if (r->op == STORE_OP_HEAD) {
		(void)curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (r->op == STORE_OP_PUT) {
		(void)curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
		(void)curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
				       (curl_off_t)r->body_len);
		(void)curl_easy_setopt(h, CURLOPT_POSTFIELDS,
				       r->body ? r->body : "");
	} else if (strcmp(r->method, "GET") != 0) {
		(void)curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, r->method);
	}
	ret = 0;
out:
	strbuf_release(&url);
	return ret;
}

/* Map a failed transfer (transport level) to an error. */
static void
report_transport(struct store_req *r, CURLcode cc, struct error *err)
{
	struct store *st = r->st;
	char *name = store_req_object_url(r);
	const char *verb = store_op_verb(r->op);
	const char *text = r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc);

	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CONNECT_ERROR:
		error_set(err, ERR_CONFIG, "%s '%s': TLS with '%s' failed: %s",
			  verb, name, st->endpoint, text);
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
			  verb, name, st->endpoint, text);
		error_hint(err, "check the endpoint URL and that the object "
				"store is reachable from here");
		break;
	case CURLE_OPERATION_TIMEDOUT:
		error_set(err, ERR_IO, "%s '%s': '%s' did not answer: %s", verb,
			  name, st->endpoint, text);
		break;
	default:
		error_set(err, ERR_IO, "%s '%s' at '%s': %s", verb, name,
			  st->endpoint, text);
		break;
	}
	free(name);
}

static int
transport_retryable(CURLcode cc)
{
	return cc == CURLE_COULDNT_CONNECT || cc == CURLE_OPERATION_TIMEDOUT ||
	       cc == CURLE_SEND_ERROR || cc == CURLE_RECV_ERROR ||
	       cc == CURLE_GOT_NOTHING || cc == CURLE_PARTIAL_FILE;
}

/* Classify a finished transfer; on failure err is set (also for RETRY). */
static enum store_outcome
req_outcome(struct store_req *r, CURLcode cc, struct error *err)
{
	struct store *st = r->st;
	int emitted = r->list && st->d->list_count(r->list) > 0;
	enum store_outcome o;

	status_of(r);
	store_set_last(st, r->status, NULL, NULL);
	if (r->werr.code != ERR_OK) {
		error_move(err, &r->werr);
		return STORE_DONE_FAIL;
	}
	if (r->stopped)
		return STORE_DONE_OK;
	if (cc != CURLE_OK) {
		st->last.http_status = 0;
		report_transport(r, cc, err);
		return transport_retryable(cc) && !emitted ? STORE_RETRY
							   : STORE_DONE_FAIL;
	}
	if (r->status / 100 == 2) {
		if (r->op == STORE_OP_LIST &&
		    st->d->list_feed(r->list, "", 0, 1, err) < 0)
			return STORE_DONE_FAIL;
		return STORE_DONE_OK;
	}
	o = st->d->failure(st, r, err);
	if (o == STORE_RETRY_NOW) {
		if (r->retried_now)
			return STORE_DONE_FAIL;
		r->retried_now = 1;
	}
	if (o == STORE_RETRY && emitted)
		return STORE_DONE_FAIL;
	return o;
}

static long
backoff_ms(const struct store *st, int attempt)
{
	long ms = st->backoff_ms;
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

int
store_req_run(struct store_req *r, struct error *err)
{
	for (;;) {
		struct error e = ERROR_INIT;
		enum store_outcome o;
		CURLcode cc;

		if (req_prepare(r, r->st->easy, err) < 0)
			return -1;
		cc = curl_easy_perform(r->st->easy);
		o = req_outcome(r, cc, &e);
		if (o == STORE_DONE_OK)
			return 0;
		if (o == STORE_DONE_FAIL ||
		    (o == STORE_RETRY && r->attempt >= r->st->max_retries)) {
			error_move(err, &e);
			return -1;
		}
		error_clear(&e);
		if (o == STORE_RETRY)
			sleep_ms(backoff_ms(r->st, r->attempt++));
	}
}

/* The operations. */

static void
list_init(struct store_req *r, struct store *st,
	  const struct store_list_opts *o, const struct store_list_cb *cb)
{
	store_req_init(r, st, STORE_OP_LIST, "");
	if (cb)
		r->cb = *cb;
	r->prefix = xstrdup(o->prefix ? o->prefix : "");
	if (o->delimiter && *o->delimiter)
		r->delimiter = xstrdup(o->delimiter);
	if (o->start_after && *o->start_after)
		r->start_after = xstrdup(o->start_after);
	if (o->continuation_token && *o->continuation_token)
		r->token = xstrdup(o->continuation_token);
	r->max_keys = o->max_keys;
}

int
store_list_page(char **next_token, struct store *st,
		const struct store_list_opts *opts,
		const struct store_list_cb *cb, struct error *err)
{
	struct store_req r;
	const char *next;
	int ret = -1;

	list_init(&r, st, opts, cb);
	if (store_req_run(&r, err) < 0)
		goto out;
	next = r.past_upper ? NULL : st->d->list_next_token(r.list);
	*next_token = next ? xstrdup(next) : NULL;
	ret = 0;
out:
	store_req_release(&r);
	return ret;
}

int
store_list_all(struct store *st, const char *prefix, const char *delimiter,
	       const struct store_list_cb *cb, struct error *err)
{
	struct store_list_opts o;
	char *token = NULL;

	memset(&o, 0, sizeof(o));
	o.prefix = prefix;
	o.delimiter = delimiter;
	do {
		char *next = NULL;

		o.continuation_token = token;
		if (store_list_page(&next, st, &o, cb, err) < 0) {
			free(token);
			return -1;
		}
		free(token);
		token = next;
	} while (token);
	return 0;
}

int
store_get(struct strbuf *out, struct store *st, const char *key, size_t max,
	  struct error *err)
{
	struct store_req r;
	int ret = -1;

	store_req_init(&r, st, STORE_OP_GET, key);
	r.max = max;
	if (store_req_run(&r, err) < 0)
		goto out;
	strbuf_add(out, r.resp.buf, r.resp.len);
	ret = 0;
out:
	store_req_release(&r);
	return ret;
}

int
store_stat(struct store_stat *out, struct store *st, const char *key,
	   struct error *err)
{
	struct store_req r;
	int ret = -1;
	time_t t;

	store_req_init(&r, st, STORE_OP_HEAD, key);
	if (store_req_run(&r, err) < 0)
		goto out;
	t = curl_getdate(r.last_modified, NULL);
	out->size = r.content_length;
	out->last_modified = t == (time_t)-1 ? 0 : t;
	snprintf(out->etag, sizeof(out->etag), "%s", r.etag);
	ret = 0;
out:
	store_req_release(&r);
	return ret;
}

int
store_put(struct store *st, const char *key, const void *data, size_t len,
	  struct error *err)
{
	struct store_req r;
	int ret;

	store_req_init(&r, st, STORE_OP_PUT, key);
	r.body = data;
	r.body_len = len;
	r.max = ERROR_BODY_MAX;
	ret = store_req_run(&r, err);
	store_req_release(&r);
	return ret;
}

int
store_delete(struct store *st, const char *key, struct error *err)
{
	struct store_req r;
	struct error e = ERROR_INIT;
	int ret;

	store_req_init(&r, st, STORE_OP_DELETE, key);
	r.max = ERROR_BODY_MAX;
	ret = store_req_run(&r, &e);
	/* deleting what is not there is done (S3 answers 204 itself) */
	if (ret < 0 && e.code == ERR_NOT_FOUND) {
		error_clear(&e);
		ret = 0;
	}
	error_move(err, &e);
	store_req_release(&r);
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
	int (*finished)(void *data, struct store_req *r,
			const struct error *key_err, struct error *err);
	void *data;
};

static int
multi_run(struct store *st, struct store_req *reqs, size_t n, int max_in_flight,
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
		int still = 0, msgs = 0, progress = 0;
		CURLMsg *msg;

		for (i = 0; i < n && running < max_in_flight; i++) {
			if (reqs[i].state != 0 ||
			    ms_until(&reqs[i].ready_at) > 0)
				continue;
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
		if (curl_multi_perform(m, &still) != CURLM_OK) {
			error_set(err, ERR_INTERNAL, "curl multi failed");
			goto out;
		}
		while ((msg = curl_multi_info_read(m, &msgs))) {
			struct store_req *r = NULL;
			struct error e = ERROR_INIT;
			enum store_outcome o;
			int again;

			if (msg->msg != CURLMSG_DONE)
				continue;
			(void)curl_easy_getinfo(msg->easy_handle,
						CURLINFO_PRIVATE, (char **)&r);
			(void)curl_multi_remove_handle(m, msg->easy_handle);
			running--;
			progress = 1;
			o = req_outcome(r, msg->data.result, &e);
			if (o == STORE_RETRY_NOW ||
			    (o == STORE_RETRY &&
			     r->attempt < st->max_retries)) {
				ms_from_now(
					&r->ready_at,
					o == STORE_RETRY
						? backoff_ms(st, r->attempt++)
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
				r->retried_now = 0;
				clock_gettime(CLOCK_MONOTONIC, &r->ready_at);
				r->state = 0;
			} else {
				r->state = 2;
				left--;
			}
		}
		/*
		 * A finished request frees a slot and may have queued its next
		 * page: start those before waiting, or the wait below would
		 * sleep its whole timeout with nothing in flight.
		 */
		if (progress || left == 0)
			continue;
		for (i = 0; i < n; i++) {
			long w;

			if (reqs[i].state != 0)
				continue;
			w = ms_until(&reqs[i].ready_at);
			if (w < wait)
				wait = w < 0 ? 0 : w;
		}
		if (curl_multi_poll(m, NULL, 0, (int)wait, NULL) != CURLM_OK) {
			error_set(err, ERR_INTERNAL, "curl multi failed");
			goto out;
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
get_many_finished(void *data, struct store_req *r, const struct error *key_err,
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
store_get_many(struct store *st, const char *const *keys, size_t n,
	       int max_in_flight, size_t max,
	       int (*done)(void *data, size_t i, const char *body, size_t len,
			   const struct error *key_err, struct error *err),
	       void *data, struct error *err)
{
	struct store_req *reqs = xcalloc(n + 1, sizeof(*reqs));
	struct get_many g;
	struct batch b;
	size_t i;
	int ret;

	g.done = done;
	g.data = data;
	b.finished = get_many_finished;
	b.data = &g;
	for (i = 0; i < n; i++) {
		store_req_init(&reqs[i], st, STORE_OP_GET, keys[i]);
		reqs[i].max = max;
	}
	ret = multi_run(st, reqs, n, max_in_flight, &b, err);
	for (i = 0; i < n; i++)
		store_req_release(&reqs[i]);
	free(reqs);
	return ret;
}

static int
list_range_finished(void *data, struct store_req *r,
		    const struct error *key_err, struct error *err)
{
	const char *token;

	(void)data;
	if (key_err->code != ERR_OK) {
		error_set(err, key_err->code, "%s", key_err->msg);
		if (key_err->hint)
			error_hint(err, "%s", key_err->hint);
		return -1;
	}
	token = r->st->d->list_next_token(r->list);
	if (r->past_upper || !token)
		return 0;
	/* the next page: from the token, no longer after a key */
	free(r->token);
	r->token = xstrdup(token);
	free(r->start_after);
	r->start_after = NULL;
	return 1;
}

int
store_list_parallel(struct store *st, const char *prefix,
		    const char *const *bounds, size_t nbounds,
		    int max_in_flight, const struct store_list_cb *cb,
		    struct error *err)
{
	struct store_req *reqs = xcalloc(nbounds + 2, sizeof(*reqs));
	struct store_list_opts o;
	struct batch b;
	size_t i;
	int ret;

	b.finished = list_range_finished;
	b.data = NULL;
	for (i = 0; i <= nbounds; i++) {
		memset(&o, 0, sizeof(o));
		o.prefix = prefix;
		o.start_after = i ? bounds[i - 1] : NULL;
		list_init(&reqs[i], st, &o, cb);
		reqs[i].upper = i < nbounds ? bounds[i] : NULL;
	}
	ret = multi_run(st, reqs, nbounds + 1, max_in_flight, &b, err);
	for (i = 0; i <= nbounds; i++)
		store_req_release(&reqs[i]);
	free(reqs);
	return ret;
}

struct stream_many {
	int (*done)(void *data, size_t i, const struct error *key_err,
		    struct error *err);
	void *data;
};

static int
stream_many_finished(void *data, struct store_req *r,
		     const struct error *key_err, struct error *err)
{
	struct stream_many *g = data;

	return g->done(g->data, r->index, key_err, err) < 0 ? -1 : 0;
}

int
store_get_stream_many(struct store *st, const char *const *keys, size_t n,
		      int max_in_flight,
		      int (*chunk)(void *data, size_t i, const char *buf,
				   size_t len, struct error *err),
		      int (*done)(void *data, size_t i,
				  const struct error *key_err,
				  struct error *err),
		      void *data, struct error *err)
{
	struct store_req *reqs = xcalloc(n + 1, sizeof(*reqs));
	struct stream_many g;
	struct batch b;
	size_t i;
	int ret;

	g.done = done;
	g.data = data;
	b.finished = stream_many_finished;
	b.data = &g;
	for (i = 0; i < n; i++) {
		store_req_init(&reqs[i], st, STORE_OP_GET, keys[i]);
		reqs[i].chunk = chunk;
		reqs[i].chunk_data = data;
	}
	ret = multi_run(st, reqs, n, max_in_flight, &b, err);
	for (i = 0; i < n; i++)
		store_req_release(&reqs[i]);
	free(reqs);
	return ret;
}
