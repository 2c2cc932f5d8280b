#!/bin/bash
# DKIM verdicts from Authentication-Results (RFC 8601) through the binary:
# only fields of a --trust-authserv-id are read, the record's dkim object,
# --require-dkim quarantines reports without an aligned pass (RFC 8460
# §3), and the §5.3 submitter check is a warning.
. "${top_srcdir:-.}/tests/lib.sh"

tmp=$(mktmp)
trap 'rm -rf "$tmp"' EXIT
S=$tmp/spool
lda() { "$LDA" --spool "$S" --log stderr "$@"; }
# ar_eml ID "A-R FIELD"...: report_eml (submitter sender.example) with
# Authentication-Results fields on top, as the receiving MTA adds them
ar_eml() {
	local id=$1 f
	shift
	for f in "$@"; do printf 'Authentication-Results: %s\n' "$f"; done
	report_eml "DKIM Org" "$id" 2026-05-18 example.com 1
}
dkim_of() { jq -c "select(.report_id == \"$1\") | .dkim" "$S/2026-05-18.jsonl"; }

ar_eml d1 'mx.test (our milter);
	dkim=pass (2048-bit key) header.d=Sender.Example header.s=s1 header.b="AbC+/="' >"$tmp/d1.eml"
lda --trust-authserv-id other.test --trust-authserv-id MX.TEST <"$tmp/d1.eml" 2>"$tmp/err"
is "aligned pass: exit 0" "$?" 0
is "aligned pass: dkim recorded" "$(dkim_of d1)" '{"result":"pass","domain":"sender.example","aligned":true}'

ar_eml d2 'mx.test; dkim=pass header.d=sender.example' >"$tmp/d2.eml"
lda <"$tmp/d2.eml" 2>/dev/null
is "no --trust-authserv-id: dkim null" "$(dkim_of d2)" null

ar_eml d3 'evil.test; dkim=pass header.d=sender.example' 'mx.test; dkim=fail header.d=sender.example' >"$tmp/d3.eml"
lda --trust-authserv-id mx.test <"$tmp/d3.eml" 2>/dev/null
is "forged field above ours: ours counts" "$(dkim_of d3)" '{"result":"fail","domain":"sender.example","aligned":false}'

ar_eml d4 'mx.test; dkim=pass header.d=esp.example' >"$tmp/d4.eml"
lda --trust-authserv-id mx.test <"$tmp/d4.eml" 2>/dev/null
is "pass by another domain: not aligned" "$(dkim_of d4)" '{"result":"pass","domain":"esp.example","aligned":false}'

ar_eml d5 'mx.test; spf=pass smtp.mailfrom=sender.example' >"$tmp/d5.eml"
lda --trust-authserv-id mx.test <"$tmp/d5.eml" 2>/dev/null
is "trusted field without dkim: none" "$(dkim_of d5)" '{"result":"none","domain":null,"aligned":false}'
is "submitter vs contact-info domain: warned" \
	"$(jq -r 'select(.report_id == "d5") | .warnings[0]' "$S/2026-05-18.jsonl")" \
	'TLS-Report-Submitter "sender.example" does not match the contact-info domain example.com'

# --require-dkim
lines=$(wc -l <"$S/2026-05-18.jsonl")
ar_eml r1 'evil.test; dkim=pass header.d=sender.example' >"$tmp/r1.eml"
lda --trust-authserv-id mx.test --require-dkim <"$tmp/r1.eml" 2>"$tmp/err"
is "require: forged pass only exits 0" "$?" 0
is "require: quarantined with the reason" "$(sed 's/ file=.*//' "$tmp/err")" \
	'tlsrpt-lda: quarantined reason="no aligned DKIM pass: no Authentication-Results from a trusted authserv-id"'
q=$(ls -t "$S/quarantine/new" | head -n 1)
is "require: quarantine file says why" "$(head -n 1 "$S/quarantine/new/$q")" \
	'X-Tlsrpt-Quarantine-Reason: no aligned DKIM pass: no Authentication-Results from a trusted authserv-id'
ar_eml r2 'mx.test; dkim=pass header.d=esp.example' >"$tmp/r2.eml"
lda --trust-authserv-id mx.test --require-dkim --reject-invalid <"$tmp/r2.eml" 2>"$tmp/err"
is "require + --reject-invalid: exit 65" "$?" 65
check "require: unaligned pass reason" grep -q \
	'reason="no aligned DKIM pass: dkim=pass by esp.example, not the submitter or contact-info domain"' "$tmp/err"
is "require: nothing stored" "$(wc -l <"$S/2026-05-18.jsonl")" "$lines"
ar_eml r3 'mx.test; dkim=fail header.d=sender.example; dkim=pass header.d=reports.example.com' >"$tmp/r3.eml"
lda --trust-authserv-id mx.test --require-dkim <"$tmp/r3.eml" 2>"$tmp/err"
check "require: a subdomain of the contact-info domain is not aligned" grep -q \
	'reason="no aligned DKIM pass: dkim=pass by reports.example.com, not the submitter' "$tmp/err"
ar_eml r4 'mx.test; dkim=fail header.d=sender.example; dkim=pass header.d=example.com' >"$tmp/r4.eml"
lda --trust-authserv-id mx.test --require-dkim <"$tmp/r4.eml" 2>/dev/null
is "require: aligned pass after a fail is stored" "$(dkim_of r4)" \
	'{"result":"pass","domain":"example.com","aligned":true}'
lda --quiet --trust-authserv-id mx.test --require-dkim --file "$tmp/r1.eml" 2>/dev/null
is "require: --file imports are not held to it" "$?" 0
is "require: --file record has dkim null" "$(dkim_of r1)" null

"$LDA" --require-dkim </dev/null >/dev/null 2>"$tmp/err"
is "--require-dkim without --trust-authserv-id: exit 64" "$?" 64
check "--require-dkim without --trust-authserv-id: says why" \
	grep -q '^tlsrpt-lda: --require-dkim needs --trust-authserv-id$' "$tmp/err"
"$LDA" --trust-authserv-id "" </dev/null >/dev/null 2>&1
is "empty --trust-authserv-id: exit 64" "$?" 64
done_testing
