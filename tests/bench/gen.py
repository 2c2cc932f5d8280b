#!/usr/bin/env python3
"""Deterministic inputs for tests/bench/run (Python 3 standard library only).

    tests/bench/gen.py OUTDIR [--typical N] [--details N] [--seed S]

writes into OUTDIR:
  typical/0000.eml ...   N typical report mails (multipart/report, one
                         policy, a few dozen failure details, a ~2-3 KB
                         application/tlsrpt+gzip attachment), each with its
                         own report-id so every delivery is stored, not
                         deduplicated
  typical.b64            the first typical mail's attachment, base64 text
  large.eml, large.b64   one mail whose report has --details failure
                         details (default 200000: ~35 MB JSON, ~1 MB gzip)
  sizes.txt              JSON / gzip / mail sizes, for the results table

Same seed, same bytes: a fixed random.Random(seed), gzip with mtime 0 and
a fixed header, fixed dates and boundaries.  The reports are clean (every
count consistent, every IP valid, every result-type from RFC 8460), so
tlsrpt-lda writes them without warnings and tests/bench/ingest.py can write
the same bytes.
"""

import base64
import json
import os
import random
import struct
import sys
import zlib

RESULT_TYPES = [
    "starttls-not-supported", "certificate-host-mismatch",
    "certificate-expired", "certificate-not-trusted", "validation-failure",
    "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid",
]
REASONS = {
    "certificate-expired": "X509_V_ERR_CERT_HAS_EXPIRED",
    "certificate-host-mismatch": "X509_V_ERR_HOSTNAME_MISMATCH",
}
MX = ["mx1.example.com", "mx2.example.com"]
RECV_IP = {"mx1.example.com": "203.0.113.25", "mx2.example.com": "203.0.113.26"}
DAY = "2026-05-20"
DATE_HDR = "Thu, 21 May 2026 01:02:03 +0000"


