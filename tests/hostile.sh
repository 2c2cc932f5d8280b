#!/bin/bash
# The adversarial corpus (tests/data/hostile/): every case is delivered into
# a fresh spool under `timeout 20` and /usr/bin/time; it must exit with the
# expected code, in time, under a peak RSS bound derived from the limits in
# force, and leave either exactly the expected records or one quarantined
# copy of the input whose first line gives the precise reason.  The small
# inputs are committed; the big ones (bombs, 10,000 nested multiparts, a
# 50 MB string, ...) are made at test time by make-hostile.sh.
#
# The RSS bound of a delivery, with M = --max-message, R = --max-report:
#   16 MiB + 4 x I + 2 x min(R, max(1000 x I, 1 MiB)),  I = min(input, M)
# (the inflated report is capped by R and by the 1000:1 ratio with its
# 1 MiB floor; plain JSON is smaller than the input anyway).  The message
# is held once and at most three buffers derive from it (decoded part,
# JSON copy, json-c's buffer for one value: never a string over 64 KiB,
# which the scanner refuses first); the inflated report lives at most
# twice (the text and its records, or old and new block while a buffer
# grows); 16 MiB is the
# binary, libc, zlib, json-c and the stack.
# Two cases rerun with smaller M and R to show the bound follows them.
# Under ASan (the san stage) freed blocks stay in a 256 MiB quarantine,
# whose shadow takes another 32 MiB, and every block has redzones and
# shadow, so the bound there is 2 x bound + 288 MiB: still far below what
# inflating a bomb whole would take.  (The 200,000 failure details, each
# a json-c tree made and freed, fill the quarantine.)
. "${top_srcdir:-.}/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v gzip >/dev/null || skip_all "gzip not installed"
command -v python3 >/dev/null || skip_all "python3 not installed (make-hostile.sh)"

H=$top_srcdir/tests/data/hostile
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
S=$tmp/spool
TIME=/usr/bin/time
[ -x "$TIME" ] || { TIME=; echo "# /usr/bin/time missing (Debian package 'time'): peak RSS not checked"; }

skip() { ok "$1 # SKIP $2"; }

# the generator is deterministic: the committed small cases are its output
mkdir -p "$tmp/small" "$tmp/big"
bash "$H/make-hostile.sh" small "$tmp/small"
if diff -r -q -x make-hostile.sh "$H" "$tmp/small" >"$tmp/diff" 2>&1; then
	ok "committed small cases are what make-hostile.sh makes"
else
	# gzip output can differ between gzip versions; say so, do not fail
	skip "committed small cases are what make-hostile.sh makes" "differs here: $(head -n 1 "$tmp/diff")"
fi
echo "# making the big cases (1 GiB gzip bomb, 50 MB string, ...)"
t0=$SECONDS
bash "$H/make-hostile.sh" big "$tmp/big"
is "make-hostile.sh big" "$?" 0
echo "# made in $((SECONDS - t0)) s"

asan=0
grep -q __asan_init "$LDA" 2>/dev/null && asan=1
[ $asan = 1 ] && echo "# ASan build: RSS bounds are 2 x bound + 288 MiB"
MIB=1048576

