#!/bin/sh
# tlsrpt-summary --format prometheus (TAP): on the 21-day spike series and
# the other scenarios of tests/gen-spool.py --incidents, and on the golden
# fixture (Microsoft reporting the same sessions under sts and tlsa):
#   - promtool check metrics passes (skipped without promtool);
#   - tlsrpt_failed_sessions of a domain and policy type add up to its
#     tlsrpt_sessions{outcome="failed"}, which equals --format json;
#     for the spiking domain (one policy type) the sum is the domain's
#     failed sessions in the window;
#   - tlsrpt_status equals the exit code of --check;
#   - hostile label values (quote, backslash, newline) come back intact;
#   - contrib/prometheus/tlsrpt-textfile replaces tlsrpt.prom atomically
#     and keeps the old file on an error;
#   - promtool check rules and promtool test rules on
#     contrib/prometheus/tlsrpt.rules.yml (skipped without promtool).
# Installs nothing: Debian's package prometheus provides promtool
# (tests/e2e/prometheus.sh unpacks it under TLSRPT_E2E=1).  Needs python3.

. "${top_srcdir:-.}/tests/lib.sh"
BIN=${SUMMARY:-$top_builddir/tlsrpt-summary}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$top_srcdir" && pwd)
GEN=$SRC/tests/gen-spool.py
T=2026-12-06

command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"
PROMTOOL=$(command -v promtool 2>/dev/null)

tmp=$(mktmp) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

if python3 "$GEN" --incidents $T "$tmp" && python3 "$GEN" "$tmp/fixture"; then
	ok "scenario and fixture spools generated"
else
	not_ok "scenario and fixture spools generated"; done_testing; exit 1
fi

# prom NAME TODAY ARGS...: NAME.prom, NAME.json, NAME.check (+ .rc files)
prom() {
	name=$1 today=$2
	shift 2
	(cd "$tmp" && "$BIN" --today "$today" "$@" --format prometheus >"$name.prom" 2>"$name.err"
	 echo $? >"$name.prom.rc"
	 "$BIN" --today "$today" "$@" --format json >"$name.json" 2>>"$name.err"
	 "$BIN" --today "$today" "$@" --check >"$name.check" 2>>"$name.err"
	 echo $? >"$name.check.rc")
}
prom spike $T --spool spike
prom spike21 $T --spool spike --days 21
prom ab $T --spool a --spool b --days 3
prom mx $T --spool mx
prom fixture 2026-05-18 --spool fixture
prom empty $T --spool spike --since 2020-01-01 --until 2020-01-07

# the parser of the checks below: samples as (name, {labels}, value),
# label values unescaped as the exposition format says
cat >"$tmp/parse.py" <<'PY'
import re, sys
LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')
def unescape(v):
    return re.sub(r'\\([\\"n])', lambda m: {'\\': '\\', '"': '"', 'n': '\n'}[m.group(1)], v)
def samples(path):
    out, seen = [], set()
    for line in open(path, encoding='utf-8'):
        line = line.rstrip('\n')
        if line.startswith('#'):
            continue
        m = LINE.match(line)
        if not m:
            sys.exit('bad line: %r' % line)
        labels, rest = {}, m.group(3) or ''
        while rest:
            l = LABEL.match(rest)
            if not l:
                sys.exit('bad labels: %r' % line)
            labels[l.group(1)] = unescape(l.group(2))
            rest = rest[l.end():]
        key = (m.group(1), tuple(sorted(labels.items())))
        if key in seen:
            sys.exit('duplicate series: %r' % line)
        seen.add(key)
        out.append((m.group(1), labels, float(m.group(4))))
    return out
PY

