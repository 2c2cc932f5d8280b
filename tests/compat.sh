#!/bin/bash
# Compatibility with real reporters: every report and report mail in the
# shared corpus (../shared/corpus, real samples from public projects; not
# part of this repository) must be accepted, with exactly the records in
# tests/data/compat/.  Skipped when the corpus is not beside the checkout.
# Accept new output after review: TLSRPT_ACCEPT=1 make check TESTS=tests/compat.sh
. "${top_srcdir:-.}/tests/lib.sh"

# The corpus holds reports made as late as 2026-11-24 (sys4's generated
# ones), and a report starting more than a day after its delivery is
# refused: deliver them as on 2030-01-01T00:00:00Z, after all of them.
export TLSRPT_LDA_NOW=1893456000

corpus=${TLSRPT_CORPUS:-$top_srcdir/../shared/corpus}
[ -d "$corpus" ] || skip_all "no corpus at $corpus"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
want_dir=$top_srcdir/tests/data/compat

while IFS= read -r f; do
	rel=${f#"$corpus"/}
	key=$(echo "$rel" | tr '/' '_')
	rm -rf "$tmp/spool"
	case "$f" in
	*.eml) "$LDA" --spool "$tmp/spool" --log stderr --quiet <"$f" 2>"$tmp/err" ;;
	*) "$LDA" --spool "$tmp/spool" --log stderr --quiet --file "$f" 2>"$tmp/err" ;;
	esac
	{ echo "exit $?"; dump_spool "$tmp/spool"; } >"$tmp/got"
	if [ "${TLSRPT_ACCEPT:-}" = 1 ]; then cp "$tmp/got" "$want_dir/$key.out"; fi
	if ! grep -q '^exit 0$' "$tmp/got" || grep -q '^== quarantine' "$tmp/got"; then
		not_ok "$rel accepted"; sed 's/^/#   /' "$tmp/got" "$tmp/err" | head -n 5
	elif [ -f "$want_dir/$key.out" ] && cmp -s "$tmp/got" "$want_dir/$key.out"; then
		ok "$rel"
	else
		not_ok "$rel"
		diff -u "$want_dir/$key.out" "$tmp/got" 2>&1 | sed 's/^/#   /' | head -n 30
		echo "#   accept with: TLSRPT_ACCEPT=1 make check TESTS=tests/compat.sh"
	fi
done < <(find "$corpus" -type f \( -name '*.eml' -o -name '*.json' -o -name '*.json.gz' \) | LC_ALL=C sort)
done_testing
