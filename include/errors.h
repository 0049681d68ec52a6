/*
 * The error type every fallible function fills (libgit2's model).
 *
 * A function that can fail returns -1 (or NULL) and describes the failure in
 * a struct error passed as its last parameter.  The first error set wins:
 * later calls to error_set() are ignored, so a failure during cleanup cannot
 * hide the cause.  Callers add context on the way up with error_prefix().
 * Only cmd/main.c prints an error and maps its code to an exit status.
 */
#ifndef CNPGOPS_ERRORS_H
#define CNPGOPS_ERRORS_H

enum error_code {
	ERR_OK = 0,
	ERR_USAGE, /* bad flags or operands: exit 2 */
	ERR_CONFIG, /* kubeconfig, credentials, RBAC, configuration */
	ERR_NOT_FOUND, /* an object that should exist does not */
	ERR_CONFLICT, /* the object exists or changed under us */
	ERR_PRECONDITION, /* refused: a precondition does not hold: exit 3 */
	ERR_TIMEOUT, /* gave up waiting: exit 4 */
	ERR_KUBE_API, /* the Kubernetes API answered with an error */
	ERR_OBJSTORE, /* the object store answered with an error */
	ERR_CATALOG, /* the barman catalog is malformed or incomplete */
	ERR_IO, /* files, sockets, processes */
	ERR_INTERNAL /* a bug */
};

struct error {
	enum error_code code;
	char *msg; /* lower case, no full stop; NULL while code is ERR_OK */
	char *hint; /* a runnable next step, or NULL */
};

#define ERROR_INIT                 \
	{                          \
		ERR_OK, NULL, NULL \
	}

/*
 * Record an error unless one is already set.  Always returns -1 so that
 * "return error_set(err, ...)" reads naturally.  err may be NULL.
 */
int error_set(struct error *err, enum error_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Set the hint of the current error, replacing an earlier one. */
void error_hint(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Set the hint only if the current error has none yet. */
void error_hint_default(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prepend context to the current message: "reading catalog: " + msg. */
void error_prefix(struct error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Free the message and hint and reset err to ERROR_INIT. */
void error_clear(struct error *err);

/* Move the error in src into dst (if dst has none yet); src is cleared. */
void error_move(struct error *dst, struct error *src);

/*
 * The process exit status for an error code: 0 ok, 1 failure, 2 usage,
 * 3 precondition refused, 4 timed out.
 */
int error_exit_status(enum error_code code);

/* A stable lower-case name for the code, used in -o json error output. */
const char *error_code_name(enum error_code code);

#endif
