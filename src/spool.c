/* Spool protocol (after dma, mail.local and qmail's maildir):
 *  - the directory is opened once; every name below it is one we format
 *    ourselves ("YYYY-MM-DD.jsonl", hex hashes, maildir unique names);
 *  - one global lock file serialises duplicate check + append + marker, so
 *    a report is stored once however many deliveries run at the same time;
 *  - a report's lines go out in one write loop on an O_APPEND file; on any
 *    failure the file is truncated back to the size it had under the lock,
 *    so no reader ever finds a torn line once we return;
 *  - duplicate markers live in .seen/XX/<16 hex>[-N], each holding the
 *    exact key, so the check costs the same however large the spool grows
 *    and a hash collision cannot hide another reporter's report;
 *  - a journal in the lock file makes an interrupted delivery (SIGKILL,
 *    crash) all or nothing: see journal_begin;
 *  - quarantine is a maildir: tmp/ + O_EXCL, write, fsync, rename to new/. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "spool.h"
#include "util.h"

#define FILE_MODE 0640
#define DIR_MODE 0750
#define MAX_COLLISION_SLOTS 64

static int temp_errno(struct err *e, const char *what, const char *name)
{
	int saved = errno;

	if (saved == ENOSPC || saved == EDQUOT)
		return err_set(e, ERR_TEMP, "%s %s: disk full (%s)", what, name, strerror(saved));
	return err_set(e, ERR_TEMP, "%s %s: %s", what, name, strerror(saved));
}

int spool_open(struct spool *s, const char *path, struct err *e)
{
	s->dirfd = -1;
	s->lockfd = -1;
	s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0 && errno == ENOENT) {
		if (mkdir(path, DIR_MODE) < 0 && errno != EEXIST)
			return err_set(e, ERR_CONFIG, "spool %s: cannot create: %s", path, strerror(errno));
		s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (s->dirfd < 0)
		return err_set(e, ERR_CONFIG, "spool %s: %s", path, strerror(errno));
	return 0;
}

void spool_close(struct spool *s)
{
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->dirfd >= 0)
		close(s->dirfd);
	s->lockfd = -1;
	s->dirfd = -1;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int spool_valid_day(const char *day)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (strlen(day) != 10 || day[4] != '-' || day[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (day[i] < '0' || day[i] > '9'))
			return 0;
	y = atoi(day);
	m = atoi(day + 5);
	d = atoi(day + 8);
	if (y < 1970 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + (m == 2 && is_leap(y));
}

/* Make sure a directory below the spool exists (not a symlink) and open it. */
static int open_subdir(int parent, const char *name, struct err *e)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int made = 0;

	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(parent, name, DIR_MODE) < 0 && errno != EEXIST)
			return temp_errno(e, "mkdir", name);
		made = 1;
		fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return temp_errno(e, "open directory", name);
	/* umask differs by MTA: give new directories the documented mode */
	if (made && fchmod(fd, DIR_MODE) < 0) {
		temp_errno(e, "chmod", name);
		close(fd);
		return -1;
	}
	return fd;
}

static volatile sig_atomic_t lock_timed_out;

static void on_lock_alarm(int sig)
{
	(void)sig;
	lock_timed_out = 1;
}

/* Blocking flock interrupted by an interval timer: the kernel queues the
 * waiters, which is fairer under load than polling with LOCK_NB. */
static int wait_lock(int fd, unsigned timeout_ms, struct err *e)
{
	struct sigaction sa, old;
	struct itimerval it = { { 0, 0 }, { 0, 0 } }, off = { { 0, 0 }, { 0, 0 } };
	int rc;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return temp_errno(e, "lock", ".lock");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_lock_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	lock_timed_out = 0;
	it.it_value.tv_sec = timeout_ms / 1000;
	it.it_value.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	if (timeout_ms == 0)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
	do
		rc = flock(fd, LOCK_EX);
	while (rc < 0 && errno == EINTR && !lock_timed_out);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (rc == 0)
		return 0;
	if (lock_timed_out)
		return err_set(e, ERR_TEMP, "lock timeout after %u ms", timeout_ms);
	return temp_errno(e, "lock", ".lock");
}

