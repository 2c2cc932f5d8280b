/* The daily duplicate index "YYYY-MM-DD.idx" beside each daily file: one
 * 32-byte entry per stored report.  Bytes 0-7: the first 8 of
 * SHA-256(organization_name NUL report_id).  Bytes 8-23: the first 16 of
 * the report's content hash, or, flagged 4, in bytes 8-15 the length of
 * its lines (little-endian, 16-23 zero): the first copy of a key, whose
 * content is hashed from the daily file only if another copy comes.
 * Bytes 24-30: the offset of the report's first line in the daily file
 * (little-endian).  Byte 31: flags.  An index is sorted by bytes 0-23 up
 * to the entry flagged 2 (none in a young index), then holds the entries
 * appended since; every so many appends it is sorted again (written anew
 * and renamed), so a lookup is a binary search and a bounded scan however
 * many reports the day holds.  The caller (spool.c) holds the spool lock
 * around all of it. */
#ifndef TLSRPT_DEDUP_H
#define TLSRPT_DEDUP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "err.h"
#include "util.h"

#define DEDUP_HASH_LEN 32      /* a content hash: SHA-256 */
#define DEDUP_ENTRY_LEN 32
#define DEDUP_ENTRY_FLAGS 31   /* the flags byte of an entry */
#define DEDUP_FLAG_CONFLICT 1  /* stored beside another copy of its key with other content */

/* A report's content, what makes two copies of a key identical: SHA-256
 * over each line of lines[0..n) up to, not including, ',"received_at":',
 * each followed by "\n".  What a delivery adds (received_at, source,
 * message_id, submitter, recipient, client_ip, dkim, warnings) is left
 * out, so a redelivery of the same report hashes alike however its mail
 * differs.  That key cannot occur unescaped inside a string, so the first
 * one found ends the report's part. */
void dedup_content_hash(const unsigned char *lines, size_t n, unsigned char out[DEDUP_HASH_LEN]);
#define DEDUP_CUT ",\"received_at\":"  /* where a line's content ends */

/* What a lookup holds the stored copies of a report's key against: the
 * key's hash, the report's lines, their content hash once a copy asks
 * for it (hashed), and the daily file copies indexed by length are read
 * from (file below dirfd, opened on first need). */
struct dedup_probe {
	unsigned char key[8];
	const unsigned char *lines;
	size_t n;
	unsigned char content[DEDUP_HASH_LEN];
	int hashed;
	int dirfd, fd;
	const char *file;
};

/* key is organization_name NUL report_id; lines must outlive the probe. */
void dedup_probe_init(struct dedup_probe *pr, const struct buf *key, const unsigned char *lines,
		      size_t n, int dirfd, const char *file);
void dedup_probe_close(struct dedup_probe *pr);

/* Open the index name below dirfd if it exists (*fd = -1 if not), read
 * and write, and its size in whole entries (a torn tail is cut off). */
int dedup_open(int dirfd, const char *name, int *fd, off_t *size, struct err *e);

/* Look pr's key up in the index fd of size bytes: *dup when an entry is
 * a copy of pr's content, else *conflicts counts the entries of its key;
 * *tail gets how many entries follow the sorted part.  A stored copy is
 * read at most once; the report's content hashed at most once. */
int dedup_lookup(int fd, const char *name, off_t size, unsigned tail_max,
		 struct dedup_probe *pr, int *dup, unsigned *conflicts, off_t *tail,
		 struct err *e);

/* Sort the whole index anew (".idx-merge" with mode, fsync, rename);
 * *fd is replaced by the new file.  A failure leaves the old index. */
int dedup_merge(int dirfd, const char *name, mode_t mode, int *fd, off_t size, struct err *e);

/* The entry for pr's report stored at offset with its lines length bytes
 * long: by content hash when the lookup took it (another copy of the key
 * was there), else by length (flag 4). */
void dedup_entry(const struct dedup_probe *pr, uint64_t length, uint64_t offset, unsigned flags,
		 unsigned char ent[DEDUP_ENTRY_LEN]);

/* Append ent to the index fd (created: fsync dirfd too) and sync it. */
int dedup_append(int dirfd, int fd, int created, const char *name,
		 const unsigned char ent[DEDUP_ENTRY_LEN], struct err *e);

#endif
