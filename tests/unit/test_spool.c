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

static const unsigned char lines1[] = "{\"a\":1}\n{\"a\":2}\n";
static const unsigned char lines2[] = "{\"b\":1}\n";

/* store a report whose content hash is SHA-256 of tag */
static int store(struct spool *s, const char *day, const char *org, const char *id, const char *tag,
		 const unsigned char *lines, size_t n, unsigned timeout, unsigned *conflicts,
		 spool_conflict_fn fn, struct err *e)
{
	unsigned char content[SHA256_LEN];
	struct sha256 c;
	struct spool_report r = { day, org, id, content, lines, n, fn, NULL };

	sha256_init(&c);
	sha256_update(&c, tag, strlen(tag));
	sha256_final(&c, content);
	return spool_store(s, &r, timeout, conflicts, e);
}

#define STORE(s, org, id, tag, lines, e) \
	store((s), "2026-05-18", (org), (id), (tag), (lines), sizeof(lines) - 1, 1000, NULL, NULL, (e))

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
	char *got;
	size_t n;
	mode_t old = umask(077);

	fresh_dir();
	err_clear(&e);
	ok(spool_open(&s, dir, &e) == 0, "open spool");
	ok(STORE(&s, "Org", "id-1", "c1", lines1, &e) == 0, "store first report");
	ok(STORE(&s, "Org", "id-2", "c2", lines2, &e) == 0, "store second report");
	ok(STORE(&s, "Org", "id-1", "c1", lines2, &e) < 0, "redelivery refused");
	is_int(e.cls, ERR_DUPLICATE, "redelivery (same key and content) is a duplicate");
	err_clear(&e);
	ok(STORE(&s, "Other Org", "id-1", "c1", lines2, &e) == 0,
	   "same report id from another organization is not a duplicate");
	got = slurp("2026-05-18.jsonl", &n);
	is_str(got, "{\"a\":1}\n{\"a\":2}\n{\"b\":1}\n{\"b\":1}\n", "daily file holds exactly the stored lines");
	free(got);
	is_int((int)mode_of("2026-05-18.jsonl"), 0640, "daily file mode 0640 despite umask 077");
	is_int((int)mode_of("2026-05-18.idx"), 0640, "index mode 0640 despite umask 077");
	is_int((int)mode_of(".lock"), 0640, ".lock mode 0640 despite umask 077");
	is_int((int)size_of("2026-05-18.idx"), 3 * SPOOL_ENTRY_LEN, "index: one 32-byte entry per stored report");
	ok(store(&s, "2026-02-30", "Org", "id-9", "c9", lines2, sizeof lines2 - 1, 1000, NULL, NULL, &e) < 0,
	   "impossible day refused");
	spool_close(&s);
	umask(old);
}

static unsigned conflict_calls, conflict_stored;
static const unsigned char warned[] = "{\"b\":1,\"w\":\"conflict\"}\n";

static int on_conflict(void *arg, unsigned stored, const unsigned char **lines, size_t *n,
		       struct err *e)
{
	(void)arg;
	(void)e;
	conflict_calls++;
	conflict_stored = stored;
	*lines = warned;
	*n = sizeof warned - 1;
	return 0;
}

/* The forged-first case: the same key with other content is stored too,
 * through on_conflict; a redelivery of either copy is a duplicate. */
