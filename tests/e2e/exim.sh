#!/bin/bash
# End to end through a real Exim (Debian's exim4-daemon-light, 4.96):
# mail submitted over SMTP is routed by the router and pipe transport of
# contrib/exim/exim4.conf.snippet (its active lines as shipped) to
# tlsrpt-lda.  Checks the records, a deferral (exit 75) and its retry, a
# duplicate and a quarantined mail, first in a minimal configuration of
# the test's own, then in Debian's generated configuration, both ways the
# recipe's comment describes: the split one (conf.d files) and the
# non-split one (exim4.conf.template), each built by update-exim4.conf.
#
# Nothing is installed that could replace the host's MTA: where exim4 is
# the host's MTA its binary, conf.d and template are used; elsewhere
# (Postfix installed, or no MTA) Debian's exim4-daemon-light, exim4-base
# and exim4-config packages are downloaded and unpacked into the temp dir
# (dpkg -x), and only the libraries the binary needs are installed.
# Every daemon is private: its own configuration (-C, listed in
# /etc/exim4/trusted_configs for the run, as Debian's binary requires),
# spool, log and pid file in the temp dir, a 127.0.0.1 port of its own;
# it is stopped by its pid.  update-exim4.conf reads a copy of the
# configuration directory (--confdir) and writes into the temp dir
# (--output): /etc/exim4 and /var/lib/exim4 are never changed but for
# the trusted_configs lines, which are removed again, as is the
# Debian-exim user when the test had to create it.
. "$(dirname "$0")/lib.sh"

e2e_require_root exim4
e2e_tmpdir
trusted=/etc/exim4/trusted_configs
trusted_file_created=
trusted_dir_created=
exim_user_created=
exim_pid=
# untrust: remove the lines this test added to trusted_configs (and the
# file and directory when it created them)
untrust() {
	[ -s "$tmp/trusted-added" ] || return 0
	grep -vxF -f "$tmp/trusted-added" "$trusted" >"$tmp/trusted.new"
	if [ -n "$trusted_file_created" ] && [ ! -s "$tmp/trusted.new" ]; then
		rm -f "$trusted"
	else
		cat "$tmp/trusted.new" >"$trusted"
	fi
	[ -n "$trusted_dir_created" ] && rmdir /etc/exim4 2>/dev/null
	: >"$tmp/trusted-added"
}
# trust CONF: add CONF to trusted_configs for the run
trust() {
	if [ ! -d /etc/exim4 ]; then
		install -d -m 0755 /etc/exim4 && trusted_dir_created=1
	fi
	if [ ! -e "$trusted" ]; then
		install -m 0644 /dev/null "$trusted" && trusted_file_created=1
	fi
	grep -qxF "$1" "$trusted" && return 0
	echo "$1" >>"$trusted" && echo "$1" >>"$tmp/trusted-added"
}
exim_user_cleanup() {
	[ -n "$exim_user_created" ] || return 0
	deluser --quiet --system Debian-exim >/dev/null 2>&1
	delgroup --quiet --system Debian-exim >/dev/null 2>&1
	exim_user_created=
}
exim_pidfile=
stop_exim() {
	[ -n "$exim_pid" ] || exim_pid=$(cat "$exim_pidfile" 2>/dev/null)
	e2e_stop_pid "$exim_pid"
	exim_pid=
}
trap 'stop_exim; untrust; exim_user_cleanup; e2e_user_cleanup; chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT

# /etc/exim4, /var/lib/exim4 and the host's daemon as they are now
# (compared at the end)
e2e_files_state /etc/exim4 /var/lib/exim4 >"$tmp/etc-before"
host_exim=$(e2e_running /run/exim4/exim.pid)

installed() { dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q '^install ok installed$'; }
if { installed exim4-daemon-light || installed exim4-daemon-heavy; } && installed exim4-config &&
	[ -x /usr/sbin/exim4 ] && [ -x /usr/sbin/update-exim4.conf ] && [ -d /etc/exim4/conf.d ]; then
	XR=
	origin="the host's exim4"
