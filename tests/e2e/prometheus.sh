#!/bin/bash
# End to end through a real node_exporter and a real Prometheus: the
# shipped contrib/prometheus/tlsrpt-textfile writes tlsrpt-summary's
# metrics into the textfile directory of a private node_exporter
# (Debian's prometheus-node-exporter, textfile collector only, on
# 127.0.0.1 and a free port of 10300-10399); curl scrapes it and the
# values are asserted: the 21-day spike series (its failed sessions add
# up), hostile label values through node_exporter's own parser and
# printer, tlsrpt_status equal to --check's exit code.  A private
# Prometheus server scrapes that node_exporter every second with
# contrib/prometheus/tlsrpt.rules.yml loaded: the sum over
# tlsrpt_failed_sessions queried through it, then, once tlsrpt-textfile
# has rewritten the file from a spool with critical incidents, the
# TLSRPTCriticalIncident alerts firing for exactly those domains.  A
# failing run leaves the served file alone.  promtool checks the file
# and the rules.  Both daemons run as nobody with everything in the
# temp dir and are stopped by pid.  The programs are the host's when
# Debian's prometheus and prometheus-node-exporter are installed, else
# those packages unpacked into the temp dir (dpkg -x; static programs):
# installing them would enable both services for the next boot and
# create a user.
. "$(dirname "$0")/lib.sh"

e2e_require_root prometheus-node-exporter
e2e_tmpdir
SUMMARY_BIN=$tmp/bin/tlsrpt-summary
install -m 0755 "$top_builddir/tlsrpt-summary" "$SUMMARY_BIN"
NE_PID= PR_PID=
trap 'e2e_stop_pid "$PR_PID"; e2e_stop_pid "$NE_PID"; rm -rf "$tmp"' EXIT

command -v python3 >/dev/null 2>&1 || skip_all "needs python3 (tests/gen-spool.py)"
e2e_install curl
installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
if installed prometheus && installed prometheus-node-exporter; then
	PR=/usr/bin
	origin="the host's packages"
else
	e2e_download "$tmp/debs" prometheus prometheus-node-exporter
	for f in "$tmp"/debs/*.deb; do
		dpkg -x "$f" "$tmp/pkg" || { echo "Bail out! dpkg -x $f failed"; exit 1; }
	done
	PR=$tmp/pkg/usr/bin
	origin="Debian's packages unpacked (dpkg -x)"
fi
for p in promtool prometheus prometheus-node-exporter; do
	[ -x "$PR/$p" ] || skip_all "no $p in $origin"
done

T=$(date -u +%F)
python3 "$top_srcdir/tests/gen-spool.py" --incidents "$T" "$tmp/gen" >/dev/null ||
	{ echo "Bail out! tests/gen-spool.py failed"; exit 1; }
# the spike series and hostile strings, in two spools owned by nobody
e2e_spool "$tmp/spike"
cp "$tmp/gen/spike/"*.jsonl "$tmp/spike/"
e2e_spool "$tmp/hostile"
python3 - "$tmp/hostile/$(date -u -d yesterday +%F).jsonl" "$(date -u -d yesterday +%F)" <<'PY'
import json, sys
d = sys.argv[2]
rec = {"organization_name": 'Evil "Org"\\\nLtd', "report_id": "h1",
       "begin_date": d + "T00:00:00Z", "end_date": d + "T23:59:59Z",
       "policy_domain": 'q"\\\nx.example', "policy_type": "sts",
       "policy_strings": ["version: STSv1", "mode: testing", "mx: mx.example"],
       "mx_host_patterns": ["mx.example"], "successful_session_count": 1000,
       "failed_session_count": 1,
       "failure_details": [{"result_type": 'a"b\\c\nd', "failed_session_count": 1,
                            "sending_mta_ip": "192.0.2.1", "receiving_ip": None,
                            "receiving_mx_hostname": None, "receiving_mx_helo": None,
                            "additional_info_uri": None, "failure_reason_code": None}],
       "warnings": []}
open(sys.argv[1], "w").write(json.dumps(rec) + "\n")
PY
e2e_spool "$tmp/crit"
cp "$tmp/gen/a/"*.jsonl "$tmp/crit/"
chown nobody:nogroup "$tmp"/spike/* "$tmp"/hostile/* "$tmp"/crit/*
install -d -m 0755 "$tmp/textfile"

# textfile SPOOL ARG...: the shipped script, as its units run it (root)
textfile() {
	local s=$1
	shift
	SPOOL=$s TEXTFILE_DIR=$tmp/textfile TLSRPT_SUMMARY=$SUMMARY_BIN \
		sh "$top_srcdir/contrib/prometheus/tlsrpt-textfile" "$@"
}

textfile "$tmp/spike" --spool "$tmp/hostile" 2>"$tmp/textfile.err"
is "tlsrpt-textfile: exit 0" "$?" 0
is "tlsrpt-textfile: tlsrpt.prom alone, mode 644, root's" \
	"$(ls -A "$tmp/textfile"; stat -c '%a %U' "$tmp/textfile/tlsrpt.prom")" "tlsrpt.prom
644 root"
check "promtool check metrics on the written file" \
	sh -c "'$PR/promtool' check metrics <'$tmp/textfile/tlsrpt.prom' >'$tmp/lint' 2>&1"
sed 's/^/# /' "$tmp/lint"
check "promtool check rules contrib/prometheus/tlsrpt.rules.yml" \
	sh -c "'$PR/promtool' check rules '$top_srcdir/contrib/prometheus/tlsrpt.rules.yml' >'$tmp/rules.log' 2>&1"
setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
	"$SUMMARY_BIN" --spool "$tmp/spike" --spool "$tmp/hostile" --check >"$tmp/check1"
check1=$?

NE_PORT=$(e2e_free_port 10300 10399) || { echo "Bail out! no free port in 10300-10399"; exit 1; }
setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$PR/prometheus-node-exporter" \
	--web.listen-address="127.0.0.1:$NE_PORT" --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$tmp/textfile" \
	>"$tmp/node_exporter.log" 2>&1 &
NE_PID=$!
if wait_port "$NE_PORT"; then
	ok "node_exporter $("$PR/prometheus-node-exporter" --version 2>&1 | sed -n '1s/.*version \([^ ]*\).*/\1/p') on 127.0.0.1:$NE_PORT (pid $NE_PID)"
