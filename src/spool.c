/* Spool protocol (after dma, mail.local and qmail's maildir):
 *  - the directory is opened once; every name below it is one we format
 *    ourselves ("YYYY-MM-DD.jsonl", "YYYY-MM-DD.idx", maildir unique
 *    names);
 *  - one global lock file serialises duplicate check + append + index
 *    entry, so a report is stored once however many deliveries run at the
 *    same time;
 *  - a report's lines go out in one write loop on an O_APPEND file; on any
 *    failure the file is truncated back to the size it had under the lock,
 *    so no reader ever finds a torn line once we return;
 *  - duplicates: "YYYY-MM-DD.idx" beside the daily file (dedup.c) holds
 *    one 32-byte entry per stored report.  Identical key (organization,
 *    report_id) and content is a duplicate; the same key with other
 *    content (a forgery sent first, or a corrected resend) is stored
 *    too, so a sender who knows a key cannot suppress the real report.
 *    A lookup reads only that day's index, and the index goes with its
 *    day in --expire.  Marker files of older versions (.seen/XX/) are
 *    still honoured, read only;
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
#include <time.h>
#include <unistd.h>

#include "date.h"
#include "dedup.h"
#include "spool.h"
#include "util.h"

#define FILE_MODE 0640
#define DIR_MODE 0750
#define MAX_COLLISION_SLOTS 64
#define JOURNAL_MAX 200
#define TAIL_MAX 4096            /* entries appended before an index is sorted */

int spool_open(struct spool *s, const char *path, struct err *e)
{
	int made = 0;

	s->dirfd = -1;
	s->lockfd = -1;
	s->index_tail_max = 0;

	s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0 && errno == ENOENT) {
		if (mkdir(path, DIR_MODE) == 0)
			made = 1;
		else if (errno != EEXIST)
			return err_set(e, ERR_CONFIG, "spool %s: cannot create: %s", path, strerror(errno));
		s->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (s->dirfd < 0)
		return err_set(e, ERR_CONFIG, "spool %s: %s", path, strerror(errno));
	/* umask differs by MTA: give the new spool the documented mode */
	if (made && fchmod(s->dirfd, DIR_MODE) < 0) {
		err_set(e, ERR_CONFIG, "spool %s: chmod: %s", path, strerror(errno));
		spool_close(s);
		return -1;
	}
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

int spool_valid_day(const char *day)
{
	long n;

	return date_parse_day(day, strlen(day), &n) == 0;
}

/* Make sure a directory below the spool exists (not a symlink) and open it. */
static int open_subdir(int parent, const char *name, struct err *e)
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int made = 0;

	if (fd < 0 && errno == ENOENT) {
		if (mkdirat(parent, name, DIR_MODE) < 0 && errno != EEXIST)
			return err_errno(e, "mkdir", name);
		made = 1;
		fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd < 0)
		return err_errno(e, "open directory", name);
	/* umask differs by MTA: give new directories the documented mode */
	if (made && fchmod(fd, DIR_MODE) < 0) {
		err_errno(e, "chmod", name);
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

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The fallback when no timer can be armed: try every 10 ms until the
 * deadline, so the wait stays bounded whatever the signal setup. */
static int poll_lock(int fd, unsigned timeout_ms, struct err *e)
{
	long long end = now_ms() + timeout_ms;
	struct timespec nap = { 0, 10 * 1000 * 1000 };

	for (;;) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return err_errno(e, "lock", ".lock");
		if (now_ms() >= end)
			return err_set(e, ERR_TEMP, "lock timeout after %u ms", timeout_ms);
		nanosleep(&nap, NULL);
	}
}

/* Blocking flock interrupted by an interval timer: the kernel queues the
 * waiters, which is fairer under load than polling with LOCK_NB.  If the
 * handler or the timer cannot be set up, a blocking flock could wait
 * forever: poll instead. */
static int wait_lock(int fd, unsigned timeout_ms, struct err *e)
{
	struct sigaction sa, old;
	struct itimerval it = { { 0, 0 }, { 0, 0 } }, off = { { 0, 0 }, { 0, 0 } };
	int rc;

	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return err_errno(e, "lock", ".lock");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_lock_alarm;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, &old) < 0)
		return poll_lock(fd, timeout_ms, e);
	lock_timed_out = 0;
	it.it_value.tv_sec = timeout_ms / 1000;
	it.it_value.tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000;
	if (timeout_ms == 0)
		it.it_value.tv_usec = 1;
	if (setitimer(ITIMER_REAL, &it, NULL) < 0) {
		sigaction(SIGALRM, &old, NULL);
		return poll_lock(fd, timeout_ms, e);
	}
	do
		rc = flock(fd, LOCK_EX);
	while (rc < 0 && errno == EINTR && !lock_timed_out);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	if (rc == 0)
		return 0;
	if (lock_timed_out)
		return err_set(e, ERR_TEMP, "lock timeout after %u ms", timeout_ms);
	return err_errno(e, "lock", ".lock");
}

