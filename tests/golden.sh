#!/bin/bash
# Golden tests: every tests/data/golden/NAME.eml and examples/NAME.eml is
# delivered into an empty spool with a fixed clock; the exit code and the
# exact spool content must equal NAME.out.  Each input is also delivered
# with CRLF line endings and must give the same records.
# Accept new output after review: TLSRPT_ACCEPT=1 make check TESTS=tests/golden.sh
. "${top_srcdir:-.}/tests/lib.sh"

tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT

# deliver INPUT OUTFILE: run the LDA, write "exit N" + spool dump
deliver() {
	rm -rf "$tmp/spool"
	"$LDA" --spool "$tmp/spool" --log stderr --quiet <"$1" 2>"$tmp/stderr"
	echo "exit $?" >"$2"
	dump_spool "$tmp/spool" >>"$2"
}

run_case() {
	local eml=$1 want=$2 name
	name=${eml#"$top_srcdir"/}
	deliver "$eml" "$tmp/got"
	if [ "${TLSRPT_ACCEPT:-}" = 1 ]; then cp "$tmp/got" "$want"; fi
	if [ -f "$want" ] && cmp -s "$tmp/got" "$want"; then
		ok "$name"
	else
		not_ok "$name"
		diff -u "$want" "$tmp/got" 2>&1 | sed 's/^/#   /' | head -n 40
		echo "#   stderr: $(head -c 300 "$tmp/stderr")"
		echo "#   accept with: TLSRPT_ACCEPT=1 make check TESTS=tests/golden.sh"
		return
	fi
	# CRLF everywhere must not change the records (the quarantined copy differs)
	sed 's/\r$//; s/$/\r/' "$eml" >"$tmp/crlf.eml"
	deliver "$tmp/crlf.eml" "$tmp/got-crlf"
	if cmp -s "$tmp/got" "$tmp/got-crlf"; then
		ok "$name with CRLF line endings"
	else
		not_ok "$name with CRLF line endings"
		diff -u "$tmp/got" "$tmp/got-crlf" | sed 's/^/#   /' | head -n 20
	fi
}

for eml in "$top_srcdir"/examples/*.eml; do
	[ -e "$eml" ] || continue
	base=${eml##*/}
	run_case "$eml" "$top_srcdir/tests/data/golden/examples/${base%.eml}.out"
done
for eml in "$top_srcdir"/tests/data/golden/*.eml; do
	[ -e "$eml" ] || continue
	run_case "$eml" "${eml%.eml}.out"
done
done_testing
