/* Unit tests for spool retention (expire_spool). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "expire.h"
#include "../tap.h"

#define NOW ((time_t)1779105600)       /* 2026-05-18T12:00:00Z */
#define DAY 86400

static char dir[64];

static void touch(const char *name, time_t mtime)
{
	char path[256];
	struct timespec ts[2];
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, "x\n", 2) != 2)
		abort();
	ts[0].tv_sec = ts[1].tv_sec = mtime;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	futimens(fd, ts);
	close(fd);
}

static int exists(const char *name)
{
	char path[256];
	struct stat sb;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	return lstat(path, &sb) == 0;
}

static void mk(const char *name)
{
	char path[256];

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (mkdir(path, 0700) < 0)
		abort();
}

static void build(void)
{
	char path[256], target[256];

	touch("2026-05-18.jsonl", NOW);            /* today */
	touch("2026-05-19.jsonl", NOW);            /* future */
	touch("2026-04-18.jsonl", NOW);            /* today - 30: kept by 30 */
	touch("2026-04-17.jsonl", NOW);            /* today - 31: goes */
	touch("2026-05-18.idx", NOW);              /* indexes go with their day */
	touch("2026-04-18.idx", NOW);
	touch("2026-04-17.idx", NOW);
	touch("2026-04-16.idx", NOW);              /* even without its daily file */
	touch("2026-04-17.idx.bak", 0);            /* not the pattern */
	touch("2026-02-30.idx", 0);
	touch("2020-02-29.jsonl", NOW);            /* long ago: goes */
	touch("2026-04-01.jsonl.bak", 0);          /* not the pattern */
	touch("2026-4-01.jsonl", 0);
	touch("2026-02-30.jsonl", 0);              /* no such date */
	touch("x026-01-01.jsonl", 0);
	touch("notes.txt", 0);
	touch(".2026-01-01.jsonl", 0);
	mk("2026-01-02.jsonl");                    /* a directory */
	touch("target", 0);
	snprintf(path, sizeof path, "%s/2026-01-03.jsonl", dir);
	snprintf(target, sizeof target, "%s/target", dir);
	if (symlink(target, path) < 0)
		abort();
	mk("quarantine");
	mk("quarantine/new");
	mk("quarantine/tmp");
	touch("quarantine/new/old", NOW - 40 * DAY);
	touch("quarantine/new/edge", NOW - 30 * DAY);   /* day today - 30: kept */
	touch("quarantine/new/edge2", NOW - 31 * DAY);  /* today - 31: goes */
	touch("quarantine/new/fresh", NOW);
	touch("quarantine/new/future", NOW + 10 * DAY);
	touch("quarantine/tmp/old", NOW - 40 * DAY);   /* a killed delivery's leftover */
	touch("quarantine/tmp/busy", NOW);
	mk(".seen");
	mk(".seen/00");
	mk(".seen/ff");
	mk(".seen/xy");                                  /* not a name we make */
	touch(".seen/00/0000000000000001", NOW - 40 * DAY);
	touch(".seen/00/0000000000000001-1", NOW - 31 * DAY);
	touch(".seen/00/0000000000000002", NOW - 30 * DAY);   /* kept */
	touch(".seen/ff/ff00000000000001", NOW - 90 * DAY);
	touch(".seen/ff/ff00000000000002", NOW);
	touch(".seen/xy/old", NOW - 90 * DAY);
	touch(".seen/old", NOW - 90 * DAY);                   /* not in a subdirectory */
}

/* --expire takes the spool lock as a delivery does: it waits for a
 * delivery (or a --file backfill) and gives up after the timeout; and it
 * settles a journal a killed delivery left before deleting anything. */
static void test_lock(void)
{
	struct expire_stats st;
	struct err e;
	char path[256];
	int fd, ready[2], status;
	pid_t child;
	char c;

	snprintf(path, sizeof path, "%s/.lock", dir);
	if (pipe(ready) < 0)
		abort();
	child = fork();
	if (child == 0) {
		fd = open(path, O_RDWR | O_CREAT, 0640);
		flock(fd, LOCK_EX);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		sleep(5);
		_exit(0);
	}
	if (read(ready[0], &c, 1) != 1)
		abort();
	touch("2026-01-01.jsonl", NOW);
	err_clear(&e);
	is_int(expire_spool(dir, 1, NOW, 200, &st, &e), -1, "lock held by a delivery: expiry gives up");
	is_int(e.cls, ERR_TEMP, "... as a temporary failure");
	is_str(e.reason, "lock timeout after 200 ms", "... a lock timeout");
	ok(exists("2026-01-01.jsonl"), "... nothing deleted");
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	close(ready[0]);
	close(ready[1]);
	/* a journal: 2026-05-18.jsonl (2 bytes) grew by an append whose
	 * index entry was never written; settled (cut back) first */
	touch("2026-05-18.jsonl", NOW);
	fd = open(path, O_WRONLY | O_TRUNC);
	snprintf(path, sizeof path, "%s/2026-05-18.jsonl", dir);
	ok(fd >= 0 && truncate(path, 50) == 0 &&
	   dprintf(fd, "tlsrpt-journal 2 2026-05-18 2 0 %064d\n", 0) > 0, "leave a journal");
	close(fd);
	err_clear(&e);
	is_int(expire_spool(dir, 1, NOW, 200, &st, &e), 0, "lock free: expiry runs");
	ok(!exists("2026-01-01.jsonl"), "... and deletes");
	snprintf(path, sizeof path, "%s/2026-05-18.jsonl", dir);
	{
		struct stat sb;

		ok(stat(path, &sb) == 0 && sb.st_size == 2, "... after settling the journal");
	}
}

