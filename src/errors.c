/*
 * The error type: first error wins, context is prefixed on the way up.
 */
#include <stdarg.h>
#include <stdlib.h>

#include "errors.h"
#include "strbuf.h"
#include "xmalloc.h"

int
error_set(struct error *err, enum error_code code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code != ERR_OK)
		return -1;
	err->code = code == ERR_OK ? ERR_INTERNAL : code;
	va_start(ap, fmt);
	err->msg = xvasprintf(fmt, ap);
	va_end(ap);
	return -1;
}

static void set_hint(struct error *err, int replace, const char *fmt,
		     va_list ap) __attribute__((format(printf, 3, 0)));

static void
set_hint(struct error *err, int replace, const char *fmt, va_list ap)
{
	if (!err || err->code == ERR_OK)
		return;
	if (err->hint && !replace)
		return;
	free(err->hint);
	err->hint = xvasprintf(fmt, ap);
}

void
error_hint(struct error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_hint(err, 1, fmt, ap);
	va_end(ap);
}

void
error_hint_default(struct error *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	set_hint(err, 0, fmt, ap);
	va_end(ap);
}

void
error_prefix(struct error *err, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	if (!err || err->code == ERR_OK)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	strbuf_addstr(&sb, err->msg ? err->msg : "");
	free(err->msg);
	err->msg = strbuf_detach(&sb, NULL);
}

void
error_clear(struct error *err)
{
	if (!err)
		return;
	free(err->msg);
	free(err->hint);
	err->code = ERR_OK;
	err->msg = NULL;
	err->hint = NULL;
}

void
error_move(struct error *dst, struct error *src)
{
	if (!src || src->code == ERR_OK)
		return;
	if (dst && dst->code == ERR_OK) {
		*dst = *src;
		src->code = ERR_OK;
		src->msg = NULL;
		src->hint = NULL;
		return;
	}
	error_clear(src);
}

int
error_exit_status(enum error_code code)
{
	switch (code) {
	case ERR_OK:
		return 0;
	case ERR_USAGE:
		return 2;
	case ERR_PRECONDITION:
		return 3;
	case ERR_TIMEOUT:
		return 4;
	default:
		return 1;
	}
}

const char *
error_code_name(enum error_code code)
{
	switch (code) {
	case ERR_OK:
		return "ok";
	case ERR_USAGE:
		return "usage";
	case ERR_CONFIG:
		return "config";
	case ERR_NOT_FOUND:
		return "not-found";
	case ERR_CONFLICT:
		return "conflict";
	case ERR_PRECONDITION:
		return "precondition";
	case ERR_TIMEOUT:
		return "timeout";
	case ERR_KUBE_API:
		return "kube-api";
	case ERR_OBJSTORE:
		return "object-store";
	case ERR_CATALOG:
		return "catalog";
	case ERR_IO:
		return "io";
	case ERR_INTERNAL:
		return "internal";
	}
	return "internal";
}
