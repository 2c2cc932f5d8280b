#!/usr/bin/env python3
"""Generate the golden-test input mails tests/data/golden/NAME.eml.

Deterministic (Python 3 standard library only): gzip with mtime=0, zip
entries with a fixed date, no clocks, no randomness; LF line endings unless
a case says otherwise.  Run it again after a change and commit the .eml
files; the expected NAME.out files are produced by the binary and reviewed
(TLSRPT_ACCEPT=1 make check TESTS=tests/golden.sh).

    tests/data/golden/make-fixtures.py [OUTDIR]    (default: this directory)

All reports are invented: example.com/.net/.org names, documentation IP
ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32),
dates in May 2026 (2026-05-18T00:00:00Z = 1779062400; the golden clock is
2026-05-19T08:00:00Z), one distinct report-id per case.

Cases (NAME: what it tests; expected outcome):
  rfc-multipart-report: RFC 8460 5.3 multipart/report, report-type="tlsrpt"
      quoted, text/plain + application/tlsrpt+gzip, quoted boundary, sts
      policy, two failure details; stored.
  google-unquoted-report-type: report-type=tlsrpt unquoted after boundary;
      name=/filename= values with a trailing space inside the quotes, each
      folded onto a TAB-indented line after "; " (trailing space), and a TAB
      fold between the text part's Content-Type parameters; no
      failure-details key (nothing failed); stored.
  mbox-from-line-postfix: leading "From sender  date" envelope line (two
      spaces, Postfix pipe flag F) and Return-Path, X-Original-To,
      Delivered-To prepended; stored.
  mbox-from-line-exim: leading "From sender date" line (one space, Exim
      pipe transport) and an extra empty line at the end; stored.
  mixed-nested: multipart/mixed holding multipart/alternative (text/plain +
      text/html) then the gzip report part; preamble and epilogue; stored.
  no-closing-boundary: Mail.ru style: multipart without the closing
      delimiter, Subject folded one token per line, summary failure count
      (2) smaller than the sum of the details (3 + 4); stored with a warning.
  single-part-report: the whole message is application/tlsrpt+gzip, base64
      body, no multipart; stored.
  plain-json-7bit: application/tlsrpt+json, 7bit, pretty-printed; stored.
  json-quoted-printable: application/tlsrpt+json in quoted-printable (soft
      line breaks, =3D, UTF-8 =C3=A4 in the organization name); stored.
  tlsrpt-no-suffix: application/tlsrpt without suffix, no transfer
      encoding, plain JSON, .json filename; stored.
  tlsrpt-x-gzip: application/tlsrpt+x-gzip; stored.
  octet-stream-by-filename: application/octet-stream, filename .json.gz;
      stored.
  octet-stream-by-magic: application/octet-stream, filename without an
      extension: only the gzip magic bytes identify it; stored.
  misspelt-content-type: report part labelled "ContentType:" (no hyphen) with
      a base64 CTE and no filename: found by the gzip magic bytes; stored.
  rfc2231-split-filename: application/octet-stream whose only name is an RFC
      2231 continued, %-encoded filename*0*= / filename*1*=; the report is
      no-policy-found without policy-domain, and neither a TLS-Report-Domain
      header nor a Subject domain exists, so the decoded file name
      (google.com!example.com!...) is the only source of the domain: the
      record shows whether the file name was decoded; stored, flagged.
  rfc2047-filename: as above but the filename (and name) is an RFC 2047
      encoded word (=?UTF-8?B?...?=) naming example.org; stored, flagged.
  zip-deflated: application/zip with one deflated .json entry; stored.
  zip-stored: application/zip: a stored README.txt entry, then the stored
      .json entry; stored.
  gzip-multi-member: two concatenated gzip members, the JSON split in the
      middle; stored.
  gzip-trailing-garbage: "garbage\\r\\n" after the gzip stream; stored.
  zlib-wrapped: labelled application/gzip (.json.gz name) but the data is a
      zlib stream (RFC 1950); stored.
  base64-unpadded-odd-width: base64 with its "==" padding removed, lines of
      60 characters and two of 1000; stored.
  base64-garbage: the only report part has '*' and '%' inside its base64:
      the part fails to decode; quarantined with the base64 reason.
  broken-gzip-then-good-part: first report part is a truncated gzip stream
      (a part error), the second application/tlsrpt+gzip part is valid and
      is the one stored.
  text-html-first-microsoft: Microsoft style: text/html first part,
      Content-Description headers, dates without a time zone, sts + tlsa
      policies for one domain, the tlsa policy-string one string holding a
      JSON-encoded array, no mx-host, failure details without
      sending-mta-ip/receiving-ip, Subject Report-ID without <...@...>;
      stored with warnings.
  sys4-style: Postfix/sys4 reporter: no Date header, stray MIME-Version in
      the part headers, failure-details [], organization name with spaces
      as TLS-Report-Submitter, no-policy-found without policy-domain (falls
      back to the TLS-Report-Domain header); stored, flagged.
  no-policy-domain-subject-fallback: no-policy-found without policy-domain,
      no TLS-Report-Domain header, no filename: the domain is only in the
      Subject "Report Domain: example.net"; stored, flagged.
  socketlabs-misspelt: misspelt "receiving-mx-host-name", "mx-host": [];
      stored with warnings.
  draft-keys: draft key names mx-host-pattern, additional-info-uri,
      failure-error-code; "mx: " prefixes in mx-host entries; mx-host as a
      plain string (tlsa policy for an MX host name); contact-info null;
      stored with warnings.
  non-strict-json: +json part with single quotes and trailing commas;
      stored with a warning.
  fractional-seconds-offset: start-datetime 2026-05-18T00:00:00.250+02:00
      (= 2026-05-17T22:00:00.25Z, so the file is 2026-05-17.jsonl),
      end-datetime next-day 2026-05-19T00:00:00Z; stored.
  unknown-types: unknown policy-type "dane", unknown result-type "Testing",
      free-text failure-reason-code; stored verbatim with warnings.
  counts-as-strings: counts as numeric strings ("17", "2") and as 3.0 / 1.0;
      stored with warnings (or rejected; the reviewed .out decides).
  invalid-utf8-and-controls: organization name with invalid UTF-8 bytes, an
      escaped newline, an escaped quote and an escaped ESC; policy-domain
      "../../etc/passwd" and "example.com/evil.jsonl", report-id with "../":
      stored as escaped data, file name 2026-05-18.jsonl only.
  spam: ordinary text mail without attachment; quarantined.
  bounce: a DSN (multipart/report; report-type=delivery-status) quoting the
      headers of a TLS report mail but holding no report; quarantined.
  invalid-report-missing-summary: valid gzip JSON whose policies[0] has no
      summary; quarantined with a precise reason.
  not-json-gzip: application/tlsrpt+gzip holding gzip'd plain text;
      quarantined.
  negative-count: total-failure-session-count -1; quarantined.
  huge-count-int64: counts of 9223372036854775807 (INT64_MAX) in policies[0],
      small counts in policies[1]; stored (totals must not overflow).
  two-days-range: start-datetime 2026-05-19T00:00:00Z, end-datetime
      2026-05-20T23:59:59Z (file 2026-05-19.jsonl), two policies; stored.
  crlf-native: an RFC 8460 report mail written with CRLF line endings (the
      golden test's CRLF conversion leaves it unchanged); stored.
"""

