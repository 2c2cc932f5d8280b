/* Minimal zip reader (PKWARE APPNOTE.TXT), enough for report archives.
 *
 * The central directory is authoritative: find the End Of Central
 * Directory record by scanning back from the end (a comment of up to
 * 65535 bytes may follow it), walk the directory entries, pick the report,
 * then read only that entry's local header, whose name and extra lengths
 * may differ from the central copy, to find where its data starts.  Sizes
 * and CRC come from the directory, since streamed archives leave zeros in
 * the local header and put the values in a data descriptor.  Every offset
 * and length is checked against the archive with overflow-checked
 * arithmetic before it is used.  zip64, multi-disk archives, encryption
 * and methods other than stored (0) and deflate (8) are refused. */
#define ZLIB_CONST
#include <stdint.h>
#include <string.h>
#include <zlib.h>

#include "zip.h"

#define EOCD_SIZE 22
#define CDH_SIZE 46     /* central directory file header */
#define LFH_SIZE 30     /* local file header */
#define COMMENT_MAX ((size_t)65535)
#define CRC_FEED ((size_t)1 << 30)

struct zip_entry {
	const unsigned char *name;
	size_t name_n;
	unsigned flags;
	unsigned method;
	uint32_t crc;
	size_t csize;
	size_t usize;
	size_t local_off;
};

struct zip_dir {
	size_t cd_off;
	size_t cd_end;
	size_t count;
};

static unsigned rd16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* 1 if [off, off + len) lies inside [0, lim). */
static int span_ok(size_t off, size_t len, size_t lim)
{
	size_t end;

	return size_add(off, len, &end) == 0 && end <= lim;
}

static int zip_find_eocd(const unsigned char *p, size_t n, size_t *eocd)
{
	size_t i, stop;

	if (n < EOCD_SIZE)
		return -1;
	i = n - EOCD_SIZE;
	stop = i > COMMENT_MAX ? i - COMMENT_MAX : 0;
	for (;;) {
		/* The comment length must fit, which skips most false
		 * matches inside a comment or the compressed data. */
		if (memcmp(p + i, "PK\5\6", 4) == 0 &&
		    span_ok(i + EOCD_SIZE, rd16(p + i + 20), n)) {
			*eocd = i;
			return 0;
		}
		if (i == stop)
			return -1;
		i--;
	}
}

static int zip_read_eocd(const unsigned char *p, size_t n,
			 const struct limits *l, struct zip_dir *d, struct err *e)
{
	const unsigned char *q;
	size_t at;
	unsigned disk, cd_disk, here, total;
	uint32_t size, off;

	if (zip_find_eocd(p, n, &at) < 0)
		return err_set(e, ERR_INPUT, "zip: no end of central directory record");
	q = p + at;
	disk = rd16(q + 4);
	cd_disk = rd16(q + 6);
	here = rd16(q + 8);
	total = rd16(q + 10);
	size = rd32(q + 12);
	off = rd32(q + 16);
	if (disk == 0xffff || cd_disk == 0xffff || here == 0xffff ||
	    total == 0xffff || size == 0xffffffff || off == 0xffffffff)
		return err_set(e, ERR_INPUT, "zip: zip64 not supported");
	if (disk != 0 || cd_disk != 0 || here != total)
		return err_set(e, ERR_INPUT, "zip: multi-disk archive not supported");
	if (total > l->max_zip_entries)
		return err_set(e, ERR_INPUT, "zip: more than %zu entries",
			       l->max_zip_entries);
	if (!span_ok(off, size, at))
		return err_set(e, ERR_INPUT, "zip: central directory out of bounds");
	d->cd_off = off;
	d->cd_end = (size_t)off + size;
	d->count = total;
	return 0;
}

/* Parse the directory entry at *pos and step past it. */
static int zip_read_central(const unsigned char *p, const struct zip_dir *d,
			    size_t *pos, struct zip_entry *ent, struct err *e)
{
	const unsigned char *q;
	size_t len;
	unsigned disk;

	if (!span_ok(*pos, CDH_SIZE, d->cd_end) ||
	    memcmp(p + *pos, "PK\1\2", 4) != 0)
		return err_set(e, ERR_INPUT, "zip: bad central directory entry");
	q = p + *pos;
	/* At most 46 + 3 * 65535: cannot overflow. */
	len = CDH_SIZE + (size_t)rd16(q + 28) + rd16(q + 30) + rd16(q + 32);
	if (!span_ok(*pos, len, d->cd_end))
		return err_set(e, ERR_INPUT, "zip: bad central directory entry");
	ent->flags = rd16(q + 8);
	ent->method = rd16(q + 10);
	ent->crc = rd32(q + 16);
	ent->csize = rd32(q + 20);
	ent->usize = rd32(q + 24);
	ent->name = q + CDH_SIZE;
	ent->name_n = rd16(q + 28);
	ent->local_off = rd32(q + 42);
	disk = rd16(q + 34);
	if (ent->csize == 0xffffffff || ent->usize == 0xffffffff ||
	    ent->local_off == 0xffffffff || disk == 0xffff)
		return err_set(e, ERR_INPUT, "zip: zip64 not supported");
	if (disk != 0)
		return err_set(e, ERR_INPUT, "zip: multi-disk archive not supported");
	*pos += len;
	return 0;
}

