/*
 * s3: the SigV4 signer against AWS's published S3 examples and botocore's
 * results (tests/fixtures/s3/sigv4_botocore.json), URL parsing and
 * building, the streaming ListObjectsV2 parser fed one byte at a time, the
 * Error parser and the shared-credentials ini parser.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "errors.h"
#include "s3.h"
#include "s3_sign.h"
#include "s3_xml.h"
#include "strbuf.h"
#include "test.h"
#include "xmalloc.h"

#define AWS_AK "AKIAIOSFODNN7EXAMPLE"
#define AWS_SK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

static const struct {
	const char *name;
	const char *method;
	const char *path;
	struct s3_sign_pair query[2];
	size_t nquery;
	struct s3_sign_pair headers[3];
	size_t nheaders;
	const char *body;
	const char *signed_headers;
	const char *signature;
} aws_examples[] = {
	{ "get object with range",
	  "GET",
	  "/test.txt",
	  { { NULL, NULL } },
	  0,
	  { { "Range", "bytes=0-9" } },
	  1,
	  "",
	  "host;range;x-amz-content-sha256;x-amz-date",
	  "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41" },
	{ "put object",
	  "PUT",
	  "/test$file.text",
	  { { NULL, NULL } },
	  0,
	  { { "Date", "Fri, 24 May 2013 00:00:00 GMT" },
	    { "x-amz-storage-class", "REDUCED_REDUNDANCY" } },
	  2,
	  "Welcome to Amazon S3.",
	  "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
	  "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd" },
	{ "get bucket lifecycle",
	  "GET",
	  "/",
	  { { "lifecycle", "" } },
	  1,
	  { { NULL, NULL } },
	  0,
	  "",
	  "host;x-amz-content-sha256;x-amz-date",
	  "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543" },
	{ "list objects",
	  "GET",
	  "/",
	  { { "prefix", "J" }, { "max-keys", "2" } },
	  2,
	  { { NULL, NULL } },
	  0,
	  "",
	  "host;x-amz-content-sha256;x-amz-date",
	  "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7" },
};

static void
s3_sign_matches_aws_published_examples(void)
{
	size_t i;

	for (i = 0; i < sizeof(aws_examples) / sizeof(aws_examples[0]); i++) {
		struct s3_sign_input in = { 0 };
		struct s3_sign_output o = { 0 };
		char hash[65];

		s3_sign_sha256_hex(hash, aws_examples[i].body,
				   strlen(aws_examples[i].body));
		in.method = aws_examples[i].method;
		in.host = "examplebucket.s3.amazonaws.com";
		in.path = aws_examples[i].path;
		in.query = aws_examples[i].query;
		in.nquery = aws_examples[i].nquery;
		in.headers = aws_examples[i].headers;
		in.nheaders = aws_examples[i].nheaders;
		in.payload_hash = hash;
		in.amz_date = "20130524T000000Z";
		in.region = "us-east-1";
		in.access_key = AWS_AK;
		in.secret_key = AWS_SK;
		CHECK_INT(s3_sign(&o, &in), 0);
		if (!o.signature)
			continue;
		CHECK_STR(o.signed_headers, aws_examples[i].signed_headers);
		if (strcmp(o.signature, aws_examples[i].signature) != 0)
			test_fail(__FILE__, __LINE__, "%s: signature %s\n%s",
				  aws_examples[i].name, o.signature,
				  o.canonical_request);
		s3_sign_output_release(&o);
	}
}

static struct s3_sign_pair *
json_pairs(json_t *arr, size_t *n)
{
	struct s3_sign_pair *p;
	size_t i;

	*n = json_array_size(arr);
	p = xcalloc(*n + 1, sizeof(*p));
	for (i = 0; i < *n; i++) {
		json_t *kv = json_array_get(arr, i);

		p[i].name = json_string_value(json_array_get(kv, 0));
		p[i].value = json_string_value(json_array_get(kv, 1));
	}
	return p;
}

static void
s3_sign_matches_botocore_fixture(void)
{
	char *text = test_read_fixture("s3/sigv4_botocore.json", NULL);
	json_error_t jerr;
	json_t *root = json_loads(text, 0, &jerr), *c;
	size_t i, ncases;

	CHECK(root != NULL);
	if (!root) {
		free(text);
		return;
	}
	ncases = json_array_size(json_object_get(root, "cases"));
	CHECK(ncases >= 8);
	json_array_foreach(json_object_get(root, "cases"), i, c)
	{
		struct s3_sign_input in = { 0 };
		struct s3_sign_output o = { 0 };
		const char *body =
			json_string_value(json_object_get(c, "body"));
		struct s3_sign_pair *q, *h;
		char hash[65];

		s3_sign_sha256_hex(hash, body, strlen(body));
		CHECK_STR(hash, json_string_value(
					json_object_get(c, "payload_hash")));
		q = json_pairs(json_object_get(c, "query"), &in.nquery);
		h = json_pairs(json_object_get(c, "headers"), &in.nheaders);
		in.query = q;
		in.headers = h;
		in.method = json_string_value(json_object_get(c, "method"));
		in.host = json_string_value(json_object_get(c, "host"));
		in.path = json_string_value(json_object_get(c, "path"));
		in.region = json_string_value(json_object_get(c, "region"));
		in.amz_date = json_string_value(json_object_get(c, "amz_date"));
		in.session_token =
			json_string_value(json_object_get(c, "token"));
		in.payload_hash = hash;
		in.access_key =
			json_string_value(json_object_get(root, "access_key"));
		in.secret_key =
			json_string_value(json_object_get(root, "secret_key"));
		CHECK_INT(s3_sign(&o, &in), 0);
		CHECK_STR(o.canonical_request,
			  json_string_value(
				  json_object_get(c, "canonical_request")));
		CHECK_STR(o.string_to_sign, json_string_value(json_object_get(
						    c, "string_to_sign")));
		CHECK_STR(o.authorization, json_string_value(json_object_get(
						   c, "authorization")));
		s3_sign_output_release(&o);
		free(q);
		free(h);
	}
	json_decref(root);
	free(text);
}

static void
s3_sign_encodes_only_unreserved(void)
{
	struct strbuf sb = STRBUF_INIT;

	s3_sign_uri_encode(&sb, "a/b c+d=e%~_.-é", strlen("a/b c+d=e%~_.-é"),
			   0);
	CHECK_STR(sb.buf, "a%2Fb%20c%2Bd%3De%25~_.-%C3%A9");
	strbuf_reset(&sb);
	s3_sign_uri_encode(&sb, "/a/b c", 6, 1);
	CHECK_STR(sb.buf, "/a/b%20c");
	strbuf_release(&sb);
}

static void
s3_sign_collapses_header_spaces(void)
{
	struct s3_sign_pair hd[] = { { "X-Amz-Meta-A", "  x   y \t z  " } };
	struct s3_sign_input in = { 0 };
	struct s3_sign_output o = { 0 };

	in.method = "GET";
	in.host = "h";
	in.path = "/";
	in.headers = hd;
	in.nheaders = 1;
	in.payload_hash = S3_SIGN_EMPTY_SHA256;
	in.amz_date = "20130524T000000Z";
	in.region = "us-east-1";
	in.access_key = AWS_AK;
	in.secret_key = AWS_SK;
	CHECK_INT(s3_sign(&o, &in), 0);
	CHECK(o.canonical_request &&
	      strstr(o.canonical_request, "\nx-amz-meta-a:x y z\n"));
	s3_sign_output_release(&o);
	in.amz_date = "2013";
	CHECK_INT(s3_sign(&o, &in), -1);
}

static int
record_object(void *data, const struct store_object *o, struct error *err)
{
	(void)err;
	strbuf_addf(data, "object %s %lld %lld %s\n", o->key, o->size,
		    (long long)o->last_modified, o->etag);
	return 0;
}

static int
record_prefix(void *data, const char *prefix, struct error *err)
{
	(void)err;
	strbuf_addf(data, "prefix %s\n", prefix);
	return 0;
}

/* Parse a fixture fed in chunks of step bytes; the transcript goes to sb. */
static int
parse_listing(struct strbuf *sb, const char *xml, size_t len, size_t step,
	      struct error *err)
{
	struct store_list_cb cb = { record_object, record_prefix, NULL };
	struct s3_xml_list *p;
	size_t off = 0;
	int ret = -1;

