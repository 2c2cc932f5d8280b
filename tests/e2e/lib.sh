# Shared helpers for the end-to-end tests (tests/e2e/*.sh): the opt-in
# and root check, package installs that never remove a package nor start
# a service, a world-readable copy of the binary, free loopback ports, a
# private Postfix instance, a tiny SMTP client on bash's /dev/tcp,
# bounded waits on a log file.  Sourced after tests/lib.sh (TAP helpers,
# report_eml, dump_spool).
#
# The rules every e2e script keeps, so that it is safe on a production
# mail host: it runs only with TLSRPT_E2E=1; it never removes a package
# (an install that would is skipped with the reason); installs start no
# service; every daemon it needs is a private instance of its own
# (config, pid file, log and spool in the temp dir, a 127.0.0.1 port of
# 10025-10099), stopped by its pid; any file outside the temp dir it has
# to touch is put back at exit.
e2e_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${top_srcdir:=$(cd "$e2e_dir/../.." && pwd)}"
if [ -z "${top_builddir:-}" ]; then
	top_builddir=$top_srcdir
	[ -x "$top_srcdir/build/tlsrpt-lda" ] && top_builddir=$top_srcdir/build
fi
. "$top_srcdir/tests/lib.sh"
# delivery times are real under an MTA; the fixed clock only for direct runs
unset TLSRPT_LDA_NOW
export DEBIAN_FRONTEND=noninteractive
# a signal still runs the scripts' EXIT trap (stops the MTA, cleans up)
trap 'e2e_services_allow; exit 129' HUP
trap 'e2e_services_allow; exit 130' INT
trap 'e2e_services_allow; exit 143' TERM
# where the tests send mail: the one domain every test MTA accepts
E2E_DOMAIN=tlsrpt.test
E2E_SENDER=reports@sender.example

# Skip the whole script unless asked for (TLSRPT_E2E=1) and able to
# install and run the server: a plain `make check TESTS=tests/e2e/x.sh`
# installs, starts and stops nothing.
e2e_require_root() {
	[ "${TLSRPT_E2E:-}" = 1 ] ||
		skip_all "end-to-end test: installs and runs $1; set TLSRPT_E2E=1 to run it"
	[ "$(id -u)" -eq 0 ] || skip_all "needs root to install and run $1"
	command -v apt-get >/dev/null 2>&1 || skip_all "needs apt-get (Debian) to install $1"
	command -v jq >/dev/null 2>&1 || skip_all "needs jq"
	if [ ! -x "$LDA" ]; then
		echo "Bail out! no tlsrpt-lda binary at $LDA (set LDA=...)"
		exit 1
	fi
}

# Installs start no service: where no /usr/sbin/policy-rc.d exists, one
# that refuses every start (exit 101, honoured by invoke-rc.d and
# deb-systemd-invoke) is in place for the test's own apt-get run and
# removed right after.  The marker line lets a later run remove one that
# a killed run left behind.
E2E_POLICY=/usr/sbin/policy-rc.d
E2E_POLICY_MARK="# tlsrpt-lda tests/e2e: no service starts during the test's apt-get"
e2e_services_deny() {
	if [ -e "$E2E_POLICY" ] && ! grep -qxF "$E2E_POLICY_MARK" "$E2E_POLICY" 2>/dev/null; then
		return 0
	fi
	printf '#!/bin/sh\n%s\nexit 101\n' "$E2E_POLICY_MARK" >"$E2E_POLICY.e2e" &&
		chmod 0755 "$E2E_POLICY.e2e" && mv -f "$E2E_POLICY.e2e" "$E2E_POLICY" &&
		E2E_POLICY_ADDED=1
}
e2e_services_allow() {
	[ -n "${E2E_POLICY_ADDED:-}" ] || return 0
	grep -qxF "$E2E_POLICY_MARK" "$E2E_POLICY" 2>/dev/null && rm -f "$E2E_POLICY"
	E2E_POLICY_ADDED=
}

# e2e_apt ARG...: apt-get that waits for the dpkg lock, asks nothing and
# never removes a package (--no-remove: apt aborts instead)
e2e_apt() {
	apt-get -o DPkg::Lock::Timeout=600 -y -qq --no-install-recommends --no-remove "$@"
}

