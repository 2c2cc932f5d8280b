/* The spool: daily JSON Lines files appended all-or-nothing under a lock,
 * duplicate markers, and a maildir quarantine.  File names are built only
 * from values we format ourselves, never from report strings. */
#ifndef TLSRPT_SPOOL_H
#define TLSRPT_SPOOL_H

#include <stddef.h>
#include <time.h>
#include "err.h"

struct spool {
	int dirfd;
	int lockfd;
};

/* Open (creating the last component with mode 0750 if missing) the spool
 * directory.  Failure is ERR_CONFIG: the MTA should retry once fixed. */
int spool_open(struct spool *s, const char *path, struct err *e);
void spool_close(struct spool *s);

/* Store one report's lines into "<day>.jsonl" (day is "YYYY-MM-DD",
 * validated here) exactly once per (org, report_id):
 *   lock (bounded wait) -> settle a journal left by a killed delivery ->
 *   duplicate check -> journal -> one append -> fsync -> duplicate
 *   marker -> empty the journal -> unlock.
 * Any failure after the append truncates the file back to its old size.
 * Returns 0 stored, or -1 with ERR_DUPLICATE, ERR_TEMP or ERR_CONFIG. */
int spool_store(struct spool *s, const char *day, const char *org,
		const char *report_id, const unsigned char *lines, size_t n,
		unsigned lock_timeout_ms, struct err *e);

/* Keep a message that holds no usable report: maildir-style write to
 * quarantine/tmp, fsync, rename into quarantine/new.  The file starts with
 * an "X-Tlsrpt-Quarantine-Reason: <reason>" line.  name (cap bytes) gets
 * the file name under quarantine/new.  Failures are ERR_TEMP/ERR_CONFIG. */
int spool_quarantine(struct spool *s, const unsigned char *msg, size_t n,
		     const char *reason, char *name, size_t cap, struct err *e);

/* 1 if day is a real calendar date "YYYY-MM-DD" (1970..9999), else 0. */
int spool_valid_day(const char *day);

#endif
