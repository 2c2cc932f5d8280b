/* Retention for the spool (tlsrpt-lda --expire DAYS): delete the daily
 * files "YYYY-MM-DD.jsonl" and their duplicate indexes "YYYY-MM-DD.idx"
 * whose date is more than DAYS days before today (UTC), and the
 * quarantined messages (quarantine/new, and leftovers of
 * killed deliveries in quarantine/tmp) and duplicate markers (.seen/XX/)
 * whose modification time is.  A marker is written at delivery, on or
 * after its report's start date, which names the daily file; so a marker
 * goes after its report's records, and only a report whose records are
 * gone is forgotten (the summary drops duplicate lines of a report that
 * claims a future date).  Names are matched exactly (10 digits and dashes
 * of a real date, then ".jsonl" or ".idx"); nothing else in the spool is touched,
 * only regular files are removed (never through a symlink), and today and
 * future days are never deleted whatever DAYS is.  Nothing calls this by
 * default: expiry happens only when asked for. */
#ifndef TLSRPT_EXPIRE_H
#define TLSRPT_EXPIRE_H

#include <time.h>

#include "err.h"

struct expire_stats {
	unsigned long daily_deleted;      /* YYYY-MM-DD.jsonl files removed */
	unsigned long quarantine_deleted; /* quarantine/new and tmp entries removed */
	unsigned long markers_deleted;    /* .seen duplicate markers (older versions) removed */
	unsigned long index_deleted;      /* YYYY-MM-DD.idx duplicate indexes removed */
	unsigned long kept;               /* daily files and messages still young enough */
	unsigned long failed;             /* unlink failures (see the error) */
};

/* Delete what is older than days (>= 1) as of now, holding the spool
 * lock as a delivery does (waiting at most lock_timeout_ms: a timeout is
 * ERR_TEMP) and settling a journal a killed delivery left first.  A file dated D goes
 * when D < today - days, so "--expire 30" keeps today and the 30 days
 * before it.  A missing spool is ERR_CONFIG; a missing quarantine is
 * fine.  When some unlink fails the others are still tried, stats count
 * them, and the first failure is returned as ERR_TEMP.  days < 1 is
 * ERR_USAGE. */
int expire_spool(const char *spool, int days, time_t now, unsigned lock_timeout_ms,
		 struct expire_stats *st, struct err *e);

#endif
