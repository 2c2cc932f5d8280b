#!/bin/bash
# 50 concurrent deliveries of distinct reports, then 50 concurrent
# redeliveries of the same mails: every report is stored exactly once, as
# whole lines, and every redelivery exits 0 as a duplicate.
. "${top_srcdir:-.}/tests/lib.sh"
command -v jq >/dev/null || skip_all "jq not installed"

tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
N=50
for i in $(seq 1 $N); do
	report_eml "Org $((i % 5))" "report-$i" 2026-05-18 "d$i.example" "$i" >"$tmp/$i.eml"
done

deliver_all() {
	local i pids=() rc=0
	for i in $(seq 1 $N); do
		"$LDA" --spool "$tmp/spool" --log stderr --quiet <"$tmp/$i.eml" 2>>"$tmp/stderr" &
		pids+=($!)
	done
	for pid in "${pids[@]}"; do wait "$pid" || rc=$?; done
	return $rc
}

check "$N concurrent deliveries all exit 0" deliver_all
is "exactly $N lines stored" "$(wc -l <"$tmp/spool/2026-05-18.jsonl")" "$N"
all_json() { jq -e -c . "$1" >/dev/null; }
check "every line is one whole JSON object" all_json "$tmp/spool/2026-05-18.jsonl"
is "every report stored once" \
	"$(jq -r .report_id "$tmp/spool/2026-05-18.jsonl" | sort -u | wc -l)" "$N"
is "failed counts add up" \
	"$(jq -s 'map(.failed_session_count) | add' "$tmp/spool/2026-05-18.jsonl")" "$((N * (N + 1) / 2))"
cp "$tmp/spool/2026-05-18.jsonl" "$tmp/before"
check "$N concurrent redeliveries all exit 0" deliver_all
check "redeliveries left the spool byte-identical" cmp -s "$tmp/before" "$tmp/spool/2026-05-18.jsonl"
is "nothing quarantined" "$(ls "$tmp/spool/quarantine/new" 2>/dev/null | wc -l)" 0
done_testing
