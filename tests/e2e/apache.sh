#!/bin/bash
# End to end through Apache httpd with mod_cgid (Debian's apache2), as an
# RFC 8460 §5.4 sender posts, driven by curl: the statuses lighttpd.sh
# checks (http-lib.sh: 201, 200, 400, 405, 415, 411, 413, 503 +
# Retry-After and the retry); a chunked POST, which mod_cgid passes on
# without CONTENT_LENGTH, so it gets 411; a query string without '=',
# which Apache would turn into arguments.  Each refusal is asked for 5
# times: before tlsrpt-lda drained the body it refused, Apache lost or
# cut short one reply in two (EPIPE writing the body into the program).  The server runs the shipped
# recipe: the active lines of contrib/http/apache.conf with only the
# wrapper's path replaced, in a minimal httpd.conf of the test's own
# (mpm_event, authz_core, alias, cgid; CGI programs as www-data), and
# contrib/http/tlsrpt.cgi.  A private instance on 127.0.0.1 and a port of
# 10120-10129 (config, pid, cgid socket, logs in the temp dir), started
# here and stopped by pid; the package's service stays down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/http-lib.sh"

e2e_require_root apache2
e2e_tmpdir
pidfile=$tmp/apache/httpd.pid
trap 'http_stop_pid "$pidfile"; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
e2e_install apache2 curl
[ -x /usr/sbin/apache2 ] || skip_all "apache2 not installed"
mods=/usr/lib/apache2/modules
for m in mpm_event authz_core alias cgid; do
	[ -e "$mods/mod_$m.so" ] || skip_all "no $mods/mod_$m.so"
done

port=$(e2e_free_port 10120 10129) || { echo "Bail out! no free port in 10120-10129"; exit 1; }
URL=http://127.0.0.1:$port/v1/tlsrpt
http_cgi
install -d -m 0755 "$tmp/apache" "$tmp/apache/run"
active apache.conf >"$tmp/tlsrpt.conf"
cat >"$tmp/httpd.conf" <<EOF
ServerRoot $tmp/apache
ServerName 127.0.0.1
Listen 127.0.0.1:$port
PidFile $pidfile
DefaultRuntimeDir $tmp/apache/run
Mutex file:$tmp/apache/run default
ErrorLog $tmp/log/error.log
LogLevel info
User www-data
Group www-data
LoadModule mpm_event_module $mods/mod_mpm_event.so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule alias_module $mods/mod_alias.so
LoadModule cgid_module $mods/mod_cgid.so
ScriptSock $tmp/apache/run/cgid.sock
DocumentRoot $tmp/www
Include $tmp/tlsrpt.conf
EOF
if ! apache2 -t -f "$tmp/httpd.conf" >"$tmp/check.log" 2>&1; then
	echo "Bail out! apache2 rejects the configuration: $(head -n 3 "$tmp/check.log")"
	exit 1
fi
apache2 -f "$tmp/httpd.conf" -k start >"$tmp/start.log" 2>&1
# the port may be up before the pid file is written (and the trap needs it)
http_wait_port "$port"
for ((i = 0; i < 50; i++)); do [ -s "$pidfile" ] && break; sleep 0.2; done
if http_wait_port "$port" && [ -s "$pidfile" ]; then
	ok "$(apache2 -v | sed -n 's/^Server version: //p') started on 127.0.0.1:$port (pid $(cat "$pidfile"))"
else
	not_ok "apache2 started"
	sed 's/^/# /' "$tmp/start.log" "$tmp/log/error.log" 2>/dev/null
	done_testing; exit
fi
is "the shipped lines, the wrapper's path replaced" "$(grep -c . "$tmp/tlsrpt.conf")" \
	"$(grep -cv -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$top_srcdir/contrib/http/apache.conf")"

http_checks

# repeat N CMD...: CMD (a post) N times; prints how often each
# "CODE:curl's exit status" came, e.g. "5 415:0 "
repeat() {
	local n=$1 i
	shift
	for ((i = 0; i < n; i++)); do
		"$@" 2>/dev/null
		echo "$CODE:$?"
	done | sort | uniq -c | sed 's/^ *//' | tr '\n' ' '
}
report_json "HTTP Org" w5 2026-05-19 example.net 1 | gzip -n >"$tmp/w5.gz"
head -c 20000 /dev/urandom >"$tmp/20k"
is "5 x wrong type with a body of 20 kB: 415, complete replies" \
	"$(repeat 5 post text/plain "$tmp/20k")" "5 415:0 "
is "5 x too large (20 kB, limit 4096): 413, complete replies" \
	"$(repeat 5 post application/tlsrpt+gzip "$tmp/20k")" "5 413:0 "

# chunked: mod_cgid passes the body on without CONTENT_LENGTH: 411 from
# tlsrpt-lda, which drains the body first
is "5 x chunked POST: 411, complete replies" \
	"$(repeat 5 post application/tlsrpt+gzip "$tmp/w5.gz" -H 'Transfer-Encoding: chunked')" "5 411:0 "
is "chunked POST: our reason" "$(cat "$tmp/b")" "length required: no Content-Length"
is "chunked POST: nothing stored" "$(records | grep -c '"report_id":"w5"')" 0

# a query string without '=' (RFC 3875 §4.4: command-line arguments):
# the wrapper drops them, tlsrpt-lda refuses the query string
is "5 x query string '?--spool+/tmp': 400, complete replies" \
	"$(POST_URL="$URL?--spool+/tmp" repeat 5 post application/tlsrpt+gzip "$tmp/w5.gz")" "5 400:0 "
is "query string: our reason" "$(cat "$tmp/b")" "bad request: query string not accepted"
is "... nothing stored anywhere" "$(records | grep -c '"report_id":"w5"') $(grep -l '"report_id":"w5"' /tmp/*.jsonl 2>/dev/null | wc -l)" "0 0"

# too large for Apache itself (LimitRequestBody 32 MiB): 413 before the
# program runs
head -c $((33 * 1024 * 1024)) /dev/zero >"$tmp/huge"
post application/tlsrpt+gzip "$tmp/huge"
is "over LimitRequestBody: 413 from Apache" "$CODE" 413
check "... its own page, not ours" grep -q '<title>413 Request Entity Too Large</title>' "$tmp/b"

check "our log lines reached Apache's error log" grep -q \
	'tlsrpt-lda: stored org="HTTP Org" report_id="w1" .* client=127.0.0.1' "$tmp/log/error.log"
check "the deferral was logged" grep -q 'tlsrpt-lda: deferred reason=' "$tmp/log/error.log"
[ "$tap_fail" -eq 0 ] || sed 's/^/# /' "$tmp/log/error.log" 2>/dev/null
http_stop_pid "$pidfile"
check "apache2 stopped" http_wait_port "$port" 0
done_testing