import base64
import binascii
import gzip
import hashlib
import io
import json
import os
import sys
import zipfile
import zlib

START = "2026-05-18T00:00:00Z"
END = "2026-05-18T23:59:59Z"
EPOCH_START = 1779062400  # 2026-05-18T00:00:00Z
EPOCH_END = 1779148799  # 2026-05-18T23:59:59Z
MAX_SIZE = 8192


# ---------------------------------------------------------------- encoders

def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)


def b64(data, width=76):
    """Base64, wrapped at width, each line (also the last) ending in LF."""
    s = base64.b64encode(data).decode("ascii")
    return "".join(s[i:i + width] + "\n" for i in range(0, len(s), width))


def js(obj, indent=None):
    if indent is None:
        return json.dumps(obj, separators=(",", ":")).encode("ascii")
    return (json.dumps(obj, indent=indent) + "\n").encode("ascii")


def hexid(seed, n=64):
    """Stable pseudo-random upper-case hex (TLSA data, opaque ids)."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest()[:n].upper()


# ---------------------------------------------------------------- reports

def sts(domain, mx, ok, failed, details=None, mode="enforce"):
    pol = {
        "policy-type": "sts",
        "policy-string": ["version: STSv1", "mode: " + mode]
        + ["mx: " + m for m in mx] + ["max_age: 604800"],
        "policy-domain": domain,
        "mx-host": list(mx),
    }
    return policy(pol, ok, failed, details)


def policy(pol, ok, failed, details=None):
    p = {"policy": pol,
         "summary": {"total-successful-session-count": ok,
                     "total-failure-session-count": failed}}
    if details is not None:
        p["failure-details"] = details
    return p


def detail(result, count, mta=None, mx=None, ip=None, helo=None, info=None,
           code=None):
    d = {"result-type": result}
    for key, val in (("sending-mta-ip", mta), ("receiving-mx-hostname", mx),
                     ("receiving-mx-helo", helo), ("receiving-ip", ip)):
        if val is not None:
            d[key] = val
    d["failed-session-count"] = count
    if info is not None:
        d["additional-information"] = info
    if code is not None:
        d["failure-reason-code"] = code
    return d


REPORT_IDS = []


def report(org, rid, contact, policies, start=START, end=END):
    REPORT_IDS.append(rid)
    return {"organization-name": org,
            "date-range": {"start-datetime": start, "end-datetime": end},
            "contact-info": contact,
            "report-id": rid,
            "policies": policies}


def fname(submitter, domain, ext=".json.gz"):
    return "%s!%s!%d!%d%s" % (submitter, domain, EPOCH_START, EPOCH_END, ext)


def simple_report(org, rid, domain="example.com", failed=0):
    """A plain, valid one-policy report for cases that test the transport."""
    details = None
    if failed:
        details = [detail("certificate-expired", failed, mta="192.0.2.25",
                          mx="mx1." + domain, ip="198.51.100.25")]
    return report(org, rid, "mailto:tlsrpt@example.org",
                  [sts(domain, ["mx1." + domain, "mx2." + domain],
                       120, failed, details)])


# ---------------------------------------------------------------- mail

def lines(*ls):
    return "".join(l + "\n" for l in ls)


def part(headers, body):
    """headers: list of lines; body: text ending in LF (or empty)."""
    return lines(*headers) + "\n" + body


def multipart(boundary, parts, preamble="", epilogue="", close=True):
    out = preamble
    for p in parts:
        out += "--" + boundary + "\n" + p
    if close:
        out += "--" + boundary + "--\n" + epilogue
    return out


def text_part(text):
    return part(["Content-Type: text/plain; charset=us-ascii",
                 "Content-Transfer-Encoding: 7bit"], text + "\n")


def gz_part(data, filename=None, ctype="application/tlsrpt+gzip"):
    hdr = ["Content-Type: " + ctype, "Content-Transfer-Encoding: base64"]
    if filename is not None:
        hdr.append('Content-Disposition: attachment; filename="%s"'
                   % filename)
    return part(hdr, b64(data))


def rfc_headers(case, domain, submitter, rid, date="Tue, 19 May 2026 "
                "02:%02d:00 +0000", boundary=None, ctype=None, extra=()):
    """RFC 8460 3 headers of a report mail; case picks Date minute/ids."""
    n = CASE_NO[case]
    if ctype is None:
        ctype = ('multipart/report; report-type="tlsrpt";\n'
                 ' boundary="%s"' % boundary)
    hdr = ["From: TLS Reporting <noreply-tlsrpt@%s>" % submitter,
           "To: tlsrpt@%s" % domain,
           "Subject: Report Domain: %s Submitter: %s Report-ID: <%s>"
           % (domain, submitter, rid)]
    if date is not None:
        hdr.append("Date: " + (date % n if "%" in date else date))
    hdr += ["Message-ID: <%s.%02d@%s>" % (case, n, submitter),
            "TLS-Report-Domain: " + domain,
            "TLS-Report-Submitter: " + submitter]
    hdr += list(extra)
    hdr += ["MIME-Version: 1.0", "Content-Type: " + ctype]
    return lines(*hdr)


def report_mail(case, rep_part, domain="example.com",
                submitter="mail.example.org", rid=None, extra=()):
    """A standard RFC 8460 mail: text/plain + the given report part."""
    boundary = "=_tlsrpt_%s" % case
    body = multipart(boundary, [
        text_part("This is an aggregate TLS report from %s." % submitter),
        rep_part])
    return rfc_headers(case, domain, submitter, rid, boundary=boundary,
                       extra=extra) + "\n" + body


def rid_of(case):
    return "2026-05-18T00:00:00Z_%s@mail.example.org" % case


def std(case, rep_part_fn, failed=0):
    """Standard mail around a simple report, with the report part built by
    rep_part_fn(json_bytes, filename)."""
    rid = rid_of(case)
    rep = simple_report("Example Mail Services", rid, failed=failed)
    p = rep_part_fn(js(rep), fname("mail.example.org", "example.com"))
    return report_mail(case, p, rid=rid)


# ---------------------------------------------------------------- cases

CASES = []
CASE_NO = {}


def case(fn):
    name = fn.__name__.replace("_", "-")
    CASES.append((name, fn))
    CASE_NO[name] = len(CASES)
    return fn


@case
def rfc_multipart_report():
    name = "rfc-multipart-report"
    rid = "2026-05-18T00:00:00Z+example.com+rfc01@mail.example.org"
    rep = report("Example Mail Services", rid, "mailto:tlsrpt@example.org", [
        sts("example.com", ["mx1.example.com", "*.backup.example.com"],
            4321, 12, [
                detail("certificate-expired", 9, mta="192.0.2.10",
                       mx="mx1.example.com", ip="198.51.100.20",
                       helo="mx1.example.com"),
                detail("starttls-not-supported", 3, mta="2001:db8::25",
                       mx="relay7.backup.example.com", ip="203.0.113.7",
                       info="https://tlsrpt.example.org/help/starttls",
                       code="STARTTLS not offered in EHLO response"),
            ])])
    return report_mail(name, gz_part(
        gz(js(rep)), fname("mail.example.org", "example.com")), rid=rid)


@case
def google_unquoted_report_type():
    name = "google-unquoted-report-type"
    rid = "2026-05-18T00:00:00Z_example.net_g02"
    fn = fname("mx.example.org", "example.net") + " "
    rep = report("Example Inc.", rid, "smtp-tls-reporting@example.org", [
        sts("example.net", ["*.mx.example.net"], 57, 0)])
    boundary = "000000000000a1b2c3d4e5f60718"
    body = multipart(boundary, [
        part(['Content-Type: text/plain; charset="UTF-8";',
              "\tformat=flowed; delsp=yes",
              "Content-Transfer-Encoding: base64"],
             b64(b"This is an aggregate TLS report from mx.example.org\r\n")),
        part(["Content-Type: application/tlsrpt+gzip; ",
              '\tname="%s"' % fn,
              "Content-Disposition: attachment; ",
              '\tfilename="%s"' % fn,
              "Content-Transfer-Encoding: base64"], b64(gz(js(rep))))])
    hdr = lines(
        "MIME-Version: 1.0",
        "Date: Tue, 19 May 2026 04:59:59 -0700",
        "Message-ID: <000000000000f0e1d2c3b4a59687@mx.example.org>",
        "Subject: Report Domain: example.net Submitter: mx.example.org"
        " Report-ID: <%s>" % rid,
        "From: noreply-smtp-tls-reporting@mx.example.org",
        "To: tlsrpt@example.net",
        "TLS-Report-Domain: example.net",
        "TLS-Report-Submitter: mx.example.org",
        'Content-Type: multipart/report; boundary="%s"; report-type=tlsrpt'
        % boundary)
    return hdr + "\n" + body


def mbox_mail(case):
    rid = rid_of(case)
    rep = simple_report("Example Mail Services", rid, failed=2)
    return report_mail(case, gz_part(
        gz(js(rep)), fname("mail.example.org", "example.com")), rid=rid)


@case
def mbox_from_line_postfix():
    return (lines("From sender@example.org  Mon May 18 08:00:00 2026",
                  "Return-Path: <sender@example.org>",
                  "X-Original-To: tlsrpt@example.com",
                  "Delivered-To: tlsrpt@example.com")
            + mbox_mail("mbox-from-line-postfix"))


@case
def mbox_from_line_exim():
    return (lines("From sender@example.org Mon May 18 08:00:00 2026")
            + mbox_mail("mbox-from-line-exim") + "\n")


@case
def mixed_nested():
    name = "mixed-nested"
    rid = rid_of(name)
    rep = simple_report("Example Mail Services", rid, failed=1)
    alt = multipart("=_alt_05", [
        text_part("This is an aggregate TLS report from mail.example.org."),
        part(["Content-Type: text/html; charset=us-ascii"],
             "<html><body><p>This is an aggregate TLS report from"
             " <b>mail.example.org</b>.</p></body></html>\n")],
        preamble="Inner preamble, not a part.\n\n")
    body = multipart("=_mixed_05", [
        part(['Content-Type: multipart/alternative; boundary="=_alt_05"'],
             alt),
        gz_part(gz(js(rep)), fname("mail.example.org", "example.com"))],
        preamble="This is a multi-part message in MIME format.\n\n",
        epilogue="\nThis epilogue is not part of any body part.\n")
    return rfc_headers(name, "example.com", "mail.example.org", rid,
                       ctype='multipart/mixed; boundary="=_mixed_05"') \
        + "\n" + body


@case
def no_closing_boundary():
    rid = "2026.05.18-example.com-06@mail.example.net"
    rep = report("Example Mail", rid, "tlsrpt-support@example.net", [
        sts("example.com", ["mx.example.com"], 310, 2, [
            detail("validation-failure", 3, mta="198.51.100.61",
                   mx="mx.example.com", ip="192.0.2.66"),
            detail("sts-policy-fetch-error", 4, mta="198.51.100.62",
                   mx="mx.example.com", ip="192.0.2.66")])])
    boundary = "--ALT--6f2b0c1d3e4a5b6c"
    body = multipart(boundary, [
        part(["Content-Type: text/plain; charset=utf-8",
              "Content-Transfer-Encoding: 7bit"],
             "This is an aggregate TLS report from mail.example.net\n"),
        gz_part(gz(js(rep)), fname("mail.example.net", "example.com"))],
        close=False)
    hdr = lines(
        "From: tlsrpt@mail.example.net",
        "To: tlsrpt@example.com",
        "Subject: Report",
        " Domain:",
        " example.com",
        " Submitter:",
        " mail.example.net",
        " Report-ID:",
        " <%s>" % rid,
        "Date: Tue, 19 May 2026 03:06:00 +0300",
        "Message-ID: <no-closing-boundary.06@mail.example.net>",
        "TLS-Report-Domain: example.com",
        "TLS-Report-Submitter: mail.example.net",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=tlsrpt;'
        ' boundary="%s"' % boundary)
    return hdr + "\n" + body


@case
def single_part_report():
    name = "single-part-report"
    rid = rid_of(name)
    rep = simple_report("Example Mail Services", rid, failed=5)
    return (rfc_headers(name, "example.com", "mail.example.org", rid,
                        ctype="application/tlsrpt+gzip",
                        extra=[]) +
            lines("Content-Transfer-Encoding: base64",
                  'Content-Disposition: attachment; filename="%s"'
                  % fname("mail.example.org", "example.com"))
            + "\n" + b64(gz(js(rep))))


@case
def plain_json_7bit():
    return std("plain-json-7bit", lambda data, fn: part(
        ["Content-Type: application/tlsrpt+json",
         "Content-Transfer-Encoding: 7bit",
         'Content-Disposition: attachment; filename="%s"'
         % fn.replace(".json.gz", ".json")],
        js(json.loads(data), indent=2).decode("ascii")), failed=3)


@case
def json_quoted_printable():
    name = "json-quoted-printable"
    rid = rid_of(name)
    rep = report("Ex\u00e4mple Relais GmbH", rid,
                 "mailto:tlsrpt@example.org?subject=TLS%20report", [
                     sts("example.com", ["mx1.example.com"], 88, 1, [
                         detail("certificate-host-mismatch", 1,
                                mta="192.0.2.90", mx="mx1.example.com",
                                ip="198.51.100.90",
                                info="https://tlsrpt.example.org/detail"
                                     "?report=09&code=host-mismatch")])])
    data = json.dumps(rep, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")
    qp = binascii.b2a_qp(data).decode("ascii")
    assert "=3D" in qp and "=\n" in qp and "=C3=A4" in qp
    return report_mail(name, part(
        ["Content-Type: application/tlsrpt+json; charset=utf-8",
         "Content-Transfer-Encoding: quoted-printable",
         'Content-Disposition: attachment; filename="%s"'
         % fname("mail.example.org", "example.com", ".json")],
        qp + "\n"), rid=rid)


@case
def tlsrpt_no_suffix():
    return std("tlsrpt-no-suffix", lambda data, fn: part(
        ["Content-Type: application/tlsrpt",
         'Content-Disposition: attachment; filename="%s"'
         % fn.replace(".json.gz", ".json")],
        data.decode("ascii") + "\n"))


@case
def tlsrpt_x_gzip():
    return std("tlsrpt-x-gzip", lambda data, fn: gz_part(
        gz(data), fn, "application/tlsrpt+x-gzip"), failed=4)


@case
def octet_stream_by_filename():
    return std("octet-stream-by-filename", lambda data, fn: part(
        ['Content-Type: application/octet-stream; name="%s"' % fn,
         "Content-Transfer-Encoding: base64",
         'Content-Disposition: attachment; filename="%s"' % fn],
        b64(gz(data))))


@case
def octet_stream_by_magic():
    return std("octet-stream-by-magic", lambda data, fn: part(
        ['Content-Type: application/octet-stream; name="tlsrpt-report"',
         "Content-Transfer-Encoding: base64",
         'Content-Disposition: attachment; filename="tlsrpt-report"'],
        b64(gz(data))))


@case
def misspelt_content_type():
    return std("misspelt-content-type", lambda data, fn: part(
        ["ContentType: application/tlsrpt+gzip",
         "Content-Transfer-Encoding: base64",
         "Content-Disposition: attachment"],
        b64(gz(data))), failed=1)


def no_policy_report(org, rid, domain=None, details=None, ok=6):
    pol = {"policy-type": "no-policy-found"}
    if domain is not None:
        pol["policy-domain"] = domain
    return report(org, rid, "tlsrpt@mail.example.org",
                  [policy(pol, ok, 0, details)])


def filename_fallback_mail(case, rid, disposition, ctype_name):
    """Domain only in the file name: no TLS-Report-Domain, no Subject
    domain, no policy-domain."""
    rep = no_policy_report("Example Mail Services", rid)
    n = CASE_NO[case]
    boundary = "=_tlsrpt_%s" % case
    body = multipart(boundary, [
        text_part("This is an aggregate TLS report."),
        part(["Content-Type: application/octet-stream" + ctype_name,
              "Content-Transfer-Encoding: base64"] + disposition,
             b64(gz(js(rep))))])
    return lines(
        "From: TLS Reporting <noreply-tlsrpt@mail.example.org>",
        "To: tlsrpt@example.com",
        "Subject: TLS report %s" % rid,
        "Date: Tue, 19 May 2026 02:%02d:00 +0000" % n,
        "Message-ID: <%s.%02d@mail.example.org>" % (case, n),
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type="tlsrpt";'
        ' boundary="%s"' % boundary) + "\n" + body


@case
def rfc2231_split_filename():
    return filename_fallback_mail(
        "rfc2231-split-filename", "rfc2231-15@mail.example.org",
        ["Content-Disposition: attachment;",
         " filename*0*=UTF-8''google.com%21example.com;",
         " filename*1*=%211779062400%211779148799.json.gz"], "")


@case
def rfc2047_filename():
    fn = fname("mail.example.org", "example.org")
    word = "=?UTF-8?B?%s?=" % base64.b64encode(fn.encode()).decode()
    return filename_fallback_mail(
        "rfc2047-filename", "rfc2047-16@mail.example.org",
        ['Content-Disposition: attachment; filename="%s"' % word],
        '; name="%s"' % word)


def zip_bytes(entries):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data, method in entries:
            info = zipfile.ZipInfo(name, date_time=(2026, 5, 19, 1, 0, 0))
            info.compress_type = method
            info.create_system = 3
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def zip_part(data, fn, readme):
    entries = []
    method = zipfile.ZIP_DEFLATED
    if readme:
        method = zipfile.ZIP_STORED
        entries.append(("README.txt", b"TLS report archive; see the .json"
                        b" entry.\r\n", zipfile.ZIP_STORED))
    entries.append((fn.replace(".json.gz", ".json"), data, method))
    zfn = fn.replace(".json.gz", ".zip")
    return part(['Content-Type: application/zip; name="%s"' % zfn,
                 "Content-Transfer-Encoding: base64",
                 'Content-Disposition: attachment; filename="%s"' % zfn],
                b64(zip_bytes(entries)))


@case
def zip_deflated():
    return std("zip-deflated", lambda d, fn: zip_part(d, fn, False), 2)


@case
def zip_stored():
    return std("zip-stored", lambda d, fn: zip_part(d, fn, True))


@case
def gzip_multi_member():
    def mk(data, fn):
        half = len(data) // 2
        return gz_part(gz(data[:half]) + gz(data[half:]), fn)
    return std("gzip-multi-member", mk, failed=6)


@case
def gzip_trailing_garbage():
    return std("gzip-trailing-garbage",
               lambda d, fn: gz_part(gz(d) + b"garbage\r\n", fn))


@case
def zlib_wrapped():
    return std("zlib-wrapped", lambda d, fn: gz_part(
        zlib.compress(d, 9), fn, "application/gzip"), failed=7)


@case
def base64_unpadded_odd_width():
    name = "base64-unpadded-odd-width"
    rid = rid_of(name)
    details = [detail("validation-failure", 1,
                      mta="203.0.113.%d" % (i + 1),
                      mx="mx%d.example.com" % (i % 3 + 1),
                      ip="198.51.100.%d" % (200 + i),
                      info="https://tlsrpt.example.org/d/" + hexid(
                          "unpadded-%d" % i))
               for i in range(32)]
    rep = report("Example Mail Services", rid, "mailto:tlsrpt@example.org",
                 [sts("example.com", ["mx1.example.com", "mx2.example.com",
                                      "mx3.example.com"], 1000, 32,
                      details)])
    data = js(rep)
    pad = 0
    while len(gz(data + b"\n" * pad)) % 3 != 1:  # "==" would follow
        pad += 1
    blob = gz(data + b"\n" * pad)
    s = base64.b64encode(blob).decode("ascii")
    assert s.endswith("==")
    s = s.rstrip("=")
    widths = [60, 60, 1000, 60, 60, 60, 1000]
    assert len(s) > sum(widths) + 60, len(s)
    out, i = [], 0
    for w in widths:
        out.append(s[i:i + w])
        i += w
    out += [s[j:j + 60] for j in range(i, len(s), 60)]
    body = "".join(l + "\n" for l in out)
    return report_mail(name, part(
        ["Content-Type: application/tlsrpt+gzip",
         "Content-Transfer-Encoding: base64",
         'Content-Disposition: attachment; filename="%s"'
         % fname("mail.example.org", "example.com")], body), rid=rid)


@case
def base64_garbage():
    def mk(data, fn):
        ls = b64(gz(data)).split("\n")
        assert len(ls) > 5
        ls[2] = ls[2][:30] + "*" + ls[2][30:]
        ls[4] = ls[4][:40] + "%" + ls[4][40:]
        return part(["Content-Type: application/tlsrpt+gzip",
                     "Content-Transfer-Encoding: base64",
                     'Content-Disposition: attachment; filename="%s"' % fn],
                    "\n".join(ls))
    return std("base64-garbage", mk, failed=2)


@case
def broken_gzip_then_good_part():
    name = "broken-gzip-then-good-part"
    rid = rid_of(name)
    bad = js(simple_report("Example Mail Services",
                           rid.replace("@", "-truncated@"), failed=9))
    good = js(simple_report("Example Mail Services", rid, failed=1))
    bad_gz = gz(bad)
    boundary = "=_tlsrpt_" + name
    fn = fname("mail.example.org", "example.com")
    body = multipart(boundary, [
        text_part("This is an aggregate TLS report from mail.example.org."),
        gz_part(bad_gz[:len(bad_gz) // 2], fn),
        gz_part(gz(good), fn)])
    return rfc_headers(name, "example.com", "mail.example.org", rid,
                       boundary=boundary) + "\n" + body


@case
def text_html_first_microsoft():
    name = "text-html-first-microsoft"
    rid = "134236224000000025+example.com"
    tlsa = json.dumps(["3 1 1 " + hexid("ms-tlsa-1"),
                       "3 1 1 " + hexid("ms-tlsa-2")], separators=(",", ":"))
    rep = report("Example Corporation", rid, "tlsrpt-noreply@example.net", [
        policy({"policy-type": "sts",
                "policy-string": ["version: STSv1", "mode: enforce",
                                  "mx: *.mail.example.com",
                                  "max_age: 2592000"],
                "policy-domain": "example.com"}, 41, 5, [
                    {"result-type": "certificate-host-mismatch",
                     "failed-session-count": 3},
                    {"result-type": "validation-failure",
                     "receiving-mx-hostname": "in1.mail.example.com",
                     "failed-session-count": 2}]),
        policy({"policy-type": "tlsa", "policy-string": [tlsa],
                "policy-domain": "example.com"}, 46, 0)],
        start="2026-05-18T00:00:00", end="2026-05-18T23:59:59")
    fn = "example.net!example.com!%d!%d!134236224000000025.json.gz" % (
        EPOCH_START, EPOCH_END)
    boundary = "_000_TLSRPT134236224000000025example_"
    html = ("<div style=\"font-family:Segoe UI\"><p>This is an aggregate TLS"
            " report from Example Corporation for example.com.</p></div>\n")
    body = multipart(boundary, [
        part(['Content-Type: text/html; charset="us-ascii"',
              "Content-Description: TLS report summary",
              "Content-Transfer-Encoding: 7bit"], html),
        part(["Content-Type: application/tlsrpt+gzip",
              "Content-Description: " + fn,
              'Content-Disposition: attachment; filename="%s"' % fn,
              "Content-Transfer-Encoding: base64"], b64(gz(js(rep))))])
    hdr = lines(
        "From: TLS Report Sender <tlsrpt-noreply@example.net>",
        "To: <tlsrpt@example.com>",
        "Subject: Report Domain: example.com Submitter: example.net"
        " Report-ID: " + rid,
        "Date: Tue, 19 May 2026 07:25:00 +0000",
        "Message-ID: <DM6PR00MB0025.namprd00.example.net>",
        "TLS-Report-Domain: example.com",
        "TLS-Report-Submitter: example.net",
        "Content-Type: multipart/report;",
        '\tboundary="%s";' % boundary,
        '\treport-type="tlsrpt"',
        "MIME-Version: 1.0")
    return hdr + "\n" + body


@case
def sys4_style():
    name = "sys4-style"
    org = "Example Org Mail Relay"
    rid = "2026-05-18T00:00:00Z_sys4-26_example.com"
    rep = no_policy_report(org, rid, details=[], ok=4)
    fn = fname("relay.example.org", "example.com")
    boundary = "===============4711000000000000026=="
    body = multipart(boundary, [
        part(['Content-Type: text/plain; charset="us-ascii"',
              "MIME-Version: 1.0", "Content-Transfer-Encoding: 7bit"],
             "This is an aggregate TLS report from %s\n" % org),
        part(["Content-Type: application/tlsrpt+gzip",
              "MIME-Version: 1.0", "Content-Transfer-Encoding: base64",
              'Content-Disposition: attachment; filename="%s"' % fn],
             b64(gz(js(rep))))])
    hdr = lines(
        'Content-Type: multipart/report; report-type="tlsrpt";',
        ' boundary="%s"' % boundary,
        "MIME-Version: 1.0",
        "From: noreply-tlsrpt@relay.example.org",
        "To: tlsrpt@example.com",
        "Subject: Report Domain: example.com Submitter: %s Report-ID: <%s>"
        % (org, rid),
        "Message-ID: <sys4-style.26@relay.example.org>",
        "TLS-Report-Domain: example.com",
        "TLS-Report-Submitter: " + org)
    return hdr + "\n" + body


@case
def no_policy_domain_subject_fallback():
    name = "no-policy-domain-subject-fallback"
    rid = "subject-fallback-27@relay.example.org"
    rep = no_policy_report("Example Relay", rid, ok=11)
    boundary = "=_tlsrpt_27"
    body = multipart(boundary, [
        text_part("This is an aggregate TLS report."),
        gz_part(gz(js(rep)))])
    hdr = lines(
        "From: noreply-tlsrpt@relay.example.org",
        "To: tlsrpt@example.net",
        "Subject: Report Domain: example.net Submitter: relay.example.org"
        " Report-ID: <%s>" % rid,
        "Date: Tue, 19 May 2026 02:27:00 +0000",
        "Message-ID: <%s.27@relay.example.org>" % name,
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type="tlsrpt";'
        ' boundary="%s"' % boundary)
    return hdr + "\n" + body


@case
def socketlabs_misspelt():
    name = "socketlabs-misspelt"
    rid = "sl-28-0b9c1e7a"
    pol = {"policy-type": "sts",
           "policy-string": ["version: STSv1", "mode: testing",
                             "mx: mx.example.com", "max_age: 86400"],
           "policy-domain": "example.com", "mx-host": []}
    rep = report("Example Sending Platform", rid, "tlsrpt@send.example.net", [
        policy(pol, 700, 2, [
            {"result-type": "certificate-not-trusted",
             "sending-mta-ip": "203.0.113.28",
             "receiving-mx-host-name": "mx.example.com",
             "receiving-ip": "198.51.100.28",
             "failed-session-count": 2}])])
    return report_mail(name, gz_part(
        gz(js(rep)), fname("send.example.net", "example.com")),
        submitter="send.example.net", rid=rid)


@case
def draft_keys():
    name = "draft-keys"
    rid = rid_of(name)
    rep = report("Example Draft Reporter", rid, None, [
        policy({"policy-type": "sts",
                "policy-string": ["version: STSv1", "mode: enforce",
                                  "mx: mx1.example.com",
                                  "mx: *.backup.example.com",
                                  "max_age: 86400"],
                "policy-domain": "example.com",
                "mx-host-pattern": ["mx: mx1.example.com",
                                    "mx: *.backup.example.com"]}, 30, 2, [
                    {"result-type": "certificate-expired",
                     "sending-mta-ip": "192.0.2.29",
                     "receiving-mx-hostname": "mx1.example.com",
                     "receiving-ip": "198.51.100.29",
                     "failed-session-count": 2,
                     "additional-info-uri":
                         "https://tlsrpt.example.org/info/29",
                     "failure-error-code": "X509_V_ERR_CERT_HAS_EXPIRED"}]),
        policy({"policy-type": "tlsa",
                "policy-string": ["3 1 1 " + hexid("draft-tlsa")],
                "policy-domain": "mx1.example.com",
                "mx-host": "mx1.example.com"}, 12, 0)])
    return report_mail(name, gz_part(
        gz(js(rep)), fname("mail.example.org", "example.com")), rid=rid)


@case
def non_strict_json():
    name = "non-strict-json"
    rid = rid_of(name)
    text = lines(
        "{",
        "  'organization-name': 'Example Generator Project',",
        "  'date-range': {",
        "    'start-datetime': '%s'," % START,
        "    \"end-datetime\": '%s'," % END,
        "  },",
        "  'contact-info': 'mailto:tlsrpt@example.org',",
        "  'report-id': '%s'," % rid,
        "  'policies': [",
        "    {",
        "      'policy': {",
        "        'policy-type': 'sts',",
        "        'policy-string': ['version: STSv1', 'mode: enforce',"
        " 'mx: mx1.example.com', 'max_age: 86400',],",
        "        'policy-domain': 'example.com',",
        "        'mx-host': ['mx1.example.com',],",
        "      },",
        "      'summary': {",
        "        'total-successful-session-count': 15,",
        "        \"total-failure-session-count\": 1,",
        "      },",
        "      'failure-details': [",
        "        {'result-type': 'starttls-not-supported',"
        " 'sending-mta-ip': '192.0.2.30',",
        "         'receiving-mx-hostname': 'mx1.example.com',"
        " 'failed-session-count': 1,},",
        "      ],",
        "    },",
        "  ],",
        "}")
    return report_mail(name, part(
        ["Content-Type: application/tlsrpt+json",
         'Content-Disposition: attachment; filename="%s"'
         % fname("mail.example.org", "example.com", ".json")], text),
        rid=rid)


@case
def fractional_seconds_offset():
    name = "fractional-seconds-offset"
    rid = rid_of(name)
    rep = simple_report("Example Mail Services", rid, failed=1)
    rep["date-range"] = {"start-datetime": "2026-05-18T00:00:00.250+02:00",
                         "end-datetime": "2026-05-19T00:00:00Z"}
    return report_mail(name, gz_part(
        gz(js(rep)), fname("mail.example.org", "example.com")), rid=rid)


@case
def unknown_types():
    name = "unknown-types"
    rid = rid_of(name)
    rep = report("Example Mail Services", rid, "mailto:tlsrpt@example.org", [
        policy({"policy-type": "dane",
                "policy-string": ["3 1 1 " + hexid("unknown-dane")],
                "policy-domain": "example.com",
                "mx-host": ["mx1.example.com"]}, 50, 3, [
                    detail("Testing", 3, mta="192.0.2.32",
                           mx="mx1.example.com", ip="198.51.100.32",
                           code="TLS handshake failed: peer sent alert 40"
                                " (handshake_failure) after ClientHello")])])
    return report_mail(name, gz_part(
        gz(js(rep)), fname("mail.example.org", "example.com")), rid=rid)


@case
def counts_as_strings():
    name = "counts-as-strings"
    rid = rid_of(name)
    rep = report("Example Mail Services", rid, "mailto:tlsrpt@example.org", [
        policy({"policy-type": "sts",
                "policy-string": ["version: STSv1", "mode: enforce",
                                  "mx: mx1.example.com", "max_age: 86400"],
                "policy-domain": "example.com",
                "mx-host": ["mx1.example.com"]}, "17", 3.0, [
                    detail("certificate-expired", "2", mta="192.0.2.33",
                           mx="mx1.example.com", ip="198.51.100.33"),
                    detail("validation-failure", 1.0, mta="192.0.2.34",
                           mx="mx1.example.com", ip="198.51.100.33")])])
    data = js(rep)
    assert b'"17"' in data and b":3.0" in data and b":1.0" in data
    return report_mail(name, gz_part(
        gz(data), fname("mail.example.org", "example.com")), rid=rid)


@case
def invalid_utf8_and_controls():
    name = "invalid-utf8-and-controls"
    rid = "../../tmp/invalid-utf8-and-controls-34"
    rep = report("@ORG@", rid, "mailto:tlsrpt@example.org", [
        sts("../../etc/passwd", ["mx1.example.com"], 10, 0),
        sts("example.com/evil.jsonl", ["mx1.example.com"], 20, 0)])
    org = (b'"Example \xff\xfe Mail \xc3\x28 \\"Quoted\\" Org\\nSecond line'
           b'\\u001b[31m red \xe2\x82"')
    data = js(rep).replace(b'"@ORG@"', org)
    return report_mail(name, gz_part(
        gz(data), fname("mail.example.org", "example.com")), rid=rid)


@case
def spam():
    return lines(
        'From: "Best Deals" <deals@example.net>',
        "To: tlsrpt@example.com",
        "Subject: You have been selected for a prize",
        "Date: Tue, 19 May 2026 06:35:00 +0000",
        "Message-ID: <spam.35@example.net>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=us-ascii",
        "Content-Transfer-Encoding: 7bit",
        "",
        "Dear customer,",
        "",
        "you have been selected. Claim your prize at",
        "https://prize.example.net/claim?id=35",
        "",
        "Best regards")


@case
def bounce():
    boundary = "5A1B2C3D4E.1779170000/mx.example.com"
    body = multipart(boundary, [
        part(["Content-Description: Notification",
              "Content-Type: text/plain; charset=us-ascii"],
             "This is the mail system at host mx.example.com.\n\n"
             "I'm sorry to have to inform you that your message could not\n"
             "be delivered to one or more recipients.\n\n"
             "<tlsrpt@example.net>: host mx.example.net[198.51.100.36]"
             " said: 550 5.1.1\n    User unknown\n"),
        part(["Content-Description: Delivery report",
              "Content-Type: message/delivery-status"],
             "Reporting-MTA: dns; mx.example.com\n"
             "Arrival-Date: Tue, 19 May 2026 06:36:00 +0000\n\n"
             "Final-Recipient: rfc822; tlsrpt@example.net\n"
             "Action: failed\n"
             "Status: 5.1.1\n"
             "Remote-MTA: dns; mx.example.net\n"
             "Diagnostic-Code: smtp; 550 5.1.1 User unknown\n"),
        part(["Content-Description: Undelivered Message Headers",
              "Content-Type: text/rfc822-headers"],
             "From: noreply-tlsrpt@example.com\n"
             "To: tlsrpt@example.net\n"
             "Subject: Report Domain: example.net Submitter: example.com"
             " Report-ID: <bounced-36@example.com>\n"
             "TLS-Report-Domain: example.net\n"
             "TLS-Report-Submitter: example.com\n"
             "MIME-Version: 1.0\n"
             'Content-Type: multipart/report; report-type="tlsrpt";'
             ' boundary="x"\n')])
    return lines(
        "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)",
        "To: tlsrpt@example.com",
        "Subject: Undelivered Mail Returned to Sender",
        "Date: Tue, 19 May 2026 06:36:01 +0000",
        "Message-ID: <20260519063601.5A1B2C3D4E@mx.example.com>",
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        "Content-Type: multipart/report; report-type=delivery-status;",
        '\tboundary="%s"' % boundary) + "\n" + body


@case
def invalid_report_missing_summary():
    def mk(data, fn):
        rep = json.loads(data)
        del rep["policies"][0]["summary"]
        return gz_part(gz(js(rep)), fn)
    return std("invalid-report-missing-summary", mk, failed=1)


@case
def not_json_gzip():
    return std("not-json-gzip", lambda d, fn: gz_part(gz(
        b"TLS report for example.com\r\n"
        b"successful sessions: 120\r\nfailed sessions: 0\r\n"), fn))


@case
def negative_count():
    def mk(data, fn):
        rep = json.loads(data)
        rep["policies"][0]["summary"]["total-failure-session-count"] = -1
        return gz_part(gz(js(rep)), fn)
    return std("negative-count", mk)


@case
def huge_count_int64():
    name = "huge-count-int64"
    rid = rid_of(name)
    big = 9223372036854775807
    rep = report("Example Mail Services", rid, "mailto:tlsrpt@example.org", [
        sts("example.com", ["mx1.example.com"], big, big, [
            detail("certificate-expired", big, mta="192.0.2.40",
                   mx="mx1.example.com", ip="198.51.100.40")]),
        sts("example.com", ["mx2.example.com"], 5, 1, [
            detail("starttls-not-supported", 1, mta="192.0.2.41",
                   mx="mx2.example.com", ip="198.51.100.41")])])
    data = js(rep)
    assert data.count(b"9223372036854775807") == 3
    return report_mail(name, gz_part(
        gz(data), fname("mail.example.org", "example.com")), rid=rid)


@case
def two_days_range():
    name = "two-days-range"
    rid = "2026-05-19T00:00:00Z_example.com_41@mail.example.org"
    rep = report("Example Mail Services", rid, "mailto:tlsrpt@example.org", [
        sts("example.com", ["mx1.example.com"], 250, 1, [
            detail("certificate-not-trusted", 1, mta="192.0.2.42",
                   mx="mx1.example.com", ip="198.51.100.42")]),
        policy({"policy-type": "tlsa",
                "policy-string": ["3 1 1 " + hexid("two-days-tlsa")],
                "policy-domain": "mx1.example.com",
                "mx-host": ["mx1.example.com"]}, 249, 0)],
        start="2026-05-19T00:00:00Z", end="2026-05-20T23:59:59Z")
    fn = "mail.example.org!example.com!1779148800!1779321599.json.gz"
    return report_mail(name, gz_part(gz(js(rep)), fn), rid=rid)


@case
def crlf_native():
    name = "crlf-native"
    rid = rid_of(name)
    rep = simple_report("Example Mail Services", rid, failed=3)
    text = report_mail(name, gz_part(
        gz(js(rep)), fname("mail.example.org", "example.com")), rid=rid)
    return text.replace("\n", "\r\n")


# ---------------------------------------------------------------- main

def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.abspath(__file__))
    rids = set()
    for name, fn in CASES:
        data = fn()
        if isinstance(data, str):
            data = data.encode("ascii")
        assert len(data) < MAX_SIZE, (name, len(data))
        assert b"\r" not in data or name == "crlf-native", name
        path = os.path.join(outdir, name + ".eml")
        with open(path, "wb") as f:
            f.write(data)
        print("%6d %s" % (len(data), path))
    assert len(CASES) == 42, len(CASES)
    assert len(set(REPORT_IDS)) == len(REPORT_IDS), REPORT_IDS


if __name__ == "__main__":
    main()
