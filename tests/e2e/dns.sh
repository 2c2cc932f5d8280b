#!/bin/bash
# End to end: tlsrpt-check-dns against a real DNS server, Debian's
# dnsmasq (dnsmasq-base: the binary only, no service), started here on
# 127.0.0.1 on a port of 10200-10299 with its own configuration and no
# upstream (--no-resolv --no-hosts, local=/test/: names it has no data
# for are NXDOMAIN), stopped by its pid at exit.  One zone per finding:
# a good domain, two TLS-RPT records, none, a broken record, another
# version, a multi-string record, a rua whose domain does not exist, no
# MTA-STS, DANE instead of MTA-STS, and an MX moved away from what the
# spool's latest enforce policy lists; then a server that does not
# answer (a second dnsmasq, stopped with SIGSTOP) and one that refuses.
# The host's resolver configuration is never touched: every run uses
# --server.
. "$(dirname "$0")/lib.sh"

[ "${TLSRPT_E2E:-}" = 1 ] || skip_all "end-to-end test: installs and runs dnsmasq; set TLSRPT_E2E=1 to run it"
e2e_require_root dnsmasq-base
CHECK=${CHECK_DNS:-$top_builddir/tlsrpt-check-dns}
[ -x "$CHECK" ] || { echo "Bail out! no tlsrpt-check-dns at $CHECK"; exit 1; }
tmp=$(mktemp -d /tmp/tlsrpt-e2e.XXXXXX)
chmod 0755 "$tmp"
dns_pids=()
stop_dns() {
	local p
	for p in "${dns_pids[@]}"; do
		kill -CONT "$p" 2>/dev/null
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	dns_pids=()
}
trap 'stop_dns; rm -rf "$tmp"' EXIT

e2e_install dnsmasq-base
command -v dnsmasq >/dev/null || skip_all "dnsmasq-base installed no dnsmasq binary"

cat >"$tmp/zones.conf" <<'EOF'
local=/test/
# good: TLS-RPT with a mailto: and an https: rua, MTA-STS, an MX
txt-record=_smtp._tls.good.test,"v=TLSRPTv1; rua=mailto:tlsrpt@good.test,https://reports.good.test/v1/tlsrpt"
txt-record=_mta-sts.good.test,"v=STSv1; id=2026051901"
mx-host=good.test,mx1.good.test,10
host-record=mx1.good.test,192.0.2.10
# two records beginning v=TLSRPTv1
txt-record=_smtp._tls.two.test,"v=TLSRPTv1; rua=mailto:tlsrpt@good.test"
txt-record=_smtp._tls.two.test,"v=TLSRPTv1; rua=mailto:other@good.test"
txt-record=_mta-sts.two.test,"v=STSv1; id=1"
mx-host=two.test,mx1.good.test,10
# none: no TLS-RPT record at all
txt-record=_mta-sts.none.test,"v=STSv1; id=1"
mx-host=none.test,mx1.good.test,10
# broken: no ";" after the version
txt-record=_smtp._tls.broken.test,"v=TLSRPTv1 rua=mailto:tlsrpt@good.test"
txt-record=_mta-sts.broken.test,"v=STSv1; id=1"
mx-host=broken.test,mx1.good.test,10
# another version string, which senders skip; and an SPF-like neighbour
txt-record=_smtp._tls.otherver.test,"v=TLSRPTv2; rua=mailto:tlsrpt@good.test"
txt-record=_mta-sts.otherver.test,"v=STSv1; id=1"
mx-host=otherver.test,mx1.good.test,10
# a record in three strings, concatenated
txt-record=_smtp._tls.multi.test,"v=TLSRPTv1;","rua=mailto:tlsrpt","@good.test"
txt-record=_mta-sts.multi.test,"v=STSv1; id=1"
mx-host=multi.test,mx1.good.test,10
# a rua whose domain does not exist
txt-record=_smtp._tls.badrua.test,"v=TLSRPTv1; rua=mailto:tlsrpt@nowhere.test"
txt-record=_mta-sts.badrua.test,"v=STSv1; id=1"
mx-host=badrua.test,mx1.good.test,10
# no MTA-STS, no TLSA
txt-record=_smtp._tls.nosts.test,"v=TLSRPTv1; rua=mailto:tlsrpt@good.test"
mx-host=nosts.test,mx.nosts.test,10
host-record=mx.nosts.test,192.0.2.20
# no MTA-STS, but TLSA (DANE) on its MX
txt-record=_smtp._tls.dane.test,"v=TLSRPTv1; rua=mailto:tlsrpt@good.test"
mx-host=dane.test,mx.dane.test,10
host-record=mx.dane.test,192.0.2.30
dns-rr=_25._tcp.mx.dane.test,52,0301015c1e3a2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7
# moved: the spool's latest enforce policy lists mx1 and mx2; DNS has mx1 and mx3
txt-record=_smtp._tls.moved.test,"v=TLSRPTv1; rua=mailto:tlsrpt@good.test"
txt-record=_mta-sts.moved.test,"v=STSv1; id=2026052001"
mx-host=moved.test,mx1.moved.test,10
mx-host=moved.test,mx3.moved.test,20
# lda: a spool written by tlsrpt-lda from a report whose policy lists
# mx.lda.test only; DNS has a second MX
txt-record=_smtp._tls.lda.test,"v=TLSRPTv1; rua=mailto:tlsrpt@good.test"
txt-record=_mta-sts.lda.test,"v=STSv1; id=1"
mx-host=lda.test,mx.lda.test,10
mx-host=lda.test,mx2.lda.test,20
EOF