def gzip_bytes(data):
    """gzip member with a fixed header (no name, mtime 0, OS unknown)."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = comp.compress(data) + comp.flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF,
                          len(data) & 0xFFFFFFFF)
    return header + body + trailer


def detail(rng, ip_pool, rich):
    rt = rng.choice(RESULT_TYPES)
    mx = rng.choice(MX)
    d = {"result-type": rt, "sending-mta-ip": rng.choice(ip_pool),
         "receiving-mx-hostname": mx, "receiving-ip": RECV_IP[mx],
         "failed-session-count": rng.randint(1, 9)}
    if rt in REASONS:
        d["failure-reason-code"] = REASONS[rt]
    if rich:
        d["failed-session-count"] = rng.randint(1, 999)
        d["additional-information"] = \
            "https://bulk.example.net/tlsrpt/s/%016x" % rng.getrandbits(64)
    return d


def report(rng, n_details, ip_pool, rid, rich=False):
    details = [detail(rng, ip_pool, rich) for _ in range(n_details)]
    failed = sum(d["failed-session-count"] for d in details)
    return {
        "organization-name": "Example Bulk Sender Inc.",
        "date-range": {"start-datetime": DAY + "T00:00:00Z",
                       "end-datetime": DAY + "T23:59:59Z"},
        "contact-info": "tlsrpt-contact@bulk.example.net",
        "report-id": rid,
        "policies": [{
            "policy": {
                "policy-type": "sts",
                "policy-string": ["version: STSv1", "mode: enforce",
                                  "mx: mx1.example.com",
                                  "mx: mx2.example.com", "max_age: 604800"],
                "policy-domain": "example.com",
                "mx-host": MX,
            },
            "summary": {"total-successful-session-count":
                        rng.randint(10000, 99999),
                        "total-failure-session-count": failed},
            "failure-details": details,
        }],
    }


def compact(obj):
    """As most reporters send it: no blanks between tokens."""
    return json.dumps(obj, separators=(",", ":")).encode()


def wrap76(b):
    s = base64.b64encode(b).decode("ascii")
    return "\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + "\n"


def mail(rid, gz):
    name = "bulk.example.net!example.com!1779235200!1779321599!%s.json.gz" % \
        rid.rsplit("/", 1)[-1]
    b = "----=_tlsrpt_bench_boundary"
    return (
        "From: TLS Reporting <noreply-tlsrpt@bulk.example.net>\n"
        "To: tlsrpt@example.com\n"
        "Subject: Report Domain: example.com Submitter: bulk.example.net "
        "Report-ID: <%s>\n"
        "Date: %s\n"
        "Message-ID: <%s@bulk.example.net>\n"
        "TLS-Report-Domain: example.com\n"
        "TLS-Report-Submitter: bulk.example.net\n"
        "MIME-Version: 1.0\n"
        "Content-Type: multipart/report; report-type=\"tlsrpt\";\n"
        " boundary=\"%s\"\n"
        "\n"
        "--%s\n"
        "Content-Type: text/plain; charset=us-ascii\n"
        "\n"
        "This is an aggregate TLS report from bulk.example.net.\n"
        "\n"
        "--%s\n"
        "Content-Type: application/tlsrpt+gzip; name=\"%s\"\n"
        "Content-Disposition: attachment; filename=\"%s\"\n"
        "Content-Transfer-Encoding: base64\n"
        "\n"
        "%s"
        "\n"
        "--%s--\n"
    ) % (rid, DATE_HDR, rid.replace("/", "."), b, b, b, name, name,
         wrap76(gz), b)


def write(path, data):
    with open(path, "wb") as f:
        f.write(data.encode("ascii") if isinstance(data, str) else data)


def main(argv):
    args = {"--typical": "1000", "--details": "200000", "--seed": "8460"}
    if len(argv) < 2 or (len(argv) - 2) % 2:
        sys.exit(__doc__)
    out = argv[1]
    for k, v in zip(argv[2::2], argv[3::2]):
        if k not in args:
            sys.exit(__doc__)
        args[k] = v
    rng = random.Random(int(args["--seed"]))
    os.makedirs(os.path.join(out, "typical"), exist_ok=True)
    sizes = []
    # typical: distinct addresses per report, so gzip has real work to do
    for i in range(int(args["--typical"])):
        pool = ["198.51.100.%d" % rng.randint(1, 254) for _ in range(64)] + \
            ["2001:db8:%x::%x" % (rng.randint(1, 0xffff), rng.randint(1, 0xffff))
             for _ in range(64)]
        rid = "bulk.example.net/%s/example.com/t%05d" % (DAY, i)
        js = compact(report(rng, 64, pool, rid, rich=True))
        gz = gzip_bytes(js)
        m = mail(rid, gz)
        write(os.path.join(out, "typical", "%04d.eml" % i), m)
        if i == 0:
            write(os.path.join(out, "typical.b64"), wrap76(gz))
            sizes.append("typical json=%d gzip=%d mail=%d" %
                         (len(js), len(gz), len(m)))
    # large: a pool of senders as a busy reporter would see them; its own
    # generator, so it does not depend on --typical
    rng = random.Random(int(args["--seed"]) + 1)
    pool = ["198.51.100.%d" % k for k in range(1, 65)] + \
        ["192.0.2.%d" % k for k in range(1, 65)]
    rid = "bulk.example.net/%s/example.com/large" % DAY
    js = compact(report(rng, int(args["--details"]), pool, rid))
    gz = gzip_bytes(js)
    m = mail(rid, gz)
    write(os.path.join(out, "large.eml"), m)
    write(os.path.join(out, "large.b64"), wrap76(gz))
    sizes.append("large json=%d gzip=%d mail=%d" % (len(js), len(gz), len(m)))
    write(os.path.join(out, "sizes.txt"), "\n".join(sizes) + "\n")


if __name__ == "__main__":
    main(sys.argv)
