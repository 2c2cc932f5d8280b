#!/bin/sh
# Golden tests for tlsrpt-summary (TAP).  tests/gen-spool.py writes a
# fixture spool of 40 days ending 2026-05-18; each case runs the binary
# on it with the clock fixed by --today and compares stdout with
# tests/data/summary/NAME.out and the exit code with NAME.exit.
#
# To accept new output after an intended change:
#   TLSRPT_ACCEPT=1 top_srcdir=. top_builddir=. sh tests/summary.sh
#
# Needs python3 (the generator and the HTML check); skips without it.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
BIN=${SUMMARY:-$top_builddir/tlsrpt-summary}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
DATA=$(cd "$top_srcdir/tests/data/summary" && pwd)
GEN=$(cd "$top_srcdir/tests" && pwd)/gen-spool.py

if ! command -v python3 >/dev/null 2>&1; then
	echo "1..0 # SKIP python3 not found"
	exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/summary.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM
n=0
fails=0

pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }

if python3 "$GEN" "$tmp/spool"; then pass "fixture spool generated"; else
	fail "fixture spool generated"; echo "1..$n"; exit 1; fi

# run NAME ARGS...: compare stdout and exit code with the golden files.
# Runs inside $tmp with --spool spool so no temporary path is printed.
run() {
	name=$1
	shift
	(cd "$tmp" && "$BIN" --spool spool --today 2026-05-18 "$@" >"$name.out" 2>"$name.err")
	echo $? >"$tmp/$name.exit"
	if [ -n "$TLSRPT_ACCEPT" ]; then
		cp "$tmp/$name.out" "$DATA/$name.out"
		cp "$tmp/$name.exit" "$DATA/$name.exit"
	fi
	if cmp -s "$tmp/$name.out" "$DATA/$name.out" && cmp -s "$tmp/$name.exit" "$DATA/$name.exit"; then
		pass "$name: tlsrpt-summary $*"
	else
		fail "$name: tlsrpt-summary $*"
		echo "# exit $(cat "$tmp/$name.exit"), want $(cat "$DATA/$name.exit" 2>/dev/null)"
		diff -u "$DATA/$name.out" "$tmp/$name.out" | sed 's/^/# /' | head -60
		sed 's/^/# stderr: /' "$tmp/$name.err"
		echo "# accept with: TLSRPT_ACCEPT=1 top_srcdir=$top_srcdir top_builddir=$top_builddir sh $0"
	fi
}

# exit_is NAME WANT ARGS...: only the exit code matters (and stdout is one line)
exit_is() {
	name=$1
	want=$2
	shift 2
	(cd "$tmp" && "$BIN" --today 2026-05-18 "$@" >"$name.out" 2>"$name.err")
	got=$?
	lines=$(wc -l <"$tmp/$name.out")
	if [ "$got" = "$want" ] && { [ "$want" -gt 3 ] || [ "$lines" -eq 1 ]; }; then
		pass "$name: exit $want: tlsrpt-summary $*"
	else
		fail "$name: exit $want: tlsrpt-summary $*"
		echo "# got exit $got and $lines lines"
		sed 's/^/# /' "$tmp/$name.out" "$tmp/$name.err" | head -5
	fi
}

run text
run text-30 --days 30
run text-example-com --domain example.com --spike-factor 2.5 --top 2
run json --format json
run json-window --since 2026-05-01 --until 2026-05-10 --format json
run check --check
run check-example-com --check --domain example.com
run check-example-org --check --domain EXAMPLE.ORG
run check-example-net --check --domain example.net
run check-clean --check --domain clean.example
run check-nodata --check --since 2020-01-01 --until 2020-01-07
run check-thresholds --check --domain example.net --critical-rate 20 --enforce-rate 100
run nodata --since 2020-01-01 --until 2020-01-07

exit_is no-spool 3 --check --spool "$tmp/missing"
exit_is no-spool-text 66 --spool "$tmp/missing"
exit_is usage-check 3 --check --days 0
exit_is usage-format 64 --format xml
exit_is usage-both 64 --days 3 --since 2026-05-01
exit_is usage-date 64 --since 2026-02-30
exit_is usage-order 64 --since 2026-05-10 --until 2026-05-01

