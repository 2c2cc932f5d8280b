#!/bin/bash
# End to end through Dovecot's LDA with Pigeonhole Sieve (Debian's
# dovecot-core and dovecot-sieve): contrib/sieve/90-sieve-pipe.conf and
# contrib/sieve/tlsrpt.sieve, as shipped but for the paths, installed as
# their comments say, in a minimal dovecot.conf of the test's own.
# dovecot-lda -e is started the way Postfix's local(8) starts a
# mailbox_command (as the delivering user, umask 077).  Checks the
# records, and what a failure does: without :try the message is kept in
# the INBOX (safe); with :try + stop it is silently dropped (unsafe, as
# the recipe warns).
. "$(dirname "$0")/lib.sh"

e2e_require_root dovecot
e2e_tmpdir
trap 'e2e_testuser_cleanup; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
e2e_install dovecot-core dovecot-sieve
e2e_testuser
e2e_mails
S=$tmp/spool
e2e_spool "$S" "$E2E_TESTUSER"
R=tlsrpt@$E2E_DOMAIN
inbox=$home/Maildir
dlog=$tmp/dovecot.log
conf=$tmp/dovecot/dovecot.conf
script=$tmp/sieve/tlsrpt.sieve
lda=/usr/lib/dovecot/dovecot-lda

# The files, in $tmp instead of /usr/lib/dovecot/sieve-pipe and
# /etc/dovecot/sieve (the install steps below create both), with the
# test's spool and domain
install -d -m 0755 "$tmp/dovecot" "$tmp/src"
at_tmp() { sed -e "s|/usr/lib/dovecot/sieve-pipe|$tmp/sieve-pipe|g" -e "s|/etc/dovecot/sieve|$tmp/sieve|g"; }
snippet sieve/90-sieve-pipe.conf "$S" | at_tmp >"$tmp/dovecot/90-sieve-pipe.conf"
snippet sieve/tlsrpt.sieve "$S" >"$tmp/src/tlsrpt.sieve"
install -o "$E2E_TESTUSER" -m 0644 /dev/null "$dlog"
cat >"$conf" <<EOF
protocols =
ssl = no
base_dir = $tmp/dovecot/run
log_path = $dlog
mail_location = maildir:~/Maildir
first_valid_uid = 1
postmaster_address = postmaster@$E2E_DOMAIN
protocol lda {
  mail_plugins = \$mail_plugins sieve
}
!include $tmp/dovecot/90-sieve-pipe.conf
EOF
chmod 0644 "$tmp/dovecot"/*
# compile: sievec as root, as the recipe says (its output as TAP comments)
compile() {
	local rc
	sievec -c "$conf" "$script" >"$tmp/sievec.log" 2>&1
	rc=$?
	sed 's/^/# /' "$tmp/sievec.log"
	return $rc
}
deliver() { e2e_local "$1" "$lda" -c "$conf" -e -f "$E2E_SENDER" -a "$1"; }

ok "dovecot $(dovecot --version | cut -d' ' -f1), $(sed -n 's/^Version: //p' <(dpkg -s dovecot-sieve))"

# The install steps of 90-sieve-pipe.conf ("Install:"), run as written
# but for the paths above, the delivering user (vmail: the test user)
# and sievec's configuration (the test's); no doveadm reload, as no
# daemon runs (dovecot-lda reads the configuration at each delivery).
steps=$(sed -n '/^# Install:$/,/^#$/s/^#     //p' "$top_srcdir/contrib/sieve/90-sieve-pipe.conf")
is "the recipe's install steps end with doveadm reload" "$(tail -n 1 <<<"$steps")" "doveadm reload"
check "/etc/dovecot/sieve does not exist before them" test ! -e "$tmp/sieve"
sed -e '$d' -e 's/ *# .*$//' -e "s|/usr/local/bin/tlsrpt-lda|$BIN|g" -e "s| contrib/sieve/tlsrpt.sieve | $tmp/src/tlsrpt.sieve |" \
	-e "s|^sievec |sievec -c $conf |" -e "s|vmail|$E2E_TESTUSER|g" -e "s|/var/spool/tlsrpt|$S|g" <<<"$steps" |
	at_tmp >"$tmp/install.sh"
sed 's/^/# /' "$tmp/install.sh"
check "the $(grep -c . "$tmp/install.sh") install steps run (sh -e)" sh -e "$tmp/install.sh"
check "... and made /etc/dovecot/sieve/tlsrpt.sieve" test -s "$script"
check "the script compiles (sievec)" compile
check "... into the binary next to it" test -s "${script%.sieve}.svbin"
is "every mail: dovecot-lda exits 0" "$(e2e_each "$R" "$lda" -c "$conf" -e -f "$E2E_SENDER" -a "$R")" " all 0"
is "piped mail is not kept in the INBOX" "$(e2e_mailbox "$inbox")" 0
e2e_check_records "sieve pipe" "$S" "$R" "$E2E_TESTUSER"

deliver "$R" <"$tmp/mail/zz-e2e-1.eml"
is "duplicate: exit 0" "$?" 0
is "duplicate: stored once" "$(e2e_count "$S" e2e-1)" 1
deliver "$R" <"$tmp/extra/spam.eml"
is "spam: exit 0" "$?" 0
is "spam: quarantined" "$(e2e_quarantined "$S" "cheap pills" | wc -l)" 1
deliver "someone@$E2E_DOMAIN" <"$tmp/extra/retry.eml"
is "another recipient: not piped, kept in the INBOX" \
	"$(e2e_count "$S" e2e-retry) $(e2e_mailbox "$inbox")" "0 1"

# without :try (the recipe): a failed pipe falls back to keeping the mail
before=$(e2e_records "$S")
chmod -R a-w "$S"
deliver "$R" <"$tmp/extra/retry.eml" 2>"$tmp/err"
is "unwritable spool: dovecot-lda exits 0 (75 never reaches the MTA)" "$?" 0
is "unwritable spool: the mail is kept in the INBOX" "$(e2e_mailbox "$inbox")" 2
exit75() { grep -c "program exec:$tmp/sieve-pipe/tlsrpt-lda ([0-9]*): Terminated with non-zero exit code 75$" "$dlog"; }
is "unwritable spool: the Dovecot log has our exit code 75" "$(exit75)" 1
check "unwritable spool: ... and the failed pipe" \
	grep -q "failed to execute to program .tlsrpt-lda'" "$dlog"
check "unwritable spool: ... and the implicit keep" \
	grep -q "failed, but implicit keep was successful" "$dlog"
is "unwritable spool: spool unchanged" "$(e2e_records "$S")" "$before"

# with :try + stop (the recipe's UNSAFE form): silently dropped
sed -i 's/pipe "tlsrpt-lda"/pipe :try "tlsrpt-lda"/' "$script"
check "UNSAFE :try + stop variant written" grep -q 'pipe :try "tlsrpt-lda"' "$script"
check "UNSAFE :try + stop variant compiles" compile
deliver "$R" <"$tmp/extra/retry.eml" 2>/dev/null
is "UNSAFE :try + stop, unwritable spool: exit 0" "$?" 0
is "UNSAFE :try + stop: tlsrpt-lda did exit 75" "$(exit75)" 2
is "UNSAFE :try + stop: the mail is neither kept nor stored" \
	"$(e2e_mailbox "$inbox") $(e2e_records "$S" | cmp -s - <(echo "$before") && echo unchanged)" "2 unchanged"
chmod -R u+w "$S"
[ "$tap_fail" -eq 0 ] || sed 's/^/# /' "$dlog"
done_testing
