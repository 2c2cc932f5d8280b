#!/bin/bash
# End to end through a real Postfix (Debian's package): mail submitted
# over SMTP is delivered by local(8) to the aliases pipe of
# contrib/postfix/aliases, and by the pipe(8) transport of
# contrib/postfix/master.cf (both forms: plain, and with the recipient in
# the environment), the recipes' active lines taken from the files as
# shipped.  Checks the records, a deferral (exit 75) and its retry, a
# duplicate and a quarantined mail.  The instance is private
# (e2e_private_postfix_*: postfix -c with main.cf, master.cf, aliases,
# queue and log in one temp dir, smtpd on a 127.0.0.1 port of its own)
# and is stopped with `postfix -c DIR stop`; a Postfix the host runs is
# left alone.
. "$(dirname "$0")/lib.sh"

e2e_require_root postfix
e2e_tmpdir
trap 'e2e_private_postfix_stop; e2e_user_cleanup; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
e2e_postfix_install
# the host's Postfix (configuration and master) as it is now: compared
# at the end
e2e_files_state /etc/postfix >"$tmp/etc-before"
host_pf_pid=$(postconf -h queue_directory 2>/dev/null || echo /var/spool/postfix)/pid/master.pid
host_pf=$(e2e_running "$host_pf_pid")

e2e_user
S=$tmp/spool      # the aliases pipe's spool, written as nobody
O=$tmp/spool-own  # the aliases pipe from a database owned by _tlsrpt
P=$tmp/spool-pipe # pipe(8), written as _tlsrpt
E=$tmp/spool-env  # pipe(8) with ORIGINAL_RECIPIENT, written as _tlsrpt
e2e_spool "$S"
e2e_spool "$O" _tlsrpt
e2e_spool "$P" _tlsrpt
e2e_spool "$E" _tlsrpt
e2e_mails

# The configuration: README's recipes on top of the private instance.
e2e_private_postfix_init
cfg=$E2E_PF
log=$E2E_PF_LOG
postconf -c "$cfg" -e "alias_maps = hash:$cfg/aliases, hash:$cfg/tlsrpt/aliases" \
	"alias_database = hash:$cfg/aliases, hash:$cfg/tlsrpt/aliases" \
	"transport_maps = hash:$cfg/transport" "tlsrpt_destination_recipient_limit = 1" ||
	{ echo "Bail out! postconf -e failed"; exit 1; }
cp "$cfg/master.cf" "$cfg/master.cf.base"
snippet postfix/master.cf "$P" >>"$cfg/master.cf"
# the recipient form of the recipe is the commented-out service
sed -n '/^#tlsrpt /,/^#$/{/^#$/d;s/^#//;p}' "$top_srcdir/contrib/postfix/master.cf" |
	sed -e "s|/usr/local/bin/tlsrpt-lda|$BIN|g" -e "s|/var/spool/tlsrpt|$E|g" >"$tmp/master-env.cf"
# "tlsrpt-pipe" only passes smtpd's recipient check through an alias,
# which transport_maps keeps from ever being used for delivery
{ echo "tlsrpt-pipe: root"; snippet postfix/aliases "$S"; } >>"$cfg/aliases"
# the recipe's database of its own, owned by _tlsrpt (another name here:
# the first database has "tlsrpt" already)
install -d -o _tlsrpt -g _tlsrpt -m 0755 "$cfg/tlsrpt"
snippet postfix/aliases "$O" | sed 's/^tlsrpt:/tlsrpt-own:/' >"$cfg/tlsrpt/aliases"
chown _tlsrpt:_tlsrpt "$cfg/tlsrpt/aliases"
printf 'tlsrpt-pipe@%s tlsrpt:\n' "$E2E_DOMAIN" >"$cfg/transport"
postmap -c "$cfg" "$cfg/transport" || { echo "Bail out! postmap failed"; exit 1; }

if e2e_private_postfix_start; then
	ok "postfix $(postconf -c "$cfg" -h mail_version) started on 127.0.0.1:$E2E_SMTP_PORT (pid $E2E_PF_PID)"
else
	not_ok "postfix started"; done_testing; exit
fi

# submit_all RCPT: every mail of $tmp/mail, queue ids into $ids
submit_all() {
	local f n=0
	ids=()
	for f in "$tmp"/mail/*.eml; do
		smtp_send "$E2E_SENDER" "$1" "$f" && [ -n "$SMTP_ID" ] && ids+=("$SMTP_ID")
		n=$((n + 1))
	done
	is "$1: $n mails accepted over SMTP" "${#ids[@]}" "$n"
}
# delivered ID RCPT RELAY STATUS [NTH]: the NTH delivery attempt of that
# message (default the first) ended with STATUS
delivered() {
	local re="$1: to=<$2>, .*relay=$3, .*status=" n=${5:-1} got
	wait_log "$log" "$re" "$n" || return 1
	got=$(grep -E -- "$re" "$log" | sed -n "${n}{s/.*status=\([a-z]*\).*/\1/;p}")
	[ "$got" = "$4" ] || { echo "# $1: attempt $n: status=$got, wanted $4"; return 1; }
}
all_delivered() {
	local id bad=0
	for id in "${ids[@]}"; do delivered "$id" "$1" "$2" sent || bad=1; done
	[ "$bad" -eq 0 ]
}

