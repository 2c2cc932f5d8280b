#!/bin/bash
# Load: N (default 200) deliveries of distinct reports and N redeliveries
# of the same mails, all 2N at once, each redelivery started right after
# its original so the two race for the lock; a reader follows the daily
# file meanwhile, as `tail -F` would.  Every report is stored exactly
# once, as whole lines; every delivery exits 0, one of each pair logging
# "stored" and the other "duplicate"; then N more redeliveries leave the
# spool byte-identical.
# Environment: LOAD_N (default 200; 50 when the binary is built with a
# sanitizer, which starts ten times slower).
. "${top_srcdir:-.}/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"

tmp=$(mktmp)
reader=
trap '[ -n "$reader" ] && kill "$reader" 2>/dev/null; rm -rf "$tmp"' EXIT
N=${LOAD_N:-200}
[ -z "${LOAD_N:-}" ] && grep -qa __asan_init "$LDA" 2>/dev/null && N=50
S=$tmp/spool
F=$S/2026-05-18.jsonl

# load_eml I: report I as plain JSON mail, made without forking (the
# gzip + base64 of report_eml costs two processes per mail)
load_eml() {
	local d=d$1.example
	printf 'From: tlsrpt@sender.example\nTo: tlsrpt@%s\nSubject: Report Domain: %s Submitter: sender.example Report-ID: <report-%s>\nMessage-ID: <report-%s@sender.example>\nMIME-Version: 1.0\nContent-Type: application/tlsrpt+json\n\n{"organization-name":"Org %s","date-range":{"start-datetime":"2026-05-18T00:00:00Z","end-datetime":"2026-05-18T23:59:59Z"},"contact-info":"tlsrpt@%s","report-id":"report-%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mx.%s","max_age: 86400"],"policy-domain":"%s","mx-host":["mx.%s"]},"summary":{"total-successful-session-count":100,"total-failure-session-count":%s},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"192.0.2.1","receiving-mx-hostname":"mx.%s","receiving-ip":"198.51.100.7","failed-session-count":%s}]}]}\n' \
		"$d" "$d" "$1" "$1" $(($1 % 5)) "$d" "$1" "$d" "$d" "$d" "$1" "$d" "$1"
}
for i in $(seq 1 "$N"); do load_eml "$i" >"$tmp/$i.eml"; done
echo "# ${SECONDS}s: $N mails made"

# The reader: reads what is appended, line by line, as tail -F does.
# Complete lines go to $tmp/seen (checked against the file at the end);
# each time it finds the file ending in a partial line it counts it.  A
# read(2) is not atomic with a concurrent write(2) on Linux (the page
# cache is copied page by page, and ext4 takes no lock for reads), so a
# reader can catch an append crossing a page boundary half copied: tail
# -F then holds the partial line back and prints it once the newline is
# there.  What is asserted is what a reader gets: whole JSON lines, never
# a byte that later changes.
exec {napfd}<> <(:)
follow() {
	local fd line part= partials=0 drained=0
	while [ ! -e "$F" ]; do read -r -t 0.01 -u "$napfd" _; done
	exec {fd}<"$F"
	while :; do
		if IFS= read -r -u "$fd" line; then
			printf '%s\n' "$part$line"
			part=
		else
			if [ -n "$line" ]; then part+=$line; partials=$((partials + 1)); fi
			# told to stop (nothing is written any more): one more pass
			if [ -e "$tmp/stop" ]; then
				[ "$drained" = 1 ] && break
				drained=1
				continue
			fi
			read -r -t 0.005 -u "$napfd" _
		fi
	done >"$tmp/seen"
	[ -z "$part" ] || printf '%s' "$part" >>"$tmp/seen"
	echo "$partials" >"$tmp/partials"
}
follow &
reader=$!

# deliver_wave ORIGINALS REDELIVERIES: start them all, wait; sets fails
# (how many did not exit 0)
deliver_wave() {
	local i pids=() pid
	for i in $(seq 1 "$N"); do
		for _ in $(seq 1 "$1"); do
			"$LDA" --spool "$S" --log stderr --lock-timeout 600 <"$tmp/$i.eml" 2>>"$tmp/log" &
			pids+=($!)
		done
	done
	fails=0
	for pid in "${pids[@]}"; do wait "$pid" || fails=$((fails + 1)); done
}

t0=$SECONDS
deliver_wave 2
echo "# $((2 * N)) concurrent deliveries took $((SECONDS - t0)) s"
touch "$tmp/stop"
wait "$reader"
reader=
is "$N deliveries + $N concurrent redeliveries: all exit 0" "$fails" 0
is "exactly $N lines stored" "$(wc -l <"$F")" "$N"
is "every line is one whole JSON object" "$(jq -c . "$F" 2>/dev/null | wc -l)" "$N"
check "the file ends with a newline" test "$(tail -c 1 "$F" | od -An -c | tr -d ' ')" = '\n'
is "every report stored once" "$(jq -r .report_id "$F" | sort -u | wc -l)" "$N"
is "failed counts add up" "$(jq -s 'map(.failed_session_count) | add' "$F")" "$((N * (N + 1) / 2))"
is "each report logged stored once and duplicate once" \
	"$(sed -n 's/^tlsrpt-lda: \(stored\|duplicate\) org="[^"]*" report_id="\([^"]*\)".*/\1 \2/p' "$tmp/log" | sort | uniq -c | awk '$1 != 1' | wc -l):$(grep -c '^tlsrpt-lda: stored ' "$tmp/log"):$(grep -c '^tlsrpt-lda: duplicate ' "$tmp/log")" \
	"0:$N:$N"
is "nothing else logged" "$(grep -vc '^tlsrpt-lda: \(stored\|duplicate\) ' "$tmp/log")" 0
is "one index entry per report" "$(stat -c %s "$S/2026-05-18.idx")" "$((N * 32))"
check "no journal left in .lock" test ! -s "$S/.lock"
is "nothing quarantined" "$(find "$S" -path '*/quarantine/*' -type f | wc -l)" 0
check "the reader saw exactly the file, in whole lines" cmp -s "$tmp/seen" "$F"
is "every line the reader saw is one JSON object" "$(jq -c . "$tmp/seen" 2>/dev/null | wc -l)" "$N"
echo "# the reader found the file ending in a partial line $(cat "$tmp/partials") times"

cp "$F" "$tmp/before"
: >"$tmp/log"
t0=$SECONDS
deliver_wave 1
echo "# $N more concurrent redeliveries took $((SECONDS - t0)) s"
is "$N more concurrent redeliveries all exit 0" "$fails" 0
is "... all logged as duplicates" "$(grep -c '^tlsrpt-lda: duplicate ' "$tmp/log")" "$N"
check "... the spool byte-identical" cmp -s "$tmp/before" "$F"
done_testing