# e2e_would_remove PKG...: the packages installing PKG... would remove
# (none: empty); fails when apt cannot resolve the install at all
e2e_would_remove() {
	apt-get -s -qq --no-install-recommends install "$@" >"$tmp/apt-sim.log" 2>&1 || return 1
	sed -n 's/^Remv \([^ ]*\).*/\1/p' "$tmp/apt-sim.log" | tr '\n' ' ' | sed 's/ $//'
}

# e2e_install PKG...: install what is missing (apt-get update only when
# apt does not know a package yet), with no service started; skip the
# script when apt cannot, or when the install would remove a package
# (Postfix and exim4-daemon-light replace each other).
e2e_install() {
	local missing=() p rm rc
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	if ! rm=$(e2e_would_remove "${missing[@]}"); then
		apt-get update -qq >"$tmp/apt.log" 2>&1
		rm=$(e2e_would_remove "${missing[@]}") ||
			skip_all "apt-get cannot install ${missing[*]}: $(grep -m1 '^E:' "$tmp/apt-sim.log")"
	fi
	[ -z "$rm" ] || skip_all "installing ${missing[*]} would remove $rm (the tests never remove a package)"
	e2e_services_deny
	e2e_apt install "${missing[@]}" >>"$tmp/apt.log" 2>&1
	rc=$?
	e2e_services_allow
	[ "$rc" -eq 0 ] || skip_all "apt-get cannot install ${missing[*]}: $(grep -m1 '^E:' "$tmp/apt.log")"
}

# e2e_download DIR PKG...: Debian's .deb of each PKG into DIR, nothing
# installed (apt-get download writes as _apt: DIR is made world-writable);
# apt-get update and once more when apt does not know a package yet; skip
# the script when apt cannot.
e2e_download() {
	local dir=$1
	shift
	install -d -m 0777 "$dir"
	if ! (cd "$dir" && apt-get download "$@") >"$tmp/download.log" 2>&1; then
		apt-get update -qq >>"$tmp/download.log" 2>&1
		(cd "$dir" && apt-get download "$@") >>"$tmp/download.log" 2>&1 ||
			skip_all "apt-get download $*: $(grep -m1 '^E:' "$tmp/download.log")"
	fi
}

# e2e_free_port [LO [HI]]: the first port of LO..HI (10025-10099) that
# nothing listens on at 127.0.0.1; fails when there is none
e2e_free_port() {
	local p
	for ((p = ${1:-10025}; p <= ${2:-10099}; p++)); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
	done
	return 1
}

