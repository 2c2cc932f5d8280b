#!/bin/bash
# Shipping spools with rsyslog (Debian's rsyslog and rsyslog-relp): two
# private rsyslogd instances on loopback run contrib/rsyslog/tlsrpt-ship.conf
# (the MX host: imfile on its spool, RELP out through a disk queue) and
# contrib/rsyslog/tlsrpt-collect.conf (the collector: RELP in, daily
# files by begin_date), as shipped but for paths and the port, each with
# its own config, work directory and pid file.  Reports are delivered into
# the sender's spool with tlsrpt-lda; the collector's spool must become
# byte-identical to it, also across a collector outage and a sender
# restart (nothing lost, nothing doubled), with records of 2 MB, U+007F
# and non-ASCII text, and lines that are not records must be set aside.
. "$(dirname "$0")/lib.sh"
: "${SUMMARY:=$top_builddir/tlsrpt-summary}"

e2e_require_root rsyslog
e2e_tmpdir
trap 'rs_stop collect; rs_stop ship; rm -rf "$tmp"' EXIT
e2e_install rsyslog rsyslog-relp
command -v rsyslogd >/dev/null || skip_all "rsyslogd not found after installing rsyslog"
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/omrelp.so ] || [ -n "$(find /usr/lib -name omrelp.so 2>/dev/null)" ] ||
	skip_all "rsyslog-relp installed but omrelp.so not found"

skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"; }

S=$tmp/spool      # the MX host's spool, written by tlsrpt-lda
C=$tmp/central    # the collector's spool, written by rsyslog
install -d -m 0750 "$S" "$C"
install -d -m 0700 "$tmp/ship" "$tmp/collect"

# a free loopback port for RELP
port=$(e2e_free_port) || { echo "Bail out! no free port in 10025-10099"; exit 1; }

