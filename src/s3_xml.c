/*
 * S3 XML bodies with expat: a streaming ListObjectsV2 parser and the
 * <Error> document.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <expat.h>

#include "errors.h"
#include "s3_xml.h"
#include "strbuf.h"
#include "xmalloc.h"

enum list_field {
	F_NONE,
	F_KEY,
	F_SIZE,
	F_MTIME,
	F_ETAG,
	F_PREFIX,
	F_TRUNCATED,
	F_TOKEN
};

struct s3_xml_list {
	XML_Parser xp;
	struct store_list_cb cb;
	struct error cberr;
	int depth;
	int in_contents, in_prefixes, root_ok, failed;
	enum list_field field;
	struct strbuf text;
	struct strbuf key, etag, mtime, size, prefix;
	int truncated;
	char *token;
	size_t count;
};

/* The local name of an element (S3 uses a default namespace). */
static const char *
local_name(const char *name)
{
	const char *sep = strrchr(name, '|');

	return sep ? sep + 1 : name;
}

static void XMLCALL
list_start(void *ud, const char *name, const char **attrs)
{
	struct s3_xml_list *p = ud;
	const char *n = local_name(name);

	(void)attrs;
	p->depth++;
	p->field = F_NONE;
	strbuf_reset(&p->text);
	if (p->depth == 1) {
		p->root_ok = strcmp(n, "ListBucketResult") == 0;
	} else if (p->depth == 2) {
		if (strcmp(n, "Contents") == 0) {
			p->in_contents = 1;
			strbuf_reset(&p->key);
			strbuf_reset(&p->etag);
			strbuf_reset(&p->mtime);
			strbuf_reset(&p->size);
		} else if (strcmp(n, "CommonPrefixes") == 0) {
			p->in_prefixes = 1;
			strbuf_reset(&p->prefix);
		} else if (strcmp(n, "IsTruncated") == 0) {
			p->field = F_TRUNCATED;
		} else if (strcmp(n, "NextContinuationToken") == 0) {
			p->field = F_TOKEN;
		}
	} else if (p->depth == 3 && p->in_contents) {
		if (strcmp(n, "Key") == 0)
			p->field = F_KEY;
		else if (strcmp(n, "Size") == 0)
			p->field = F_SIZE;
		else if (strcmp(n, "LastModified") == 0)
			p->field = F_MTIME;
		else if (strcmp(n, "ETag") == 0)
			p->field = F_ETAG;
	} else if (p->depth == 3 && p->in_prefixes) {
		if (strcmp(n, "Prefix") == 0)
			p->field = F_PREFIX;
	}
}

static void XMLCALL
list_text(void *ud, const char *s, int len)
{
	struct s3_xml_list *p = ud;

	if (p->field != F_NONE)
		strbuf_add(&p->text, s, (size_t)len);
}

static void
list_stop(struct s3_xml_list *p)
{
	p->failed = 1;
	XML_StopParser(p->xp, XML_FALSE);
}

static void
list_object_done(struct s3_xml_list *p)
{
	struct store_object o;
	char *end = NULL;

	o.key = p->key.buf;
	o.etag = p->etag.buf;
	o.size = strtoll(p->size.buf, &end, 10);
	if (!p->key.len || !p->size.len || *end || o.size < 0 ||
	    s3_xml_parse_time(&o.last_modified, p->mtime.buf) < 0) {
		error_set(&p->cberr, ERR_OBJSTORE,
			  "malformed <Contents> entry in the listing (key "
			  "'%s', size '%s', last modified '%s')",
			  p->key.buf, p->size.buf, p->mtime.buf);
		list_stop(p);
		return;
	}
	p->count++;
	if (p->cb.object && p->cb.object(p->cb.data, &o, &p->cberr) < 0)
		list_stop(p);
}