else
	# Debian's packages, unpacked
	XR=$tmp/exim-root
	e2e_download "$tmp/debs" exim4-daemon-light exim4-base exim4-config
	# the libraries exim4 links with (none conflicts with an MTA)
	libs=$(dpkg-deb -f "$tmp"/debs/exim4-daemon-light_*.deb Depends | tr ',' '\n' |
		sed -n 's/^ *\(lib[^ (|]*\).*/\1/p')
	e2e_install $libs
	for f in "$tmp"/debs/*.deb; do
		dpkg -x "$f" "$XR" || { echo "Bail out! dpkg -x $f failed"; exit 1; }
	done
	origin="Debian's packages unpacked (dpkg -x), $(dpkg-deb -f "$tmp"/debs/exim4-daemon-light_*.deb Version)"
fi
EXIM=$XR/usr/sbin/exim4
[ -x "$EXIM" ] || { echo "Bail out! no $EXIM"; exit 1; }
# the user Debian's binary runs as (compiled in), as exim4-base creates it
had_exim_user=$(getent passwd Debian-exim >/dev/null && echo yes)
if [ -z "$had_exim_user" ]; then
	adduser --system --group --quiet --home /var/spool/exim4 --no-create-home \
		--disabled-login --force-badname Debian-exim >/dev/null ||
		{ echo "Bail out! cannot create the user Debian-exim"; exit 1; }
	exim_user_created=1
fi
ok "exim4 from $origin: $("$EXIM" -bV 2>/dev/null | sed -n '1s/^Exim version \([^ ]*\).*/\1/p')"

e2e_user
e2e_mails
R=tlsrpt@$E2E_DOMAIN
E2E_SMTP_PORT=$(e2e_free_port) || { echo "Bail out! no free port in 10025-10099"; exit 1; }