for n in spike spike21 ab mx fixture empty; do
	is "$n: exit 0" "$(cat "$tmp/$n.prom.rc")" 0
	is "$n: tlsrpt_status equals the exit code of --check" \
		"$(sed -n 's/^tlsrpt_status //p' "$tmp/$n.prom")" "$(cat "$tmp/$n.check.rc")"
	if [ -n "$PROMTOOL" ]; then
		check "$n: promtool check metrics" sh -c "'$PROMTOOL' check metrics <'$tmp/$n.prom' >'$tmp/$n.lint' 2>&1"
		sed 's/^/# /' "$tmp/$n.lint"
	else
		ok "$n: promtool check metrics # SKIP promtool not found (Debian: prometheus)"
	fi
done
is "the statuses cover OK to UNKNOWN (spike, ab, mx, fixture, empty)" \
	"$(cat "$tmp/spike.check.rc" "$tmp/ab.check.rc" "$tmp/mx.check.rc" "$tmp/fixture.check.rc" "$tmp/empty.check.rc" | tr '\n' ' ')" \
	"1 2 2 2 3 "

# The held-out identity: tlsrpt_failed_sessions of spike.example, summed
# over its labels, is the domain's failed sessions in the window (JSON
# all_policy_types.failed): 5 a day, 300 on T-3, nothing dated T: 7 days
# are 5 x 5 + 300, 21 days 19 x 5 + 300.
for n in spike spike21; do
	is "$n: sum of tlsrpt_failed_sessions{domain=\"spike.example\"} = the domain's failed sessions" \
		"$(python3 - "$tmp/$n.prom" "$tmp/$n.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1].rsplit('/', 1)[0])
from parse import samples
s = samples(sys.argv[1])
d = [x for x in json.load(open(sys.argv[2]))['domains'] if x['domain'] == 'spike.example'][0]
got = sum(v for n, l, v in s if n == 'tlsrpt_failed_sessions' and l['domain'] == 'spike.example')
print(int(got), d['all_policy_types']['failed'])
PY
)" "$([ $n = spike ] && echo '325 325' || echo '395 395')"
done

# Every domain and policy type of every run: the result types add up to
# the policy's failed sessions, which are --format json's; the details as
# reported, the domain totals and the incidents as in the JSON.
for n in spike21 ab mx fixture; do
	out=$(python3 - "$tmp/$n.prom" "$tmp/$n.json" <<'PY'
import json, sys
sys.path.insert(0, sys.argv[1].rsplit('/', 1)[0])
from parse import samples
s = samples(sys.argv[1])
j = json.load(open(sys.argv[2]))
def val(name, **want):
    return sum(v for n, l, v in s if n == name and all(l.get(k) == w for k, w in want.items()))
bad = []
for d in j['domains']:
    dn = d['domain']
    if val('tlsrpt_domain_sessions', domain=dn, outcome='failed') != d['all_policy_types']['failed']:
        bad.append('domain failed ' + dn)
    for p in d['policies']:
        pt = p['policy_type']
        f = val('tlsrpt_sessions', domain=dn, policy_type=pt, outcome='failed')
        ok_ = val('tlsrpt_sessions', domain=dn, policy_type=pt, outcome='successful')
        if (f, ok_) != (p['failed'], p['successful']):
            bad.append('sessions %s %s' % (dn, pt))
        if val('tlsrpt_failed_sessions', domain=dn, policy_type=pt) != f:
            bad.append('sum of result types %s %s' % (dn, pt))
        for t in p['failures']:
            if val('tlsrpt_failure_detail_sessions', domain=dn, policy_type=pt,
                   result_type=t['result_type']) != t['sessions']:
                bad.append('detail %s %s %s' % (dn, pt, t['result_type']))
for sev in ('critical', 'warning', 'info'):
    if val('tlsrpt_incidents', severity=sev) != sum(1 for i in j['incidents'] if i['severity'] == sev):
        bad.append('incidents ' + sev)
print(' '.join(bad) or 'all equal')
PY
)
	is "$n: result types add up per policy; sessions, details, domains, incidents as --format json" "$out" "all equal"
done