# start_dns CONF: dnsmasq on the first free port from 10253; sets PORT
start_dns() {
	local conf=$1 port pid i
	for port in $(seq 10253 10299); do
		: >"$tmp/dnsmasq-$port.log"
		dnsmasq --keep-in-foreground --conf-file="$conf" --no-resolv --no-hosts \
			--listen-address=127.0.0.1 --bind-interfaces --port="$port" \
			--pid-file="$tmp/dnsmasq-$port.pid" --log-facility="$tmp/dnsmasq-$port.log" \
			2>>"$tmp/dnsmasq-$port.log" &
		pid=$!
		for ((i = 0; i < 50; i++)); do
			grep -q 'started, version' "$tmp/dnsmasq-$port.log" 2>/dev/null && break
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null && grep -q 'started, version' "$tmp/dnsmasq-$port.log"; then
			dns_pids+=("$pid")
			PORT=$port
			DNS_PID=$pid
			return 0
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	echo "Bail out! dnsmasq does not start on any port of 10253-10299: $(tail -n 3 "$tmp"/dnsmasq-*.log)"
	exit 1
}
start_dns "$tmp/zones.conf"
S="127.0.0.1:$PORT"

# run DOMAIN... [options before]: output in $tmp/out, exit code in $rc
run() {
	"$CHECK" --server "$S" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}
# has DESCRIPTION LINE: the output holds exactly that line
has() {
	if grep -qxF -- "$2" "$tmp/out"; then ok "$1"; else
		not_ok "$1"; echo "#   wanted the line: $2"; sed 's/^/#   out: /' "$tmp/out"; fi
}
has_re() {
	if grep -qxE -- "$2" "$tmp/out"; then ok "$1"; else
		not_ok "$1"; echo "#   wanted a line: $2"; sed 's/^/#   out: /' "$tmp/out"; fi
}
lacks() {
	if grep -qE -- "$2" "$tmp/out"; then
		not_ok "$1"; sed 's/^/#   out: /' "$tmp/out"; else ok "$1"; fi
}

run good.test
is "good: exit 0" "$rc" 0
has "good: status line" "TLSRPT DNS OK - 1 domain: 0 critical, 0 warning, 0 unknown"
has "good: the record" 'OK good.test: TLS-RPT record at _smtp._tls.good.test: "v=TLSRPTv1; rua=mailto:tlsrpt@good.test,https://reports.good.test/v1/tlsrpt"'
has "good: the mailto: rua's domain receives mail" "OK good.test: rua mailto:tlsrpt@good.test: good.test has MX mx1.good.test"
has "good: the https: rua with its curl command" "OK good.test: rua https://reports.good.test/v1/tlsrpt: reports are POSTed there; test it with: curl -sS -o /dev/null -w '%{http_code}\\n' -X POST -H 'Content-Type: application/tlsrpt+json' --data-binary '{}' 'https://reports.good.test/v1/tlsrpt'"
has "good: MTA-STS record" "OK good.test: MTA-STS record at _mta-sts.good.test: id=2026051901"
has "good: the policy file as a curl command" "OK good.test: MTA-STS policy file: check it with: curl -sS https://mta-sts.good.test/.well-known/mta-sts.txt"
has "good: no TLSA on its MX (information)" "OK good.test: MX mx1.good.test has no TLSA records at _25._tcp.mx1.good.test (no DANE)"
is "good: nothing on stderr" "$(cat "$tmp/err")" ""

run two.test
is "two records: exit 2" "$rc" 2
has "two records: critical" "CRITICAL two.test: 2 TXT records at _smtp._tls.two.test begin with v=TLSRPTv1: senders send no reports (RFC 8460 section 3); fix: delete all but one"

