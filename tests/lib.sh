# Shared helpers for the shell tests: TAP output, temp dirs, the binary.
# Sourced by tests/*.sh; Automake's tap-driver reads what they print.
set -u
: "${top_srcdir:=.}"
: "${top_builddir:=.}"
: "${LDA:=$top_builddir/tlsrpt-lda}"
export TZ=UTC LC_ALL=C
unset RECIPIENT ORIGINAL_RECIPIENT
# the fixed clock of golden output: 2026-05-19T08:00:00Z
export TLSRPT_LDA_NOW=1779177600

tap_n=0
tap_fail=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1"; }
not_ok() { tap_n=$((tap_n + 1)); tap_fail=$((tap_fail + 1)); echo "not ok $tap_n - $1"; }
# check DESCRIPTION COMMAND...: ok when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# is DESCRIPTION GOT WANT
is() {
	if [ "$2" = "$3" ]; then ok "$1"; else
		not_ok "$1"; printf '#   got:  %s\n#   want: %s\n' "$2" "$3"; fi
}
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
# skip DESCRIPTION REASON: one check that cannot run here
skip() { ok "$1 # SKIP $2"; }
done_testing() { echo "1..$tap_n"; [ "$tap_fail" -eq 0 ]; }

# subject_cut: the one line on stdin cut as the digest's subject is
# (whole words up to 200 bytes, then "...")
subject_cut() {
	python3 -c '
import sys
out, used = [], 0
for w in sys.stdin.read().rstrip("\n").split(" "):
    used += len(w.encode()) + 1
    if used > 200:
        out.append("..."); break
    out.append(w)
print(" ".join(out))'
}

mktmp() { mktemp -d "${TMPDIR:-/tmp}/tlsrpt-test.XXXXXX"; }

# unprivileged DIR: prepare as_user to run a command as a user that file
# modes apply to.  Not root: as_user runs it as is, and lda_user=$LDA.
# As root: as_user runs it as nobody with setpriv, runuser or su (all in
# minimal Debian; drop_with names the one), and lda_user is a copy of
# $LDA in DIR, made reachable (the build tree may sit under a directory
# nobody cannot enter, such as a mktemp -d one).  Returns 1 with the
# reason in unprivileged_why when root cannot drop its privileges here.
# (POSIX sh: tests/html.sh and tests/summary.sh source this file too.)
unprivileged() {
	drop_with= lda_user=$LDA unprivileged_why=
	[ "$(id -u)" -eq 0 ] || return 0
	if ! nobody_uid=$(id -u nobody 2>/dev/null) || ! nobody_gid=$(id -g nobody 2>/dev/null); then
		unprivileged_why="running as root and there is no user nobody"; return 1
	fi
	for drop_with in setpriv runuser su ''; do
		[ -z "$drop_with" ] || ! command -v "$drop_with" >/dev/null || break
	done
	if [ -z "$drop_with" ]; then
		unprivileged_why="running as root and no setpriv, runuser or su to drop to nobody"
		return 1
	fi
	if [ "$(as_user id -u 2>/dev/null)" != "$nobody_uid" ]; then
		unprivileged_why="running as root and $drop_with cannot run id as nobody (is / closed to others?)"
		return 1
	fi
	lda_user=$1/tlsrpt-lda-nobody
	if ! cp "$LDA" "$lda_user" || ! chmod 0755 "$lda_user" || ! chmod o+x "$1"; then
		unprivileged_why="cannot copy $LDA to $1"; return 1
	fi
	if ! as_user "$lda_user" --version >/dev/null 2>&1; then
		unprivileged_why="running as root and nobody cannot run $lda_user"; return 1
	fi
}
# as_user COMMAND...: run COMMAND as the user unprivileged() chose
as_user() {
	case $drop_with in
	setpriv) setpriv --reuid="$nobody_uid" --regid="$nobody_gid" --clear-groups -- "$@" ;;
	runuser) runuser -u nobody -- "$@" ;;
	su) su -s /bin/sh -c 'exec "$0" "$@"' -- nobody "$@" ;;
	*) "$@" ;;
	esac
}

# Print a spool's content deterministically: daily files in name order,
# then the quarantine reasons (first line of each quarantined message).
dump_spool() {
	local spool=$1 f
	for f in "$spool"/*.jsonl; do
		[ -e "$f" ] || continue
		echo "== ${f##*/} =="
		cat "$f"
	done
	if [ -d "$spool/quarantine/new" ]; then
		for f in "$spool"/quarantine/new/*; do
			[ -e "$f" ] || continue
			echo "== quarantine =="
			head -n 1 "$f"
		done | sort
	fi
}

# report_json ORG REPORT_ID DAY DOMAIN FAILED: a small valid RFC 8460 report
report_json() {
	printf '{"organization-name":"%s","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"tlsrpt@%s","report-id":"%s","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mx.%s","max_age: 86400"],"policy-domain":"%s","mx-host":["mx.%s"]},"summary":{"total-successful-session-count":100,"total-failure-session-count":%s},"failure-details":[{"result-type":"certificate-expired","sending-mta-ip":"192.0.2.1","receiving-mx-hostname":"mx.%s","receiving-ip":"198.51.100.7","failed-session-count":%s}]}]}' \
		"$1" "$3" "$3" "$4" "$2" "$4" "$4" "$4" "$5" "$4" "$5"
}

# report_eml ORG REPORT_ID DAY DOMAIN FAILED: the report as RFC 8460 mail
report_eml() {
	printf 'From: tlsrpt@sender.example\nTo: tlsrpt@%s\nSubject: Report Domain: %s Submitter: sender.example Report-ID: <%s>\nMessage-ID: <%s@sender.example>\nTLS-Report-Domain: %s\nTLS-Report-Submitter: sender.example\nMIME-Version: 1.0\nContent-Type: multipart/report; report-type="tlsrpt"; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nA TLS report.\n\n--b1\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="sender.example!%s!0!1.json.gz"\n\n' \
		"$4" "$4" "$2" "$2" "$4" "$4"
	report_json "$@" | gzip -n | base64 -w 76
	printf '\n--b1--\n'
}
