/*
 * s3_xml: the S3 XML bodies, parsed with expat.  The ListObjectsV2 parser
 * is a stream: feed it the body in chunks as they arrive (from curl's write
 * callback); it calls back once per object and per common prefix and never
 * holds the whole listing.
 */
#ifndef CNPGOPS_S3_XML_H
#define CNPGOPS_S3_XML_H

#include <stddef.h>
#include <time.h>

#include "store.h"

struct error;

struct s3_xml_list;

/* A parser for one ListObjectsV2 page (cb is copied). */
struct s3_xml_list *s3_xml_list_new(const struct store_list_cb *cb);

/*
 * Feed len bytes; final is 1 with the last chunk.  Returns 0, or -1 with
 * ERR_OBJSTORE if the XML is malformed, or a callback's error.
 */
int s3_xml_list_feed(struct s3_xml_list *p, const char *buf, size_t len,
		     int final, struct error *err);

/* After the last chunk: was the page truncated, and its next token (owned
 * by the parser, NULL if none). */
int s3_xml_list_truncated(const struct s3_xml_list *p);
const char *s3_xml_list_next_token(const struct s3_xml_list *p);
/* Number of objects and common prefixes seen so far. */
size_t s3_xml_list_count(const struct s3_xml_list *p);

/* Free the parser; NULL is a no-op. */
void s3_xml_list_free(struct s3_xml_list *p);

/* The fields of an S3 <Error> body; each string owned (NULL if absent). */
struct s3_xml_error {
	char *code; /* "NoSuchKey" */
	char *message;
	char *resource;
	char *request_id;
	char *region; /* <Region> of AuthorizationHeaderMalformed */
	char *endpoint; /* <Endpoint> of PermanentRedirect */
	char *bucket;
};

/*
 * Parse an <Error> document into out.  Returns 0, or -1 (nothing written)
 * if the body is not an S3 error document.
 */
int s3_xml_parse_error(struct s3_xml_error *out, const char *buf, size_t len);

/* Free the strings of a s3_xml_error and zero it. */
void s3_xml_error_release(struct s3_xml_error *e);

/*
 * Parse a LifecycleConfiguration document into out (release with
 * store_lifecycle_release).  Returns -1 when it is not one.
 */
int s3_xml_parse_lifecycle(struct store_lifecycle *out, const char *buf,
			   size_t len);

/* Parse "2009-10-12T17:50:30.000Z" into out (UTC).  Returns 0 or -1. */
int s3_xml_parse_time(time_t *out, const char *s);

#endif
