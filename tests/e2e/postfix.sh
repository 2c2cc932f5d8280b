#!/bin/bash
# End to end through a real Postfix (Debian's package) on 127.0.0.1:25:
# mail submitted over SMTP is delivered by local(8) to the aliases pipe of
# contrib/postfix/aliases, and by the pipe(8) transport of
# contrib/postfix/master.cf (both forms: plain, and with the recipient in
# the environment), the recipes' active lines taken from the files as
# shipped.  Checks the records, a deferral (exit 75) and its retry, a
# duplicate and a quarantined mail.  The instance is private: main.cf,
# master.cf, aliases, queue and log live in one temp dir (postfix -c),
# and it is stopped with `postfix stop` afterwards.
. "$(dirname "$0")/lib.sh"

e2e_require_root postfix
e2e_tmpdir
cfg=$tmp/postfix
master_pid=
stop_postfix() {
	[ -n "$master_pid" ] || master_pid=$(sed -n 's/^ *\([0-9]*\).*/\1/p' "$tmp/queue/pid/master.pid" 2>/dev/null)
	[ -n "$master_pid" ] || return 0
	postfix -c "$cfg" stop >/dev/null 2>&1
	for ((i = 0; i < 100; i++)); do
		kill -0 "$master_pid" 2>/dev/null || break
		sleep 0.1
	done
	master_pid=
}
trap 'stop_postfix; e2e_user_cleanup; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
e2e_install postfix
if (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null; then
	echo "Bail out! something already listens on 127.0.0.1:25"
	exit 1
fi

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
log=$tmp/maillog
install -d -m 0755 "$cfg" "$tmp/queue"
install -d -o postfix -g postfix -m 0700 "$tmp/data"

# The configuration: README's recipes plus what makes it a loopback-only
# throw-away instance (no relay, no mail out, its own queue and log).
cat >"$cfg/main.cf" <<EOF
compatibility_level = 3.6
meta_directory = /etc/postfix
queue_directory = $tmp/queue
data_directory = $tmp/data
maillog_file = $log
maillog_file_prefixes = $tmp
myhostname = mx.$E2E_DOMAIN
mydomain = $E2E_DOMAIN
myorigin = \$myhostname
mydestination = $E2E_DOMAIN
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
default_transport = error:this test instance sends no mail out
relay_transport = error:this test instance sends no mail out
biff = no
alias_maps = hash:$cfg/aliases, hash:$cfg/tlsrpt/aliases
alias_database = hash:$cfg/aliases, hash:$cfg/tlsrpt/aliases
# the pipe(8) recipe
transport_maps = hash:$cfg/transport
tlsrpt_destination_recipient_limit = 1
EOF
cat >"$cfg/master.cf" <<EOF
smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
cp "$cfg/master.cf" "$cfg/master.cf.base"
snippet postfix/master.cf "$P" >>"$cfg/master.cf"
# the recipient form of the recipe is the commented-out service
sed -n '/^#tlsrpt /,/^#$/{/^#$/d;s/^#//;p}' "$top_srcdir/contrib/postfix/master.cf" |
	sed -e "s|/usr/local/bin/tlsrpt-lda|$BIN|g" -e "s|/var/spool/tlsrpt|$E|g" >"$tmp/master-env.cf"
# "tlsrpt-pipe" only passes smtpd's recipient check through an alias,
# which transport_maps keeps from ever being used for delivery
{ echo "postmaster: root"; echo "tlsrpt-pipe: root"; snippet postfix/aliases "$S"; } >"$cfg/aliases"
# the recipe's database of its own, owned by _tlsrpt (another name here:
# the first database has "tlsrpt" already)
install -d -o _tlsrpt -g _tlsrpt -m 0755 "$cfg/tlsrpt"
snippet postfix/aliases "$O" | sed 's/^tlsrpt:/tlsrpt-own:/' >"$cfg/tlsrpt/aliases"
chown _tlsrpt:_tlsrpt "$cfg/tlsrpt/aliases"
printf 'tlsrpt-pipe@%s tlsrpt:\n' "$E2E_DOMAIN" >"$cfg/transport"
newaliases -C "$cfg" && postmap -c "$cfg" "$cfg/transport" ||
	{ echo "Bail out! newaliases/postmap failed"; exit 1; }

postfix -c "$cfg" start >"$tmp/start.log" 2>&1
master_pid=$(sed -n 's/^ *\([0-9]*\).*/\1/p' "$tmp/queue/pid/master.pid" 2>/dev/null)
if wait_port; then ok "postfix $(postconf -c "$cfg" -h mail_version) started on 127.0.0.1:25"; else
	not_ok "postfix started"; cat "$tmp/start.log" "$log" | sed 's/^/# /'; done_testing; exit; fi

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
stop_postfix
check "postfix stopped" sh -c "! (exec 3<>/dev/tcp/127.0.0.1/25) 2>/dev/null"
done_testing
