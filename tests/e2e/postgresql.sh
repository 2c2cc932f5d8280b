#!/bin/bash
# The central store: a throw-away PostgreSQL cluster (Debian's postgresql)
# made with initdb in a temp dir by an unprivileged user, listening only on
# a unix socket there; contrib/postgresql/schema.sql (plain and
# partitioned) and contrib/postgresql/tlsrpt-pg-load as shipped.  Two MX
# spools that share a third of their reports are loaded: duplicates
# collapse, reruns add nothing, only new whole lines are read, two hosts
# can load at once (also creating partitions), and the views' numbers
# equal `tlsrpt-summary --format json` on the merged spool.
. "$(dirname "$0")/lib.sh"
: "${SUMMARY:=$top_builddir/tlsrpt-summary}"
LOAD=$top_srcdir/contrib/postgresql/tlsrpt-pg-load
SCHEMA=$top_srcdir/contrib/postgresql/schema.sql

e2e_require_root postgresql
command -v python3 >/dev/null 2>&1 || skip_all "needs python3 (tests/gen-spool.py)"
e2e_tmpdir
pg_bin=
stop_pg() {
	[ -n "$pg_bin" ] && [ -f "$tmp/data/postmaster.pid" ] || return 0
	runuser -u "$pg_user" -- "$pg_bin/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1
}
trap 'stop_pg; rm -rf "$tmp"' EXIT
e2e_install postgresql
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || skip_all "no initdb under /usr/lib/postgresql after installing postgresql"
command -v psql >/dev/null || skip_all "no psql after installing postgresql"
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $1"; }
export TLSRPT_PG_LOCK=$tmp/load.lock

# --- the cluster: initdb and the server run as postgres (or nobody) ---
pg_user=postgres
getent passwd postgres >/dev/null || pg_user=nobody
install -d -o "$pg_user" -m 0700 "$tmp/data"
install -d -o "$pg_user" -m 0755 "$tmp/sock"
runuser -u "$pg_user" -- "$pg_bin/initdb" -D "$tmp/data" -U tlsrpt -A trust -E UTF8 \
	--locale=C.UTF-8 --no-sync >"$tmp/initdb.log" 2>&1
check "initdb as $pg_user ($("$pg_bin/postgres" --version))" test -f "$tmp/data/PG_VERSION"
runuser -u "$pg_user" -- "$pg_bin/pg_ctl" -D "$tmp/data" -l "$tmp/sock/server.log" -w -t 60 \
	-o "-c listen_addresses='' -k $tmp/sock -c fsync=off -c synchronous_commit=off" start >/dev/null 2>&1
export PGHOST=$tmp/sock PGUSER=tlsrpt PGDATABASE=plain
check "server started on a unix socket in the temp dir only" \
	sh -c "psql -X -d postgres -Atc 'SELECT 1' >/dev/null 2>&1"
if [ "$tap_fail" -ne 0 ]; then
	sed 's/^/# /' "$tmp/initdb.log" "$tmp/sock/server.log" 2>/dev/null
	done_testing
	exit
fi
q() { psql -X -v ON_ERROR_STOP=1 -At "$@"; }
q -d postgres -c 'CREATE DATABASE plain' -c 'CREATE DATABASE parted' >/dev/null

check "schema.sql loads" q -q -f "$SCHEMA"
check "schema.sql loads again (idempotent)" q -q -f "$SCHEMA"
check "schema.sql -v partitioned=1 loads" q -q -d parted -v partitioned=1 -f "$SCHEMA"
is "partitioned variant is partitioned" \
	"$(q -d parted -c "SELECT count(*) FROM pg_partitioned_table WHERE partrelid = 'tlsrpt_record'::regclass")" 1

