# Shared by the HTTPS-submission tests through lighttpd (lighttpd.sh),
# nginx + fcgiwrap (nginx.sh) and Apache (apache.sh): sourced after lib.sh, not a test of
# its own (tests/run-all skips *lib.sh).  Waiting on a port, stopping a
# server by its pid file (both on lib.sh's helpers), the CGI wrapper
# and spool as contrib/http/tlsrpt.cgi says, curl helpers, and the checks
# every server must pass (the statuses lighttpd.sh checks too).

# only when asked (lib.sh may say so too)
[ "${TLSRPT_E2E:-}" = 1 ] || skip_all "installs and runs a web server: set TLSRPT_E2E=1"

# http_wait_port PORT [UP]: until something listens on 127.0.0.1:PORT
# (UP=1, the default: lib.sh's wait_port) or nothing does (UP=0); 10 s
http_wait_port() {
	local i
	[ "${2:-1}" = 1 ] && { wait_port "$1"; return; }
	for ((i = 0; i < 50; i++)); do
		e2e_listening "$1" || return 0
		sleep 0.2
	done
	return 1
}

# http_stop_pid FILE: stop the process whose pid FILE holds (10 s), and
# forget it
http_stop_pid() {
	[ -s "$1" ] || return 0
	e2e_stop_pid "$(e2e_running "$1")"
	rm -f "$1"
}

# http_cgi: the spool $S (www-data's) and the wrapper $tmp/cgi/tlsrpt.cgi
# as shipped, with the test's binary and spool, a small --max-message for
# the 413 and the log on stderr (the server's error log)
http_cgi() {
	S=$tmp/spool
	e2e_spool "$S" www-data
	install -d -m 0755 "$tmp/www" "$tmp/cgi" "$tmp/log"
	sed -e "s|/usr/local/bin/tlsrpt-lda|$BIN|" -e "s|/var/spool/tlsrpt-http|$S|" \
		-e "s|--cgi |--cgi --max-message 4096 --log stderr |" \
		"$top_srcdir/contrib/http/tlsrpt.cgi" >"$tmp/cgi/tlsrpt.cgi"
	chmod 0755 "$tmp/cgi/tlsrpt.cgi"
}

# active FILE: the active lines of contrib/http/FILE (no comments, no
# blank lines), the CGI program's path replaced by the test's
active() {
	sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' \
		-e "s|/usr/local/lib/tlsrpt/tlsrpt.cgi|$tmp/cgi/tlsrpt.cgi|g" "$top_srcdir/contrib/http/$1"
}

# post TYPE FILE [CURL-ARG...]: CODE, headers in $tmp/h, body in $tmp/b
# (to $POST_URL when set, else $URL)
post() {
	local type=$1 file=$2
	shift 2
	CODE=$(curl -sS -o "$tmp/b" -D "$tmp/h" -w '%{http_code}' -H "Content-Type: $type" \
		--data-binary "@$file" "$@" "${POST_URL:-$URL}")
}
header() { tr -d '\r' <"$tmp/h" | sed -n "s/^$1: //Ip" | head -n 1; }
records() { cat "$S"/*.jsonl 2>/dev/null; }
quarantined() { find "$S/quarantine/new" -type f 2>/dev/null | wc -l; }

# http_checks: what a sender sees, whatever the server: stored 201,
# duplicate 200, bad body 400 (quarantined), GET 405, wrong type 415, no
# body and no length 411, too large 413, spool unwritable 503 +
# Retry-After, and the retry that then succeeds
http_checks() {
	local q before
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
	is "stored: the spool file belongs to www-data, mode 0640" "$(stat -c '%U %a' "$S/2026-05-18.jsonl")" "www-data 640"

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
	is "no body, no length: 411" "$CODE" 411
	[ -n "${HTTP_411_FROM_SERVER:-}" ] ||   # the server may answer it itself
		is "no body, no length: our reason" "$(cat "$tmp/b")" "length required: no Content-Length"

	head -c 5000 /dev/urandom >"$tmp/big"
	post application/tlsrpt+gzip "$tmp/big"
	is "too large: 413" "$CODE" 413
	is "too large: our reason" "$(cat "$tmp/b")" "request too large: limit 4096 bytes"
	is "refusals: nothing more quarantined" "$(quarantined)" 1

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
}
