/*
 * libFuzzer target: the time, Go duration and flag duration parsers, and
 * the formatters on whatever parses.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "timefmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	struct timefmt_target t;
	struct timefmt_time now = { 1795000000, 0 };
	struct error err = ERROR_INIT;
	int64_t d;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (timefmt_parse_target(&t, s, now, &err) == 0) {
		free(timefmt_format_rfc3339(t.time));
		free(timefmt_format_pg(t.time));
	}
	error_clear(&err);
	if (timefmt_parse_go_duration(&d, s, &err) == 0)
		free(timefmt_format_duration(d / 1000000000));
	error_clear(&err);
	(void)timefmt_parse_duration(&d, s, TIMEFMT_BARE_SECONDS, &err);
	error_clear(&err);
	free(s);
	return 0;
}
