/* tlsrpt-lda --cgi: one HTTPS POST (RFC 8460 §5.4) through the web
 * server's CGI, answered with one HTTP status.  Only --cgi leads here;
 * the environment never makes a delivery agent a web endpoint.
 *
 * The meta-variables are read here and judged by cgi.c before a byte of
 * the body is read; a body that passes is parsed and stored as main.c
 * stores a mail (deliver_report, keep_message), one refused unread is
 * drained before the answer (cgi_drain says why), and a rejected one is
 * quarantined with at most its first CGI_KEEP_MAX bytes.  503 plays the
 * part of exit 75; the exit status is 0 once a response is written. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>

#include "cgi.h"
#include "lda.h"

/* Set once store() has read the body: a response before that drains it
 * first. */
static int body_read;

int cgimain_respond(const struct options *o, int status, const char *text)
{
	struct buf b;
	struct err e;
	int rc = EXIT_OK;
	size_t cap;

	if (!body_read) {
		if (size_add(o->limits.max_message, (size_t)1 << 20, &cap) < 0)
			cap = SIZE_MAX;
		cgi_drain(STDIN_FILENO, getenv("CONTENT_LENGTH"), cap);
	}
	buf_init(&b);
	err_clear(&e);
	if (cgi_response(status, text, &b) < 0)
		err_nomem(&e);
	if (e.cls != ERR_OK || write_stdout(&b, &e) < 0) {
		logmsg(LOG_ERR, "http %d: cannot write the response: %s", status, e.reason);
		rc = EXIT_TEMPFAIL;
	}
	buf_free(&b);
	return rc;
}

/* Quarantine a rejected request body: only its first CGI_KEEP_MAX bytes,
 * and the reason says so.  0 kept, -1 not (logged by keep_message). */
static int keep_body(struct spool *sp, const struct buf *body, const char *ip,
		     const struct err *e)
{
	struct buf head = *body;
	struct err why;

	if (body->n <= CGI_KEEP_MAX) {
		err_set(&why, e->cls, "http client %s: %s", ip, e->reason);
	} else {
		head.n = CGI_KEEP_MAX;
		err_set(&why, e->cls, "http client %s, body cut to its first %zu of %zu bytes: %s",
			ip, CGI_KEEP_MAX, body->n, e->reason);
	}
	return keep_message(sp, &head, &why);
}

/* Read, parse and store the body the request checks let through.
 * Returns the HTTP status; text gets the response line.  Every outcome is
 * logged here or by deliver_report/keep_message. */
static int store(const struct options *o, struct spool *sp, const struct cgi_request *req,
		 const struct ingest_env *env, char *text, size_t cap)
{
	const char *ip = env->client_ip ? env->client_ip : "-";
	struct ingest_result res;
	struct buf body;
	struct err e;
	int dup = 0, status = 503;

	buf_init(&body);
	ingest_init(&res);
	err_clear(&e);
	snprintf(text, cap, "temporary failure, retry later");
	body_read = 1;
	if (cgi_read_body(STDIN_FILENO, req->length, &body, &e) < 0) {
		/* a body cut short is incomplete, not a report to keep */
		status = cgi_status_for(e.cls);
		if (status == 400) {
			logmsg(LOG_NOTICE, "http 400 client=%s reason=\"%s\"", ip, e.reason);
			snprintf(text, cap, "bad request: %s", e.reason);
		} else {
			logmsg(LOG_ERR, "deferred reason=\"%s\" client=%s", e.reason, ip);
		}
	} else if (ingest_http(body.p ? body.p : (const unsigned char *)"", body.n, req->media_type,
			       &o->limits, env, &res, &e) < 0) {
		status = cgi_status_for(e.cls);
		if (status == 400 && keep_body(sp, &body, ip, &e) == 0)
			snprintf(text, cap, "invalid report: %s", e.reason);
		else if (status == 400)
			status = 503;       /* logged by keep_message */
		else
			logmsg(LOG_ERR, "deferred reason=\"%s\" client=%s", e.reason, ip);
	} else if (deliver_report(sp, &res, &dup, ip, &e) < 0) {
		logmsg(LOG_ERR, "deferred reason=\"%s\" client=%s", e.reason, ip);
	} else {
		status = dup ? 200 : 201;
		snprintf(text, cap, "%s", dup ? "duplicate report, already stored" : "report stored");
	}
	ingest_free(&res);
	buf_free(&body);
	return status;
}

int cgimain_run(const struct options *o)
{
	struct ingest_env env = { .source = "http", .trusted_authserv_ids = &o->trusted };
	struct cgi_request req;
	struct spool sp = { .dirfd = -1, .lockfd = -1 };
	struct err e;
	char now[21], ip[64], text[ERR_REASON_MAX + 40];
	int status;

	cgi_client_ip(getenv("REMOTE_ADDR"), ip, sizeof ip);
	env.client_ip = ip[0] != '\0' ? ip : NULL;
	status = cgi_check_request(getenv("REQUEST_METHOD"), getenv("CONTENT_TYPE"),
				   getenv("CONTENT_LENGTH"), o->limits.max_message,
				   &req, text, sizeof text);
	if (status != 0) {
		logmsg(LOG_NOTICE, "http %d client=%s reason=\"%s\"", status, ip[0] ? ip : "-", text);
		return cgimain_respond(o, status, text);
	}
	format_now(now);
	env.received_at = now;
	err_clear(&e);
	if (spool_open(&sp, o->spool, &e) < 0) {
		logmsg(LOG_ERR, "deferred reason=\"%s\" client=%s", e.reason, ip[0] ? ip : "-");
		return cgimain_respond(o, 503, "temporary failure, retry later");
	}
	status = store(o, &sp, &req, &env, text, sizeof text);
	spool_close(&sp);
	return cgimain_respond(o, status, text);
}
