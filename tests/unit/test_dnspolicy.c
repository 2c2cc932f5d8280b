/* dnspolicy: the latest MTA-STS policy of a domain in spools. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dnspolicy.h"
#include "../tap.h"

static char dir[64];

static void put(const char *spool, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", spool, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

#define REC(dom, type, begin, recv, strings, patterns) \
	"{\"report_id\":\"x\",\"begin_date\":\"" begin "\",\"policy_domain\":\"" dom "\"," \
	"\"policy_type\":\"" type "\",\"policy_strings\":[" strings "],\"mx_host_patterns\":[" \
	patterns "],\"received_at\":\"" recv "\"}\n"

static char *joined(const struct strlist *l)
{
	static char out[256];

	out[0] = '\0';
	for (size_t i = 0; i < l->n; i++) {
		strcat(out, i ? "," : "");
		strncat(out, l->v[i], sizeof out - strlen(out) - 2);
	}
	return out;
}

int main(void)
{
	char a[128], b[128], path[160];
	struct dpol p;
	struct err e;

	snprintf(dir, sizeof dir, "%s/test_dnspolicy.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(a, sizeof a, "%s/a", dir);
	snprintf(b, sizeof b, "%s/b", dir);
	mkdir(a, 0700);
	mkdir(b, 0700);
	put(a, "2026-05-17.jsonl",
	    REC("example.com", "sts", "2026-05-16T00:00:00Z", "2026-05-17T01:00:00Z",
		"\"version: STSv1\",\"mode: testing\",\"mx: old.example.com\"", "\"old.example.com\""));
	put(a, "2026-05-20.jsonl",
	    "not json example.com\n"
	    "[\"example.com\"]\n"
	    REC("example.com", "tlsa", "2026-05-19T12:00:00Z", "2026-05-20T01:00:00Z", "\"3 1 1 AA\"", "")
	    REC("Example.COM.", "sts", "2026-05-19T00:00:00Z", "2026-05-20T01:00:00Z",
		"\"version: STSv1\",\"mode:  enforce \",\"mx: mx1.example.com\",\"mx:*.mx.example.com\",\"max_age: 1\"",
		"\"ignored.example.com\"")
	    REC("example.com", "sts", "2026-05-18T00:00:00Z", "2026-05-20T02:00:00Z",
		"\"mode: none\"", "\"older.example.com\"")
	    REC("example.net", "sts", "2026-05-19T23:00:00Z", "2026-05-20T01:00:00Z",
		"\"mode: enforce\"", "\"mx.example.net\""));
	put(a, "notes.jsonl", REC("example.com", "sts", "2030-01-01T00:00:00Z", "", "\"mode: none\"", ""));
	put(a, "2026-05-21.jsonl.tmp", REC("example.com", "sts", "2030-01-01T00:00:00Z", "", "\"mode: none\"", ""));
	put(b, "2026-05-19.jsonl",
	    REC("example.com", "sts", "2026-05-19T00:00:00Z", "2026-05-19T09:00:00Z",
		"", "\"mx1.example.com\",\"mx2.example.com\""));
	put(b, "2026-05-18.jsonl",
	    REC("example.org", "sts", "2026-05-17T00:00:00Z", "2026-05-18T09:00:00Z",
		"\"mode: enforce\"", "\"mx.example.org\""));

	dpol_init(&p);
	err_clear(&e);
	is_int(dpol_latest(a, "example.com", &p, &e), 1, "spool a: found");
	is_str(p.mode, "enforce", "mode trimmed");
	is_str(joined(&p.patterns), "mx1.example.com,*.mx.example.com", "mx: lines, not mx_host_patterns");
	is_str(p.begin_date, "2026-05-19T00:00:00Z", "the latest begin_date of the newest file");
	snprintf(path, sizeof path, "%s/2026-05-20.jsonl", a);
	is_str(p.file, path, "its file");
	is_int(dpol_latest(b, "example.com", &p, &e), 0, "spool b: same begin_date, received earlier: kept");
	is_str(p.file, path, "still spool a's");
	dpol_free(&p);

	is_int(dpol_latest(b, "example.com", &p, &e), 1, "spool b alone");
	is_str(p.mode, "(none given)", "no policy lines: no mode");
	is_str(joined(&p.patterns), "mx1.example.com,mx2.example.com", "mx_host_patterns then");
	is_int(dpol_latest(a, "example.com", &p, &e), 1, "then spool a: newer by received_at");
	is_str(p.mode, "enforce", "spool a's policy");
	dpol_free(&p);

	is_int(dpol_latest(a, "example.org", &p, &e), 0, "a domain not in the spool");
	ok(p.file == NULL, "nothing set");
	is_int(dpol_latest(b, "example.org", &p, &e), 1, "an older file when the newest has none");
	is_str(joined(&p.patterns), "mx.example.org", "its patterns");
	dpol_free(&p);

	snprintf(path, sizeof path, "%s/missing", dir);
	is_int(dpol_latest(path, "example.com", &p, &e), -1, "missing spool");
	is_int(e.cls, ERR_CONFIG, "is ERR_CONFIG");
	dpol_free(&p);

	snprintf(path, sizeof path, "rm -rf '%s'", dir);
	if (system(path) != 0)
		return 1;
	return tap_done();
}