# The configurations as shipped, but for the paths, the port and the
# collector's address; plus, for the test only, the instance's own
# messages into a file (a real one sends them to the system log).
rs_conf() {
	local role=$1 out=$tmp/$1.conf
	case $role in
	ship) sed -e "s|/var/spool/tlsrpt/|$S/|g" -e "s|/var/lib/tlsrpt-ship|$tmp/ship|g" \
		-e "s|collector\.example\.com|127.0.0.1|" -e "s|port=\"2514\"|port=\"$port\"|" \
		"$top_srcdir/contrib/rsyslog/tlsrpt-ship.conf" >"$out" ;;
	collect) sed -e "s|/var/spool/tlsrpt-central|$C|g" -e "s|/var/lib/tlsrpt-collect|$tmp/collect|g" \
		-e "s|address=\"0\.0\.0\.0\"|address=\"127.0.0.1\"|" -e "s|port=\"2514\"|port=\"$port\"|" \
		"$top_srcdir/contrib/rsyslog/tlsrpt-collect.conf" >"$out" ;;
	esac
	printf 'global(processInternalMessages="on")\nsyslog.* action(type="omfile" file="%s")\n' \
		"$tmp/$role/rsyslogd.log" >>"$out"
}
rs_start() {
	rm -f "$tmp/$1.pid"
	rsyslogd -f "$tmp/$1.conf" -i "$tmp/$1.pid" 2>>"$tmp/$1.stderr" || return 1
	for ((i = 0; i < 50; i++)); do
		[ -s "$tmp/$1.pid" ] && return 0
		sleep 0.1
	done
	return 1
}
# rs_stop ROLE: TERM the instance of that pid file and wait for it to exit
rs_stop() {
	local pid
	pid=$(cat "$tmp/$1.pid" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || { rm -f "$tmp/$1.pid"; return 0; }
		sleep 0.1
	done
	echo "# $1 (pid $pid) did not stop in 30 s"
	return 1
}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

# same_spool A B: the same daily files with the same bytes
same_spool() {
	local f
	[ "$(cd "$1" && ls -- *.jsonl 2>/dev/null)" = "$(cd "$2" && ls -- *.jsonl 2>/dev/null)" ] || return 1
	for f in "$1"/*.jsonl; do
		[ -e "$f" ] || continue
		cmp -s "$f" "$2/${f##*/}" || return 1
	done
}
# wait_same SECONDS: until the collector's spool equals the sender's
wait_same() {
	for ((i = 0; i < $1 * 5; i++)); do
		same_spool "$S" "$C" && return 0
		sleep 0.2
	done
	echo "# collector spool differs after $1 s:"
	diff <(cd "$S" && wc -c -- *.jsonl) <(cd "$C" && wc -c -- *.jsonl 2>/dev/null) | sed 's/^/#   /'
	return 1
}
lines() { cat "$1"/*.jsonl 2>/dev/null | wc -l; }

n=0
deliver() { # deliver ORG DAY DOMAIN FAILED: one generated report
	n=$((n + 1))
	report_eml "$1" "ship-$n" "$2" "$3" "$4" | "$LDA" --spool "$S" --log stderr --quiet
}

rs_conf ship
rs_conf collect
check "rsyslogd accepts both configurations (-N1)" \
	sh -c "rsyslogd -N1 -f '$tmp/ship.conf' >'$tmp/n1.log' 2>&1 && rsyslogd -N1 -f '$tmp/collect.conf' >>'$tmp/n1.log' 2>&1"

# a spool with history before the sender first starts: shipped from the start
for f in "$top_srcdir"/examples/*.eml; do
	"$LDA" --spool "$S" --log stderr --quiet <"$f"
done
deliver "Example Org" 2026-05-18 example.com 3

rs_start collect && rs_start ship
check "collector and sender started ($(rsyslogd -v | sed -n '1s/ (.*//p'), RELP on 127.0.0.1:$port)" \
	sh -c "[ -s '$tmp/ship.pid' ] && [ -s '$tmp/collect.pid' ]"
for ((i = 0; i < 50; i++)); do listening && break; sleep 0.1; done
check "existing spool shipped: collector spool byte-identical" wait_same 30

# records that are easy to damage on the way
deliver "$(printf 'Soci\303\251t\303\251 \\"Quote\\" \\\\ DEL\177 \360\237\231\202')" 2026-05-17 example.net 2
awk 'BEGIN {
	printf "{\"organization-name\":\"Big Org\",\"report-id\":\"big-1\",\"contact-info\":\"a@b.example\",";
	printf "\"date-range\":{\"start-datetime\":\"2026-05-16T00:00:00Z\",\"end-datetime\":\"2026-05-16T23:59:59Z\"},";
	printf "\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"version: STSv1\",\"mode: enforce\"],";
	printf "\"policy-domain\":\"example.com\",\"mx-host\":[\"mx.example.com\"]},";
	printf "\"summary\":{\"total-successful-session-count\":1,\"total-failure-session-count\":5000},\"failure-details\":[";
	for (i = 0; i < 5000; i++)
		printf "%s{\"result-type\":\"certificate-expired\",\"sending-mta-ip\":\"192.0.2.%d\",\"receiving-mx-hostname\":\"mx%d.example.com\",\"failed-session-count\":1,\"failure-reason-code\":\"%0300d\"}", (i ? "," : ""), i % 250, i, i;
	printf "]}]}\n" }' >"$tmp/big.json"
"$LDA" --spool "$S" --log stderr --quiet --file "$tmp/big.json"
is "a 2 MB record is in the sender spool" "$(($(wc -c <"$S/2026-05-16.jsonl") > 2000000))" 1
check "UTF-8, U+007F, quotes, a 2 MB line: shipped byte for byte" wait_same 30

# the collector goes away; the MX host keeps receiving reports
before=$(lines "$C")
rs_stop collect
check "collector stopped" sh -c "! [ -e '$tmp/collect.pid' ]"
deliver "Example Org" 2026-05-18 example.com 5
deliver "Other Org" 2026-05-19 example.com 0
deliver "Other Org" 2026-05-20 example.org 7
sleep 2
is "while the collector is down nothing arrives" "$(lines "$C")" "$before"
check "the sender's disk queue holds the lines" sh -c "ls '$tmp/ship' | grep -q '^tlsrpt-ship\\.0'"
rs_start collect
check "collector back: every line arrives once, none lost (byte-identical)" wait_same 60