static void XMLCALL
list_end(void *ud, const char *name)
{
	struct s3_xml_list *p = ud;
	const char *n = local_name(name);

	switch (p->field) {
	case F_KEY:
		strbuf_add(&p->key, p->text.buf, p->text.len);
		break;
	case F_SIZE:
		strbuf_add(&p->size, p->text.buf, p->text.len);
		break;
	case F_MTIME:
		strbuf_add(&p->mtime, p->text.buf, p->text.len);
		break;
	case F_ETAG:
		strbuf_add(&p->etag, p->text.buf, p->text.len);
		break;
	case F_PREFIX:
		strbuf_add(&p->prefix, p->text.buf, p->text.len);
		break;
	case F_TRUNCATED:
		p->truncated = strcmp(p->text.buf, "true") == 0;
		break;
	case F_TOKEN:
		free(p->token);
		p->token = xstrdup(p->text.buf);
		break;
	case F_NONE:
		break;
	}
	p->field = F_NONE;
	strbuf_reset(&p->text);
	if (p->depth == 2 && p->in_contents && strcmp(n, "Contents") == 0) {
		p->in_contents = 0;
		list_object_done(p);
	} else if (p->depth == 2 && p->in_prefixes &&
		   strcmp(n, "CommonPrefixes") == 0) {
		p->in_prefixes = 0;
		p->count++;
		if (p->cb.prefix &&
		    p->cb.prefix(p->cb.data, p->prefix.buf, &p->cberr) < 0)
			list_stop(p);
	}
	p->depth--;
}

struct s3_xml_list *
s3_xml_list_new(const struct store_list_cb *cb)
{
	struct s3_xml_list *p = xcalloc(1, sizeof(*p));

	p->xp = XML_ParserCreateNS(NULL, '|');
	if (!p->xp) {
		free(p);
		return NULL;
	}
	if (cb)
		p->cb = *cb;
	strbuf_init(&p->text, 0);
	strbuf_init(&p->key, 0);
	strbuf_init(&p->etag, 0);
	strbuf_init(&p->mtime, 0);
	strbuf_init(&p->size, 0);
	strbuf_init(&p->prefix, 0);
	XML_SetUserData(p->xp, p);
	XML_SetElementHandler(p->xp, list_start, list_end);
	XML_SetCharacterDataHandler(p->xp, list_text);
	return p;
}

int
s3_xml_list_feed(struct s3_xml_list *p, const char *buf, size_t len, int final,
		 struct error *err)
{
	enum XML_Status st;

	if (p->failed)
		return error_set(err, ERR_INTERNAL,
				 "listing parser fed after an error");
	st = XML_Parse(p->xp, buf, (int)len, final);
	if (p->failed) {
		if (p->cberr.code != ERR_OK) {
			error_move(err, &p->cberr);
			return -1;
		}
		return error_set(err, ERR_OBJSTORE, "listing stopped");
	}
	if (st != XML_STATUS_OK) {
		p->failed = 1;
		return error_set(err, ERR_OBJSTORE,
				 "malformed ListObjectsV2 XML at line %lu: %s",
				 (unsigned long)XML_GetCurrentLineNumber(p->xp),
				 XML_ErrorString(XML_GetErrorCode(p->xp)));
	}
	if (final && !p->root_ok) {
		p->failed = 1;
		return error_set(err, ERR_OBJSTORE,
				 "the listing is not a <ListBucketResult> "
				 "document");
	}
	return 0;
}

int
s3_xml_list_truncated(const struct s3_xml_list *p)
{
	return p->truncated;
}

const char *
s3_xml_list_next_token(const struct s3_xml_list *p)
{
	return p->token && *p->token ? p->token : NULL;
}

size_t
s3_xml_list_count(const struct s3_xml_list *p)
{
	return p->count;
}

void
s3_xml_list_free(struct s3_xml_list *p)
{
	if (!p)
		return;
	XML_ParserFree(p->xp);
	error_clear(&p->cberr);
	strbuf_release(&p->text);
	strbuf_release(&p->key);
	strbuf_release(&p->etag);
	strbuf_release(&p->mtime);
	strbuf_release(&p->size);
	strbuf_release(&p->prefix);
	free(p->token);
	free(p);
}

