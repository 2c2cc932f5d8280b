#!/bin/bash
# Deterministic generator of the adversarial corpus (tests/hostile.sh).
#   make-hostile.sh small DIR   the small cases (committed here; < 100 KB each)
#   make-hostile.sh big DIR     the big ones, made at test time into a temp dir
# Plain bash + coreutils + gzip, and python3 (zlib) for the two inputs
# that would take bash half a minute: the 1 GiB single-stream bomb and the
# 10,000-entry zip.  No zip(1): archives are assembled byte by byte; a
# deflated entry is a gzip member's raw deflate stream with the CRC-32 and
# size from its trailer.  Regenerate the committed files after a change
# with:
#   tests/data/hostile/make-hostile.sh small tests/data/hostile
set -eu
export LC_ALL=C

DAY=2026-05-18

# ---- building blocks ----------------------------------------------------

# policy POLICY_DOMAIN FAILED [DETAILS_JSON]
policy() {
	local details='{"result-type":"certificate-expired","sending-mta-ip":"192.0.2.1","receiving-mx-hostname":"mx.example.com","receiving-ip":"198.51.100.7","failed-session-count":'$2'}'
	[ $# -ge 3 ] && details=$3
	printf '{"policy":{"policy-type":"sts","policy-string":["version: STSv1","mode: enforce","mx: mx.example.com","max_age: 86400"],"policy-domain":"%s","mx-host":["mx.example.com"]},"summary":{"total-successful-session-count":100,"total-failure-session-count":%s},"failure-details":[%s]}' \
		"$1" "$2" "$details"
}

# report ORG REPORT_ID POLICIES_JSON [EXTRA_MEMBERS]
report() {
	printf '{"organization-name":"%s","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"tlsrpt@sender.example","report-id":"%s",%s"policies":[%s]}' \
		"$1" "$DAY" "$DAY" "$2" "${4-}" "$3"
}

# headers REPORT_ID: the envelope of every case
headers() {
	printf 'From: tlsrpt@sender.example\nTo: tlsrpt@example.com\nSubject: Report Domain: example.com Submitter: sender.example Report-ID: <%s>\nMessage-ID: <%s@sender.example>\nTLS-Report-Domain: example.com\nTLS-Report-Submitter: sender.example\nMIME-Version: 1.0\n' "$1" "$1"
}

# mail REPORT_ID CONTENT_TYPE CTE FILENAME < body: a multipart/report
# with the body (already transfer-encoded) as its second part
mail() {
	headers "$1"
	printf 'Content-Type: multipart/report; report-type="tlsrpt"; boundary="b1"\n\n--b1\nContent-Type: text/plain\n\nA TLS report.\n\n--b1\nContent-Type: %s\nContent-Transfer-Encoding: %s\nContent-Disposition: attachment; filename="%s"\n\n' "$2" "$3" "$4"
	cat
	printf '\n--b1--\n'
}

# gz_mail REPORT_ID < json: the usual gzip + base64 attachment
gz_mail() {
	gzip -n | base64 -w 76 | mail "$1" application/tlsrpt+gzip base64 "sender.example!example.com!0!1.json.gz"
}

# le16 N / le32 N: little-endian bytes (printf -v: no subshell per call,
# the 10,000-entry zip calls these 80,000 times)
le16() {
	local s
	printf -v s '\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255))
	printf "$s"
}
le32() {
	local s
	printf -v s '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255))
	printf "$s"
}

# u32 FILE OFFSET: the little-endian 32-bit number at OFFSET in FILE
u32() {
	od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '
}

# zip_local NAME METHOD CRC CSIZE USIZE / zip_central ... OFFSET
zip_local() {
	printf 'PK\3\4'; le16 20; le16 0; le16 "$2"; le16 0; le16 0x5cb2
	le32 "$3"; le32 "$4"; le32 "$5"; le16 "${#1}"; le16 0; printf '%s' "$1"
}
zip_central() {
	printf 'PK\1\2'; le16 20; le16 20; le16 0; le16 "$2"; le16 0; le16 0x5cb2
	le32 "$3"; le32 "$4"; le32 "$5"; le16 "${#1}"; le16 0; le16 0; le16 0; le16 0
	le32 0; le32 "$6"; printf '%s' "$1"
}
zip_end() { # ENTRIES CD_SIZE CD_OFFSET
	printf 'PK\5\6'; le16 0; le16 0; le16 "$1"; le16 "$1"; le32 "$2"; le32 "$3"; le16 0
}

# zip_deflated NAME GZIP_FILE [DECLARED_USIZE]: a one-entry zip whose data
# is the raw deflate stream inside GZIP_FILE (single member, no name)
zip_deflated() {
	local gz=$2 size crc usize csize
	size=$(stat -c %s "$gz")
	crc=$(u32 "$gz" $((size - 8)))
	usize=${3:-$(u32 "$gz" $((size - 4)))}
	csize=$((size - 18))
	zip_local "$1" 8 "$crc" "$csize" "$usize"
	tail -c +11 "$gz" | head -c "$csize"
	zip_central "$1" 8 "$crc" "$csize" "$usize" 0 >"$gz.cd"
	cat "$gz.cd"
	zip_end 1 "$(stat -c %s "$gz.cd")" $((30 + ${#1} + csize))
	rm -f "$gz.cd"
}

zip_mail() { # REPORT_ID < zip
	base64 -w 76 | mail "$1" application/zip base64 "sender.example!example.com!0!1.zip"
}

valid() { report "Hostile Org" "$1" "$(policy example.com 3)"; }

# zeros_gz MIB: one gzip member holding MIB MiB of zeros as a single
# deflate stream, in well under a second: 1 MiB is deflated once, ending
# in a full flush (byte-aligned, no back-reference across it), and that
# segment is repeated; an empty final block and the trailer close it.
zeros_gz() {
	python3 - "$1" <<'PY'
import sys, zlib
mib = int(sys.argv[1])
c = zlib.compressobj(9, zlib.DEFLATED, -15)
zero = bytes(1 << 20)
seg = c.compress(zero) + c.flush(zlib.Z_FULL_FLUSH)
crc = 0
for _ in range(mib):
    crc = zlib.crc32(zero, crc)
out = sys.stdout.buffer
out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03")
for _ in range(mib):
    out.write(seg)
out.write(c.flush(zlib.Z_FINISH))
out.write(crc.to_bytes(4, "little") + ((mib << 20) & 0xffffffff).to_bytes(4, "little"))
PY
}

# zip_many N: a zip of N stored entries r00001.json... each holding "{}"
zip_many() {
	python3 - "$1" <<'PY'
import struct, sys, zlib
n = int(sys.argv[1])
data = b"{}"
crc = zlib.crc32(data)
loc, cd, off = [], [], 0
for i in range(1, n + 1):
    name = b"r%05d.json" % i
    h = struct.pack("<4sHHHHHIIIHH", b"PK\3\4", 20, 0, 0, 0, 0x5cb2, crc, 2, 2, len(name), 0) + name + data
    cd.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\1\2", 20, 20, 0, 0, 0, 0x5cb2, crc, 2, 2, len(name), 0, 0, 0, 0, 0, off) + name)
    loc.append(h)
    off += len(h)
cdb = b"".join(cd)
end = struct.pack("<4sHHHHIIH", b"PK\5\6", 0, 0, n & 0xffff, n & 0xffff, len(cdb), off, 0)
sys.stdout.buffer.write(b"".join(loc) + cdb + end)
PY
}

# ---- small cases --------------------------------------------------------

small() {
	local d=$1 t
	t=$(mktemp -d)
	# gzip cut in the middle of its deflate stream
	valid truncated-gzip | gzip -n >"$t/r.gz"
	head -c $(($(stat -c %s "$t/r.gz") / 2)) "$t/r.gz" | base64 -w 76 |
		mail truncated-gzip application/tlsrpt+gzip base64 r.json.gz >"$d/truncated-gzip.eml"
	# a whole gzip member, then bytes that are not gzip
	{ valid trailing-garbage | gzip -n; printf 'GARBAGE\0\377\376 after the member'; } | base64 -w 76 |
		mail trailing-garbage application/tlsrpt+gzip base64 r.json.gz >"$d/gzip-trailing-garbage.eml"
	# the closing boundary never comes
	valid unclosed | gzip -n | base64 -w 76 | mail unclosed application/tlsrpt+gzip base64 r.json.gz |
		sed '$d' >"$d/boundary-never-closes.eml"
	# base64 with garbage characters, NULs and CRs between the quads
	valid b64-garbage | gzip -n | base64 -w 16 |
		sed 's/^\(....\)\(....\)/\1!*\x00\2/; s/$/\x00 \t#/' |
		mail b64-garbage application/tlsrpt+gzip base64 r.json.gz >"$d/base64-garbage-nul.eml"
	# JSON nested 100,000 deep (compresses to almost nothing)
	{
		printf '{"organization-name":"Deep Org","deep":'
		head -c 100000 /dev/zero | tr '\0' '['
		head -c 100000 /dev/zero | tr '\0' ']'
		printf ',"date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"report-id":"deep","policies":[%s]}' \
			"$DAY" "$DAY" "$(policy example.com 1)"
	} | gz_mail json-deep >"$d/json-nested-100000.eml"
	# counts beyond int64, and negative
	report "Big Org" count-big "$(policy example.com 9223372036854775808)" | gz_mail count-big >"$d/count-beyond-int64.eml"
	report "Big Org" count-huge "$(policy example.com 100000000000000000000000000000)" | gz_mail count-huge >"$d/count-1e29.eml"
	report "Neg Org" count-neg "$(policy example.com -5)" | gz_mail count-neg >"$d/count-negative.eml"
	# NUL (escaped: legal JSON) and invalid UTF-8 in every string field;
	# the headers the records copy get the same treatment
	{
		printf 'From: tlsrpt@sender.example\nTo: tlsrpt@example.com\nSubject: Report \377\376 bad\nMessage-ID: <bad\377utf8\300\200@sender.example>\nTLS-Report-Domain: example.com\nTLS-Report-Submitter: sender\377.example\nMIME-Version: 1.0\n'
		printf 'Content-Type: multipart/report; report-type="tlsrpt"; boundary="b1"\n\n--b1\nContent-Type: application/tlsrpt+json\nContent-Disposition: attachment; filename="r.json"\n\n'
		printf '{"organization-name":"Org\\u0000Nul \377\376 \300\257 \355\240\200","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"a\\u0000b\377@example.com","report-id":"id\\u0000\377\\n2","policies":[{"policy":{"policy-type":"sts\\u0000\377","policy-string":["version: STSv1\\u0000\377"],"policy-domain":"exa\\u0000mple\377.com","mx-host":["mx\\u0000\377.example.com"]},"summary":{"total-successful-session-count":1,"total-failure-session-count":1},"failure-details":[{"result-type":"validation-failure\\u0000\377","sending-mta-ip":"192.0.2.1\\u0000\377","receiving-mx-hostname":"mx\\u0000\377","receiving-mx-helo":"helo\\u0000\377","receiving-ip":"198.51.100.7\\u0000\377","failed-session-count":1,"additional-information":"https://x/\\u0000\377","failure-reason-code":"code\\u0000\377"}]}]}' "$DAY" "$DAY"
		printf '\n--b1--\n'
	} >"$d/nul-invalid-utf8.eml"
	# a NUL in a date: not a date
	report "Date Org" date-nul "$(policy example.com 1)" | sed 's/T00:00:00Z/T00:00:00Z\\u0000/' |
		gz_mail date-nul >"$d/date-nul.eml"
	# a raw NUL byte inside the JSON text (json-c stops there silently)
	valid raw-nul | sed 's/Hostile Org/Hostile\x00Org/' |
		mail raw-nul application/tlsrpt+json 8bit r.json >"$d/json-raw-nul.eml"
	# policy-domain (and every other string) shaped like paths and lines
	report "../../etc/passwd" "../../../tmp/pwned" "$(policy '../../etc' 1),$(policy 'a/b/../../c' 2),$(policy 'x\ny\r\nz' 3)" |
		gz_mail 'x/../../y' | sed 's/^TLS-Report-Domain: .*/TLS-Report-Domain: ..\/..\/etc/' >"$d/policy-domain-paths.eml"
	# zip entry that declares 100 bytes but inflates to 1 MiB
	head -c 1048576 /dev/zero | gzip -9 -n >"$t/z.gz"
	zip_deflated "r.json" "$t/z.gz" 100 | zip_mail zip-lying >"$d/zip-lying-size.eml"
	# zip entry declaring 4 GiB - 2 (0xffffffff would mean zip64) for "{}"
	printf '{}' | gzip -9 -n >"$t/s.gz"
	zip_deflated "r.json" "$t/s.gz" 4294967294 | zip_mail zip-4g >"$d/zip-declared-4gib.eml"
	# 10 MiB of zeros in 10 KB: over the 1000:1 ratio, under --max-report
	head -c 10485760 /dev/zero | gzip -9 -n | base64 -w 76 |
		mail gzip-ratio application/tlsrpt+gzip base64 r.json.gz >"$d/gzip-ratio.eml"
	: >"$d/empty.eml"
	rm -rf "$t"
}

# ---- big cases ----------------------------------------------------------

big() {
	local d=$1 t i n
	t=$(mktemp -d)
	# 1 GiB of zeros in one deflate stream (~1 MB, deflate's ~1030:1)
	zeros_gz 1024 >"$t/bomb.gz"
	base64 -w 76 <"$t/bomb.gz" | mail gzip-bomb application/tlsrpt+gzip base64 r.json.gz >"$d/gzip-bomb.eml"
	zip_deflated "r.json" "$t/bomb.gz" | zip_mail zip-bomb >"$d/zip-bomb.eml"
	# 1 GiB of zeros as 1,024 gzip members of 1 MiB: the cap is on the total
	head -c 1048576 /dev/zero | gzip -9 -n >"$t/m.gz"
	for i in 1 2 3 4 5 6 7 8 9 10; do cat "$t/m.gz" "$t/m.gz" >"$t/m2.gz" && mv "$t/m2.gz" "$t/m.gz"; done
	base64 -w 76 <"$t/m.gz" |
		mail gzip-members application/tlsrpt+gzip base64 r.json.gz >"$d/gzip-bomb-members.eml"
	# 10,000 entries of "{}" (stored)
	zip_many 10000 | zip_mail zip-many >"$d/zip-many-entries.eml"
	# 10,000 nested multiparts, the report innermost
	{
		headers nested
		for i in $(seq 1 10000); do
			printf 'Content-Type: multipart/mixed; boundary="n%d"\n\n--n%d\n' "$i" "$i"
		done
		printf 'Content-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n\n'
		valid nested | gzip -n | base64 -w 76
		for i in $(seq 10000 -1 1); do printf '\n--n%d--\n' "$i"; done
	} >"$d/nested-multipart-10000.eml"
	# 100,000 parts, the report last
	{
		headers many-parts
		printf 'Content-Type: multipart/mixed; boundary="p"\n\n'
		yes -- $'--p\nContent-Type: text/plain\n\nx' | head -n 400000
		printf -- '--p\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n\n'
		valid many-parts | gzip -n | base64 -w 76
		printf '\n--p--\n'
	} >"$d/parts-100000.eml"
	# one 1 MiB header field (before the real ones)
	{
		printf 'X-Long: '
		head -c 1048576 /dev/zero | tr '\0' 'a'
		printf '\n'
		valid long-header | gzip -n | base64 -w 76 | mail long-header application/tlsrpt+gzip base64 r.json.gz
	} >"$d/header-line-1mb.eml"
	# 1,000,000 header lines
	{
		yes 'X-Many: v' | head -n 1000000
		valid many-headers | gzip -n | base64 -w 76 | mail many-headers application/tlsrpt+gzip base64 r.json.gz
	} >"$d/header-lines-1000000.eml"
	# a 50 MB organization-name, plain JSON, 8bit
	{
		printf '{"organization-name":"'
		head -c 52428800 /dev/zero | tr '\0' 'o'
		printf '","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"report-id":"long-string","policies":[%s]}' \
			"$DAY" "$DAY" "$(policy example.com 1)"
	} | mail long-string application/tlsrpt+json 8bit r.json >"$d/string-50mb.eml"
	# 200,000 failure-details in one policy
	n=200000
	{
		printf '{"organization-name":"Detail Org","date-range":{"start-datetime":"%sT00:00:00Z","end-datetime":"%sT23:59:59Z"},"contact-info":"tlsrpt@sender.example","report-id":"details-200k","policies":[{"policy":{"policy-type":"sts","policy-string":["version: STSv1"],"policy-domain":"example.com","mx-host":["mx.example.com"]},"summary":{"total-successful-session-count":1,"total-failure-session-count":%d},"failure-details":[' "$DAY" "$DAY" "$n"
		seq 1 "$n" | sed 's/.*/{"result-type":"certificate-expired","sending-mta-ip":"10.0.0.1","receiving-mx-hostname":"mx.example.com","receiving-ip":"198.51.100.7","failed-session-count":1,"failure-reason-code":"n&"},/; $s/,$//'
		printf ']}]}'
	} | gz_mail details-200k >"$d/details-200000.eml"
	# 33 MiB: over the default --max-message of 32 MiB
	{
		valid over-max | gzip -n | base64 -w 76 | mail over-max application/tlsrpt+gzip base64 r.json.gz
		head -c 34603008 /dev/zero | tr '\0' 'p' | fold -w 76
	} >"$d/over-max-message.eml"
	# 600 parts, each a gzip of 40 MiB of spaces (~40 KB): 23 GiB to
	# inflate in all, 33 MB of mail (under --max-message)
	head -c 41943040 /dev/zero | tr '\0' ' ' | gzip -9 -n | base64 -w 76 >"$t/spaces.b64"
	{
		headers spaces-600
		printf 'Content-Type: multipart/report; report-type="tlsrpt"; boundary="b1"\n\n'
		for i in $(seq 1 600); do
			printf -- '--b1\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename="r%d.json.gz"\n\n' "$i"
			cat "$t/spaces.b64"
		done
		printf -- '--b1--\n'
	} >"$d/parts-600-spaces.eml"
	# 600 parts of broken JSON: only the first few are tried
	{
		headers broken-600
		printf 'Content-Type: multipart/mixed; boundary="b1"\n\n'
		for i in $(seq 1 600); do
			printf -- '--b1\nContent-Type: application/tlsrpt+json\n\n{"organization-name":"Org %d",\n' "$i"
		done
		printf -- '--b1--\n'
	} >"$d/parts-600-broken.eml"
	# a bomb stopped at --max-report, then the real report: the message's
	# budget (2 x --max-report) still has room for it
	{
		headers bomb-then-report
		printf 'Content-Type: multipart/report; report-type="tlsrpt"; boundary="b1"\n\n'
		printf -- '--b1\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n\n'
		base64 -w 76 <"$t/bomb.gz"
		printf -- '--b1\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n\n'
		valid bomb-then-report | gzip -n | base64 -w 76
		printf -- '--b1--\n'
	} >"$d/bomb-then-report.eml"
	rm -rf "$t"
}

[ $# = 2 ] || { echo "usage: $0 small|big DIR" >&2; exit 64; }
mkdir -p "$2"
"$1" "$2"
