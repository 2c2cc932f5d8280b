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
is "one 32-byte index entry for the report" "$(stat -c %s "$S/2026-05-18.idx")" 32

# files are 0640 whatever the MTA's umask (Postfix local(8) uses 077)
(umask 077; lda <"$tmp/r1.eml" 2>/dev/null; "$LDA" --spool "$tmp/umask" --log stderr <"$tmp/r1.eml" 2>/dev/null)
is "umask 077: .lock, daily file and index are 0640, the spool 0750" \
	"$(cd "$tmp/umask" && stat -c '%n %a' .lock 2026-05-18.jsonl 2026-05-18.idx . | tr '\n' ' ')" \
	".lock 640 2026-05-18.jsonl 640 2026-05-18.idx 640 . 750 "

# Forged first: a report with a real reporter's organization and its
# predictable report-id, 0 failures, arrives before the real one (500
# failures).  The real one is stored too, its records warned; either copy
# delivered again is a duplicate, however its mail differs.
F=$tmp/forged
id=2026-05-18T00:00:00Z_example.com
report_eml "Google Inc." "$id" 2026-05-18 example.com 0 >"$tmp/forged.eml"
report_eml "Google Inc." "$id" 2026-05-18 example.com 500 >"$tmp/real.eml"
"$LDA" --spool "$F" --log stderr <"$tmp/forged.eml" 2>"$tmp/err"
is "forged report first: stored (exit 0)" "$?:$(cat "$tmp/err")" \
	"0:tlsrpt-lda: stored org=\"Google Inc.\" report_id=\"$id\" domain=example.com policies=1 failed=0 file=2026-05-18.jsonl"
"$LDA" --spool "$F" --log stderr <"$tmp/real.eml" 2>"$tmp/err"
is "real report, same key, other content: stored too, the conflict logged (exit 0)" "$?:$(cat "$tmp/err")" \
	"0:tlsrpt-lda: stored org=\"Google Inc.\" report_id=\"$id\" domain=example.com policies=1 failed=500 file=2026-05-18.jsonl conflict=\"same org and report_id stored with other content\""
{
	"$LDA" --stdout <"$tmp/forged.eml"
	"$LDA" --stdout <"$tmp/real.eml" | sed 's/"\]}$/","report_id conflict: organization_name and report_id match 1 stored report with different content; both kept"]}/'
} >"$tmp/forged-want"
check "... the spool holds both, the real one's record warned" cmp "$tmp/forged-want" "$F/2026-05-18.jsonl"
# records that cannot all be written out are a temporary failure
if [ -w /dev/full ]; then
	"$LDA" --stdout --log stderr <"$tmp/real.eml" >/dev/full 2>"$tmp/err"
	is "--stdout to a full device: deferred (exit 75), the reason logged" "$?:$(cat "$tmp/err")" \
		'75:tlsrpt-lda: deferred reason="write stdout: No space left on device"'
else
	skip "--stdout to a full device" "no writable /dev/full"
