/*
 * strbuf: growth, formatting, detach, and the error type's first-wins rule.
 */
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "strbuf.h"
#include "test.h"

static void
strbuf_starts_empty_and_terminated(void)
{
	struct strbuf sb = STRBUF_INIT;

	CHECK(sb.buf != NULL);
	CHECK_STR(sb.buf, "");
	CHECK_INT(sb.len, 0);
	strbuf_release(&sb);
}

static void
strbuf_grows_past_the_first_allocation(void)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	for (i = 0; i < 1000; i++)
		strbuf_addf(&sb, "%d,", i % 10);
	CHECK_INT(sb.len, 2000);
	CHECK(sb.buf[sb.len] == '\0');
	CHECK(strncmp(sb.buf, "0,1,2,", 6) == 0);
	strbuf_release(&sb);
}

static void
strbuf_detach_hands_over_and_resets(void)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len = 0;
	char *s;

	strbuf_addstr(&sb, "hello");
	strbuf_addch(&sb, '!');
	s = strbuf_detach(&sb, &len);
	CHECK_STR(s, "hello!");
	CHECK_INT(len, 6);
	CHECK_STR(sb.buf, "");
	free(s);
	s = strbuf_detach(&sb, NULL);
	CHECK_STR(s, "");
	free(s);
}

static void
strbuf_rtrim_removes_trailing_space(void)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "token \n\t");
	strbuf_rtrim(&sb);
	CHECK_STR(sb.buf, "token");
	strbuf_release(&sb);
}

static void
error_first_one_wins_and_prefix_adds_context(void)
{
	struct error err = ERROR_INIT;

	CHECK_INT(
		error_set(&err, ERR_NOT_FOUND, "cluster '%s' not found", "pg1"),
		-1);
	error_set(&err, ERR_IO, "later failure");
	error_prefix(&err, "reading %s: ", "catalog");
	error_hint(&err, "run '%s'", "kubectl cnpgops catalog pg1");
	CHECK_INT(err.code, ERR_NOT_FOUND);
	CHECK_STR(err.msg, "reading catalog: cluster 'pg1' not found");
	CHECK_STR(err.hint, "run 'kubectl cnpgops catalog pg1'");
	CHECK_INT(error_exit_status(err.code), 1);
	error_clear(&err);
	CHECK_INT(err.code, ERR_OK);
	CHECK(err.msg == NULL);
}

static void
error_codes_map_to_documented_exit_status(void)
{
	CHECK_INT(error_exit_status(ERR_OK), 0);
	CHECK_INT(error_exit_status(ERR_USAGE), 2);
	CHECK_INT(error_exit_status(ERR_PRECONDITION), 3);
	CHECK_INT(error_exit_status(ERR_TIMEOUT), 4);
	CHECK_INT(error_exit_status(ERR_KUBE_API), 1);
}

const struct test strbuf_tests[] = {
	TEST(strbuf_starts_empty_and_terminated),
	TEST(strbuf_grows_past_the_first_allocation),
	TEST(strbuf_detach_hands_over_and_resets),
	TEST(strbuf_rtrim_removes_trailing_space),
	TEST(error_first_one_wins_and_prefix_adds_context),
	TEST(error_codes_map_to_documented_exit_status),
	{ NULL, NULL },
};
