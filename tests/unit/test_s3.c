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
#include "s3_sign.h"
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

const struct test s3_tests[] = {
	TEST(s3_sign_matches_aws_published_examples),
	TEST(s3_sign_matches_botocore_fixture),
	TEST(s3_sign_encodes_only_unreserved),
	TEST(s3_sign_collapses_header_spaces),
	{ NULL, NULL },
};