# The default window and the explicit one are the same report.
(cd "$tmp" && "$BIN" --spool spool --today 2026-05-18 --days 7 >explicit.out 2>&1)
if cmp -s "$tmp/explicit.out" "$DATA/text.out"; then pass "--days 7 is the default"; else
	fail "--days 7 is the default"; fi

# A CRLF copy of the spool gives the same report.
mkdir "$tmp/crlf" && cp -r "$tmp/spool/quarantine" "$tmp/crlf/" &&
for f in "$tmp"/spool/*.jsonl; do sed 's/$/\r/' "$f" >"$tmp/crlf/${f##*/}"; done
(cd "$tmp" && "$BIN" --spool crlf --today 2026-05-18 >crlf.out 2>&1)
if sed -e 's/^Spool: crlf$/Spool: spool/' -e 's|crlf/2026|spool/2026|' "$tmp/crlf.out" | cmp -s - "$DATA/text.out"; then
	pass "CRLF spool reads the same"; else fail "CRLF spool reads the same"; fi

# A spool merged from two MX hosts (contrib/rsyslog) holds each report
# twice, with different received_at: each report still counts once, and
# the copies are reported as duplicates; a record without report_id is
# never taken for a copy.
mkdir "$tmp/merged" && cp -r "$tmp/spool/quarantine" "$tmp/merged/" &&
for f in "$tmp"/spool/*.jsonl; do
	{ cat "$f"; grep '"report_id":"' "$f" |
		sed 's/"received_at":"[^"]*"/"received_at":"2099-01-01T00:00:00Z"/'; } >"$tmp/merged/${f##*/}"
done
(cd "$tmp" && "$BIN" --spool merged --today 2026-05-18 >merged.out 2>&1)
sed -e 's/^Spool: merged$/Spool: spool/' -e 's|merged/2026|spool/2026|' -e '/duplicate records/d' \
	"$tmp/merged.out" >"$tmp/merged.cmp"
if cmp -s "$tmp/merged.cmp" "$DATA/text.out"; then
	pass "merged spool: every report counted once"; else fail "merged spool: every report counted once"; fi
(cd "$tmp" && "$BIN" --spool spool --today 2026-05-18 --format json >one.json 2>&1;
	"$BIN" --spool merged --today 2026-05-18 --format json >merged.json 2>&1)
if python3 - "$tmp/one.json" "$tmp/merged.json" <<'PY'
import json, sys
one, two = (json.load(open(f)) for f in sys.argv[1:3])
q1, q2 = one["data_quality"], two["data_quality"]
assert q1["duplicate_records"] == 0, q1
assert q2["duplicate_records"] == q1["records"] > 0, (q1, q2)
del q2["duplicate_records"], q1["duplicate_records"]
two["window"]["spool"] = one["window"]["spool"]
q2["first_file_with_unparsable_lines"] = q1["first_file_with_unparsable_lines"]
two["status"]["line"] = two["status"]["line"].replace("merged/", "spool/")
assert one == two, "merged spool differs beyond data quality"
PY
then pass "merged spool: JSON equal, duplicates counted"; else fail "merged spool: JSON equal, duplicates counted"; fi
printf '%s\n' '{"organization_name":"A","policy_domain":"d.example","policy_type":"sts","successful_session_count":1,"failed_session_count":0}' \
	'{"organization_name":"A","policy_domain":"d.example","policy_type":"sts","successful_session_count":1,"failed_session_count":0}' \
	>"$tmp/noid.jsonl"
mkdir "$tmp/noid" && mv "$tmp/noid.jsonl" "$tmp/noid/2026-05-18.jsonl"
(cd "$tmp" && "$BIN" --spool noid --today 2026-05-18 --format json >noid.json 2>&1)
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["data_quality"]; assert (d["records"], d["duplicate_records"]) == (2, 0), d' "$tmp/noid.json"; then
	pass "records without report_id are never duplicates"; else fail "records without report_id are never duplicates"; fi

