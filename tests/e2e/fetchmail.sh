#!/bin/bash
# End to end: contrib/fetchmail/fetchmailrc, as shipped but for the
# server's name, port and CA, run by a real fetchmail as the spool's
# owner against a private Dovecot IMAP server (imaps on 127.0.0.1 and a
# port of 10300-10399, a certificate from a CA this test makes with
# openssl).  Checks what the recipe's comments promise:
#   - reports are stored, a non-report quarantined, each message then
#     deleted on the server, a message already read fetched too;
#   - the same report fetched again is a duplicate: stored once, deleted;
#   - an unwritable spool: tlsrpt-lda exits 75, the message stays on the
#     server neither seen nor deleted, and the next run stores it;
#   - a server certificate from another CA: nothing fetched or deleted.
# Dovecot runs as a private instance (its own dovecot.conf, base_dir,
# log, users and mail in the temp dir) and is stopped by its pid.  Its
# IMAP programs are the host's when dovecot-imapd is installed, else
# that package (the version of the host's dovecot-core) unpacked into
# the temp dir: installing it would change the host's /etc/dovecot.
. "$(dirname "$0")/lib.sh"

e2e_require_root "dovecot-imapd and fetchmail"
e2e_tmpdir
DC_PID=
trap 'e2e_stop_pid "$DC_PID"; e2e_testuser_cleanup; e2e_user_cleanup; rm -rf "$tmp"' EXIT
e2e_install dovecot-core fetchmail openssl
command -v fetchmail >/dev/null || skip_all "fetchmail not installed"
[ -x /usr/sbin/dovecot ] || skip_all "dovecot not installed"
if dpkg-query -W -f='${Status}\n' dovecot-imapd 2>/dev/null | grep -q '^install ok installed$'; then
	IMAPD=/usr/lib/dovecot
else
	e2e_download "$tmp/debs" "dovecot-imapd=$(dpkg-query -W -f='${Version}' dovecot-core)"
	dpkg -x "$tmp"/debs/dovecot-imapd_*.deb "$tmp/pkg" || { echo "Bail out! dpkg -x failed"; exit 1; }
	IMAPD=$tmp/pkg/usr/lib/dovecot
fi
[ -x "$IMAPD/imap" ] && [ -x "$IMAPD/imap-login" ] || skip_all "no Dovecot IMAP programs in $IMAPD"

e2e_user                        # _tlsrpt: the spool's owner, runs fetchmail
e2e_testuser                    # tlsrpt-e2e: owns the IMAP mailbox ($home)
S=$tmp/spool
e2e_spool "$S" _tlsrpt
port=$(e2e_free_port 10300 10399) || { echo "Bail out! no free port in 10300-10399"; exit 1; }

