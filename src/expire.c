/* Spool retention; see expire.h.  Dates are compared as UTC day numbers
 * (days since 1970-01-01, from date.c), computed without time zones. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "date.h"
#include "expire.h"
#include "spool.h"

/* Day of a name that is exactly "YYYY-MM-DD.jsonl" (returns 0) or
 * "YYYY-MM-DD.idx" (its duplicate index, returns 1) with a real date. */
static int daily_name(const char *name, long *day)
{
	int idx = strlen(name) == 14 && strcmp(name + 10, ".idx") == 0;

	if ((!idx && (strlen(name) != 16 || strcmp(name + 10, ".jsonl") != 0)) ||
	    date_parse_day(name, DATE_DAY_LEN, day) < 0)
		return -1;
	return idx;
}

static void remove_one(int dirfd, const char *name, const char *where,
		       unsigned long *count, struct expire_stats *st, struct err *e)
{
	if (unlinkat(dirfd, name, 0) == 0) {
		(*count)++;
		return;
	}
	if (errno == ENOENT)    /* raced with another expiry: gone is gone */
		return;
	if (st->failed++ == 0)
		err_set(e, ERR_TEMP, "unlink %s%s: %s", where, name, strerror(errno));
}

/* Remove the old regular files of one directory: daily files and their
 * indexes by the date in their name (indexes are neither counted as
 * deleted daily files nor as kept), quarantined messages and markers
 * (daily == 0) by their mtime. */
static int sweep(int dirfd, const char *where, long cutoff, int daily, unsigned long *count,
		 unsigned long *kept, struct expire_stats *st, struct err *e)
{
	struct dirent *d;
	struct stat sb;
	DIR *dir;
	long day;
	int kind = 0, fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	dir = fd < 0 ? NULL : fdopendir(fd);
	if (dir == NULL) {
		if (fd >= 0)
			close(fd);
		return err_set(e, ERR_TEMP, "read %s: %s", where[0] ? where : "spool",
			       strerror(errno));
	}
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' || (daily && (kind = daily_name(d->d_name, &day)) < 0))
			continue;
		if (fstatat(dirfd, d->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(sb.st_mode))
			continue;
		if (!daily)
			day = date_day_of(sb.st_mtime);
		if (day >= cutoff)
			*kept += kind == 0;
		else
			remove_one(dirfd, d->d_name, where, kind == 0 ? count : &st->index_deleted, st, e);
	}
	closedir(dir);
	return 0;
}

/* Open the directory name (one component, never a symlink) below parent:
 * *fd = -1 when it does not exist, which is fine. */
static int open_existing_dir(int parent, const char *name, const char *where, int *fd,
			     struct err *e)
{
	*fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (*fd < 0 && errno != ENOENT)
		return err_set(e, ERR_CONFIG, "open %s: %s", where, strerror(errno));
	return 0;
}

/* Sweep, by mtime, the directory name below parent, if it exists. */
static int sweep_subdir(int parent, const char *name, const char *where, long cutoff,
			unsigned long *count, unsigned long *kept, struct expire_stats *st,
			struct err *e)
{
	int rc, fd;

	if (open_existing_dir(parent, name, where, &fd, e) < 0)
		return -1;
	if (fd < 0)
		return 0;
	rc = sweep(fd, where, cutoff, 0, count, kept, st, e);
	close(fd);
	return rc;
}

/* Staged copies in quarantine/tmp are leftovers of deliveries killed
 * before the rename into new/, which the MTA saw fail; not counted as kept. */
static int sweep_quarantine(int spool, long cutoff, struct expire_stats *st, struct err *e)
{
	unsigned long leftovers = 0;
	int rc, fd;

	if (open_existing_dir(spool, "quarantine", "quarantine", &fd, e) < 0)
		return -1;
	if (fd < 0)
		return 0;
	rc = sweep_subdir(fd, "new", "quarantine/new/", cutoff, &st->quarantine_deleted, &st->kept,
			  st, e);
	if (rc == 0)
		rc = sweep_subdir(fd, "tmp", "quarantine/tmp/", cutoff, &st->quarantine_deleted,
				  &leftovers, st, e);
	close(fd);
	return rc;
}

/* Duplicate markers live in .seen/00 ... .seen/ff (see spool.c); names we
 * did not make are left alone. */
static int sweep_markers(int spool, long cutoff, struct expire_stats *st, struct err *e)
{
	unsigned long kept = 0;
	int rc = 0, fd;

	if (open_existing_dir(spool, ".seen", ".seen", &fd, e) < 0)
		return -1;
	if (fd < 0)
		return 0;
	for (unsigned i = 0; i < 256 && rc == 0; i++) {
		char sub[3], where[12];

		snprintf(sub, sizeof sub, "%02x", i);
		snprintf(where, sizeof where, ".seen/%s/", sub);
		rc = sweep_subdir(fd, sub, where, cutoff, &st->markers_deleted, &kept, st, e);
	}
	close(fd);
	return rc;
}

int expire_spool(const char *spool, int days, time_t now, unsigned lock_timeout_ms,
		 struct expire_stats *st, struct err *e)
{
	long cutoff = date_day_of(now) - days;
	struct spool s = { -1, -1, 0 };
	int fd, rc;

	memset(st, 0, sizeof *st);
	if (days < 1)
		return err_set(e, ERR_USAGE, "expiry wants at least 1 day");
	fd = open(spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(e, ERR_CONFIG, "open spool %s: %s", spool, strerror(errno));
	/* as a delivery does: a backfill into an old day (--file) must not
	 * append to a file, or index, being removed */
	s.dirfd = fd;
	if (spool_lock(&s, lock_timeout_ms, e) < 0) {
		spool_close(&s);
		return -1;
	}
	rc = sweep(fd, "", cutoff, 1, &st->daily_deleted, &st->kept, st, e);
	if (rc == 0)
		rc = sweep_quarantine(fd, cutoff, st, e);
	if (rc == 0)
		rc = sweep_markers(fd, cutoff, st, e);
	spool_unlock(&s);
	spool_close(&s);
	if (rc == 0 && st->failed > 0)
		rc = -1;    /* e holds the first unlink failure */
	return rc;
}