# JSON is one valid document whose status matches --check; the incidents
# are the ones tests/data/summary/README reasons out.
if python3 - "$tmp/json.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format_version"] == 2
assert d["status"]["code"] == 2, d["status"]
assert [x["domain"] for x in d["domains"]] == ["clean.example", "example.com", "example.net", "example.org"]
com = d["domains"][1]
assert [p["policy_type"] for p in com["policies"]] == ["sts", "tlsa"]
assert com["silent_reporters"] == [], "Quiet Mail Ltd. is one day late, not silent"
got = [(i["severity"], i["kind"], i["domain"], i["policy_type"], i["result_type"],
        i["first_seen"], i["last_seen"], i["ongoing"], i["failed_sessions"])
       for i in d["incidents"]]
want = [
    ("critical", "failure-type", "example.org", "sts", "certificate-host-mismatch",
     "2026-05-17", "2026-05-17", True, 25),
    ("warning", "failure-type", "example.com", "sts", "starttls-not-supported",
     "2026-04-09", "2026-05-17", True, 276),
    ("warning", "failure-type", "example.net", "sts", "sts-policy-fetch-error",
     "2026-04-09", "2026-05-17", True, 180),
    ("info", "failure-type", "example.com", "tlsa", "starttls-not-supported",
     "2026-04-09", "2026-05-17", True, 12),
    ("info", "failure-type", "example.net", "sts", "sts-webpki-invalid",
     "2026-05-14", "2026-05-14", False, 4),
    ("info", "failure-type", "example.net", "sts", "x-vendor-timeout",
     "2026-05-14", "2026-05-14", False, 3),
]
assert got == want, got
com_inc = d["incidents"][1]
assert com_inc["jump"] == {"date": "2026-05-15", "failed": 242, "median": 7.0}, com_inc["jump"]
assert com_inc["mx_host"] == "mx2.example.com"
for i in d["incidents"]:
    for k in ("organization", "reasons", "remediation", "no_history"):
        assert k in i, k
    # the lists cover the same complete days as failed_sessions
    for k in ("reporters", "top_receiving_mx"):
        assert sum(x["sessions"] for x in i[k]) == i["failed_sessions"], (k, i)
net = d["domains"][2]["policies"][0]
assert any(t["result_type"] == "x-vendor-timeout" and not t["known"] for t in net["failures"])
assert net["ready_to_enforce"]["ready"] is False and net["ready_to_enforce"]["would_be_refused"] > 0
q = d["data_quality"]
assert q["unparsable_lines"] == 2 and q["quarantined"] == 2, q
assert q["first_file_with_unparsable_lines"] == "spool/2026-05-13.jsonl", q
PY
then pass "JSON content"; else fail "JSON content"; fi

# HTML: well-formed, self-contained, with charts.
(cd "$tmp" && "$BIN" --spool spool --today 2026-05-18 --format html >page.html 2>&1)
if python3 - "$tmp/page.html" <<'PY'
import html.parser, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col", "embed",
        "source", "track", "wbr"}