# A CA and the server's certificate, and a second CA that signed nothing
# the server shows.  The server is "localhost" (fetchmail checks the name
# against the certificate's DNS names, and the test has no DNS of its own).
install -d -m 0755 "$tmp/tls"
(
	cd "$tmp/tls" &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=tlsrpt e2e CA" \
		-keyout ca.key -out ca.pem &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=another CA" \
		-keyout other.key -out other.pem &&
	openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
		-keyout server.key -out server.csr &&
	printf 'subjectAltName = DNS:localhost\nextendedKeyUsage = serverAuth\n' >ext &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile ext -out server.pem
) >"$tmp/openssl.log" 2>&1 || { echo "Bail out! openssl: $(tail -n 1 "$tmp/openssl.log")"; exit 1; }
chmod 0644 "$tmp"/tls/*.pem

# Dovecot: imaps only, one user from a passwd-file, mail in $home/Maildir
D=$tmp/dovecot
install -d -m 0755 "$D"
printf 'tlsrpt@%s:{PLAIN}imap-secret\n' "$E2E_DOMAIN" >"$D/passwd"
cat >"$D/dovecot.conf" <<EOF
base_dir = $D/run
state_dir = $D/state
instance_name = tlsrpt-e2e-imap
protocols = imap
listen = 127.0.0.1
log_path = $D/dovecot.log
ssl = required
ssl_cert = <$tmp/tls/server.pem
ssl_key = <$tmp/tls/server.key
ssl_min_protocol = TLSv1.2
auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/passwd
}
userdb {
  driver = static
  args = uid=$E2E_TESTUSER gid=$E2E_TESTUSER home=$home
}
mail_location = maildir:~/Maildir
# the test user is a system user (uid below Dovecot's default of 500)
first_valid_uid = $(id -u "$E2E_TESTUSER")
# every IMAP service from \$IMAPD: the master checks each one's program
# (imap-urlauth* and imap-hibernate too) before it starts
service imap {
  executable = $IMAPD/imap
}
service imap-hibernate {
  executable = $IMAPD/imap-hibernate
}
service imap-urlauth {
  executable = $IMAPD/imap-urlauth
}
service imap-urlauth-login {
  executable = $IMAPD/imap-urlauth-login
}
service imap-urlauth-worker {
  executable = $IMAPD/imap-urlauth-worker
}
service imap-login {
  executable = $IMAPD/imap-login
  inet_listener imap {
    port = 0
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $port
    ssl = yes
  }
}
EOF
M=$home/Maildir
install -d -o "$E2E_TESTUSER" -g "$E2E_TESTUSER" -m 0700 "$M" "$M/new" "$M/cur" "$M/tmp"
if ! dovecot -c "$D/dovecot.conf" >"$tmp/dovecot-start.log" 2>&1 || ! wait_port "$port"; then
	not_ok "dovecot started"; sed 's/^/# /' "$tmp/dovecot-start.log" "$D/dovecot.log" 2>/dev/null
	done_testing; exit
fi
# the master writes its pid file after it listens: wait for it
for ((i = 0; i < 50; i++)); do
	DC_PID=$(cat "$D/run/master.pid" 2>/dev/null)
	[ -n "$DC_PID" ] && kill -0 "$DC_PID" 2>/dev/null && break
	sleep 0.1
done
[ -n "$DC_PID" ] || { echo "Bail out! dovecot wrote no pid file"; exit 1; }
ok "dovecot $(dovecot --version | cut -d' ' -f1) imaps on 127.0.0.1:$port (pid $DC_PID)"

# The recipe as shipped (snippet: the test's binary, spool and domain),
# the server's address and port, and the test's CA.
FH=$tmp/fetchmail-home
install -d -o _tlsrpt -g _tlsrpt -m 0700 "$FH"
rc() {
	snippet fetchmail/fetchmailrc "$S" |
		sed -e "s|^poll imap\.$E2E_DOMAIN protocol IMAP port 993|poll localhost protocol IMAP port $port|" \
			-e "s|^\([[:space:]]*\)sslcertck\$|&\n\1sslcertfile \"$tmp/tls/$1.pem\"|"
}
rc ca >"$FH/fetchmailrc"
rc other >"$FH/fetchmailrc-other"
chown _tlsrpt:_tlsrpt "$FH"/fetchmailrc*
chmod 0600 "$FH"/fetchmailrc*
is "the recipe: poll entry as tested" "$(sed -n '/^poll/,$p' "$FH/fetchmailrc" | sed 's/^[[:space:]]*//')" \
	"poll localhost protocol IMAP port $port
user \"tlsrpt@$E2E_DOMAIN\" password \"app-password\"
folder INBOX
ssl
sslcertck
sslcertfile \"$tmp/tls/ca.pem\"
sslproto \"TLS1.2+\"
fetchall
nokeep
mda \"$BIN --spool $S\""
sed -i 's/"app-password"/"imap-secret"/' "$FH/fetchmailrc" "$FH/fetchmailrc-other"

