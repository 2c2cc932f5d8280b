/* Unit tests for reading the message: the capped read (files and pipes,
 * smaller than / equal to / larger than the cap, EINTR, read errors) and
 * the mbox envelope line. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "message.h"
#include "../tap.h"

static char tmpdir[] = "/tmp/test_message.XXXXXX";

/* A file holding n bytes of a known pattern, opened for reading. */
static int file_with(size_t n)
{
	char path[64];
	unsigned char *p = malloc(n + 1);
	int fd;

	snprintf(path, sizeof path, "%s/in", tmpdir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (p == NULL || fd < 0)
		abort();
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)('a' + i % 26);
	if (n > 0 && write(fd, p, n) != (ssize_t)n)
		abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	unlink(path);
	free(p);
	return fd;
}

static int pattern_ok(const struct buf *b)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->p[i] != (unsigned char)('a' + i % 26))
			return 0;
	return 1;
}

static void read_file_case(size_t n, size_t max, size_t want_n, int want_trunc, const char *what)
{
	int fd = file_with(n), truncated = 7;
	struct buf b;
	struct err e;
	char msg[128];

	buf_init(&b);
	err_clear(&e);
	snprintf(msg, sizeof msg, "%s: returns 0", what);
	is_int(message_read_fd(fd, max, &b, &truncated, &e), 0, msg);
	snprintf(msg, sizeof msg, "%s: bytes kept", what);
	is_int(b.n, want_n, msg);
	snprintf(msg, sizeof msg, "%s: truncated flag", what);
	is_int(truncated, want_trunc, msg);
	snprintf(msg, sizeof msg, "%s: content and NUL", what);
	ok(b.p != NULL && pattern_ok(&b) && b.p[b.n] == '\0', msg);
	snprintf(msg, sizeof msg, "%s: input drained", what);
	is_int(read(fd, msg, 1), 0, msg);
	close(fd);
	buf_free(&b);
}

static void test_read_file(void)
{
	read_file_case(0, 100, 0, 0, "empty input");
	read_file_case(99, 100, 99, 0, "smaller than max");
	read_file_case(100, 100, 100, 0, "equal to max");
	read_file_case(101, 100, 100, 1, "one byte over max");
	read_file_case(300000, 200000, 200000, 1, "larger than max, several chunks");
	read_file_case(300000, 300000, 300000, 0, "equal to max, several chunks");
	read_file_case(5, 0, 0, 1, "max 0");
}

/* A child writes n bytes into a pipe (after delay_ms) and exits 0 only if
 * every write succeeded, i.e. the reader drained instead of closing. */
static pid_t writer(int fd, size_t n, int delay_ms)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	signal(SIGPIPE, SIG_DFL);
	if (delay_ms > 0)
		usleep((useconds_t)delay_ms * 1000);
	{
		unsigned char chunk[4096];
		size_t done = 0;

		for (size_t i = 0; i < sizeof chunk; i++)
			chunk[i] = (unsigned char)('a' + i % 26);
		while (done < n) {
			/* start at done % 26 so the pattern runs on across writes */
			size_t off = done % 26, k = n - done;
			ssize_t w;

			if (k > sizeof chunk - off)
				k = sizeof chunk - off;
			w = write(fd, chunk + off, k);
			if (w <= 0)
				_exit(1);
			done += (size_t)w;
		}
	}
	_exit(0);
}

