#!/bin/bash
# tlsrpt-lda --cgi (RFC 8460 §5.4 HTTPS POST), run directly with the
# meta-variables a web server sets: the exact response of every outcome
# (201 stored, 200 duplicate, 400 bad body + quarantined, 405, 411, 413,
# 415, 503 + Retry-After), the records, exit status 0 whenever a response
# was written, that exactly CONTENT_LENGTH bytes are read, and that the
# environment without --cgi makes no web endpoint.
. "${top_srcdir:-.}/tests/lib.sh"

tmp=$(mktmp)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
S=$tmp/spool
CRLF=$'\r'

# cgi METHOD TYPE LENGTH [OPTION...] <BODY: tlsrpt-lda --cgi, the
# response in $tmp/resp,
# the log in $tmp/err, the exit status returned.  Empty TYPE or LENGTH:
# unset, as a server does when the request has none.
cgi() {
	local vars=(GATEWAY_INTERFACE=CGI/1.1 "REQUEST_METHOD=$1" REMOTE_ADDR=192.0.2.10
		SERVER_PROTOCOL=HTTP/1.1 SCRIPT_NAME=/v1/tlsrpt)
	[ -n "$2" ] && vars+=("CONTENT_TYPE=$2")
	[ -n "$3" ] && vars+=("CONTENT_LENGTH=$3")
	shift 3
	env -u CONTENT_TYPE -u CONTENT_LENGTH -u QUERY_STRING "${vars[@]}" \
		"$LDA" --cgi --spool "$S" --log stderr "$@" >"$tmp/resp" 2>"$tmp/err"
}
# want STATUS-LINE [HEADER...] -- BODY-LINE: the exact response bytes
want() {
	local h
	for h in "$@"; do
		[ "$h" = -- ] && break
		printf '%s\r\n' "$h"
	done
	printf 'Content-Type: text/plain\r\n\r\n%s\n' "${*: -1}"
}
is_resp() { is "$1" "$(cat -A "$tmp/resp")" "$(shift; want "$@" | cat -A)"; }
size() { stat -c %s "$1"; }

report_json "HTTP Org" h1 2026-05-18 example.com 3 | gzip -n >"$tmp/h1.gz"
report_json "HTTP Org" h2 2026-05-18 example.net 0 >"$tmp/h2.json"

cgi POST application/tlsrpt+gzip "$(size "$tmp/h1.gz")" <"$tmp/h1.gz"
is "stored: exit 0" "$?" 0
is_resp "stored: 201 response" "Status: 201 Created" -- "report stored"
is "stored: one record" "$(wc -l <"$S/2026-05-18.jsonl")" 1
is "stored: http meta, request time, client address" \
	"$(jq -c '[.source, .received_at, .client_ip, .dkim, .message_id, .report_id]' "$S/2026-05-18.jsonl")" \
	'["http","2026-05-19T08:00:00Z","192.0.2.10",null,null,"h1"]'
check "stored: logged with the client" grep -q '^tlsrpt-lda: stored org="HTTP Org" report_id="h1" .* client=192.0.2.10$' "$tmp/err"

cgi POST application/tlsrpt+gzip "$(size "$tmp/h1.gz")" <"$tmp/h1.gz"
is "duplicate: exit 0" "$?" 0
is_resp "duplicate: 200 response" "Status: 200 OK" -- "duplicate report, already stored"
is "duplicate: stored once" "$(wc -l <"$S/2026-05-18.jsonl")" 1

cgi POST 'application/tlsrpt+json; charset=utf-8' "$(size "$tmp/h2.json")" <"$tmp/h2.json"
is_resp "JSON with a parameter: 201" "Status: 201 Created" -- "report stored"
is "JSON: stored without warnings" "$(jq -c 'select(.report_id == "h2") | .warnings' "$S/2026-05-18.jsonl")" '[]'

# only CONTENT_LENGTH bytes are read: what follows stays unread
report_json "HTTP Org" h3 2026-05-18 example.com 1 | gzip -n >"$tmp/h3.gz"
{ cat "$tmp/h3.gz"; echo "trailing bytes the server never sent"; } >"$tmp/h3.more"
cgi POST application/gzip "$(size "$tmp/h3.gz")" <"$tmp/h3.more"
is_resp "exact length: 201 without reading past CONTENT_LENGTH" "Status: 201 Created" -- "report stored"
is "application/gzip: warned" "$(jq -r 'select(.report_id == "h3") | .warnings[0]' "$S/2026-05-18.jsonl")" \
	"report sent as application/gzip, not application/tlsrpt+gzip or +json"
