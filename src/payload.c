/* Attachment payload -> report JSON bytes.
 *
 * The kind is chosen by magic bytes only (payload_sniff), because file
 * names and MIME types lie.  gzip and zlib go to inflate.c; a zip archive
 * is read by zip.c, which finds the report entry, and its data is then
 * copied (stored) or inflated here (deflate, through inflate.c), then
 * checked against the sizes and CRC the directory gives; JSON is copied
 * minus a UTF-8 BOM.  So inflate.c and zip.c know nothing of each other:
 * this module sits above both. */
#include <string.h>

#include "inflate.h"
#include "payload.h"
#include "zip.h"

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' ||
	       c == '\v' || c == '\f';
}

/* 1 if the bytes look like JSON; *bom gets the BOM's offset or n. */
static int json_sniff(const unsigned char *p, size_t n, size_t *bom)
{
	size_t i = 0;

	*bom = n;
	while (i < n && is_space(p[i]))
		i++;
	if (n - i >= 3 && p[i] == 0xef && p[i + 1] == 0xbb && p[i + 2] == 0xbf) {
		*bom = i;
		i += 3;
	}
	while (i < n && is_space(p[i]))
		i++;
	return i < n && (p[i] == '{' || p[i] == '[');
}

enum payload_kind payload_sniff(const unsigned char *p, size_t n)
{
	size_t bom;

	if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
		return PAYLOAD_GZIP;
	if (n >= 4 && p[0] == 'P' && p[1] == 'K' &&
	    ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6)))
		return PAYLOAD_ZIP;
	if (n >= 2 && (p[0] & 0x0f) == 8 && (p[0] >> 4) <= 7 &&
	    ((unsigned)p[0] * 256 + p[1]) % 31 == 0)
		return PAYLOAD_ZLIB;
	if (json_sniff(p, n, &bom))
		return PAYLOAD_JSON;
	return PAYLOAD_UNKNOWN;
}

static int copy_json(const unsigned char *p, size_t n, const struct limits *l,
		     struct buf *out, unsigned *warn, struct err *e)
{
	size_t bom, len;

	json_sniff(p, n, &bom);
	len = bom < n ? n - 3 : n;
	if (len > l->max_report)
		return err_set(e, ERR_INPUT, "inflated report exceeds %zu bytes",
			       l->max_report);
	if (bom == n)
		return buf_append(out, p, n) < 0 ? err_nomem(e) : 0;
	*warn |= PAYLOAD_WARN_BOM;
	if (buf_reserve(out, len) < 0 || buf_append(out, p, bom) < 0 ||
	    buf_append(out, p + bom + 3, n - bom - 3) < 0)
		return err_nomem(e);
	return 0;
}

/* "deflate: ..." from inflate_raw becomes "zip: deflate: ..."; the cap
 * reasons stay as they are, identical for every payload kind. */
static int zip_prefix(struct err *e)
{
	char tmp[ERR_REASON_MAX];

	if (e == NULL || e->cls != ERR_INPUT || strncmp(e->reason, "deflate: ", 9) != 0)
		return -1;
	memcpy(tmp, e->reason, sizeof tmp);
	return err_set(e, ERR_INPUT, "zip: %s", tmp);
}

int payload_unzip(const unsigned char *p, size_t n, const struct limits *l,
		  struct buf *out, size_t *entries, struct err *e)
{
	struct zip_member m;
	size_t start = out->n;

	memset(&m, 0, sizeof m);
	if (zip_find_report(p, n, l, &m, entries, e) < 0)
		return -1;
	/* The declared size is checked before any work; a lying one is
	 * still caught by the running cap and zip_check. */
	if (inflate_check_cap(m.usize, m.csize, l, e) < 0)
		return -1;
	if (m.method == ZIP_STORED) {
		if (m.csize != m.usize)
			return err_set(e, ERR_INPUT, "zip: size mismatch");
		if (buf_append(out, m.data, m.csize) < 0)
			return err_nomem(e);
	} else if (inflate_raw(m.data, m.csize, l, out, e) < 0) {
		return zip_prefix(e);
	}
	return zip_check(&m, out->n > start ? out->p + start : NULL,
			 out->n - start, e);
}

int payload_extract(const unsigned char *p, size_t n, const struct limits *l,
		    struct buf *out, unsigned *warn, struct err *e)
{
	unsigned w = 0, iw = 0;
	size_t files = 0;
	int rc;

	switch (payload_sniff(p, n)) {
	case PAYLOAD_GZIP:
		rc = inflate_gzip(p, n, l, out, &iw, e);
		break;
	case PAYLOAD_ZLIB:
		rc = inflate_zlib(p, n, l, out, &iw, e);
		break;
	case PAYLOAD_ZIP:
		rc = payload_unzip(p, n, l, out, &files, e);
		if (files > 1)
			w |= PAYLOAD_WARN_ZIP_EXTRA;
		break;
	case PAYLOAD_JSON:
		rc = copy_json(p, n, l, out, &w, e);
		break;
	default:
		rc = err_set(e, ERR_NOREPORT,
			     "attachment is neither JSON, gzip, zlib nor zip");
		break;
	}
	if (iw & INFLATE_WARN_TRAILING_GARBAGE)
		w |= PAYLOAD_WARN_TRAILING_GARBAGE;
	if (iw & INFLATE_WARN_MULTI_MEMBER)
		w |= PAYLOAD_WARN_MULTI_MEMBER;
	if (warn != NULL)
		*warn = w;
	return rc;
}
