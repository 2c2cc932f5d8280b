/* CGI request checks and responses (RFC 3875 §4.1, §6.3).
 *
 * Everything that can refuse a request is decided from the meta-variables
 * alone, before the body is read: a sender that gets 411/413/415 never
 * makes us buffer anything.  The body is then read to exactly
 * CONTENT_LENGTH bytes: RFC 3875 §4.2 says the script must not read more,
 * and a body that ends early is the client's fault (400), not ours.  A
 * body refused unread is drained (read and thrown away, bounded) before
 * the answer, for servers that pipe it into the program.
 *
 * Responses are one document: a Status header (plus Allow for 405 and
 * Retry-After for 503, which is what makes an RFC 8460 §5.5 sender retry
 * for up to a day, like exit 75 makes an MTA retry), Content-Type and a
 * one-line plain-text body.  The only I/O here is the body read. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgi.h"
#include "header.h"

int cgi_detect(const char *gateway_interface)
{
	return gateway_interface != NULL && strncmp(gateway_interface, "CGI/", 4) == 0;
}

int cgi_query_is_argv(const char *query_string)
{
	return query_string != NULL && query_string[0] != '\0' &&
	       strchr(query_string, '=') == NULL;
}

static int accepted_type(const char *t)
{
	static const char *const types[] = {
		"application/tlsrpt+gzip", "application/tlsrpt+json",
		"application/gzip", "application/json", NULL
	};

	for (size_t i = 0; types[i] != NULL; i++)
		if (strcmp(t, types[i]) == 0)
			return 1;
	return 0;
}

/* Decimal digits only (no sign, no spaces): 0 with *out, -1 not a number,
 * -2 a number too large for size_t. */
static int parse_length(const char *s, size_t *out)
{
	size_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (size_mul(v, 10, &v) < 0 || size_add(v, (size_t)(*s - '0'), &v) < 0)
			return -2;
	}
	*out = v;
	return 0;
}

int cgi_check_request(const char *method, const char *content_type,
		      const char *content_length, size_t max_body,
		      struct cgi_request *req, char *why, size_t cap)
{
	int rc;

	req->length = 0;
	req->media_type[0] = '\0';
	if (method == NULL || strcmp(method, "POST") != 0) {
		snprintf(why, cap, "method not allowed: reports are sent with POST");
		return 405;
	}
	if (content_type == NULL ||
	    header_media_type((const unsigned char *)content_type, strlen(content_type),
			      req->media_type, sizeof req->media_type) < 0 ||
	    !accepted_type(req->media_type)) {
		snprintf(why, cap, "unsupported media type: send application/tlsrpt+gzip or application/tlsrpt+json");
		return 415;
	}
	if (content_length == NULL || content_length[0] == '\0') {
		snprintf(why, cap, "length required: no Content-Length");
		return 411;
	}
	rc = parse_length(content_length, &req->length);
	if (rc == -1) {
		snprintf(why, cap, "bad request: invalid Content-Length");
		return 400;
	}
	if (rc == -2 || req->length > max_body) {
		snprintf(why, cap, "request too large: limit %zu bytes", max_body);
		return 413;
	}
	return 0;
}

int cgi_read_body(int fd, size_t length, struct buf *out, struct err *e)
{
	size_t got = 0;

	if (buf_reserve(out, length) < 0)
		return err_nomem(e);
	while (got < length) {
		ssize_t r = read(fd, out->p + out->n, length - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_set(e, ERR_TEMP, "read request body: %s", strerror(errno));
		if (r == 0)
			return err_set(e, ERR_INPUT, "request body shorter than CONTENT_LENGTH (%zu of %zu bytes)",
				       got, length);
		got += (size_t)r;
		out->n += (size_t)r;
	}
	if (out->p != NULL)
		out->p[out->n] = '\0';
	return 0;
}

void cgi_drain(int fd, const char *content_length, size_t cap)
{
	unsigned char sink[8192];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t want = cap, got = 0;

	if (content_length != NULL && parse_length(content_length, &want) != 0)
		want = cap;
	if (want > cap)
		want = cap;
	while (got < want) {
		size_t n = want - got < sizeof sink ? want - got : sizeof sink;
		ssize_t r;
		int ready = poll(&p, 1, CGI_DRAIN_QUIET_MS);

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return;
		r = read(fd, sink, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		got += (size_t)r;
	}
}

int cgi_status_for(enum err_class cls)
{
	switch (cls) {
	case ERR_OK: return 201;
	case ERR_DUPLICATE: return 200;
	case ERR_INPUT:
	case ERR_NOREPORT: return 400;
	case ERR_TEMP:
	case ERR_CONFIG:
	case ERR_USAGE:
	default: return 503;
	}
}

const char *cgi_reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 405: return "Method Not Allowed";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 503: return "Service Unavailable";
	default: return "Error";
	}
}

int cgi_response(int status, const char *text, struct buf *out)
{
	char head[160];
	size_t n = 0;
	int rc;

	snprintf(head, sizeof head, "Status: %d %s\r\n%s", status, cgi_reason_phrase(status),
		 status == 405 ? "Allow: POST\r\n" : "");
	if (status == 503)
		snprintf(head + strlen(head), sizeof head - strlen(head), "Retry-After: %d\r\n",
			 CGI_RETRY_AFTER);
	rc = buf_append_str(out, head);
	if (rc == 0)
		rc = buf_append_str(out, "Content-Type: text/plain\r\n\r\n");
	for (; rc == 0 && text != NULL && text[n] != '\0' && n < CGI_TEXT_MAX; n++) {
		unsigned char c = (unsigned char)text[n];

		rc = buf_append_byte(out, c >= 0x20 && c < 0x7f ? c : '?');
	}
	if (rc == 0)
		rc = buf_append_byte(out, '\n');
	return rc;
}

int cgi_client_ip(const char *remote_addr, char *out, size_t cap)
{
	unsigned char bin[16];
	size_t n;

	if (cap > 0)
		out[0] = '\0';
	if (remote_addr == NULL)
		return -1;
	n = strlen(remote_addr);
	if (n >= cap || (inet_pton(AF_INET, remote_addr, bin) != 1 &&
			 inet_pton(AF_INET6, remote_addr, bin) != 1))
		return -1;
	memcpy(out, remote_addr, n + 1);
	return 0;
}
