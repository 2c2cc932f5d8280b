#!/bin/bash
# End to end through nginx + fcgiwrap (Debian's packages), as an RFC 8460
# §5.4 sender posts, driven by curl: the statuses lighttpd.sh checks
# (http-lib.sh: 201, 200, 400, 405, 415, 411, 413, 503 + Retry-After and
# the retry), and a chunked POST, which nginx reads whole and passes on
# with its length.  The server runs the shipped recipe: the active lines
# of contrib/http/nginx-fcgiwrap.conf in a server block on 127.0.0.1 and a
# port of 10110-10119, with only paths replaced (the wrapper, fcgiwrap's
# socket, fastcgi_params by its full path), and contrib/http/tlsrpt.cgi.
# fcgiwrap runs as www-data with -f, as Debian's fcgiwrap.service does.
# Both are private instances (config, pid, socket, logs in the temp dir),
# started here and stopped by pid; the packages' services stay down.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/http-lib.sh"

e2e_require_root nginx
command -v setpriv >/dev/null 2>&1 || skip_all "needs setpriv (util-linux)"
e2e_tmpdir
pidfile=$tmp/nginx.pid
fcgipid=$tmp/fcgiwrap.pid
# fcgiwrap's parent leaves its preforked children running: stop them too
stop_fcgiwrap() {
	local kids
	[ -s "$fcgipid" ] || return 0
	kids=$(pgrep -P "$(cat "$fcgipid")")
	http_stop_pid "$fcgipid"
	[ -z "$kids" ] || kill $kids 2>/dev/null
}
trap 'http_stop_pid "$pidfile"; stop_fcgiwrap; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
e2e_install nginx fcgiwrap curl
command -v nginx >/dev/null || skip_all "nginx not installed"
[ -x /usr/sbin/fcgiwrap ] || skip_all "fcgiwrap not installed"
[ -r /etc/nginx/fastcgi_params ] || skip_all "no /etc/nginx/fastcgi_params"

port=$(e2e_free_port 10110 10119) || { echo "Bail out! no free port in 10110-10119"; exit 1; }
URL=http://127.0.0.1:$port/v1/tlsrpt
http_cgi
install -d -m 0755 "$tmp/nginx" "$tmp/run"
chown www-data "$tmp/run"

# fcgiwrap: its socket where the recipe has /run/fcgiwrap.socket
sock=$tmp/run/fcgiwrap.socket
setpriv --reuid=www-data --regid=www-data --init-groups \
	/usr/sbin/fcgiwrap -f -c 2 -s "unix:$sock" >"$tmp/log/fcgiwrap.log" 2>&1 &
echo $! >"$fcgipid"
for ((i = 0; i < 50; i++)); do [ -S "$sock" ] && break; sleep 0.2; done

active nginx-fcgiwrap.conf | sed -e "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" \
	-e "s|unix:/run/fcgiwrap.socket|unix:$sock|" >"$tmp/tlsrpt.conf"
cat >"$tmp/nginx.conf" <<EOF
user www-data;
worker_processes 1;
pid $pidfile;
error_log $tmp/log/error.log info;
events { worker_connections 64; }
http {
	access_log $tmp/log/access.log;
	client_body_temp_path $tmp/nginx/body;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	proxy_temp_path $tmp/nginx/proxy;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$port;
		root $tmp/www;
		include $tmp/tlsrpt.conf;
	}
}
EOF
nginx_() { nginx -p "$tmp/nginx/" -e "$tmp/log/error.log" -c "$tmp/nginx.conf" "$@"; }
if ! nginx_ -t >"$tmp/check.log" 2>&1; then
	echo "Bail out! nginx rejects the configuration: $(head -n 3 "$tmp/check.log")"
	exit 1
fi
nginx_ >"$tmp/start.log" 2>&1
if http_wait_port "$port" && [ -s "$pidfile" ] && [ -S "$sock" ]; then
	ok "$(nginx -v 2>&1 | sed 's/.*: //') + fcgiwrap started on 127.0.0.1:$port (pids $(cat "$pidfile") $(cat "$fcgipid"))"
else
	not_ok "nginx and fcgiwrap started"
	sed 's/^/# /' "$tmp/start.log" "$tmp/log/error.log" "$tmp/log/fcgiwrap.log" 2>/dev/null
	done_testing; exit
fi
is "the location block is the shipped one, paths replaced" "$(grep -c . "$tmp/tlsrpt.conf")" \
	"$(grep -cv -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$top_srcdir/contrib/http/nginx-fcgiwrap.conf")"

http_checks

# chunked: nginx reads the whole body, then passes its length on
report_json "HTTP Org" w4 2026-05-19 example.net 1 | gzip -n >"$tmp/w4.gz"
post application/tlsrpt+gzip "$tmp/w4.gz" -H 'Transfer-Encoding: chunked'
is "chunked POST: 201 (nginx sets CONTENT_LENGTH)" "$CODE" 201
is "chunked POST: stored" "$(records | grep -c '"report_id":"w4"')" 1

# too large for nginx itself (client_max_body_size 32m): 413 before the
# program runs
head -c $((33 * 1024 * 1024)) /dev/zero >"$tmp/huge"
post application/tlsrpt+gzip "$tmp/huge"
is "over client_max_body_size: 413 from nginx" "$CODE" 413
check "... its own page, not ours" grep -q '<center>nginx' "$tmp/b"

check "our log lines reached nginx's error log (fcgiwrap -f)" grep -q \
	'FastCGI sent in stderr: "tlsrpt-lda: stored org="HTTP Org" report_id="w1" .* client=127.0.0.1' "$tmp/log/error.log"
check "the deferral was logged" grep -q 'FastCGI sent in stderr: "tlsrpt-lda: deferred reason=' "$tmp/log/error.log"
[ "$tap_fail" -eq 0 ] || sed 's/^/# /' "$tmp/log/error.log" "$tmp/log/fcgiwrap.log" 2>/dev/null
http_stop_pid "$pidfile"
stop_fcgiwrap
check "nginx stopped" http_wait_port "$port" 0
# (zombies do not count: init reaps the children in its own time)
fcgiwrap_left() { ps -eo stat=,comm=,args= | awk -v s="unix:$sock" '$1 !~ /^Z/ && $2 == "fcgiwrap" && index($0, s)' | grep -c .; }
for ((i = 0; i < 50; i++)); do [ "$(fcgiwrap_left)" -eq 0 ] && break; sleep 0.1; done
is "fcgiwrap and its children stopped" "$(fcgiwrap_left)" 0
done_testing
