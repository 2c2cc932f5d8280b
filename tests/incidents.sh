#!/bin/sh
# tlsrpt-summary's incidents on the scenarios of tests/gen-spool.py
# --incidents (TAP), built around a fixed today T = 2026-12-06:
#   - an ongoing 12-day incident viewed through a 3-day window: first_seen
#     is T-12, found through --history beyond the window;
#   - a reporter one day late (not silent), one silent for four days;
#   - a domain whose data starts three days ago, in a second spool: no
#     baseline, so at most a warning, "no history yet";
#   - a report of 120,000 failure details (a 33 MB spool line): read, not
#     skipped;
#   - a copy of one report in both spools: counted once;
#   - a 21-day series with one spike: one incident with a jump, not a
#     flag per day;
#   - an MX and mode change followed by failures on the new MX (the
#     incident names the change), and a testing policy ready to enforce.
# The expected incidents are worked out by hand in the comments below.
# Needs python3; skips without it.

. "${top_srcdir:-.}/tests/lib.sh"
BIN=${SUMMARY:-$top_builddir/tlsrpt-summary}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
GEN=$(cd "$top_srcdir/tests" && pwd)/gen-spool.py

command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"

tmp=$(mktmp) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

if python3 "$GEN" --incidents 2026-12-06 "$tmp"; then ok "scenario spools generated"; else
	not_ok "scenario spools generated"; tap_done; exit 1; fi

run() {
	name=$1
	shift
	(cd "$tmp" && "$BIN" --today 2026-12-06 "$@" >"$name" 2>"$name.err")
	echo $? >"$tmp/$name.rc"
}

run two.json --spool a --spool b --days 3 --format json
run two.txt --spool a --spool b --days 3
run check --spool a --spool b --days 3 --check
run short.json --spool a --spool b --days 3 --history 5 --format json
run spike.json --spool spike --format json
run b-only --spool b --days 3 --check
run mx.json --spool mx --format json
run mx.txt --spool mx

# T = 2026-12-06; window 12-04..12-06; the last complete day is 12-05
# (T-1): nothing is dated T, the reports for a day arrive the next day.
#
# big.example: Huge ISP, clean for 38 days, then on 12-05 120,000 failed
#   sessions of validation-failure, all on mx.big.example (so the incident
#   names it), beside 200,000 successful: 37.5 % on an enforce policy with
#   a baseline, new after clean days: critical.  Window = since = 12-05.
# ongoing.example: certificate-expired on mx1 from T-12 = 11-24 to T-1 =
#   12-05 (12 days; the 3-day window only sees 12-04 and 12-05): 450 a day,
#   so 900 in the window and 5400 since 11-24.  Enforce, 28 clean days
#   before it, 450 of 1,500..2,000 a day: critical.
# fresh.example (spool b only): 160 of 800 a day from T-3 = 12-03; 3 days
#   of history (< 7): at most a warning although 20 % on enforce; 320 in the
#   window (12-04, 12-05), 480 since 12-03.
# Gone Mail: reports for ongoing.example up to T-5 = 12-01; of the 7 days
#   11-27..12-03 before the last two (12-04, 12-05) it covered 11-27..12-01,
#   5 (the minimum), and neither of the two: silent since 12-02 (T-4), a
#   warning.
# Late Mail: up to T-2 = 12-04: it covers 12-04, so it is only late.
# Order: critical first, then by failed sessions (120000 before 900);
# warnings: fresh (320 failed) before the silent reporter (0).
if python3 - "$tmp/two.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
got = [(i["kind"], i["domain"], i["policy_type"], i["result_type"], i["organization"],
        i["first_seen"], i["last_seen"], i["severity"], i["ongoing"], i["failed_sessions"],
        i["failed_sessions_since_first_seen"], i["no_history"]) for i in d["incidents"]]
want = [
    ("failure-type", "big.example", "sts", "validation-failure", None,
     "2026-12-05", "2026-12-05", "critical", True, 120000, 120000, False),
    ("failure-type", "ongoing.example", "sts", "certificate-expired", None,
     "2026-11-24", "2026-12-05", "critical", True, 900, 5400, False),
    ("failure-type", "fresh.example", "sts", "starttls-not-supported", None,
     "2026-12-03", "2026-12-05", "warning", True, 320, 480, True),
    ("silent-reporter", "ongoing.example", None, None, "Gone Mail",
     "2026-12-02", "2026-12-05", "warning", True, 0, 0, False),
]
assert got == want, "\n".join(map(repr, got))
assert not any(i["first_seen_at_history_limit"] for i in d["incidents"])
big, ong = d["incidents"][0], d["incidents"][1]
assert big["mx_host"] == "mx.big.example" and ong["mx_host"] == "mx1.ongoing.example"
assert big["reasons"]["failure_reason_codes"] == [
    {"code": "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT", "sessions": 120000, "details": 120000}]
# Alpha and Beta both state the reason on 12-04 and 12-05; only Alpha links
assert ong["reasons"] == {"failure_reason_codes": [
    {"code": "X509_V_ERR_CERT_HAS_EXPIRED", "sessions": 900, "details": 4}],
    "additional_info_uris": ["https://alpha.example/tlsrpt/why?code=expired"]}, ong["reasons"]
assert [r["key"] for r in ong["reporters"]] == ["Alpha Mail", "Beta Mail"]
assert "validation-failure" in big["remediation"] or "general failure" in big["remediation"]
q = d["data_quality"]
assert q["unparsable_lines"] == 0 and q["unparsable_lines_before_window"] == 0, q
assert q["duplicate_records"] == 1, q
assert d["status"]["code"] == 2
assert [o["organization"] for o in d["domains"][2]["silent_reporters"]] == ["Gone Mail"]
PY
then ok "two spools, 3-day window: the exact incidents"; else not_ok "two spools, 3-day window: the exact incidents"; fi