(
	exec <"$tmp/h3.more"
	cgi POST application/tlsrpt+gzip "$(size "$tmp/h3.gz")"
	cat >"$tmp/rest"
)
is "exact length: the rest of stdin is left unread" "$(cat "$tmp/rest")" "trailing bytes the server never sent"

# a body that is not a report: 400 with the reason, kept in quarantine
printf 'not a report at all' >"$tmp/bad"
cgi POST application/tlsrpt+json 19 <"$tmp/bad"
is "bad body: exit 0" "$?" 0
is_resp "bad body: 400 with the reason" "Status: 400 Bad Request" -- \
	"invalid report: request body is neither gzip nor JSON"
q=$(ls "$S/quarantine/new")
is "bad body: one quarantined file" "$(echo "$q" | wc -l)" 1
is "bad body: quarantine reason names the client" "$(head -n 1 "$S/quarantine/new/$q")" \
	"X-Tlsrpt-Quarantine-Reason: http client 192.0.2.10: request body is neither gzip nor JSON"
check "bad body: the body is kept byte for byte" cmp -s <(tail -n +2 "$S/quarantine/new/$q") "$tmp/bad"
report_json "HTTP Org" h4 2026-05-18 example.com 1 | sed 's/"policies"/"nopolicies"/' >"$tmp/h4.json"
cgi POST application/tlsrpt+json "$(size "$tmp/h4.json")" <"$tmp/h4.json"
is "invalid report: 400" "$(head -n 1 "$tmp/resp")" "Status: 400 Bad Request$CRLF"
is "invalid report: quarantined" "$(ls "$S/quarantine/new" | wc -l)" 2

# a rejected body keeps at most its first 64 KiB in quarantine, so what
# one request adds there is bounded; the reason says it was cut
yes 'garbage' | head -c 4194304 >"$tmp/garbage4m"
rm -rf "$tmp/qs"
S=$tmp/qs cgi POST application/tlsrpt+gzip 4194304 <"$tmp/garbage4m"
is "4 MB of garbage: exit 0" "$?" 0
is_resp "4 MB of garbage: 400 with the reason" "Status: 400 Bad Request" -- \
	"invalid report: request body is neither gzip nor JSON"
q=$(ls "$tmp/qs/quarantine/new")
is "4 MB of garbage: one quarantined file" "$(echo "$q" | wc -l)" 1
reason="http client 192.0.2.10, body cut to its first 65536 of 4194304 bytes: request body is neither gzip nor JSON"
is "4 MB of garbage: the quarantine header says it was cut" "$(head -n 1 "$tmp/qs/quarantine/new/$q")" \
	"X-Tlsrpt-Quarantine-Reason: $reason"
check "4 MB of garbage: the first 65536 bytes are kept" \
	cmp -s <(tail -n +2 "$tmp/qs/quarantine/new/$q") <(head -c 65536 "$tmp/garbage4m")