else
	not_ok "node_exporter started"; sed 's/^/# /' "$tmp/node_exporter.log"; done_testing; exit
fi
scrape() { curl -sS "http://127.0.0.1:$NE_PORT/metrics" >"$tmp/scrape" 2>"$tmp/curl.err"; }
scrape
is "scrape: the textfile collector read tlsrpt.prom without error" \
	"$(grep -E '^node_textfile_scrape_error ' "$tmp/scrape")" "node_textfile_scrape_error 0"
is "scrape: tlsrpt_status is --check's exit code ($check1)" \
	"$(sed -n 's/^tlsrpt_status //p' "$tmp/scrape")" "$check1"
is "scrape: spike.example's sessions and failures, 21 days of reports seen through 7" \
	"$(grep -E '^tlsrpt_(sessions|failed_sessions|incidents)\{domain="spike.example"' "$tmp/scrape")" \
	'tlsrpt_failed_sessions{domain="spike.example",policy_type="sts",result_type="starttls-not-supported"} 325
tlsrpt_incidents{domain="spike.example",severity="critical"} 0
tlsrpt_incidents{domain="spike.example",severity="info"} 0
tlsrpt_incidents{domain="spike.example",severity="warning"} 1
tlsrpt_sessions{domain="spike.example",outcome="failed",policy_type="sts"} 325
tlsrpt_sessions{domain="spike.example",outcome="successful",policy_type="sts"} 11675'
is "scrape: hostile label values re-escaped by node_exporter as written" \
	"$(grep -F 'tlsrpt_failed_sessions{domain="q' "$tmp/scrape")" \
	'tlsrpt_failed_sessions{domain="q\"\\\nx.example",policy_type="sts",result_type="a\"b\\c\nd"} 1'
# (node_exporter prints 1796515200 as 1.7965152e+09)
is "scrape: the last report of Evil \"Org\": the end of yesterday" \
	"$(grep -F 'tlsrpt_last_report_timestamp_seconds{domain="q' "$tmp/scrape" | awk '{ v = $NF; sub(/ [^ ]*$/, ""); printf "%s %d\n", $0, v }')" \
	"tlsrpt_last_report_timestamp_seconds{domain=\"q\\\"\\\\\\nx.example\",organization=\"Evil \\\"Org\\\"\\\\\\nLtd\"} $(date -u -d "$T" +%s)"

# A private Prometheus: scrapes node_exporter every second, evaluates the
# shipped rules every second.
PR_PORT=$(e2e_free_port $((NE_PORT + 1)) 10399) || { echo "Bail out! no free port in 10300-10399"; exit 1; }
install -d -o nobody -g nogroup -m 0755 "$tmp/prometheus"
cp "$top_srcdir/contrib/prometheus/tlsrpt.rules.yml" "$tmp/prometheus/"
cat >"$tmp/prometheus/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [ "$tmp/prometheus/tlsrpt.rules.yml" ]
scrape_configs:
  - job_name: node
    static_configs: [ { targets: [ "127.0.0.1:$NE_PORT" ] } ]
