/* Reading the raw message.  The MTA pipes the whole mail to us; we keep at
 * most max bytes but always read to EOF, so the writer never gets EPIPE and
 * the caller can tell "too big" (a fact about the mail) from a read error
 * (a fact about the system, hence temporary).  Also recognises the mbox
 * "From sender date" envelope line that some MTAs prepend. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "message.h"

/* Reads of at most READ_CHUNK; with the buffer's NUL a first block of
 * 64 KiB holds a typical mail and stays below malloc's mmap threshold, so
 * a delivery does not map and unmap memory just to read its input. */
#define READ_CHUNK (((size_t)64 << 10) - 1)
#define READ_MIN ((size_t)4 << 10)   /* less room than this: grow first */

/* read(2) that retries EINTR and waits out EAGAIN on a non-blocking fd. */
static ssize_t read_retry(int fd, void *p, size_t n)
{
	for (;;) {
		ssize_t r = read(fd, p, n);

		if (r >= 0)
			return r;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			struct pollfd pfd = { fd, POLLIN, 0 };

			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		return -1;
	}
}

/* Read and throw away everything up to EOF. */
static int drain(int fd, int *truncated, struct err *e)
{
	unsigned char sink[8192];
	ssize_t r;

	while ((r = read_retry(fd, sink, sizeof sink)) > 0)
		*truncated = 1;
	if (r < 0)
		return err_set(e, ERR_TEMP, "read: %s", strerror(errno));
	return 0;
}

int message_read_fd(int fd, size_t max, struct buf *out, int *truncated, struct err *e)
{
	size_t kept = 0;
	ssize_t r;

	*truncated = 0;
	if (buf_append(out, "", 0) < 0)
		return err_nomem(e);
	while (kept < max) {
		size_t want = max - kept < READ_CHUNK ? max - kept : READ_CHUNK;
		size_t room = out->cap - out->n - 1;   /* cap > n: appended above */

		if (room >= READ_MIN || room >= want)
			want = want < room ? want : room;
		else if (buf_reserve(out, want) < 0)
			return err_nomem(e);
		r = read_retry(fd, out->p + out->n, want);
		if (r < 0)
			return err_set(e, ERR_TEMP, "read: %s", strerror(errno));
		if (r == 0)
			break;
		out->n += (size_t)r;
		kept += (size_t)r;
		out->p[out->n] = '\0';
	}
	if (kept == max)
		return drain(fd, truncated, e);
	return 0;
}

size_t message_from_line_len(const unsigned char *p, size_t n)
{
	const unsigned char *lf;
	size_t i, end;

	if (n < 5 || memcmp(p, "From ", 5) != 0)
		return 0;
	lf = memchr(p, '\n', n);
	if (lf == NULL)
		return 0;
	end = (size_t)(lf - p);
	i = 5;
	while (i < end && (p[i] == ' ' || p[i] == '\t'))
		i++;
	/* "From : x" is an (obsolete-syntax) header field, not an envelope */
	if (i < end && p[i] == ':')
		return 0;
	for (; i < end; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return end + 1;
	return 0;
}
