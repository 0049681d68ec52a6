/*
 * yamljson: Kubernetes manifests in YAML read into JSON values, the way
 * kubectl reads them (YAML 1.2's JSON-compatible subset plus the usual
 * plain scalars): mappings become objects (keys are strings), sequences
 * arrays; a plain scalar is null (null, Null, NULL, ~, empty), a boolean
 * (true/false in those three spellings), an integer (decimal, optional
 * sign, fitting in 64 bits) or a number (decimal with a fraction or an
 * exponent); anything quoted, and every other plain scalar, is a string.
 * Anchors and aliases are refused (a manifest has no need for them, and
 * they make billion-laughs documents), as are nesting deeper than 64
 * levels and duplicate keys.
 */
#ifndef CNPGOPS_YAMLJSON_H
#define CNPGOPS_YAMLJSON_H

#include <stddef.h>

#include <jansson.h>

struct error;

/*
 * Parse every document of data (len bytes; "---" separates them) into a
 * new JSON array, one element per non-empty document.  what names the
 * input in messages ("file 'x.yaml'").  Errors: ERR_CONFIG with
 * "WHAT:LINE:COLUMN: problem".
 */
json_t *yamljson_parse(const char *data, size_t len, const char *what,
		       struct error *err);

/*
 * Read the file at path and parse it (yamljson_parse).  Errors: ERR_IO
 * when it cannot be read (larger than 16 MiB included), else as above.
 */
json_t *yamljson_read_file(const char *path, struct error *err);

#endif