fi
# the same reports again, in other mail: another Message-ID and a later delivery
sed 's/^Message-ID: .*/Message-ID: <again@sender.example>/' "$tmp/real.eml" >"$tmp/real-again.eml"
TLSRPT_LDA_NOW=1779264000 "$LDA" --spool "$F" --log stderr <"$tmp/real-again.eml" 2>"$tmp/err"
is "the real report redelivered in other mail: duplicate (exit 0)" "$?:$(cut -d' ' -f1-2 "$tmp/err")" "0:tlsrpt-lda: duplicate"
"$LDA" --spool "$F" --log stderr <"$tmp/forged.eml" 2>"$tmp/err"
is "the forged one redelivered: duplicate (exit 0)" "$?:$(cut -d' ' -f1-2 "$tmp/err")" "0:tlsrpt-lda: duplicate"
check "... the spool unchanged" cmp "$tmp/forged-want" "$F/2026-05-18.jsonl"
is "... two index entries" "$(stat -c %s "$F/2026-05-18.idx")" 64
# A spool from a version with one marker file per report (.seen/XX/<FNV-1a
# 64 of org NUL report_id>, holding the key): a report it marks is not
# stored again, whatever its content; the others are, with an index.
L=$tmp/legacy
mkdir -p "$L"
"$LDA" --stdout <"$tmp/r1.eml" >"$L/2026-05-18.jsonl"
h=$((0xcbf29ce484222325))
key=$(printf 'Example Org\001r1' | od -An -tu1 -v)
for b in $key; do [ "$b" = 1 ] && b=0; h=$(( (h ^ b) * 0x100000001b3 )); done
printf -v slot '%016x' "$h"
mkdir -p "$L/.seen/${slot:0:2}"
printf 'Example Org\0r1' >"$L/.seen/${slot:0:2}/$slot"
cp "$L/2026-05-18.jsonl" "$tmp/legacy-before"
"$LDA" --spool "$L" --log stderr <"$tmp/r1.eml" 2>"$tmp/err"
is "old spool: a report its marker names is a duplicate (exit 0)" "$?:$(cut -d' ' -f1-2 "$tmp/err")" "0:tlsrpt-lda: duplicate"
check "... not stored again" cmp -s "$tmp/legacy-before" "$L/2026-05-18.jsonl"
"$LDA" --spool "$L" --log stderr <"$tmp/r2.eml" 2>"$tmp/err"
is "old spool: another report is stored, with an index entry" \
	"$?:$(cut -d' ' -f1-2 "$tmp/err"):$(wc -l <"$L/2026-05-18.jsonl"):$(stat -c %s "$L/2026-05-18.idx")" "0:tlsrpt-lda: stored:2:32"

# tlsrpt-summary: without DKIM verdicts both copies count, and it says so;
# with them, the copy with an aligned DKIM pass is used, and it says which
SUM=${SUMMARY:-$top_builddir/tlsrpt-summary}
sum_q() { "$SUM" --spool "$1" --since 2026-05-18 --until 2026-05-18 --color never | grep -E "^  (conflicting|records in)|^    [0-9]+ sessions"; }
is "summary, no DKIM verdicts: both copies in the figures, said so" "$(sum_q "$F")" \
"    700 sessions: 200 successful, 500 failed (71.43 %)
  records in the window                  2
  conflicting copies                     1  (same report_id, other content: the figures include both)"
D=$tmp/forged-dkim
{ printf 'Authentication-Results: mx.test; dkim=pass header.d=forger.example\n'; cat "$tmp/forged.eml"; } >"$tmp/forged-ar.eml"
{ printf 'Authentication-Results: mx.test; dkim=pass header.d=example.com\n'; cat "$tmp/real.eml"; } >"$tmp/real-ar.eml"
"$LDA" --spool "$D" --trust-authserv-id mx.test --quiet <"$tmp/forged-ar.eml" &&
	"$LDA" --spool "$D" --trust-authserv-id mx.test --quiet <"$tmp/real-ar.eml"
