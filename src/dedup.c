/* The daily duplicate index (see dedup.h and tlsrpt-spool(5)).  A
 * lookup reads the index in chunks: the entries appended since the last
 * sort are scanned, the sorted part binary-searched.  An entry of the
 * report's key is compared by content: by its stored hash, or for a
 * first copy indexed by length, by the hash of its lines read back from
 * the daily file; the report's own content is hashed only then. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dedup.h"
#include "sha256.h"

#define KEY_BYTES 8
#define CONTENT_BYTES 16
#define FLAG_SORTED_END 2        /* the last entry of an index's sorted region */
#define FLAG_LENGTH 4            /* bytes 8-15 hold the lines' length, not their content hash */

/* ---- content ---- */

/* A report's content (dedup.h) fed in pieces: SHA-256 of each line up
 * to, not including, the first cut in it, each followed by "\n".  Bytes
 * at a piece's end that may begin the cut are held, and hashed once the
 * next piece shows they do not. */
static const char cut[] = DEDUP_CUT;
#define CUT_LEN (sizeof cut - 1)

struct content {
	struct sha256 h;
	int skip;         /* the line's cut found: the rest of it is skipped */
	int open;         /* part of a line seen, its "\n" not yet */
	size_t held;      /* cut[0..held) ended the last piece */
};

static void content_init(struct content *c)
{
	sha256_init(&c->h);
	c->skip = c->open = 0;
	c->held = 0;
}

static void content_eol(struct content *c)
{
	if (!c->skip && c->held > 0)
		sha256_update(&c->h, cut, c->held);
	sha256_update(&c->h, "\n", 1);
	c->skip = c->open = 0;
	c->held = 0;
}

/* p[0..n), part of one line (no "\n" in it). */
static void content_part(struct content *c, const unsigned char *p, size_t n)
{
	const unsigned char *at;
	size_t k, tail;

	if (c->skip || n == 0)
		return;
	if (c->held > 0) {
		k = CUT_LEN - c->held < n ? CUT_LEN - c->held : n;
		if (memcmp(p, cut + c->held, k) == 0) {
			c->held += k;
			c->skip = c->held == CUT_LEN;
			return;
		}
		/* no cut starts within the held bytes: ',' is only its first */
		sha256_update(&c->h, cut, c->held);
		c->held = 0;
	}
	if ((at = memmem(p, n, cut, CUT_LEN)) != NULL) {
		sha256_update(&c->h, p, (size_t)(at - p));
		c->skip = 1;
		return;
	}
	tail = n < CUT_LEN - 1 ? n : CUT_LEN - 1;
	at = memrchr(p + n - tail, ',', tail);
	if (at != NULL && memcmp(at, cut, (size_t)(p + n - at)) == 0) {
		c->held = (size_t)(p + n - at);
		n = (size_t)(at - p);
	}
	sha256_update(&c->h, p, n);
}

static void content_update(struct content *c, const unsigned char *p, size_t n)
{
	while (n > 0) {
		const unsigned char *nl = memchr(p, '\n', n);
		size_t len = nl != NULL ? (size_t)(nl - p) : n;

		c->open = 1;
		content_part(c, p, len);
		if (nl == NULL)
			return;
		content_eol(c);
		n -= len + 1;
		p = nl + 1;
	}
}

static void content_final(struct content *c, unsigned char out[DEDUP_HASH_LEN])
{
	if (c->open)
		content_eol(c);
	sha256_final(&c->h, out);
}

void dedup_content_hash(const unsigned char *lines, size_t n, unsigned char out[DEDUP_HASH_LEN])
{
	struct content c;

	content_init(&c);
	content_update(&c, lines, n);
	content_final(&c, out);
}

/* ---- the daily index ---- */

/* An entry's little-endian number of len bytes at p. */
static uint64_t get_le(const unsigned char *p, size_t len)
{
	uint64_t v = 0;

	while (len-- > 0)
		v = v << 8 | p[len];
	return v;
}