run none.test
is "none: exit 2" "$rc" 2
has "none: critical with the record to publish" 'CRITICAL none.test: no TLS-RPT record at _smtp._tls.none.test: senders send no reports; fix: publish _smtp._tls.none.test TXT "v=TLSRPTv1; rua=mailto:tlsrpt@none.test"'

run broken.test
is "broken: exit 2" "$rc" 2
has "broken: unusable, with why" 'CRITICAL broken.test: TLS-RPT record "v=TLSRPTv1 rua=mailto:tlsrpt@good.test" at _smtp._tls.broken.test is unusable: it "rua=mailto:tlsrpt@go" where ";" should follow; senders send no reports; fix: publish _smtp._tls.broken.test TXT "v=TLSRPTv1; rua=mailto:tlsrpt@broken.test"'

run otherver.test
is "another version: exit 2" "$rc" 2
has "another version: critical, the record shown" 'CRITICAL otherver.test: no TLS-RPT record at _smtp._tls.otherver.test (no TXT record there begins with v=TLSRPTv1; found "v=TLSRPTv2; rua=mailto:tlsrpt@good.test"): senders send no reports; fix: publish _smtp._tls.otherver.test TXT "v=TLSRPTv1; rua=mailto:tlsrpt@otherver.test"'

run multi.test
is "multi-string record: exit 0" "$rc" 0
has "multi-string record: the strings concatenated" 'OK multi.test: TLS-RPT record at _smtp._tls.multi.test: "v=TLSRPTv1;rua=mailto:tlsrpt@good.test"'

run badrua.test
is "rua domain missing: exit 2" "$rc" 2
has "rua domain missing: critical" "CRITICAL badrua.test: rua mailto:tlsrpt@nowhere.test: domain nowhere.test does not exist: no report arrives; fix: correct the address in _smtp._tls.badrua.test"

run nosts.test
is "no MTA-STS: exit 1" "$rc" 1
has "no MTA-STS: warning" 'WARNING nosts.test: no MTA-STS record at _mta-sts.nosts.test and no TLSA record on any MX: senders use TLS only when offered and reports cover that only; fix: publish an MTA-STS policy (RFC 8461: _mta-sts.nosts.test TXT "v=STSv1; id=YYYYMMDDNN" and https://mta-sts.nosts.test/.well-known/mta-sts.txt) or DNSSEC-signed TLSA records (RFC 7672)'
lacks "no MTA-STS: no curl line for a policy file that is not announced" "mta-sts.txt$"

run dane.test
is "DANE without MTA-STS: exit 0" "$rc" 0
has "DANE: TLSA on the MX, no AD bit from dnsmasq" "OK dane.test: MX mx.dane.test has 1 TLSA record at _25._tcp.mx.dane.test (DANE; no AD bit: the resolver did not validate them with DNSSEC)"

# The spools of two MX hosts: host A's latest report (2026-05-19) lists
# mx1 and mx2 under enforce; an older one (A, 2026-05-16) and host B's
# (2026-05-17) listed mx1 and mx3, which DNS has now.
install -d "$tmp/spoolA" "$tmp/spoolB"
rec() {
	printf '{"organization_name":"Org","contact_info":null,"report_id":"%s","begin_date":"%sT00:00:00Z","end_date":"%sT23:59:59Z","policy_domain":"%s","policy_type":"sts","policy_strings":["version: STSv1","mode: %s","mx: %s","mx: %s","max_age: 86400"],"mx_host_patterns":["%s","%s"],"successful_session_count":10,"failed_session_count":0,"failure_details":[],"received_at":"%sT06:00:00Z"}\n' \
		"$1" "$2" "$2" "$3" "$4" "$5" "$6" "$5" "$6" "$7"
}
rec old 2026-05-16 moved.test enforce mx1.moved.test mx3.moved.test 2026-05-17 >"$tmp/spoolA/2026-05-17.jsonl"
{
	rec latest 2026-05-19 moved.test enforce mx1.moved.test mx2.moved.test 2026-05-20
	echo 'not json, but moved.test'
	rec tlsa 2026-05-19 moved.test enforce x.moved.test y.moved.test 2026-05-20 | sed 's/"sts"/"tlsa"/'
} >"$tmp/spoolA/2026-05-20.jsonl"
rec hostb 2026-05-17 moved.test enforce mx1.moved.test mx3.moved.test 2026-05-18 >"$tmp/spoolB/2026-05-18.jsonl"
where="latest report, begin_date 2026-05-19T00:00:00Z, in $tmp/spoolA/2026-05-20.jsonl"

