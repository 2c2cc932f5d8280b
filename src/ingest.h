/* The whole path from bytes to records, without touching the filesystem:
 * a mail (headers, MIME, transfer encoding) or a saved report file ->
 * report attachment -> JSON -> validated report -> JSON Lines.  This is
 * what main.c stores and what the whole-path fuzz target exercises. */
#ifndef TLSRPT_INGEST_H
#define TLSRPT_INGEST_H

#include <stddef.h>
#include "err.h"
#include "limits.h"
#include "report.h"
#include "util.h"

struct ingest_env {
	const char *received_at;  /* "YYYY-MM-DDTHH:MM:SSZ" */
	const char *source;       /* "mail", "file" or "http" */
	const char *recipient;    /* from the MTA's environment, may be NULL */
	const char *filename;     /* --file: the saved file's base name, else NULL */
	const char *client_ip;    /* http: the client's address (REMOTE_ADDR), else NULL */
	const struct strlist *trusted_authserv_ids; /* Authentication-Results fields to
				   * believe (--trust-authserv-id); NULL or empty: none,
				   * and the records' dkim is null */
	int require_dkim;         /* a mail without an aligned DKIM pass is ERR_INPUT */
};

/* Seconds a report's date-range may start after received_at (one day):
 * later is ERR_INPUT "date-range.start-datetime ... is more than one day
 * after the delivery time ...", so no daily file is made for a date
 * more than one day ahead. */
#define INGEST_FUTURE_SLACK 86400

struct ingest_result {
	struct report report;
	struct buf lines;         /* one JSON line per policy */
	char day[11];             /* "YYYY-MM-DD": UTC date of the report start */
	char where[160];          /* which part/file held the report, for logs */
};

void ingest_init(struct ingest_result *r);
void ingest_free(struct ingest_result *r);

/* A raw RFC 5322 message (an mbox "From " line may lead).  On success the
 * result holds the first valid report found.  The parts share one budget:
 * together they may inflate to limits_inflate_budget(l) bytes, and at most
 * l->max_failed_parts of them may fail; then ERR_INPUT "gave up after N
 * failed parts ...; first: <the first part error>".  Otherwise -1 with
 * ERR_NOREPORT (no report attachment), ERR_INPUT (the report is broken;
 * the reason names the part; or env->require_dkim and no aligned DKIM
 * pass: "no aligned DKIM pass: ..."), or ERR_TEMP (out of memory).
 * The records' dkim comes from the Authentication-Results fields of
 * env->trusted_authserv_ids.  A TLS-Report-Submitter that does not match
 * the contact-info domain (RFC 8460 §5.3), and a TLS-Report-Domain or
 * Subject "Report Domain:" that is not one of the report's policy domains
 * (§5.6: the report is authoritative) are warnings, never rejections. */
int ingest_mail(const unsigned char *p, size_t n, const struct limits *l,
		const struct ingest_env *env, struct ingest_result *out, struct err *e);

/* A saved report file (.json, .json.gz, .gz, .zip) or, when its bytes are
 * neither JSON nor compressed, a saved .eml handed to ingest_mail. */
int ingest_file(const unsigned char *p, size_t n, const struct limits *l,
		const struct ingest_env *env, struct ingest_result *out, struct err *e);

/* An HTTPS POST body (RFC 8460 §5.4): gzip or plain JSON (zlib and zip
 * are tolerated), sent as media_type ("application/tlsrpt+gzip", ...; may
 * be NULL).  An empty body or one that is neither is ERR_INPUT; a body
 * that does not match its media type, or a type other than
 * application/tlsrpt+*, is a warning.  Errors as for ingest_file. */
int ingest_http(const unsigned char *p, size_t n, const char *media_type,
		const struct limits *l, const struct ingest_env *env,
		struct ingest_result *out, struct err *e);

#endif