static void test_read_pipe(void)
{
	int fds[2], truncated, status = -1;
	struct buf b;
	struct err e;
	pid_t pid;

	if (pipe(fds) < 0)
		abort();
	pid = writer(fds[1], 1 << 20, 0);
	close(fds[1]);
	buf_init(&b);
	is_int(message_read_fd(fds[0], 1000, &b, &truncated, &e), 0, "pipe: 1 MB with max 1000");
	is_int(b.n, 1000, "pipe: first 1000 bytes kept");
	ok(pattern_ok(&b), "pipe: content");
	is_int(truncated, 1, "pipe: truncated");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "pipe: writer finished without EPIPE");
	close(fds[0]);
	buf_free(&b);
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void test_eintr(void)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } }, off = { { 0, 0 }, { 0, 0 } };
	int fds[2], truncated, status = -1;
	struct buf b;
	struct err e;
	pid_t pid;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: read fails with EINTR */
	sigaction(SIGALRM, &sa, NULL);
	if (pipe(fds) < 0)
		abort();
	pid = writer(fds[1], 5000, 200);
	close(fds[1]);
	buf_init(&b);
	setitimer(ITIMER_REAL, &it, NULL);
	is_int(message_read_fd(fds[0], 1 << 20, &b, &truncated, &e), 0, "EINTR: read completes");
	setitimer(ITIMER_REAL, &off, NULL);
	ok(alarms > 0, "EINTR: signals arrived during the read");
	is_int(b.n, 5000, "EINTR: all bytes read");
	ok(pattern_ok(&b), "EINTR: content");
	is_int(truncated, 0, "EINTR: not truncated");
	waitpid(pid, &status, 0);
	close(fds[0]);
	buf_free(&b);
	signal(SIGALRM, SIG_DFL);
}

static void test_read_error(void)
{
	int fd = open("/tmp", O_RDONLY | O_DIRECTORY), truncated;
	struct buf b;
	struct err e;
	char want[120];

	buf_init(&b);
	err_clear(&e);
	is_int(message_read_fd(fd, 100, &b, &truncated, &e), -1, "read error fails");
	is_int(e.cls, ERR_TEMP, "read error is ERR_TEMP");
	snprintf(want, sizeof want, "read: %s", strerror(EISDIR));
	is_str(e.reason, want, "read error reason");
	close(fd);
	buf_free(&b);

	err_clear(&e);
	is_int(message_read_fd(-1, 100, &b, &truncated, &e), -1, "bad fd fails");
	snprintf(want, sizeof want, "read: %s", strerror(EBADF));
	is_str(e.reason, want, "bad fd reason");
	is_int(e.cls, ERR_TEMP, "bad fd is ERR_TEMP");
	buf_free(&b);
}

#define FROM_LEN(lit) message_from_line_len((const unsigned char *)(lit), sizeof(lit) - 1)

static void test_from_line(void)
{
	is_int(FROM_LEN("From sender@example.com Thu May 16 00:00:00 2024\nFrom: a\n"), 49,
	       "envelope line with LF");
	is_int(FROM_LEN("From MAILER-DAEMON Fri May 17 17:00:00 2024\r\nX: y\r\n"), 45,
	       "envelope line with CRLF");
	is_int(FROM_LEN("From x\n"), 7, "short envelope line");
	is_int(FROM_LEN("From: a@example.com\n"), 0, "From: header is not an envelope");
	is_int(FROM_LEN("From : a@example.com\n"), 0, "From : header is not an envelope");
	is_int(FROM_LEN("from sender date\n"), 0, "case-sensitive");
	is_int(FROM_LEN("From \n"), 0, "nothing after From");
	is_int(FROM_LEN("From  \t\r\n"), 0, "only whitespace after From");
	is_int(FROM_LEN("From sender date"), 0, "no LF");
	is_int(FROM_LEN(">From sender date\n"), 0, "quoted From");
	is_int(FROM_LEN("Fro"), 0, "short input");
	is_int(message_from_line_len(NULL, 0), 0, "empty input");
	is_int(FROM_LEN("Subject: x\nFrom y\n"), 0, "only at the start");
}

int main(void)
{
	if (mkdtemp(tmpdir) == NULL)
		abort();
	signal(SIGPIPE, SIG_IGN);
	test_read_file();
	test_read_pipe();
	test_eintr();
	test_read_error();
	test_from_line();
	rmdir(tmpdir);
	return tap_done();
}