# --- the aliases pipe: local(8) runs it as nobody, umask 077 ---
R=tlsrpt@$E2E_DOMAIN
submit_all "$R"
check "aliases pipe: every mail status=sent" all_delivered "$R" local
e2e_check_records "aliases pipe" "$S" "$R" nobody

# a duplicate: status=sent, stored once
smtp_send "$E2E_SENDER" "$R" "$tmp/mail/zz-e2e-1.eml"
check "duplicate: status=sent" delivered "$SMTP_ID" "$R" local sent
is "duplicate: stored once" "$(e2e_count "$S" e2e-1)" 1

# spam: status=sent, quarantined
q0=$(find "$S/quarantine/new" -type f 2>/dev/null | wc -l)
smtp_send "$E2E_SENDER" "$R" "$tmp/extra/spam.eml"
check "spam: status=sent" delivered "$SMTP_ID" "$R" local sent
q=$(e2e_quarantined "$S" "cheap pills")
is "spam: quarantined once" "$(find "$S/quarantine/new" -type f | wc -l) $(echo "$q" | grep -c .)" "$((q0 + 1)) 1"
check "spam: quarantined copy starts with the reason" \
	grep -q '^X-Tlsrpt-Quarantine-Reason: ' <(head -n 1 "$q")

# unwritable spool: exit 75 -> status=deferred; fixed -> postqueue -f ->
# delivered exactly once
before=$(e2e_records "$S")
chmod -R a-w "$S"
smtp_send "$E2E_SENDER" "$R" "$tmp/extra/retry.eml"
id=$SMTP_ID
check "unwritable spool: status=deferred (exit 75 honoured)" delivered "$id" "$R" local deferred
check "unwritable spool: our one-line reason in the log" \
	grep -q "$id: to=<$R>, .*status=deferred (temporary failure. Command output: tlsrpt-lda: deferred reason=" "$log"
check "unwritable spool: message still queued" sh -c "postqueue -c '$cfg' -p | grep -q '^$id'"
is "unwritable spool: spool unchanged" "$(e2e_records "$S")" "$before"
chmod -R u+w "$S"
postqueue -c "$cfg" -f
check "fixed + postqueue -f: status=sent" delivered "$id" "$R" local sent 2
sleep 1
is "fixed + postqueue -f: delivered exactly once" \
	"$(grep -c "$id: to=<$R>, .*status=sent " "$log") $(e2e_count "$S" e2e-retry)" "1 1"
check "queue empty afterwards" sh -c "postqueue -c '$cfg' -p | grep -q 'Mail queue is empty'"

# --- the aliases pipe from a database owned by _tlsrpt: runs as _tlsrpt ---
check "alias database of its own: built as _tlsrpt" \
	test "$(stat -c %U "$cfg/tlsrpt/aliases.db")" = _tlsrpt
R=tlsrpt-own@$E2E_DOMAIN
smtp_send "$E2E_SENDER" "$R" "$tmp/mail/zz-e2e-1.eml"
check "alias database of its own: status=sent" delivered "$SMTP_ID" "$R" local sent
is "alias database of its own: stored, with the recipient, as _tlsrpt" \
	"$(jq -r '[.report_id, .recipient] | @tsv' "$O"/*.jsonl) $(stat -c '%U %a' "$O"/*.jsonl)" \
	"$(printf 'e2e-1\t%s' "$R") _tlsrpt 640"

# --- the master.cf pipe(8) transport (flags=F user=_tlsrpt) ---
R=tlsrpt-pipe@$E2E_DOMAIN
submit_all "$R"
check "pipe(8): every mail status=sent" all_delivered "$R" tlsrpt
e2e_check_records "pipe(8)" "$P" "" _tlsrpt
chmod -R a-w "$P"
smtp_send "$E2E_SENDER" "$R" "$tmp/extra/retry.eml"
id=$SMTP_ID
check "pipe(8): unwritable spool -> status=deferred" delivered "$id" "$R" tlsrpt deferred
chmod -R u+w "$P"
postqueue -c "$cfg" -f
check "pipe(8): fixed + postqueue -f -> status=sent" delivered "$id" "$R" tlsrpt sent 2
is "pipe(8): retried report stored once" \
	"$(e2e_count "$P" e2e-retry)" 1

# --- the same with ORIGINAL_RECIPIENT=${original_recipient} via env ---
cat "$cfg/master.cf.base" "$tmp/master-env.cf" >"$cfg/master.cf"
postfix -c "$cfg" reload >/dev/null 2>&1
check "postfix reloaded with the env form of the service" \
	wait_log "$log" 'postfix/master\[[0-9]+\]: reload -- version '
submit_all "$R"
check "pipe(8) + env: every mail status=sent" all_delivered "$R" tlsrpt
e2e_check_records "pipe(8) + env" "$E" "$R" _tlsrpt

check "no bounce, no fatal or panic in the mail log" \
	sh -c "! grep -E 'status=bounced|fatal:|panic:' '$log'"
[ "$tap_fail" -eq 0 ] || sed 's/^/# /' "$log"
pid=$E2E_PF_PID
e2e_private_postfix_stop
check "postfix stopped (master pid $pid gone, port $E2E_SMTP_PORT closed)" \
	sh -c "! kill -0 $pid 2>/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/$E2E_SMTP_PORT) 2>/dev/null"
check "/etc/postfix as before the test" cmp -s "$tmp/etc-before" <(e2e_files_state /etc/postfix)
is "the host's Postfix master as before the test (${host_pf:-none})" "$(e2e_running "$host_pf_pid")" "$host_pf"
done_testing
