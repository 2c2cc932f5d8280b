#!/bin/bash
# contrib/postgresql/README followed as written, on a throw-away cluster
# set up as Debian's pg_createcluster sets one up (local: peer, TCP:
# scram-sha-256, ssl on), made with initdb in the temp dir and listening
# on a port of 10130-10139 of 127.0.0.1 and 127.0.0.2 (the "MX-facing"
# address) and a socket in the temp dir; stopped and removed at exit.
# Every command of the README runs exactly as written there (the test
# fails when a line is not in the README), with only the port, the
# password, the paths and the host names replaced; HOME is a directory in
# the temp dir (the ~/.pgpass of "root").  Then what the old recipe ran
# into, and that tlsrpt-pg-load now says what failed: psql's own message,
# no misleading hint.  (postgresql.sh tests what the loader does with the
# data.)
. "$(dirname "$0")/lib.sh"
DOC=$top_srcdir/contrib/postgresql/README
# only when asked (lib.sh may say so too)
[ "${TLSRPT_E2E:-}" = 1 ] || skip_all "installs and runs PostgreSQL: set TLSRPT_E2E=1"

e2e_require_root postgresql
command -v setsid >/dev/null 2>&1 || skip_all "needs setsid (util-linux)"
command -v openssl >/dev/null 2>&1 || skip_all "needs openssl (the cluster's certificate)"
e2e_tmpdir
pg_bin=
stop_pg() {
	[ -n "$pg_bin" ] && [ -f "$tmp/data/postmaster.pid" ] || return 0
	runuser -u postgres -- "$pg_bin/pg_ctl" -D "$tmp/data" -m fast -w stop >/dev/null 2>&1
}
trap 'stop_pg; rm -rf "$tmp"' EXIT
e2e_install postgresql
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || skip_all "no initdb under /usr/lib/postgresql after installing postgresql"
getent passwd postgres >/dev/null || skip_all "no user postgres after installing postgresql"