	cb.data = sb;
	p = s3_xml_list_new(&cb);
	do {
		size_t n = len - off < step ? len - off : step;

		if (s3_xml_list_feed(p, xml + off, n, off + n == len, err) < 0)
			goto out;
		off += n;
	} while (off < len);
	strbuf_addf(sb, "truncated %d token %s\n", s3_xml_list_truncated(p),
		    s3_xml_list_next_token(p) ? s3_xml_list_next_token(p)
					      : "(none)");
	ret = 0;
out:
	s3_xml_list_free(p);
	return ret;
}

static void
s3_xml_list_parses_fixtures_in_any_chunking(void)
{
	static const char *const names[] = { "list-objects", "list-prefixes",
					     "list-empty" };
	static const size_t steps[] = { 1, 7, 4096 };
	size_t i, j;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *path = xasprintf("s3/%s.xml", names[i]);
		char *epath = xasprintf("s3/%s.expect", names[i]);
		size_t len;
		char *xml = test_read_fixture(path, &len);
		char *want = test_read_fixture(epath, NULL);

		for (j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
			struct strbuf sb = STRBUF_INIT;
			struct error err = ERROR_INIT;

			CHECK_INT(parse_listing(&sb, xml, len, steps[j], &err),
				  0);
			CHECK_STR(err.msg, NULL);
			CHECK_STR(sb.buf, want);
			strbuf_release(&sb);
			error_clear(&err);
		}
		free(path);
		free(epath);
		free(xml);
		free(want);
	}
}