static void test_conflict(void)
{
	struct spool s;
	struct err e;
	unsigned conflicts = 99;
	unsigned char ent[SPOOL_ENTRY_LEN];
	char *got, path[512];
	size_t n;
	int fd;

	fresh_dir();
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(store(&s, "2026-05-18", "Google", "id", "forged", lines1, sizeof lines1 - 1, 1000,
		 &conflicts, on_conflict, &e) == 0, "forged copy stored first");
	is_int((int)conflicts, 0, "... without a conflict");
	is_int((int)conflict_calls, 0, "... on_conflict not called");
	ok(store(&s, "2026-05-18", "Google", "id", "real", lines2, sizeof lines2 - 1, 1000,
		 &conflicts, on_conflict, &e) == 0, "real copy, same key, other content: stored too");
	is_int((int)conflicts, 1, "... one conflicting copy reported");
	is_int((int)conflict_calls, 1, "... on_conflict called once");
	is_int((int)conflict_stored, 1, "... told of one stored copy");
	got = slurp("2026-05-18.jsonl", &n);
	is_str(got, "{\"a\":1}\n{\"a\":2}\n{\"b\":1,\"w\":\"conflict\"}\n",
	       "... with the lines on_conflict gave");
	free(got);
	ok(store(&s, "2026-05-18", "Google", "id", "real", lines2, sizeof lines2 - 1, 1000,
		 &conflicts, on_conflict, &e) < 0 && e.cls == ERR_DUPLICATE, "redelivery of the real copy: duplicate");
	err_clear(&e);
	ok(store(&s, "2026-05-18", "Google", "id", "forged", lines1, sizeof lines1 - 1, 1000,
		 &conflicts, on_conflict, &e) < 0 && e.cls == ERR_DUPLICATE, "redelivery of the forged copy: duplicate");
	err_clear(&e);
	ok(store(&s, "2026-05-18", "Google", "id", "third", lines2, sizeof lines2 - 1, 1000,
		 &conflicts, on_conflict, &e) == 0, "a third content: stored");
	is_int((int)conflicts, 2, "... conflicting with two copies");
	is_int((int)size_of("2026-05-18.idx"), 3 * SPOOL_ENTRY_LEN, "three index entries");
	/* the second entry says where its lines start: after the 16 bytes of the first */
	snprintf(path, sizeof path, "%s/2026-05-18.idx", dir);
	fd = open(path, O_RDONLY);
	ok(fd >= 0 && pread(fd, ent, sizeof ent, SPOOL_ENTRY_LEN) == SPOOL_ENTRY_LEN, "read entry 2");
	if (fd >= 0)
		close(fd);
	is_int(ent[24] | ent[25] << 8 | ent[26] << 16 | ent[27] << 24, 16, "entry 2: offset of its first line");
	is_int(ent[SPOOL_ENTRY_FLAGS], SPOOL_FLAG_CONFLICT, "entry 2: flagged as stored in conflict");
	fd = open(path, O_RDONLY);
	ok(fd >= 0 && pread(fd, ent, sizeof ent, 0) == SPOOL_ENTRY_LEN, "read entry 1");
	if (fd >= 0)
		close(fd);
	is_int(ent[SPOOL_ENTRY_FLAGS], 0, "entry 1: not flagged");
	spool_close(&s);
}

/* A day's index is sorted every index_tail_max appends: lookups then
 * binary-search it and scan the tail, and find every report either way. */
static void test_sorted_index(void)
{
	struct spool s;
	struct err e;
	char id[16], tag[16], path[512];
	unsigned char all[40 * SPOOL_ENTRY_LEN];
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
		if (STORE(&s, "Org", id, tag, lines2, &e) < 0)
			break;
	}
	is_int((int)size_of("2026-05-18.idx"), 30 * SPOOL_ENTRY_LEN, "30 reports, 30 entries");
	for (int i = 0; i < 30; i++) {
		snprintf(id, sizeof id, "id-%d", i);
		snprintf(tag, sizeof tag, "c-%d", i);
		err_clear(&e);
		dups += STORE(&s, "Org", id, tag, lines2, &e) < 0 && e.cls == ERR_DUPLICATE;
		snprintf(tag, sizeof tag, "other-%d", i);
		err_clear(&e);
		conflicts = 0;
		if (i % 10 == 0)
			conflict_ok &= store(&s, "2026-05-18", "Org", id, tag, lines2, sizeof lines2 - 1, 1000,
					     &conflicts, NULL, &e) == 0 && conflicts == 1;
	}
	is_int(dups, 30, "every one found again: a duplicate");
	ok(conflict_ok, "other content under a key in the sorted part: stored, one conflict");
	snprintf(path, sizeof path, "%s/2026-05-18.idx", dir);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, all, sizeof all) : -1;
	if (fd >= 0)
		close(fd);
	is_int((int)n, 33 * SPOOL_ENTRY_LEN, "33 entries");
	for (int i = 0; i < 33; i++) {
		if (all[i * SPOOL_ENTRY_LEN + SPOOL_ENTRY_FLAGS] & 2)
			flagged = i + 1;
	}
	ok(flagged >= 28, "most of the index sorted, its end flagged");
	for (int i = 1; i < flagged; i++)
		sorted &= memcmp(all + (i - 1) * SPOOL_ENTRY_LEN, all + i * SPOOL_ENTRY_LEN, 24) <= 0;
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
	int fd;

	fresh_dir();
	for (size_t i = 0; i < sizeof key - 1; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	snprintf(path, sizeof path, "%s/.seen", dir);
	mkdir(path, 0750);
	snprintf(path, sizeof path, "%s/.seen/%02x", dir, (unsigned)(h >> 56));
	mkdir(path, 0750);
	snprintf(path, sizeof path, "%s/.seen/%02x/%016llx", dir, (unsigned)(h >> 56), (unsigned long long)h);
	fd = open(path, O_WRONLY | O_CREAT, 0640);
	ok(fd >= 0 && write(fd, key, sizeof key - 1) == (ssize_t)(sizeof key - 1), "plant an old marker");
	if (fd >= 0)
		close(fd);
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(STORE(&s, "Old Org", "old-1", "any", lines1, &e) < 0 && e.cls == ERR_DUPLICATE,
	   "a report marked by an old marker is a duplicate");
	err_clear(&e);
	is_int((int)size_of("2026-05-18.jsonl"), -1, "... nothing stored");
	ok(STORE(&s, "Old Org", "old-2", "any", lines1, &e) == 0, "an unmarked report is stored");
	spool_close(&s);
}