# fetch [RCFILE]: fetchmail as the units run it (the spool's owner,
# FETCHMAILHOME), its exit code in $rc, its output in $tmp/fetchmail.log
fetch() {
	setpriv --reuid=_tlsrpt --regid=_tlsrpt --clear-groups -- env -i PATH=/usr/bin:/bin HOME="$FH" \
		FETCHMAILHOME="$FH" fetchmail --nodetach --nosyslog -v \
		--fetchmailrc "$FH/${1:-fetchmailrc}" >"$tmp/fetchmail.log" 2>&1
	rc=$?
	[ "$rc" -le 1 ] || sed 's/^/# /' "$tmp/fetchmail.log" | tail -n 4
}
n=0
# put FILE [FLAGS]: a message into the mailbox, as delivered (new/) or,
# with FLAGS (e.g. S for seen), as a client left it (cur/)
put() {
	n=$((n + 1))
	if [ -n "${2:-}" ]; then
		install -o "$E2E_TESTUSER" -g "$E2E_TESTUSER" -m 0600 "$1" "$M/cur/17790000$n.M1P1.e2e:2,$2"
	else
		install -o "$E2E_TESTUSER" -g "$E2E_TESTUSER" -m 0600 "$1" "$M/new/17790000$n.M1P1.e2e"
	fi
}
# on_server: the messages in the mailbox, as "Subject<TAB>flags" (the
# maildir info flags: S seen, T deleted), sorted
on_server() {
	local f
	for f in "$M"/new/* "$M"/cur/*; do
		[ -e "$f" ] || continue
		printf '%s\t%s\n' "$(sed -n 's/^Subject: //p' "$f" | head -n 1 | tr -d '\r')" \
			"$(case $f in *:2,*) echo "${f##*:2,}" ;; esac)"
	done | sort
}
quarantined() { find "$S/quarantine/new" -type f 2>/dev/null | wc -l; }

D1=2026-05-18
report_eml "IMAP Org" imap-1 $D1 example.com 3 >"$tmp/r1.eml"
report_eml "IMAP Org" imap-2 $D1 example.net 0 >"$tmp/r2.eml"
# (another day: a new daily file, which an unwritable spool refuses)
report_eml "IMAP Org" imap-3 2026-05-17 example.org 5 >"$tmp/r3.eml"
report_eml "IMAP Org" imap-4 $D1 example.com 9 >"$tmp/r4.eml"
printf 'From: someone@spam.example\nTo: tlsrpt@%s\nSubject: cheap pills\nMessage-ID: <spam1@spam.example>\n\nBuy now.\n' \
	"$E2E_DOMAIN" >"$tmp/spam.eml"

# 1. two reports (one already read by someone) and a non-report
put "$tmp/r1.eml"
put "$tmp/r2.eml" S
put "$tmp/spam.eml"
fetch
is "stored: fetchmail exits 0 (messages were fetched)" "$rc" 0
is "stored: both reports in the spool, once each" \
	"$(e2e_count "$S" imap-1) $(e2e_count "$S" imap-2)" "1 1"
is "stored: the record as a mail delivery (source mail, no recipient)" \
	"$(jq -r 'select(.report_id == "imap-1") | [.organization_name, .policy_domain, .failed_session_count, .source, .message_id, .recipient // "null"] | @tsv' "$S/$D1.jsonl")" \
	"IMAP Org	example.com	3	mail	<imap-1@sender.example>	null"
is "stored: the non-report quarantined" "$(quarantined)" 1
is "stored: every message deleted on the server, the read one too" "$(on_server)" ""
is "stored: the spool's files are _tlsrpt's" "$(stat -c %U "$S/$D1.jsonl")" _tlsrpt

# 2. the same report again: a duplicate, stored once, deleted
before=$(cat "$S/$D1.jsonl")
put "$tmp/r1.eml"
fetch
is "duplicate: fetchmail exits 0" "$rc" 0
is "duplicate: the spool unchanged" "$(cat "$S/$D1.jsonl")" "$before"
is "duplicate: deleted on the server" "$(on_server)" ""

# 3. the spool cannot be written: tlsrpt-lda exits 75, the message stays
chmod 0550 "$S"
put "$tmp/r3.eml"
fetch
grep -q 'MDA returned nonzero status 75' "$tmp/fetchmail.log"
is "deferred: fetchmail saw tlsrpt-lda's 75" "$?" 0
is "deferred: fetchmail's exit code ($rc)" "$rc" 0
is "deferred: nothing stored" "$(cat "$S"/*.jsonl)" "$before"
subj3=$(sed -n 's/^Subject: //p' "$tmp/r3.eml")
is "deferred: the message stays on the server, neither seen nor deleted" "$(on_server)" "$subj3	"
fetch
is "deferred again (still unwritable): still there" "$(on_server)" "$subj3	"
chmod 0750 "$S"
fetch
is "retry: fetchmail exits 0" "$rc" 0
is "retry: stored once" "$(e2e_count "$S" imap-3)" 1
is "retry: deleted on the server" "$(on_server)" ""
fetch
is "nothing left: fetchmail exits 1 (no mail)" "$rc" 1

# 4. a certificate the recipe does not trust: nothing fetched or deleted
put "$tmp/r4.eml"
fetch fetchmailrc-other
check "untrusted certificate: fetchmail fails ($rc)" test "$rc" -ge 2
grep -qiE 'certificate|verif' "$tmp/fetchmail.log"
is "untrusted certificate: fetchmail says why" "$?" 0
is "untrusted certificate: nothing stored" "$(e2e_count "$S" imap-4)" 0
subj4=$(sed -n 's/^Subject: //p' "$tmp/r4.eml")
is "untrusted certificate: the message untouched on the server" "$(on_server)" "$subj4	"
fetch
is "trusted again: stored" "$rc $(e2e_count "$S" imap-4) $(on_server | wc -l)" "0 1 0"

e2e_stop_pid "$DC_PID"
is "dovecot stopped by its pid, its port closed" \
	"$(kill -0 "$DC_PID" 2>/dev/null && echo running || echo stopped) $(e2e_listening "$port" && echo open || echo closed)" \
	"stopped closed"
DC_PID=
done_testing