# start_exim NAME CONF: a daemon on CONF, its spool, log and pid file in
# $tmp/NAME; sets log, exim_pid and the command exim (-C CONF)
start_exim() {
	local d=$tmp/$1 i
	conf=$2
	chmod 0644 "$conf"
	trust "$conf"
	log=$d/log/mainlog
	exim() { "$EXIM" -C "$conf" "$@"; }
	if ! exim -bV >"$d/bV" 2>&1; then
		sed 's/^/# /' "$d/bV"
		return 1
	fi
	exim_pidfile=$d/exim.pid
	exim -bd -oX "$E2E_SMTP_PORT" -oP "$exim_pidfile" >"$d/start.log" 2>&1
	# the pid file may come a moment after the port
	if wait_port; then
		for ((i = 0; i < 50; i++)); do
			[ -s "$exim_pidfile" ] && { exim_pid=$(cat "$exim_pidfile"); return 0; }
			sleep 0.1
		done
	fi
	cat "$d/start.log" "$d"/log/* 2>/dev/null | sed 's/^/# /'
	return 1
}
# exim_dirs NAME: the spool and log directories of instance NAME
exim_dirs() {
	install -d -m 0755 "$tmp/$1"
	install -d -o Debian-exim -g Debian-exim -m 0750 "$tmp/$1/spool" "$tmp/$1/log"
}
# the settings that make a configuration a private instance
private_main() {
	cat <<EOF
exim_path = $EXIM
spool_directory = $tmp/$1/spool
log_file_path = $tmp/$1/log/%slog
pid_file_path = $tmp/$1/exim.pid
EOF
}

# delivered ID STATUS [NTH]: the NTH delivery attempt of message ID
# (default the first) ended with STATUS: sent (=>), deferred (==) or
# bounced (**)
delivered() {
	local re="$1 (=>|==|\*\*) " n=${3:-1} got
	wait_log "$log" "$re" "$n" || return 1
	got=$(grep -E -- "$re" "$log" | sed -n "${n}{s/.*$1 \\(..\\) .*/\\1/;p}")
	case $got in "=>") got=sent ;; "==") got=deferred ;; "**") got=bounced ;; esac
	[ "$got" = "$2" ] || { echo "# $1: attempt $n: $got, wanted $2"; return 1; }
}
# submit_all LABEL: every mail of $tmp/mail, queue ids into $ids
submit_all() {
	local f n=0
	ids=()
	for f in "$tmp"/mail/*.eml; do
		smtp_send "$E2E_SENDER" "$R" "$f" && [ -n "$SMTP_ID" ] && ids+=("$SMTP_ID")
		n=$((n + 1))
	done
	is "$1$n mails accepted over SMTP" "${#ids[@]}" "$n"
}
all_sent() {
	local id bad=0
	for id in "${ids[@]}"; do delivered "$id" sent || bad=1; done
	[ "$bad" -eq 0 ]
}
# stopped LABEL: stop the daemon; check that its pid and port are gone
stopped() {
	local pid=$exim_pid
	stop_exim
	check "${1}exim stopped (pid $pid gone, port $E2E_SMTP_PORT closed)" \
		sh -c "! kill -0 $pid 2>/dev/null && ! (exec 3<>/dev/tcp/127.0.0.1/$E2E_SMTP_PORT) 2>/dev/null"
}

# --- a minimal configuration: loopback only, one domain, one address, no
# mail out; the router and transport are the recipe's ---
S=$tmp/spool
e2e_spool "$S" _tlsrpt
exim_dirs minimal
{
	private_main minimal
	cat <<EOF
primary_hostname = mx.$E2E_DOMAIN
domainlist local_domains = $E2E_DOMAIN
local_interfaces = 127.0.0.1
never_users = root
host_lookup =
tls_advertise_hosts =
keep_environment =
acl_smtp_rcpt = acl_check_rcpt

begin acl

acl_check_rcpt:
  accept  domains = +local_domains
          local_parts = tlsrpt
  deny    message = relay not permitted

EOF
	snippet exim/exim4.conf.snippet "$S"
	cat <<EOF

begin retry

*   *   F,2h,15m; G,16h,1h,1.5; F,4d,6h
EOF
} >"$tmp/minimal.conf"
if start_exim minimal "$tmp/minimal.conf"; then
	ok "exim started on 127.0.0.1:$E2E_SMTP_PORT (pid $exim_pid) with a minimal configuration"
else
	not_ok "exim started with a minimal configuration"
	done_testing; exit
fi

submit_all ""
check "every mail delivered by the pipe transport (=>)" all_sent
check "delivery lines name the recipe's router and transport" \
	grep -q "${ids[0]} => tlsrpt <$R> R=tlsrpt T=tlsrpt_pipe" "$log"
e2e_check_records "pipe transport" "$S" "$R" _tlsrpt

# a duplicate: delivered, stored once
smtp_send "$E2E_SENDER" "$R" "$tmp/mail/zz-e2e-1.eml"
check "duplicate: delivered" delivered "$SMTP_ID" sent
is "duplicate: stored once" "$(e2e_count "$S" e2e-1)" 1

# spam: delivered, quarantined
q0=$(find "$S/quarantine/new" -type f 2>/dev/null | wc -l)
smtp_send "$E2E_SENDER" "$R" "$tmp/extra/spam.eml"
check "spam: delivered" delivered "$SMTP_ID" sent
q=$(e2e_quarantined "$S" "cheap pills")
is "spam: quarantined once" "$(find "$S/quarantine/new" -type f | wc -l) $(echo "$q" | grep -c .)" "$((q0 + 1)) 1"
check "spam: quarantined copy starts with the reason" \
	grep -q '^X-Tlsrpt-Quarantine-Reason: ' <(head -n 1 "$q")

# unwritable spool: exit 75 -> deferred (==); fixed -> exim -M -> delivered
# exactly once
queued() { exim -bp | grep -q "$1"; }
before=$(e2e_records "$S")
chmod -R a-w "$S"
smtp_send "$E2E_SENDER" "$R" "$tmp/extra/retry.eml"
id=$SMTP_ID
check "unwritable spool: deferred (exit 75 honoured)" delivered "$id" deferred
check "unwritable spool: exit 75 in the log" \
	grep -q "$id == $R R=tlsrpt T=tlsrpt_pipe defer .*returned 75 " "$log"
check "unwritable spool: our one-line reason in the log (log_defer_output)" \
	grep -q "$id <$R>: tlsrpt_pipe transport output: tlsrpt-lda: deferred reason=" "$log"
check "unwritable spool: message still queued" queued "$id"
is "unwritable spool: spool unchanged" "$(e2e_records "$S")" "$before"
chmod -R u+w "$S"
exim -M "$id" >/dev/null 2>&1
check "fixed + exim -M: delivered" delivered "$id" sent 2
is "fixed + exim -M: delivered exactly once" \
	"$(grep -Ec "$id => " "$log") $(e2e_count "$S" e2e-retry)" "1 1"
check "fixed + exim -M: message completed" grep -q "$id Completed" "$log"
is "queue empty afterwards" "$(exim -bpc)" 0

check "no bounce, no panic" sh -c "! grep -q ' \*\* ' '$log' && ! test -s '$tmp/minimal/log/paniclog'"
[ "$tap_fail" -eq 0 ] || sed 's/^/# /' "$tmp"/minimal/log/*
stopped ""

# --- Debian's configuration, generated by update-exim4.conf from a copy
# of the configuration directory with the recipe added as its comment
# says: split (conf.d files) and non-split (exim4.conf.template) ---
# debian_conf KIND SPOOL: $tmp/KIND.conf, or fail
debian_conf() {
	local kind=$1 spool=$2 cd=$tmp/$1/etc-exim4 split=true
	[ "$kind" = debian-nonsplit ] && split=false
	install -d -m 0755 "$cd"
	cp -a "$XR/etc/exim4/conf.d" "$XR/etc/exim4/exim4.conf.template" "$cd/" || return 1
	# what debconf writes for "local delivery only", the test domain
	# local, loopback only (no ::1 in every container)
	cat >"$cd/update-exim4.conf.conf" <<EOF
dc_eximconfig_configtype='local'
dc_other_hostnames='$E2E_DOMAIN'
dc_local_interfaces='127.0.0.1'
dc_readhost=''
dc_relay_domains=''
dc_minimaldns='false'
dc_relay_nets=''
dc_smarthost=''
CFILEMODE='644'
dc_use_split_config='$split'
dc_hide_mailname=''
dc_mailname_in_oh='true'
dc_localdelivery='mail_spool'
EOF
	snippet exim/exim4.conf.snippet "$spool" | sed -n '/^begin routers$/,/^begin transports$/{/^begin /d;p}' >"$tmp/$kind/router"
	snippet exim/exim4.conf.snippet "$spool" | sed -n '/^begin transports$/,${/^begin /d;p}' >"$tmp/$kind/transport"
	if [ "$split" = true ]; then
		cp "$tmp/$kind/router" "$cd/conf.d/router/350_exim4-config_tlsrpt"
		cp "$tmp/$kind/transport" "$cd/conf.d/transport/30_exim4-config_tlsrpt_pipe"
	else
		# the router before the one for aliases and local users, the
		# transport first in "begin transports"
		awk -v r="$tmp/$kind/router" -v t="$tmp/$kind/transport" '
			/^system_aliases:/ && !rd { while ((getline l < r) > 0) print l; print ""; rd = 1 }
			{ print }
			/^begin transports/ && !td { print ""; while ((getline l < t) > 0) print l; td = 1 }
			END { if (!rd || !td) exit 1 }' "$XR/etc/exim4/exim4.conf.template" >"$cd/exim4.conf.template" ||
			{ echo "# no system_aliases router or no 'begin transports' in exim4.conf.template"; return 1; }
	fi
	"$XR/usr/sbin/update-exim4.conf" --confdir "$cd" --output "$tmp/$kind/generated.conf" >"$tmp/$kind/update.log" 2>&1 ||
		{ sed 's/^/# /' "$tmp/$kind/update.log"; return 1; }
	# the generated configuration with the test's paths in place of
	# Debian's (CONFDIR and SPOOLDIR are macros it lets one preset)
	{
		echo "CONFDIR = $cd"
		echo "SPOOLDIR = $tmp/$kind/spool"
		private_main "$kind" | grep -v '^spool_directory'
		grep -v '^exim_path = ' "$tmp/$kind/generated.conf"
	} >"$tmp/$kind.conf"
}

# debian KIND LABEL: the whole round through Debian's configuration KIND
debian() {
	local kind=$1 l="$2: " D=$tmp/spool-$1
	e2e_spool "$D" _tlsrpt
	exim_dirs "$kind"
	check "${l}update-exim4.conf builds the configuration with the recipe" debian_conf "$kind" "$D"
	[ -s "$tmp/$kind.conf" ] || return 0
	conf=$tmp/$kind.conf
	check "${l}the generated configuration has the router and transport" \
		sh -c "'$EXIM' -C '$conf' -bP router tlsrpt | grep -q 'driver = accept' &&
			'$EXIM' -C '$conf' -bP transport tlsrpt_pipe | grep -q 'command = $BIN --spool $D'"
	# the router comes before Debian's routers for aliases and local users
	is "${l}router order: tlsrpt before system_aliases and local_user" \
		"$(sed -n 's/^\(tlsrpt\|system_aliases\|local_user\):$/\1/p' "$conf" | tr '\n' ' ')" \
		"tlsrpt system_aliases local_user "
	if start_exim "$kind" "$conf"; then
		ok "${l}exim started on 127.0.0.1:$E2E_SMTP_PORT (pid $exim_pid)"
	else
		not_ok "${l}exim started"
		return 0
	fi
	submit_all "$l"
	check "${l}every mail delivered by the pipe transport (=>)" all_sent
	check "${l}delivery lines name the recipe's router and transport" \
		grep -q "${ids[0]} => tlsrpt <$R> R=tlsrpt T=tlsrpt_pipe" "$log"
	e2e_check_records "$2" "$D" "$R" _tlsrpt
	is "${l}queue empty afterwards" "$(exim -bpc)" 0
	check "${l}no bounce, no panic" sh -c "! grep -q ' \*\* ' '$log' && ! test -s '$tmp/$kind/log/paniclog'"
	[ "$tap_fail" -eq 0 ] || sed 's/^/# /' "$tmp/$kind"/log/*
	stopped "$l"
}
debian debian-split "Debian split conf.d"
debian debian-nonsplit "Debian non-split template"

untrust
exim_user_cleanup
e2e_files_state /etc/exim4 /var/lib/exim4 >"$tmp/etc-after"
check "/etc/exim4 and /var/lib/exim4 as before the test (trusted_configs put back)" \
	cmp -s "$tmp/etc-before" "$tmp/etc-after"
is "the host's exim daemon as before the test (${host_exim:-none})" \
	"$(e2e_running /run/exim4/exim.pid)" "$host_exim"
is "the user Debian-exim as before the test" \
	"$(getent passwd Debian-exim >/dev/null && echo yes)" "$had_exim_user"
done_testing
