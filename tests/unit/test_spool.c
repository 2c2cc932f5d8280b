/* Unit tests for spool.c: append, duplicates, modes, symlinks, lock
 * timeout, quarantine.  Each test works in a fresh temporary directory. */
#include <dirent.h>
#include <signal.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "sha256.h"
#include "dedup.h"
#include "spool.h"
#include "util.h"

static char dir[256];

static void fresh_dir(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_spool.XXXXXX");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		exit(99);
	}
}

static char *slurp(const char *name, size_t *n)
{
	char path[512];
	struct buf b;
	char chunk[4096];
	ssize_t r;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	buf_init(&b);
	while ((r = read(fd, chunk, sizeof chunk)) > 0)
		buf_append(&b, chunk, (size_t)r);
	close(fd);
	*n = b.n;
	return buf_steal(&b);
}

/* Write p[0..n) to name below the spool directory, opened with O_WRONLY
 * and flags (O_APPEND, O_TRUNC, O_CREAT): 1 when all of it went out. */
static int put_file(const char *name, int flags, const void *p, size_t n)
{
	char path[512];
	int fd, done;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | flags, 0640);
	done = fd >= 0 && write(fd, p, n) == (ssize_t)n;
	if (fd >= 0)
		close(fd);
	return done;
}

/* Records as the spool sees them: what the reporter sent, then from
 * ,"received_at": on what a delivery adds. */
static const char lines1[] = "{\"a\":1,\"received_at\":\"t1\"}\n{\"a\":2,\"received_at\":\"t1\"}\n";
static const char lines1_again[] = "{\"a\":1,\"received_at\":\"t2\"}\n{\"a\":2,\"received_at\":\"t2\",\"w\":[]}\n";
static const char lines2[] = "{\"b\":1,\"received_at\":\"t1\"}\n";

static int store_lines(struct spool *s, const char *day, const char *org, const char *id,
		       const char *lines, unsigned timeout, unsigned *conflicts,
		       spool_conflict_fn fn, struct err *e)
{
	struct spool_report r = { day, org, id, (const unsigned char *)lines, strlen(lines), fn, NULL };

	return spool_store(s, &r, timeout, conflicts, e);
}

/* Store a one-line report whose content is tag, delivered at when. */
static int store(struct spool *s, const char *org, const char *id, const char *tag,
		 const char *when, unsigned *conflicts, struct err *e)
{
	char line[128];

	snprintf(line, sizeof line, "{\"c\":\"%s\",\"received_at\":\"%s\"}\n", tag, when);
	return store_lines(s, "2026-05-18", org, id, line, 1000, conflicts, NULL, e);
}

#define STORE(s, org, id, lines, e) \
	store_lines((s), "2026-05-18", (org), (id), (lines), 1000, NULL, NULL, (e))