# deliver FILE [OPTION...]: into a fresh spool; sets rc, ms, rss (KiB),
# cpu_cs (user + system CPU, centiseconds), and in_bytes, max_message,
# max_report for the RSS bound
deliver() {
	local f=$1 t0 t1 a
	shift
	rm -rf "$S"
	in_bytes=$(stat -c %s "$f")
	max_message=33554432 max_report=67108864
	a=$*
	[[ $a =~ --max-message\ ([0-9]+) ]] && max_message=${BASH_REMATCH[1]}
	[[ $a =~ --max-report\ ([0-9]+) ]] && max_report=${BASH_REMATCH[1]}
	t0=$EPOCHREALTIME
	if [ -n "$TIME" ]; then
		timeout 20 "$TIME" -f '%M %U %S' -o "$tmp/rss" "$LDA" --spool "$S" --log stderr "$@" <"$f" >/dev/null 2>"$tmp/err"
		rc=$?
		read -r rss cpu_u cpu_s < <(tail -n 1 "$tmp/rss")
		cpu_cs=$(( 10#${cpu_u/./} + 10#${cpu_s/./} ))
	else
		timeout 20 "$LDA" --spool "$S" --log stderr "$@" <"$f" >/dev/null 2>"$tmp/err"
		rc=$?
		rss= cpu_cs=
	fi
	t1=$EPOCHREALTIME
	ms=$(( (${t1/./} - ${t0/./}) / 1000 ))
}

min() { if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi; }

# bounds NAME RC: exit code, time, peak RSS of the last delivery
bounds() {
	local eff report lim
	eff=$(min "$in_bytes" "$max_message")
	report=$(min "$max_report" $((1000 * eff > MIB ? 1000 * eff : MIB)))
	lim=$((16 * MIB + 4 * eff + 2 * report))
	[ $asan = 1 ] && lim=$((2 * lim + 288 * MIB))
	lim=$(((lim + MIB - 1) / MIB))
	is "$1: exit $2" "$rc" "$2"
	check "$1: finished within 20 s (${ms} ms)" test "$rc" != 124 -a "$rc" != 137
	if [ -z "$rss" ]; then
		skip "$1: peak RSS <= $lim MiB" "no /usr/bin/time"
	else
		check "$1: peak RSS $((rss / 1024)) MiB <= $lim MiB" test "$rss" -le $((lim * 1024))
	fi
}

# quarantined NAME FILE REASON [KEPT_BYTES]: one copy of FILE (or of its
# first KEPT_BYTES) in quarantine/new after the exact reason line, and no
# records
quarantined() {
	local q n first
	n=$(find "$S/quarantine/new" -type f 2>/dev/null | wc -l)
	q=$(find "$S/quarantine/new" -type f 2>/dev/null | head -n 1)
	if [ "$n" != 1 ]; then
		not_ok "$1: quarantined once (found $n)"
		sed 's/^/#   stderr: /' "$tmp/err" | head -n 3
		return
	fi
	is "$1: quarantine reason" "$(head -n 1 "$q")" "X-Tlsrpt-Quarantine-Reason: $3"
	if [ -n "${4:-}" ]; then
		check "$1: the quarantined copy is the first $4 bytes" \
			cmp -s <(tail -n +2 "$q") <(head -c "$4" "$2")
	else
		check "$1: the quarantined copy is the whole input" cmp -s <(tail -n +2 "$q") "$2"
	fi
	is "$1: no records" "$(find "$S" -maxdepth 1 -name '*.jsonl' | wc -l)" 0
	read -r first <"$tmp/err"
	if [[ $first == "tlsrpt-lda: quarantined reason=\"$3\" file=quarantine/new/"* ]]; then
		ok "$1: logged with the reason"
	else
		not_ok "$1: logged with the reason"
		echo "#   got: ${first:0:300}"
	fi
}

# stored NAME LINES WHAT JQ_FILTER: LINES records in 2026-05-18.jsonl (the
# only file besides .lock and its index), every line one JSON object,
# all valid UTF-8, and the slurped records pass JQ_FILTER (WHAT says what
# it checks)
stored() {
	local f=$S/2026-05-18.jsonl out
	if [ ! -f "$f" ]; then
		not_ok "$1: stored"
		sed 's/^/#   stderr: /' "$tmp/err" | head -n 3
		return
	fi
	is "$1: $2 lines" "$(wc -l <"$f")" "$2"
	# one jq pass (the 200,000-detail line is 60 MB): values, then the filter
	out=$(jq -s -c "length, ($4)" "$f" 2>&1)
	is "$1: every line parses" "${out%%$'\n'*}" "$2"
	is "$1: valid UTF-8, no NUL byte" "$(LC_ALL=C.UTF-8 grep -caxv '.*' "$f"; tr -d -c '\0' <"$f" | wc -c)" "0
0"
	is "$1: only the daily file, its index (one entry) and .lock in the spool" \
		"$(cd "$S" && find . -type f -printf '%p %s\n' | sed 's/\(jsonl\|lock\) [0-9]*$/\1/' | sort | tr '\n' ' ')" \
		"./.lock ./2026-05-18.idx 32 ./2026-05-18.jsonl "
	if [ "$out" = "$2"$'\n'true ]; then ok "$1: $3"; else
		not_ok "$1: $3"
		jq -c '.[0:3]' "$f" 2>&1 | head -c 600 | sed 's/^/#   got: /'
	fi
}

P='part 2 (application/tlsrpt+gzip, r.json.gz)'
PS='part 2 (application/tlsrpt+gzip, sender.example!example.com!0!1.json.gz)'
PZ='part 2 (application/zip, sender.example!example.com!0!1.zip)'

# ---- compression --------------------------------------------------------

deliver "$tmp/big/gzip-bomb.eml"
bounds "gzip bomb (1 GiB of zeros)" 0
quarantined "gzip bomb" "$tmp/big/gzip-bomb.eml" "$P: inflated report exceeds 67108864 bytes"

# the same with --max-report 8 MiB: the memory follows the limit
deliver "$tmp/big/gzip-bomb.eml" --max-report 8388608
bounds "gzip bomb, --max-report 8 MiB" 0
quarantined "gzip bomb, --max-report 8 MiB" "$tmp/big/gzip-bomb.eml" "$P: inflated report exceeds 8388608 bytes"

deliver "$tmp/big/gzip-bomb-members.eml"
bounds "gzip bomb in 1,024 members of 1 MiB" 0
quarantined "gzip bomb in members" "$tmp/big/gzip-bomb-members.eml" "$P: inflated report exceeds 67108864 bytes"

deliver "$H/gzip-ratio.eml"
bounds "10 MiB of zeros in 10 KB (ratio over 1000:1)" 0
quarantined "gzip ratio" "$H/gzip-ratio.eml" "$P: compression ratio above 1000:1"

deliver "$tmp/big/zip-bomb.eml"
bounds "zip bomb (one 1 GiB entry)" 0
quarantined "zip bomb" "$tmp/big/zip-bomb.eml" "$PZ: inflated report exceeds 67108864 bytes"

deliver "$tmp/big/zip-many-entries.eml"
bounds "zip with 10,000 entries" 0
quarantined "zip with 10,000 entries" "$tmp/big/zip-many-entries.eml" "$PZ: zip: more than 64 entries"

deliver "$H/zip-lying-size.eml"
bounds "zip entry inflating past its declared size" 0
quarantined "zip lying size" "$H/zip-lying-size.eml" "$PZ: zip: size mismatch"

# the declared size is checked before inflating anything
deliver "$H/zip-declared-4gib.eml"
bounds "zip entry declaring 4 GiB" 0
quarantined "zip entry declaring 4 GiB" "$H/zip-declared-4gib.eml" "$PZ: compression ratio above 1000:1"

deliver "$H/truncated-gzip.eml"
bounds "truncated gzip" 0
quarantined "truncated gzip" "$H/truncated-gzip.eml" "$P: gzip: truncated stream"

deliver "$H/gzip-trailing-garbage.eml"
bounds "gzip with trailing garbage" 0
stored "gzip with trailing garbage" 1 "the report, with a warning" \
	'.[0].report_id == "trailing-garbage" and .[0].warnings == ["trailing bytes after the compressed report ignored"]'

# ---- one budget per message ---------------------------------------------

# cpu NAME SECONDS: the last delivery's user + system CPU time
cpu() {
	if [ -z "$cpu_cs" ]; then
		skip "$1: at most $2 s of CPU" "no /usr/bin/time"
	else
		check "$1: $((cpu_cs / 100)).$(printf %02d $((cpu_cs % 100))) s of CPU <= $2 s" \
			test "$cpu_cs" -le $(($2 * 100))
	fi
}

# Each part stops at its own caps after ~40 MB (just over 1000:1), but
# the message's parts together may make at most 2 x --max-report bytes:
# the fourth part stops at that.  With caps per part only, this mail took
# 77 s of CPU (23 GiB inflated).
deliver "$tmp/big/parts-600-spaces.eml"
bounds "600 parts, each 40 MiB of spaces gzipped" 0
cpu "600 parts of 40 MiB" 10
quarantined "600 parts of 40 MiB" "$tmp/big/parts-600-spaces.eml" \
	"gave up after 4 failed parts inflating 134217728 bytes (limit 2 x --max-report); first: part 1 (application/tlsrpt+gzip, r1.json.gz): compression ratio above 1000:1"

deliver "$tmp/big/parts-600-spaces.eml" --max-report 8388608
bounds "600 parts of 40 MiB, --max-report 8 MiB" 0
cpu "600 parts of 40 MiB, --max-report 8 MiB" 10
quarantined "600 parts of 40 MiB, --max-report 8 MiB" "$tmp/big/parts-600-spaces.eml" \
	"gave up after 2 failed parts inflating 16777216 bytes (limit 2 x --max-report); first: part 1 (application/tlsrpt+gzip, r1.json.gz): inflated report exceeds 8388608 bytes"

# failures that cost little are capped by number
deliver "$tmp/big/parts-600-broken.eml"
bounds "600 parts of broken JSON" 0
quarantined "600 parts of broken JSON" "$tmp/big/parts-600-broken.eml" \
	"gave up after 8 failed parts (limit 8); first: part 1 (application/tlsrpt+json): JSON: unexpected end of data at offset 29"

# a part stopped at --max-report leaves room for a full report after it
deliver "$tmp/big/bomb-then-report.eml"
bounds "a 1 GiB bomb, then the report" 0
stored "a 1 GiB bomb, then the report" 1 "the report of the second part" \
	'.[0].report_id == "bomb-then-report" and .[0].failed_session_count == 3'

# ---- MIME and headers ---------------------------------------------------

deliver "$tmp/big/nested-multipart-10000.eml"
bounds "10,000 nested multiparts" 0
quarantined "10,000 nested multiparts" "$tmp/big/nested-multipart-10000.eml" "MIME nesting deeper than 16"

deliver "$tmp/big/parts-100000.eml"
bounds "100,000 parts" 0
quarantined "100,000 parts" "$tmp/big/parts-100000.eml" "more than 1000 MIME parts"

deliver "$tmp/big/header-line-1mb.eml"
bounds "a 1 MiB header line" 0
quarantined "a 1 MiB header line" "$tmp/big/header-line-1mb.eml" "header field longer than 65536 bytes"

deliver "$tmp/big/header-lines-1000000.eml"
bounds "1,000,000 header lines" 0
quarantined "1,000,000 header lines" "$tmp/big/header-lines-1000000.eml" "too many header fields (limit 1000)"

deliver "$H/boundary-never-closes.eml"
bounds "boundary that never closes" 0
stored "boundary that never closes" 1 "the report" '.[0].report_id == "unclosed" and .[0].failed_session_count == 3'

deliver "$H/base64-garbage-nul.eml"
bounds "base64 with garbage and NULs" 0
quarantined "base64 with garbage and NULs" "$H/base64-garbage-nul.eml" "$P: base64: invalid byte 0x21 on line 1"

# ---- JSON ---------------------------------------------------------------

deliver "$H/json-nested-100000.eml"
bounds "JSON nested 100,000 deep" 0
quarantined "JSON nested 100,000 deep" "$H/json-nested-100000.eml" "$PS: JSON nesting deeper than 64"

# --max-message above the message so the string reaches the JSON parser
deliver "$tmp/big/string-50mb.eml" --max-message 60000000
bounds "a 50 MB JSON string" 0
# refused while the scanner delimits it: json-c never buffers the string,
# so the message and the report's copy of it are all (2 x 50 MB; about
# 4 x before, json-c's string buffer doubling up to 128 MB)
if [ -z "$rss" ]; then
	skip "a 50 MB JSON string: peak RSS <= 2.5 x the message" "no /usr/bin/time"
elif [ $asan = 1 ]; then
	skip "a 50 MB JSON string: peak RSS <= 2.5 x the message" "ASan build"
else
	check "a 50 MB JSON string: peak RSS $((rss / 1024)) MiB <= 2.5 x the message" \
		test $((rss * 1024)) -le $((in_bytes * 5 / 2))
fi
quarantined "a 50 MB JSON string" "$tmp/big/string-50mb.eml" \
	"part 2 (application/tlsrpt+json, r.json): string longer than 65536 bytes at organization-name"

deliver "$H/json-raw-nul.eml"
bounds "a raw NUL byte in the JSON" 0
quarantined "a raw NUL byte in the JSON" "$H/json-raw-nul.eml" "part 2 (application/tlsrpt+json, r.json): JSON: NUL byte at offset 29"

deliver "$H/count-beyond-int64.eml"
bounds "count 2^63" 0
quarantined "count 2^63" "$H/count-beyond-int64.eml" "$PS: policies[0].summary.total-failure-session-count is out of range"

deliver "$H/count-1e29.eml"
bounds "count 10^29" 0
quarantined "count 10^29" "$H/count-1e29.eml" "$PS: policies[0].summary.total-failure-session-count is out of range"

deliver "$H/count-negative.eml"
bounds "negative count" 0
quarantined "negative count" "$H/count-negative.eml" "$PS: policies[0].summary.total-failure-session-count is negative"

deliver "$H/date-nul.eml"
bounds "a NUL in a date" 0
quarantined "a NUL in a date" "$H/date-nul.eml" "$PS: invalid date-range.start-datetime"

deliver "$tmp/big/details-200000.eml"
bounds "200,000 failure-details" 0
stored "200,000 failure-details" 1 "all 200,000 details kept, in order" \
	'.[0].failure_details | length == 200000 and .[-1].failure_reason_code == "n200000" and (map(.failed_session_count) | add) == 200000'

# every string field: NUL (escaped, so legal JSON) and invalid UTF-8 turn
# into U+FFFD, one per bad byte; the record stays one valid UTF-8 line
ORIGINAL_RECIPIENT=$'tlsrpt\377\001@example.com' deliver "$H/nul-invalid-utf8.eml"
bounds "NUL and invalid UTF-8 in every string" 0
R=$'\xef\xbf\xbd'
stored "NUL and invalid UTF-8 in every string" 1 "each bad byte is one U+FFFD, in every field" "
	.[0] | .organization_name == \"Org${R}Nul $R$R $R$R $R$R$R\"
	and .contact_info == \"a${R}b$R@example.com\"
	and .report_id == \"id$R$R\\n2\"
	and .policy_domain == \"exa${R}mple$R.com\"
	and .policy_strings == [\"version: STSv1$R$R\"]
	and .mx_host_patterns == [\"mx$R$R.example.com\"]
	and .policy_type == \"sts$R$R\"
	and .failure_details[0].result_type == \"validation-failure$R$R\"
	and .failure_details[0].sending_mta_ip == \"192.0.2.1$R$R\"
	and .failure_details[0].receiving_ip == \"198.51.100.7$R$R\"
	and .failure_details[0].receiving_mx_hostname == \"mx$R$R\"
	and .failure_details[0].receiving_mx_helo == \"helo$R$R\"
	and .failure_details[0].additional_info_uri == \"https://x/$R$R\"
	and .failure_details[0].failure_reason_code == \"code$R$R\"
	and .message_id == \"<bad${R}utf8$R$R@sender.example>\"
	and .submitter == \"sender$R.example\"
	and .recipient == \"tlsrpt$R\\u0001@example.com\"
	and (.warnings | index(\"organization-name had invalid UTF-8 (replaced)\")) != null"

# ---- paths and lines ----------------------------------------------------

deliver "$H/policy-domain-paths.eml"
bounds "policy-domain ../../etc, a/b/../../c, with newlines" 0
stored "path-shaped strings" 3 "kept verbatim as data" \
	'map(.policy_domain) == ["../../etc", "a/b/../../c", "x\ny\r\nz"]
	 and all(.organization_name == "../../etc/passwd" and .report_id == "../../../tmp/pwned")'
check "path-shaped strings: nothing made outside the spool" \
	test ! -e /tmp/pwned -a ! -e "$tmp/etc" -a ! -e "$tmp/tmp" -a ! -e "$tmp/c"

# ---- size and emptiness -------------------------------------------------

deliver "$tmp/big/over-max-message.eml"
bounds "33 MiB message (over the default --max-message)" 0
quarantined "33 MiB message" "$tmp/big/over-max-message.eml" \
	"message larger than 33554432 bytes (--max-message); first 33554432 bytes kept" 33554432

deliver "$tmp/big/over-max-message.eml" --max-message 1048576 --max-report 1048576
bounds "33 MiB message, --max-message 1 MiB --max-report 1 MiB" 0
quarantined "33 MiB message, --max-message 1 MiB" "$tmp/big/over-max-message.eml" \
	"message larger than 1048576 bytes (--max-message); first 1048576 bytes kept" 1048576

deliver "$H/empty.eml"
bounds "empty stdin" 0
quarantined "empty stdin" "$H/empty.eml" "empty message"

# ---- dates from the future ----------------------------------------------

# A report may start at most one day (86,400 s) after the delivery time:
# the clock one day before its start accepts it, one second earlier not.
report_eml "Future Org" "future-edge" 2026-05-21 example.com 1 >"$tmp/future-edge.eml"
TLSRPT_LDA_NOW=1779235200 deliver "$tmp/future-edge.eml"   # 2026-05-20T00:00:00Z
bounds "a report starting exactly one day after delivery" 0
is "starting exactly one day ahead: stored in its own day" \
	"$(cd "$S" && find . -name '*.jsonl' | sort | tr '\n' ' ')$(jq -r .report_id "$S/2026-05-21.jsonl" 2>&1)" \
	"./2026-05-21.jsonl future-edge"
TLSRPT_LDA_NOW=1779235199 deliver "$tmp/future-edge.eml"   # 2026-05-19T23:59:59Z
bounds "a report starting one day and one second after delivery" 0
quarantined "one day and one second ahead" "$tmp/future-edge.eml" \
	"date-range.start-datetime 2026-05-21T00:00:00Z is more than one day after the delivery time 2026-05-19T23:59:59Z"

report_eml "Future Org" "far-future" 9999-12-31 example.com 1 >"$tmp/future-9999.eml"
deliver "$tmp/future-9999.eml"
bounds "a report dated 9999-12-31" 0
quarantined "a report dated 9999-12-31" "$tmp/future-9999.eml" \
	"date-range.start-datetime 9999-12-31T00:00:00Z is more than one day after the delivery time 2026-05-19T08:00:00Z"

# --file (a human backfilling): the same rule, exit 65, nothing stored
report_json "Future Org" "far-future" 9999-12-31 example.com 1 >"$tmp/future-9999.json"
rm -rf "$S"
"$LDA" --spool "$S" --log stderr --file "$tmp/future-9999.json" 2>"$tmp/err"
is "--file dated 9999-12-31: exit 65" "$?" 65
is "--file dated 9999-12-31: reason logged" "$(cat "$tmp/err")" \
	"tlsrpt-lda: $tmp/future-9999.json: date-range.start-datetime 9999-12-31T00:00:00Z is more than one day after the delivery time 2026-05-19T08:00:00Z"
is "--file dated 9999-12-31: no daily file" "$(find "$S" -name '*.jsonl' | wc -l)" 0

# old dates stay accepted: backfill is legitimate
report_eml "Old Org" "backfill" 2001-01-01 example.com 1 >"$tmp/old.eml"
deliver "$tmp/old.eml"
bounds "a report from 2001" 0
is "a report from 2001: stored in its day" \
	"$(cd "$S" && find . -name '*.jsonl' | tr '\n' ' ')$(jq -r .report_id "$S/2001-01-01.jsonl" 2>&1)" \
	"./2001-01-01.jsonl backfill"

done_testing
