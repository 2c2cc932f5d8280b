/* Unit tests for dedup.c: the content hash, an entry's layout, and a
 * lookup against a planted daily file and index: a copy indexed by length
 * is read back and compared, and the report's content is hashed only when
 * an entry of its key is there. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../tap.h"
#include "dedup.h"
#include "sha256.h"
#include "util.h"

static int same_hash(const char *a, const char *b)
{
	unsigned char ha[DEDUP_HASH_LEN], hb[DEDUP_HASH_LEN];

	dedup_content_hash((const unsigned char *)a, strlen(a), ha);
	dedup_content_hash((const unsigned char *)b, strlen(b), hb);
	return memcmp(ha, hb, sizeof ha) == 0;
}

/* The content hash leaves out what a delivery adds, and is SHA-256 of
 * each line up to ,"received_at": and a newline. */
static void test_content_hash(void)
{
	static const char a[] = "{\"report_id\":\"x\",\"failed_session_count\":5,\"received_at\":\"2026-05-19T08:00:00Z\",\"warnings\":[]}\n"
		"{\"report_id\":\"x\",\"s\":\",\\\"received_at\\\":\",\"received_at\":\"2026-05-19T08:00:00Z\",\"warnings\":[\"w1\"]}\n";
	static const char b[] = "{\"report_id\":\"x\",\"failed_session_count\":5,\"received_at\":\"2026-05-20T09:00:00Z\",\"warnings\":[\"other\"]}\n"
		"{\"report_id\":\"x\",\"s\":\",\\\"received_at\\\":\",\"received_at\":\"2026-05-20T09:00:00Z\",\"warnings\":[]}\n";
	static const char c[] = "{\"report_id\":\"x\",\"failed_session_count\":6,\"received_at\":\"2026-05-19T08:00:00Z\",\"warnings\":[]}\n"
		"{\"report_id\":\"x\",\"s\":\",\\\"received_at\\\":\",\"received_at\":\"2026-05-19T08:00:00Z\",\"warnings\":[\"w1\"]}\n";
	static const char want[] = "{\"report_id\":\"x\",\"failed_session_count\":5\n"
		"{\"report_id\":\"x\",\"s\":\",\\\"received_at\\\":\"\n";
	unsigned char ha[DEDUP_HASH_LEN], hw[DEDUP_HASH_LEN];
	struct sha256 ctx;

	ok(same_hash(a, b), "content hash: delivery fields and warnings left out");
	ok(!same_hash(a, c), "content hash: a count differs");
	dedup_content_hash((const unsigned char *)a, sizeof a - 1, ha);
	sha256_init(&ctx);
	sha256_update(&ctx, want, sizeof want - 1);
	sha256_final(&ctx, hw);
	ok(memcmp(ha, hw, sizeof ha) == 0, "content hash: SHA-256 of each line up to ,\"received_at\": and a newline");
	ok(same_hash("x,\"received_at\":1", "x\n"), "a last line without its newline counts as a line");
	ok(!same_hash("x\n\n", "x\n"), "an empty line counts");
	ok(!same_hash("x,\"received_a\n", "x\n"), "most of the cut is not the cut");
	ok(same_hash(",,\"received_at\":1\n", ",\n"), "the cut after a comma");
}

