#!/bin/bash
# End to end through a real procmail (Debian's package): the recipe
# contrib/procmail/procmailrc, as shipped but for the paths, is a test
# user's ~/.procmailrc, and procmail is started the way Postfix's local(8)
# starts a mailbox_command (as the user, its environment, umask 077),
# with DEFAULT pointing into the temp dir.  Checks the records, that a
# failure (exit 75) reaches the MTA with nothing delivered, the retry,
# and why the recipe needs "w" and the ":0 e" fallback.
. "$(dirname "$0")/lib.sh"

e2e_require_root procmail
e2e_tmpdir
trap 'e2e_testuser_cleanup; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
e2e_install procmail
e2e_testuser
e2e_mails
S=$tmp/spool
e2e_spool "$S" "$E2E_TESTUSER"
R=tlsrpt@$E2E_DOMAIN
mbox=$home/Maildir
rc=$home/.procmailrc
snippet procmail/procmailrc "$S" >"$rc"
chmod 0644 "$rc"
pm() { e2e_local "$R" procmail -a "" "DEFAULT=$mbox/" "$@"; }

ok "$(procmail -v 2>&1 | head -n 1)"
is "every mail: procmail exits 0" "$(e2e_each "$R" procmail -a "" "DEFAULT=$mbox/")" " all 0"
is "nothing fell through to \$DEFAULT" "$(e2e_mailbox "$mbox")" 0
# procmail clears the environment (unless -p): no recipient
e2e_check_records "procmail" "$S" "" "$E2E_TESTUSER"

pm <"$tmp/mail/zz-e2e-1.eml"
is "duplicate: exit 0" "$?" 0
is "duplicate: stored once" "$(e2e_count "$S" e2e-1)" 1
pm <"$tmp/extra/spam.eml"
is "spam: exit 0" "$?" 0
is "spam: quarantined" "$(e2e_quarantined "$S" "cheap pills" | wc -l)" 1

before=$(e2e_records "$S")
chmod -R a-w "$S"
pm <"$tmp/extra/retry.eml" 2>"$tmp/err"
is "unwritable spool: procmail exits 75 (EXITCODE=\$?)" "$?" 75
check "unwritable spool: our reason on stderr" grep -q '^tlsrpt-lda: deferred reason=' "$tmp/err"
is "unwritable spool: nothing delivered to \$DEFAULT" "$(e2e_mailbox "$mbox")" 0
is "unwritable spool: spool unchanged" "$(e2e_records "$S")" "$before"
chmod -R u+w "$S"
pm <"$tmp/extra/retry.eml"
is "fixed + redelivered: exit 0" "$?" 0
is "fixed + redelivered: stored once" "$(e2e_count "$S" e2e-retry)" 1

# The spool unreadable and unwritable (mode 000, e.g. a wrong owner after
# a restore).  The rc file is in the user's home of its own, not in the
# spool (contrib/procmail: adduser --home /var/lib/tlsrpt), so procmail
# still reads it: tlsrpt-lda exits 75 and procmail passes it on.  No
# DEFAULT given: a fall-through would land in /var/mail.
vmail=/var/mail/$E2E_TESTUSER
rm -f "$vmail"
before=$(e2e_records "$S")
report_eml "Example Org" e2e-shut 2026-05-20 example.com 2 >"$tmp/extra/shut.eml"
chmod 0000 "$S"
e2e_local "$R" procmail -a "" <"$tmp/extra/shut.eml" 2>"$tmp/err"
is "spool mode 000, home elsewhere: procmail exits 75 (the MTA defers)" "$?" 75
check "spool mode 000: our reason on stderr" grep -q '^tlsrpt-lda: deferred reason=' "$tmp/err"
is "spool mode 000: nothing delivered to /var/mail or \$DEFAULT" \
	"$(test -s "$vmail" && echo "$vmail"; e2e_mailbox "$mbox")" 0
chmod 0750 "$S"
is "spool mode 000: spool unchanged" "$(e2e_records "$S")" "$before"
# What the old README's adduser --home /var/spool/tlsrpt did: the rc file
# in the spool; with the spool unreadable procmail cannot read it and
# delivers to /var/mail, exit 0: not lost, but not deferred either.
usermod -d "$S" "$E2E_TESTUSER"
install -o "$E2E_TESTUSER" -m 0644 "$rc" "$S/.procmailrc"
chmod 0000 "$S"
home=$S e2e_local "$R" procmail -a "" <"$tmp/extra/shut.eml" 2>/dev/null
is "home = spool, spool mode 000: procmail exits 0" "$?" 0
is "home = spool: the report went to /var/mail" "$(grep -c '^Message-ID: <e2e-shut@' "$vmail" 2>/dev/null)" 1
chmod 0750 "$S"
rm -f "$S/.procmailrc" "$vmail"
usermod -d "$home" "$E2E_TESTUSER"
is "spool mode 000: the report was not stored (either way)" "$(e2e_count "$S" e2e-shut)" 0

# procmail -p keeps the MTA's environment: "recipient" is recorded
report_eml "Example Org" e2e-p 2026-05-18 example.com 1 >"$tmp/extra/p.eml"
e2e_local "$R" procmail -p -a "" "DEFAULT=$mbox/" <"$tmp/extra/p.eml"
is "procmail -p: exit 0" "$?" 0
is "procmail -p: \"recipient\" from ORIGINAL_RECIPIENT" \
	"$(jq -r 'select(.report_id == "e2e-p") | .recipient' "$S"/*.jsonl)" "$R"

# Why the recipe is written so (its comments): without "w" the exit code
# is ignored and the report is lost; without ":0 e" it falls through to
# $DEFAULT.
report_eml "Example Org" e2e-lost 2026-05-20 example.com 1 >"$tmp/extra/lost.eml"
chmod -R a-w "$S"
printf 'SHELL=/bin/sh\n\n:0\n| %s --spool %s\n' "$BIN" "$S" >"$rc"
pm <"$tmp/extra/lost.eml" 2>/dev/null
is "plain ':0 |' recipe, unwritable spool: exit 0 (the MTA sees success)" "$?" 0
is "plain ':0 |' recipe: the report is neither stored nor in \$DEFAULT" \
	"$(e2e_count "$S" e2e-lost) $(e2e_mailbox "$mbox")" "0 0"
snippet procmail/procmailrc "$S" | sed '/^:0 e/,$d' >"$rc"
pm <"$tmp/extra/lost.eml" 2>/dev/null
is "':0 w' without ':0 e', unwritable spool: exit 0" "$?" 0
is "':0 w' without ':0 e': the report fell through to \$DEFAULT" "$(e2e_mailbox "$mbox")" 1
chmod -R u+w "$S"
done_testing
