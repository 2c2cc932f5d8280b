#!/bin/bash
# End to end through a real maildrop (Debian's package): the recipe
# contrib/maildrop/mailfilter, as shipped but for the paths, is a test
# user's ~/.mailfilter, and `maildrop -d USER` is started the way
# Postfix's local(8) starts a mailbox_command (as the user, its
# environment, umask 077).  Checks the records (with the imported
# recipient), that a failure (exit 75) reaches the MTA with nothing
# delivered, and the retry.
. "$(dirname "$0")/lib.sh"

e2e_require_root maildrop
e2e_tmpdir
trap 'e2e_testuser_cleanup; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
e2e_install maildrop
e2e_testuser
e2e_mails
S=$tmp/spool
e2e_spool "$S" "$E2E_TESTUSER"
R=tlsrpt@$E2E_DOMAIN
# maildrop wants the filter owned by the user and private to it
snippet maildrop/mailfilter "$S" >"$home/.mailfilter"
chown "$E2E_TESTUSER:" "$home/.mailfilter"
chmod 0600 "$home/.mailfilter"
# (maildrop reports on stderr that Courier's authdaemon is not running,
# then falls back to the passwd file)
md() { e2e_local "$R" maildrop -d "$E2E_TESTUSER" >>"$tmp/stderr" 2>&1; }

ok "$(maildrop -v 2>&1 | head -n 1)"
is "every mail: maildrop exits 0" "$(e2e_each "$R" maildrop -d "$E2E_TESTUSER")" " all 0"
check "nothing delivered to the default mailbox" \
	sh -c "! test -s '/var/mail/$E2E_TESTUSER' && ! test -e '$home/Maildir'"
e2e_check_records "maildrop" "$S" "$R" "$E2E_TESTUSER"

md <"$tmp/mail/zz-e2e-1.eml"
is "duplicate: exit 0" "$?" 0
is "duplicate: stored once" "$(e2e_count "$S" e2e-1)" 1
md <"$tmp/extra/spam.eml"
is "spam: exit 0" "$?" 0
is "spam: quarantined" "$(e2e_quarantined "$S" "cheap pills" | wc -l)" 1

before=$(e2e_records "$S")
chmod -R a-w "$S"
: >"$tmp/stderr"
md <"$tmp/extra/retry.eml"
is "unwritable spool: maildrop passes 75 through" "$?" 75
check "unwritable spool: our reason on stderr" grep -q '^tlsrpt-lda: deferred reason=' "$tmp/stderr"
check "unwritable spool: nothing delivered to the default mailbox" \
	sh -c "! test -s '/var/mail/$E2E_TESTUSER' && ! test -e '$home/Maildir'"
is "unwritable spool: spool unchanged" "$(e2e_records "$S")" "$before"
chmod -R u+w "$S"
md <"$tmp/extra/retry.eml"
is "fixed + redelivered: exit 0" "$?" 0
is "fixed + redelivered: stored once" "$(e2e_count "$S" e2e-retry)" 1

# Why the recipe is written so (its comments): without the import lines
# there is no recipient; without SHELL the user's nologin shell refuses
# to run the command and maildrop fails with a code the MTA bounces on.
snippet maildrop/mailfilter "$S" | grep -v '^import ' >"$home/.mailfilter"
report_eml "Example Org" e2e-noimport 2026-05-18 example.com 1 >"$tmp/extra/noimport.eml"
md <"$tmp/extra/noimport.eml"
is "without import: exit 0" "$?" 0
is "without import: \"recipient\" is null" \
	"$(jq -r 'select(.report_id == "e2e-noimport") | .recipient' "$S"/*.jsonl)" null
snippet maildrop/mailfilter "$S" | grep -v '^SHELL=' >"$home/.mailfilter"
report_eml "Example Org" e2e-noshell 2026-05-18 example.com 1 >"$tmp/extra/noshell.eml"
md <"$tmp/extra/noshell.eml"
is "without SHELL (nologin user): maildrop exits 1, the MTA would bounce" "$?" 1
is "without SHELL: not stored" "$(e2e_count "$S" e2e-noshell)" 0
done_testing