static uint64_t le(const unsigned char *p, int n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static const char stored[] = "{\"a\":1,\"received_at\":\"t1\"}\n";
static const char again[] = "{\"a\":1,\"received_at\":\"t2\",\"warnings\":[]}\n";
static const char other[] = "{\"a\":2,\"received_at\":\"t1\"}\n";

static struct buf key_of(const char *org, const char *id)
{
	struct buf k;

	buf_init(&k);
	buf_append_str(&k, org);
	buf_append_byte(&k, 0);
	buf_append_str(&k, id);
	return k;
}

/* Look lines up under key (org, id) in dir's "d.idx" beside "d.jsonl". */
static int look(int dirfd, const char *org, const char *id, const char *lines,
		int *dup, unsigned *conflicts, int *hashed)
{
	struct buf k = key_of(org, id);
	struct dedup_probe pr;
	struct err e;
	off_t size, tail;
	int fd, rc;

	err_clear(&e);
	dedup_probe_init(&pr, &k, (const unsigned char *)lines, strlen(lines), dirfd, "d.jsonl");
	rc = dedup_open(dirfd, "d.idx", &fd, &size, &e);
	if (rc == 0 && fd >= 0)
		rc = dedup_lookup(fd, "d.idx", size, 4096, &pr, dup, conflicts, &tail, &e);
	*hashed = pr.hashed;
	if (fd >= 0)
		close(fd);
	dedup_probe_close(&pr);
	buf_free(&k);
	return rc;
}

static void test_entry_and_lookup(void)
{
	char dir[] = "/tmp/test_dedup.XXXXXX", path[64];
	unsigned char ent[DEDUP_ENTRY_LEN], h[DEDUP_HASH_LEN];
	struct buf k = key_of("Org", "id-1");
	struct dedup_probe pr;
	struct err e;
	unsigned conflicts = 0;
	int dirfd, fd, dup = 0, hashed = 0, created = 0;

	if (mkdtemp(dir) == NULL || (dirfd = open(dir, O_RDONLY | O_DIRECTORY)) < 0)
		exit(99);
	err_clear(&e);
	/* the first copy: stored after 5 other bytes, indexed by length */
	dedup_probe_init(&pr, &k, (const unsigned char *)stored, strlen(stored), dirfd, "d.jsonl");
	dedup_entry(&pr, strlen(stored), 5, 0, ent);
	is_int(ent[DEDUP_ENTRY_FLAGS], 4, "first copy: flagged 4");
	is_int((long long)le(ent + 8, 8), (long long)strlen(stored), "... bytes 8-15 its lines' length");
	is_int((long long)le(ent + 16, 8), 0, "... bytes 16-23 zero");
	is_int((long long)le(ent + 24, 7), 5, "... bytes 24-30 its offset");
	dedup_probe_close(&pr);
	snprintf(path, sizeof path, "%s/d.jsonl", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0640);
	ok(fd >= 0 && util_write_all(fd, "xxxx\n", 5) == 0 && util_write_all(fd, stored, strlen(stored)) == 0,
	   "plant the daily file");
	close(fd);
	snprintf(path, sizeof path, "%s/d.idx", dir);
	fd = open(path, O_RDWR | O_CREAT | O_APPEND, 0640);
	ok(fd >= 0 && dedup_append(dirfd, fd, created, "d.idx", ent, &e) == 0, "append its entry");
	close(fd);

	ok(look(dirfd, "Org", "id-2", again, &dup, &conflicts, &hashed) == 0, "another key: looked up");
	ok(!dup && conflicts == 0, "... neither duplicate nor conflict");
	ok(!hashed, "... and its content never hashed");
	ok(look(dirfd, "Org", "id-1", again, &dup, &conflicts, &hashed) == 0, "its redelivery: looked up");
	ok(dup, "... a duplicate, the stored copy read back from offset 5");
	ok(hashed, "... its content hashed to compare");
	ok(look(dirfd, "Org", "id-1", other, &dup, &conflicts, &hashed) == 0, "other content: looked up");
	ok(!dup && conflicts == 1, "... one conflicting copy");

	/* a copy stored beside another is indexed by its content hash */
	dedup_probe_init(&pr, &k, (const unsigned char *)other, strlen(other), dirfd, "d.jsonl");
	pr.hashed = 1;
	dedup_content_hash((const unsigned char *)other, strlen(other), pr.content);
	dedup_entry(&pr, strlen(other), 5 + strlen(stored), DEDUP_FLAG_CONFLICT, ent);
	dedup_probe_close(&pr);
	dedup_content_hash((const unsigned char *)other, strlen(other), h);
	is_int(ent[DEDUP_ENTRY_FLAGS], DEDUP_FLAG_CONFLICT, "second copy: flagged 1 only");
	ok(memcmp(ent + 8, h, 16) == 0, "... bytes 8-23 the first 16 of its content hash");
	fd = open(path, O_RDWR | O_APPEND);
	ok(fd >= 0 && dedup_append(dirfd, fd, 0, "d.idx", ent, &e) == 0, "append it");
	close(fd);
	ok(look(dirfd, "Org", "id-1", other, &dup, &conflicts, &hashed) == 0 && dup,
	   "its redelivery: a duplicate by the stored hash");

	snprintf(path, sizeof path, "%s/d.jsonl", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/d.idx", dir);
	unlink(path);
	close(dirfd);
	rmdir(dir);
	buf_free(&k);
}

int main(void)
{
	test_content_hash();
	test_entry_and_lookup();
	return tap_done();
}
