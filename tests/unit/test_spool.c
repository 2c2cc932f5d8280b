/* Unit tests for spool.c: append, duplicates, modes, symlinks, lock
 * timeout, quarantine.  Each test works in a fresh temporary directory. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
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

static void test_store_and_duplicate(void)
{
	struct spool s;
	struct err e;
	struct stat st;
	char path[512], *got;
	size_t n;
	mode_t old = umask(077);

	fresh_dir();
	err_clear(&e);
	ok(spool_open(&s, dir, &e) == 0, "open spool");
	ok(spool_store(&s, "2026-05-18", "Org", "id-1", lines1, sizeof lines1 - 1, 1000, &e) == 0, "store first report");
	ok(spool_store(&s, "2026-05-18", "Org", "id-2", lines2, sizeof lines2 - 1, 1000, &e) == 0, "store second report");
	ok(spool_store(&s, "2026-05-18", "Org", "id-1", lines2, sizeof lines2 - 1, 1000, &e) < 0, "redelivery refused");
	is_int(e.cls, ERR_DUPLICATE, "redelivery is a duplicate");
	err_clear(&e);
	ok(spool_store(&s, "2026-05-18", "Other Org", "id-1", lines2, sizeof lines2 - 1, 1000, &e) == 0,
	   "same report id from another organization is not a duplicate");
	got = slurp("2026-05-18.jsonl", &n);
	is_str(got, "{\"a\":1}\n{\"a\":2}\n{\"b\":1}\n{\"b\":1}\n", "daily file holds exactly the stored lines");
	free(got);
	snprintf(path, sizeof path, "%s/2026-05-18.jsonl", dir);
	ok(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640, "daily file mode 0640 despite umask 077");
	ok(spool_store(&s, "2026-02-30", "Org", "id-9", lines2, sizeof lines2 - 1, 1000, &e) < 0, "impossible day refused");
	spool_close(&s);
	umask(old);
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
	ok(spool_store(&s, "2026-05-18", "Org", "id-1", lines1, sizeof lines1 - 1, 1000, &e) < 0, "symlinked daily file refused");
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
	ok(spool_store(&s, "2026-05-18", "Org", "id-1", lines1, sizeof lines1 - 1, 200, &e) < 0, "store fails while lock held");
	is_int(e.cls, ERR_TEMP, "lock timeout is temporary");
	is_str(e.reason, "lock timeout after 200 ms", "lock timeout reason");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	err_clear(&e);
	ok(spool_store(&s, "2026-05-18", "Org", "id-1", lines1, sizeof lines1 - 1, 200, &e) == 0, "store succeeds once lock released");
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
	test_symlink_refused();
	test_lock_timeout();
	test_quarantine();
	test_valid_day();
	return tap_done();
}