run --spool "$tmp/spoolB" --spool "$tmp/spoolA" moved.test
is "MX moved away: exit 2" "$rc" 2
has "MX moved away: critical naming mx3" "CRITICAL moved.test: MX mx3.moved.test matches no mx: pattern of the enforce policy ($where): senders that enforce your policy refuse mail to mx3.moved.test; fix: add \"mx: mx3.moved.test\" to https://mta-sts.moved.test/.well-known/mta-sts.txt and change id= in _mta-sts.moved.test"
has "MX moved away: the stale pattern a warning" "WARNING moved.test: policy pattern mx2.moved.test matches no MX now (stale policy, mode enforce, $where); fix: remove \"mx: mx2.moved.test\" from https://mta-sts.moved.test/.well-known/mta-sts.txt and change id= in _mta-sts.moved.test"
has "MX moved away: status line" "TLSRPT DNS CRITICAL - 1 domain: 1 critical, 1 warning, 0 unknown"

run --spool "$tmp/spoolB" moved.test
is "older policy that lists the MX hosts now: exit 0" "$rc" 0
has "older policy: all match" "OK moved.test: all 2 MX hosts match the policy (mode enforce, latest report, begin_date 2026-05-17T00:00:00Z, in $tmp/spoolB/2026-05-18.jsonl)"

# a spool as tlsrpt-lda writes it (report_eml: policy "mx: mx.lda.test", mode enforce)
install -d "$tmp/spoolL"
report_eml "Example Org" lda-1 2026-05-18 lda.test 0 | "$LDA" --spool "$tmp/spoolL"
is "tlsrpt-lda stored the report" "$?" 0
set -- "$tmp"/spoolL/*.jsonl
run --spool "$tmp/spoolL" lda.test
is "spool of tlsrpt-lda, an MX not in the policy: exit 2" "$rc" 2
has "spool of tlsrpt-lda: critical naming mx2.lda.test" "CRITICAL lda.test: MX mx2.lda.test matches no mx: pattern of the enforce policy (latest report, begin_date 2026-05-18T00:00:00Z, in $1): senders that enforce your policy refuse mail to mx2.lda.test; fix: add \"mx: mx2.lda.test\" to https://mta-sts.lda.test/.well-known/mta-sts.txt and change id= in _mta-sts.lda.test"
lacks "spool of tlsrpt-lda: mx.lda.test is listed" "^(CRITICAL|WARNING) lda.test: (MX|policy pattern) mx\\.lda"

run --spool "$tmp/spoolA" good.test
is "no report of the domain in the spool: exit 0" "$rc" 0
has "no report of the domain: said" "OK good.test: no report in the spool shows an MTA-STS policy of good.test"

run --spool "$tmp/nonexistent" good.test
is "spool missing: exit 3" "$rc" 3

run good.test nosts.test two.test
is "several domains: the worst, 2" "$rc" 2
has "several domains: status line" "TLSRPT DNS CRITICAL - 3 domains: 1 critical, 1 warning, 0 unknown"

run --format json good.test nosts.test
is "json: exit 1" "$rc" 1
is "json: status and per-domain status" \
	"$(jq -r '[.status, .exit_code, (.domains[] | .domain + "=" + .status)] | join(" ")' "$tmp/out")" \
	"WARNING 1 good.test=OK nosts.test=WARNING"
is "json: the same findings as text" \
	"$(jq -r '.domains[] | .domain as $d | .findings[] | "\(.severity) \($d): \(.text)"' "$tmp/out")" \
	"$("$CHECK" --server "$S" good.test nosts.test | tail -n +2)"

run --server 127.0.0.1:0 good.test
is "bad port: exit 3" "$rc" 3

# A server that does not answer: a second dnsmasq, stopped.
start_dns "$tmp/zones.conf"
kill -STOP "$DNS_PID"
t0=$(date +%s%N)
"$CHECK" --server "127.0.0.1:$PORT" good.test nosts.test >"$tmp/out" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
kill -CONT "$DNS_PID"
is "dead server: exit 3" "$rc" 3
check "dead server: done within 10 s (took ${ms} ms)" [ "$ms" -lt 10000 ]
has_re "dead server: the first query says so" "UNKNOWN good\\.test: cannot look up the TLS-RPT record: _smtp\\._tls\\.good\\.test: no answer from 127\\.0\\.0\\.1:$PORT \\(waited [0-9] s\\); fix: check that the DNS server answers"
lacks "dead server: nothing but UNKNOWN findings" "^(OK|WARNING|CRITICAL) "
echo "# dead server: ${ms} ms"

# Nothing listens: refused at once.
t0=$(date +%s%N)
"$CHECK" --server "127.0.0.1:10299" good.test >"$tmp/out" 2>&1
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
is "refused: exit 3" "$rc" 3
check "refused: done within 10 s (took ${ms} ms)" [ "$ms" -lt 10000 ]

done_testing
