/*
 * journal: records survive a reopen, a torn last line is ignored (and
 * ended, so the next record is whole), state files are written whole.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "errors.h"
#include "journal.h"
#include "test.h"
#include "xmalloc.h"

static char *
tmpdir(void)
{
	char tmpl[] = "/tmp/cnpgops-journal-XXXXXX";
	char *d = mkdtemp(tmpl);

	CHECK(d != NULL);
	return xstrdup(d ? d : "/nonexistent");
}

static void
rmdir_all(const char *dir)
{
	const char *files[] = { "journal.jsonl", "state.yaml", NULL };
	size_t i;

	for (i = 0; files[i]; i++) {
		char *p = xasprintf("%s/%s", dir, files[i]);

		unlink(p);
		free(p);
	}
	rmdir(dir);
}

static void
journal_records_survive_a_reopen_and_a_torn_line(void)
{
	char *dir = tmpdir();
	struct error err = ERROR_INIT;
	struct journal *j = NULL;
	const json_t *d;
	char *path;
	int fd;

	CHECK(journal_open(&j, dir, 0, &err) == -1);
	CHECK_INT(err.code, ERR_NOT_FOUND);
	error_clear(&err);
	CHECK(journal_open(&j, dir, 1, &err) == 0);
	CHECK(journal_record(j, "save", "start", NULL, &err) == 0);
	CHECK(journal_record(j, "save", "done",
			     json_pack("{s:s}", "uid", "u-1"), &err) == 0);
	CHECK(journal_record(j, "backup", "start",
			     json_pack("{s:s}", "name", "b-1"), &err) == 0);
	journal_close(j);

	/* a crash in the middle of a write */
	path = xasprintf("%s/journal.jsonl", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	CHECK(fd >= 0);
	CHECK(write(fd, "{\"step\":\"backup\",\"ev", 20) == 20);
	close(fd);

	j = NULL;
	CHECK(journal_open(&j, dir, 0, &err) == 0);
	CHECK_INT(json_array_size(journal_entries(j)), 3);
	d = journal_find(j, "save", "done");
	CHECK_STR(json_string_value(json_object_get(d, "uid")), "u-1");
	CHECK(journal_find(j, "backup", "done") == NULL);
	d = journal_find(j, "backup", "start");
	CHECK_STR(json_string_value(json_object_get(d, "name")), "b-1");
	/* a record without data finds the record itself */
	d = journal_find(j, "save", "start");
	CHECK_STR(json_string_value(json_object_get(d, "step")), "save");
	CHECK(journal_record(j, "backup", "done",
			     json_pack("{s:s}", "backupId", "X"), &err) == 0);
	journal_close(j);

	j = NULL;
	CHECK(journal_open(&j, dir, 0, &err) == 0);
	CHECK_INT(json_array_size(journal_entries(j)), 4);
	d = journal_find(j, "backup", "done");
	CHECK_STR(json_string_value(json_object_get(d, "backupId")), "X");
	journal_close(j);
	free(path);
	rmdir_all(dir);
	free(dir);
}

static void
journal_writes_files_whole_and_private(void)
{
	char *dir = tmpdir();
	struct error err = ERROR_INIT;
	char *path = xasprintf("%s/state.yaml", dir);
	char buf[64] = { 0 };
	struct stat st;
	FILE *f;

	CHECK(journal_write_file(dir, "state.yaml", "a: 1\n", 5, &err) == 0);
	CHECK(journal_write_file(dir, "state.yaml", "b: 2\n", 5, &err) == 0);
	f = fopen(path, "r");
	CHECK(f != NULL);
	if (f) {
		CHECK(fread(buf, 1, sizeof(buf) - 1, f) == 5);
		fclose(f);
	}
	CHECK_STR(buf, "b: 2\n");
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(journal_make_dir(dir, &err) == -1);
	CHECK_INT(err.code, ERR_CONFLICT);
	error_clear(&err);
	free(path);
	rmdir_all(dir);
	free(dir);
}

const struct test journal_tests[] = {
	TEST(journal_records_survive_a_reopen_and_a_torn_line),
	TEST(journal_writes_files_whole_and_private),
	{ NULL, NULL },
};