port=
for p in $(seq 10130 10139); do
	(exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue
	(exec 3<>/dev/tcp/127.0.0.2/$p) 2>/dev/null && continue
	port=$p
	break
done
[ -n "$port" ] || { echo "Bail out! no free port in 10130-10139"; exit 1; }

# --- the cluster, as Debian makes it, on the test's port and socket ---
install -d -o postgres -m 0700 "$tmp/data"
install -d -o postgres -m 0755 "$tmp/sock"
runuser -u postgres -- "$pg_bin/initdb" -D "$tmp/data" -U postgres --auth-local=peer \
	--auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >"$tmp/initdb.log" 2>&1
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=db.example.com \
	-keyout "$tmp/data/server.key" -out "$tmp/data/server.crt" >/dev/null 2>&1
chown postgres "$tmp/data/server.key" "$tmp/data/server.crt"
chmod 0600 "$tmp/data/server.key"
cat >>"$tmp/data/postgresql.conf" <<EOF
port = $port
listen_addresses = 'localhost'
unix_socket_directories = '$tmp/sock'
ssl = on
fsync = off
EOF
pg_start() {
	runuser -u postgres -- "$pg_bin/pg_ctl" -D "$tmp/data" -l "$tmp/sock/server.log" -w -t 60 "$@" >/dev/null 2>&1
}
pg_start start
if ! runuser -u postgres -- env PGHOST="$tmp/sock" PGPORT="$port" psql -X -Atc 'SELECT 1' >/dev/null 2>&1; then
	not_ok "cluster started"
	sed 's/^/# /' "$tmp/initdb.log" "$tmp/sock/server.log" 2>/dev/null
	done_testing
	exit
fi
ok "cluster $("$pg_bin/postgres" --version | cut -d' ' -f3) on 127.0.0.1:$port, pg_hba as Debian's (peer, scram-sha-256)"

# The environment of the README's root shell: postgres's tools find the
# test's socket and port; root's home is in the temp dir; /usr/local/bin
# is $tmp/bin.
export PGHOST=$tmp/sock PGPORT=$port HOME=$tmp/root PATH=$tmp/bin:$PATH
install -d -m 0700 "$HOME"
pw="pw-$RANDOM-$RANDOM"
S=$tmp/spool
install -d -m 0750 "$S"
e2e_mails
for f in "$tmp"/mail/*.eml; do "$BIN" --spool "$S" --log stderr --quiet <"$f"; done
nrec=$(cat "$S"/*.jsonl | wc -l)

# step 'LINE' [INPUT]: LINE must be in the README as written (in a line
# indented by four spaces); it runs in bash without a terminal (createuser and psql
# read a password prompt's answer from stdin), INPUT on stdin.  Prints
# its output; returns its exit status.
step() {
	local line=$1 cmd
	if ! grep -F -- "$line" "$DOC" | grep -q '^    [^ ]'; then
		echo "# not in contrib/postgresql/README: $line"
		return 99
	fi
	case $line in
	"apt-get install --no-install-recommends "*) e2e_install ${line##* }; return ;;
	"systemctl restart postgresql") pg_start restart; return ;;
	esac
	cmd=$(sed -e "s|:5432:|:$port:|g" -e "s|PASSWORD|$pw|g" -e "s| contrib/| $top_srcdir/contrib/|g" \
		-e "s|/usr/local/bin/|$tmp/bin/|g" -e "s|/var/spool/tlsrpt|$S|g" \
		-e "s|db\.example\.com|127.0.0.2|g" <<<"$line")
	printf '%s' "${2:-}" | setsid -w bash -c "$cmd" 2>&1
}
# is_step NAME EXIT 'LINE' [INPUT]: step, and its exit status is EXIT
is_step() {
	local name=$1 want=$2 out rc
	shift 2
	out=$(step "$@")
	rc=$?
	is "$name: exit $want" "$rc" "$want"
	[ "$rc" -eq "$want" ] || sed 's/^/#   /' <<<"$out"
	STEP_OUT=$out
}
as_pg() { runuser -u postgres -- psql -X -At "$@"; }

# --- what the old README said, on this cluster ---
out=$(setsid -w psql -v ON_ERROR_STOP=1 -d tlsrpt -f "$top_srcdir/contrib/postgresql/schema.sql" 2>&1 </dev/null)
is "old recipe: psql as root fails (exit 2)" "$?" 2
check "... with 'role \"root\" does not exist'" grep -q 'FATAL: *role "root" does not exist' <<<"$out"

# --- 1. role and database ---
is_step "apt-get install" 0 'apt-get install --no-install-recommends postgresql'
is_step "createuser --pwprompt" 0 'runuser -u postgres -- createuser --pwprompt tlsrpt' "$pw"$'\n'"$pw"$'\n'
is_step "createdb -O tlsrpt" 0 'runuser -u postgres -- createdb -O tlsrpt tlsrpt'
is "the role can log in, has a SCRAM password, is no superuser" \
	"$(as_pg -c "SELECT rolcanlogin, rolsuper, left(rolpassword, 14) FROM pg_authid WHERE rolname = 'tlsrpt'")" \
	"t|f|SCRAM-SHA-256\$"

# --- 2. ~/.pgpass ---
is_step ".pgpass created" 0 'install -m 0600 /dev/null ~/.pgpass'
is_step ".pgpass line" 0 "echo 'localhost:5432:tlsrpt:tlsrpt:PASSWORD' >>~/.pgpass"
is ".pgpass: mode 0600, one line" "$(stat -c %a "$HOME/.pgpass") $(wc -l <"$HOME/.pgpass")" "600 1"

# --- 3. the schema, as tlsrpt ---
is_step "schema.sql as tlsrpt" 0 'psql -h localhost -U tlsrpt -d tlsrpt -v ON_ERROR_STOP=1 -f contrib/postgresql/schema.sql'
is "the tables belong to tlsrpt" \
	"$(as_pg -d tlsrpt -c "SELECT string_agg(tablename || ':' || tableowner, ' ' ORDER BY tablename) FROM pg_tables WHERE tablename LIKE 'tlsrpt%'")" \
	"tlsrpt_load_state:tlsrpt tlsrpt_record:tlsrpt"
is_step "schema.sql again" 0 'psql -h localhost -U tlsrpt -d tlsrpt -v ON_ERROR_STOP=1 -f contrib/postgresql/schema.sql'

# --- 4. the loader ---
is_step "loader installed" 0 'install -m 0755 contrib/postgresql/tlsrpt-pg-load /usr/local/bin/'
is_step "first load" 0 "tlsrpt-pg-load -d 'host=localhost dbname=tlsrpt user=tlsrpt' /var/spool/tlsrpt"
count() { as_pg -d "${1:-tlsrpt}" -c 'SELECT count(*) FROM tlsrpt_record'; }
is "every record of the spool is stored ($nrec lines)" "$(count)" "$nrec"
check "the loader said so per file" grep -q "^tlsrpt-pg-load: $(hostname):$S/2026-05-18.jsonl: [0-9]* lines: [0-9]* new, 0 duplicates, 0 rejected$" <<<"$STEP_OUT"
cron=$(sed -n 's|^    \*/10 \* \* \* \*  root  ||p' "$DOC" | grep -m1 'host=localhost')
is_step "the cron line's command, rerun" 0 "$cron"
is "... prints nothing (-q) and adds nothing" "$STEP_OUT $(count)" " $nrec"

# --- 3'. the partitioned variant, in a new database ---
as_pg -c 'DROP DATABASE tlsrpt' >/dev/null
is_step "createdb again" 0 'runuser -u postgres -- createdb -O tlsrpt tlsrpt'
is_step "schema.sql -v partitioned=1 as tlsrpt" 0 'psql -h localhost -U tlsrpt -d tlsrpt -v ON_ERROR_STOP=1 -v partitioned=1 -f contrib/postgresql/schema.sql'
is_step "partitioned: load" 0 "tlsrpt-pg-load -d 'host=localhost dbname=tlsrpt user=tlsrpt' /var/spool/tlsrpt"
is "partitioned: every record stored" "$(count)" "$nrec"
is "partitioned: the loader created the month's partition, owned by tlsrpt" \
	"$(as_pg -d tlsrpt -c "SELECT string_agg(relname || ':' || pg_get_userbyid(relowner), ' ' ORDER BY relname) FROM pg_class WHERE relname ~ '^tlsrpt_record_2' AND relkind = 'r'")" \
	"tlsrpt_record_2026_05:tlsrpt"

# --- MX hosts elsewhere ---
# The server's address 192.0.2.10 and db.example.com are 127.0.0.2; the
# MX hosts' network is the address the test's connections come from
# (127.0.0.1), and Debian's line for it goes: to the server they are no
# local clients.  Put back after this part.
pgconf() { sed -n "s/^    \\($1\\)$/\\1/p" "$DOC" | sed -e 's|192\.0\.2\.10|127.0.0.2|' -e 's|192\.0\.2\.0/24|127.0.0.1/32|'; }
lst=$(pgconf "listen_addresses = .*")
hba=$(pgconf "hostssl .*")
is "README: the listen_addresses and pg_hba.conf lines" "$lst|$hba" \
	"listen_addresses = 'localhost,127.0.0.2'|hostssl tlsrpt tlsrpt 127.0.0.1/32 scram-sha-256"
echo "$lst" >>"$tmp/data/postgresql.conf"
cp -p "$tmp/data/pg_hba.conf" "$tmp/pg_hba.conf"
sed -i '/^host[[:space:]]\+all[[:space:]]\+all[[:space:]]\+127\.0\.0\.1\/32/d' "$tmp/data/pg_hba.conf"
echo "$hba" >>"$tmp/data/pg_hba.conf"
is_step "restart" 0 'systemctl restart postgresql'
is "pg_hba.conf has no errors" "$(as_pg -c 'SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL')" 0
M=$tmp/mx2
install -d -m 0750 "$M"
report_eml "Mx2 Org" mx2-1 2026-05-18 example.com 2 | "$BIN" --spool "$M" --log stderr --quiet
"$BIN" --spool "$M" --log stderr --quiet <"$tmp/mail/zz-e2e-1.eml"
HOME=$tmp/mxroot
install -d -m 0700 "$HOME"
is_step "MX: postgresql-client" 0 'apt-get install --no-install-recommends postgresql-client'
is_step "MX: loader installed" 0 'install -m 0755 contrib/postgresql/tlsrpt-pg-load /usr/local/bin/'
is_step "MX: .pgpass created" 0 'install -m 0600 /dev/null ~/.pgpass'
is_step "MX: .pgpass line" 0 "echo 'db.example.com:5432:tlsrpt:tlsrpt:PASSWORD' >>~/.pgpass"
mxload="tlsrpt-pg-load -d 'host=db.example.com dbname=tlsrpt user=tlsrpt sslmode=require' /var/spool/tlsrpt"
S=$M is_step "MX: load over TLS from 127.0.0.2" 0 "$mxload"
check "MX: 1 new, 1 duplicate" grep -q ": 2 lines: 1 new, 1 duplicates, 0 rejected$" <<<"$STEP_OUT"
is "MX: the connection was encrypted (hostssl)" \
	"$(psql -X -At -d 'host=127.0.0.2 dbname=tlsrpt user=tlsrpt sslmode=require' -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()' 2>&1)" t
out=$(setsid -w tlsrpt-pg-load -q -d 'host=127.0.0.2 dbname=tlsrpt user=tlsrpt sslmode=disable' "$M" 2>&1 </dev/null)
is "MX: unencrypted: exit 1" "$?" 1
check "... psql's message passed on: no pg_hba.conf entry ... no encryption" \
	grep -q '^tlsrpt-pg-load: psql: error: .*no pg_hba.conf entry for host "127.0.0.1", user "tlsrpt", database "tlsrpt", no encryption' <<<"$out"
[ "$tap_fail" -eq 0 ] || sed 's/^/#   /' <<<"$out"
HOME=$tmp/root
cp -p "$tmp/pg_hba.conf" "$tmp/data/pg_hba.conf"
as_pg -c 'SELECT pg_reload_conf()' >/dev/null

# --- when it fails: psql's own message, then what failed ---
# load_err NAME CONNINFO: the loader fails (exit 1); $out its stderr
load_err() {
	out=$(setsid -w tlsrpt-pg-load -q -d "$2" "$S" 2>&1 </dev/null)
	is "$1: exit 1" "$?" 1
	is "$1: no misleading 'is schema.sql loaded?'" "$(grep -c 'is schema.sql loaded' <<<"$out")" 0
	check "$1: the last line says what failed" grep -q '^tlsrpt-pg-load: cannot read tlsrpt_load_state' <<<"$(tail -n 1 <<<"$out")"
}
mv "$HOME/.pgpass" "$HOME/pgpass"
load_err "no ~/.pgpass" 'host=localhost dbname=tlsrpt user=tlsrpt'
check "no ~/.pgpass: psql's 'fe_sendauth: no password supplied' passed on" \
	grep -q '^tlsrpt-pg-load: psql: error: .*fe_sendauth: no password supplied' <<<"$out"
check "no ~/.pgpass: the hint names the file and the user" \
	grep -q "(no password for this connection in ~/.pgpass of user root (mode 0600" <<<"$out"
install -m 0644 "$HOME/pgpass" "$HOME/.pgpass"
load_err "~/.pgpass mode 0644" 'host=localhost dbname=tlsrpt user=tlsrpt'
check "~/.pgpass mode 0644: libpq's warning passed on" grep -q 'has group or world access' <<<"$out"
chmod 0600 "$HOME/.pgpass"
sed -i "s/$pw\$/wrong/" "$HOME/.pgpass"
load_err "wrong password" 'host=localhost dbname=tlsrpt user=tlsrpt'
check "wrong password: psql's message passed on" \
	grep -q 'password authentication failed for user "tlsrpt"' <<<"$out"
install -m 0600 "$HOME/pgpass" "$HOME/.pgpass"
echo "localhost:$port:*:tlsrpt:$pw" >>"$HOME/.pgpass"
as_pg -c 'CREATE DATABASE empty OWNER tlsrpt' -c 'CREATE DATABASE bypostgres OWNER tlsrpt' >/dev/null
load_err "schema not loaded" 'host=localhost dbname=empty user=tlsrpt'
check "schema not loaded: psql's message and the hint" grep -q \
	-e 'relation "tlsrpt_load_state" does not exist' <<<"$out"
check "... hint: schema.sql is not loaded in this database" grep -q '(schema.sql is not loaded in this database)$' <<<"$out"
as_pg -q -d bypostgres -v ON_ERROR_STOP=1 -f "$top_srcdir/contrib/postgresql/schema.sql" >/dev/null 2>&1
load_err "schema.sql loaded by postgres" 'host=localhost dbname=bypostgres user=tlsrpt'
check "schema.sql loaded by postgres: 'permission denied for table tlsrpt_load_state' passed on" \
	grep -q '^tlsrpt-pg-load: ERROR: *permission denied for table tlsrpt_load_state$' <<<"$out"
check "... hint: load schema.sql as the role that loads" grep -q 'load schema.sql as the role that loads' <<<"$out"
[ "$tap_fail" -eq 0 ] || sed 's/^/#   /' <<<"$out"

stop_pg
check "cluster stopped" test ! -e "$tmp/data/postmaster.pid"
[ "$tap_fail" -eq 0 ] || tail -n 20 "$tmp/sock/server.log" 2>/dev/null | sed 's/^/# /'
done_testing