/* Entry i of the day's index. */
static int entry(int i, unsigned char ent[DEDUP_ENTRY_LEN])
{
	char path[512];
	int fd, ok;

	snprintf(path, sizeof path, "%s/2026-05-18.idx", dir);
	fd = open(path, O_RDONLY);
	ok = fd >= 0 && pread(fd, ent, DEDUP_ENTRY_LEN, (off_t)i * DEDUP_ENTRY_LEN) == DEDUP_ENTRY_LEN;
	if (fd >= 0)
		close(fd);
	return ok;
}

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static mode_t mode_of(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static off_t size_of(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0 ? st.st_size : -1;
}

static void test_store_and_duplicate(void)
{
	struct spool s;
	struct err e;
	unsigned char ent[DEDUP_ENTRY_LEN];
	char *got;
	size_t n;
	mode_t old = umask(077);

	fresh_dir();
	err_clear(&e);
	ok(spool_open(&s, dir, &e) == 0, "open spool");
	ok(STORE(&s, "Org", "id-1", lines1, &e) == 0, "store first report");
	ok(STORE(&s, "Org", "id-2", lines2, &e) == 0, "store second report");
	ok(STORE(&s, "Org", "id-1", lines1_again, &e) < 0, "redelivery refused");
	is_int(e.cls, ERR_DUPLICATE, "redelivery (same key and content, other delivery fields) is a duplicate");
	err_clear(&e);
	ok(STORE(&s, "Other Org", "id-1", lines1_again, &e) == 0,
	   "same report id from another organization is not a duplicate");
	got = slurp("2026-05-18.jsonl", &n);
	ok(got != NULL && n == strlen(lines1) + strlen(lines2) + strlen(lines1_again) &&
	   memcmp(got, lines1, strlen(lines1)) == 0 &&
	   memcmp(got + strlen(lines1), lines2, strlen(lines2)) == 0 &&
	   memcmp(got + strlen(lines1) + strlen(lines2), lines1_again, strlen(lines1_again)) == 0,
	   "daily file holds exactly the stored lines");
	free(got);
	is_int((int)mode_of("2026-05-18.jsonl"), 0640, "daily file mode 0640 despite umask 077");
	is_int((int)mode_of("2026-05-18.idx"), 0640, "index mode 0640 despite umask 077");
	is_int((int)mode_of(".lock"), 0640, ".lock mode 0640 despite umask 077");
	is_int((int)size_of("2026-05-18.idx"), 3 * DEDUP_ENTRY_LEN, "index: one 32-byte entry per stored report");
	/* a first copy of its key: indexed by the length of its lines */
	ok(entry(1, ent), "read entry 2");
	is_int(ent[DEDUP_ENTRY_FLAGS], 4, "entry 2: flagged 4 (length, content not hashed)");
	is_int((long long)le(ent + 8, 8), (long long)strlen(lines2), "entry 2: bytes 8-15 the length of its lines");
	is_int((long long)le(ent + 16, 8), 0, "entry 2: bytes 16-23 zero");
	is_int((long long)le(ent + 24, 7), (long long)strlen(lines1), "entry 2: bytes 24-30 the offset of its lines");
	ok(store_lines(&s, "2026-02-30", "Org", "id-9", lines2, 1000, NULL, NULL, &e) < 0,
	   "impossible day refused");
	spool_close(&s);
	umask(old);
}

static unsigned conflict_calls, conflict_stored;
static const char forged[] = "{\"f\":1,\"received_at\":\"t1\"}\n";
static const char forged_again[] = "{\"f\":1,\"received_at\":\"t3\"}\n";
static const char real[] = "{\"r\":1,\"received_at\":\"t2\"}\n";
static const char real_again[] = "{\"r\":1,\"received_at\":\"t4\"}\n";
static const char third[] = "{\"r\":2,\"received_at\":\"t5\"}\n";
static const char warned[] = "{\"r\":1,\"received_at\":\"t2\",\"w\":\"conflict\"}\n";

static int on_conflict(void *arg, unsigned stored, const unsigned char **lines, size_t *n,
		       struct err *e)
{
	(void)arg;
	(void)e;
	conflict_calls++;
	conflict_stored = stored;
	if (*n == sizeof real - 1 && memcmp(*lines, real, *n) == 0) {
		*lines = (const unsigned char *)warned;
		*n = sizeof warned - 1;
	}
	return 0;
}

/* The forged-first case: the same key with other content is stored too,
 * through on_conflict; a redelivery of either copy is a duplicate, found
 * through the first copy's lines (indexed by length) or the second's
 * content hash. */
static void test_conflict(void)
{
	struct spool s;
	struct err e;
	unsigned conflicts = 99;
	unsigned char ent[DEDUP_ENTRY_LEN], h[DEDUP_HASH_LEN];
	char *got;
	size_t n;

	fresh_dir();
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(store_lines(&s, "2026-05-18", "Google", "id", forged, 1000, &conflicts, on_conflict, &e) == 0,
	   "forged copy stored first");
	is_int((int)conflicts, 0, "... without a conflict");
	is_int((int)conflict_calls, 0, "... on_conflict not called");
	ok(store_lines(&s, "2026-05-18", "Google", "id", real, 1000, &conflicts, on_conflict, &e) == 0,
	   "real copy, same key, other content: stored too");
	is_int((int)conflicts, 1, "... one conflicting copy reported");
	is_int((int)conflict_calls, 1, "... on_conflict called once");
	is_int((int)conflict_stored, 1, "... told of one stored copy");
	got = slurp("2026-05-18.jsonl", &n);
	is_str(got, "{\"f\":1,\"received_at\":\"t1\"}\n{\"r\":1,\"received_at\":\"t2\",\"w\":\"conflict\"}\n",
	       "... with the lines on_conflict gave");
	free(got);
	ok(store_lines(&s, "2026-05-18", "Google", "id", real_again, 1000, &conflicts, on_conflict, &e) < 0 &&
	   e.cls == ERR_DUPLICATE, "redelivery of the real copy: duplicate");
	err_clear(&e);
	ok(store_lines(&s, "2026-05-18", "Google", "id", forged_again, 1000, &conflicts, on_conflict, &e) < 0 &&
	   e.cls == ERR_DUPLICATE, "redelivery of the forged copy: duplicate");
	err_clear(&e);
	ok(store_lines(&s, "2026-05-18", "Google", "id", third, 1000, &conflicts, on_conflict, &e) == 0,
	   "a third content: stored");
	is_int((int)conflicts, 2, "... conflicting with two copies");
	is_int((int)size_of("2026-05-18.idx"), 3 * DEDUP_ENTRY_LEN, "three index entries");
	ok(entry(0, ent), "read entry 1");
	is_int(ent[DEDUP_ENTRY_FLAGS], 4, "entry 1 (first of its key): indexed by length, not flagged a conflict");
	is_int((long long)le(ent + 8, 8), (long long)strlen(forged), "entry 1: the length of its lines");
	ok(entry(1, ent), "read entry 2");
	is_int((long long)le(ent + 24, 7), (long long)strlen(forged), "entry 2: offset of its first line");
	is_int(ent[DEDUP_ENTRY_FLAGS], DEDUP_FLAG_CONFLICT, "entry 2: flagged as stored in conflict, content hashed");
	dedup_content_hash((const unsigned char *)real, strlen(real), h);
	ok(memcmp(ent + 8, h, 16) == 0, "entry 2: bytes 8-23 the first 16 of its content hash");
	spool_close(&s);
}

/* A line of about 64 KiB whose byte at 65536 - shift starts mid (a ',' that
 * begins a near-miss ',"receivedXat":' when near is not 0, else the cut),
 * then the cut and delivery time when.  A stored copy is read back in
 * 64 KiB pieces from its first byte: the piece ends inside mid. */
static char *long_line(int shift, char near, const char *when)
{
	static const char head[] = "{\"c\":\"";
	size_t k = 65536 - (size_t)shift - (sizeof head - 1) - 1, n = 0;
	char *p = malloc(k + 128);

	n += (size_t)sprintf(p, "%s", head);
	memset(p + n, 'x', k);
	n += k;
	p[n++] = '"';
	if (near)
		n += (size_t)sprintf(p + n, ",\"received%cat\":0", near);
	sprintf(p + n, ",\"received_at\":\"%s\"}\n", when);
	return p;
}

/* A redelivery of a long first copy is found however the pieces its lines
 * are read back in cut ,"received_at": or a near miss. */
static void test_stored_pieces(void)
{
	struct spool s;
	struct err e;
	char id[32];
	int stored = 0, dups = 0, others = 0;
	unsigned conflicts;

	fresh_dir();
	err_clear(&e);
	spool_open(&s, dir, &e);
	for (int near = 0; near < 2; near++) {
		for (int shift = 0; shift < 17; shift++) {
			char *first = long_line(shift, near ? 'X' : 0, "t1");
			char *again = long_line(shift, near ? 'X' : 0, "t2");
			char *other = long_line(shift, near ? 'Y' : 0, "t2");

			if (!near)  /* the content differs in its last x */
				other[strlen(other) - strlen(",\"received_at\":\"t2\"}\n") - 2] = 'y';
			snprintf(id, sizeof id, "id-%d-%d", near, shift);
			err_clear(&e);
			stored += STORE(&s, "Org", id, first, &e) == 0;
			err_clear(&e);
			dups += STORE(&s, "Org", id, again, &e) < 0 && e.cls == ERR_DUPLICATE;
			err_clear(&e);
			conflicts = 0;
			others += store_lines(&s, "2026-05-18", "Org", id, other, 1000, &conflicts, NULL, &e) == 0 &&
				  conflicts == 1;
			free(first);
			free(again);
			free(other);
		}
	}
	is_int(stored, 34, "34 long first copies stored");
	is_int(dups, 34, "each redelivery a duplicate, its stored copy read back in pieces");
	is_int(others, 34, "each other content stored beside it (the held bytes count)");
	spool_close(&s);
}

/* A first copy whose lines are no longer all in the daily file (damaged
 * by hand) matches nothing: the redelivery is stored beside it. */
static void test_damaged_copy(void)
{
	struct spool s;
	struct err e;
	unsigned conflicts = 0;
	char path[512];

	fresh_dir();
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(STORE(&s, "Org", "id-1", lines1, &e) == 0, "store a report");
	snprintf(path, sizeof path, "%s/2026-05-18.jsonl", dir);
	ok(truncate(path, 10) == 0, "cut its lines short");
	ok(store_lines(&s, "2026-05-18", "Org", "id-1", lines1_again, 1000, &conflicts, NULL, &e) == 0,
	   "its redelivery is stored");
	is_int((int)conflicts, 1, "... beside the damaged copy");
	spool_close(&s);
}

/* An index entry with the content hash, as versions before the length
 * entries wrote every entry: still found by it. */
static void test_hashed_entry(void)
{
	static const char key[] = "Org\0old-1";
	unsigned char ent[DEDUP_ENTRY_LEN], h[SHA256_LEN];
	struct sha256 c;
	struct spool s;
	struct err e;
	unsigned conflicts = 0;

	fresh_dir();
	memset(ent, 0, sizeof ent);
	sha256_init(&c);
	sha256_update(&c, key, sizeof key - 1);
	sha256_final(&c, h);
	memcpy(ent, h, 8);
	dedup_content_hash((const unsigned char *)lines1, strlen(lines1), h);
	memcpy(ent + 8, h, 16);
	ok(put_file("2026-05-18.jsonl", O_CREAT, lines1, strlen(lines1)), "plant a stored report");
	ok(put_file("2026-05-18.idx", O_CREAT, ent, sizeof ent), "... and its entry with the content hash");
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(STORE(&s, "Org", "old-1", lines1_again, &e) < 0 && e.cls == ERR_DUPLICATE,
	   "its redelivery: a duplicate");
	err_clear(&e);
	ok(store_lines(&s, "2026-05-18", "Org", "old-1", lines2, 1000, &conflicts, NULL, &e) == 0,
	   "other content under its key: stored");
	is_int((int)conflicts, 1, "... beside it");
	spool_close(&s);
}

/* A day's index is sorted every index_tail_max appends: lookups then
 * binary-search it and scan the tail, and find every report either way. */
static void test_sorted_index(void)
{
	struct spool s;
	struct err e;
	char id[16], tag[16], path[512];
	unsigned char all[40 * DEDUP_ENTRY_LEN];
	unsigned conflicts;
	int fd, dups = 0, sorted = 1, flagged = 0, conflict_ok = 1;
	ssize_t n;

	fresh_dir();
	err_clear(&e);
	spool_open(&s, dir, &e);
	s.index_tail_max = 4;
	for (int i = 0; i < 30; i++) {
		snprintf(id, sizeof id, "id-%d", i);
		snprintf(tag, sizeof tag, "c-%d", i);
		if (store(&s, "Org", id, tag, "t1", NULL, &e) < 0)
			break;
	}
	is_int((int)size_of("2026-05-18.idx"), 30 * DEDUP_ENTRY_LEN, "30 reports, 30 entries");
	for (int i = 0; i < 30; i++) {
		snprintf(id, sizeof id, "id-%d", i);
		snprintf(tag, sizeof tag, "c-%d", i);
		err_clear(&e);
		dups += store(&s, "Org", id, tag, "t2", NULL, &e) < 0 && e.cls == ERR_DUPLICATE;
		snprintf(tag, sizeof tag, "other-%d", i);
		err_clear(&e);
		conflicts = 0;
		if (i % 10 == 0)
			conflict_ok &= store(&s, "Org", id, tag, "t1", &conflicts, &e) == 0 &&
				       conflicts == 1;
	}
	is_int(dups, 30, "every one found again: a duplicate");
	ok(conflict_ok, "other content under a key in the sorted part: stored, one conflict");
	snprintf(path, sizeof path, "%s/2026-05-18.idx", dir);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, all, sizeof all) : -1;
	if (fd >= 0)
		close(fd);
	is_int((int)n, 33 * DEDUP_ENTRY_LEN, "33 entries");
	for (int i = 0; i < 33; i++) {
		if (all[i * DEDUP_ENTRY_LEN + DEDUP_ENTRY_FLAGS] & 2)
			flagged = i + 1;
	}
	ok(flagged >= 28, "most of the index sorted, its end flagged");
	for (int i = 1; i < flagged; i++)
		sorted &= memcmp(all + (i - 1) * DEDUP_ENTRY_LEN, all + i * DEDUP_ENTRY_LEN, 24) <= 0;
	ok(sorted, "... in order of key and content");
	is_int((int)mode_of("2026-05-18.idx"), 0640, "a sorted index keeps mode 0640");
	is_int((int)mode_of(".idx-merge"), -1, "no temporary file left");
	spool_close(&s);
}

