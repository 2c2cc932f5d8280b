#!/bin/sh
# contrib/digest/tlsrpt-digest with a stand-in for sendmail (TAP): when it
# mails (not OK: every day; OK: on WEEKDAY only), what it passes to
# sendmail, and the message: headers, the --check status line as the
# subject (RFC 2047 for a UTF-8 domain, folded), multipart/alternative
# with tlsrpt-summary's text and its HTML page byte for byte; a spool
# that cannot be read gives a text-only mail saying why; sendmail's
# failure is the script's exit code.  tests/e2e/digest.sh sends it
# through a real Postfix.  Needs python3.

. "${top_srcdir:-.}/tests/lib.sh"
BIN=${SUMMARY:-$top_builddir/tlsrpt-summary}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
SRC=$(cd "$top_srcdir" && pwd)
DIGEST=$SRC/contrib/digest/tlsrpt-digest
T=2026-12-06

command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"
tmp=$(mktmp) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

python3 "$SRC/tests/gen-spool.py" --incidents $T "$tmp" >/dev/null ||
	{ not_ok "spools generated"; done_testing; exit 1; }
# bücher.example: one day of starttls failures on enforce (a warning)
mkdir -p "$tmp/utf8"
python3 "$SRC/tests/gen-spool.py" --utf8 "$tmp/utf8/2026-12-05.jsonl"
# the stand-in: the message and the arguments, exit $SM_EXIT
cat >"$tmp/sendmail" <<EOF
#!/bin/sh
cat >"$tmp/sent.eml"
printf '%s\n' "\$*" >"$tmp/sent.args"
exit \${SM_EXIT:-0}
EOF
chmod +x "$tmp/sendmail"
today=$(date -u +%u)
other=$((today % 7 + 1))

# digest NAME SPOOL [ENV=VALUE...] -- ARG...: run it, the mail in NAME.eml
digest() {
	name=$1 spool=$2
	shift 2
	rm -f "$tmp/sent.eml" "$tmp/sent.args"
	env SENDMAIL="$tmp/sendmail" TLSRPT_SUMMARY="$BIN" SPOOL="$tmp/$spool" \
		MAILTO=postmaster@tlsrpt.test WEEKDAY=$other "$@" sh "$DIGEST" --today "${TODAY:-$T}" \
		${ARGS:-} >"$tmp/$name.out" 2>&1
	echo $? >"$tmp/$name.rc"
	[ -e "$tmp/sent.eml" ] && mv "$tmp/sent.eml" "$tmp/$name.eml" && mv "$tmp/sent.args" "$tmp/$name.args"
	return 0
}
# parts NAME: headers and parts of NAME.eml as python's email package reads them
parts() {
	python3 - "$tmp/$1.eml" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for h in ("From", "To", "Subject", "MIME-Version", "Auto-Submitted"):
    if m[h] is not None:
        print("%s: %s" % (h, m[h]))
print("Date: %s" % ("present" if m["Date"] and m["Date"].datetime else "missing"))
for i, p in enumerate(m.walk()):
    print("part %d: %s %s" % (i, p.get_content_type(), p.get("Content-Transfer-Encoding", "-")))
    if not p.is_multipart():
        open("%s.part%d" % (sys.argv[1], i), "wb").write(p.get_payload(decode=True))
PY
}
# status ARG...: the --check line less its perfdata, cut as the subject is
# (whole words up to 200 bytes, then "...")
status() {
	(cd "$tmp" && "$BIN" --today "${TODAY:-$T}" --check "$@" | sed 's/ | [^|]*$//') | subject_cut
}

