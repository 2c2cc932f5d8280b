/* The spool: daily JSON Lines files appended all-or-nothing under a lock,
 * a duplicate index per day, and a maildir quarantine.  File names are built only
 * from values we format ourselves, never from report strings. */
#ifndef TLSRPT_SPOOL_H
#define TLSRPT_SPOOL_H

#include <stddef.h>
#include <time.h>
#include "err.h"

struct spool {
	int dirfd;
	int lockfd;
	unsigned index_tail_max;  /* entries appended to a day's index before it
				   * is sorted again; 0: the default (4096) */
};

/* Open (creating the last component with mode 0750 if missing) the spool
 * directory.  Failure is ERR_CONFIG: the MTA should retry once fixed. */
int spool_open(struct spool *s, const char *path, struct err *e);
void spool_close(struct spool *s);

/* Called under the lock when the report's key (organization, report_id)
 * matches `stored` entries of the day whose content differs: it may
 * replace *lines and *n (they must stay valid until spool_store returns),
 * e.g. with a warning added to each record.  -1 (e set) stores nothing. */
typedef int (*spool_conflict_fn)(void *arg, unsigned stored,
				 const unsigned char **lines, size_t *n, struct err *e);

struct spool_report {
	const char *day;          /* "YYYY-MM-DD", validated here: names the files */
	const char *org;          /* organization_name */
	const char *report_id;
	const unsigned char *lines;   /* the records, each line ending in "\n" */
	size_t n;
	spool_conflict_fn on_conflict; /* may be NULL */
	void *arg;
};

/* Store one report's lines into "<day>.jsonl" unless an identical copy
 * (same key and content) is stored already:
 *   lock (bounded wait) -> settle a journal left by a killed delivery ->
 *   look up "<day>.idx" (dedup.h; and the marker files of older versions) ->
 *   journal -> one append -> fsync -> index entry -> fsync -> empty the
 *   journal -> unlock.
 * A report whose key is stored with other content is stored too, after
 * on_conflict; *conflicts (may be NULL) tells how many such entries.
 * Any failure after the append truncates both files back.
 * Returns 0 stored, or -1 with ERR_DUPLICATE, ERR_TEMP or ERR_CONFIG. */
int spool_store(struct spool *s, const struct spool_report *r, unsigned lock_timeout_ms,
		unsigned *conflicts, struct err *e);

/* Take the spool lock as a delivery does (bounded wait: a timeout is
 * ERR_TEMP) and settle a journal left by a killed delivery; for
 * maintenance such as --expire, which must not race a delivery. */
int spool_lock(struct spool *s, unsigned timeout_ms, struct err *e);
void spool_unlock(struct spool *s);

/* Keep a message that holds no usable report: maildir-style write to
 * quarantine/tmp, fsync, rename into quarantine/new.  The file starts with
 * an "X-Tlsrpt-Quarantine-Reason: <reason>" line.  name (cap bytes) gets
 * the file name under quarantine/new.  Failures are ERR_TEMP/ERR_CONFIG. */
int spool_quarantine(struct spool *s, const unsigned char *msg, size_t n,
		     const char *reason, char *name, size_t cap, struct err *e);

/* 1 if day is a real calendar date "YYYY-MM-DD" (1970..9999), else 0. */
int spool_valid_day(const char *day);

#endif