static void put_le(unsigned char *p, size_t len, uint64_t v)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void dedup_probe_init(struct dedup_probe *pr, const struct buf *key, const unsigned char *lines,
		      size_t n, int dirfd, const char *file)
{
	unsigned char h[SHA256_LEN];
	struct sha256 c;

	memset(pr, 0, sizeof *pr);
	sha256_init(&c);
	sha256_update(&c, key->p, key->n);
	sha256_final(&c, h);
	memcpy(pr->key, h, KEY_BYTES);
	pr->lines = lines;
	pr->n = n;
	pr->dirfd = dirfd;
	pr->fd = -1;
	pr->file = file;
}

void dedup_probe_close(struct dedup_probe *pr)
{
	if (pr->fd >= 0)
		close(pr->fd);
	pr->fd = -1;
}

void dedup_entry(const struct dedup_probe *pr, uint64_t length, uint64_t offset, unsigned flags,
		 unsigned char ent[DEDUP_ENTRY_LEN])
{
	memset(ent, 0, DEDUP_ENTRY_LEN);
	memcpy(ent, pr->key, KEY_BYTES);
	if (pr->hashed) {
		memcpy(ent + KEY_BYTES, pr->content, CONTENT_BYTES);
	} else {
		put_le(ent + KEY_BYTES, 8, length);
		flags |= FLAG_LENGTH;
	}
	put_le(ent + KEY_BYTES + CONTENT_BYTES, 7, offset);
	ent[DEDUP_ENTRY_FLAGS] = (unsigned char)flags;
}

static const unsigned char *probe_content(struct dedup_probe *pr)
{
	if (!pr->hashed) {
		dedup_content_hash(pr->lines, pr->n, pr->content);
		pr->hashed = 1;
	}
	return pr->content;
}

/* The content hash of the stored lines [off, off + len) of the daily
 * file, read a piece at a time: 0, 1 when they are not all there (a
 * damaged file: no copy to match), -1 on a read error. */
