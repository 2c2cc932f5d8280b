# Dovecot (Pigeonhole) Sieve: hand mail for the report address to
# tlsrpt-lda with the vnd.dovecot.pipe extension.
#
# Run it as a global script before the users' own scripts (sieve_before,
# see 90-sieve-pipe.conf next to this file, which lists every install
# step).  /etc/dovecot/sieve does not exist on Debian: create it, copy
# this file there and compile it once as root, since the delivering user
# cannot write next to it:
#     install -d /etc/dovecot/sieve
#     install -m 0644 contrib/sieve/tlsrpt.sieve /etc/dovecot/sieve/
#     sievec /etc/dovecot/sieve/tlsrpt.sieve
# "tlsrpt-lda" is looked up in sieve_pipe_bin_dir by name only.  It runs
# as the user Dovecot delivers as (vmail, or the mailbox owner), which
# must be able to write the spool.
#
# Failures.  Sieve cannot ask the MTA to retry: tlsrpt-lda's exit status
# 75 ("try again later": disk full, spool locked or not writable, ...) is
# just "the program failed" to Dovecot.  What happens then depends on :try:
#
#   pipe "tlsrpt-lda" [...];        (this script, the safe form)
#     A failed pipe is a runtime error; Dovecot falls back to the implicit
#     keep and the message lands in the recipient's INBOX, with errors in
#     the Dovecot log ("sieve: failed to execute to program `tlsrpt-lda'"
#     and "Execution of script ... failed, but implicit keep was
#     successful"); dovecot-lda still exits 0.
#     Nothing is lost; feed it again later (tlsrpt-lda < saved-message).
#
#   pipe :try "tlsrpt-lda" [...]; stop;     (UNSAFE, do not use)
#     :try swallows the failure: the script goes on as if the report had
#     been handed over, and with stop the message is silently dropped:
#     not stored, not in the INBOX, no retry, dovecot-lda exits 0 (only
#     the log says "failed to execute").  Measured with Pigeonhole 0.5.19
#     (Debian bookworm); a discard, which people add to avoid an INBOX
#     copy, drops it in every version.
#
# A successful pipe cancels the implicit keep: no copy in the INBOX.
# Dovecot pipes the message with CRLF line ends and without a "From "
# line, and sets RECIPIENT, which tlsrpt-lda records as "recipient".
# (tests/e2e/sieve.sh runs this script through dovecot-lda.)
#
# Do not add :copy either unless you also want every report in the INBOX.

require ["vnd.dovecot.pipe", "envelope"];

if envelope :is "to" "tlsrpt@example.com" {
    pipe "tlsrpt-lda" ["--spool", "/var/spool/tlsrpt"];
    stop;
}
