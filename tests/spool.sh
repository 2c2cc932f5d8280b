#!/bin/bash
# Command-line behaviour around the spool: duplicates, quarantine, exit
# codes (0 / 64 / 65 / 75), temp failures leave the spool byte-identical,
# --stdout and --file.
. "${top_srcdir:-.}/tests/lib.sh"

tmp=$(mktmp)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
S=$tmp/spool
report_eml "Example Org" r1 2026-05-18 example.com 3 >"$tmp/r1.eml"
report_eml "Example Org" r2 2026-05-18 example.com 4 >"$tmp/r2.eml"

lda() { "$LDA" --spool "$S" --log stderr "$@"; }

lda <"$tmp/r1.eml" 2>"$tmp/err"
is "store exits 0" "$?" 0
is "store logs one line" "$(cat "$tmp/err")" \
	'tlsrpt-lda: stored org="Example Org" report_id="r1" domain=example.com policies=1 failed=3 file=2026-05-18.jsonl'
lda <"$tmp/r1.eml" 2>"$tmp/err"
is "duplicate exits 0" "$?" 0
is "duplicate logged" "$(cat "$tmp/err")" \
	'tlsrpt-lda: duplicate org="Example Org" report_id="r1" domain=example.com policies=1 failed=3 file=2026-05-18.jsonl'
is "duplicate stored once" "$(wc -l <"$S/2026-05-18.jsonl")" 1
is "spool file mode" "$(stat -c %a "$S/2026-05-18.jsonl")" 640

printf 'From: a@b\nSubject: buy now\n\ncheap pills\n' >"$tmp/spam.eml"
lda <"$tmp/spam.eml" 2>"$tmp/err"
is "spam exits 0 (quarantined)" "$?" 0
is "spam quarantine logged" "$(sed 's/file=.*//' "$tmp/err")" \
	'tlsrpt-lda: quarantined reason="no report attachment in 1 MIME part" '
q=$(ls "$S/quarantine/new")
is "one quarantined file" "$(echo "$q" | wc -l)" 1
check "quarantined copy is the whole message after the reason" \
	cmp -s <(tail -n +2 "$S/quarantine/new/$q") "$tmp/spam.eml"
lda --reject-invalid <"$tmp/spam.eml" 2>/dev/null
is "--reject-invalid exits 65" "$?" 65
is "--reject-invalid still quarantines" "$(ls "$S/quarantine/new" | wc -l)" 2

: | lda 2>"$tmp/err"
is "empty stdin exits 0" "$?" 0
check "empty stdin quarantined with reason" grep -q 'reason="empty message"' "$tmp/err"

head -c 2000 /dev/urandom >"$tmp/big.bin"
lda --max-message 1000 <"$tmp/big.bin" 2>"$tmp/err"
is "message over --max-message exits 0" "$?" 0
check "oversized message quarantined with reason" \
	grep -q 'reason="message larger than 1000 bytes (--max-message); first 1000 bytes kept"' "$tmp/err"

# temporary failures: exit 75, spool untouched
cp "$S/2026-05-18.jsonl" "$tmp/before"
touch "$tmp/notadir"
"$LDA" --spool "$tmp/notadir/spool" --log stderr <"$tmp/r2.eml" 2>"$tmp/err"
is "spool that cannot be opened exits 75" "$?" 75
check "reason on stderr starts with our name" grep -q '^tlsrpt-lda: deferred reason="spool ' "$tmp/err"

# a spool the delivering user cannot write, not even its files (as root:
# deliver as nobody; an ordinary user owns the copy)
mkdir -p "$tmp/ro" && cp -a "$S/." "$tmp/ro/" && chmod -R a+rX,a-w "$tmp/ro"
cp "$tmp/ro/2026-05-18.jsonl" "$tmp/ro-before"
if unprivileged "$tmp"; then
	as_user "$lda_user" --spool "$tmp/ro" --log stderr <"$tmp/r2.eml" 2>"$tmp/err"
	is "read-only spool exits 75" "$?" 75
	check "read-only spool: reason logged" grep -q '^tlsrpt-lda: deferred reason=' "$tmp/err"
	check "read-only spool: daily file unchanged" cmp -s "$tmp/ro-before" "$tmp/ro/2026-05-18.jsonl"
else
	for d in "read-only spool exits 75" "read-only spool: reason logged" \
		"read-only spool: daily file unchanged"; do skip "$d" "$unprivileged_why"; done
fi
chmod -R u+w "$tmp/ro"