# --- two MX spools ---
# G: the tlsrpt-summary fixture (40 days, 4 domains, sts + tlsa +
# no-policy-found, unknown result types, a mixed-case domain, unparsable
# lines).  Line i goes to mx1 unless i % 3 == 2, to mx2 unless i % 3 == 0:
# a third of the reports reached both hosts, whose copies differ in
# received_at and recipient as they would.  Plus real mails delivered by
# tlsrpt-lda: every example to mx1, two of them and one more to mx2.
# M, the merged spool: every report once.
G=$tmp/gen A=$tmp/mx1 B=$tmp/mx2 M=$tmp/merged
python3 "$top_srcdir/tests/gen-spool.py" "$G" >/dev/null
install -d -m 0750 "$A" "$B"
for f in "$G"/*.jsonl; do
	b=${f##*/}
	awk -v a="$A/$b" -v b="$B/$b" '
		{ i = NR % 3
		  if (i != 2) print > a
		  if (i != 0) { sub(/"received_at":"[^"]*"/, "\"received_at\":\"2026-05-20T09:09:09Z\"")
		                sub(/"recipient":null/, "\"recipient\":\"tlsrpt@mx2.example\""); print > b } }' "$f"
done
cp -a "$G" "$M"
lda() { "$LDA" --spool "$1" --log stderr --quiet; }
report_eml "Only Mx2 Org" mx2-only 2026-05-19 example.com 6 >"$tmp/mx2-only.eml"
for f in "$top_srcdir"/examples/*.eml "$tmp/mx2-only.eml"; do
	case ${f##*/} in
	mx2-only.eml) lda "$B" <"$f" ;;
	google-sts.eml | microsoft-sts-tlsa.eml) lda "$A" <"$f"; lda "$B" <"$f" ;;
	*) lda "$A" <"$f" ;;
	esac
	lda "$M" <"$f"
