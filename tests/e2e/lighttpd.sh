#!/bin/bash
# End to end through a real web server (Debian's lighttpd with mod_cgi) on
# 127.0.0.1 and a free port, driven by curl, as an RFC 8460 §5.4 sender
# would post: stored 201, duplicate 200, bad body 400 (quarantined),
# wrong method 405, wrong type 415, no length 411, too large 413, spool
# unwritable 503 + Retry-After and the retry that then succeeds.  The
# server runs the shipped recipe: contrib/http/lighttpd.conf and the
# wrapper contrib/http/tlsrpt.cgi, with only paths (and a small
# --max-message for the 413) replaced; CGI programs run as www-data.  The
# instance is private (config, pid file, logs in one temp dir) and is
# stopped by its pid file.
. "$(dirname "$0")/lib.sh"

e2e_require_root lighttpd
e2e_tmpdir
pidfile=$tmp/lighttpd.pid
stop_lighttpd() {
	local pid i
	[ -s "$pidfile" ] || return 0
	pid=$(cat "$pidfile")
	kill "$pid" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	rm -f "$pidfile"
}
trap 'stop_lighttpd; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

e2e_install lighttpd curl
command -v lighttpd >/dev/null || skip_all "lighttpd not installed"

# a port nobody listens on
port=$(e2e_free_port) || { echo "Bail out! no free port in 10025-10099"; exit 1; }
URL=http://127.0.0.1:$port/v1/tlsrpt

S=$tmp/spool
e2e_spool "$S" www-data
install -d -m 0755 "$tmp/www" "$tmp/cgi" "$tmp/log"
chown www-data "$tmp/log"
sed -e "s|/usr/local/bin/tlsrpt-lda|$BIN|" -e "s|/var/spool/tlsrpt-http|$S|" \
	-e "s|--cgi |--cgi --max-message 4096 --log stderr |" \
	"$top_srcdir/contrib/http/tlsrpt.cgi" >"$tmp/cgi/tlsrpt.cgi"
chmod 0755 "$tmp/cgi/tlsrpt.cgi"
sed -e "s|/usr/local/lib/tlsrpt/tlsrpt.cgi|$tmp/cgi/tlsrpt.cgi|" \
	"$top_srcdir/contrib/http/lighttpd.conf" >"$tmp/tlsrpt.conf"
cat >"$tmp/lighttpd.conf" <<EOF
server.modules = ( "mod_access", "mod_alias", "mod_cgi" )
server.document-root = "$tmp/www"
server.bind = "127.0.0.1"
server.port = $port
server.pid-file = "$pidfile"
server.errorlog = "$tmp/log/error.log"
server.breakagelog = "$tmp/log/cgi.log"
server.username = "www-data"
server.groupname = "www-data"
include "$tmp/tlsrpt.conf"
EOF
if ! lighttpd -tt -f "$tmp/lighttpd.conf" >"$tmp/check.log" 2>&1; then
	echo "Bail out! lighttpd rejects the configuration: $(head -n 3 "$tmp/check.log")"
	exit 1
fi
lighttpd -f "$tmp/lighttpd.conf" >"$tmp/start.log" 2>&1
# the port and the pid file (which may come a moment later)
up=
for ((i = 0; i < 50; i++)); do
	e2e_listening "$port" && [ -s "$pidfile" ] && { up=1; break; }
	sleep 0.2
done
if [ -n "$up" ]; then
	ok "$(lighttpd -v | head -n 1 | cut -d' ' -f1) started on 127.0.0.1:$port (pid $(cat "$pidfile"))"
else
	not_ok "lighttpd started"; sed 's/^/# /' "$tmp/start.log" "$tmp/log/error.log" 2>/dev/null
	done_testing; exit
fi