EOF
(cd "$tmp/prometheus" && exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$PR/prometheus" \
	--config.file="$tmp/prometheus/prometheus.yml" --storage.tsdb.path="$tmp/prometheus/data" \
	--web.listen-address="127.0.0.1:$PR_PORT" >"$tmp/prometheus.log" 2>&1) &
PR_PID=$!
if wait_port "$PR_PORT"; then
	ok "Prometheus $("$PR/prometheus" --version 2>&1 | sed -n '1s/.*version \([^ ]*\).*/\1/p') on 127.0.0.1:$PR_PORT (pid $PR_PID), $origin"
else
	not_ok "Prometheus started"; sed 's/^/# /' "$tmp/prometheus.log"; done_testing; exit
fi
# query PROMQL: the values of the result, "labels value" per line, sorted
query() {
	curl -sS -G "http://127.0.0.1:$PR_PORT/api/v1/query" --data-urlencode "query=$1" |
		jq -r '.data.result[] | "\(.metric | del(.instance, .job, .__name__) | to_entries | map("\(.key)=\(.value)") | join(",")) \(.value[1])"' | sort
}
# until_query SECONDS PROMQL WANT: poll until the answer is WANT
until_query() {
	local i
	for ((i = 0; i < $1 * 2; i++)); do
		got=$(query "$2")
		[ "$got" = "$3" ] && return 0
		sleep 0.5
	done
	return 1
}
until_query 30 'sum by (domain) (tlsrpt_failed_sessions{domain="spike.example"})' "domain=spike.example 325"
is "Prometheus: sum of tlsrpt_failed_sessions for spike.example = its failed sessions" "$got" "domain=spike.example 325"
is "Prometheus: ... = tlsrpt_domain_sessions{outcome=\"failed\"}" \
	"$(query 'tlsrpt_domain_sessions{domain="spike.example",outcome="failed"}')" \
	"domain=spike.example,outcome=failed 325"
is "Prometheus: no critical alert yet" \
	"$(curl -sS "http://127.0.0.1:$PR_PORT/api/v1/alerts" | jq -r '[.data.alerts[] | select(.labels.alertname == "TLSRPTCriticalIncident")] | length')" 0

# A failing run (the spool is gone) leaves the served file as it was.
before=$(md5sum <"$tmp/textfile/tlsrpt.prom")
textfile "$tmp/missing" 2>"$tmp/textfile.err"
is "tlsrpt-textfile on a missing spool: exit 66" "$?" 66
is "... the served file unchanged, no temp file left" \
	"$(md5sum <"$tmp/textfile/tlsrpt.prom"; ls -A "$tmp/textfile")" "$before
tlsrpt.prom"

# The spool with two critical incidents (big.example, ongoing.example):
# rewritten, scraped, the alert fires for each.
setpriv --reuid=nobody --regid=nogroup --clear-groups -- \
	"$SUMMARY_BIN" --spool "$tmp/crit" --check >"$tmp/check2"
check2=$?
textfile "$tmp/crit" 2>"$tmp/textfile.err"
is "tlsrpt-textfile on the critical spool: exit 0" "$?" 0
scrape
is "scrape: tlsrpt_status 2, --check's exit code" \
	"$(sed -n 's/^tlsrpt_status //p' "$tmp/scrape") $check2" "2 2"
alerts() {
	curl -sS "http://127.0.0.1:$PR_PORT/api/v1/alerts" |
		jq -r '.data.alerts[] | select(.state == "firing" and .labels.alertname == "TLSRPTCriticalIncident") | "\(.labels.domain) \(.labels.severity)"' | sort
}
want_alerts="big.example critical
ongoing.example critical"
for ((i = 0; i < 60; i++)); do
	[ "$(alerts)" = "$want_alerts" ] && break
	sleep 0.5
done
is "Prometheus: TLSRPTCriticalIncident fires for the two critical domains" "$(alerts)" "$want_alerts"
is "Prometheus: the alert's description names the domain and the command" \
	"$(curl -sS "http://127.0.0.1:$PR_PORT/api/v1/alerts" | jq -r '.data.alerts[] | select(.labels.alertname == "TLSRPTCriticalIncident" and .labels.domain == "big.example") | .annotations.description')" \
	"1 ongoing critical TLS incident(s) for big.example on 127.0.0.1:$NE_PORT: senders fail TLS to an enforced policy. Run tlsrpt-summary --domain big.example there."

e2e_stop_pid "$PR_PID"
is "Prometheus stopped by its pid, its port closed" \
	"$(kill -0 "$PR_PID" 2>/dev/null && echo running || echo stopped) $(e2e_listening "$PR_PORT" && echo open || echo closed)" \
	"stopped closed"
PR_PID=
e2e_stop_pid "$NE_PID"
is "node_exporter stopped by its pid, its port closed" \
	"$(kill -0 "$NE_PID" 2>/dev/null && echo running || echo stopped) $(e2e_listening "$NE_PORT" && echo open || echo closed)" \
	"stopped closed"
NE_PID=
done_testing
