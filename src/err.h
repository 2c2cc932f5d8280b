/* The error value every module returns up to main.c, which alone turns it
 * into a log line and an exit code.  The class decides the exit code; the
 * reason is one short human line (no newline) for syslog and stderr. */
#ifndef TLSRPT_ERR_H
#define TLSRPT_ERR_H

enum err_class {
	ERR_OK = 0,
	ERR_TEMP,      /* transient: disk full, I/O error, lock timeout, ENOMEM -> exit 75 */
	ERR_INPUT,     /* hostile or malformed input: quarantine the message */
	ERR_NOREPORT,  /* well-formed mail that simply holds no report: quarantine */
	ERR_DUPLICATE, /* report already stored: exit 0 */
	ERR_CONFIG,    /* our own setup is wrong (spool missing, bad mode): exit 75 */
	ERR_USAGE      /* bad command line: exit 64 */
};

#define ERR_REASON_MAX 200

struct err {
	enum err_class cls;
	char reason[ERR_REASON_MAX];
};

/* Fill e (if not NULL) and return -1, so callers can write
 * `return err_set(e, ERR_INPUT, "bad %s", what);`. */
int err_set(struct err *e, enum err_class cls, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ERR_TEMP "<what> <name>: <errno's text>" for a failed system call (a
 * full disk or quota named as such). */
int err_errno(struct err *e, const char *what, const char *name);

/* Shorthand for the most common temp failure. */
int err_nomem(struct err *e);

void err_clear(struct err *e);

#endif