# e2e_stop_pid PID [SECONDS]: TERM one process the test started and wait
# (default 10 s) until it is gone
e2e_stop_pid() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || return 0
	for ((i = 0; i < ${2:-10} * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "# pid $pid did not stop in ${2:-10} s"
	return 1
}

# e2e_files_state PATH...: a checksum line for every file and symlink
# under PATH... (missing paths print nothing), to compare the host's
# configuration before and after a test
e2e_files_state() {
	find "$@" -xdev \( -type f -o -type l \) -print0 2>/dev/null | sort -z |
		xargs -0 -r md5sum 2>/dev/null
	local d
	for d in "$@"; do [ -e "$d" ] && echo "exists: $d"; done
}

# e2e_running PIDFILE: the pid in PIDFILE when that process runs (the
# host's own daemon, which a test must leave running); empty otherwise
e2e_running() {
	local pid
	pid=$(sed -n '1s/^ *\([0-9][0-9]*\).*/\1/p' "$1" 2>/dev/null)
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
	return 0
}

# A test directory every user can traverse (the MTA runs the binary and
# writes the spool as nobody), holding bin/tlsrpt-lda.
e2e_tmpdir() {
	tmp=$(mktemp -d /tmp/tlsrpt-e2e.XXXXXX)
	chmod 0755 "$tmp"
	install -d -m 0755 "$tmp/bin"
	install -m 0755 "$LDA" "$tmp/bin/tlsrpt-lda"
	BIN=$tmp/bin/tlsrpt-lda
}

# e2e_spool DIR [USER]: an empty spool owned by USER (nobody), as the
# recipes tell users to create it
e2e_spool() {
	local u=${2:-nobody}
	install -d -o "$u" -g "$(id -gn "$u")" -m 0750 "$1"
}

# The dedicated user of the recipes in contrib/, created as they say
# (and removed again at exit when this script created it).
e2e_user() {
	getent passwd _tlsrpt >/dev/null && return 0
	adduser --quiet --system --group --home /var/lib/tlsrpt --no-create-home _tlsrpt >/dev/null ||
		{ echo "Bail out! cannot create the user _tlsrpt"; exit 1; }
	E2E_USER_CREATED=1
}
e2e_user_cleanup() {
	[ -n "${E2E_USER_CREATED:-}" ] || return 0
	deluser --quiet --system _tlsrpt >/dev/null 2>&1
	delgroup --quiet --system _tlsrpt >/dev/null 2>&1
	E2E_USER_CREATED=
}

# snippet FILE SPOOL: the active lines (no comments, no blank lines) of
# contrib/FILE, with the test's binary, spool and mail domain in place of
# /usr/local/bin/tlsrpt-lda, /var/spool/tlsrpt and example.com.  The
# tests run the recipes exactly as shipped, but for these paths.
snippet() {
	sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$/d' \
		-e "s|/usr/local/bin/tlsrpt-lda|$BIN|g" -e "s|/var/spool/tlsrpt|$2|g" \
		-e "s|example\.com|$E2E_DOMAIN|g" "$top_srcdir/contrib/$1"
}

# The test mails: examples/*.eml plus three generated reports.
e2e_mails() {
	local f
	install -d -m 0755 "$tmp/mail"
	for f in "$top_srcdir"/examples/*.eml; do
		[ -e "$f" ] && cp "$f" "$tmp/mail/"
	done
	report_eml "Example Org" e2e-1 2026-05-18 example.com 3 >"$tmp/mail/zz-e2e-1.eml"
	report_eml "Example Org" e2e-2 2026-05-18 example.net 0 >"$tmp/mail/zz-e2e-2.eml"
	report_eml "Other Org" e2e-3 2026-05-17 example.com 7 >"$tmp/mail/zz-e2e-3.eml"
	# fed to the retry and duplicate scenarios, never in the main set
	install -d -m 0755 "$tmp/extra"
	report_eml "Example Org" e2e-retry 2026-05-19 example.com 5 >"$tmp/extra/retry.eml"
	printf 'From: someone@spam.example\nTo: tlsrpt@%s\nSubject: cheap pills\nMessage-ID: <spam1@spam.example>\n\nBuy now.\n' \
		"$E2E_DOMAIN" >"$tmp/extra/spam.eml"
	chmod 0644 "$tmp"/mail/* "$tmp"/extra/*
}

# e2e_expected SPOOL RECIPIENT: what the MTA deliveries must produce,
# printed as e2e_records does: each mail of $tmp/mail delivered straight
# to the binary with the recipient in the environment (none when empty),
# as README says MTAs provide it.
e2e_expected() {
	local f rc
	install -d -m 0755 "$1"
	for f in "$tmp"/mail/*.eml; do
		ORIGINAL_RECIPIENT=$2 "$BIN" --spool "$1" --log stderr --quiet <"$f"
		rc=$?
		[ "$rc" -eq 0 ] || { echo "direct delivery of ${f##*/} failed (exit $rc)"; return 1; }
	done
	e2e_records "$1"
}

# e2e_records SPOOL: the records (less received_at), by daily file, and
# the number of quarantined mails.  Sorted within each file: an MTA runs
# deliveries in parallel, so the order of the lines is not the order of
# submission.
e2e_records() {
	local f
	for f in "$1"/*.jsonl; do
		[ -e "$f" ] || continue
		echo "== ${f##*/}"
		jq -c 'del(.received_at)' "$f" | sort
	done
	echo "quarantined: $(find "$1/quarantine/new" -type f 2>/dev/null | wc -l)"
}

