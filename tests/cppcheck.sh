#!/bin/bash
# cppcheck over src/ and the fuzz targets: warnings and portability
# findings fail the test; skipped when cppcheck is not installed.  All
# preprocessor configurations are checked (no -D), with the POSIX library
# model so fd and memory leaks through POSIX calls are seen.
# Suppressed, each for a reason:
#   readdirCalled  readdir_r is deprecated (glibc, POSIX 2024); readdir is
#                  the right call in these single-threaded programs
. "${top_srcdir:-.}/tests/lib.sh"
command -v cppcheck >/dev/null || skip_all "cppcheck not installed"
tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
if cppcheck --enable=warning,portability --error-exitcode=1 --inline-suppr -q \
	--std=c11 --library=posix --suppress=readdirCalled \
	--cppcheck-build-dir="$tmp" -I "$top_srcdir/src" \
	"$top_srcdir/src" "$top_srcdir/tests/fuzz" >"$tmp/out" 2>&1; then
	ok "cppcheck $(cppcheck --version | sed 's/^Cppcheck //'): src/ and tests/fuzz/ clean"
else
	not_ok "cppcheck: src/ and tests/fuzz/"
	sed 's/^/#   /' "$tmp/out" | head -n 40
fi
done_testing
