/*
 * journal: durable state files and an append-only step journal.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "errors.h"
#include "journal.h"
#include "jsonmem.h"
#include "strbuf.h"
#include "xmalloc.h"

#define JOURNAL_FILE "journal.jsonl"
#define JOURNAL_MAX  (8u << 20)

struct journal {
	char *path;
	int fd;
	json_t *entries;
};

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_all(struct strbuf *sb, int fd, const char *path, struct error *err)
{
	char buf[8192];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return error_set(err, ERR_IO, "cannot read '%s': %s",
					 path, strerror(errno));
		if (n == 0)
			return 0;
		if (sb->len + (size_t)n > JOURNAL_MAX)
			return error_set(err, ERR_IO,
					 "'%s' is larger than 8 MiB", path);
		strbuf_add(sb, buf, (size_t)n);
	}
}

/* Complete lines that parse as objects; a torn tail is left out. */
static json_t *
parse_lines(const char *buf, size_t len)
{
	json_t *arr = json_array();
	size_t start = 0, i;

	for (i = 0; i < len; i++) {
		json_t *v;

		if (buf[i] != '\n')
			continue;
		v = json_loadb(buf + start, i - start, 0, NULL);
		if (json_is_object(v))
			json_array_append_new(arr, v);
		else
			json_decref(v);
		start = i + 1;
	}
	return arr;
}

int
journal_open(struct journal **out, const char *dir, int create,
	     struct error *err)
{
	struct journal *j = xcalloc(1, sizeof(*j));
	struct strbuf sb = STRBUF_INIT;
	int flags = O_RDWR | O_APPEND | O_CLOEXEC | (create ? O_CREAT : 0);

	j->path = xasprintf("%s/%s", dir, JOURNAL_FILE);
	j->fd = open(j->path, flags, 0600);
	if (j->fd < 0) {
		if (errno == ENOENT && !create) {
			error_set(err, ERR_NOT_FOUND,
				  "'%s' has no journal (%s): it is not a "
				  "state directory of this tool",
				  dir, JOURNAL_FILE);
		} else {
			error_set(err, ERR_IO, "cannot open '%s': %s", j->path,
				  strerror(errno));
		}
		goto fail;
	}
	if (read_all(&sb, j->fd, j->path, err))
		goto fail;
	j->entries = parse_lines(sb.buf, sb.len);
	if (sb.len > 0 && sb.buf[sb.len - 1] != '\n' &&
	    write_all(j->fd, "\n", 1) != 0) { /* end the torn line */
		error_set(err, ERR_IO, "cannot write '%s': %s", j->path,
			  strerror(errno));
		goto fail;
	}
	strbuf_release(&sb);
	*out = j;
	return 0;
fail:
	strbuf_release(&sb);
	journal_close(j);
	return -1;
}

void
journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->fd >= 0)
		close(j->fd);
	json_decref(j->entries);
	free(j->path);
	free(j);
}

int
journal_record(struct journal *j, const char *step, const char *event,
	       json_t *data, struct error *err)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;
	json_t *rec;
	char *line;
	size_t len;
	int rc = -1;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	rec = json_pack("{s:s, s:s, s:s}", "time", stamp, "step", step, "event",
			event);
	if (data)
		json_object_set_new(rec, "data", data);
	line = jsonmem_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);
	len = strlen(line);
	line = xrealloc(line, len + 2);
	line[len] = '\n';
	line[len + 1] = 0;
	if (write_all(j->fd, line, len + 1) != 0 || fsync(j->fd) != 0) {
		error_set(err, ERR_IO, "cannot write the journal '%s': %s",
			  j->path, strerror(errno));
	} else {
		json_array_append(j->entries, rec);
		rc = 0;
	}
	free(line);
	json_decref(rec);
	return rc;
}

const json_t *
journal_find(const struct journal *j, const char *step, const char *event)
{
	size_t i = json_array_size(j->entries);

	while (i-- > 0) {
		const json_t *e = json_array_get(j->entries, i);
		const char *s = json_string_value(json_object_get(e, "step"));
		const char *ev = json_string_value(json_object_get(e, "event"));

		if (s && ev && strcmp(s, step) == 0 && strcmp(ev, event) == 0) {
			const json_t *d = json_object_get(e, "data");

			return d ? d : e;
		}
	}
	return NULL;
}

const json_t *
journal_entries(const struct journal *j)
{
	return j->entries;
}

int
journal_write_file(const char *dir, const char *name, const char *data,
		   size_t len, struct error *err)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *tmp = xasprintf("%s/.%s.tmp", dir, name);
	int fd, dfd, rc = -1;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		error_set(err, ERR_IO, "cannot create '%s': %s", tmp,
			  strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		error_set(err, ERR_IO, "cannot write '%s': %s", tmp,
			  strerror(errno));
		close(fd);
		unlink(tmp);
		goto out;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		error_set(err, ERR_IO, "cannot rename '%s' to '%s': %s", tmp,
			  path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	free(path);
	free(tmp);
	return rc;
}

int
journal_make_dir(const char *path, struct error *err)
{
	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno == EEXIST)
		return error_set(err, ERR_CONFLICT, "'%s' exists already",
				 path);
	return error_set(err, ERR_IO, "cannot create the directory '%s': %s",
			 path, strerror(errno));
}
