#!/bin/bash
# The commands README and examples/README show run as shown (TAP).  In a
# temporary directory laid out like the source tree after ./quickstart
# (examples/, build/tlsrpt-lda, build/tlsrpt-summary, spool/ holding every
# example), each command is first found word for word in the README,
# then run by bash exactly as written, and its exit code and output are
# compared with what the README says or with the golden records.
. "${top_srcdir:-.}/tests/lib.sh"
SUMMARY=${SUMMARY:-$top_builddir/tlsrpt-summary}
command -v jq >/dev/null || skip_all "jq is not installed"

top_srcdir=$(cd "$top_srcdir" && pwd)
readme=$top_srcdir/README
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/build"
ln -s "$top_srcdir/examples" "$tmp/examples"
ln -s "$LDA" "$tmp/build/tlsrpt-lda"
ln -s "$(cd "${SUMMARY%/*}" && pwd)/${SUMMARY##*/}" "$tmp/build/tlsrpt-summary"
cd "$tmp" || exit 1
for f in examples/*.eml; do
	build/tlsrpt-lda --spool ./spool --log stderr --quiet <"$f" || echo "# delivering $f failed"
done

# shown FILE COMMAND: the command is in FILE, on a line of its own
shown() { grep -qxF -- "    $2" "$1"; }
# runs FILE NAME WANT_EXIT WANT_STDOUT COMMAND: shown, then run by bash
runs() {
	local file=$1 name=$2 want_rc=$3 want=$4 cmd=$5 rc
	check "$name: shown in ${file#"$top_srcdir"/}" shown "$file" "$cmd"
	bash -c "$cmd" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	is "$name: exits $want_rc" "$rc" "$want_rc"
	is "$name: prints what is expected" "$(tr -d '\r' <"$tmp/out")" "$want"
	[ "$rc" = "$want_rc" ] || sed 's/^/#   stderr: /' "$tmp/err" | head -n 5
}

# The guide's shape: the two Quick start commands a tool parses (the
# first two 4-space-indented lines of the underlined "Quick start"
# section), at most about 400 lines (420), and a table of contents naming every section
is "README: the Quick start commands" \
	"$(awk '/^Quick start$/ { getline; q = /^-+$/; next }
		q && /^[^ ].*$/ { t = $0 } q && /^-+$/ && t != "" { exit }
		q && /^    [^ ]/ { print substr($0, 5); if (++n == 2) exit }' "$readme")" \
	"./quickstart
tests/run-all"
check "README: at most about 400 lines ($(wc -l <"$readme"))" [ "$(wc -l <"$readme")" -le 420 ]
sections=$(awk 'prev != "" && /^-+$/ && length($0) == length(prev) { print prev } { prev = $0 }' "$readme")
listed=$(awk '/^Contents$/ { c = 1; next } c && /^[A-Z]/ { exit }
	c { print }' "$readme" | sed 's/  \+/\n/g' | sed -n 's/^ *[0-9]\+\. //p' | sort)
is "README: the contents list every section" "$listed" "$(echo "$sections" | sort)"

# Reading the spool
runs "$readme" "jq: policies with failures" 0 \
'{"policy_domain":"example.com","policy_type":"sts","failed_session_count":17}
{"policy_domain":"example.net","policy_type":"sts","failed_session_count":4}
{"policy_domain":"example.net","policy_type":"tlsa","failed_session_count":2}
{"policy_domain":"example.org","policy_type":"tlsa","failed_session_count":9}
{"policy_domain":"example.com","policy_type":"sts","failed_session_count":3}
{"policy_domain":"example.com","policy_type":"sts","failed_session_count":396}
{"policy_domain":"shop.example.com","policy_type":"sts","failed_session_count":39}' \
"jq -c 'select(.failed_session_count > 0) | {policy_domain, policy_type, failed_session_count}' spool/*.jsonl"

sum_cmd='jq -rn '\''reduce (inputs | .failure_details[]) as $f ({}; .[$f.result_type] += $f.failed_session_count) | to_entries | sort_by(-.value)[] | "\(.value) \(.key)"'\'' spool/*.jsonl'
runs "$readme" "jq: failed sessions per result type" 0 \
'120 validation-failure
85 starttls-not-supported
80 certificate-host-mismatch
76 certificate-expired
59 certificate-not-trusted
27 sts-policy-fetch-error
9 sts-webpki-invalid
8 tlsa-invalid
3 dnssec-invalid
3 sts-policy-invalid' "$sum_cmd"
# sessions, not rows: the sum equals the policies' failed_session_count
is "jq: the sums add up to the records' failed sessions" \
	"$(awk '{n += $1} END {print n}' "$tmp/out")" \
	"$(jq -n '[inputs | .failed_session_count] | add' spool/*.jsonl)"
for line in '120 validation-failure' '85 starttls-not-supported' '80 certificate-host-mismatch'; do
	check "README shows the sum '$line'" shown "$readme" "$line"
done

# tlsrpt-summary
runs "$readme" "tlsrpt-summary over the examples" 0 "$(build/tlsrpt-summary --spool spool --today 2026-05-21)" \
	"build/tlsrpt-summary --spool spool --today 2026-05-21"
is "tlsrpt-summary: the window covers the examples" "$(head -n 1 "$tmp/out")" \
	"TLS report summary, 2026-05-15 to 2026-05-21 (7 days, UTC)"
# example.org tlsa: two result types that first appear on 2026-05-19, on
# a policy with 3 days of reports (no baseline): two warnings, each
# narrowed to the MX host that all its failures went to
check_line='TLSRPT WARNING - 2 incidents (0 critical, 2 warning, 0 info): example.org tlsa tlsa-invalid at mx2.example.org since 2026-05-19 (warning); example.org tlsa dnssec-invalid at mx1.example.org since 2026-05-19 (warning) | sessions=1883 failed=9 incidents=2 critical=0 warning=2 quarantined=0 skipped_lines=0'
runs "$readme" "tlsrpt-summary --check" 1 "$check_line" \
	"build/tlsrpt-summary --spool spool --today 2026-05-21 --domain example.org --check"
check "README shows the --check line" shown "$readme" "$check_line"

# the CGI try-out: three lines, run in order
cgi1='gzip -c examples/plain-json.json > r.gz'
cgi2='REQUEST_METHOD=POST REMOTE_ADDR=192.0.2.1 \'
cgi3='  CONTENT_TYPE=application/tlsrpt+gzip CONTENT_LENGTH=$(stat -c %s r.gz) \'
cgi4='  build/tlsrpt-lda --cgi --spool ./spool-http --log stderr < r.gz'
check "CGI try-out: shown in README" \
	grep -qxF -e "    $cgi1" -e "    $cgi2" -e "    $cgi3" -e "    $cgi4" "$readme"
is "CGI try-out: the four lines are consecutive" \
	"$(grep -A3 -xF "    $cgi1" "$readme")" "    $cgi1
    $cgi2
    $cgi3
    $cgi4"
bash -c "$cgi1
$cgi2
$cgi3
$cgi4" >"$tmp/out" 2>"$tmp/err"
is "CGI try-out: exits 0" "$?" 0
is "CGI try-out: the response the README shows" "$(tr -d '\r' <"$tmp/out")" 'Status: 201 Created
Content-Type: text/plain

report stored'
check "README shows that response" grep -qxF '    Status: 201 Created' "$readme"
is "CGI try-out: the log line" "$(cat "$tmp/err")" \
	'tlsrpt-lda: stored org="Société Exemple Courrier" report_id="courrier-20260519-lists.example.org-7f3a2c" domain=lists.example.org policies=1 failed=0 file=2026-05-19.jsonl client=192.0.2.1'
is "CGI try-out: one record, from http" \
	"$(jq -r '[.source, .client_ip, .policy_domain] | @tsv' spool-http/*.jsonl)" \
	"$(printf 'http\t192.0.2.1\tlists.example.org')"

# examples/README: its two commands, with the golden records
ex=$top_srcdir/examples/README
runs "$ex" "examples/README: google-sts.eml on stdout" 0 \
	"$(sed -n 's/^{/{/p' "$top_srcdir/tests/data/golden/examples/google-sts.out" | jq .)" \
	"build/tlsrpt-lda --stdout --log stderr < examples/google-sts.eml | jq ."
runs "$ex" "examples/README: --file zip-report.zip" 0 \
	"$(sed -n 's/^{/{/p' "$top_srcdir/tests/data/golden/examples/zip-report.out" |
		jq -c '.source = "file" | .message_id = null | .submitter = null | .warnings = []')" \
	"build/tlsrpt-lda --stdout --file examples/zip-report.zip | jq -c ."
is "examples/README: --stdout left no spool behind" "$(ls -d spool*)" "spool
spool-http"

done_testing
