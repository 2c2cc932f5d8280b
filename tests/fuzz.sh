#!/bin/bash
# Replay every fuzz target's seed corpus (and the golden mails and
# examples for the mail-shaped targets) through the standalone replayer.
# A crash, leak (under ASan) or invariant violation aborts the replayer.
. "${top_srcdir:-.}/tests/lib.sh"
F=$top_builddir/tests/fuzz
C=$top_srcdir/tests/fuzz/corpus
run() {
	local name=$1; shift
	if out=$("$F/replay_$name" "$@" 2>&1); then
		ok "fuzz replay $name: $out"
	else
		not_ok "fuzz replay $name"; echo "$out" | head -n 20 | sed 's/^/#   /'
	fi
}
run base64 "$C/base64"
run qp "$C/qp"
run inflate "$C/inflate"
run inflate_rt "$C/inflate_rt" "$C/report"
run report "$C/report"
# the shared corpus of real reports, when it is beside the checkout
corpus=${TLSRPT_CORPUS:-$top_srcdir/../shared/corpus}
real=(); [ -d "$corpus" ] && mapfile -t real < <(find "$corpus" -type f -name '*.json' | LC_ALL=C sort)
run sliced "$C/sliced" "$C/report" "${real[@]}"
run authres "$C/authres"
run mime "$C/mime" "$top_srcdir/tests/data/golden" "$top_srcdir/examples"
# crashers found by fuzzing are kept as regression inputs
crashers=(); [ -d "$top_srcdir/tests/data/crashers" ] && crashers=("$top_srcdir/tests/data/crashers")
run ingest "$C/ingest" "$top_srcdir/tests/data/golden" "$top_srcdir/examples" "${crashers[@]}"
done_testing
