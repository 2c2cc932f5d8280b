/* Every bound on hostile input lives here, with its default and the name
 * used in reasons and options.  One struct is passed down to every module. */
#ifndef TLSRPT_LIMITS_H
#define TLSRPT_LIMITS_H

#include <stddef.h>

struct limits {
	size_t max_message;     /* bytes of raw message read from stdin */
	size_t max_report;      /* bytes of inflated report JSON */
	size_t max_ratio;       /* inflated : compressed */
	unsigned max_mime_depth;
	size_t max_parts;
	size_t max_headers;     /* header fields per header block */
	size_t max_header_line; /* bytes of one (unfolded) header field */
	int max_json_depth;
	size_t max_string;      /* bytes of one JSON string value */
	size_t max_zip_entries;
	size_t max_failed_parts; /* report candidates of one message that may fail */
	unsigned lock_timeout_ms;
};

#define LIMIT_MAX_MESSAGE      ((size_t)32 << 20)
#define LIMIT_MAX_REPORT       ((size_t)64 << 20)
#define LIMIT_MAX_RATIO        ((size_t)1000)
#define LIMIT_MAX_MIME_DEPTH   16u
#define LIMIT_MAX_PARTS        ((size_t)1000)
#define LIMIT_MAX_HEADERS      ((size_t)1000)
#define LIMIT_MAX_HEADER_LINE  ((size_t)64 << 10)
#define LIMIT_MAX_JSON_DEPTH   64
#define LIMIT_MAX_STRING       ((size_t)64 << 10)
#define LIMIT_MAX_ZIP_ENTRIES  ((size_t)64)
#define LIMIT_MAX_FAILED_PARTS ((size_t)8)
/* One budget per message: the report bytes made (inflated or copied) from
 * all its parts together stay within this multiple of max_report.  Two,
 * so that one part failing at the cap still leaves room for a report of
 * full size in the next. */
#define LIMIT_INFLATE_BUDGET   ((size_t)2)
#define LIMIT_LOCK_TIMEOUT_MS  30000u

void limits_default(struct limits *l);

/* LIMIT_INFLATE_BUDGET x max_report, SIZE_MAX if that overflows. */
size_t limits_inflate_budget(const struct limits *l);

#endif