# SMTP on /dev/tcp to 127.0.0.1:$E2E_SMTP_PORT (the private MTA's port,
# set by the script, e.g. from e2e_free_port): smtp_send FROM RCPT FILE
# submits FILE (LF or CRLF, dot-stuffed here) and sets SMTP_ID to the
# queue id from the final 250.
E2E_SMTP_PORT=${E2E_SMTP_PORT:-10025}
smtp_reply() {
	local want=$1 line
	while IFS= read -r -t 20 -u 3 line; do
		line=${line%$'\r'}
		SMTP_LINE=$line
		case $line in
		[0-9][0-9][0-9]-*) continue ;;
		"$want "*) return 0 ;;
		*) echo "# smtp: unexpected reply: $line"; return 1 ;;
		esac
	done
	echo "# smtp: no reply (wanted $want)"
	return 1
}
smtp_send() {
	local from=$1 rcpt=$2 file=$3 rc=1
	SMTP_ID=
	exec 3<>"/dev/tcp/127.0.0.1/$E2E_SMTP_PORT" || return 1
	if smtp_reply 220 &&
		printf 'EHLO client.test\r\n' >&3 && smtp_reply 250 &&
		printf 'MAIL FROM:<%s>\r\n' "$from" >&3 && smtp_reply 250 &&
		printf 'RCPT TO:<%s>\r\n' "$rcpt" >&3 && smtp_reply 250 &&
		printf 'DATA\r\n' >&3 && smtp_reply 354 &&
		awk '{ sub(/\r$/, ""); if (substr($0, 1, 1) == ".") $0 = "." $0; printf "%s\r\n", $0 }' "$file" >&3 &&
		printf '.\r\n' >&3 && smtp_reply 250; then
		rc=0
		case $SMTP_LINE in
		*"queued as "*) SMTP_ID=${SMTP_LINE##*queued as } ;;
		*"id="*) SMTP_ID=${SMTP_LINE##*id=} ;;
		esac
		SMTP_ID=${SMTP_ID%% *}
		printf 'QUIT\r\n' >&3
		smtp_reply 221 >/dev/null
	fi
	exec 3<&- 3>&-
	return $rc
}

# wait_log FILE ERE [COUNT [SECONDS]]: until FILE has COUNT lines matching
# ERE (default 1 line, 30 s).  Fails on time-out.
wait_log() {
	local file=$1 re=$2 count=${3:-1} secs=${4:-30} i
	for ((i = 0; i < secs * 5; i++)); do
		[ "$(grep -Ec -- "$re" "$file" 2>/dev/null)" -ge "$count" ] && return 0
		sleep 0.2
	done
	echo "# timed out after ${secs}s waiting for $count x /$re/ in $file"
	return 1
}

