#!/bin/bash
# End to end through a real Postfix: contrib/digest/tlsrpt-digest, run
# as its units run it but for paths, hands the digest to Postfix's own
# `sendmail -t` (MAIL_CONFIG points it at a private instance), and
# local(8) delivers it into a maildir of a throw-away user.  The mail as
# delivered is checked: From/To/Subject (the --check status line,
# RFC 2047 for a UTF-8 domain), Date, Message-ID added by Postfix,
# multipart/alternative with tlsrpt-summary's text and its HTML page byte
# for byte.  An OK status on another weekday sends nothing; on its
# weekday it does.  The instance is private (e2e_private_postfix_*: own
# main.cf, queue and log in the temp dir, smtpd on 127.0.0.1 and a port
# of 10300-10399) and stopped with `postfix -c DIR stop`; /etc/postfix
# and a Postfix the host runs are left alone.
. "$(dirname "$0")/lib.sh"

e2e_require_root postfix
e2e_tmpdir
trap 'e2e_private_postfix_stop; e2e_testuser_cleanup; rm -rf "$tmp"' EXIT
command -v python3 >/dev/null 2>&1 || skip_all "needs python3 (tests/gen-spool.py, the MIME checks)"
e2e_postfix_install
e2e_files_state /etc/postfix >"$tmp/etc-before"
host_pf_pid=$(postconf -h queue_directory 2>/dev/null || echo /var/spool/postfix)/pid/master.pid
host_pf=$(e2e_running "$host_pf_pid")
SUMMARY_BIN=$tmp/bin/tlsrpt-summary
install -m 0755 "$top_builddir/tlsrpt-summary" "$SUMMARY_BIN"

T=$(date -u +%F)
python3 "$top_srcdir/tests/gen-spool.py" --incidents "$T" "$tmp/gen" >/dev/null ||
	{ echo "Bail out! tests/gen-spool.py failed"; exit 1; }
e2e_spool "$tmp/crit"
cp "$tmp/gen/a/"*.jsonl "$tmp/crit/"
e2e_spool "$tmp/ok"
# ready.example alone: clean for 20 days, OK
for f in "$tmp/gen/mx/"*.jsonl; do
	grep '"policy_domain":"ready.example"' "$f" >"$tmp/ok/${f##*/}"
