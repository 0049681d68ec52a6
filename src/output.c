/*
 * What commands print on stdout: JSON, YAML in kubectl's layout, and
 * kubectl-style tables.
 */
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <yaml.h>

#include "errors.h"
#include "jsonmem.h"
#include "output.h"
#include "strbuf.h"
#include "xmalloc.h"

int
output_json(FILE *fp, const json_t *v, struct error *err)
{
	if (json_dumpf(v, fp,
		       JSON_INDENT(2) | JSON_PRESERVE_ORDER |
			       JSON_ENCODE_ANY) ||
	    fputc('\n', fp) == EOF)
		return error_set(err, ERR_IO, "writing json output failed");
	return 0;
}

/*
 * Would a YAML 1.1 reader (go-yaml v2, as kubectl uses) take this plain
 * scalar for something other than a string?
 */
static int
needs_quotes(const char *s)
{
	static const char *const words[] = {
		"y",	 "Y",	  "yes",  "Yes",  "YES",  "n",	  "N",
		"no",	 "No",	  "NO",	  "true", "True", "TRUE", "false",
		"False", "FALSE", "on",	  "On",	  "ON",	  "off",  "Off",
		"OFF",	 "null",  "Null", "NULL", "~",	  "<<",	  NULL,
	};
	static const char *const patterns[] = {
		"^[-+]?(0b[0-1_]+|0[0-7_]+|(0|[1-9][0-9_]*)|0x[0-9a-fA-F_]+)$",
		"^[-+]?([.][0-9]+|[0-9][0-9_]*([.][0-9_]*)?)([eE][-+]?[0-9]+)?$",
		"^[-+]?[.](inf|Inf|INF)$",
		"^[.](nan|NaN|NAN)$",
		"^[0-9][0-9_]*(:[0-5]?[0-9])+([.][0-9_]*)?$",
		"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}",
		NULL,
	};
	size_t i;

	if (!*s)
		return 1;
	for (i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return 1;
	for (i = 0; patterns[i]; i++) {
		regex_t re;
		int m;

		if (regcomp(&re, patterns[i], REG_EXTENDED | REG_NOSUB))
			continue;
		m = regexec(&re, s, 0, NULL, 0) == 0;
		regfree(&re);
		if (m)
			return 1;
	}
	return 0;
}

static int
emit(yaml_emitter_t *em, yaml_event_t *ev)
{
	return yaml_emitter_emit(em, ev) ? 0 : -1;
}

static int
emit_scalar(yaml_emitter_t *em, const char *s, size_t len,
	    yaml_scalar_style_t style, int plain_implicit)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL,
					  (yaml_char_t *)(uintptr_t)s, (int)len,
					  plain_implicit, 1, style))
		return -1;
	return emit(em, &ev);
}

static int
emit_value(yaml_emitter_t *em, const json_t *v, int depth)
{
	yaml_event_t ev;
	char buf[64];

	if (depth > 512)
		return -1;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *k;
		json_t *val;

		if (!yaml_mapping_start_event_initialize(
			    &ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE))
			return -1;
		if (emit(em, &ev))
			return -1;
		json_object_foreach((json_t *)(uintptr_t)v, k, val)
		{
			if (emit_scalar(
				    em, k, strlen(k),
				    needs_quotes(k)
					    ? YAML_SINGLE_QUOTED_SCALAR_STYLE
					    : YAML_ANY_SCALAR_STYLE,
				    1))
				return -1;
			if (emit_value(em, val, depth + 1))
				return -1;
		}
		if (!yaml_mapping_end_event_initialize(&ev))
			return -1;
		return emit(em, &ev);
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *val;

		if (!yaml_sequence_start_event_initialize(
			    &ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE))
			return -1;
		if (emit(em, &ev))
			return -1;
		json_array_foreach(
			v, i,
			val) if (emit_value(em, val, depth + 1)) return -1;
		if (!yaml_sequence_end_event_initialize(&ev))
			return -1;
		return emit(em, &ev);
	}
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t len = json_string_length(v);
		yaml_scalar_style_t style = YAML_ANY_SCALAR_STYLE;

		if (memchr(s, '\0', len))
			style = YAML_DOUBLE_QUOTED_SCALAR_STYLE;
		else if (strchr(s, '\n'))
			style = YAML_LITERAL_SCALAR_STYLE;
		else if (needs_quotes(s))
			style = YAML_SINGLE_QUOTED_SCALAR_STYLE;
		return emit_scalar(em, s, len, style, 1);
	}
	case JSON_INTEGER:
		snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
			 json_integer_value(v));
		return emit_scalar(em, buf, strlen(buf),
				   YAML_PLAIN_SCALAR_STYLE, 1);
	case JSON_REAL: {
		char *s = jsonmem_dumps(v, JSON_ENCODE_ANY);
		int rc;

		if (!s)
			return -1;
		rc = emit_scalar(em, s, strlen(s), YAML_PLAIN_SCALAR_STYLE, 1);
		free(s);
		return rc;
	}
	case JSON_TRUE:
		return emit_scalar(em, "true", 4, YAML_PLAIN_SCALAR_STYLE, 1);
	case JSON_FALSE:
		return emit_scalar(em, "false", 5, YAML_PLAIN_SCALAR_STYLE, 1);
	case JSON_NULL:
		return emit_scalar(em, "null", 4, YAML_PLAIN_SCALAR_STYLE, 1);
	}
	return -1;
}