# Microsoft reports example.com's sessions under sts and tlsa: summing
# over policy types counts them twice, tlsrpt_domain_sessions does not.
is "fixture: example.com per policy type, and the domain once" \
	"$(grep -E '^tlsrpt_(domain_)?sessions\{domain="example.com",.*outcome="failed"' "$tmp/fixture.prom")" \
	'tlsrpt_sessions{domain="example.com",policy_type="sts",outcome="failed"} 284
tlsrpt_sessions{domain="example.com",policy_type="tlsa",outcome="failed"} 14
tlsrpt_domain_sessions{domain="example.com",outcome="failed"} 284'
# (the last report: the fixture's today, 2026-05-18, has reports, but
# only days before today count, so the end of 2026-05-17)
is "fixture: example.net's unknown type and its last reports" \
	"$(grep -E '^tlsrpt_(failed_sessions\{domain="example.net"|last_report_timestamp_seconds\{domain="example.net")' "$tmp/fixture.prom")" \
	'tlsrpt_failed_sessions{domain="example.net",policy_type="sts",result_type="sts-policy-fetch-error"} 210
tlsrpt_failed_sessions{domain="example.net",policy_type="sts",result_type="sts-webpki-invalid"} 4
tlsrpt_failed_sessions{domain="example.net",policy_type="sts",result_type="x-vendor-timeout"} 3
tlsrpt_last_report_timestamp_seconds{domain="example.net",organization="Comcast"} 1779062400
tlsrpt_last_report_timestamp_seconds{domain="example.net",organization="Google Inc."} 1779062400'
is "empty window: only the overall gauges, status 3" \
	"$(grep -v '^#' "$tmp/empty.prom" | tr '\n' ' ')" \
	"tlsrpt_status 3 tlsrpt_window_start_timestamp_seconds 1577836800 tlsrpt_window_end_timestamp_seconds 1578441600 tlsrpt_records 0 tlsrpt_unreadable_lines 0 tlsrpt_quarantined_messages 0 "

# Hostile strings: a domain, an organization and a result type with a
# double quote, a backslash and a newline; another report that details
# more failures than it counts, and one that details none.
mkdir -p "$tmp/hostile"
python3 - "$tmp/hostile/2026-12-05.jsonl" <<'PY'
import json, sys
def rec(org, dom, failed, details, rid):
    return json.dumps({"organization_name": org, "report_id": rid,
        "begin_date": "2026-12-05T00:00:00Z", "end_date": "2026-12-05T23:59:59Z",
        "policy_domain": dom, "policy_type": "sts",
        "policy_strings": ["version: STSv1", "mode: enforce", "mx: mx.example"],
        "mx_host_patterns": ["mx.example"], "successful_session_count": 100,
        "failed_session_count": failed,
        "failure_details": [{"result_type": t, "failed_session_count": c,
            "sending_mta_ip": "192.0.2.1", "receiving_ip": None,
            "receiving_mx_hostname": None, "receiving_mx_helo": None,
            "additional_info_uri": None, "failure_reason_code": None} for t, c in details],
        "warnings": []})
with open(sys.argv[1], "w") as f:
    f.write(rec('Evil "Org"\\\nLtd', 'q"\\\nx.example', 7, [('a"b\\c\nd', 7)], "r1") + "\n")
    f.write(rec("Over Co", "over.example", 10, [("starttls-not-supported", 8),
                                                  ("certificate-expired", 8)], "r2") + "\n")
    f.write(rec("Under Co", "over.example", 10, [], "r3") + "\n")
PY
prom hostile $T --spool hostile
if [ -n "$PROMTOOL" ]; then
	check "hostile: promtool check metrics" sh -c "'$PROMTOOL' check metrics <'$tmp/hostile.prom' >'$tmp/hostile.lint' 2>&1"
	sed 's/^/# /' "$tmp/hostile.lint"