if grep -q "No history yet (3 days" "$tmp/two.txt" &&
   [ "$(grep -cE '^  (CRITICAL|WARNING|INFO) ' "$tmp/two.txt")" -eq 4 ]; then
	ok "text: four incidents, 'no history yet' said"; else not_ok "text: four incidents, 'no history yet' said"; fi

# --check: the most severe first, each once, perfdata kept
line=$(cat "$tmp/check")
case $line in
"TLSRPT CRITICAL - 4 incidents (2 critical, 2 warning, 0 info): big.example sts validation-failure at mx.big.example since 2026-12-05 (critical); ongoing.example sts certificate-expired at mx1.ongoing.example since 2026-11-24 (critical); fresh.example sts starttls-not-supported at mx.fresh.example since 2026-12-03 (warning); ongoing.example silent reporter Gone Mail since 2026-12-02 (warning) | sessions="*" incidents=4 critical=2 warning=2 quarantined=0 skipped_lines=0")
	ok "--check names all four, most severe first" ;;
*) not_ok "--check names all four, most severe first"; echo "# $line" ;;
esac
[ "$(cat "$tmp/check.rc")" = 2 ] && ok "--check exits 2" || not_ok "--check exits 2"

# --history 5 looks back only to 11-29: the run is cut there
if python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
i = [x for x in d["incidents"] if x["domain"] == "ongoing.example" and x["kind"] == "failure-type"][0]
assert i["first_seen"] == "2026-11-29" and i["first_seen_at_history_limit"], i
' "$tmp/short.json"; then ok "--history bounds the look-back"; else not_ok "--history bounds the look-back"; fi

# spool b alone: fresh.example (3 days) and the copy of Alpha's 12-05
# report for ongoing.example (1 day, 300 of 1,000 failed) have no history:
# warnings, never critical; fresh first (320 failed in the window > 300).
case $(cat "$tmp/b-only") in
"TLSRPT WARNING - 2 incidents (0 critical, 2 warning, 0 info): fresh.example sts starttls-not-supported at mx.fresh.example since 2026-12-03 (warning); ongoing.example sts certificate-expired at mx1.ongoing.example since 2026-12-05 (warning) |"*)
	ok "a fresh spool warns at most" ;;
*) not_ok "a fresh spool warns at most"; sed 's/^/# /' "$tmp/b-only" ;;
esac

# spike.example, default 7 days (11-30..12-06, complete to 12-05): 5 failed
# of 2,000 a day from 11-15, 300 on 12-03.  One incident since 11-15 (the
# first day with reports), ongoing; in the window 5*5 + 300 = 325 failed
# of 12,000 = 2.71 %: above 0.5 % on enforce, under 5 %: a warning; the
# spike is its jump (300 >= 3 x the 7-day median of 5).
if python3 - "$tmp/spike.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["incidents"]) == 1, d["incidents"]
i = d["incidents"][0]
got = (i["kind"], i["domain"], i["result_type"], i["first_seen"], i["last_seen"], i["ongoing"],
       i["severity"], i["failed_sessions"], i["failure_rate"], i["jump"])
want = ("failure-type", "spike.example", "starttls-not-supported", "2026-11-15", "2026-12-05",
        True, "warning", 325, 2.71, {"date": "2026-12-03", "failed": 300, "median": 5.0})
assert got == want, got
PY
then ok "21-day spike series: one incident with its jump"; else not_ok "21-day spike series: one incident with its jump"; fi

# mxchange.example: the policy changed on T-8 = 11-28 (mode testing, mx1 ->
# mode enforce, mx2) and starttls-not-supported on mx2 began that day: the
# incident says so.  22 clean days before: critical (enforced, new after a
# clean baseline).  ready.example (testing, 2 reporters, 20 clean days) is
# ready to enforce; mxchange.example is enforced, so the question is moot.
if python3 - "$tmp/mx.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
(i,) = d["incidents"]
assert (i["domain"], i["result_type"], i["first_seen"], i["policy_change"], i["severity"],
        i["mx_host"]) == ("mxchange.example", "starttls-not-supported", "2026-11-28",
                          "2026-11-28", "critical", "mx2.mxchange.example"), i
mxc, ready = d["domains"][0]["policies"][0], d["domains"][1]["policies"][0]
assert mxc["policy_changes"] == [{"date": "2026-11-28",
    "from": "mode testing; mx: mx1.mxchange.example",
    "to": "mode enforce; mx: mx2.mxchange.example"}], mxc["policy_changes"]
assert "ready_to_enforce" not in mxc
r = ready["ready_to_enforce"]
assert (r["ready"], r["days_with_reports"], r["reporters"], r["would_be_refused"]) == \
    (True, 14, 2, 0), r
PY
then ok "policy change dated and linked; ready to enforce"; else not_ok "policy change dated and linked; ready to enforce"; fi
if grep -q "Policy changed 2026-11-28: mode testing; mx: mx1.mxchange.example -> mode enforce; mx:" "$tmp/mx.txt" &&
   grep -q "Ready to enforce: no failed session in the last 14 days, from 2" "$tmp/mx.txt" &&
   grep -q "policy change of 2026-11-28" "$tmp/mx.txt"; then
	ok "text: the change, its link and ready to enforce"; else not_ok "text: the change, its link and ready to enforce"; fi

done_testing
