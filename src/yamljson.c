/*
 * yamljson: YAML manifests into JSON values, from libyaml's event stream
 * (no document tree: aliases are refused as they come).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "errors.h"
#include "strbuf.h"
#include "xmalloc.h"
#include "yamljson.h"

#define YJ_MAX_DEPTH 64
#define YJ_MAX_FILE  (16u << 20)

struct yj {
	yaml_parser_t parser;
	const char *what;
	struct error *err;
};

static int
yj_fail(struct yj *y, const yaml_mark_t *mark, const char *problem)
{
	return error_set(y->err, ERR_CONFIG, "%s:%zu:%zu: %s", y->what,
			 mark->line + 1, mark->column + 1, problem);
}

static int
yj_next(struct yj *y, yaml_event_t *ev)
{
	if (yaml_parser_parse(&y->parser, ev))
		return 0;
	error_set(y->err, ERR_CONFIG, "%s:%zu:%zu: %s%s%s", y->what,
		  y->parser.problem_mark.line + 1,
		  y->parser.problem_mark.column + 1,
		  y->parser.problem ? y->parser.problem : "invalid YAML",
		  y->parser.context ? " " : "",
		  y->parser.context ? y->parser.context : "");
	return -1;
}

static int
is_one_of(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return 1;
	return 0;
}

/* A decimal integer with an optional sign, in range: 1 and *out. */
static int
plain_int(const char *s, json_int_t *out)
{
	const char *p = s;
	char *end;
	long long v;

	if (*p == '-' || *p == '+')
		p++;
	if (!*p || strspn(p, "0123456789") != strlen(p))
		return 0;
	if (p[0] == '0' && p[1]) /* 010: YAML 1.1 octal; kubectl: string */
		return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return 0;
	*out = (json_int_t)v;
	return 1;
}

/* A decimal number with a fraction or an exponent (1.5, -2e3, .5). */
static int
plain_real(const char *s, double *out)
{
	const char *p = s;
	int digits = 0, dot = 0, exp = 0;
	char *end;

	if (*p == '-' || *p == '+')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9') {
			digits++;
		} else if (*p == '.' && !dot && !exp) {
			dot = 1;
		} else if ((*p == 'e' || *p == 'E') && digits && !exp) {
			exp = 1;
			if (p[1] == '-' || p[1] == '+')
				p++;
			if (!p[1])
				return 0;
		} else {
			return 0;
		}
	}
	if (!digits || (!dot && !exp))
		return 0;
	errno = 0;
	*out = strtod(s, &end);
	return !errno && !*end;
}

static json_t *
yj_scalar(const yaml_event_t *ev)
{
	static const char *const nulls[] = { "null", "Null", "NULL",
					     "~",    "",     NULL };
	static const char *const trues[] = { "true", "True", "TRUE", NULL };
	static const char *const falses[] = { "false", "False", "FALSE", NULL };
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	json_int_t i;
	double d;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE ||
	    (ev->data.scalar.tag &&
	     strcmp((const char *)ev->data.scalar.tag, YAML_STR_TAG) == 0))
		return json_stringn(s, len);
	if (is_one_of(s, nulls))
		return json_null();
	if (is_one_of(s, trues))
		return json_true();
	if (is_one_of(s, falses))
		return json_false();
	if (plain_int(s, &i))
		return json_integer(i);
	if (plain_real(s, &d))
		return json_real(d);
	return json_stringn(s, len);
}

static json_t *yj_node(struct yj *y, yaml_event_t *ev, int depth);

/* A scalar, or NULL (error set) for one with a NUL byte ("\0" escapes):
 * C strings would cut it short, and a cut name is a different object. */
static json_t *
yj_scalar_checked(struct yj *y, const yaml_event_t *ev)
{
	if (strlen((const char *)ev->data.scalar.value) !=
	    ev->data.scalar.length) {
		yj_fail(y, &ev->start_mark, "a NUL byte in a value");
		return NULL;
	}
	return yj_scalar(ev);
}