int main(void)
{
	struct expire_stats st;
	struct err e;
	char cmd[160];

	snprintf(dir, sizeof dir, "/tmp/test_expire.XXXXXX");
	ok(mkdtemp(dir) != NULL, "temp spool");
	build();
	err_clear(&e);
	is_int(expire_spool(dir, 30, NOW, 1000, &st, &e), 0, "expire 30 days");
	is_int(st.daily_deleted, 2, "two daily files deleted");
	is_int(st.quarantine_deleted, 3, "two quarantined messages and a leftover deleted");
	is_int(st.kept, 6, "three daily files and three messages kept (indexes not counted)");
	is_int(st.index_deleted, 2, "two indexes deleted");
	ok(exists("2026-05-18.idx") && exists("2026-04-18.idx") && !exists("2026-04-17.idx") &&
	   !exists("2026-04-16.idx"), "indexes kept and deleted by the day in their name");
	ok(exists("2026-04-17.idx.bak") && exists("2026-02-30.idx"), "index names off the pattern untouched");
	is_int(st.failed, 0, "no failure");
	ok(exists("2026-05-18.jsonl") && exists("2026-05-19.jsonl") && exists("2026-04-18.jsonl"),
	   "today, future and day - 30 kept");
	ok(!exists("2026-04-17.jsonl") && !exists("2020-02-29.jsonl"), "older days gone");
	ok(exists("2026-04-01.jsonl.bak") && exists("2026-4-01.jsonl") && exists("2026-02-30.jsonl") &&
	   exists("x026-01-01.jsonl") && exists("notes.txt") && exists(".2026-01-01.jsonl"),
	   "names off the pattern untouched");
	ok(exists("2026-01-02.jsonl") && exists("2026-01-03.jsonl") && exists("target"),
	   "directory and symlink untouched");
	ok(!exists("quarantine/new/old") && !exists("quarantine/new/edge2"), "old quarantine gone");
	ok(exists("quarantine/new/edge") && exists("quarantine/new/fresh") &&
	   exists("quarantine/new/future"), "young and future quarantine kept");
	ok(!exists("quarantine/tmp/old") && exists("quarantine/tmp/busy"),
	   "old quarantine/tmp leftover gone, a fresh one kept");
	is_int(st.markers_deleted, 3, "three old duplicate markers deleted");
	ok(!exists(".seen/00/0000000000000001") && !exists(".seen/00/0000000000000001-1") &&
	   !exists(".seen/ff/ff00000000000001"), "old markers gone");
	ok(exists(".seen/00/0000000000000002") && exists(".seen/ff/ff00000000000002"),
	   "young markers kept");
	ok(exists(".seen/xy/old") && exists(".seen/old"), "names we do not make untouched");

	is_int(expire_spool(dir, 1, NOW, 1000, &st, &e), 0, "expire 1 day");
	ok(exists("2026-05-18.jsonl") && exists("2026-05-19.jsonl"), "today and future survive 1");
	ok(!exists("2026-04-18.jsonl"), "day - 30 gone with 1");
	is_int(st.quarantine_deleted, 1, "edge message gone with 1");
	ok(exists("quarantine/new/fresh"), "today's message kept");

	test_lock();
	is_int(expire_spool(dir, 0, NOW, 1000, &st, &e), -1, "0 days refused");
	is_int(e.cls, ERR_USAGE, "as a usage error");
	ok(exists("2026-05-18.jsonl"), "nothing deleted");
	is_int(expire_spool("/nonexistent/spool", 30, NOW, 1000, &st, &e), -1, "missing spool");
	is_int(e.cls, ERR_CONFIG, "is a configuration error");

	if (geteuid() != 0) {   /* root ignores directory permissions */
		char q[128];

		touch("quarantine/new/stuck", NOW - 90 * DAY);
		touch("2001-01-01.jsonl", NOW);
		snprintf(q, sizeof q, "%s/quarantine/new", dir);
		chmod(q, 0500);
		is_int(expire_spool(dir, 30, NOW, 1000, &st, &e), -1, "unlink failure reported");
		is_int(e.cls, ERR_TEMP, "as a temporary failure");
		ok(st.failed == 1 && st.daily_deleted == 1, "the other files still expired");
		chmod(q, 0700);
	}
	snprintf(cmd, sizeof cmd, "rm -rf '%s/quarantine' '%s/.seen'", dir, dir);
	ok(system(cmd) == 0, "quarantine and markers removed");
	is_int(expire_spool(dir, 30, NOW, 1000, &st, &e), 0,
	       "a spool without quarantine or markers is fine");
	snprintf(cmd, sizeof cmd, "ln -s /tmp '%s/.seen'", dir);
	ok(system(cmd) == 0, ".seen made a symlink");
	is_int(expire_spool(dir, 30, NOW, 1000, &st, &e), -1, "a symlinked .seen is refused");
	is_int(e.cls, ERR_CONFIG, "as a configuration error");
	snprintf(cmd, sizeof cmd, "rm '%s/.seen' && ln -s /tmp '%s/quarantine'", dir, dir);
	ok(system(cmd) == 0, "quarantine made a symlink");
	is_int(expire_spool(dir, 30, NOW, 1000, &st, &e), -1, "a symlinked quarantine is refused");
	is_int(e.cls, ERR_CONFIG, "as a configuration error");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ok(system(cmd) == 0, "cleanup");
	return tap_done();
}
