#!/usr/bin/env python3
"""Regenerate the example TLS-RPT report emails in examples/.

Every organisation, host name and address below is invented: domains are
example.com/.net/.org, addresses come from the documentation ranges
192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32.  The
mails imitate the shapes real reporters send (see examples/README), not
their content.

The output is deterministic (fixed dates, boundaries and ids; gzip with
mtime 0 and a fixed header; zip entries with a fixed timestamp; base64
wrapped at 76 columns; LF line endings), so the committed files are exactly
what this script writes.  Python 3 standard library only.

    examples/make-examples.py            rewrite the files next to this script
    examples/make-examples.py --check    exit 1 if a committed file differs
    examples/make-examples.py DIR        write into DIR instead
"""

import base64
import calendar
import hashlib
import io
import json
import os
import quopri
import struct
import sys
import zipfile
import zlib


# ---------------------------------------------------------------- helpers

def epoch(y, mo, d, h=0, mi=0, s=0):
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0))


def rfc8460_name(submitter, domain, begin, end, ext):
    """RFC 8460 section 5.3 file name: submitter!domain!begin!end.ext"""
    return "%s!%s!%d!%d.%s" % (submitter, domain, begin, end, ext)


def gzip_bytes(data):
    """gzip member with a fixed header (no name, mtime 0, OS unknown), so
    the bytes do not depend on the Python version or the clock."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = comp.compress(data) + comp.flush()
    header = b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x02\xff"
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF,
                          len(data) & 0xFFFFFFFF)
    return header + body + trailer


def zip_bytes(name, data, when):
    """One deflated entry, fixed timestamp and attributes."""
    out = io.BytesIO()
    info = zipfile.ZipInfo(name, date_time=when)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 0          # as written by a Windows tool
    info.external_attr = 0
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED,
                    compresslevel=9)
    return out.getvalue()


def b64(data):
    """base64 wrapped at 76 columns, each line ending in LF."""
    return base64.encodebytes(data).decode("ascii")


def qp(data):
    """quoted-printable body (soft line breaks at 76 columns)."""
    return quopri.encodestring(data).decode("ascii")


def compact(obj):
    return json.dumps(obj, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def pretty(obj, indent):
    return (json.dumps(obj, ensure_ascii=False, indent=indent)
            + "\n").encode("utf-8")


def tlsa_digest(seed):
    """A made-up SHA-256 digest for a TLSA 3 1 1 record."""
    return hashlib.sha256(seed.encode("ascii")).hexdigest().upper()


def mail(headers, body):
    """headers: list of raw header lines (folding already applied)."""
    return "\n".join(headers) + "\n\n" + body


# ------------------------------------------------------ the example.com MX

STS_EXAMPLE_COM = [
    "version: STSv1",
    "mode: enforce",
    "mx: mx1.example.com",
    "mx: mx2.example.com",
    "max_age: 604800",
]
MX_EXAMPLE_COM = ["mx1.example.com", "mx2.example.com"]
MX1_IP = "203.0.113.25"
MX2_IP = "203.0.113.26"


# --------------------------------------------- 1. Google-style, sts enforce

def google_sts():
    begin, end = epoch(2026, 5, 18), epoch(2026, 5, 18, 23, 59, 59)
    report = {
        "organization-name": "Google Inc.",
        "date-range": {
            "start-datetime": "2026-05-18T00:00:00Z",
            "end-datetime": "2026-05-18T23:59:59Z",
        },
        "contact-info": "smtp-tls-reporting@google.com",
        "report-id": "2026-05-18T00:00:00Z_example.com",
        "policies": [{
            "policy": {
                "policy-type": "sts",
                "policy-string": STS_EXAMPLE_COM,
                "policy-domain": "example.com",
                "mx-host": MX_EXAMPLE_COM,
            },
            "summary": {
                "total-successful-session-count": 4821,
                "total-failure-session-count": 17,
            },
            "failure-details": [
                {
                    "result-type": "certificate-expired",
                    "sending-mta-ip": "198.51.100.17",
                    "receiving-mx-hostname": "mx2.example.com",
                    "receiving-ip": MX2_IP,
                    "failed-session-count": 9,
                },
                {
                    "result-type": "certificate-expired",
                    "sending-mta-ip": "198.51.100.42",
                    "receiving-mx-hostname": "mx2.example.com",
                    "receiving-ip": MX2_IP,
                    "failed-session-count": 3,
                },
                {
                    "result-type": "starttls-not-supported",
                    "sending-mta-ip": "2001:db8:4860::1b",
                    "receiving-mx-hostname": "mx1.example.com",
                    "receiving-ip": MX1_IP,
                    "failed-session-count": 5,
                },
            ],
        }],
    }
    json_bytes = compact(report)
    gz = gzip_bytes(json_bytes)
    fname = rfc8460_name("google.com", "example.com", begin, end, "json.gz")
    bnd = "000000000000c5e1a70629f1e4b7"
    # Google: report-type unquoted and after boundary; name=/filename= on a
    # TAB-folded continuation line after a "; " with a trailing space.
    headers = [
        "Return-Path: <noreply-smtp-tls-reporting@google.com>",
        "MIME-Version: 1.0",
        "Date: Tue, 19 May 2026 03:12:45 -0700",
        "TLS-Report-Domain: example.com",
        "TLS-Report-Submitter: google.com",
        "Message-ID: <000000000000d9b3f20629f1e4b7tls@google.com>",
        "Subject: Report Domain: example.com Submitter: google.com "
        "Report-ID: <2026.05.18T00.00.00Z+example.com@google.com>",
        "From: noreply-smtp-tls-reporting@google.com",
        "To: tlsrpt@example.com",
        'Content-Type: multipart/report; boundary="%s"; report-type=tlsrpt'
        % bnd,
    ]
    body = (
        "--%s\n"
        'Content-Type: text/plain; charset="UTF-8"; format=flowed; delsp=yes\n'
        "\n"
        "This is an aggregate TLS report from google.com\n"
        "\n"
        "--%s\n"
        "Content-Type: application/tlsrpt+gzip; \n"
        '\tname="%s"\n'
        "Content-Disposition: attachment; \n"
        '\tfilename="%s"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "%s"
        "\n"
        "--%s--\n"
    ) % (bnd, bnd, fname, fname, b64(gz), bnd)
    return {"google-sts.eml": mail(headers, body).encode("ascii"),
            "google-sts.json.gz": gz}


# ------------------------------- 2. Microsoft-style, sts + tlsa, no zones

def microsoft_sts_tlsa():
    begin, end = epoch(2026, 5, 18), epoch(2026, 5, 18, 23, 59, 59)
    tlsa = json.dumps(["3 1 1 " + tlsa_digest("mx1.example.net key 2026"),
                       "3 1 1 " + tlsa_digest("mx2.example.net key 2026")],
                      separators=(",", ":"))
    report = {
        "organization-name": "Microsoft Corporation",
        "date-range": {
            "start-datetime": "2026-05-18T00:00:00",
            "end-datetime": "2026-05-18T23:59:59",
        },
        "contact-info": "tlsrpt-noreply@microsoft.com",
        "report-id": "134236512000734519+example.net",
        "policies": [
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": [
                        "version: STSv1",
                        "mode: enforce",
                        "mx: mx1.example.net",
                        "mx: mx2.example.net",
                        "max_age: 1209600",
                    ],
                    "policy-domain": "example.net",
                },
                "summary": {
                    "total-successful-session-count": 3118,
                    "total-failure-session-count": 4,
                },
                "failure-details": [{
                    "result-type": "certificate-host-mismatch",
                    "receiving-mx-hostname": "mx2.example.net",
                    "receiving-ip": "203.0.113.40",
                    "failed-session-count": 4,
                }],
            },
            {
                "policy": {
                    "policy-type": "tlsa",
                    # one string holding a JSON-encoded array, as Microsoft
                    # sends it
                    "policy-string": [tlsa],
                    "policy-domain": "example.net",
                },
                "summary": {
                    "total-successful-session-count": 3120,
                    "total-failure-session-count": 2,
                },
                "failure-details": [{
                    "result-type": "tlsa-invalid",
                    "failed-session-count": 2,
                }],
            },
        ],
    }
    json_bytes = compact(report)
    gz = gzip_bytes(json_bytes)
    fname = rfc8460_name("microsoft.com", "example.net", begin, end,
                         "json.gz")
    bnd = "_000_TLSRPT134236512000734519examplenet_"
    headers = [
        "From: tlsrpt-noreply@microsoft.com",
        "To: tlsrpt@example.net",
        "Subject: Report Domain: example.net Submitter: microsoft.com "
        "Report-ID: 134236512000734519+example.net",
        "Date: Tue, 19 May 2026 07:41:12 +0000",
        "Message-ID: <TLSRPT-134236512000734519-example.net@microsoft.com>",
        "TLS-Report-Domain: example.net",
        "TLS-Report-Submitter: microsoft.com",
        "Content-Language: en-US",
        "MIME-Version: 1.0",
        "Content-Type: multipart/report; report-type=tlsrpt;",
        '\tboundary="%s"' % bnd,
    ]
    html = (
        "<html>\n"
        "<head><meta http-equiv=\"Content-Type\" content=\"text/html; "
        "charset=us-ascii\"></head>\n"
        "<body>\n"
        "<p>This is an aggregate TLS report from microsoft.com for "
        "example.net.</p>\n"
        "<p>Reporting period: 2026-05-18 00:00:00 to 2026-05-18 "
        "23:59:59 UTC.</p>\n"
        "</body>\n"
        "</html>\n"
    )
    body = (
        "--%s\n"
        'Content-Type: text/html; charset="us-ascii"\n'
        "Content-Description: TLS report summary\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
        "%s"
        "\n"
        "--%s\n"
        'Content-Type: application/tlsrpt+gzip; name="%s"\n'
        "Content-Description: %s\n"
        'Content-Disposition: attachment; filename="%s"; size=%d;\n'
        '\tcreation-date="Tue, 19 May 2026 07:41:12 GMT";\n'
        '\tmodification-date="Tue, 19 May 2026 07:41:12 GMT"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "%s"
        "\n"
        "--%s--\n"
    ) % (bnd, html, bnd, fname, fname, fname, len(gz), b64(gz), bnd)
    return {"microsoft-sts-tlsa.eml": mail(headers, body).encode("ascii"),
            "microsoft-sts-tlsa.json.gz": gz}


# ------------------- 3. uncompressed +json, quoted-printable, no-policy-found

def plain_json():
    begin, end = epoch(2026, 5, 19), epoch(2026, 5, 19, 23, 59, 59)
    report = {
        "organization-name": "Soci\u00e9t\u00e9 Exemple Courrier",
        "date-range": {
            "start-datetime": "2026-05-19T00:00:00Z",
            "end-datetime": "2026-05-19T23:59:59Z",
        },
        "contact-info": "tlsrpt-admin@courrier.example.net",
        "report-id": "courrier-20260519-lists.example.org-7f3a2c",
        "policies": [{
            "policy": {
                "policy-type": "no-policy-found",
                "policy-domain": "lists.example.org",
            },
            "summary": {
                "total-successful-session-count": 1287,
                "total-failure-session-count": 0,
            },
        }],
    }
    # compact: one long line, so the quoted-printable body has soft breaks
    json_bytes = compact(report) + b"\n"
    fname = rfc8460_name("courrier.example.net", "lists.example.org",
                         begin, end, "json")
    bnd = "=_courrier_7f3a2c_="
    headers = [
        "From: =?UTF-8?Q?Soci=C3=A9t=C3=A9_Exemple_Courrier?= "
        "<tlsrpt-noreply@courrier.example.net>",
        "To: tlsrpt@lists.example.org",
        "Subject: Report Domain: lists.example.org Submitter: "
        "courrier.example.net",
        " Report-ID: <20260519.lists.example.org.7f3a2c@courrier.example.net>",
        "Date: Wed, 20 May 2026 02:05:33 +0200",
        "Message-ID: <20260520000533.7f3a2c@courrier.example.net>",
        "TLS-Report-Domain: lists.example.org",
        "TLS-Report-Submitter: courrier.example.net",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type="tlsrpt";',
        ' boundary="%s"' % bnd,
    ]
    text = ("Rapport TLS agr\u00e9g\u00e9 de courrier.example.net.\n"
            "This is an aggregate TLS report from courrier.example.net.\n")
    body = (
        "This is a multi-part message in MIME format.\n"
        "\n"
        "--%s\n"
        "Content-Type: text/plain; charset=utf-8\n"
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "%s"
        "\n"
        "--%s\n"
        "Content-Type: application/tlsrpt+json\n"
        'Content-Disposition: attachment;\n filename="%s"\n'
        "Content-Transfer-Encoding: quoted-printable\n"
        "\n"
        "%s"
        "\n"
        "--%s--\n"
    ) % (bnd, qp(text.encode("utf-8")), bnd, fname, qp(json_bytes), bnd)
    return {"plain-json.eml": mail(headers, body).encode("ascii"),
            "plain-json.json": json_bytes}


# ------------------------------------------- 4. DANE: tlsa policy, failures

def dane_tlsa():
    begin, end = epoch(2026, 5, 19), epoch(2026, 5, 19, 23, 59, 59)
    report = {
        "organization-name": "Example Networks",
        "date-range": {
            "start-datetime": "2026-05-19T00:00:00Z",
            "end-datetime": "2026-05-19T23:59:59Z",
        },
        "contact-info": "mailto:tlsrpt@mta.example.net",
        "report-id": "2026-05-19T00:00:00Z_example.org_mta.example.net",
        "policies": [{
            "policy": {
                "policy-type": "tlsa",
                "policy-string": [
                    "3 1 1 " + tlsa_digest("mx1.example.org key 2026"),
                    "3 1 1 " + tlsa_digest("mx2.example.org key 2026"),
                ],
                "policy-domain": "example.org",
                "mx-host": ["mx1.example.org", "mx2.example.org"],
            },
            "summary": {
                "total-successful-session-count": 1874,
                "total-failure-session-count": 9,
            },
            "failure-details": [
                {
                    "result-type": "tlsa-invalid",
                    "sending-mta-ip": "2001:db8:25::10",
                    "receiving-mx-hostname": "mx2.example.org",
                    "receiving-mx-helo": "mx2.example.org",
                    "receiving-ip": "2001:db8:f00::26",
                    "failed-session-count": 6,
                    "additional-information":
                        "https://mta.example.net/tlsrpt/help/tlsa-invalid",
                    "failure-reason-code":
                        "no TLSA 3 1 1 record matches the server key",
                },
                {
                    "result-type": "dnssec-invalid",
                    "sending-mta-ip": "192.0.2.25",
                    "receiving-mx-hostname": "mx1.example.org",
                    "receiving-ip": "198.51.100.25",
                    "failed-session-count": 3,
                    "failure-reason-code":
                        "_25._tcp.mx1.example.org TLSA: bogus signature",
                },
            ],
        }],
    }
    json_bytes = json.dumps(report).encode("ascii")
    gz = gzip_bytes(json_bytes)
    fname = rfc8460_name("mta.example.net", "example.org", begin, end,
                         "json.gz")
    bnd = "----=_tlsrpt_20260520001702_4821"
    headers = [
        "Subject: Report Domain: example.org Submitter: mta.example.net",
        " Report-ID: <2026-05-19T00:00:00Z_example.org@mta.example.net>",
        "From: TLS Reporting <tlsrpt@mta.example.net>",
        "To: tlsrpt@example.org",
        "Date: Wed, 20 May 2026 00:17:02 +0000",
        "Message-ID: <tlsrpt.20260520001702.4821@mta.example.net>",
        "TLS-Report-Domain: example.org",
        "TLS-Report-Submitter: mta.example.net",
        "TLS-Required: No",
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type="tlsrpt";',
        ' boundary="%s"' % bnd,
    ]
    body = (
        "--%s\n"
        'Content-Type: text/plain; charset="us-ascii"\n'
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
        "This is an aggregate TLS report from mta.example.net\n"
        "\n"
        "--%s\n"
        "Content-Type: application/tlsrpt+gzip\n"
        "Content-Transfer-Encoding: base64\n"
        "Content-Disposition: attachment;\n"
        ' filename="%s"\n'
        "\n"
        "%s"
        "\n"
        "--%s--\n"
    ) % (bnd, bnd, fname, b64(gz), bnd)
    return {"dane-tlsa.eml": mail(headers, body).encode("ascii"),
            "dane-tlsa.json.gz": gz}


# --------------------------------------------- 5. application/zip attachment

def zip_report():
    begin, end = epoch(2026, 5, 19), epoch(2026, 5, 19, 23, 59, 59)
    report = {
        "organization-name": "Example Hosting GmbH",
        "date-range": {
            "start-datetime": "2026-05-19T00:00:00Z",
            "end-datetime": "2026-05-19T23:59:59Z",
        },
        "contact-info": "postmaster@hosting.example.net",
        "report-id": "hosting.example.net-2026-05-19-example.com-000142",
        "policies": [{
            "policy": {
                "policy-type": "sts",
                "policy-string": STS_EXAMPLE_COM,
                "policy-domain": "example.com",
                "mx-host": MX_EXAMPLE_COM,
            },
            "summary": {
                "total-successful-session-count": 880,
                "total-failure-session-count": 3,
            },
            "failure-details": [{
                "result-type": "certificate-expired",
                "sending-mta-ip": "192.0.2.10",
                "receiving-mx-hostname": "mx2.example.com",
                "receiving-ip": MX2_IP,
                "failed-session-count": 3,
            }],
        }],
    }
    json_bytes = pretty(report, 4)
    inner = rfc8460_name("hosting.example.net", "example.com", begin, end,
                         "json")
    zipped = zip_bytes(inner, json_bytes, (2026, 5, 20, 4, 30, 0))
    fname = rfc8460_name("hosting.example.net", "example.com", begin, end,
                         "zip")
    bnd = "b1_hosting_5f0e2d9a"
    # No TLS-Report-Submitter header: the record's submitter stays null.
    headers = [
        "Date: Wed, 20 May 2026 04:30:00 +0000",
        'From: "Example Hosting Postmaster" <postmaster@hosting.example.net>',
        "To: tlsrpt@example.com",
        "Subject: Report Domain: example.com Submitter: hosting.example.net "
        "Report-ID: <000142@hosting.example.net>",
        "Message-ID: <5f0e2d9a.000142@hosting.example.net>",
        "TLS-Report-Domain: example.com",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="%s"' % bnd,
    ]
    body = (
        "--%s\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "SMTP TLS report for example.com, 2026-05-19 (UTC).\n"
        "The report is attached as a zip archive.\n"
        "\n"
        "--%s\n"
        'Content-Type: application/zip; name="%s"\n'
        "Content-Transfer-Encoding: base64\n"
        'Content-Disposition: attachment; filename="%s"\n'
        "\n"
        "%s"
        "\n"
        "--%s--\n"
    ) % (bnd, bnd, fname, fname, b64(zipped), bnd)
    return {"zip-report.eml": mail(headers, body).encode("ascii"),
            "zip-report.zip": zipped}


# ---------------------------------- 6. many failure details, two policies

REASONS = {
    "certificate-expired": "X509_V_ERR_CERT_HAS_EXPIRED",
    "certificate-host-mismatch": "X509_V_ERR_HOSTNAME_MISMATCH",
    "certificate-not-trusted": "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
    "starttls-not-supported": "STARTTLS not offered in EHLO response",
    "validation-failure": "MX host does not match any policy mx pattern",
}


def heavy_details():
    """34 details for example.com: several result types, sending IPs
    (IPv4 and IPv6), both MX hosts; counts vary deterministically."""
    kinds = [
        ("certificate-expired", "mx2.example.com", MX2_IP),
        ("starttls-not-supported", "mx1.example.com", MX1_IP),
        ("certificate-host-mismatch", "mx2.example.com", MX2_IP),
        ("validation-failure", "mx1.example.com", MX1_IP),
        ("certificate-not-trusted", "mx2.example.com", MX2_IP),
        ("validation-failure", "mx2.example.com", MX2_IP),
    ]
    senders = (["198.51.100.%d" % (10 + i) for i in range(12)]
               + ["192.0.2.%d" % (130 + i) for i in range(6)]
               + ["2001:db8:bb::%x" % (0x10 + i) for i in range(4)])
    details = []
    for i in range(34):
        rtype, mx, ip = kinds[i % len(kinds)]
        d = {
            "result-type": rtype,
            "sending-mta-ip": senders[(i * 5) % len(senders)],
            "receiving-mx-hostname": mx,
            "receiving-ip": ip,
            "failed-session-count": 1 + (i * 7) % 23,
        }
        if i % 3 == 0:
            d["receiving-mx-helo"] = mx
        if i % 4 == 1:
            d["additional-information"] = (
                "https://bulk.example.net/tlsrpt/help#" + rtype)
        if i % 2 == 0:
            d["failure-reason-code"] = REASONS[rtype]
        details.append(d)
    return details


def shop_details():
    """6 policy-level failures for shop.example.com (no MX involved)."""
    url = "https://mta-sts.shop.example.com/.well-known/mta-sts.txt"
    rows = [
        ("sts-policy-fetch-error", "198.51.100.10", 14, "HTTP 404 from " + url),
        ("sts-policy-fetch-error", "198.51.100.11", 9, "connect timeout: " + url),
        ("sts-policy-fetch-error", "2001:db8:bb::10", 4, "HTTP 503 from " + url),
        ("sts-webpki-invalid", "198.51.100.12", 7,
         "certificate of mta-sts.shop.example.com has expired"),
        ("sts-webpki-invalid", "192.0.2.131", 2,
         "certificate of mta-sts.shop.example.com: unknown issuer"),
        ("sts-policy-invalid", "198.51.100.13", 3,
         "policy file: missing 'version: STSv1' line"),
    ]
    return [{
        "result-type": rtype,
        "sending-mta-ip": ip,
        "failed-session-count": n,
        "additional-information": "https://bulk.example.net/tlsrpt/help#"
                                  + rtype,
        "failure-reason-code": why,
    } for rtype, ip, n, why in rows]


def failure_heavy():
    begin, end = epoch(2026, 5, 20), epoch(2026, 5, 20, 23, 59, 59)
    d1, d2 = heavy_details(), shop_details()
    report = {
        "organization-name": "Example Bulk Sender Inc.",
        "date-range": {
            "start-datetime": "2026-05-20T00:00:00Z",
            "end-datetime": "2026-05-20T23:59:59Z",
        },
        "contact-info": "tlsrpt-contact@bulk.example.net",
        "report-id": "bulk.example.net/2026-05-20/example.com/9c41e7",
        "policies": [
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": STS_EXAMPLE_COM,
                    "policy-domain": "example.com",
                    "mx-host": MX_EXAMPLE_COM,
                },
                "summary": {
                    "total-successful-session-count": 48210,
                    "total-failure-session-count":
                        sum(d["failed-session-count"] for d in d1),
                },
                "failure-details": d1,
            },
            {
                "policy": {
                    "policy-type": "sts",
                    "policy-string": [
                        "version: STSv1",
                        "mode: testing",
                        "mx: mx1.example.com",
                        "max_age: 86400",
                    ],
                    "policy-domain": "shop.example.com",
                    "mx-host": ["mx1.example.com"],
                },
                "summary": {
                    "total-successful-session-count": 2210,
                    "total-failure-session-count":
                        sum(d["failed-session-count"] for d in d2),
                },
                "failure-details": d2,
            },
        ],
    }
    json_bytes = compact(report)
    gz = gzip_bytes(json_bytes)
    fname = rfc8460_name("bulk.example.net", "example.com", begin, end,
                         "json.gz")
    bnd = "tlsrpt-9c41e7-boundary"
    headers = [
        "Date: Thu, 21 May 2026 01:00:12 +0000",
        "From: TLS Reports <tlsrpt-noreply@bulk.example.net>",
        "To: tlsrpt@example.com",
        "Subject: Report Domain: example.com Submitter: bulk.example.net "
        "Report-ID: <9c41e7@bulk.example.net>",
        "Message-ID: <tlsrpt-9c41e7@bulk.example.net>",
        "TLS-Report-Domain: example.com",
        "TLS-Report-Submitter: bulk.example.net",
        "MIME-Version: 1.0",
        "Content-Type: multipart/report; report-type=tlsrpt; "
        'boundary="%s"' % bnd,
    ]
    body = (
        "--%s\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "Content-Transfer-Encoding: 7bit\n"
        "\n"
        "This is an aggregate TLS report from bulk.example.net.\n"
        "\n"
        "--%s\n"
        'Content-Type: application/tlsrpt+gzip; name="%s"\n'
        'Content-Disposition: attachment; filename="%s"\n'
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "%s"
        "\n"
        "--%s--\n"
    ) % (bnd, bnd, fname, fname, b64(gz), bnd)
    return {"failure-heavy.eml": mail(headers, body).encode("ascii"),
            "failure-heavy.json.gz": gz}


# ------------------------------------------------------------------- main

EXAMPLES = [google_sts, microsoft_sts_tlsa, plain_json, dane_tlsa,
            zip_report, failure_heavy]


def main(argv):
    check = "--check" in argv
    args = [a for a in argv if a != "--check"]
    outdir = args[0] if args else os.path.dirname(os.path.abspath(__file__))
    files = {}
    for make in EXAMPLES:
        files.update(make())
    differ = 0
    for name in sorted(files):
        path = os.path.join(outdir, name)
        if check:
            try:
                with open(path, "rb") as f:
                    same = f.read() == files[name]
            except OSError:
                same = False
            if not same:
                print("differs: %s" % path)
                differ = 1
            continue
        with open(path, "wb") as f:
            f.write(files[name])
    return differ


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