# a file-size limit turns the append into EFBIG: rolled back, exit 75
report_eml "Example Org" big 2026-05-18 example.com 5 >"$tmp/big.eml"
(ulimit -f 1; exec "$LDA" --spool "$S" --log stderr <"$tmp/big.eml") 2>"$tmp/err"
is "write beyond ulimit -f exits 75" "$?" 75
check "ulimit -f: spool byte-identical" cmp -s "$tmp/before" "$S/2026-05-18.jsonl"
lda <"$tmp/big.eml" 2>/dev/null
is "retry after the limit is lifted stores it" "$?" 0
is "retry stored exactly one line" "$(wc -l <"$S/2026-05-18.jsonl")" 2

# a daily file replaced by a symlink is refused
ln -s /tmp/tlsrpt-elsewhere "$S/2026-05-20.jsonl"
report_eml "Example Org" sym 2026-05-20 example.com 1 >"$tmp/sym.eml"
lda <"$tmp/sym.eml" 2>"$tmp/err"
is "symlinked daily file exits 75" "$?" 75
check "symlink target not created" test ! -e /tmp/tlsrpt-elsewhere

# retention: --expire DAYS by UTC date, never today, other files untouched
E=$tmp/expire
mkdir -p "$E/quarantine/new"
for d in 2026-03-01 2026-04-18 2026-04-19 2026-05-19 2026-05-20; do echo '{}' >"$E/$d.jsonl"; done
touch "$E/notes.txt" "$E/2026-03-01.jsonl.bak"
touch -d 2026-03-01 "$E/quarantine/new/old.tlsrpt"
touch -d 2026-05-19 "$E/quarantine/new/new.tlsrpt"
mkdir -p "$E/.seen/0a" "$E/.seen/ff" "$E/.seen/zz"
touch -d 2026-03-01 "$E/.seen/0a/0a00000000000001" "$E/.seen/ff/ff00000000000001-1" "$E/.seen/zz/old"
touch -d 2026-05-19 "$E/.seen/0a/0a00000000000002"
"$LDA" --expire 30 --spool "$E" --log stderr 2>"$tmp/err"
is "--expire exits 0" "$?" 0
is "--expire keeps the last 30 days, today and later, and other files" \
	"$(cd "$E" && ls | tr '\n' ' ')" "2026-03-01.jsonl.bak 2026-04-19.jsonl 2026-05-19.jsonl 2026-05-20.jsonl notes.txt quarantine "
is "--expire removes old quarantined mail only" "$(ls "$E/quarantine/new")" new.tlsrpt
is "--expire removes old duplicate markers only" \
	"$(cd "$E/.seen" && find . -type f | sort | tr '\n' ' ')" "./0a/0a00000000000002 ./zz/old "
is "--expire logs what it did" "$(cat "$tmp/err")" \
	"tlsrpt-lda: expired days=30 deleted=2 quarantine_deleted=1 markers_deleted=2 kept=4"
"$LDA" --expire 0 --spool "$E" </dev/null >/dev/null 2>&1
is "--expire 0 is a usage error" "$?" 64

# usage
"$LDA" --bogus </dev/null >/dev/null 2>&1
is "unknown option exits 64" "$?" 64
"$LDA" --max-message -5 </dev/null >/dev/null 2>&1
is "bad size exits 64" "$?" 64
check "--version prints the version" sh -c "'$LDA' --version | grep -q '^tlsrpt-lda [0-9]'"
check "--help prints usage" sh -c "'$LDA' --help | grep -q '^usage: tlsrpt-lda'"

# --stdout and --file
out=$("$LDA" --stdout --log stderr --quiet <"$tmp/r2.eml")
is "--stdout prints the record" "$(echo "$out" | jq -r .report_id 2>/dev/null || echo "$out" | head -c 80)" r2
report_json "File Org" f1 2026-05-19 example.net 0 | gzip -n >"$tmp/sender.example!example.net!1!2.json.gz"
report_json "File Org" f2 2026-05-19 example.net 0 >"$tmp/f2.json"
lda --quiet --file "$tmp/sender.example!example.net!1!2.json.gz" "$tmp/f2.json" "$tmp/r2.eml" 2>/dev/null
is "--file imports .json.gz, .json and .eml" "$?" 0
is "--file stored two reports for 2026-05-19" "$(wc -l <"$S/2026-05-19.jsonl")" 2
check "--file records say source file" grep -q '"source":"file"' "$S/2026-05-19.jsonl"
lda --quiet --file "$tmp/spam.eml" 2>/dev/null
is "--file with no report exits 65" "$?" 65
done_testing