/* A spool written by a version with one marker file per report: a key
 * marked there stays a duplicate. */
static void test_legacy_markers(void)
{
	/* FNV-1a 64 of "Old Org\0old-1", as those versions named it */
	static const char key[] = "Old Org\0old-1";
	uint64_t h = 14695981039346656037ULL;
	char path[512];
	struct spool s;
	struct err e;

	fresh_dir();
	for (size_t i = 0; i < sizeof key - 1; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	snprintf(path, sizeof path, "%s/.seen", dir);
	mkdir(path, 0750);
	snprintf(path, sizeof path, "%s/.seen/%02x", dir, (unsigned)(h >> 56));
	mkdir(path, 0750);
	snprintf(path, sizeof path, ".seen/%02x/%016llx", (unsigned)(h >> 56), (unsigned long long)h);
	ok(put_file(path, O_CREAT, key, sizeof key - 1), "plant an old marker");
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(STORE(&s, "Old Org", "old-1", lines1, &e) < 0 && e.cls == ERR_DUPLICATE,
	   "a report marked by an old marker is a duplicate");
	err_clear(&e);
	is_int((int)size_of("2026-05-18.jsonl"), -1, "... nothing stored");
	ok(STORE(&s, "Old Org", "old-2", lines1, &e) == 0, "an unmarked report is stored");
	spool_close(&s);
}

/* A journal left by a killed delivery is settled by the next lock holder. */
static void test_journal(void)
{
	struct spool s;
	struct err e;
	char line[256], ehex[65];
	unsigned char ent[DEDUP_ENTRY_LEN];

	fresh_dir();
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(STORE(&s, "Org", "id-1", lines1, &e) == 0, "store one report");
	/* killed after appending lines2 but before its index entry */
	ok(put_file("2026-05-18.jsonl", O_APPEND, lines2, sizeof lines2 - 1), "append unindexed lines");
	memset(ent, 0xab, sizeof ent);
	for (size_t i = 0; i < sizeof ent; i++)
		snprintf(ehex + 2 * i, 3, "%02x", ent[i]);
	snprintf(line, sizeof line, "tlsrpt-journal 2 2026-05-18 %d %d %s\n", (int)(sizeof lines1 - 1),
		 DEDUP_ENTRY_LEN, ehex);
	ok(put_file(".lock", O_TRUNC, line, strlen(line)), "leave a journal");
	ok(put_file("2026-05-18.idx", O_APPEND, ent, 10), "... and half its entry");
	ok(spool_lock(&s, 1000, &e) == 0, "spool_lock settles it");
	spool_unlock(&s);
	is_int((int)size_of("2026-05-18.jsonl"), (int)(sizeof lines1 - 1), "the unindexed append is cut back");
	is_int((int)size_of("2026-05-18.idx"), DEDUP_ENTRY_LEN, "the half entry is cut off");
	is_int((int)size_of(".lock"), 0, "journal emptied");
	/* the same journal with the entry whole: the append stays */
	ok(put_file("2026-05-18.jsonl", O_APPEND, lines2, sizeof lines2 - 1), "append again");
	ok(put_file("2026-05-18.idx", O_APPEND, ent, sizeof ent), "... with its whole entry");
	ok(put_file(".lock", O_TRUNC, line, strlen(line)), "leave the journal");
	ok(spool_lock(&s, 1000, &e) == 0, "spool_lock settles it");
	spool_unlock(&s);
	is_int((int)size_of("2026-05-18.jsonl"), (int)(sizeof lines1 + sizeof lines2 - 2), "the indexed append stays");
	is_int((int)size_of("2026-05-18.idx"), 2 * DEDUP_ENTRY_LEN, "with its entry");
	spool_close(&s);
}

static void test_symlink_refused(void)
{
	struct spool s;
	struct err e;
	char link[512];

	fresh_dir();
	snprintf(link, sizeof link, "%s/2026-05-18.jsonl", dir);
	ok(symlink("/tmp/elsewhere-tlsrpt-test", link) == 0, "plant symlink");
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(STORE(&s, "Org", "id-1", lines1, &e) < 0, "symlinked daily file refused");
	is_int(e.cls, ERR_TEMP, "refusal is a temporary failure");
	ok(access("/tmp/elsewhere-tlsrpt-test", F_OK) != 0, "symlink target not created");
	spool_close(&s);
}

static void test_lock_timeout(void)
{
	struct spool s;
	struct err e;
	char path[512];
	int fd, ready[2], status;
	pid_t child;

	fresh_dir();
	snprintf(path, sizeof path, "%s/.lock", dir);
	if (pipe(ready) < 0)
		exit(99);
	child = fork();
	if (child == 0) {
		fd = open(path, O_RDWR | O_CREAT, 0640);
		flock(fd, LOCK_EX);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		sleep(3);
		_exit(0);
	}
	char c;
	if (read(ready[0], &c, 1) != 1)
		exit(99);
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(store_lines(&s, "2026-05-18", "Org", "id-1", lines1, 200, NULL, NULL, &e) < 0, "store fails while lock held");
	is_int(e.cls, ERR_TEMP, "lock timeout is temporary");
	is_str(e.reason, "lock timeout after 200 ms", "lock timeout reason");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	err_clear(&e);
	ok(store_lines(&s, "2026-05-18", "Org", "id-1", lines1, 200, NULL, NULL, &e) == 0, "store succeeds once lock released");
	spool_close(&s);
}

static void test_quarantine(void)
{
	static const unsigned char msg[] = "Subject: spam\n\nbuy now\n";
	struct spool s;
	struct err e;
	char name[128], rel[512], *got;
	size_t n;
	DIR *d;
	int tmp_entries = 0;
	struct dirent *de;

	fresh_dir();
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(spool_quarantine(&s, msg, sizeof msg - 1, "no report\nattachment", name, sizeof name, &e) == 0, "quarantine");
	snprintf(rel, sizeof rel, "quarantine/new/%s", name);
	got = slurp(rel, &n);
	is_str(got, "X-Tlsrpt-Quarantine-Reason: no report\nattachment\nSubject: spam\n\nbuy now\n",
	       "quarantined copy starts with the reason");
	free(got);
	snprintf(rel, sizeof rel, "%s/quarantine/tmp", dir);
	d = opendir(rel);
	while (d != NULL && (de = readdir(d)) != NULL)
		tmp_entries += de->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	is_int(tmp_entries, 0, "nothing left in quarantine/tmp");
	spool_close(&s);
}

static void test_valid_day(void)
{
	ok(spool_valid_day("2024-02-29"), "leap day");
	ok(!spool_valid_day("2023-02-29"), "not a leap year");
	ok(!spool_valid_day("2026-13-01"), "month 13");
	ok(!spool_valid_day("../../etc"), "path refused");
	ok(!spool_valid_day("2026-05-1x"), "non-digit");
}

int main(void)
{
	test_store_and_duplicate();
	test_conflict();
	test_stored_pieces();
	test_damaged_copy();
	test_hashed_entry();
	test_legacy_markers();
	test_sorted_index();
	test_journal();
	test_symlink_refused();
	test_lock_timeout();
	test_quarantine();
	test_valid_day();
	return tap_done();
}
