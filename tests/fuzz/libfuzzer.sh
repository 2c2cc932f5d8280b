#!/bin/bash
# TAP wrapper around tests/fuzz/run-fuzzers for tests/run-all: one test
# per libFuzzer target, run for FUZZ_SECONDS (default 30) each.
. "${top_srcdir:-.}/tests/lib.sh"
command -v clang >/dev/null || skip_all "clang not installed"
secs=${FUZZ_SECONDS:-30}
work=$(cd "$top_builddir" && pwd)/fuzz-work
for t in base64 qp inflate inflate_rt mime report sliced ingest authres; do
	if out=$(FUZZ_WORK="$work" "$top_srcdir/tests/fuzz/run-fuzzers" "$secs" "$t" 2>&1); then
		ok "libFuzzer $t ${secs}s: $(echo "$out" | grep -o 'executed_units: [0-9]*' | tail -n 1)"
	else
		not_ok "libFuzzer $t"; echo "$out" | tail -n 30 | sed 's/^/#   /'
	fi
done
done_testing
