/*
 * libFuzzer target: S3 ListObjectsV2 pages fed to the streaming parser in
 * pieces, S3 Error documents and ISO 8601 times, from arbitrary bytes
 * (billion-laughs entities, truncation, invalid UTF-8 included).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "errors.h"
#include "s3_xml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
on_object(void *data, const struct store_object *obj, struct error *err)
{
	(void)err;
	(*(size_t *)data) += strlen(obj->key);
	return 0;
}

static int
on_prefix(void *data, const char *prefix, struct error *err)
{
	(void)err;
	(*(size_t *)data) += strlen(prefix);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t seen = 0, off = 0, piece = size ? 1 + data[0] % 13 : 1;
	struct store_list_cb cb = { on_object, on_prefix, &seen };
	struct s3_xml_list *p = s3_xml_list_new(&cb);
	struct s3_xml_error e = { 0 };
	struct error err = ERROR_INIT;
	char *s;
	time_t t;

	while (off < size) {
		size_t n = size - off < piece ? size - off : piece;

		if (s3_xml_list_feed(p, (const char *)data + off, n,
				     off + n == size, &err))
			break;
		off += n;
	}
	(void)s3_xml_list_truncated(p);
	(void)s3_xml_list_next_token(p);
	s3_xml_list_free(p);
	error_clear(&err);
	(void)s3_xml_parse_error(&e, (const char *)data, size);
	s3_xml_error_release(&e);
	{
		struct store_lifecycle l = { 0 };

		if (s3_xml_parse_lifecycle(&l, (const char *)data, size) == 0)
			store_lifecycle_release(&l);
	}
	s = malloc(size + 1);
	if (s) {
		memcpy(s, data, size);
		s[size] = '\0';
		(void)s3_xml_parse_time(&t, s);
		free(s);
	}
	return 0;
}