static int stored_content(struct dedup_probe *pr, uint64_t off, uint64_t len,
			  unsigned char out[DEDUP_HASH_LEN], struct err *e)
{
	static unsigned char piece[1 << 16];
	struct content c;
	struct stat st;

	if (pr->fd < 0) {
		pr->fd = openat(pr->dirfd, pr->file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (pr->fd < 0)
			return errno == ENOENT || errno == ELOOP ? 1 : err_errno(e, "open", pr->file);
	}
	if (fstat(pr->fd, &st) < 0)
		return err_errno(e, "stat", pr->file);
	if (!S_ISREG(st.st_mode) || off > (uint64_t)st.st_size || len > (uint64_t)st.st_size - off)
		return 1;
	content_init(&c);
	while (len > 0) {
		ssize_t r = pread(pr->fd, piece, len < sizeof piece ? (size_t)len : sizeof piece, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_errno(e, "read", pr->file);
		if (r == 0)
			return 1;
		content_update(&c, piece, (size_t)r);
		off += (uint64_t)r;
		len -= (uint64_t)r;
	}
	content_final(&c, out);
	return 0;
}

/* Is got, an entry of pr's key, a copy with pr's content?  1 yes, 0 no,
 * -1 on error. */
static int same_content(struct dedup_probe *pr, const unsigned char *got, struct err *e)
{
	unsigned char h[DEDUP_HASH_LEN];
	int rc;

	if (!(got[DEDUP_ENTRY_FLAGS] & FLAG_LENGTH))
		return memcmp(got + KEY_BYTES, probe_content(pr), CONTENT_BYTES) == 0;
	rc = stored_content(pr, get_le(got + KEY_BYTES + CONTENT_BYTES, 7),
			    get_le(got + KEY_BYTES, 8), h, e);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return memcmp(h, probe_content(pr), DEDUP_HASH_LEN) == 0;
}

/* got is an entry of pr's key: *dup when it is a copy of pr's content,
 * else one more in *conflicts. */
static int match(struct dedup_probe *pr, const unsigned char *got, int *dup, unsigned *conflicts,
		 struct err *e)
{
	int rc = same_content(pr, got, e);

	if (rc < 0)
		return -1;
	if (rc)
		*dup = 1;
	else
		(*conflicts)++;
	return 0;
}

/* Look for pr's key among entries [from, to) of the index, read in
 * chunks (pr NULL: only *sorted_end): *dup when one has its content too,
 * else *conflicts counts those with other content.  *sorted_end (if not
 * NULL) gets the position after the last entry flagged SORTED_END, or 0. */
static int scan_entries(int fd, const char *name, off_t from, off_t to, struct dedup_probe *pr,
			int *dup, unsigned *conflicts, off_t *sorted_end, struct err *e)
{
	static unsigned char chunk[2048 * DEDUP_ENTRY_LEN];
	uint64_t want = 0;
	off_t off = from;

	if (pr != NULL)
		memcpy(&want, pr->key, sizeof want);
	while (off < to) {
		size_t len = to - off < (off_t)sizeof chunk ? (size_t)(to - off) : sizeof chunk;
		ssize_t r = pread(fd, chunk, len, off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return err_errno(e, "read", name);
		r -= r % DEDUP_ENTRY_LEN;
		if (r == 0)
			break;
		for (size_t i = 0; i < (size_t)r; i += DEDUP_ENTRY_LEN) {
			uint64_t k;

			if (sorted_end != NULL && (chunk[i + DEDUP_ENTRY_FLAGS] & FLAG_SORTED_END))
				*sorted_end = off + (off_t)(i + DEDUP_ENTRY_LEN);
			memcpy(&k, chunk + i, sizeof k);
			if (pr == NULL || k != want || *dup)
				continue;
			if (match(pr, chunk + i, dup, conflicts, e) < 0)
				return -1;
		}
		off += r;
	}
	return 0;
}

static int read_entry(int fd, const char *name, off_t at, unsigned char *out, struct err *e)
{
	ssize_t r;

	do
		r = pread(fd, out, DEDUP_ENTRY_LEN, at);
	while (r < 0 && errno == EINTR);
	if (r != DEDUP_ENTRY_LEN)
		return r < 0 ? err_errno(e, "read", name) : err_set(e, ERR_TEMP, "read %s: short", name);
	return 0;
}

/* Binary search of the sorted region [0, end): entries are sorted by
 * their first 24 bytes, so those of pr's key are adjacent. */
static int search_sorted(int fd, const char *name, off_t end, struct dedup_probe *pr,
			 int *dup, unsigned *conflicts, struct err *e)
{
	unsigned char got[DEDUP_ENTRY_LEN];
	off_t lo = 0, hi = end / DEDUP_ENTRY_LEN;

	while (lo < hi) {
		off_t mid = lo + (hi - lo) / 2;

		if (read_entry(fd, name, mid * DEDUP_ENTRY_LEN, got, e) < 0)
			return -1;
		if (memcmp(got, pr->key, KEY_BYTES) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo * DEDUP_ENTRY_LEN < end && !*dup; lo++) {
		if (read_entry(fd, name, lo * DEDUP_ENTRY_LEN, got, e) < 0)
			return -1;
		if (memcmp(got, pr->key, KEY_BYTES) != 0)
			break;
		if (match(pr, got, dup, conflicts, e) < 0)
			return -1;
	}
	return 0;
}

/* Look pr up in an index of size bytes.  An index is a sorted region
 * (its last entry flagged SORTED_END; none in a young index) followed by
 * the entries appended since, in the order they came.  The tail is read
 * whole (at most tail_max entries unless merging failed), the sorted
 * region binary-searched; *tail counts the tail's entries. */
int dedup_lookup(int fd, const char *name, off_t size, unsigned tail_max,
			struct dedup_probe *pr, int *dup, unsigned *conflicts, off_t *tail,
			struct err *e)
{
	off_t window = (off_t)(tail_max + 1) * DEDUP_ENTRY_LEN, from, sorted_end = 0;

	*dup = 0;
	*conflicts = 0;
	/* where the sorted region ends: within reach of the end, or (an index
	 * whose sorting failed) anywhere */
	from = size > window ? size - window : 0;
	if (scan_entries(fd, name, from, size, NULL, NULL, NULL, &sorted_end, e) < 0)
		return -1;
	if (sorted_end == 0 && from > 0 &&
	    scan_entries(fd, name, 0, from, NULL, NULL, NULL, &sorted_end, e) < 0)
		return -1;
	*tail = (size - sorted_end) / DEDUP_ENTRY_LEN;
	if (scan_entries(fd, name, sorted_end, size, pr, dup, conflicts, NULL, e) < 0)
		return -1;
	if (*dup)
		return 0;
	return search_sorted(fd, name, sorted_end, pr, dup, conflicts, e);
}

/* Rewrite the index with every entry sorted (tmp file, fsync, rename),
 * so lookups stay a binary search and a short scan however many reports
 * the day holds.  Runs under the lock before a delivery's journal; a
 * crash leaves the old index whole (and maybe .idx-merge, overwritten by
 * the next merge).  *fd is replaced by the new file. */
static int by_entry(const void *a, const void *b)
{
	return memcmp(a, b, KEY_BYTES + CONTENT_BYTES);
}

int dedup_merge(int dirfd, const char *name, mode_t mode, int *fd, off_t size, struct err *e)
{
	unsigned char *all = malloc(size > 0 ? (size_t)size : 1);
	size_t n = (size_t)size / DEDUP_ENTRY_LEN;
	int tmp = -1, rc = -1, nfd;
	off_t off = 0;

	if (all == NULL)
		return err_nomem(e);
	while (off < size) {
		ssize_t r = pread(*fd, all + off, (size_t)(size - off), off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			err_errno(e, "read", name);
			goto out;
		}
		off += r;
	}
	qsort(all, n, DEDUP_ENTRY_LEN, by_entry);
	for (size_t i = 0; i < n; i++)
		all[i * DEDUP_ENTRY_LEN + DEDUP_ENTRY_FLAGS] &= (unsigned char)~FLAG_SORTED_END;
	if (n > 0)
		all[(n - 1) * DEDUP_ENTRY_LEN + DEDUP_ENTRY_FLAGS] |= FLAG_SORTED_END;
	tmp = openat(dirfd, ".idx-merge", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (tmp < 0 || fchmod(tmp, mode) < 0 || util_write_all(tmp, all, (size_t)size) < 0 ||
	    fsync(tmp) < 0) {
		err_errno(e, "write", ".idx-merge");
		if (tmp >= 0)
			unlinkat(dirfd, ".idx-merge", 0);
		goto out;
	}
	if (renameat(dirfd, ".idx-merge", dirfd, name) < 0) {
		err_errno(e, "rename .idx-merge to", name);
		unlinkat(dirfd, ".idx-merge", 0);
		goto out;
	}
	if (fsync(dirfd) < 0) {
		err_errno(e, "fsync spool directory for", name);
		goto out;
	}
	nfd = openat(dirfd, name, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (nfd < 0) {
		err_errno(e, "open", name);
		goto out;
	}
	close(*fd);
	*fd = nfd;
	rc = 0;
out:
	if (tmp >= 0)
		close(tmp);
	free(all);
	return rc;
}

/* Open the day's index if it exists (*fd = -1 if not) and its size in
 * whole entries: a torn tail no journal covers (it cannot happen unless
 * the file was damaged) is cut off so entries stay aligned. */
int dedup_open(int dirfd, const char *name, int *fd, off_t *size, struct err *e)
{
	struct stat st;

	*size = 0;
	*fd = openat(dirfd, name, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (*fd < 0 && errno == ENOENT)
		return 0;
	if (*fd < 0)
		return err_errno(e, "open", name);
	if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
		close(*fd);
		*fd = -1;
		return err_set(e, ERR_TEMP, "open %s: not a plain file with one link", name);
	}
	*size = st.st_size - st.st_size % DEDUP_ENTRY_LEN;
	if (*size != st.st_size && (ftruncate(*fd, *size) < 0 || fsync(*fd) < 0)) {
		err_errno(e, "truncate", name);
		close(*fd);
		*fd = -1;
		return -1;
	}
	return 0;
}

/* Append the entry to the index (created if need be) and make it durable. */
int dedup_append(int dirfd, int fd, int created, const char *name,
		 const unsigned char ent[DEDUP_ENTRY_LEN], struct err *e)
{
	if (util_write_all(fd, ent, DEDUP_ENTRY_LEN) < 0 || fsync(fd) < 0)
		return err_errno(e, "write", name);
	if (created && fsync(dirfd) < 0)
		return err_errno(e, "fsync spool directory for", name);
	return 0;
}