is "forged (DKIM pass, not aligned) then real (aligned pass): both stored" "$?:$(wc -l <"$D/2026-05-18.jsonl")" 0:2
is "summary: the copy with an aligned DKIM pass used, the other left out and named" "$(sum_q "$D")" \
"    600 sessions: 100 successful, 500 failed (83.33 %)
  records in the window                  1
  conflicting copies left out            1  (used the copy with an aligned DKIM pass, e.g. \"Google Inc.\" \"$id\")"

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
: >"$E/2026-03-01.idx"; : >"$E/2026-04-19.idx"
touch "$E/notes.txt" "$E/2026-03-01.jsonl.bak"
touch -d 2026-03-01 "$E/quarantine/new/old.tlsrpt"
touch -d 2026-05-19 "$E/quarantine/new/new.tlsrpt"
mkdir -p "$E/.seen/0a" "$E/.seen/ff" "$E/.seen/zz"
touch -d 2026-03-01 "$E/.seen/0a/0a00000000000001" "$E/.seen/ff/ff00000000000001-1" "$E/.seen/zz/old"
touch -d 2026-05-19 "$E/.seen/0a/0a00000000000002"
"$LDA" --expire 30 --spool "$E" --log stderr 2>"$tmp/err"
is "--expire exits 0" "$?" 0
is "--expire keeps the last 30 days, today and later, and other files" \
	"$(cd "$E" && ls | tr '\n' ' ')" "2026-03-01.jsonl.bak 2026-04-19.idx 2026-04-19.jsonl 2026-05-19.jsonl 2026-05-20.jsonl notes.txt quarantine "
is "--expire removes old quarantined mail only" "$(ls "$E/quarantine/new")" new.tlsrpt
is "--expire removes old duplicate markers only" \
	"$(cd "$E/.seen" && find . -type f | sort | tr '\n' ' ')" "./0a/0a00000000000002 ./zz/old "
is "--expire logs what it did" "$(cat "$tmp/err")" \
	"tlsrpt-lda: expired days=30 deleted=2 index_deleted=1 quarantine_deleted=1 markers_deleted=2 kept=4"
"$LDA" --expire 0 --spool "$E" </dev/null >/dev/null 2>&1
is "--expire 0 is a usage error" "$?" 64

# a policy without policy-domain or failure total (as mail-auth's
# rpt03.json): both stored as null, never "" or a sum; the log says "-"
printf '%s' '{"organization-name":"Null Org","date-range":{"start-datetime":"2026-05-18T00:00:00Z","end-datetime":"2026-05-18T23:59:59Z"},"contact-info":"a@null.example","report-id":"nulls","policies":[{"policy":{"policy-type":"no-policy-found"},"summary":{"total-successful-session-count":1},"failure-details":[{"result-type":"starttls-not-supported","failed-session-count":2}]}]}' >"$tmp/nulls.json"
rm -rf "$tmp/nulls"
"$LDA" --spool "$tmp/nulls" --log stderr --file "$tmp/nulls.json" 2>"$tmp/err"
is "no policy-domain, no failure total: exit 0" "$?" 0
is "no policy-domain, no failure total: logged with domain -" "$(cat "$tmp/err")" \
	'tlsrpt-lda: stored org="Null Org" report_id="nulls" domain=- policies=1 failed=0 file=2026-05-18.jsonl'
is "no policy-domain, no failure total: null, with the warnings" \
	"$(jq -c '[.policy_domain, .failed_session_count, .failure_details[0].failed_session_count, .warnings]' "$tmp/nulls/2026-05-18.jsonl")" \
	'[null,null,2,["policies[0].policy.policy-domain missing; stored null","policies[0].summary.total-failure-session-count missing; stored null"]]'

# run as root into a spool someone else owns: every mode switches to the
# spool's owner and group first, so no file in it is root's
owned_by_nobody() { test -z "$(find "$O" \( ! -user nobody -o ! -group nogroup \) -print)"; }
if [ "$(id -u)" -ne 0 ]; then
	ok "spool owned by nobody, run as root # SKIP not root (run the tests as root to check the switch)"
elif ! getent passwd nobody >/dev/null || ! getent group nogroup >/dev/null; then
	ok "spool owned by nobody, run as root # SKIP no user nobody or group nogroup"
elif ! { chmod o+x "$tmp" && mkdir "$tmp/owned" && chown nobody:nogroup "$tmp/owned" &&
	   unprivileged "$tmp" && as_user ls "$tmp/owned" >/dev/null 2>&1; }; then
	# the switch works, but nobody cannot reach the spool (a closed parent)
	ok "spool owned by nobody, run as root # SKIP ${unprivileged_why:-nobody cannot open $tmp/owned: is a parent directory closed to others?}"
else
	O=$tmp/owned
	report_json "Owner Org" o1 2026-05-18 example.com 1 >"$tmp/o1.json"
	chmod a+r "$tmp/o1.json" "$tmp/spam.eml"
	"$LDA" --spool "$O" --log stderr --file "$tmp/o1.json" 2>"$tmp/err"
	is "as root, --file into nobody's spool: exit 0" "$?" 0
	report_eml "Owner Org" o2 2026-05-18 example.com 2 |
		"$LDA" --spool "$O" --log stderr 2>>"$tmp/err"
	is "as root, a mail into nobody's spool: exit 0" "$?" 0
	"$LDA" --spool "$O" --log stderr <"$tmp/spam.eml" 2>>"$tmp/err"
	is "as root, spam into nobody's spool: exit 0 (quarantined)" "$?" 0
	report_json "Owner Org" o3 2026-05-18 example.com 3 >"$tmp/o3.json"
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST CONTENT_TYPE=application/tlsrpt+json \
		CONTENT_LENGTH="$(stat -c %s "$tmp/o3.json")" REMOTE_ADDR=192.0.2.10 \
		"$LDA" --cgi --spool "$O" --log stderr <"$tmp/o3.json" >"$tmp/resp" 2>>"$tmp/err"
	is "as root, an HTTPS report into nobody's spool: 201" "$(head -n 1 "$tmp/resp")" $'Status: 201 Created\r'
	# --file opens its files as root, before the switch: root's own files
	mkdir -m 0700 "$tmp/private"
	report_json "Owner Org" o4 2026-05-18 example.com 4 >"$tmp/private/o4.json"
	chmod 0600 "$tmp/private/o4.json"
	"$LDA" --spool "$O" --log stderr --file "$tmp/private/o4.json" "$tmp/private/missing.json" 2>"$tmp/err-file"
	is "as root, --file of root's own file and a missing one: exit 66 (EX_NOINPUT)" "$?" 66
	check "as root, --file: the missing file is named with its error" \
		grep -qx "tlsrpt-lda: $tmp/private/missing.json: No such file or directory" "$tmp/err-file"
	is "as root: the four reports stored" "$(jq -r .report_id "$O/2026-05-18.jsonl" | tr '\n' ' ')" "o1 o2 o3 o4 "
	is "as root: the lock, the daily file and the quarantined mail are nobody's" \
		"$(stat -c '%n %U:%G' "$O/.lock" "$O/2026-05-18.jsonl" "$O"/quarantine/new/* | sed "s#^$O/##; s#^quarantine/new/[^ ]*#quarantined#")" \
		".lock nobody:nogroup
2026-05-18.jsonl nobody:nogroup
quarantined nobody:nogroup"
	check "as root: every file in the spool is nobody's" owned_by_nobody
	echo '{}' >"$O/2026-01-01.jsonl" && chown nobody:nogroup "$O/2026-01-01.jsonl"
	"$LDA" --spool "$O" --log stderr --expire 30 2>"$tmp/err"
	is "as root, --expire in nobody's spool: exit 0" "$?" 0
	check "as root, --expire: the old daily file is gone" test ! -e "$O/2026-01-01.jsonl"
	check "as root, --expire: logged" grep -q '^tlsrpt-lda: expired days=30 deleted=1 ' "$tmp/err"
	check "as root, after --expire every file is still nobody's" owned_by_nobody
	# --expire really runs as nobody: it cannot delete in a directory of root's
	mkdir "$tmp/q" && touch -d 2026-01-01 "$tmp/q/old.tlsrpt" && chmod 0755 "$tmp/q"
	mv "$O/quarantine/new" "$O/quarantine/new.mine" && mv "$tmp/q" "$O/quarantine/new"
	"$LDA" --spool "$O" --log stderr --expire 30 2>"$tmp/err"
	is "as root, --expire where only root could delete: exit 75" "$?" 75
	check "as root, --expire where only root could delete: the file stays" test -e "$O/quarantine/new/old.tlsrpt"
	rm -rf "$O/quarantine/new" && mv "$O/quarantine/new.mine" "$O/quarantine/new"
	# a root that cannot switch (no CAP_SETUID/CAP_SETGID) refuses
	if command -v setpriv >/dev/null && setpriv --bounding-set=-setuid,-setgid true 2>/dev/null; then
		cp "$O/2026-05-18.jsonl" "$tmp/owned-before"
		setpriv --bounding-set=-setuid,-setgid "$LDA" --spool "$O" --log stderr --file "$tmp/o1.json" 2>"$tmp/err"
		is "as root unable to switch: exit 75" "$?" 75
		is "as root unable to switch: the reason" "$(cat "$tmp/err")" \
			'tlsrpt-lda: deferred reason="cannot switch to the spool owner (uid 65534 gid 65534): Operation not permitted"'
		check "as root unable to switch: spool unchanged" cmp -s "$tmp/owned-before" "$O/2026-05-18.jsonl"
	else
		ok "as root unable to switch # SKIP setpriv cannot drop the bounding set here"
	fi
fi

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
