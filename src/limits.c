/* Default limits; main.c overrides them from options. */
#include <stdint.h>

#include "limits.h"

void limits_default(struct limits *l)
{
	l->max_message = LIMIT_MAX_MESSAGE;
	l->max_report = LIMIT_MAX_REPORT;
	l->max_ratio = LIMIT_MAX_RATIO;
	l->max_mime_depth = LIMIT_MAX_MIME_DEPTH;
	l->max_parts = LIMIT_MAX_PARTS;
	l->max_headers = LIMIT_MAX_HEADERS;
	l->max_header_line = LIMIT_MAX_HEADER_LINE;
	l->max_json_depth = LIMIT_MAX_JSON_DEPTH;
	l->max_string = LIMIT_MAX_STRING;
	l->max_zip_entries = LIMIT_MAX_ZIP_ENTRIES;
	l->max_failed_parts = LIMIT_MAX_FAILED_PARTS;
	l->lock_timeout_ms = LIMIT_LOCK_TIMEOUT_MS;
}

size_t limits_inflate_budget(const struct limits *l)
{
	return l->max_report > SIZE_MAX / LIMIT_INFLATE_BUDGET ? SIZE_MAX :
	       l->max_report * LIMIT_INFLATE_BUDGET;
}