class Check(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.count, self.bad = [], {}, []
    def handle_starttag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
        for k, v in attrs:
            v = (v or "").lower()
            if k in ("src", "href", "xlink:href", "action", "srcset") or k.startswith("on"):
                self.bad.append("%s %s=%s" % (tag, k, v))
        if tag in ("script", "link", "iframe", "object", "embed", "img", "image", "use"):
            self.bad.append("element " + tag)
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        self.count[tag] = self.count.get(tag, 0) + 1
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.bad.append("unbalanced </%s> (open: %s)" % (tag, self.stack[-3:]))
        else:
            self.stack.pop()
p = Check()
p.feed(text)
p.close()
assert text.startswith("<!DOCTYPE html>"), "doctype"
assert not p.bad, p.bad[:5]
assert not p.stack, "unclosed " + repr(p.stack)
assert p.count.get("svg", 0) >= 9, "svg charts: %d" % p.count.get("svg", 0)
assert p.count.get("rect", 0) >= 50, "bars: %d" % p.count.get("rect", 0)
assert not re.search(r"url\(|@import|https?://[^<\"]*\.(css|js|woff)", text), "external reference"
for want in ("Remediation", "Data quality", "Incidents", "x-vendor-timeout",
             "certificate-host-mismatch", "tile-sessions", "tile-incidents"):
    assert want in text, want
PY
then pass "HTML well-formed, self-contained, with SVG charts"; else
	fail "HTML well-formed, self-contained, with SVG charts"; fi

# Hostile strings are escaped in HTML and cleaned in text.
mkdir -p "$tmp/evil"
printf '%s\n' '{"organization_name":"<script>alert(1)</script>\u001b[31m","policy_domain":"evil.example","policy_type":"sts","policy_strings":["mode: enforce"],"successful_session_count":5,"failed_session_count":5,"failure_details":[{"result_type":"<img src=x onerror=alert(1)>","failed_session_count":5,"sending_mta_ip":"\u202e1.2.3.4","receiving_ip":null,"receiving_mx_hostname":"\"><b>","receiving_mx_helo":null,"additional_info_uri":null,"failure_reason_code":null}],"warnings":[]}' >"$tmp/evil/2026-05-18.jsonl"
(cd "$tmp" && "$BIN" --spool evil --today 2026-05-18 --format html >evil.html 2>&1 &&
	"$BIN" --spool evil --today 2026-05-18 >evil.txt 2>&1)
if ! grep -q '<script>\|<img \|<b>' "$tmp/evil.html" && grep -q '&lt;script&gt;' "$tmp/evil.html" &&
   ! grep -q "$(printf '\033')" "$tmp/evil.txt" && ! grep -q "$(printf '\342\200\256')" "$tmp/evil.txt" &&
   grep -q 'unknown, new' "$tmp/evil.txt"; then
	pass "hostile strings escaped (HTML) and cleaned (text)"
else
	fail "hostile strings escaped (HTML) and cleaned (text)"
fi

# Records whose report gave no policy domain (mail-auth's rpt03.json, as
# tlsrpt-lda stores it: policy_domain and failed_session_count null) are
# counted in data quality, never shown as a domain "".
mkdir -p "$tmp/nodom"
grep '^{' "$top_srcdir/tests/data/compat/mail-auth_rpt03.json.out" >"$tmp/nodom/2019-04-14.jsonl"
(cd "$tmp" && "$BIN" --spool nodom --today 2019-04-14 >nodom.txt 2>&1 &&
	"$BIN" --spool nodom --today 2019-04-14 --format json >nodom.json 2>&1 &&
	"$BIN" --spool nodom --today 2019-04-14 --format html >nodom.html 2>&1)
if [ "$(grep -c '"policy_domain":null' "$tmp/nodom/2019-04-14.jsonl")" = 2 ] &&
   grep -q '^  records without a domain               2  (not counted)$' "$tmp/nodom.txt" &&
   grep -q '^  unparsable lines skipped               0 ' "$tmp/nodom.txt" &&
   grep -q '"records_without_domain":2' "$tmp/nodom.json" &&
   ! grep -q '"domain":""' "$tmp/nodom.json" &&
   grep -q '<tr><td>Records without a policy domain (not counted)</td><td class="n">2</td></tr>' "$tmp/nodom.html"; then
	pass "records without a policy domain: counted in data quality, no domain \"\""
else
	fail "records without a policy domain: counted in data quality, no domain \"\""
	sed -n '/Data quality/,$p' "$tmp/nodom.txt" | sed 's/^/# /'
fi

# More domains than --top-domains: text and HTML are an overview (every
# incident one line or row, every domain ranked, the first N in full);
# --domain D still gives every section asked for; JSON never changes.
(cd "$tmp" && "$BIN" --spool spool --today 2026-05-18 --top-domains 2 >ov.txt 2>&1 &&
	"$BIN" --spool spool --today 2026-05-18 --top-domains 2 --format html >ov.html 2>&1 &&
	"$BIN" --spool spool --today 2026-05-18 --top-domains 2 --format json >ov.json 2>&1 &&
	"$BIN" --spool spool --today 2026-05-18 --top-domains 1 --domain example.com \
		--domain example.net >ovd.txt 2>&1)
if cmp -s "$tmp/ov.json" "$DATA/json.out" && python3 - "$tmp/ov.txt" "$tmp/ov.html" "$tmp/ovd.txt" "$tmp/json.out" <<'PY'
import json, re, sys
from html.parser import HTMLParser
txt, page, dtxt = (open(f, encoding="utf-8").read() for f in sys.argv[1:4])
doc = json.load(open(sys.argv[4]))
doms = [d["domain"] for d in doc["domains"]]
sev = {"critical": 0, "warning": 1, "info": 2}
worst = {}
for i in doc["incidents"]:
    worst[i["domain"]] = min(worst.get(i["domain"], 9), sev[i["severity"]])
fail = {d["domain"]: d["all_policy_types"]["failed"] for d in doc["domains"]}
ranked = sorted(doms, key=lambda d: (worst.get(d, 9), -fail[d], d))
# text: incidents one line each, every domain ranked, two sections
lines = txt.split("\n")
inc = lines.index("Incidents (most severe first, in short)")
assert len([l for l in lines[inc + 1:] if l.startswith("  ") and ": " in l][:len(doc["incidents"])]) == len(doc["incidents"])
top = lines.index("Domains (most severe first, then most failed sessions)")
rows = [l.split()[0] for l in lines[top + 2:top + 2 + len(doms)]]
assert rows == ranked, (rows, ranked)
heads = [l.split()[1] for l in lines if l.startswith("== ")]
assert heads == ranked[:2], heads
assert [l.split()[1] for l in dtxt.split("\n") if l.startswith("== ")] == ["example.com", "example.net"]
assert "Domains (most severe" not in dtxt
# HTML: the incident table, the domain table with a sparkline a row, two sections
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.table, self.rows, self.h2, self.spark, self.links, self.stack = None, {}, [], 0, [], []
    def handle_starttag(self, tag, a):
        a = dict(a)
        if tag == "table" and a.get("id"):
            self.table = a["id"]
        if tag == "tr" and self.table:
            self.rows[self.table] = self.rows.get(self.table, 0) + 1
        if tag == "h2":
            self.h2.append(a.get("id"))
        if tag == "svg" and a.get("class") == "spark":
            self.spark += 1
        if tag == "a":
            self.links.append(a["href"])
    def handle_endtag(self, tag):
        if tag == "table":
            self.table = None
p = P()
p.feed(page)
assert p.rows == {"incident-table": len(doc["incidents"]) + 1, "domain-table": len(doms) + 1}, p.rows
assert p.spark == len(doms), p.spark
assert p.h2 == ["incidents", "domains", "d0", "d1", "remediation", "quality"], p.h2
assert set(p.links) == {"#d0", "#d1"}, p.links
assert re.search(r'Domains with incidents<span class="big">%d</span>of %d' % (len(worst), len(doms)), page)
# the domains in full carry their incidents in full, in text and HTML
mine = [i for i in doc["incidents"] if i["domain"] in ranked[:2]]
assert page.count('<div class="inc ') == len(mine), (page.count('<div class="inc '), len(mine))
assert sum(txt.count(i["detail"][:40]) for i in mine) >= len(mine)
PY
then pass "--top-domains: an overview in text and HTML, JSON the same"; else
	fail "--top-domains: an overview in text and HTML, JSON the same"; fi

# Optional timing run: TLSRPT_PERF=1 (30 days x 10,000 reports), meant
# for an optimized build without sanitizers; limit TLSRPT_PERF_MAX seconds.
if [ -n "$TLSRPT_PERF" ]; then
	python3 "$GEN" --perf "$tmp/perf" 30 10000
	start=$(date +%s)
	(cd "$tmp" && "$BIN" --spool perf --today 2026-05-18 --days 30 >perf.out)
	rc=$?
	secs=$(($(date +%s) - start))
	echo "# 300,000 records in ${secs}s"
	if [ $rc -eq 0 ] && [ $secs -le "${TLSRPT_PERF_MAX:-10}" ]; then pass "30 x 10,000 in ${secs}s"; else
		fail "30 x 10,000 in ${secs}s (rc $rc)"; fi
fi

echo "1..$n"
[ $fails -eq 0 ]