static json_t *
yj_mapping(struct yj *y, int depth)
{
	json_t *obj = json_object();
	yaml_event_t ev;

	for (;;) {
		json_t *v;
		char *key;

		if (yj_next(y, &ev))
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return obj;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			yj_fail(y, &ev.start_mark,
				"a mapping key must be a "
				"string");
			yaml_event_delete(&ev);
			goto fail;
		}
		if (ev.data.scalar.anchor) {
			yj_fail(y, &ev.start_mark, "anchors are not supported");
			yaml_event_delete(&ev);
			goto fail;
		}
		key = xstrndup((const char *)ev.data.scalar.value,
			       ev.data.scalar.length);
		if (strlen(key) != ev.data.scalar.length ||
		    json_object_get(obj, key)) {
			yj_fail(y, &ev.start_mark,
				strlen(key) != ev.data.scalar.length
					? "a NUL byte in a mapping key"
					: "duplicate mapping key");
			free(key);
			yaml_event_delete(&ev);
			goto fail;
		}
		yaml_event_delete(&ev);
		if (yj_next(y, &ev)) {
			free(key);
			goto fail;
		}
		v = yj_node(y, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!v) {
			free(key);
			goto fail;
		}
		json_object_set_new(obj, key, v);
		free(key);
	}
fail:
	json_decref(obj);
	return NULL;
}

static json_t *
yj_sequence(struct yj *y, int depth)
{
	json_t *arr = json_array();
	yaml_event_t ev;

	for (;;) {
		json_t *v;

		if (yj_next(y, &ev))
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		v = yj_node(y, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!v)
			goto fail;
		json_array_append_new(arr, v);
	}
fail:
	json_decref(arr);
	return NULL;
}

/* The node that starts with ev (the caller deletes ev). */
static json_t *
yj_node(struct yj *y, yaml_event_t *ev, int depth)
{
	const yaml_char_t *anchor = NULL;

	if (depth > YJ_MAX_DEPTH) {
		yj_fail(y, &ev->start_mark, "nested too deeply");
		return NULL;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT:
		yj_fail(y, &ev->start_mark, "aliases are not supported");
		return NULL;
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = ev->data.sequence_start.anchor;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = ev->data.mapping_start.anchor;
		break;
	default:
		yj_fail(y, &ev->start_mark, "unexpected YAML event");
		return NULL;
	}
	if (anchor) {
		yj_fail(y, &ev->start_mark, "anchors are not supported");
		return NULL;
	}
	if (ev->type == YAML_SCALAR_EVENT)
		return yj_scalar_checked(y, ev);
	if (ev->type == YAML_SEQUENCE_START_EVENT)
		return yj_sequence(y, depth);
	return yj_mapping(y, depth);
}

json_t *
yamljson_parse(const char *data, size_t len, const char *what,
	       struct error *err)
{
	struct yj y = { .what = what, .err = err };
	json_t *docs = json_array();
	yaml_event_t ev;

	if (!yaml_parser_initialize(&y.parser)) {
		error_set(err, ERR_INTERNAL,
			  "cannot initialise the YAML parser");
		json_decref(docs);
		return NULL;
	}
	yaml_parser_set_input_string(&y.parser, (const unsigned char *)data,
				     len);
	for (;;) {
		json_t *v;

		if (yj_next(&y, &ev))
			goto fail;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type == YAML_STREAM_START_EVENT ||
		    ev.type == YAML_DOCUMENT_END_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		if (ev.type != YAML_DOCUMENT_START_EVENT) {
			yj_fail(&y, &ev.start_mark, "unexpected YAML event");
			yaml_event_delete(&ev);
			goto fail;
		}
		yaml_event_delete(&ev);
		if (yj_next(&y, &ev))
			goto fail;
		v = yj_node(&y, &ev, 0);
		yaml_event_delete(&ev);
		if (!v)
			goto fail;
		if (json_is_null(v))
			json_decref(v); /* an empty document */
		else
			json_array_append_new(docs, v);
	}
	yaml_parser_delete(&y.parser);
	return docs;
fail:
	yaml_parser_delete(&y.parser);
	json_decref(docs);
	return NULL;
}

json_t *
yamljson_read_file(const char *path, struct error *err)
{
	struct strbuf sb;
	char buf[8192];
	json_t *docs = NULL;
	char *what;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error_set(err, ERR_IO, "cannot open '%s': %s", path,
			  strerror(errno));
		return NULL;
	}
	strbuf_init(&sb, 0);
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error_set(err, ERR_IO, "cannot read '%s': %s", path,
				  strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > YJ_MAX_FILE) {
			error_set(err, ERR_IO, "'%s' is larger than 16 MiB",
				  path);
			goto out;
		}
		strbuf_add(&sb, buf, (size_t)n);
	}
	what = xasprintf("%s", path);
	docs = yamljson_parse(sb.buf, sb.len, what, err);
	free(what);
out:
	close(fd);
	strbuf_release(&sb);
	return docs;
}
