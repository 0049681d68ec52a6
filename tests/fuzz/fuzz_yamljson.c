/*
 * libFuzzer target: YAML manifests (recreate --from-file, the state
 * directory) into JSON, and the round trip through our YAML writer: what
 * we read and write back must read the same.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "errors.h"
#include "output.h"
#include "yamljson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	json_t *docs = yamljson_parse((const char *)data, size, "fuzz", &err);
	json_t *doc;
	size_t i;

	error_clear(&err);
	json_array_foreach(docs, i, doc)
	{
		char *yaml;
		json_t *again;

		if (!json_is_object(doc))
			continue;
		yaml = output_yaml_string(doc, &err);
		if (!yaml) {
			error_clear(&err);
			continue;
		}
		again = yamljson_parse(yaml, strlen(yaml), "again", &err);
		if (!again || !json_equal(json_array_get(again, 0), doc))
			abort(); /* our own YAML must read back the same */
		json_decref(again);
		free(yaml);
	}
	json_decref(docs);
	return 0;
}