done
records() { cat "$1"/*.jsonl | jq -cR 'fromjson? | select(type == "object" and .report_id != null)' | wc -l; }
garbage() { echo $(($(cat "$1"/*.jsonl | wc -l) - $(records "$1"))); }
shared=$(comm -12 <(jq -cR 'fromjson? | [.organization_name, .report_id, .policy_domain, .policy_type] | tostring' "$A"/*.jsonl | sort) \
	<(jq -cR 'fromjson? | [.organization_name, .report_id, .policy_domain, .policy_type] | tostring' "$B"/*.jsonl | sort) | wc -l)
echo "# mx1: $(records "$A") records, mx2: $(records "$B"), shared: $shared, merged: $(records "$M")"

# --- load ---
"$LOAD" -q -s mx1 "$A"
is "mx1 loaded (exit 0)" "$?" 0
"$LOAD" -q -s mx2 "$B"
is "mx2 loaded (exit 0)" "$?" 0
rows=$(q -c 'SELECT count(*) FROM tlsrpt_record')
is "one row per distinct record: as many as the merged spool holds" "$rows" "$(records "$M")"
is "the shared reports were counted as duplicates" \
	"$(q -c "SELECT sum(duplicates) FROM tlsrpt_load_state")" "$shared"
is "lines that are not records were counted as rejected" \
	"$(q -c "SELECT sum(rejected) FROM tlsrpt_load_state")" "$(($(garbage "$A") + $(garbage "$B")))"
is "no report stored twice" \
	"$(q -c 'SELECT count(*) - count(DISTINCT (organization_name, report_id, policy_domain, policy_type, policy_key)) FROM tlsrpt_record')" 0
is "the first copy wins: mx2's copy only where mx1 had none" \
	"$(q -c "SELECT count(*) FROM tlsrpt_record WHERE record->>'recipient' = 'tlsrpt@mx2.example' AND loaded_from NOT LIKE 'mx2:%'")" 0
is "a record is kept whole: jsonb equals the spool line" \
	"$(q -c "SELECT record FROM tlsrpt_record WHERE report_id = 'mx2-only'" | jq -cS .)" \
	"$(grep -h '"report_id":"mx2-only"' "$B"/*.jsonl | jq -cS .)"

q -c 'VACUUM ANALYZE tlsrpt_record' >/dev/null
echo "# sizes for $rows rows (README, Sizing): $(q -F ' ' -c "SELECT 'table', pg_table_size('tlsrpt_record') / 1024, 'kB, key', pg_relation_size('tlsrpt_record_key') / 1024, 'kB, other indexes', (pg_indexes_size('tlsrpt_record') - pg_relation_size('tlsrpt_record_key')) / 1024, 'kB'")"
out=$("$LOAD" -s mx1 "$A"; "$LOAD" -s mx2 "$B")
is "rerun: nothing read, nothing added" "$out$(q -c 'SELECT count(*) FROM tlsrpt_record')" "$rows"
is "offsets are the file sizes" \
	"$(q -c "SELECT sum(pos) FROM tlsrpt_load_state")" "$(cat "$A"/*.jsonl "$B"/*.jsonl | wc -c)"

# only new, whole lines: the part already loaded is not read again (a
# byte changed in it goes unnoticed); half a line waits for its end
f=$A/2026-05-18.jsonl
orig=$(dd if="$f" bs=1 skip=10 count=4 status=none)
printf 'XXXX' | dd of="$f" bs=1 seek=10 conv=notrunc status=none
report_eml "Example Org" late-1 2026-05-18 example.com 2 | lda "$A"
report_json "Example Org" late-2 2026-05-18 example.com 1 >"$tmp/late2.json"
"$LDA" --stdout --quiet --log stderr --file "$tmp/late2.json" >"$tmp/late2"
head -c 100 "$tmp/late2" >>"$f"
out=$("$LOAD" -s mx1 "$A")
is "appended: only the new whole line is loaded" "$out" "tlsrpt-pg-load: mx1:$f: 1 lines: 1 new, 0 duplicates, 0 rejected"
is "half a line is left for later" "$(q -c "SELECT size - pos FROM tlsrpt_load_state, (SELECT $(stat -c %s "$f") AS size) s WHERE file = 'mx1:$f'")" 100
tail -c +101 "$tmp/late2" >>"$f"
out=$("$LOAD" -s mx1 "$A")
is "completed: the line is loaded once it is whole" "$out" "tlsrpt-pg-load: mx1:$f: 1 lines: 1 new, 0 duplicates, 0 rejected"
printf '%s' "$orig" | dd of="$f" bs=1 seek=10 conv=notrunc status=none
is "late reports stored" "$(q -c "SELECT count(*) FROM tlsrpt_record WHERE report_id LIKE 'late-%'")" 2

# a file replaced (other inode) is read from the start; dedup keeps it right
cp "$A/2026-05-17.jsonl" "$tmp/x" && mv "$tmp/x" "$A/2026-05-17.jsonl"
out=$("$LOAD" -s mx1 "$A")
check "a replaced file is read again from its start" grep -q "2026-05-17.jsonl: another file than last time" <<<"$out"
is "... and adds nothing" "$(q -c 'SELECT count(*) FROM tlsrpt_record')" "$((rows + 2))"

# cron overlap on one host: a run while another holds the lock does
# nothing and exits 0; the next run loads what is new
report_eml "Example Org" late-3 2026-05-19 example.com 4 >"$tmp/late3.eml"
lda "$A" <"$tmp/late3.eml"
out=$(flock "$TLSRPT_PG_LOCK" "$LOAD" -s mx1 "$A")
is "a run while another runs: exit 0, nothing to do" "$?: $out" "0: tlsrpt-pg-load: another run holds $TLSRPT_PG_LOCK; nothing to do"
is "... nothing loaded" "$(q -c "SELECT count(*) FROM tlsrpt_record WHERE report_id = 'late-3'")" 0
"$LOAD" -q -s mx1 "$A"
is "the next run loads it" "$(q -c "SELECT count(*) FROM tlsrpt_record WHERE report_id = 'late-3'")" 1

# --- the views against tlsrpt-summary on the merged spool ---
report_eml "Example Org" late-1 2026-05-18 example.com 2 | lda "$M"
lda "$M" <"$tmp/late3.eml"
"$LDA" --spool "$M" --log stderr --quiet --file "$tmp/late2.json"
since=2026-04-09 until=2026-05-20
# the database's answer in the shape of tlsrpt-summary's JSON
db_view() {
	q -v since="$since" -v until="$until" <<'EOF' | jq -S .
SELECT coalesce(json_agg(d ORDER BY d.domain COLLATE "C"), '[]')
FROM (
  SELECT dom AS domain,
    (SELECT json_build_object(
        'sessions', sum(sessions), 'successful', sum(successful), 'failed', sum(failed),
        'failure_rate', tlsrpt_rate(sum(failed), sum(sessions)),
        'daily', json_agg(json_build_object('date', day, 'reports', reports, 'sessions', sessions,
                 'successful', successful, 'failed', failed, 'failure_rate', failure_rate) ORDER BY day))
     FROM tlsrpt_domain_daily WHERE policy_domain = dom AND day BETWEEN :'since' AND :'until') AS all_types,
    (SELECT json_agg(json_build_object(
        'policy_type', s.policy_type, 'sessions', s.sessions, 'successful', s.successful,
        'failed', s.failed, 'failure_rate', s.failure_rate, 'reports', s.reports,
        'organizations', s.organizations,
        'failures', (SELECT coalesce(json_agg(json_build_object('result_type', f.result_type,
                        'sessions', f.sessions, 'share', f.share, 'first_seen', f.first_seen) ORDER BY f.rank), '[]')
                     FROM tlsrpt_failures(:'since', :'until') f
                     WHERE f.policy_domain = s.policy_domain AND f.policy_type = s.policy_type),
        'top_sending_ips', (SELECT coalesce(json_agg(json_build_object('key', t.sending_mta_ip,
                        'sessions', t.sessions, 'days', t.days) ORDER BY t.rank), '[]')
                     FROM tlsrpt_top_sending_ips(:'since', :'until', 5) t
                     WHERE t.policy_domain = s.policy_domain AND t.policy_type = s.policy_type),
        'daily', (SELECT json_agg(json_build_object('date', day, 'reports', reports, 'sessions', sessions,
                        'successful', successful, 'failed', failed, 'failure_rate', failure_rate,
                        'enforce', enforce) ORDER BY day)
                  FROM tlsrpt_daily v
                  WHERE v.policy_domain = s.policy_domain AND v.policy_type = s.policy_type
                    AND day BETWEEN :'since' AND :'until'))
        ORDER BY s.policy_type COLLATE "C")
     FROM tlsrpt_summary(:'since', :'until') s WHERE s.policy_domain = dom) AS policies
  FROM (SELECT DISTINCT policy_domain AS dom FROM tlsrpt_record
        WHERE day BETWEEN :'since' AND :'until') x) d;
EOF
}
summary_view() {
	"$SUMMARY" --spool "$M" --since "$since" --until "$until" --format json | jq -S '
	[.domains[] | select(.policies | length > 0) | {domain,
	  all_types: (.all_policy_types | {sessions, successful, failed, failure_rate,
	     daily: [.daily[] | select(.reports > 0) | {date, reports, sessions, successful, failed, failure_rate}]}),
	  policies: ([.policies[] | {policy_type, sessions, successful, failed, failure_rate, reports, organizations,
	     failures: [.failures[] | {result_type, sessions, share, first_seen}],
	     top_sending_ips: [.top_sending_ips[] | {key, sessions, days}],
	     daily: [.daily[] | select(.reports > 0) | {date, reports, sessions, successful, failed, failure_rate, enforce}]}]
	     | sort_by(.policy_type))}]
	| sort_by(.domain)'
}
if [ -x "$SUMMARY" ]; then
	db_view >"$tmp/db.json"
	summary_view >"$tmp/summary.json"
	is "merged spool and database hold the same records" "$(records "$M")" "$(q -c 'SELECT count(*) FROM tlsrpt_record')"
	check "views = tlsrpt-summary --format json on the merged spool ($(jq '[.[].policies[]] | length' "$tmp/db.json") domain/type groups: sessions, failures, rates, result types, top IPs, daily)" \
		cmp -s "$tmp/db.json" "$tmp/summary.json"
	cmp -s "$tmp/db.json" "$tmp/summary.json" || diff "$tmp/summary.json" "$tmp/db.json" | head -n 40 | sed 's/^/#   /'
	is "the comparison is not vacuous: groups with several result types and IPs, daily entries" \
		"$(jq '[.[].policies[] | select((.failures | length) > 1 and (.top_sending_ips | length) > 1)] | length > 2' "$tmp/db.json") $(jq '[.[].policies[].daily[]] | length > 100' "$tmp/db.json")" "true true"
else
	skip "no tlsrpt-summary at $SUMMARY"
fi

# --- partitioned by month: same numbers; retention is DROP TABLE ---
# two hosts loading at once (each its own lock), the partitions created
# on the way
TLSRPT_PG_LOCK=$tmp/mx1.lock "$LOAD" -q -d parted -s mx1 "$A" &
TLSRPT_PG_LOCK=$tmp/mx2.lock "$LOAD" -q -d parted -s mx2 "$B"
rc2=$?
wait $!
is "partitioned: two hosts loading at once both exit 0" "$? $rc2" "0 0"
is "partitioned: the same rows as the plain table" \
	"$(q -d parted -c 'SELECT * FROM tlsrpt_summary(DATE '\''2000-01-01'\'', DATE '\''2100-01-01'\'')' | md5sum)" \
	"$(q -c 'SELECT * FROM tlsrpt_summary(DATE '\''2000-01-01'\'', DATE '\''2100-01-01'\'')' | md5sum)"
is "partitioned: one partition per month loaded" \
	"$(q -d parted -c "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class WHERE relname LIKE 'tlsrpt_record_2%' AND relkind = 'r'")" \
	"tlsrpt_record_2026_04 tlsrpt_record_2026_05"
report_json "Far Org" far-1 2099-01-01 example.com 0 >"$tmp/far.json"
install -d "$tmp/far"
# delivered as on that day: tlsrpt-lda refuses a report dated more than
# a day after its delivery
TLSRPT_LDA_NOW=4070952000 "$LDA" --spool "$tmp/far" --log stderr --quiet --file "$tmp/far.json"
out=$("$LOAD" -n -d parted -s far "$tmp/far")
is "-n tells what it would load and changes nothing" \
	"$out $(q -d parted -c "SELECT count(*) FROM tlsrpt_load_state WHERE file LIKE 'far:%'") $(q -d parted -c "SELECT count(*) FROM tlsrpt_record WHERE report_id = 'far-1'")" \
	"tlsrpt-pg-load: far:$tmp/far/2099-01-01.jsonl: would load 1 lines (bytes 0..$(stat -c %s "$tmp/far/2099-01-01.jsonl")) 0 0"
"$LOAD" -q -d parted -s far "$tmp/far"
is "partitioned: a date far ahead goes to the default partition" \
	"$(q -d parted -c "SELECT tableoid::regclass FROM tlsrpt_record WHERE report_id = 'far-1'")" tlsrpt_record_other
april=$(q -d parted -c "SELECT count(*) FROM tlsrpt_record WHERE day < '2026-05-01'")
q -d parted -c 'DROP TABLE tlsrpt_record_2026_04' >/dev/null
is "partitioned: dropping a month removes its $april rows, nothing else" \
	"$(q -d parted -c 'SELECT count(*) FROM tlsrpt_record')" "$(($(q -c 'SELECT count(*) FROM tlsrpt_record') - april + 1))"
q -c "DELETE FROM tlsrpt_record WHERE day < '2026-05-01'" >/dev/null
is "plain: retention by DELETE leaves the same rows" \
	"$(q -c 'SELECT count(*) FROM tlsrpt_record')" "$(($(q -d parted -c 'SELECT count(*) FROM tlsrpt_record') - 1))"

stop_pg
check "server stopped (pg_ctl stop)" test ! -e "$tmp/data/postmaster.pid"
[ "$tap_fail" -eq 0 ] || tail -n 20 "$tmp/sock/server.log" 2>/dev/null | sed 's/^/# /'
done_testing