done
chown nobody:nogroup "$tmp"/crit/* "$tmp"/ok/*
# a UTF-8 policy domain failing yesterday on enforce: a warning
e2e_spool "$tmp/utf8"
python3 "$top_srcdir/tests/gen-spool.py" --utf8 "$tmp/utf8/$(date -u -d yesterday +%F).jsonl"

e2e_testuser
RCPT=$E2E_TESTUSER@$E2E_DOMAIN
MAILDIR=$home/Maildir
port=$(e2e_free_port 10300 10399) || { echo "Bail out! no free port in 10300-10399"; exit 1; }
e2e_private_postfix_init "$port"
postconf -c "$E2E_PF" -e 'home_mailbox = Maildir/' || { echo "Bail out! postconf -e failed"; exit 1; }
if e2e_private_postfix_start; then
	ok "postfix $(postconf -c "$E2E_PF" -h mail_version) started on 127.0.0.1:$E2E_SMTP_PORT (pid $E2E_PF_PID)"
else
	not_ok "postfix started"; done_testing; exit
fi

# digest SPOOL [ENV=VALUE...]: the shipped script with the test's paths,
# its sendmail the private instance's
digest() {
	local s=$1
	shift
	env MAIL_CONFIG="$E2E_PF" SPOOL="$s" MAILTO="$RCPT" MAILFROM="tlsrpt@$E2E_DOMAIN" \
		TLSRPT_SUMMARY="$SUMMARY_BIN" WEEKDAY="$other" "$@" \
		sh "$top_srcdir/contrib/digest/tlsrpt-digest" --days 7 >"$tmp/digest.out" 2>&1
}
today=$(date -u +%u)
other=$((today % 7 + 1))
# delivered N: until N mails went to $RCPT, then the N-th mail's file
delivered() {
	wait_log "$E2E_PF_LOG" "to=<$RCPT>.*relay=local.*status=sent" "$1" &&
		for ((i = 0; i < 50; i++)); do
			[ "$(e2e_mailbox "$MAILDIR")" -ge "$1" ] && break
			sleep 0.1
		done
	ls -tr "$MAILDIR"/new/* 2>/dev/null | sed -n "${1}p"
}
# mail FILE: its headers and parts, as python's email package reads them;
# the decoded parts in $tmp/part.N (not in the maildir)
mail() {
	python3 - "$1" "$tmp/part" <<'PY'
import email, email.policy, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
for h in ("Return-Path", "Delivered-To", "From", "To", "Subject", "MIME-Version", "Auto-Submitted"):
    print("%s: %s" % (h, m[h]))
print("Date: %s" % ("valid" if m["Date"] and m["Date"].datetime else "missing"))
print("Message-ID: %s" % ("added" if m["Message-ID"] and m["Message-ID"].endswith("@mx.tlsrpt.test>") else m["Message-ID"]))
for i, p in enumerate(m.walk()):
    print("part %d: %s" % (i, p.get_content_type()))
    if not p.is_multipart():
        open("%s.%d" % (sys.argv[2], i), "wb").write(p.get_payload(decode=True))
PY
}
# status ARG...: the --check line less its perfdata, cut as the subject is
status() {
	"$SUMMARY_BIN" --days 7 --check "$@" | sed 's/ | [^|]*$//' | subject_cut
}

digest "$tmp/crit"
is "critical: tlsrpt-digest exits 0, prints nothing" "$?$(cat "$tmp/digest.out")" 0
m1=$(delivered 1)
check "critical: delivered by local(8) into the maildir" test -n "$m1"
is "critical: headers and MIME structure" "$(mail "$m1")" "Return-Path: <tlsrpt@$E2E_DOMAIN>
Delivered-To: $RCPT
From: tlsrpt@$E2E_DOMAIN
To: $RCPT
Subject: $(status --spool "$tmp/crit")
MIME-Version: 1.0
Auto-Submitted: auto-generated
Date: valid
Message-ID: added
part 0: multipart/alternative
part 1: text/plain
part 2: text/html"
"$SUMMARY_BIN" --days 7 --spool "$tmp/crit" --color never >"$tmp/crit.text"
"$SUMMARY_BIN" --days 7 --spool "$tmp/crit" --format html >"$tmp/crit.html"
check "critical: the text part is tlsrpt-summary's text" cmp -s "$tmp/part.1" "$tmp/crit.text"
check "critical: the HTML part is tlsrpt-summary --format html" cmp -s "$tmp/part.2" "$tmp/crit.html"
is "critical: the subject folded at spaces, no line over 77 bytes" \
	"$(sed -n '/^Subject:/,/^Date:/p' "$m1" | sed '$d' | tr -d '\r' | awk 'length > 77 { n++ } END { print NR " lines, " n + 0 " long" }')" \
	"3 lines, 0 long"

digest "$tmp/ok"
sleep 2
is "OK on another weekday: nothing sent" "$(grep -c "to=<$RCPT>" "$E2E_PF_LOG") $(e2e_mailbox "$MAILDIR")" "1 1"
digest "$tmp/ok" WEEKDAY="$today"
m2=$(delivered 2)
is "OK on its weekday: mailed, the OK line as the subject" \
	"$(mail "$m2" | grep -E '^(Subject|part)')" "Subject: $(status --spool "$tmp/ok")
part 0: multipart/alternative
part 1: text/plain
part 2: text/html"

digest "$tmp/utf8"
m3=$(delivered 3)
is "UTF-8 domain: the subject decodes to the status line" \
	"$(mail "$m3" | sed -n 's/^Subject: //p')" "$(status --spool "$tmp/utf8")"
check "UTF-8 domain: the raw subject is ASCII with RFC 2047 words" \
	sh -c "sed -n '/^Subject:/,/^Date:/p' '$m3' | grep -q '=?UTF-8?B?' && ! sed -n '/^Subject:/,/^Date:/p' '$m3' | LC_ALL=C grep -q '[^ -~]'"

e2e_private_postfix_stop
check "/etc/postfix as before the test" cmp -s "$tmp/etc-before" <(e2e_files_state /etc/postfix)
is "the host's Postfix master as before the test (${host_pf:-none})" "$(e2e_running "$host_pf_pid")" "$host_pf"
done_testing
