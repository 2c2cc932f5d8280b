/* The tlsrpt-lda program around the library: main.c (options, wiring,
 * mail and --file deliveries, the log) lends cgimain.c (one HTTPS POST as
 * a CGI program) what is declared here.  Only these two files include
 * it; no module of libtlsrpt.a does. */
#ifndef TLSRPT_LDA_H
#define TLSRPT_LDA_H

#include <stddef.h>
#include "err.h"
#include "ingest.h"
#include "limits.h"
#include "spool.h"
#include "util.h"

/* sysexits(3); only 75 makes Postfix and Exim retry */
#define EXIT_OK 0
#define EXIT_USAGE 64
#define EXIT_DATAERR 65
#define EXIT_NOINPUT 66
#define EXIT_TEMPFAIL 75

enum log_target { LOG_TO_SYSLOG, LOG_TO_STDERR };

struct options {
	const char *spool;
	int to_stdout;
	int reject_invalid;
	int quiet;
	int cgi;                 /* --cgi: nothing else makes a web endpoint */
	int require_dkim;
	struct strlist trusted;  /* --trust-authserv-id */
	enum log_target log;
	struct limits limits;
	char **files;
	size_t n_files;
	int expire_days;         /* --expire DAYS; 0 = deliver */
};

/* main.c */
void logmsg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void format_now(char out[21]);
int write_stdout(const struct buf *b, struct err *e);
int deliver_report(struct spool *sp, struct ingest_result *res, int *dup,
		   const char *client, struct err *e);
int keep_message(struct spool *sp, const struct buf *msg, const struct err *why);

/* cgimain.c: the one response on stdout (a body not read yet is drained
 * first); EXIT_OK once it is written, else EXIT_TEMPFAIL (logged). */
int cgimain_respond(const struct options *o, int status, const char *text);
/* Answer the request in the environment; the same exit statuses. */
int cgimain_run(const struct options *o);

#endif