/* Open .lock, creating it with the documented mode (umask differs by MTA). */
static int open_lockfile(struct spool *s, struct err *e)
{
	int created = 0;

	s->lockfd = openat(s->dirfd, ".lock", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (s->lockfd < 0 && errno == ENOENT) {
		s->lockfd = openat(s->dirfd, ".lock", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
				   FILE_MODE);
		created = s->lockfd >= 0;
		if (s->lockfd < 0 && errno == EEXIST)
			s->lockfd = openat(s->dirfd, ".lock", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	}
	if (s->lockfd < 0)
		return err_errno(e, "open", ".lock");
	if (created && fchmod(s->lockfd, FILE_MODE) < 0) {
		err_errno(e, "chmod", ".lock");
		close(s->lockfd);
		s->lockfd = -1;
		return -1;
	}
	return 0;
}

static int journal_settle(struct spool *s, struct err *e);

int spool_lock(struct spool *s, unsigned timeout_ms, struct err *e)
{
	if (s->lockfd < 0 && open_lockfile(s, e) < 0)
		return -1;
	if (wait_lock(s->lockfd, timeout_ms, e) < 0)
		return -1;
	if (journal_settle(s, e) < 0) {
		flock(s->lockfd, LOCK_UN);
		return -1;
	}
	return 0;
}

void spool_unlock(struct spool *s)
{
	if (s->lockfd >= 0)
		flock(s->lockfd, LOCK_UN);
}

/* Open (or create) a file below dirfd for appending; refuse anything but
 * a plain file with one link.  *created tells whether we made it. */
static int open_append(int dirfd, const char *name, int rw, int *created, struct err *e)
{
	int flags = (rw ? O_RDWR : O_WRONLY) | O_APPEND | O_NOFOLLOW | O_CLOEXEC;
	struct stat st;
	int fd;

	*created = 0;
	fd = openat(dirfd, name, flags);
	if (fd < 0 && errno == ENOENT) {
		fd = openat(dirfd, name, flags | O_CREAT | O_EXCL, FILE_MODE);
		*created = fd >= 0;
	}
	if (fd < 0)
		return err_errno(e, "open", name);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(fd);
		return err_set(e, ERR_TEMP, "open %s: not a plain file with one link", name);
	}
	/* umask differs by MTA (Postfix local(8) uses 077): set it explicitly */
	if (*created && fchmod(fd, FILE_MODE) < 0) {
		close(fd);
		return err_errno(e, "chmod", name);
	}
	return fd;
}

/* Append all of p[0..n) to fd (opened by open_append, old_size long) or
 * nothing: truncate back on any failure.  Closes fd. */
static int append_whole(int dirfd, int fd, int created, off_t old_size, const char *name,
			const unsigned char *p, size_t n, struct err *e)
{
	if (util_write_all(fd, p, n) < 0 || fsync(fd) < 0) {
		err_errno(e, "write", name);
		goto fail_truncate;
	}
	if (created && fsync(dirfd) < 0) {
		err_errno(e, "fsync spool directory for", name);
		goto fail_truncate;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_errno(e, "close", name);
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

/* The sender's key: organization NUL report-id. */
static int make_key(const char *org, const char *report_id, struct buf *key)
{
	return buf_append_str(key, org) < 0 || buf_append_byte(key, 0) < 0 ||
	       buf_append_str(key, report_id) < 0 ? -1 : 0;
}

/* ---- the marker files of older versions (read only) ---- */

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

/* Is there a marker for key in .seen/XX/<16 hex>[-N]?  Versions before
 * the index wrote one per stored report; a spool upgraded with them
 * still holds reports they mark, so until --expire removes the last of
 * them a marked key stays a duplicate, whatever its content (those
 * markers never knew it).  A missing .seen is no marker. */
static int legacy_marked(int dirfd, const struct buf *key, int *seen, struct err *e)
{
	uint64_t h = fnv1a(14695981039346656037ULL, key->p, key->n);
	int seendir = openat(dirfd, ".seen", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	char slot[64];

	*seen = 0;
	if (seendir < 0 && errno == ENOENT)
		return 0;
	if (seendir < 0)
		return err_errno(e, "open directory", ".seen");
	for (int i = 0; i < MAX_COLLISION_SLOTS; i++) {
		int fd, same;

		if (i == 0)
			snprintf(slot, sizeof slot, "%02x/%016llx", (unsigned)(h >> 56), (unsigned long long)h);
		else
			snprintf(slot, sizeof slot, "%02x/%016llx-%d", (unsigned)(h >> 56), (unsigned long long)h, i);
		fd = openat(seendir, slot, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT)
			break;
		if (fd < 0) {
			err_errno(e, "open marker", slot);
			close(seendir);
			return -1;
		}
		same = marker_matches(fd, key);
		close(fd);
		if (same < 0) {
			err_errno(e, "read marker", slot);
			close(seendir);
			return -1;
		}
		if (same) {
			*seen = 1;
			break;
		}
	}
	close(seendir);
	return 0;
}

/* ---- the journal ---- */

/* While a delivery holds the lock, the lock file holds one line naming
 * what it is about to do:
 *   "tlsrpt-journal 2 <day> <daily file size before> <index size before> <entry in hex>\n"
 * written and fdatasync'd before the append, and emptied once the index
 * entry is written.  A delivery killed in between (SIGKILL, OOM killer,
 * crash) leaves the line behind, and the next lock holder settles it
 * first: if the index holds the whole entry at the old index size, the
 * append completed (its lines were fsync'd before the entry was written)
 * and stays; otherwise the daily file and the index are cut back to
 * their old sizes, so the MTA's retry stores the report exactly once and
 * no record is left without its entry nor an entry half written.
 * Version 1 lines ("tlsrpt-journal 1 <daily file> <size> <marker slot>
 * <key length>") come from versions with marker files and are settled as
 * they were. */
static int journal_clear(struct spool *s, struct err *e)
{
	if (ftruncate(s->lockfd, 0) < 0)
		return err_errno(e, "clear journal in", ".lock");
	return 0;
}

static void hex(const unsigned char *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static int unhex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < 2 * n; i++) {
		char c = s[i];
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;

		if (v < 0)
			return -1;
		out[i / 2] = (unsigned char)(i % 2 ? (out[i / 2] << 4) | v : v);
	}
	return s[2 * n] == '\0' ? 0 : -1;
}

static int journal_begin(struct spool *s, const char *day, off_t old_size, off_t old_index,
			 const unsigned char *ent, struct err *e)
{
	char line[JOURNAL_MAX], ehex[2 * DEDUP_ENTRY_LEN + 1];
	int k;
	ssize_t w;

	hex(ent, DEDUP_ENTRY_LEN, ehex);
	k = snprintf(line, sizeof line, "tlsrpt-journal 2 %s %lld %lld %s\n", day,
		     (long long)old_size, (long long)old_index, ehex);
	if (ftruncate(s->lockfd, 0) < 0)
		return err_errno(e, "write journal to", ".lock");
	do
		w = pwrite(s->lockfd, line, (size_t)k, 0);
	while (w < 0 && errno == EINTR);
	if (w != k) {
		if (w >= 0)
			errno = ENOSPC;
		return err_errno(e, "write journal to", ".lock");
	}
	if (fdatasync(s->lockfd) < 0)
		return err_errno(e, "write journal to", ".lock");
	return 0;
}

/* Version 1: names we formatted ourselves, "YYYY-MM-DD.jsonl" and
 * "xx/<16 hex>[-N]". */
static int journal1_names_ok(const char *file, const char *slot)
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

/* Version 1: kept if the marker is there and whole, else rolled back. */
static int settle1(struct spool *s, const char *file, long long old, const char *slot,
		   size_t keylen, struct err *e)
{
	int seendir = openat(s->dirfd, ".seen", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int marked = 0, rc = 0;
	struct stat st;

	if (seendir < 0 && errno != ENOENT)
		return err_errno(e, "journal: open directory", ".seen");
	if (seendir >= 0) {
		marked = fstatat(seendir, slot, &st, AT_SYMLINK_NOFOLLOW) == 0;
		if (!marked && errno != ENOENT)
			rc = err_errno(e, "journal: stat marker", slot);
	}
	if (rc == 0 && (!marked || !S_ISREG(st.st_mode) || (size_t)st.st_size != keylen)) {
		if (seendir >= 0 && unlinkat(seendir, slot, 0) < 0 && errno != ENOENT)
			rc = err_errno(e, "journal: remove partial marker", slot);
		else if (truncate_to(s->dirfd, file, (off_t)old) < 0)
			rc = err_errno(e, "journal: roll back", file);
	}
	if (seendir >= 0)
		close(seendir);
	return rc;
}

/* Version 2: kept if the index holds the whole entry, else both files
 * cut back. */
static int settle2(struct spool *s, const char *day, long long old, long long old_index,
		   const unsigned char *ent, struct err *e)
{
	char file[32], idx[32];
	unsigned char got[DEDUP_ENTRY_LEN];
	ssize_t r = 0;
	int fd;

	snprintf(file, sizeof file, "%s.jsonl", day);
	snprintf(idx, sizeof idx, "%s.idx", day);
	fd = openat(s->dirfd, idx, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno != ENOENT && errno != ELOOP)
		return err_errno(e, "journal: open", idx);
	if (fd >= 0) {
		do
			r = pread(fd, got, sizeof got, (off_t)old_index);
		while (r < 0 && errno == EINTR);
		close(fd);
		if (r < 0)
			return err_errno(e, "journal: read", idx);
	}
	if (r == DEDUP_ENTRY_LEN && memcmp(got, ent, DEDUP_ENTRY_LEN) == 0)
		return 0;
	if (truncate_to(s->dirfd, idx, (off_t)old_index) < 0)
		return err_errno(e, "journal: roll back", idx);
	if (truncate_to(s->dirfd, file, (off_t)old) < 0)
		return err_errno(e, "journal: roll back", file);
	return 0;
}

/* Settle what a journal left behind (see above).  An incomplete or
 * unreadable journal line means the append never started: only cleared. */
static int journal_settle(struct spool *s, struct err *e)
{
	char line[JOURNAL_MAX + 1], a[32], b[130];
	unsigned char ent[DEDUP_ENTRY_LEN];
	long long old, old_index;
	size_t keylen;
	ssize_t r;
	int used = 0, rc = 0;

	do
		r = pread(s->lockfd, line, sizeof line - 1, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return err_errno(e, "read journal in", ".lock");
	if (r == 0)
		return 0;
	line[r] = '\0';
	if (sscanf(line, "tlsrpt-journal 2 %31s %lld %lld %129s%n", a, &old, &old_index, b, &used) == 4 &&
	    used == r - 1 && line[used] == '\n' && old >= 0 && old_index >= 0 &&
	    old_index % DEDUP_ENTRY_LEN == 0 && spool_valid_day(a) &&
	    unhex(b, ent, DEDUP_ENTRY_LEN) == 0)
		rc = settle2(s, a, old, old_index, ent, e);
	else if (sscanf(line, "tlsrpt-journal 1 %31s %lld %63s %zu%n", a, &old, b, &keylen, &used) == 4 &&
		 used == r - 1 && line[used] == '\n' && old >= 0 && journal1_names_ok(a, b))
		rc = settle1(s, a, old, b, keylen, e);
	if (rc < 0)
		return -1;
	return journal_clear(s, e);
}

/* ---- storing ---- */

/* Is it stored already?  Sets *dup, and *conflicts (entries of the same
 * key with other content); leaves the index open in *ifd (or -1). */
static int lookup(struct spool *s, const char *idx, const struct buf *key,
		  struct dedup_probe *pr, int *ifd, off_t *isize, int *dup,
		  unsigned *conflicts, struct err *e)
{
	unsigned tail_max = s->index_tail_max ? s->index_tail_max : TAIL_MAX;
	off_t tail = 0;

	if (dedup_open(s->dirfd, idx, ifd, isize, e) < 0)
		return -1;
	if (*ifd >= 0 && dedup_lookup(*ifd, idx, *isize, tail_max, pr, dup, conflicts, &tail, e) < 0)
		return -1;
	/* sorting is an optimisation: if it fails, the delivery goes on */
	if (*ifd >= 0 && !*dup && tail >= tail_max) {
		struct err ignored;

		dedup_merge(s->dirfd, idx, FILE_MODE, ifd, *isize, &ignored);
	}
	if (!*dup && legacy_marked(s->dirfd, key, dup, e) < 0)
		return -1;
	return 0;
}

/* Under the lock: duplicate check, journal, append, index entry.  The
 * first copy of a key is indexed by its length: its content hash is taken
 * only if another copy of the key comes (most reports come once); a copy
 * stored beside others is indexed by its content hash, taken to compare
 * it with them, so a lookup reads at most one stored copy per key. */
static int store_locked(struct spool *s, const struct spool_report *r, const struct buf *key,
			unsigned *conflicts, struct err *e)
{
	char file[32], idx[32];
	unsigned char ent[DEDUP_ENTRY_LEN];
	const unsigned char *lines = r->lines;
	size_t n = r->n;
	struct dedup_probe pr;
	struct stat st;
	struct err ignored;
	off_t isize;
	int dup = 0, fd = -1, ifd = -1, created, icreated = 0, rc = -1;

	snprintf(file, sizeof file, "%s.jsonl", r->day);
	snprintf(idx, sizeof idx, "%s.idx", r->day);
	dedup_probe_init(&pr, key, r->lines, r->n, s->dirfd, file);
	if (lookup(s, idx, key, &pr, &ifd, &isize, &dup, conflicts, e) < 0)
		goto out;
	if (dup) {
		err_set(e, ERR_DUPLICATE, "duplicate");
		goto out;
	}
	if (*conflicts > 0 && r->on_conflict != NULL &&
	    r->on_conflict(r->arg, *conflicts, &lines, &n, e) < 0)
		goto out;
	/* the journal goes out once the files are open: nothing to undo before */
	if ((fd = open_append(s->dirfd, file, 0, &created, e)) < 0)
		goto out;
	if (fstat(fd, &st) < 0) {
		err_errno(e, "stat", file);
		goto out;
	}
	if (ifd < 0 && (ifd = open_append(s->dirfd, idx, 1, &icreated, e)) < 0)
		goto out;
	dedup_entry(&pr, n, (uint64_t)st.st_size, *conflicts > 0 ? DEDUP_FLAG_CONFLICT : 0, ent);
	if (journal_begin(s, r->day, st.st_size, isize, ent, e) < 0) {
		journal_settle(s, &ignored);
		goto out;
	}
	rc = append_whole(s->dirfd, fd, created, st.st_size, file, lines, n, e);
	fd = -1;    /* closed by append_whole */
	if (rc < 0 || dedup_append(s->dirfd, ifd, icreated, idx, ent, e) < 0) {
		/* undo both (the MTA retries on 75: it must find neither); if
		 * that fails too, the journal stays for the next delivery,
		 * which keeps a whole entry and its lines (the retry is then
		 * a duplicate) or cuts both back */
		rc = -1;
		if (truncate_to(s->dirfd, idx, isize) == 0 &&
		    truncate_to(s->dirfd, file, st.st_size) == 0)
			journal_clear(s, &ignored);
		goto out;
	}
	/* if this fails, the next delivery finds the entry: nothing to undo */
	journal_clear(s, &ignored);
out:
	dedup_probe_close(&pr);
	if (fd >= 0)
		close(fd);
	if (ifd >= 0)
		close(ifd);
	return rc;
}

int spool_store(struct spool *s, const struct spool_report *r, unsigned lock_timeout_ms,
		unsigned *conflicts, struct err *e)
{
	struct buf key;
	unsigned ignored;
	int rc;

	if (conflicts == NULL)
		conflicts = &ignored;
	*conflicts = 0;
	if (!spool_valid_day(r->day))
		return err_set(e, ERR_TEMP, "internal: invalid day \"%.20s\"", r->day);
	buf_init(&key);
	if (make_key(r->org, r->report_id, &key) < 0)
		return err_nomem(e);
	if (spool_lock(s, lock_timeout_ms, e) < 0) {
		buf_free(&key);
		return -1;
	}
	rc = store_locked(s, r, &key, conflicts, e);
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
	rc = util_write_all(fd, head.p, head.n) < 0 || util_write_all(fd, msg, n) < 0 ||
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
			return err_errno(e, "create quarantine/tmp/", name);
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
		err_errno(e, "write quarantine/tmp/", name);
		goto unlink;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_errno(e, "close quarantine/tmp/", name);
		goto unlink;
	}
	fd = -1;
	if (renameat(tmpfd, name, newfd, name) < 0) {
		err_errno(e, "rename into quarantine/new/", name);
		goto unlink;
	}
	if (fsync(newfd) < 0) {
		/* exit 75 makes the MTA retry: take this copy back */
		err_errno(e, "fsync quarantine/new for", name);
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
