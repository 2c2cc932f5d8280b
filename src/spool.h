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

#define SPOOL_HASH_LEN 32   /* content hash (SHA-256, spool_content_hash) */
/* One entry of a daily index "YYYY-MM-DD.idx" per stored report: bytes
 * 0-7 the first 8 of SHA-256(organization_name NUL report_id); 8-23 the
 * first 16 of the content hash, or, flagged 4, bytes 8-15 the length of
 * the report's lines (little-endian, 16-23 zero: the first copy of a key,
 * whose content is hashed from the daily file only if another copy comes);
 * 24-30 the offset of the report's first line in the daily file
 * (little-endian); 31 flags.  An index is sorted by bytes 0-23 up to the
 * entry flagged 2 (none in a young index), then holds the entries
 * appended since; every 4096 appends it is sorted again (written anew and
 * renamed), so a lookup is a binary search and a scan of at most 4096
 * entries however many reports the day holds. */
#define SPOOL_ENTRY_LEN 32
#define SPOOL_ENTRY_FLAGS 31
#define SPOOL_FLAG_CONFLICT 1  /* stored beside another copy of its key with other content */

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

/* A report's content, what makes two copies of a key identical: SHA-256
 * over each line of lines[0..n) up to, not including, ',"received_at":',
 * each followed by "\n".  What a delivery adds (received_at, source,
 * message_id, submitter, recipient, client_ip, dkim, warnings) is left
 * out, so a redelivery of the same report hashes alike however its mail
 * differs.  That key cannot occur unescaped inside a string, so the first
 * one found ends the report's part. */
void spool_content_hash(const unsigned char *lines, size_t n, unsigned char out[SPOOL_HASH_LEN]);

/* Store one report's lines into "<day>.jsonl" unless an identical copy
 * (same key and content) is stored already:
 *   lock (bounded wait) -> settle a journal left by a killed delivery ->
 *   look up "<day>.idx" (and the marker files of older versions) ->
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