# post TYPE FILE [CURL-ARG...]: CODE, headers in $tmp/h, body in $tmp/b
post() {
	local type=$1 file=$2
	shift 2
	CODE=$(curl -sS -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' -H "Content-Type: $type" \
		--data-binary "@$file" "$@" "$URL")
}
header() { tr -d '\r' <"$tmp/h" | sed -n "s/^$1: //Ip" | head -n 1; }
records() { cat "$S"/*.jsonl 2>/dev/null; }
quarantined() { find "$S/quarantine/new" -type f 2>/dev/null | wc -l; }

report_json "HTTP Org" w1 2026-05-18 example.com 3 | gzip -n >"$tmp/w1.gz"
report_json "HTTP Org" w2 2026-05-18 example.net 0 >"$tmp/w2.json"

post application/tlsrpt+gzip "$tmp/w1.gz"
is "stored: 201" "$CODE" 201
is "stored: body" "$(cat "$tmp/b")" "report stored"
is "stored: text/plain" "$(header Content-Type)" "text/plain"
is "stored: record with source, client, no dkim" \
	"$(records | jq -c 'select(.report_id == "w1") | [.source, .client_ip, .dkim, .failed_session_count]')" \
	'["http","127.0.0.1",null,3]'
is "stored: received_at is the request time" \
	"$(records | jq -r 'select(.report_id == "w1") | .received_at' | cut -c1-10)" "$(date -u +%F)"
check "stored: the spool file belongs to www-data" test "$(stat -c %U "$S/2026-05-18.jsonl")" = www-data

post application/tlsrpt+gzip "$tmp/w1.gz"
is "duplicate: 200" "$CODE" 200
is "duplicate: body" "$(cat "$tmp/b")" "duplicate report, already stored"
is "duplicate: stored once" "$(records | grep -c '"report_id":"w1"')" 1

post 'application/tlsrpt+json; charset=utf-8' "$tmp/w2.json"
is "JSON: 201" "$CODE" 201

printf 'this is not a report' >"$tmp/bad"
post application/tlsrpt+gzip "$tmp/bad"
is "bad body: 400" "$CODE" 400
is "bad body: reason" "$(cat "$tmp/b")" "invalid report: request body is neither gzip nor JSON"
is "bad body: quarantined" "$(quarantined)" 1
q=$(find "$S/quarantine/new" -type f | head -n 1)
is "bad body: quarantine reason" "$(head -n 1 "$q")" \
	"X-Tlsrpt-Quarantine-Reason: http client 127.0.0.1: request body is neither gzip nor JSON"
check "bad body: kept byte for byte" cmp -s <(tail -n +2 "$q") "$tmp/bad"

CODE=$(curl -sS -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' "$URL")
is "GET: 405" "$CODE" 405
is "GET: Allow: POST" "$(header Allow)" POST

post text/plain "$tmp/w2.json"
is "wrong type: 415" "$CODE" 415

CODE=$(curl -sS -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/tlsrpt+gzip' "$URL")
is "no length: 411 (from lighttpd or from us)" "$CODE" 411

head -c 5000 /dev/urandom >"$tmp/big"
post application/tlsrpt+gzip "$tmp/big"
is "too large: 413" "$CODE" 413
is "too large: our reason" "$(cat "$tmp/b")" "request too large: limit 4096 bytes"
is "refusals: nothing more quarantined" "$(quarantined)" 1

# the spool becomes unwritable: 503 + Retry-After, nothing written; then
# the sender's retry succeeds
before=$(records)
chmod 0550 "$S"
report_json "HTTP Org" w3 2026-05-19 example.com 5 | gzip -n >"$tmp/w3.gz"
post application/tlsrpt+gzip "$tmp/w3.gz"
is "unwritable spool: 503" "$CODE" 503
is "unwritable spool: Retry-After" "$(header Retry-After)" 3600
is "unwritable spool: body" "$(cat "$tmp/b")" "temporary failure, retry later"
is "unwritable spool: nothing written" "$(records)" "$before"
chmod 0750 "$S"
post application/tlsrpt+gzip "$tmp/w3.gz"
is "retry after the fix: 201" "$CODE" 201
is "retry: stored once" "$(records | grep -c '"report_id":"w3"')" 1

check "our log lines reached the server's CGI log" grep -q \
	'^tlsrpt-lda: stored org="HTTP Org" report_id="w1" .* client=127.0.0.1$' "$tmp/log/cgi.log"
check "the deferral was logged" grep -q '^tlsrpt-lda: deferred reason=' "$tmp/log/cgi.log"
[ "$tap_fail" -eq 0 ] || sed 's/^/# /' "$tmp/log/error.log" "$tmp/log/cgi.log" 2>/dev/null
stop_lighttpd
check "lighttpd stopped" sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
done_testing