/* The <Error> document: a flat list of children of the root. */
struct err_state {
	int depth;
	int root_ok;
	struct strbuf text;
	struct s3_xml_error e;
};

static void XMLCALL
err_start(void *ud, const char *name, const char **attrs)
{
	struct err_state *s = ud;

	(void)attrs;
	s->depth++;
	if (s->depth == 1)
		s->root_ok = strcmp(local_name(name), "Error") == 0;
	strbuf_reset(&s->text);
}

static void XMLCALL
err_text(void *ud, const char *str, int len)
{
	struct err_state *s = ud;

	if (s->depth == 2)
		strbuf_add(&s->text, str, (size_t)len);
}

static void
err_field(char **dst, const struct strbuf *text)
{
	if (!*dst)
		*dst = xstrdup(text->buf);
}

static void XMLCALL
err_end(void *ud, const char *name)
{
	struct err_state *s = ud;
	const char *n = local_name(name);

	if (s->depth == 2) {
		if (strcmp(n, "Code") == 0)
			err_field(&s->e.code, &s->text);
		else if (strcmp(n, "Message") == 0)
			err_field(&s->e.message, &s->text);
		else if (strcmp(n, "Resource") == 0)
			err_field(&s->e.resource, &s->text);
		else if (strcmp(n, "RequestId") == 0)
			err_field(&s->e.request_id, &s->text);
		else if (strcmp(n, "Region") == 0)
			err_field(&s->e.region, &s->text);
		else if (strcmp(n, "Endpoint") == 0)
			err_field(&s->e.endpoint, &s->text);
		else if (strcmp(n, "BucketName") == 0 ||
			 strcmp(n, "Bucket") == 0)
			err_field(&s->e.bucket, &s->text);
	}
	s->depth--;
}

int
s3_xml_parse_error(struct s3_xml_error *out, const char *buf, size_t len)
{
	struct err_state s;
	XML_Parser xp = XML_ParserCreateNS(NULL, '|');
	int ret = -1;

	memset(&s, 0, sizeof(s));
	strbuf_init(&s.text, 0);
	if (!xp)
		goto out;
	XML_SetUserData(xp, &s);
	XML_SetElementHandler(xp, err_start, err_end);
	XML_SetCharacterDataHandler(xp, err_text);
	if (XML_Parse(xp, buf, (int)len, 1) != XML_STATUS_OK || !s.root_ok ||
	    !s.e.code)
		goto out;
	*out = s.e;
	memset(&s.e, 0, sizeof(s.e));
	ret = 0;
out:
	if (xp)
		XML_ParserFree(xp);
	s3_xml_error_release(&s.e);
	strbuf_release(&s.text);
	return ret;
}

void
s3_xml_error_release(struct s3_xml_error *e)
{
	free(e->code);
	free(e->message);
	free(e->resource);
	free(e->request_id);
	free(e->region);
	free(e->endpoint);
	free(e->bucket);
	memset(e, 0, sizeof(*e));
}

int
s3_xml_parse_time(time_t *out, const char *s)
{
	struct tm tm;
	char *end;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return -1;
	if (*end == '.') {
		end++;
		if (*end < '0' || *end > '9')
			return -1;
		while (*end >= '0' && *end <= '9')
			end++;
	}
	if (strcmp(end, "Z") != 0 && strcmp(end, "+00:00") != 0)
		return -1;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*out = t;
	return 0;
}

/* LifecycleConfiguration: the path of element names says what a text is. */
#define LC_MAX_RULES 1000

struct lc_state {
	int depth;
	int root_ok;
	int failed;
	char path[8][32]; /* local names, depth 1..8 */
	struct strbuf text;
	struct store_lifecycle l;
	struct store_lifecycle_rule *cur;
};