static void
s3_xml_list_rejects_bad_listings(void)
{
	static const struct {
		const char *name;
		const char *msg;
	} bad[] = {
		{ "list-truncated-body.xml", "malformed ListObjectsV2 XML" },
		{ "list-bad-time.xml", "last modified 'yesterday'" },
		{ "list-not-a-listing.xml", "not a <ListBucketResult>" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *path = xasprintf("s3/%s", bad[i].name);
		size_t len;
		char *xml = test_read_fixture(path, &len);
		struct strbuf sb = STRBUF_INIT;
		struct error err = ERROR_INIT;

		CHECK_INT(parse_listing(&sb, xml, len, 1, &err), -1);
		CHECK_INT(err.code, ERR_OBJSTORE);
		if (!err.msg || !strstr(err.msg, bad[i].msg))
			test_fail(__FILE__, __LINE__, "%s: %s", bad[i].name,
				  err.msg ? err.msg : "(null)");
		strbuf_release(&sb);
		error_clear(&err);
		free(path);
		free(xml);
	}
}

static int
stop_at_second(void *data, const struct store_object *o, struct error *err)
{
	int *n = data;

	if (++*n == 2)
		return error_set(err, ERR_CATALOG, "stop at '%s'", o->key);
	return 0;
}

static void
s3_xml_list_callback_error_stops_the_parse(void)
{
	size_t len;
	char *xml = test_read_fixture("s3/list-objects.xml", &len);
	int n = 0;
	struct store_list_cb cb = { stop_at_second, NULL, NULL };
	struct s3_xml_list *p;
	struct error err = ERROR_INIT;

	cb.data = &n;
	p = s3_xml_list_new(&cb);
	CHECK_INT(s3_xml_list_feed(p, xml, len, 1, &err), -1);
	CHECK_INT(err.code, ERR_CATALOG);
	CHECK_STR(err.msg, "stop at 'pg/cluster-1/wals/00000002.history'");
	CHECK_INT(n, 2);
	s3_xml_list_free(p);
	error_clear(&err);
	free(xml);
}

static void
s3_xml_parses_error_documents(void)
{
	static const struct {
		const char *name;
		int ret;
		const char *code, *region, *endpoint, *request_id;
	} cases[] = {
		{ "error-nosuchbucket.xml", 0, "NoSuchBucket", NULL, NULL,
		  "4442587FB7D0A2F9" },
		{ "error-authmalformed.xml", 0, "AuthorizationHeaderMalformed",
		  "eu-west-1", NULL, "ABC" },
		{ "error-redirect.xml", 0, "PermanentRedirect", NULL,
		  "backups.s3.eu-central-1.amazonaws.com", "R1" },
		{ "error-accessdenied.xml", 0, "AccessDenied", NULL, NULL,
		  "7A1B" },
		{ "error-not-xml.html", -1, NULL, NULL, NULL, NULL },
		{ "list-prefixes.xml", -1, NULL, NULL, NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *path = xasprintf("s3/%s", cases[i].name);
		size_t len;
		char *xml = test_read_fixture(path, &len);
		struct s3_xml_error e = { 0 };

		CHECK_INT(s3_xml_parse_error(&e, xml, len), cases[i].ret);
		CHECK_STR(e.code, cases[i].code);
		CHECK_STR(e.region, cases[i].region);
		CHECK_STR(e.endpoint, cases[i].endpoint);
		CHECK_STR(e.request_id, cases[i].request_id);
		s3_xml_error_release(&e);
		free(path);
		free(xml);
	}
}

static void
s3_xml_parses_iso8601_utc(void)
{
	time_t t = 42;

	CHECK_INT(s3_xml_parse_time(&t, "2024-08-13T11:50:29.000Z"), 0);
	CHECK_INT(t, 1723549829);
	CHECK_INT(s3_xml_parse_time(&t, "1970-01-01T00:00:01Z"), 0);
	CHECK_INT(t, 1);
	t = 42;
	CHECK_INT(s3_xml_parse_time(&t, "2024-08-13T11:50:29+02:00"), -1);
	CHECK_INT(s3_xml_parse_time(&t, "2024-08-13T11:50:29."), -1);
	CHECK_INT(s3_xml_parse_time(&t, "2024-08-13"), -1);
	CHECK_INT(t, 42);
}

static void
s3_credentials_parse_ini_profiles(void)
{
	char *text = test_read_fixture("s3/credentials.ini", NULL);
	struct s3_credentials c = { NULL, NULL, NULL };
	struct error err = ERROR_INIT;

	CHECK_INT(s3_credentials_parse_ini(&c, text, "default", "f", &err), 0);
	CHECK_STR(c.access_key, "AKIADEFAULT");
	CHECK_STR(c.secret_key, "secret/with=equals");
	CHECK_STR(c.session_token, NULL);
	s3_credentials_release(&c);
	CHECK_INT(s3_credentials_parse_ini(&c, text, "backup", "f", &err), 0);
	CHECK_STR(c.access_key, "AKIABACKUP");
	CHECK_STR(c.secret_key, "s2");
	CHECK_STR(c.session_token, "tok+en");
	s3_credentials_release(&c);
	CHECK_INT(s3_credentials_parse_ini(&c, text, "nokey", "f", &err), -1);
	CHECK(err.msg && strstr(err.msg, "lacks aws_access_key_id"));
	CHECK(c.access_key == NULL);
	error_clear(&err);
	CHECK_INT(s3_credentials_parse_ini(&c, text, "missing", "f", &err), -1);
	CHECK_STR(err.msg, "no profile 'missing' in 'f'");
	error_clear(&err);
	free(text);
}

static void
s3_parse_url_validates_buckets(void)
{
	static const struct {
		const char *url, *bucket, *prefix;
	} cases[] = {
		{ "s3://backups/pg/cluster-1", "backups", "pg/cluster-1" },
		{ "s3://my.bucket-1/", "my.bucket-1", "" },
		{ "s3://abc", "abc", "" },
		{ "s3://abc//x/", "abc", "x/" },
		{ "s3://ab/x", NULL, NULL },
		{ "s3://Backups/x", NULL, NULL },
		{ "s3://a..b/x", NULL, NULL },
		{ "s3://-abc/x", NULL, NULL },
		{ "s3://192.168.1.1/x", NULL, NULL },
		{ "s3://under_score/x", NULL, NULL },
		{ "gs://backups/x", NULL, NULL },
		{ "backups/x", NULL, NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct s3_url u = { NULL, NULL };
		struct error err = ERROR_INIT;
		int ret = s3_parse_url(&u, cases[i].url, &err);

		CHECK_INT(ret, cases[i].bucket ? 0 : -1);
		CHECK_STR(u.bucket, cases[i].bucket);
		CHECK_STR(u.prefix, cases[i].prefix);
		if (!cases[i].bucket)
			CHECK_INT(err.code, ERR_CONFIG);
		s3_url_release(&u);
		error_clear(&err);
	}
}

static void
s3_xml_parses_lifecycle_rules(void)
{
	struct store_lifecycle l;
	size_t len;
	char *xml = test_read_fixture("s3/lifecycle.xml", &len);
	static const char *const bad[] = {
		"<Error><Code>NoSuchLifecycleConfiguration</Code></Error>",
		"<LifecycleConfiguration><Rule>",
		"not xml",
	};
	size_t i;

	memset(&l, 0, sizeof(l));
	CHECK(s3_xml_parse_lifecycle(&l, xml, len) == 0);
	CHECK_INT(l.n, 4);
	if (l.n == 4) {
		CHECK_STR(l.rules[0].id, "expire-backups");
		CHECK_STR(l.rules[0].prefix, "prod/");
		CHECK_INT(l.rules[0].enabled, 1);
		CHECK_INT(l.rules[0].expiration_days, 7);
		CHECK_STR(l.rules[1].prefix, "tmp/");
		CHECK_INT(l.rules[1].enabled, 0);
		CHECK_INT(l.rules[1].expiration_days, -1);
		CHECK_INT(l.rules[1].has_expiration_date, 1);
		CHECK(l.rules[2].id == NULL);
		CHECK_STR(l.rules[2].prefix, "prod/app-db/wals/");
		CHECK_INT(l.rules[2].expiration_days, -1);
		CHECK_STR(l.rules[3].prefix, "");
		CHECK_INT(l.rules[3].expiration_days, 90);
	}
	store_lifecycle_release(&l);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&l, 0, sizeof(l));
		CHECK(s3_xml_parse_lifecycle(&l, bad[i], strlen(bad[i])) == -1);
		CHECK_INT(l.n, 0);
	}
	free(xml);
}

const struct test s3_tests[] = {
	TEST(s3_xml_parses_lifecycle_rules),
	TEST(s3_sign_matches_aws_published_examples),
	TEST(s3_sign_matches_botocore_fixture),
	TEST(s3_sign_encodes_only_unreserved),
	TEST(s3_sign_collapses_header_spaces),
	TEST(s3_xml_list_parses_fixtures_in_any_chunking),
	TEST(s3_xml_list_rejects_bad_listings),
	TEST(s3_xml_list_callback_error_stops_the_parse),
	TEST(s3_xml_parses_error_documents),
	TEST(s3_xml_parses_iso8601_utc),
	TEST(s3_credentials_parse_ini_profiles),
	TEST(s3_parse_url_validates_buckets),
	{ NULL, NULL },
};