static int
write_sb(void *data, unsigned char *buffer, size_t size)
{
	strbuf_add(data, buffer, size);
	return 1;
}

char *
output_yaml_string(const json_t *v, struct error *err)
{
	struct strbuf sb = STRBUF_INIT;
	yaml_emitter_t em;
	yaml_event_t ev;
	int ok;

	if (!yaml_emitter_initialize(&em)) {
		error_set(err, ERR_INTERNAL, "cannot initialise yaml emitter");
		return NULL;
	}
	yaml_emitter_set_output(&em, write_sb, &sb);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_indent(&em, 2);
	yaml_emitter_set_width(&em, -1);
	ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	     !emit(&em, &ev) &&
	     yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	     !emit(&em, &ev) && !emit_value(&em, v, 0) &&
	     yaml_document_end_event_initialize(&ev, 1) && !emit(&em, &ev) &&
	     yaml_stream_end_event_initialize(&ev) && !emit(&em, &ev);
	if (!ok) {
		error_set(err, ERR_INTERNAL, "cannot write yaml: %s",
			  em.problem ? em.problem : "too deeply nested");
		yaml_emitter_delete(&em);
		strbuf_release(&sb);
		return NULL;
	}
	yaml_emitter_delete(&em);
	return strbuf_detach(&sb, NULL);
}

int
output_yaml(FILE *fp, const json_t *v, struct error *err)
{
	char *s = output_yaml_string(v, err);
	int rc = 0;

	if (!s)
		return -1;
	if (fputs(s, fp) == EOF)
		rc = error_set(err, ERR_IO, "writing yaml output failed");
	free(s);
	return rc;
}

const char *
output_yaml_version(void)
{
	return yaml_get_version_string();
}

struct output_table {
	int ncols;
	size_t nrows, alloc;
	char **cells; /* (nrows + 1) * ncols, headers first */
};

struct output_table *
output_table_new(int ncols, const char *const *headers)
{
	struct output_table *t = xcalloc(1, sizeof(*t));

	t->ncols = ncols;
	output_table_add(t, headers);
	return t;
}

void
output_table_add(struct output_table *t, const char *const *cells)
{
	int i;

	if (t->nrows == t->alloc) {
		t->alloc = t->alloc ? 2 * t->alloc : 8;
		t->cells = xreallocarray(t->cells, t->alloc * (size_t)t->ncols,
					 sizeof(char *));
	}
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] =
			xstrdup(cells[i] ? cells[i] : "<none>");
	t->nrows++;
}

void
output_table_print(FILE *fp, const struct output_table *t)
{
	size_t *w = xcalloc((size_t)t->ncols, sizeof(size_t));
	size_t r;
	int c;

	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			size_t l = strlen(
				t->cells[r * (size_t)t->ncols + (size_t)c]);

			if (l > w[c])
				w[c] = l;
		}
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			const char *s =
				t->cells[r * (size_t)t->ncols + (size_t)c];

			if (c == t->ncols - 1)
				fprintf(fp, "%s\n", s);
			else
				fprintf(fp, "%-*s   ", (int)w[c], s);
		}
	}
	free(w);
}

void
output_table_free(struct output_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