else
	ok "hostile: promtool check metrics # SKIP promtool not found (Debian: prometheus)"
fi
is "hostile: escaped as the format says" \
	"$(grep -F 'tlsrpt_failed_sessions{domain="q' "$tmp/hostile.prom")" \
	'tlsrpt_failed_sessions{domain="q\"\\\nx.example",policy_type="sts",result_type="a\"b\\c\nd"} 7'
is "hostile: label values read back intact; overlapping details cut, the rest without a type" \
	"$(python3 - "$tmp/hostile.prom" <<'PY'
import sys
sys.path.insert(0, sys.argv[1].rsplit('/', 1)[0])
from parse import samples
for n, l, v in samples(sys.argv[1]):
    if n in ('tlsrpt_failed_sessions', 'tlsrpt_last_report_timestamp_seconds'):
        print(repr(sorted(l.items())), int(v))
PY
)" "[('domain', 'over.example'), ('policy_type', 'sts'), ('result_type', 'certificate-expired')] 2
[('domain', 'over.example'), ('policy_type', 'sts'), ('result_type', 'starttls-not-supported')] 8
[('domain', 'over.example'), ('policy_type', 'sts'), ('result_type', '(no result type)')] 10
[('domain', 'q\"\\\\\\nx.example'), ('policy_type', 'sts'), ('result_type', 'a\"b\\\\c\\nd')] 7
[('domain', 'over.example'), ('organization', 'Over Co')] 1796515200
[('domain', 'over.example'), ('organization', 'Under Co')] 1796515200
[('domain', 'q\"\\\\\\nx.example'), ('organization', 'Evil \"Org\"\\\\\\nLtd')] 1796515200"

# contrib/prometheus/tlsrpt-textfile: the file appears whole, mode 0644,
# equal to tlsrpt-summary's output; no temp file is left; on an error the
# old file stays and the exit code is tlsrpt-summary's.
tf=$SRC/contrib/prometheus/tlsrpt-textfile
mkdir -p "$tmp/textfile"
SPOOL=$tmp/spike TEXTFILE_DIR=$tmp/textfile TLSRPT_SUMMARY=$BIN sh "$tf" --today $T
is "tlsrpt-textfile: exit 0" "$?" 0
is "tlsrpt-textfile: tlsrpt.prom is tlsrpt-summary's output, mode 644, nothing else" \
	"$(cmp "$tmp/textfile/tlsrpt.prom" "$tmp/spike.prom" && stat -c %a "$tmp/textfile/tlsrpt.prom"; ls -A "$tmp/textfile")" \
	"644
tlsrpt.prom"
SPOOL=$tmp/missing TEXTFILE_DIR=$tmp/textfile TLSRPT_SUMMARY=$BIN sh "$tf" --today $T 2>"$tmp/tf.err"
is "tlsrpt-textfile: a missing spool exits 66" "$?" 66
is "tlsrpt-textfile: the old file stays, no temp file left" \
	"$(cmp "$tmp/textfile/tlsrpt.prom" "$tmp/spike.prom" && ls -A "$tmp/textfile")" "tlsrpt.prom"

if [ -n "$PROMTOOL" ]; then
	check "promtool check rules contrib/prometheus/tlsrpt.rules.yml" \
		sh -c "'$PROMTOOL' check rules '$SRC/contrib/prometheus/tlsrpt.rules.yml' >'$tmp/rules.log' 2>&1"
	check "promtool test rules: the alerts fire when they should, with their texts" \
		sh -c "cd '$SRC/tests/data/prometheus' && '$PROMTOOL' test rules rules-test.yml >'$tmp/rules-test.log' 2>&1"
	sed 's/^/# /' "$tmp/rules.log" "$tmp/rules-test.log"
else
	ok "promtool check rules # SKIP promtool not found (Debian: prometheus)"
	ok "promtool test rules # SKIP promtool not found (Debian: prometheus)"
fi
done_testing