static void XMLCALL
lc_start(void *ud, const char *name, const char **attrs)
{
	struct lc_state *s = ud;
	const char *n = local_name(name);

	(void)attrs;
	s->depth++;
	if (s->depth <= 8)
		snprintf(s->path[s->depth - 1], sizeof(s->path[0]), "%s", n);
	if (s->depth == 1)
		s->root_ok = strcmp(n, "LifecycleConfiguration") == 0;
	if (s->depth == 2 && s->root_ok && strcmp(n, "Rule") == 0) {
		if (s->l.n == LC_MAX_RULES) {
			s->failed = 1;
		} else {
			s->l.rules = xreallocarray(s->l.rules, s->l.n + 1,
						   sizeof(*s->l.rules));
			s->cur = &s->l.rules[s->l.n++];
			memset(s->cur, 0, sizeof(*s->cur));
			s->cur->expiration_days = -1;
		}
	}
	strbuf_reset(&s->text);
}

static void XMLCALL
lc_text(void *ud, const char *str, int len)
{
	struct lc_state *s = ud;

	if (s->text.len < 4096)
		strbuf_add(&s->text, str, (size_t)len);
}

/* Is the element path below the Rule (depth 3..) equal to a/b/c? */
static int
lc_at(const struct lc_state *s, const char *a, const char *b, const char *c)
{
	int want = 3 + (b != NULL) + (c != NULL);

	return s->depth == want && strcmp(s->path[2], a) == 0 &&
	       (!b || strcmp(s->path[3], b) == 0) &&
	       (!c || strcmp(s->path[4], c) == 0);
}

static void XMLCALL
lc_end(void *ud, const char *name)
{
	struct lc_state *s = ud;
	struct store_lifecycle_rule *r = s->cur;

	(void)name;
	if (r && s->depth >= 3 && s->depth <= 8 &&
	    strcmp(s->path[1], "Rule") == 0) {
		const char *t = s->text.buf ? s->text.buf : "";

		if (lc_at(s, "ID", NULL, NULL) && !r->id) {
			r->id = xstrdup(t);
		} else if (lc_at(s, "Status", NULL, NULL)) {
			r->enabled = strcmp(t, "Enabled") == 0;
		} else if ((lc_at(s, "Prefix", NULL, NULL) ||
			    lc_at(s, "Filter", "Prefix", NULL) ||
			    lc_at(s, "Filter", "And", "Prefix")) &&
			   !r->prefix) {
			r->prefix = xstrdup(t);
		} else if (lc_at(s, "Expiration", "Days", NULL)) {
			char *end;
			long d = strtol(t, &end, 10);

			if (*t && !*end && d >= 0)
				r->expiration_days = d;
		} else if (lc_at(s, "Expiration", "Date", NULL)) {
			r->has_expiration_date = 1;
		}
	}
	if (s->depth == 2)
		s->cur = NULL;
	s->depth--;
	strbuf_reset(&s->text);
}

int
s3_xml_parse_lifecycle(struct store_lifecycle *out, const char *buf, size_t len)
{
	struct lc_state s;
	XML_Parser xp = XML_ParserCreateNS(NULL, '|');
	size_t i;
	int ret = -1;

	memset(&s, 0, sizeof(s));
	strbuf_init(&s.text, 0);
	if (!xp || len > INT_MAX)
		goto out;
	XML_SetUserData(xp, &s);
	XML_SetElementHandler(xp, lc_start, lc_end);
	XML_SetCharacterDataHandler(xp, lc_text);
	if (XML_Parse(xp, buf, (int)len, 1) != XML_STATUS_OK || !s.root_ok ||
	    s.failed)
		goto out;
	for (i = 0; i < s.l.n; i++)
		if (!s.l.rules[i].prefix)
			s.l.rules[i].prefix = xstrdup("");
	*out = s.l;
	memset(&s.l, 0, sizeof(s.l));
	ret = 0;
out:
	if (xp)
		XML_ParserFree(xp);
	store_lifecycle_release(&s.l);
	strbuf_release(&s.text);
	return ret;
}
