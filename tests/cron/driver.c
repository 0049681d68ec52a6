/*
 * A test driver for src/cron.c, used by tests/cron/oracle.py.  Each input
 * line is "AFTER COUNT EXPR" (AFTER in epoch seconds, EXPR the rest of the
 * line); each output line is COUNT successive cron_next results ("-1" when
 * there is none), or "error: MESSAGE" when EXPR does not parse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cron.h"
#include "errors.h"

int
main(void)
{
	char line[4096];

	while (fgets(line, sizeof(line), stdin)) {
		struct error err = ERROR_INIT;
		struct cron_schedule *s = NULL;
		char *p, *expr;
		long long after;
		long count, i;

		line[strcspn(line, "\n")] = '\0';
		after = strtoll(line, &p, 10);
		count = strtol(p, &expr, 10);
		if (p == line || expr == p || *expr != ' ' || count < 1) {
			fprintf(stderr, "driver: bad line '%s'\n", line);
			return 2;
		}
		expr++;
		if (cron_parse(&s, expr, &err) < 0) {
			printf("error: %s\n", err.msg);
			error_clear(&err);
			continue;
		}
		for (i = 0; i < count; i++) {
			time_t t = cron_next(s, (time_t)after);

			printf("%s%lld", i ? " " : "", (long long)t);
			if (t == (time_t)-1)
				break;
			after = (long long)t;
		}
		putchar('\n');
		cron_free(s);
	}
	return ferror(stdout) ? 1 : 0;
}
