#!/bin/bash
# Command lines of tlsrpt-lda and tlsrpt-summary (TAP).  Every rejected
# value exits 64 with exactly one line on stderr saying why, nothing on
# stdout and nothing written; --help describes every option the source
# declares, and so does the man page; --file names a missing file once
# and exits 66 for it or a directory; the man pages render without
# warnings; `make install` installs exactly the two programs and the
# three man pages.
. "${top_srcdir:-.}/tests/lib.sh"
SUMMARY=${SUMMARY:-$top_builddir/tlsrpt-summary}

tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
S=$tmp/spool

# rejects WANT_EXIT WANT_STDERR COMMAND...: the exit code, the exact
# stderr, an empty stdout, and nothing made in or as the spool
rejects() {
	local want=$1 msg=$2 rc name before
	shift 2
	name="${*##*/}"
	name=${name//$'\n'/?}
	before=$(find "$S" 2>/dev/null)
	"$@" </dev/null >"$tmp/out" 2>"$tmp/err"
	rc=$?
	is "exit $want: $name" "$rc" "$want"
	is "  says why in one line" "$(cat "$tmp/err")" "$msg"
	is "  nothing on stdout, nothing written" "$(wc -c <"$tmp/out")$(find "$S" 2>/dev/null)" "0$before"
}

lda=("$LDA" --spool "$S")
rejects 64 'tlsrpt-lda: --max-message "abc": wants a number of bytes, at least 1' \
	"${lda[@]}" --max-message abc
rejects 64 'tlsrpt-lda: --max-report "0": wants a number of bytes, at least 1' \
	"${lda[@]}" --max-report 0
rejects 64 'tlsrpt-lda: --max-message "99999999999999999999": wants a number of bytes, at least 1' \
	"${lda[@]}" --max-message 99999999999999999999
rejects 64 'tlsrpt-lda: --log "file": wants syslog or stderr' "${lda[@]}" --log file
rejects 64 'tlsrpt-lda: --log "a?b": wants syslog or stderr' "${lda[@]}" --log $'a\nb'
rejects 64 'tlsrpt-lda: --lock-timeout "999999": wants a number of seconds from 1 to 86400' \
	"${lda[@]}" --lock-timeout 999999
rejects 64 'tlsrpt-lda: --lock-timeout "0": wants a number of seconds from 1 to 86400' \
	"${lda[@]}" --lock-timeout 0
rejects 64 'tlsrpt-lda: --expire "0": wants a number of days from 1 to 100000' "${lda[@]}" --expire 0
rejects 64 'tlsrpt-lda: --expire "-3": wants a number of days from 1 to 100000' "${lda[@]}" --expire -3
rejects 64 'tlsrpt-lda: --expire "100001": wants a number of days from 1 to 100000' \
	"${lda[@]}" --expire 100001
rejects 64 'tlsrpt-lda: --trust-authserv-id "": wants an authserv-id, not nothing' \
	"${lda[@]}" --trust-authserv-id=
rejects 64 'tlsrpt-lda: unexpected argument "stray" (the message comes on stdin; saved reports go after --file)' \
	"${lda[@]}" stray
rejects 64 'tlsrpt-lda: unknown or ambiguous option "--bogus" (see tlsrpt-lda --help)' "${lda[@]}" --bogus
rejects 64 'tlsrpt-lda: unknown or ambiguous option "--s" (see tlsrpt-lda --help)' "${lda[@]}" --s x
rejects 64 'tlsrpt-lda: unknown option -x (see tlsrpt-lda --help)' "${lda[@]}" -x
rejects 64 'tlsrpt-lda: --stdout takes no value' "${lda[@]}" --stdout=yes
rejects 64 'tlsrpt-lda: --max-message wants a value' "${lda[@]}" --max-message
rejects 64 'tlsrpt-lda: --require-dkim needs --trust-authserv-id' "${lda[@]}" --require-dkim
rejects 64 'tlsrpt-lda: --expire is a command of its own' "${lda[@]}" --expire 30 --stdout
# with --cgi the client gets 503 and the reason goes to the error log,
# also when --cgi comes after the option refused
"${lda[@]}" --log stderr --max-message abc --cgi </dev/null >"$tmp/out" 2>"$tmp/err"
is "CGI with a bad option: exit 0 once the response is written" "$?" 0
is "  the response is 503" "$(head -n 1 "$tmp/out" | tr -d '\r')" "Status: 503 Service Unavailable"
is "  the reason is on stderr" "$(cat "$tmp/err")" 'tlsrpt-lda: --max-message "abc": wants a number of bytes, at least 1
tlsrpt-lda: deferred reason="bad command line (see tlsrpt-lda --help)"'
# without --cgi a web server's environment changes nothing: 64, no response
rejects 64 'tlsrpt-lda: --max-message "abc": wants a number of bytes, at least 1' \
	env GATEWAY_INTERFACE=CGI/1.1 REQUEST_METHOD=POST "${lda[@]}" --max-message abc

# --file: a missing file is named once; missing or a directory is 66
mkdir "$tmp/dir" "$S"
rejects 66 "tlsrpt-lda: $tmp/nonexist.json.gz: No such file or directory" \
	"${lda[@]}" --log stderr --file "$tmp/nonexist.json.gz"
rejects 66 "tlsrpt-lda: $tmp/dir: is a directory" "${lda[@]}" --log stderr --file "$tmp/dir"
printf 'Subject: hello\n\nno report\n' >"$tmp/spam.eml"
"${lda[@]}" --log stderr --quiet --file "$tmp/spam.eml" "$tmp/dir" 2>/dev/null
is "--file: a directory (66) outweighs a file without a report (65)" "$?" 66
"${lda[@]}" --log stderr --quiet --file "$tmp/spam.eml" 2>/dev/null
is "--file: a file without a report alone exits 65" "$?" 65
rm -rf "$S"

sum=("$SUMMARY" --spool "$S")
rejects 64 'tlsrpt-summary: --days "abc": wants 1 to 3660' "${sum[@]}" --days abc
rejects 64 'tlsrpt-summary: --days "0": wants 1 to 3660' "${sum[@]}" --days=0
rejects 64 'tlsrpt-summary: --format "xml": wants text, json, html or prometheus' "${sum[@]}" --format xml
rejects 64 'tlsrpt-summary: --color "red": wants auto, always or never' "${sum[@]}" --color red
rejects 64 'tlsrpt-summary: --top "0": wants 1 to 1000' "${sum[@]}" --top 0
rejects 64 'tlsrpt-summary: --spike-factor "-1": wants a number from 0 to 1000' \
	"${sum[@]}" --spike-factor -1
rejects 64 'tlsrpt-summary: --spike-min "x": wants a whole number >= 0' "${sum[@]}" --spike-min x
rejects 64 'tlsrpt-summary: --enforce-rate "101": wants a percentage from 0 to 100' \
	"${sum[@]}" --enforce-rate 101
rejects 64 'tlsrpt-summary: --critical-rate "nan": wants a percentage from 0 to 100' \
	"${sum[@]}" --critical-rate nan
rejects 64 'tlsrpt-summary: --today "2026-13-01": wants YYYY-MM-DD' "${sum[@]}" --today 2026-13-01
rejects 64 'tlsrpt-summary: --since "2026-02-30": wants YYYY-MM-DD' "${sum[@]}" --since 2026-02-30
rejects 64 'tlsrpt-summary: --until "may": wants YYYY-MM-DD' "${sum[@]}" --until may
rejects 64 'tlsrpt-summary: --since and --days exclude each other' "${sum[@]}" --since 2026-01-01 --days 3
rejects 64 'tlsrpt-summary: the window must run forward, at most 3660 days, starting --history days after 1970-01-01' \
	"${sum[@]}" --since 2026-05-10 --until 2026-05-01
rejects 64 'tlsrpt-summary: option "--bogus": unknown or ambiguous (see tlsrpt-summary --help)' \
	"${sum[@]}" --bogus
rejects 64 'tlsrpt-summary: option "-x": unknown (see tlsrpt-summary --help)' "${sum[@]}" -x
rejects 64 'tlsrpt-summary: option "--check=1": takes no value' "${sum[@]}" --check=1
rejects 64 'tlsrpt-summary: option "--top": wants a value' "${sum[@]}" --top
rejects 64 'tlsrpt-summary: argument "stray": unexpected (see tlsrpt-summary --help)' "${sum[@]}" stray
rejects 66 "tlsrpt-summary: cannot open the spool $tmp/missing: No such file or directory" \
	"$SUMMARY" --spool "$tmp/missing"
# under --check the reason is the UNKNOWN status line on stdout
"${sum[@]}" --check --days 0 >"$tmp/out" 2>"$tmp/err"
is "--check with a bad value exits 3 (UNKNOWN)" "$?" 3
is "  the status line says why" "$(cat "$tmp/out")" 'TLSRPT UNKNOWN - --days "0": wants 1 to 3660'
is "  nothing on stderr" "$(wc -c <"$tmp/err")" 0
"$SUMMARY" --check --spool "$tmp/missing" >"$tmp/out" 2>"$tmp/err"
is "--check without a spool exits 3, naming it" "$? $(cat "$tmp/out")" \
	"3 TLSRPT UNKNOWN - cannot open the spool $tmp/missing: No such file or directory"

# --help: every option of the source's longopts table, with a description,
# on stdout, exit 0; and an entry in the man page
options_of() { sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", .*/\1/p' "$1"; }
help_covers() { # PROGRAM SOURCE MANPAGE
	local prog=$1 src=$2 man=$3 name missing= undocumented= n=0
	"$prog" --help >"$tmp/help" 2>"$tmp/err"
	is "${prog##*/} --help exits 0, only on stdout" "$? $(wc -c <"$tmp/err")" "0 0"
	for name in $(options_of "$src"); do
		n=$((n + 1))
		grep -Eq -- "^ +(-[A-Za-z], +)?--$name( [^ ]+)? {2,}[^ ]" "$tmp/help" || missing="$missing $name"
		grep -Eq -- "^\.It (Fl [A-Za-z] , )?Fl -$name( |$)" "$man" || undocumented="$undocumented $name"
	done
	check "${prog##*/}: the source declares options ($n)" [ "$n" -ge 10 ]
	is "${prog##*/} --help fits 80 columns" "$(awk 'length > 80' "$tmp/help")" ""
	is "${prog##*/} --help describes every option" "$missing" ""
	is "${man##*/} describes every option" "$undocumented" ""
}
help_covers "$LDA" "$top_srcdir/src/main.c" "$top_srcdir/man/tlsrpt-lda.8"
help_covers "$SUMMARY" "$top_srcdir/src/summary.c" "$top_srcdir/man/tlsrpt-summary.1"

# the man pages: no groff warnings, and man(1) renders them at 80 columns
# without stray quotes (an .Qq nested in .Pq once gave ("OK, "WARNING"""))
mans="tlsrpt-lda.8 tlsrpt-summary.1 tlsrpt-check-dns.1 tlsrpt-spool.5"
if command -v groff >/dev/null; then
	for m in $mans; do
		is "$m: groff -ww gives no warning" \
			"$(groff -mandoc -ww -z "$top_srcdir/man/$m" 2>&1)" ""
	done
else
	echo "# SKIP groff checks: groff is not installed"
fi
if command -v mandoc >/dev/null; then
	for m in $mans; do
		is "$m: mandoc -Tlint is clean" "$(mandoc -Tlint -W warning "$top_srcdir/man/$m" 2>&1)" ""
	done
else
	echo "# SKIP mandoc -Tlint: mandoc is not installed"
fi
if command -v man >/dev/null && command -v col >/dev/null; then
	for m in $mans; do
		MANWIDTH=80 man -l "$top_srcdir/man/$m" 2>"$tmp/err" | col -b >"$tmp/page"
		is "$m: man renders it without a message" "$(cat "$tmp/err")" ""
		is "$m: no line wider than 80, no doubled quotes" \
			"$(awk 'length > 80 || /""/' "$tmp/page")" ""
		check "$m: the page has its NAME section" grep -q '^NAME' "$tmp/page"
	done
else
	echo "# SKIP man rendering: man or col is not installed"
fi

# make install: exactly the programs and the man pages, and uninstall
# takes them all back
inst=$tmp/inst
dirs=(prefix=/p exec_prefix=/p bindir=/p/bin datarootdir=/p/share mandir=/p/share/man)
env -u MAKEFLAGS -u MFLAGS ${MAKE:-make} -s -C "$top_builddir" install DESTDIR="$inst" "${dirs[@]}" \
	>"$tmp/install.log" 2>&1
is "make install DESTDIR=... exits 0" "$?" 0
is "make install installs the three programs and the four man pages" \
	"$(cd "$inst" && find . ! -type d | sort)" \
	"./p/bin/tlsrpt-check-dns
./p/bin/tlsrpt-lda
./p/bin/tlsrpt-summary
./p/share/man/man1/tlsrpt-check-dns.1
./p/share/man/man1/tlsrpt-summary.1
./p/share/man/man5/tlsrpt-spool.5
./p/share/man/man8/tlsrpt-lda.8"
for m in $mans; do
	check "installed $m is the source's" cmp -s "$top_srcdir/man/$m" "$inst/p/share/man/man${m##*.}/$m"
done
is "the installed tlsrpt-lda runs" "$("$inst/p/bin/tlsrpt-lda" --version | cut -d' ' -f1)" tlsrpt-lda
is "the installed tlsrpt-summary runs" "$("$inst/p/bin/tlsrpt-summary" --version | cut -d' ' -f1)" \
	tlsrpt-summary
is "the installed tlsrpt-check-dns runs" "$("$inst/p/bin/tlsrpt-check-dns" --version | cut -d' ' -f1)" \
	tlsrpt-check-dns
env -u MAKEFLAGS -u MFLAGS ${MAKE:-make} -s -C "$top_builddir" uninstall DESTDIR="$inst" "${dirs[@]}" \
	>>"$tmp/install.log" 2>&1
is "make uninstall leaves no file" "$?:$(cd "$inst" && find . ! -type d)" "0:"
[ "$tap_fail" -eq 0 ] || sed 's/^/# install: /' "$tmp/install.log" | head -n 20

done_testing