is "4 MB of garbage: quarantined copy is the header line and 64 KiB" \
	"$(size "$tmp/qs/quarantine/new/$q")" $((${#reason} + 29 + 65536))
check "4 MB of garbage: logged as cut, with the length" \
	grep -qxF "tlsrpt-lda: quarantined reason=\"$reason\" file=quarantine/new/$q" "$tmp/err"
# the edge: 65536 bytes are kept whole, 65537 are cut
for n in 65536 65537; do
	rm -rf "$tmp/qs"
	head -c $n "$tmp/garbage4m" >"$tmp/garbage"
	S=$tmp/qs cgi POST application/tlsrpt+json $n <"$tmp/garbage"
	q=$(ls "$tmp/qs/quarantine/new")
	is "$n bytes of garbage: kept bytes" "$(tail -n +2 "$tmp/qs/quarantine/new/$q" | wc -c)" 65536
	first_line[$n]=$(head -n 1 "$tmp/qs/quarantine/new/$q")
done
is "65536 bytes of garbage: kept whole, not said to be cut" "${first_line[65536]}" \
	"X-Tlsrpt-Quarantine-Reason: http client 192.0.2.10: request body is neither gzip nor JSON"
is "65537 bytes of garbage: the header says it was cut" "${first_line[65537]}" \
	"X-Tlsrpt-Quarantine-Reason: http client 192.0.2.10, body cut to its first 65536 of 65537 bytes: request body is neither gzip nor JSON"

# refused before reading: nothing stored, nothing quarantined
cp "$S/2026-05-18.jsonl" "$tmp/before"
cgi GET "" "" </dev/null
is "GET: exit 0" "$?" 0
is_resp "GET: 405 with Allow" "Status: 405 Method Not Allowed" "Allow: POST" -- \
	"method not allowed: reports are sent with POST"
cgi PUT application/tlsrpt+gzip "$(size "$tmp/h1.gz")" <"$tmp/h1.gz"
is "PUT: 405" "$(head -n 1 "$tmp/resp")" "Status: 405 Method Not Allowed$CRLF"
cgi POST text/plain 19 <"$tmp/bad"
is_resp "wrong type: 415" "Status: 415 Unsupported Media Type" -- \
	"unsupported media type: send application/tlsrpt+gzip or application/tlsrpt+json"
cgi POST "" 19 <"$tmp/bad"
is "no type: 415" "$(head -n 1 "$tmp/resp")" "Status: 415 Unsupported Media Type$CRLF"
cgi POST application/tlsrpt+gzip "" <"$tmp/h1.gz"
is_resp "no length: 411" "Status: 411 Length Required" -- "length required: no Content-Length"
cgi POST application/tlsrpt+gzip 12abc <"$tmp/h1.gz"
is_resp "bad length: 400" "Status: 400 Bad Request" -- "bad request: invalid Content-Length"
cgi POST application/tlsrpt+gzip 101 --max-message 100 <"$tmp/h1.gz"
is "too large: exit 0" "$?" 0
is_resp "too large: 413 names the limit" "Status: 413 Content Too Large" -- "request too large: limit 100 bytes"
check "too large: logged" grep -q '^tlsrpt-lda: http 413 client=192.0.2.10 reason="request too large: limit 100 bytes"' "$tmp/err"
cgi POST application/tlsrpt+gzip 10000 <"$tmp/h1.gz"
is_resp "short body: 400, not quarantined" "Status: 400 Bad Request" -- \
	"bad request: request body shorter than CONTENT_LENGTH ($(size "$tmp/h1.gz") of 10000 bytes)"
is "refusals: spool unchanged" "$(cmp "$tmp/before" "$S/2026-05-18.jsonl" && echo same)" same
is "refusals: nothing more quarantined" "$(ls "$S/quarantine/new" | wc -l)" 2

# a query string the server may have turned into our argv is refused
QUERY_STRING='--spool+/tmp' GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST \
	CONTENT_TYPE=application/tlsrpt+gzip CONTENT_LENGTH=$(size "$tmp/h1.gz") \
	"$LDA" --cgi --spool "$tmp/elsewhere" --log stderr <"$tmp/h1.gz" >"$tmp/resp" 2>/dev/null
is "argv-shaped query string: exit 0" "$?" 0
is_resp "argv-shaped query string: 400" "Status: 400 Bad Request" -- "bad request: query string not accepted"
check "argv-shaped query string: no spool created" test ! -e "$tmp/elsewhere"

# transient failures: 503 with Retry-After, exit 0, nothing written
report_json "HTTP Org" h5 2026-05-18 example.com 2 | gzip -n >"$tmp/h5.gz"
touch "$tmp/notadir"
S=$tmp/notadir/spool cgi POST application/tlsrpt+gzip "$(size "$tmp/h5.gz")" <"$tmp/h5.gz"
is "spool cannot be opened: exit 0" "$?" 0
is_resp "spool cannot be opened: 503" "Status: 503 Service Unavailable" "Retry-After: 3600" -- \
	"temporary failure, retry later"
check "spool cannot be opened: reason logged" grep -q '^tlsrpt-lda: deferred reason="spool .* client=192.0.2.10$' "$tmp/err"

mkdir -p "$tmp/ro" && cp -a "$S/." "$tmp/ro/" && chmod -R a+rX,a-w "$tmp/ro"
if unprivileged "$tmp"; then
	as_user env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST REMOTE_ADDR=192.0.2.10 \
		CONTENT_TYPE=application/tlsrpt+gzip CONTENT_LENGTH="$(size "$tmp/h5.gz")" \
		"$lda_user" --cgi --spool "$tmp/ro" --log stderr <"$tmp/h5.gz" >"$tmp/resp" 2>"$tmp/err"
	is "spool unwritable: exit 0" "$?" 0
	is_resp "spool unwritable: 503" "Status: 503 Service Unavailable" "Retry-After: 3600" -- \
		"temporary failure, retry later"
	check "spool unwritable: daily file unchanged" cmp -s "$S/2026-05-18.jsonl" "$tmp/ro/2026-05-18.jsonl"
	as_user env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST REMOTE_ADDR=192.0.2.10 \
		CONTENT_TYPE=application/tlsrpt+json CONTENT_LENGTH=19 \
		"$lda_user" --cgi --spool "$tmp/ro" --log stderr <"$tmp/bad" >"$tmp/resp" 2>"$tmp/err"
	is "bad body, quarantine unwritable: 503 (the sender retries)" "$(head -n 1 "$tmp/resp")" \
		"Status: 503 Service Unavailable$CRLF"
else
	for d in "spool unwritable: exit 0" "spool unwritable: 503" \
		"spool unwritable: daily file unchanged" \
		"bad body, quarantine unwritable: 503 (the sender retries)"; do
		skip "$d" "$unprivileged_why"
	done
fi
chmod -R u+w "$tmp/ro"

# a bad command line under a web server is a 503 (the operator's fault), exit 0
cgi POST application/tlsrpt+gzip "$(size "$tmp/h5.gz")" --stdout <"$tmp/h5.gz"
is "--stdout under CGI: exit 0" "$?" 0
is "--stdout under CGI: 503" "$(head -n 1 "$tmp/resp")" "Status: 503 Service Unavailable$CRLF"
"$LDA" --cgi --stdout </dev/null >/dev/null 2>&1
is "--cgi --stdout: a 503 response, exit 0" "$?" 0

# --cgi without GATEWAY_INTERFACE
env -u GATEWAY_INTERFACE REQUEST_METHOD=POST CONTENT_TYPE=application/tlsrpt+gzip \
	CONTENT_LENGTH="$(size "$tmp/h5.gz")" REMOTE_ADDR=2001:db8::5 \
	"$LDA" --cgi --spool "$S" --log stderr <"$tmp/h5.gz" >"$tmp/resp" 2>/dev/null
is_resp "--cgi: 201" "Status: 201 Created" -- "report stored"
is "--cgi: IPv6 client address" "$(jq -r 'select(.report_id == "h5") | .client_ip' "$S/2026-05-18.jsonl")" 2001:db8::5

# without --cgi the environment makes no web endpoint: stdin is a mail
M=$tmp/mailspool
web_env=(GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST REMOTE_ADDR=192.0.2.10
	SERVER_PROTOCOL=HTTP/1.1 SCRIPT_NAME=/v1/tlsrpt)
report_eml "HTTP Org" m1 2026-05-18 example.com 1 >"$tmp/m1.eml"
env "${web_env[@]}" CONTENT_TYPE=message/rfc822 CONTENT_LENGTH="$(size "$tmp/m1.eml")" \
	"$LDA" --spool "$M" --log stderr <"$tmp/m1.eml" >"$tmp/resp" 2>"$tmp/err"
is "GATEWAY_INTERFACE without --cgi: exit 0" "$?" 0
is "GATEWAY_INTERFACE without --cgi: no HTTP response" "$(wc -c <"$tmp/resp")" 0
is "GATEWAY_INTERFACE without --cgi: stored as mail, no client address" \
	"$(jq -c '[.source, .client_ip, .report_id]' "$M/2026-05-18.jsonl")" '["mail",null,"m1"]'
env "${web_env[@]}" CONTENT_TYPE=application/tlsrpt+gzip CONTENT_LENGTH="$(size "$tmp/h1.gz")" \
	"$LDA" --spool "$M" --log stderr <"$tmp/h1.gz" >"$tmp/resp" 2>"$tmp/err"
is "a POSTed report without --cgi: exit 0" "$?" 0
is "a POSTed report without --cgi: no HTTP response" "$(wc -c <"$tmp/resp")" 0
is "a POSTed report without --cgi: read as mail is (a bare report is one)" \
	"$(jq -c 'select(.report_id == "h1") | [.source, .client_ip]' "$M/2026-05-18.jsonl")" '["mail",null]'
# a query string that may be our argv is refused without --cgi too: a
# client must not choose a delivery agent's options (here --expire)
cp -a "$M" "$tmp/mailspool.before"
env "${web_env[@]}" QUERY_STRING='--expire+1' "$LDA" --expire 1 --spool "$M" --log stderr \
	</dev/null >"$tmp/resp" 2>"$tmp/err"
is "argv-shaped query string without --cgi: exit 64" "$?" 64
is "argv-shaped query string without --cgi: the reason, no HTTP response" "$(cat "$tmp/err")$(cat "$tmp/resp")" \
	"tlsrpt-lda: the command line may be a web client's query string (GATEWAY_INTERFACE and QUERY_STRING are set); refused"
check "argv-shaped query string without --cgi: spool unchanged" diff -r "$tmp/mailspool.before" "$M"
done_testing
