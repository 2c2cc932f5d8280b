/* HTTPS report submission (RFC 8460 §5.4) as a CGI program (RFC 3875):
 * the web server terminates TLS and hands us the POST.  cgimain.c reads
 * the meta-variables from the environment and passes them here as strings;
 * this module decides, before a byte of the body is read, whether to read
 * it, reads exactly CONTENT_LENGTH bytes, and formats the one response. */
#ifndef TLSRPT_CGI_H
#define TLSRPT_CGI_H

#include <stddef.h>
#include "err.h"
#include "util.h"

#define CGI_RETRY_AFTER 3600     /* seconds, sent with every 503 */
#define CGI_MEDIA_MAX 64         /* bytes incl. NUL of a media type */
#define CGI_TEXT_MAX 300         /* bytes of the one-line response body */
/* Bytes of a rejected request body kept in quarantine: anyone can POST,
 * so what one request adds there is bounded (the reason says it was cut
 * and gives the length). */
#define CGI_KEEP_MAX ((size_t)64 << 10)

struct cgi_request {
	size_t length;                   /* CONTENT_LENGTH: exactly this many bytes to read */
	char media_type[CGI_MEDIA_MAX];  /* lowercased type/subtype, no parameters */
};

/* 1 if GATEWAY_INTERFACE (may be NULL) says we run under a CGI server
 * ("CGI/1.1"), else 0.  It never selects the CGI mode (only --cgi does);
 * with cgi_query_is_argv it tells that argv may be a client's. */
int cgi_detect(const char *gateway_interface);

/* 1 if the server may have turned QUERY_STRING (may be NULL) into
 * command-line arguments (RFC 3875 §4.4: a non-empty query without an
 * unencoded '='; Apache does so), so argv must not be trusted; else 0. */
int cgi_query_is_argv(const char *query_string);

/* Decide from REQUEST_METHOD, CONTENT_TYPE and CONTENT_LENGTH (each NULL
 * when unset) whether to read the body.  Returns 0 with req filled: read
 * req->length bytes.  Otherwise the HTTP status to answer without reading
 * (checked in this order): 405 not POST; 415 a media type other than
 * application/tlsrpt+gzip, application/tlsrpt+json, application/gzip or
 * application/json (parameters ignored); 411 no CONTENT_LENGTH; 400 a
 * CONTENT_LENGTH that is not a decimal number; 413 more than max_body
 * bytes.  why[cap] gets the one-line reason. */
int cgi_check_request(const char *method, const char *content_type,
		      const char *content_length, size_t max_body,
		      struct cgi_request *req, char *why, size_t cap);

/* Read exactly length bytes of fd into out (appended), never more.  End
 * of input before that is ERR_INPUT ("request body shorter than
 * CONTENT_LENGTH (N of M bytes)"); read errors and ENOMEM are ERR_TEMP. */
int cgi_read_body(int fd, size_t length, struct buf *out, struct err *e);

/* Read and discard what is left of a body we refuse without reading it:
 * at most CONTENT_LENGTH bytes (content_length, may be NULL) or, without
 * one, at most cap bytes; stops at end of input, on an error, or after
 * CGI_DRAIN_QUIET_MS without data (a server that keeps stdin open must
 * not hold the response back).  A server that pipes the body into the
 * program (Apache's mod_cgid) otherwise gets EPIPE writing it when we
 * exit first, and the client an empty or cut-short reply instead of our
 * status.  Best effort: nothing to report. */
#define CGI_DRAIN_QUIET_MS 2000
void cgi_drain(int fd, const char *content_length, size_t cap);

/* The HTTP status for an outcome: ERR_OK 201, ERR_DUPLICATE 200,
 * ERR_INPUT and ERR_NOREPORT 400, everything else (temporary or
 * configuration failures) 503. */
int cgi_status_for(enum err_class cls);

/* "Created", "Method Not Allowed", ... ("Error" for unknown codes). */
const char *cgi_reason_phrase(int status);

/* Append the whole CGI response to out:
 *   Status: <code> <phrase>
 *   Allow: POST                 (405 only)
 *   Retry-After: 3600           (503 only)
 *   Content-Type: text/plain
 *   <blank line>
 *   <text>\n
 * Lines end in CRLF except the body's.  text is cut to CGI_TEXT_MAX bytes
 * and every byte outside printable ASCII becomes '?', so the body is one
 * line whatever a reason holds.  Returns 0 or -1 on ENOMEM. */
int cgi_response(int status, const char *text, struct buf *out);

/* REMOTE_ADDR (may be NULL) as an IPv4 or IPv6 address in out[cap], or
 * -1 (out gets "") when it is not one. */
int cgi_client_ip(const char *remote_addr, char *out, size_t cap);

#endif
