#!/usr/bin/env python3
"""The Python baseline: what a parsedmarc-style user runs, standard library
only.  Reads one report mail on stdin, finds the report attachment, inflates
and parses it, and appends one JSON line per policy to SPOOL/YYYY-MM-DD.jsonl
under an exclusive lock, fsync'd -- the same records, in the same key order
and bytes, as tlsrpt-lda writes for a clean report (tests/bench/run compares
them).
It checks only what it needs to build the records; it keeps no duplicate
markers and repairs nothing.

    ingest.py --spool DIR < message

received_at comes from TLSRPT_LDA_NOW (epoch seconds) when set, as for
tlsrpt-lda; recipient from ORIGINAL_RECIPIENT or RECIPIENT.
"""

import email
import fcntl
import gzip
import json
import os
import sys
import time

REPORT_TYPES = ("application/tlsrpt+gzip", "application/tlsrpt+json",
                "application/gzip", "application/json")


def find_report(msg):
    for part in msg.walk():
        if part.get_content_type() in REPORT_TYPES:
            data = part.get_payload(decode=True)
            if data[:2] == b"\x1f\x8b":
                data = gzip.decompress(data)
            return json.loads(data)
    sys.exit("ingest.py: no report attachment")


def detail(d):
    return {
        "result_type": d["result-type"],
        "failed_session_count": d.get("failed-session-count", 0),
        "sending_mta_ip": d.get("sending-mta-ip"),
        "receiving_ip": d.get("receiving-ip"),
        "receiving_mx_hostname": d.get("receiving-mx-hostname"),
        "receiving_mx_helo": d.get("receiving-mx-helo"),
        "additional_info_uri": d.get("additional-information"),
        "failure_reason_code": d.get("failure-reason-code"),
    }


def records(report, msg, now):
    dates = report["date-range"]
    env = os.environ
    for pol in report["policies"]:
        desc, summary = pol["policy"], pol["summary"]
        yield {
            "organization_name": report["organization-name"],
            "contact_info": report.get("contact-info"),
            "report_id": report["report-id"],
            "begin_date": dates["start-datetime"],
            "end_date": dates["end-datetime"],
            "policy_domain": desc.get("policy-domain"),
            "policy_type": desc["policy-type"],
            "policy_strings": desc.get("policy-string", []),
            "mx_host_patterns": desc.get("mx-host", []),
            "successful_session_count": summary["total-successful-session-count"],
            "failed_session_count": summary.get("total-failure-session-count", 0),
            "failure_details": [detail(d) for d in pol.get("failure-details", [])],
            "received_at": now,
            "source": "mail",
            "message_id": msg["Message-ID"],
            "submitter": msg["TLS-Report-Submitter"],
            "recipient": env.get("ORIGINAL_RECIPIENT") or env.get("RECIPIENT"),
            "client_ip": None,
            "dkim": None,
            "warnings": [],
        }


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "--spool":
        sys.exit(__doc__)
    spool = sys.argv[2]
    msg = email.message_from_binary_file(sys.stdin.buffer)
    report = find_report(msg)
    fixed = os.environ.get("TLSRPT_LDA_NOW")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                        time.gmtime(int(fixed) if fixed else None))
    lines = "".join(json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n"
                    for r in records(report, msg, now))
    os.makedirs(spool, exist_ok=True)
    day = report["date-range"]["start-datetime"][:10]
    with open(os.path.join(spool, day + ".jsonl"), "a", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        f.write(lines)
        f.flush()
        os.fsync(f.fileno())


if __name__ == "__main__":
    main()
