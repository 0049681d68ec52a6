/*
 * A growable string (git's strbuf).  buf is never NULL and always
 * NUL-terminated, so sb.buf can be passed anywhere a C string is expected.
 */
#ifndef CNPGOPS_STRBUF_H
#define CNPGOPS_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

extern char strbuf_empty_[];
#define STRBUF_INIT                 \
	{                           \
		strbuf_empty_, 0, 0 \
	}

void strbuf_init(struct strbuf *sb, size_t hint);
void strbuf_release(struct strbuf *sb);
/* Like strbuf_release, but zeroes the contents first (for secrets). */
void strbuf_release_secret(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
void strbuf_setlen(struct strbuf *sb, size_t len);
/* Remove trailing white space. */
void strbuf_rtrim(struct strbuf *sb);

/*
 * Append the file at path, at most max bytes of it (the rest is not read);
 * the stack buffer it reads through is cleared, so the file may hold a
 * secret.  Returns 0, or -1 with errno set when it cannot be opened or
 * read.
 */
int strbuf_read_file(struct strbuf *sb, const char *path, size_t max);

/*
 * Hand the buffer to the caller (who frees it) and leave sb empty.  If len
 * is not NULL it receives the length.
 */
char *strbuf_detach(struct strbuf *sb, size_t *len);

#endif
