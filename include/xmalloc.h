/*
 * Allocation wrappers.  Running out of memory is fatal: these print a
 * message and exit(1), so callers never check for NULL.  This is the only
 * module of src/ allowed to exit.
 */
#ifndef CNPGOPS_XMALLOC_H
#define CNPGOPS_XMALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

/* Fail as an allocation does (for libraries that allocate themselves). */
void xalloc_die(void) __attribute__((noreturn));

/* Overwrite a secret string with zeros (explicit_bzero), then free it. */
void free_secret(char *s);

/* Overwrite len bytes of a secret buffer with zeros, then free it. */
void free_secret_len(void *p, size_t len);

#endif