# e2e_listening PORT: something accepts connections on 127.0.0.1:PORT
e2e_listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port [PORT]: until something listens on 127.0.0.1:PORT (default
# $E2E_SMTP_PORT; 10 s)
wait_port() {
	local i
	for ((i = 0; i < 50; i++)); do
		e2e_listening "${1:-$E2E_SMTP_PORT}" && return 0
		sleep 0.2
	done
	return 1
}

# e2e_spool_examples SPOOL: the records of examples/*.eml in SPOOL, and
# e2e_golden_examples: the ones tests/golden.sh expects of them
# (tests/data/golden/examples/*.out); both as "FILE<TAB>record" lines,
# less received_at and recipient, sorted
e2e_spool_examples() {
	local f
	for f in "$1"/*.jsonl; do
		[ -e "$f" ] || continue
		jq -r --arg f "${f##*/}" 'select(.report_id | startswith("e2e-") | not) |
			del(.received_at, .recipient) | "\($f)\t\(tojson)"' "$f"
	done | sort
}
e2e_golden_examples() {
	awk '/^== .*\.jsonl ==$/ { f = $2; next } /^\{/ { print f "\t" $0 }' \
		"$top_srcdir"/tests/data/golden/examples/*.out |
		jq -R -r 'split("\t") as [$f, $j] | ($j | fromjson | del(.received_at, .recipient)) as $r | "\($f)\t\($r | tojson)"' |
		sort
}
# the day the script started: a run across midnight (UTC) delivers on two
E2E_DAY0=$(date -u +%F)

# e2e_check_records LABEL SPOOL RECIPIENT OWNER: the tests every recipe
# runs after delivering all of $tmp/mail to SPOOL (RECIPIENT empty when
# the MTA passes none, so "recipient" must be null).
e2e_check_records() {
	local label=$1 spool=$2 rcpt=$3 owner=$4 want_rcpt=${3:-null} f
	is "$label: records equal a direct delivery (less received_at)" \
		"$(e2e_records "$spool")" "$(e2e_expected "$tmp/want-${label//[^a-z0-9]/_}" "$rcpt")"
	set -- "$spool"/*.jsonl
	is "$label: examples' records equal tests/data/golden/examples (less received_at, recipient)" \
		"$(e2e_spool_examples "$spool")" "$(e2e_golden_examples)"
	is "$label: generated reports stored with their fields" \
		"$(jq -r 'select(.report_id | startswith("e2e-")) | [.organization_name, .report_id, .policy_domain, .failed_session_count, .message_id, .submitter, .source, .recipient // "null"] | @tsv' "$@" | sort)" \
		"$(printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
			'Example Org' e2e-1 example.com 3 '<e2e-1@sender.example>' sender.example mail "$want_rcpt" \
			'Example Org' e2e-2 example.net 0 '<e2e-2@sender.example>' sender.example mail "$want_rcpt" \
			'Other Org' e2e-3 example.com 7 '<e2e-3@sender.example>' sender.example mail "$want_rcpt")"
	is "$label: \"recipient\" on every record is $want_rcpt" \
		"$(jq -r '.recipient // "null"' "$@" | sort -u)" "$want_rcpt"
	is "$label: received_at is the delivery time" \
		"$(jq -r .received_at "$@" | grep -cvxE "($E2E_DAY0|$(date -u +%F))T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")" 0
	is "$label: daily files owned by $owner, mode 0640" \
		"$(stat -c '%U %a' "$@" | sort -u)" "$owner 640"
}

# e2e_count SPOOL REPORT_ID: how many records of that report are stored
e2e_count() {
	cat "$1"/*.jsonl 2>/dev/null | jq -r --arg id "$2" 'select(.report_id == $id) | .report_id' | wc -l
}

# e2e_quarantined SPOOL SUBJECT: the quarantined copies of that mail
# (kept as received: CRLF when Dovecot pipes it)
e2e_quarantined() { grep -lE "^Subject: $2"$'\r?$' "$1"/quarantine/new/* 2>/dev/null; }

# A throw-away user with its home in $tmp, for the recipes that live in
# a user's home (procmail, maildrop) or deliver as one (Dovecot):
# created fresh and removed at exit (e2e_testuser_cleanup).
E2E_TESTUSER=tlsrpt-e2e
e2e_testuser() {
	home=$tmp/home
	e2e_testuser_cleanup
	adduser --quiet --system --group --home "$home" "$E2E_TESTUSER" >/dev/null ||
		{ echo "Bail out! cannot create the user $E2E_TESTUSER"; exit 1; }
}
e2e_testuser_cleanup() {
	getent passwd "$E2E_TESTUSER" >/dev/null || return 0
	deluser --quiet --system "$E2E_TESTUSER" >/dev/null 2>&1
	delgroup --quiet --system "$E2E_TESTUSER" >/dev/null 2>&1
	rm -f "/var/mail/$E2E_TESTUSER"
}

# e2e_local RCPT CMD...: run CMD as the test user the way Postfix's
# local(8) runs a mailbox_command: its environment only, umask 077.
e2e_local() {
	local r=$1
	shift
	runuser -u "$E2E_TESTUSER" -- env -i PATH=/usr/bin:/bin HOME="$home" \
		USER="$E2E_TESTUSER" LOGNAME="$E2E_TESTUSER" SHELL=/bin/sh \
		SENDER="$E2E_SENDER" RECIPIENT="$r" ORIGINAL_RECIPIENT="$r" \
		LOCAL="${r%@*}" DOMAIN="${r#*@}" \
		sh -c 'umask 077; exec "$@"' sh "$@"
}

# e2e_each RCPT CMD...: e2e_local for every mail of $tmp/mail; prints
# the exit codes that were not 0 ("all 0" when none)
e2e_each() {
	local f rc out=
	for f in "$tmp"/mail/*.eml; do
		e2e_local "$@" <"$f" 2>>"$tmp/stderr"
		rc=$?
		[ "$rc" -eq 0 ] || out="$out ${f##*/}:$rc"
	done
	echo "${out:- all 0}"
}

# e2e_mailbox DIR: how many mails a maildir holds (new and cur)
e2e_mailbox() { find "$1/new" "$1/cur" -type f 2>/dev/null | wc -l; }

