/*
 * libFuzzer target: base64 decoding of Secret data, and the round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct error err = ERROR_INIT;
	size_t len = 0, len2 = 0;
	char *dec = base64_decode(&len, (const char *)data, size, "fuzz", &err);
	char *enc, *again;

	error_clear(&err);
	enc = base64_encode(data, size);
	again = base64_decode(&len2, enc, strlen(enc), "fuzz", &err);
	if (!again || len2 != size || memcmp(again, data, size) != 0)
		abort(); /* encode then decode must give the input back */
	free(again);
	free(enc);
	free(dec);
	return 0;
}