# the sender restarts; reports arrive while it is down
rs_stop ship
check "sender stopped" sh -c "! [ -e '$tmp/ship.pid' ]"
deliver "Example Org" 2026-05-20 example.com 1
deliver "Third Org" 2026-05-21 example.net 4
rs_start ship
check "sender restarted: state files resume each file where it stopped (byte-identical)" wait_same 30
is "every record is in the collector spool once" \
	"$(cat "$C"/*.jsonl | sort | uniq -d | wc -l) $(lines "$C")" "0 $(lines "$S")"

if [ -x "$SUMMARY" ]; then
	sum() { "$SUMMARY" --spool "$1" --since 2026-05-01 --until 2026-05-31 --format json | jq -S 'del(.window.spool)'; }
	check "tlsrpt-summary --format json: collector spool reads as the sender's" \
		cmp -s <(sum "$S") <(sum "$C")
else
	skip "no tlsrpt-summary at $SUMMARY"
fi

# What is not a record never reaches a daily file.  The first
# "begin_date":"... of a line decides the day; a look-alike inside a string
# (its quotes escaped) does not.  Lines appended by hand to the sender's
# spool, as a stand-in for any sender.
printf '%s\n' '{"organization_name":"x\"begin_date\":\"1999-01-01T","report_id":"fake","begin_date":"2031-01-02T00:00:00Z"}' \
	'{"not":"a record"}' '{"begin_date":"../../etc/x"}' >>"$S/2031-01-02.jsonl"
for ((i = 0; i < 100; i++)); do
	[ -e "$C/2031-01-02.jsonl" ] && [ "$(cat "$C/rejected.log" 2>/dev/null | wc -l)" -ge 2 ] && break
	sleep 0.2
done
is "a record goes to the day of its own begin_date" "$(cat "$C/2031-01-02.jsonl" 2>/dev/null)" "$(head -n 1 "$S/2031-01-02.jsonl")"
is "lines that are not records go to rejected.log" "$(grep -c '"not":"a record"\|etc/x' "$C/rejected.log" 2>/dev/null)" 2
is "no other file was created" "$(cd "$C" && ls | grep -v '^20[0-9-]*\.jsonl$' | tr '\n' ' ')" "rejected.log "

# Known limit (rsyslog issues #3820, #2610): a sender restarted while the
# collector is down drops the line librelp had sent into the dead
# connection and repeats the one being retried.  Reported here, not
# asserted; the MX host's spool keeps every line (see contrib/rsyslog).
# A marker delivered after the restart comes last (one queue, one RELP
# session, in order): once it is there, everything before it is.
rs_stop collect
deliver "Late Org" 2026-05-22 example.com 1
deliver "Late Org" 2026-05-23 example.com 2
deliver "Late Org" 2026-05-24 example.com 3
sleep 1
rs_stop ship
rs_start collect
rs_start ship
deliver "Late Org" 2026-05-25 example.com 0
for ((i = 0; i < 150; i++)); do
	[ -s "$C/2026-05-25.jsonl" ] && break
	sleep 0.2
done
is "after both restarts the marker arrives" "$(cat "$C/2026-05-25.jsonl" 2>/dev/null)" "$(cat "$S/2026-05-25.jsonl")"
got=$(cat "$C"/2026-05-2[234].jsonl 2>/dev/null | sort)
want=$(cat "$S"/2026-05-2[234].jsonl | sort)
echo "# sender restarted during an outage: of 3 lines $(comm -23 <(echo "$want") <(echo "$got" | sort -u) | grep -c .) lost," \
	"$(echo "$got" | uniq -d | grep -c .) doubled"
only_sent() { [ -z "$(comm -13 <(cat "$S"/*.jsonl | sort -u) <(cat "$C"/2*.jsonl | sort -u))" ]; }
check "even then the collector holds only lines of the sender's spool" only_sent

rs_stop collect && rs_stop ship
check "both instances stopped (pid files gone)" sh -c "! ls '$tmp'/*.pid >/dev/null 2>&1"
check "nothing listens on the RELP port any more" sh -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
if [ "$tap_fail" -ne 0 ]; then
	for f in "$tmp"/ship/rsyslogd.log "$tmp"/collect/rsyslogd.log "$tmp"/*.stderr "$tmp/n1.log"; do
		[ -s "$f" ] && { echo "# --- $f"; tail -n 20 "$f" | cut -c 1-300 | sed 's/^/# /'; }
	done
fi
done_testing