# A private Postfix instance (postfix -c DIR): its own main.cf and
# master.cf in $E2E_PF, queue, data directory and log ($E2E_PF_LOG) in the
# temp dir, smtpd on 127.0.0.1:$E2E_SMTP_PORT only, mail for $E2E_DOMAIN
# only, nothing relayed or sent out.  A Postfix the host runs (its
# /etc/postfix, queue and port 25) is never touched: not reconfigured,
# reloaded, restarted or stopped.
#   e2e_postfix_install         Debian's postfix ("No configuration", no
#                               service started), or skip with the reason
#                               (e.g. it would remove exim4-daemon-light)
#   e2e_private_postfix_init [PORT]
#                               write main.cf, master.cf, aliases; PORT by
#                               default the first free of 10025-10099;
#                               sets E2E_SMTP_PORT.  Then adjust:
#                               postconf -c "$E2E_PF" -e 'k = v', append
#                               services to $E2E_PF/master.cf, lines to
#                               $E2E_PF/aliases.
#   e2e_private_postfix_start   newaliases and start; fails (the log as TAP
#                               comments) unless smtpd answers
#   e2e_private_postfix_stop    `postfix -c DIR stop`, then wait for its
#                               master by pid (TERM if it lingers)
e2e_postfix_install() {
	if ! dpkg-query -W -f='${Status}\n' postfix 2>/dev/null | grep -q '^install ok installed$'; then
		echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
		e2e_install postfix
	fi
	command -v postfix >/dev/null 2>&1 || skip_all "postfix is installed but has no postfix command"
}
e2e_private_postfix_init() {
	E2E_PF=$tmp/postfix
	E2E_PF_QUEUE=$tmp/queue
	E2E_PF_LOG=$tmp/maillog
	E2E_PF_PID=
	E2E_SMTP_PORT=${1:-$(e2e_free_port)} || { echo "Bail out! no free port in 10025-10099"; exit 1; }
	install -d -m 0755 "$E2E_PF" "$E2E_PF_QUEUE"
	install -d -o postfix -g postfix -m 0700 "$tmp/postfix-data"
	cat >"$E2E_PF/main.cf" <<EOF
compatibility_level = 3.6
meta_directory = /etc/postfix
queue_directory = $E2E_PF_QUEUE
data_directory = $tmp/postfix-data
maillog_file = $E2E_PF_LOG
maillog_file_prefixes = $tmp
myhostname = mx.$E2E_DOMAIN
mydomain = $E2E_DOMAIN
myorigin = \$myhostname
mydestination = $E2E_DOMAIN
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
relayhost =
default_transport = error:this test instance sends no mail out
relay_transport = error:this test instance sends no mail out
biff = no
alias_maps = hash:$E2E_PF/aliases
alias_database = hash:$E2E_PF/aliases
EOF
	cat >"$E2E_PF/master.cf" <<EOF
127.0.0.1:$E2E_SMTP_PORT inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
	printf 'postmaster: root\n' >"$E2E_PF/aliases"
}
e2e_private_postfix_start() {
	if e2e_listening "$E2E_SMTP_PORT"; then
		echo "# something already listens on 127.0.0.1:$E2E_SMTP_PORT"
		return 1
	fi
	newaliases -C "$E2E_PF" >"$tmp/postfix-start.log" 2>&1 &&
		postfix -c "$E2E_PF" start >>"$tmp/postfix-start.log" 2>&1
	E2E_PF_PID=$(sed -n 's/^ *\([0-9]*\).*/\1/p' "$E2E_PF_QUEUE/pid/master.pid" 2>/dev/null)
	if [ -n "$E2E_PF_PID" ] && wait_port "$E2E_SMTP_PORT"; then return 0; fi
	cat "$tmp/postfix-start.log" "$E2E_PF_LOG" 2>/dev/null | sed 's/^/# /'
	return 1
}
e2e_private_postfix_stop() {
	local i
	[ -n "${E2E_PF:-}" ] || return 0
	[ -n "${E2E_PF_PID:-}" ] ||
		E2E_PF_PID=$(sed -n 's/^ *\([0-9]*\).*/\1/p' "$E2E_PF_QUEUE/pid/master.pid" 2>/dev/null)
	[ -n "$E2E_PF_PID" ] || return 0
	postfix -c "$E2E_PF" stop >/dev/null 2>&1
	for ((i = 0; i < 100; i++)); do
		kill -0 "$E2E_PF_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$E2E_PF_PID" 2>/dev/null && e2e_stop_pid "$E2E_PF_PID"
	E2E_PF_PID=
}