static int spool_lock(struct spool *s, unsigned timeout_ms, struct err *e)
{
	if (s->lockfd < 0) {
		s->lockfd = openat(s->dirfd, ".lock",
				   O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
		if (s->lockfd < 0)
			return temp_errno(e, "open", ".lock");
	}
	return wait_lock(s->lockfd, timeout_ms, e);
}

static void spool_unlock(struct spool *s)
{
	if (s->lockfd >= 0)
		flock(s->lockfd, LOCK_UN);
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		if (w == 0) {
			errno = EIO;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Open (or create) a file below dirfd for appending; refuse anything but
 * a plain file with one link.  *created tells whether we made it. */
static int open_append(int dirfd, const char *name, int *created, struct err *e)
{
	struct stat st;
	int fd;

	*created = 0;
	fd = openat(dirfd, name, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		fd = openat(dirfd, name, O_WRONLY | O_APPEND | O_CREAT | O_EXCL |
			    O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
		*created = fd >= 0;
	}
	if (fd < 0)
		return temp_errno(e, "open", name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return err_set(e, ERR_TEMP, "open %s: not a plain file with one link", name);
	}
	/* umask differs by MTA (Postfix local(8) uses 077): set it explicitly */
	if (*created && fchmod(fd, FILE_MODE) < 0) {
		close(fd);
		return temp_errno(e, "chmod", name);
	}
	return fd;
}

/* Append all of p[0..n) to fd (opened by open_append, old_size long) or
 * nothing: truncate back on any failure.  Closes fd. */
static int append_whole(int dirfd, int fd, int created, off_t old_size, const char *name,
			const unsigned char *p, size_t n, struct err *e)
{
	if (write_all(fd, p, n) < 0 || fsync(fd) < 0) {
		temp_errno(e, "write", name);
		goto fail_truncate;
	}
	if (created && fsync(dirfd) < 0) {
		temp_errno(e, "fsync spool directory for", name);
		goto fail_truncate;
	}
	if (close(fd) < 0) {
		fd = -1;
		temp_errno(e, "close", name);
		goto fail_close;
	}
	return 0;
fail_truncate:
	if (ftruncate(fd, old_size) == 0)
		fsync(fd);
fail_close:
	if (fd >= 0)
		close(fd);
	return -1;
}

/* Cut a daily file back to size (an append that did not complete).  A
 * file that is gone, no longer than size, or not one we can have appended
 * to (a symlink, a directory: open_append refuses those) is left alone. */
static int truncate_to(int dirfd, const char *name, off_t size)
{
	int fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	int rc = 0;

	if (fd < 0)
		return errno == ENOENT || errno == ELOOP || errno == EISDIR || errno == ENXIO ? 0 : -1;
	if (fstat(fd, &st) < 0)
		rc = -1;
	else if (S_ISREG(st.st_mode) && st.st_nlink == 1 && st.st_size > size &&
		 (ftruncate(fd, size) < 0 || fsync(fd) < 0))
		rc = -1;
	close(fd);
	return rc;
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* The duplicate key: organization NUL report-id. */
static int make_key(const char *org, const char *report_id, struct buf *key)
{
	return buf_append_str(key, org) < 0 || buf_append_byte(key, 0) < 0 ||
	       buf_append_str(key, report_id) < 0 ? -1 : 0;
}

/* Compare a marker file's content with key: 1 same, 0 different, -1 error. */
static int marker_matches(int fd, const struct buf *key)
{
	unsigned char chunk[4096];
	size_t off = 0;

	for (;;) {
		ssize_t r = read(fd, chunk, sizeof chunk);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return off == key->n;
		if ((size_t)r > key->n - off || memcmp(chunk, key->p + off, (size_t)r) != 0)
			return 0;
		off += (size_t)r;
	}
}

/* Find the marker slot for key: *seen = 1 if an identical marker exists,
 * else slot names the first free file name.  Runs under the lock. */
static int find_marker(int seendir, const struct buf *key, char *slot, size_t cap,
		       int *seen, struct err *e)
{
	uint64_t h = fnv1a(14695981039346656037ULL, key->p, key->n);

	*seen = 0;
	for (int i = 0; i < MAX_COLLISION_SLOTS; i++) {
		int fd, same;

		if (i == 0)
			snprintf(slot, cap, "%02x/%016llx", (unsigned)(h >> 56), (unsigned long long)h);
		else
			snprintf(slot, cap, "%02x/%016llx-%d", (unsigned)(h >> 56), (unsigned long long)h, i);
		fd = openat(seendir, slot, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			return 0;
		if (fd < 0)
			return temp_errno(e, "open marker", slot);
		same = marker_matches(fd, key);
		close(fd);
		if (same < 0)
			return temp_errno(e, "read marker", slot);
		if (same) {
			*seen = 1;
			return 0;
		}
	}
	return err_set(e, ERR_TEMP, "duplicate markers: too many hash collisions");
}

static int write_marker(int seendir, const char *slot, const struct buf *key, struct err *e)
{
	char sub[3] = { slot[0], slot[1], '\0' };
	int subfd, fd;

	subfd = open_subdir(seendir, sub, e);
	if (subfd < 0)
		return -1;
	fd = openat(subfd, slot + 3, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
	if (fd < 0) {
		temp_errno(e, "create marker", slot);
		close(subfd);
		return -1;
	}
	if (fchmod(fd, FILE_MODE) < 0 || write_all(fd, key->p, key->n) < 0 ||
	    fsync(fd) < 0 || close(fd) < 0 || fsync(subfd) < 0) {
		temp_errno(e, "write marker", slot);
		unlinkat(subfd, slot + 3, 0);
		close(subfd);
		return -1;
	}
	close(subfd);
	return 0;
}

/* The journal.  While a delivery holds the lock, the lock file holds one
 * line naming what it is about to do:
 *   "tlsrpt-journal 1 <daily file> <its size before> <marker slot> <key length>\n"
 * written and fsync'd before the append, and emptied once the marker is
 * written.  A delivery killed in between (SIGKILL, OOM killer, crash)
 * leaves the line behind, and the next lock holder settles it first: if
 * the marker is there and whole, the append completed and stays;
 * otherwise the daily file is cut back to its old size (a torn or
 * unmarked append is removed) and a partial marker deleted, so the MTA's
 * retry stores the report exactly once. */
static int journal_clear(struct spool *s, struct err *e)
{
	if (ftruncate(s->lockfd, 0) < 0)
		return temp_errno(e, "clear journal in", ".lock");
	return 0;
}

static int journal_begin(struct spool *s, const char *file, off_t old_size,
			 const char *slot, size_t keylen, struct err *e)
{
	char line[160];
	int k = snprintf(line, sizeof line, "tlsrpt-journal 1 %s %lld %s %zu\n", file,
			 (long long)old_size, slot, keylen);
	ssize_t w;

	if (ftruncate(s->lockfd, 0) < 0)
		return temp_errno(e, "write journal to", ".lock");
	do
		w = pwrite(s->lockfd, line, (size_t)k, 0);
	while (w < 0 && errno == EINTR);
	if (w != k) {
		if (w >= 0)
			errno = ENOSPC;
		return temp_errno(e, "write journal to", ".lock");
	}
	if (fdatasync(s->lockfd) < 0)
		return temp_errno(e, "write journal to", ".lock");
	return 0;
}

/* Names we format ourselves: "YYYY-MM-DD.jsonl" and "xx/<16 hex>[-N]". */
static int journal_names_ok(const char *file, const char *slot)
{
	char day[11];
	size_t n = strlen(slot);

	if (strlen(file) != 16 || strcmp(file + 10, ".jsonl") != 0)
		return 0;
	memcpy(day, file, 10);
	day[10] = '\0';
	if (!spool_valid_day(day) || n < 19 || slot[2] != '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (i != 2 && !((slot[i] >= '0' && slot[i] <= '9') || (slot[i] >= 'a' && slot[i] <= 'f') ||
				(i >= 19 && slot[i] == '-')))
			return 0;
	return 1;
}

/* Settle what a journal left behind (see above).  An incomplete or
 * unreadable journal line means the append never started: only cleared. */
static int journal_settle(struct spool *s, int seendir, struct err *e)
{
	char line[161], file[32], slot[64];
	long long old;
	size_t keylen;
	struct stat st;
	ssize_t r;
	int used = 0;

	do
		r = pread(s->lockfd, line, sizeof line - 1, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return temp_errno(e, "read journal in", ".lock");
	if (r == 0)
		return 0;
	line[r] = '\0';
	if (sscanf(line, "tlsrpt-journal 1 %31s %lld %63s %zu%n", file, &old, slot, &keylen, &used) == 4 &&
	    used == r - 1 && line[used] == '\n' && old >= 0 && journal_names_ok(file, slot)) {
		int marked = fstatat(seendir, slot, &st, AT_SYMLINK_NOFOLLOW) == 0;

		if (!marked && errno != ENOENT)
			return temp_errno(e, "journal: stat marker", slot);
		if (!marked || !S_ISREG(st.st_mode) || (size_t)st.st_size != keylen) {
			if (unlinkat(seendir, slot, 0) < 0 && errno != ENOENT)
				return temp_errno(e, "journal: remove partial marker", slot);
			if (truncate_to(s->dirfd, file, (off_t)old) < 0)
				return temp_errno(e, "journal: roll back", file);
		}
	}
	return journal_clear(s, e);
}

/* Under the lock: settle a journal, duplicate check, append, marker. */
static int store_locked(struct spool *s, const char *file, const struct buf *key,
			const unsigned char *lines, size_t n, struct err *e)
{
	char slot[64];
	struct stat st;
	struct err ignored;
	int seen, fd, created, seendir = open_subdir(s->dirfd, ".seen", e);

	if (seendir < 0)
		return -1;
	if (journal_settle(s, seendir, e) < 0)
		goto fail;
	if (find_marker(seendir, key, slot, sizeof slot, &seen, e) < 0)
		goto fail;
	if (seen) {
		err_set(e, ERR_DUPLICATE, "duplicate");
		goto fail;
	}
	/* the journal goes out once the file is open: nothing to undo before */
	if ((fd = open_append(s->dirfd, file, &created, e)) < 0)
		goto fail;
	if (fstat(fd, &st) < 0) {
		temp_errno(e, "stat", file);
		close(fd);
		goto fail;
	}
	if (journal_begin(s, file, st.st_size, slot, key->n, e) < 0) {
		close(fd);
		journal_settle(s, seendir, &ignored);
		goto fail;
	}
	if (append_whole(s->dirfd, fd, created, st.st_size, file, lines, n, e) < 0 ||
	    write_marker(seendir, slot, key, e) < 0) {
		/* undo the append (a retry would store the lines twice); if
		 * that fails too, the journal stays for the next delivery */
		journal_settle(s, seendir, &ignored);
		goto fail;
	}
	/* if this fails, the next delivery finds the marker: nothing to undo */
	journal_clear(s, &ignored);
	close(seendir);
	return 0;
fail:
	close(seendir);
	return -1;
}

int spool_store(struct spool *s, const char *day, const char *org,
		const char *report_id, const unsigned char *lines, size_t n,
		unsigned lock_timeout_ms, struct err *e)
{
	char file[32];
	struct buf key;
	int rc;

	if (!spool_valid_day(day))
		return err_set(e, ERR_TEMP, "internal: invalid day \"%.20s\"", day);
	snprintf(file, sizeof file, "%s.jsonl", day);
	buf_init(&key);
	if (make_key(org, report_id, &key) < 0)
		return err_nomem(e);
	if (spool_lock(s, lock_timeout_ms, e) < 0) {
		buf_free(&key);
		return -1;
	}
	rc = store_locked(s, file, &key, lines, n, e);
	spool_unlock(s);
	buf_free(&key);
	return rc;
}

static void unique_name(char *name, size_t cap)
{
	static unsigned counter;
	struct timeval tv;

	gettimeofday(&tv, NULL);
	snprintf(name, cap, "%lld.M%06ldP%ldQ%u.tlsrpt", (long long)tv.tv_sec,
		 (long)tv.tv_usec, (long)getpid(), counter++);
}

static int write_quarantine_file(int fd, const unsigned char *msg, size_t n,
				 const char *reason)
{
	static const char field[] = "X-Tlsrpt-Quarantine-Reason: ";
	struct buf head;
	int rc;

	buf_init(&head);
	if (buf_append_str(&head, field) < 0 || utf8_clean_append(&head, (const unsigned char *)reason, strlen(reason)) < 0 ||
	    buf_append_byte(&head, '\n') < 0) {
		buf_free(&head);
		errno = ENOMEM;
		return -1;
	}
	rc = write_all(fd, head.p, head.n) < 0 || write_all(fd, msg, n) < 0 ||
	     fsync(fd) < 0 ? -1 : 0;
	buf_free(&head);
	return rc;
}

/* Create a unique file in tmp/ with O_EXCL, retrying on a name clash. */
static int create_unique(int tmpfd, char *name, size_t cap, struct err *e)
{
	for (int tries = 0; tries < 16; tries++) {
		int fd;

		unique_name(name, cap);
		fd = openat(tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return temp_errno(e, "create quarantine/tmp/", name);
	}
	return err_set(e, ERR_TEMP, "quarantine: cannot find a unique name");
}

static int quarantine_into(int qfd, const unsigned char *msg, size_t n,
			   const char *reason, char *name, size_t cap, struct err *e)
{
	int tmpfd = -1, newfd = -1, fd = -1, rc = -1;

	if ((tmpfd = open_subdir(qfd, "tmp", e)) < 0 || (newfd = open_subdir(qfd, "new", e)) < 0)
		goto out;
	if ((fd = create_unique(tmpfd, name, cap, e)) < 0)
		goto out;
	if (fchmod(fd, FILE_MODE) < 0 || write_quarantine_file(fd, msg, n, reason) < 0) {
		temp_errno(e, "write quarantine/tmp/", name);
		goto unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		temp_errno(e, "close quarantine/tmp/", name);
		goto unlink;
	}
	fd = -1;
	if (renameat(tmpfd, name, newfd, name) < 0) {
		temp_errno(e, "rename into quarantine/new/", name);
		goto unlink;
	}
	if (fsync(newfd) < 0) {
		/* exit 75 makes the MTA retry: take this copy back */
		temp_errno(e, "fsync quarantine/new for", name);
		unlinkat(newfd, name, 0);
		goto out;
	}
	rc = 0;
	goto out;
unlink:
	unlinkat(tmpfd, name, 0);
out:
	if (fd >= 0)
		close(fd);
	if (tmpfd >= 0)
		close(tmpfd);
	if (newfd >= 0)
		close(newfd);
	return rc;
}

int spool_quarantine(struct spool *s, const unsigned char *msg, size_t n,
		     const char *reason, char *name, size_t cap, struct err *e)
{
	int qfd = open_subdir(s->dirfd, "quarantine", e);
	int rc;

	if (qfd < 0)
		return -1;
	rc = quarantine_into(qfd, msg, n, reason, name, cap, e);
	close(qfd);
	return rc;
}