# CRITICAL (spool a): mailed, whatever the day
digest crit a
is "critical: exit 0, nothing printed" "$(cat "$tmp/crit.rc"; cat "$tmp/crit.out")" 0
is "critical: sendmail -t -oi" "$(cat "$tmp/crit.args")" "-t -oi"
is "critical: headers and parts" "$(parts crit)" "To: postmaster@tlsrpt.test
Subject: $(status --spool a)
MIME-Version: 1.0
Auto-Submitted: auto-generated
Date: present
part 0: multipart/alternative -
part 1: text/plain 8bit
part 2: text/html base64"
(cd "$tmp" && "$BIN" --today $T --spool "$tmp/a" --color never >crit.text && "$BIN" --today $T --spool "$tmp/a" --format html >crit.html)
check "critical: the text part is tlsrpt-summary's text" cmp -s "$tmp/crit.eml.part1" "$tmp/crit.text"
check "critical: the HTML part is tlsrpt-summary --format html" cmp -s "$tmp/crit.eml.part2" "$tmp/crit.html"
is "critical: the subject is folded before 78 columns, cut to 200 bytes with ..." \
	"$(sed -n '/^Subject:/,/^[^ S]/p' "$tmp/crit.eml" | sed '$d' | awk 'length > 77 { n++ } END { print n + 0 }') $(sed -n 's/^Subject: //p' "$tmp/crit.eml" | cut -c1-24)" \
	"0 TLSRPT CRITICAL - 3 inci"
python3 -c "
import email, email.policy, sys
m = email.message_from_binary_file(open('$tmp/crit.eml', 'rb'), policy=email.policy.default)
print(m['Subject'])" >"$tmp/crit.subject"
check "critical: the subject ends in ... at a word" grep -q ' at \.\.\.$' "$tmp/crit.subject"

# OK (ready.example, clean for 20 days): only on WEEKDAY
ARGS="--domain ready.example" digest ok-other mx
is "OK on another day: exit 0, no mail" "$(cat "$tmp/ok-other.rc"; ls "$tmp/ok-other.eml" 2>/dev/null)" 0
ARGS="--domain ready.example" digest ok-weekday mx WEEKDAY="$today"
is "OK on WEEKDAY: mailed" "$(cat "$tmp/ok-weekday.rc"; parts ok-weekday | sed -n 's/^Subject: //p')" \
	"0
$(status --spool mx --domain ready.example)"
ARGS="--domain ready.example" digest ok-never mx WEEKDAY=0
is "OK with WEEKDAY=0: no mail" "$(cat "$tmp/ok-never.rc"; ls "$tmp/ok-never.eml" 2>/dev/null)" 0

# a UTF-8 domain in the subject, From: and the envelope sender
digest utf8 utf8 MAILFROM=tlsrpt@tlsrpt.test
is "UTF-8: From: and -f" "$(cat "$tmp/utf8.args"; sed -n 's/^From: //p' "$tmp/utf8.eml")" \
	"-t -oi -f tlsrpt@tlsrpt.test
tlsrpt@tlsrpt.test"
check "UTF-8: the subject's raw form is ASCII (RFC 2047)" \
	sh -c "sed -n '/^Subject:/,/^Date:/p' '$tmp/utf8.eml' | LC_ALL=C grep -q '=?UTF-8?B?' && ! sed -n '/^Subject:/,/^Date:/p' '$tmp/utf8.eml' | LC_ALL=C grep -q '[^ -~]'"
is "UTF-8: decoded, the subject is the status line" "$(parts utf8 | sed -n 's/^Subject: //p')" "$(status --spool utf8)"

# the spool is gone: UNKNOWN, a text-only mail with the reason
digest gone missing
is "missing spool: mailed, text only" "$(cat "$tmp/gone.rc"; parts gone | grep -E '^(Subject|part)')" \
	"0
Subject: TLSRPT UNKNOWN - cannot open the spool $tmp/missing: No such file or directory
part 0: text/plain 8bit"
is "missing spool: the body says why" "$(cat "$tmp/gone.eml.part0")" \
	"tlsrpt-summary could not write the report:

tlsrpt-summary: cannot open the spool $tmp/missing: No such file or directory"

# sendmail fails: its exit code
digest fail a SM_EXIT=75
is "sendmail exits 75: tlsrpt-digest exits 75" "$(cat "$tmp/fail.rc")" 75
done_testing