/* A journal left by a killed delivery is settled by the next lock holder. */
static void test_journal(void)
{
	struct spool s;
	struct err e;
	char path[512], line[256], ehex[65];
	unsigned char ent[SPOOL_ENTRY_LEN];
	int fd;

	fresh_dir();
	err_clear(&e);
	spool_open(&s, dir, &e);
	ok(STORE(&s, "Org", "id-1", "c1", lines1, &e) == 0, "store one report");
	/* killed after appending lines2 but before its index entry */
	snprintf(path, sizeof path, "%s/2026-05-18.jsonl", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, lines2, sizeof lines2 - 1) == sizeof lines2 - 1, "append unindexed lines");
	close(fd);
	memset(ent, 0xab, sizeof ent);
	for (size_t i = 0; i < sizeof ent; i++)
		snprintf(ehex + 2 * i, 3, "%02x", ent[i]);
	snprintf(line, sizeof line, "tlsrpt-journal 2 2026-05-18 %d %d %s\n", (int)(sizeof lines1 - 1),
		 SPOOL_ENTRY_LEN, ehex);
	snprintf(path, sizeof path, "%s/.lock", dir);
	fd = open(path, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, line, strlen(line)) == (ssize_t)strlen(line), "leave a journal");
	/* and half an entry */
	close(fd);
	snprintf(path, sizeof path, "%s/2026-05-18.idx", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, ent, 10) == 10, "... and half its entry");
	close(fd);
	ok(spool_lock(&s, 1000, &e) == 0, "spool_lock settles it");
	spool_unlock(&s);
	is_int((int)size_of("2026-05-18.jsonl"), (int)(sizeof lines1 - 1), "the unindexed append is cut back");
	is_int((int)size_of("2026-05-18.idx"), SPOOL_ENTRY_LEN, "the half entry is cut off");
	is_int((int)size_of(".lock"), 0, "journal emptied");
	/* the same journal with the entry whole: the append stays */
	snprintf(path, sizeof path, "%s/2026-05-18.jsonl", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, lines2, sizeof lines2 - 1) == sizeof lines2 - 1, "append again");
	close(fd);
	snprintf(path, sizeof path, "%s/2026-05-18.idx", dir);
	fd = open(path, O_WRONLY | O_APPEND);
	ok(fd >= 0 && write(fd, ent, sizeof ent) == sizeof ent, "... with its whole entry");
	close(fd);
	snprintf(path, sizeof path, "%s/.lock", dir);
	fd = open(path, O_WRONLY | O_TRUNC);
	ok(fd >= 0 && write(fd, line, strlen(line)) == (ssize_t)strlen(line), "leave the journal");
	close(fd);
	ok(spool_lock(&s, 1000, &e) == 0, "spool_lock settles it");
	spool_unlock(&s);
	is_int((int)size_of("2026-05-18.jsonl"), (int)(sizeof lines1 + sizeof lines2 - 2), "the indexed append stays");
	is_int((int)size_of("2026-05-18.idx"), 2 * SPOOL_ENTRY_LEN, "with its entry");
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
	ok(STORE(&s, "Org", "id-1", "c1", lines1, &e) < 0, "symlinked daily file refused");
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
	ok(store(&s, "2026-05-18", "Org", "id-1", "c1", lines1, sizeof lines1 - 1, 200, NULL, NULL, &e) < 0, "store fails while lock held");
	is_int(e.cls, ERR_TEMP, "lock timeout is temporary");
	is_str(e.reason, "lock timeout after 200 ms", "lock timeout reason");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	err_clear(&e);
	ok(store(&s, "2026-05-18", "Org", "id-1", "c1", lines1, sizeof lines1 - 1, 200, NULL, NULL, &e) == 0, "store succeeds once lock released");
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
	test_legacy_markers();
	test_sorted_index();
	test_journal();
	test_symlink_refused();
	test_lock_timeout();
	test_quarantine();
	test_valid_day();
	return tap_done();
}
