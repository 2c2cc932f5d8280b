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
. "$(dirname "$0")/http-lib.sh"

e2e_require_root lighttpd
e2e_tmpdir
pidfile=$tmp/lighttpd.pid
trap 'http_stop_pid "$pidfile"; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

e2e_install lighttpd curl
command -v lighttpd >/dev/null || skip_all "lighttpd not installed"

# a port nobody listens on
port=$(e2e_free_port) || { echo "Bail out! no free port in 10025-10099"; exit 1; }
URL=http://127.0.0.1:$port/v1/tlsrpt

http_cgi
chown www-data "$tmp/log"
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

# what every server must do (http-lib.sh); lighttpd may answer a POST
# without a length itself
HTTP_411_FROM_SERVER=1 http_checks

check "our log lines reached the server's CGI log" grep -q \
	'^tlsrpt-lda: stored org="HTTP Org" report_id="w1" .* client=127.0.0.1$' "$tmp/log/cgi.log"
check "the deferral was logged" grep -q '^tlsrpt-lda: deferred reason=' "$tmp/log/cgi.log"
[ "$tap_fail" -eq 0 ] || sed 's/^/# /' "$tmp/log/error.log" "$tmp/log/cgi.log" 2>/dev/null
http_stop_pid "$pidfile"
check "lighttpd stopped" http_wait_port "$port" 0
done_testing
