/*
 * libFuzzer target: cron_parse on arbitrary text, then cron_next from a
 * few instants on whatever parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "errors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct cron_schedule *c = NULL;
	struct error err = ERROR_INIT;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cron_parse(&c, s, &err) == 0) {
		time_t t = 0;
		int i;

		for (i = 0; i < 3 && t != (time_t)-1; i++)
			t = cron_next(c, t + 1800000000);
		cron_free(c);
	}
	free(cron_suggest_six_fields(s));
	(void)cron_field_count(s);
	error_clear(&err);
	free(s);
	return 0;
}