/* The first regular entry named *.json, else the first regular entry. */
static int zip_choose(const unsigned char *p, const struct zip_dir *d,
		      struct zip_entry *pick, size_t *files, struct err *e)
{
	struct zip_entry ent;
	size_t pos = d->cd_off;
	int found = 0, json = 0;

	for (size_t i = 0; i < d->count; i++) {
		if (zip_read_central(p, d, &pos, &ent, e) < 0)
			return -1;
		if (ent.name_n > 0 && ent.name[ent.name_n - 1] == '/')
			continue;
		(*files)++;
		if (!json && span_isuffix(ent.name, ent.name_n, ".json")) {
			*pick = ent;
			json = found = 1;
		} else if (!found) {
			*pick = ent;
			found = 1;
		}
	}
	if (!found)
		return err_set(e, ERR_NOREPORT, "zip: no file in archive");
	return 0;
}

/* Find the entry's data through its local header. */
static int zip_data(const unsigned char *p, size_t n, const struct zip_entry *ent,
		    const unsigned char **data, struct err *e)
{
	const unsigned char *q;
	size_t start;

	if (!span_ok(ent->local_off, LFH_SIZE, n) ||
	    memcmp(p + ent->local_off, "PK\3\4", 4) != 0)
		return err_set(e, ERR_INPUT, "zip: bad local header");
	q = p + ent->local_off;
	if (rd16(q + 6) & 1)
		return err_set(e, ERR_INPUT, "zip: encrypted entry");
	if (size_add(ent->local_off, LFH_SIZE + (size_t)rd16(q + 26) + rd16(q + 28),
		     &start) < 0 || !span_ok(start, ent->csize, n))
		return err_set(e, ERR_INPUT, "zip: entry data out of bounds");
	*data = p + start;
	return 0;
}

static uint32_t zip_crc(const unsigned char *p, size_t n)
{
	uLong c = crc32(0L, Z_NULL, 0);

	while (n > 0) {
		size_t k = n < CRC_FEED ? n : CRC_FEED;

		c = crc32(c, p, (uInt)k);
		p += k;
		n -= k;
	}
	return (uint32_t)c;
}

int zip_check(const struct zip_member *m, const unsigned char *got, size_t k,
	      struct err *e)
{
	uint32_t crc = 0;

	if (k != m->usize)
		return err_set(e, ERR_INPUT, "zip: size mismatch");
	if (k > 0)
		crc = zip_crc(got, k);
	if (crc != m->crc)
		return err_set(e, ERR_INPUT, "zip: CRC mismatch");
	return 0;
}

int zip_find_report(const unsigned char *p, size_t n, const struct limits *l,
		    struct zip_member *m, size_t *entries, struct err *e)
{
	struct zip_dir d;
	struct zip_entry ent;
	const unsigned char *data = NULL;
	size_t files = 0;
	int rc;

	/* err_set's -1 is invisible to the compiler across files. */
	memset(&d, 0, sizeof d);
	memset(&ent, 0, sizeof ent);
	if (entries != NULL)
		*entries = 0;
	if (zip_read_eocd(p, n, l, &d, e) < 0)
		return -1;
	rc = zip_choose(p, &d, &ent, &files, e);
	if (entries != NULL)
		*entries = files;
	if (rc < 0 || zip_data(p, n, &ent, &data, e) < 0)
		return -1;
	if (ent.flags & 1)
		return err_set(e, ERR_INPUT, "zip: encrypted entry");
	if (ent.method != ZIP_STORED && ent.method != ZIP_DEFLATED)
		return err_set(e, ERR_INPUT, "zip: unsupported compression method %u",
			       ent.method);
	m->data = data;
	m->csize = ent.csize;
	m->usize = ent.usize;
	m->method = ent.method;
	m->crc = ent.crc;
	return 0;
}
