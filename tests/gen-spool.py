#!/usr/bin/env python3
"""Write a deterministic tlsrpt-lda spool for tlsrpt-summary's tests.

usage: gen-spool.py DIR            the golden fixture: 40 days ending 2026-05-18
       gen-spool.py --perf DIR [DAYS [REPORTS]]
                                   DAYS x REPORTS lines/day (30 x 10000) for timing
       gen-spool.py --incidents TODAY DIR
                                   DIR/a, DIR/b, DIR/spike: the incident
                                   scenarios around TODAY (see incidents())
       gen-spool.py --utf8 FILE    one record of a UTF-8 policy domain,
                                   bücher.example, failing on enforce

The fixture plants, in the 7-day window ending 2026-05-18:
  example.com   sts enforce; Google, Microsoft (the same sessions under both
                "sts" and "tlsa"), and Quiet Mail Ltd., which reports daily
                and then goes silent on the last 2 days; a spike of
                starttls-not-supported on 2026-05-15.            -> WARNING
  example.org   sts enforce; a new failure type certificate-host-mismatch
                on 2026-05-17.                                   -> CRITICAL
  example.net   sts testing; 10 % sts-policy-fetch-error every day (over the
                critical rate), an unknown result type, and a new type
                sts-webpki-invalid; plus a no-policy-found policy. -> CRITICAL
  clean.example sts enforce, no failures at all.                 -> OK
plus unparsable lines (2 in the window, on 2026-05-13), a record with
warnings, a mixed-case policy domain, and 2 quarantined messages.
Only arithmetic, no randomness: the output never changes."""

import datetime
import json
import os
import sys

END = datetime.date(2026, 5, 18)
DAYS = 40


def record(org, contact, day, domain, ptype, mode, mx, ok, failed, details,
           warnings=(), submitter=None):
    d = day.isoformat()
    strings = []
    if ptype == "sts":
        strings = ["version: STSv1", "mode: " + mode] + \
            ["mx: " + m for m in mx] + ["max_age: 86400"]
    elif ptype == "tlsa":
        strings = ["3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6"]
    rec = {
        "organization_name": org,
        "contact_info": contact,
        "report_id": "%sT00:00:00Z_%s_%s" % (d, domain.lower(), org.split()[0].lower()),
        "begin_date": d + "T00:00:00Z",
        "end_date": d + "T23:59:59Z",
        "policy_domain": domain,
        "policy_type": ptype,
        "policy_strings": strings,
        "mx_host_patterns": list(mx) if ptype == "sts" else [],
        "successful_session_count": ok,
        "failed_session_count": failed,
        "failure_details": [detail(*x) for x in details],
        "received_at": (day + datetime.timedelta(days=1)).isoformat() + "T08:00:00Z",
        "source": "mail",
        "message_id": "<%s.%s@%s>" % (d, domain.lower(), submitter or "reporter.example"),
        "submitter": submitter,
        "recipient": None,
        "client_ip": None,
        "dkim": {"result": "pass", "domain": submitter, "aligned": True} if submitter else None,
        "warnings": list(warnings),
    }
    return json.dumps(rec, separators=(",", ":"), ensure_ascii=False)


def detail(rtype, count, send_ip, recv_ip, recv_mx, reason=None, uri=None):
    return {
        "result_type": rtype, "failed_session_count": count,
        "sending_mta_ip": send_ip, "receiving_ip": recv_ip,
        "receiving_mx_hostname": recv_mx, "receiving_mx_helo": None,
        "additional_info_uri": uri, "failure_reason_code": reason,
    }


GOOGLE = ("Google Inc.", "smtp-tls-reporting@google.com", "google.com")
MSFT = ("Microsoft Corporation", "tlsrpt-noreply@microsoft.com", "microsoft.com")
QUIET = ("Quiet Mail Ltd.", "tlsrpt@quiet.example", "quiet.example")
COMCAST = ("Comcast", "tlsrpt@comcast.example", "comcast.example")
COM_MX = ["mx1.example.com", "mx2.example.com"]


def example_com(i, day):
    """i: 0 for the first day, DAYS-1 for END."""
    back = (END - day).days
    g_fail = 3 + i % 4
    if back == 3:                      # the planted spike
        g_fail = 240
    g_ok = 1500 + (i * 37) % 100
    g_det = [("starttls-not-supported", g_fail,
              "209.85.220.4%d" % (1 + i % 2), "192.0.2.26", "mx2.example.com")]
    out = [record(GOOGLE[0], GOOGLE[1], day, "example.com", "sts", "enforce", COM_MX,
                  g_ok, g_fail, g_det, submitter=GOOGLE[2])]
    m_det = [("starttls-not-supported", 2, "40.107.22.54", "192.0.2.26", "mx2.example.com")]
    warn = ["non-strict JSON accepted"] if back == 4 else []
    dom = "Example.COM" if back == 5 else "example.com"
    for ptype in ("sts", "tlsa"):      # the same sessions, twice
        out.append(record(MSFT[0], MSFT[1], day, dom, ptype, "enforce", COM_MX,
                          800, 2, m_det, warnings=warn, submitter=MSFT[2]))
    if back >= 2:                      # silent on the last 2 days
        out.append(record(QUIET[0], QUIET[1], day, "example.com", "sts", "enforce",
                          COM_MX, 300, 0, [], submitter=QUIET[2]))
    return out


def example_org(i, day):
    back = (END - day).days
    det, failed = [], 0
    if back == 1:                      # the planted new failure type
        failed = 25
        det = [("certificate-host-mismatch", 25, "209.85.220.41", "198.51.100.7",
                "mail.example.org")]
    return [record(GOOGLE[0], GOOGLE[1], day, "example.org", "sts", "enforce",
                   ["mail.example.org"], 500 + i, failed, det, submitter=GOOGLE[2])]


def example_net(i, day):
    back = (END - day).days
    det = [("sts-policy-fetch-error", 30, "209.85.220.42", None, None)]
    if i % 5 == 0:
        det.append(("x-vendor-timeout", 3, "209.85.220.42", "203.0.113.9", "mx.example.net"))
    if back == 4:
        det.append(("sts-webpki-invalid", 4, "209.85.220.42", None, None))
    failed = sum(d[1] for d in det)
    out = [record(GOOGLE[0], GOOGLE[1], day, "example.net", "sts", "testing",
                  ["mx.example.net"], 270, failed, det, submitter=GOOGLE[2])]
    out.append(record(COMCAST[0], COMCAST[1], day, "example.net", "no-policy-found", None,
                      [], 120 + i % 3, 0, [], submitter=COMCAST[2]))
    return out


def clean_example(i, day):
    out = [record(GOOGLE[0], GOOGLE[1], day, "clean.example", "sts", "enforce",
                  ["mx.clean.example"], 900 + i, 0, [], submitter=GOOGLE[2])]
    for ptype in ("sts", "tlsa"):
        out.append(record(MSFT[0], MSFT[1], day, "clean.example", ptype, "enforce",
                          ["mx.clean.example"], 400, 0, [], submitter=MSFT[2]))
    return out


def fixture(spool):
    os.makedirs(os.path.join(spool, "quarantine", "new"), exist_ok=True)
    os.makedirs(os.path.join(spool, "quarantine", "tmp"), exist_ok=True)
    for i in range(DAYS):
        day = END - datetime.timedelta(days=DAYS - 1 - i)
        back = (END - day).days
        lines = example_com(i, day) + example_org(i, day) + example_net(i, day) + \
            clean_example(i, day)
        if back == 5:
            lines.insert(2, '{"organization_name":"Broken Reporter","policy_dom')
            lines.append("this is not JSON")
            lines.append("")
        with open(os.path.join(spool, day.isoformat() + ".jsonl"), "w",
                  encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
    for n in range(2):
        with open(os.path.join(spool, "quarantine", "new",
                               "1779000000.%d.host" % n), "w") as f:
            f.write("Subject: not a report\n\nhello\n")
    with open(os.path.join(spool, "quarantine", "tmp", "1779000009.0.host"), "w") as f:
        f.write("half written\n")


def perf(spool, days, reports):
    os.makedirs(spool, exist_ok=True)
    orgs = [GOOGLE, MSFT, QUIET, COMCAST]
    types = ["starttls-not-supported", "certificate-expired", "validation-failure",
             "certificate-not-trusted", "sts-policy-fetch-error"]
    for k in range(days):
        day = END - datetime.timedelta(days=days - 1 - k)
        with open(os.path.join(spool, day.isoformat() + ".jsonl"), "w") as f:
            for n in range(reports):
                org = orgs[n % len(orgs)]
                dom = "d%d.example" % (n % 2500)
                failed = (n * 7 + k) % 13
                det = [(types[(n + k) % 5], failed, "192.0.2.%d" % (n % 250),
                        "198.51.100.%d" % (n % 40), "mx%d.%s" % (n % 2, dom))] if failed else []
                f.write(record(org[0], org[1], day, dom, "sts", "enforce", ["mx0." + dom],
                               1000 + n % 500, failed, det, submitter=org[2]) + "\n")


def write_days(spool, days):
    """days: {date: [line, ...]}, appended to DIR/YYYY-MM-DD.jsonl"""
    os.makedirs(spool, exist_ok=True)
    for day, lines in sorted(days.items()):
        with open(os.path.join(spool, day.isoformat() + ".jsonl"), "a",
                  encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")


def incidents(today, top):
    """The scenarios of tests/incidents.sh, T = TODAY; nothing is dated T
    (the reports for a day arrive the day after).

    DIR/a  ongoing.example  sts enforce, 40 days; Alpha Mail (1000
             sessions a day) and Beta Mail (500) clean until T-13, then
             certificate-expired on mx1.ongoing.example, 300 + 150 failed
             every day from T-12 to T-1; Late Mail reports up to T-2
             (one day late: not silent); Gone Mail up to T-5 (silent since
             T-4).
           big.example  sts enforce; Huge ISP, 1000 clean sessions a day
             from T-40 to T-2, then on T-1 one report of 120,000 failure
             details (one failed session each, 100 sending IPs) and
             200,000 successful sessions.
    DIR/b  fresh.example  sts enforce, data from T-3 only: Alpha Mail,
             800 sessions a day, 160 starttls-not-supported (20 %%).
           plus a copy of Alpha Mail's T-1 report for ongoing.example
             (a duplicate across spools, counted once).
    DIR/spike  spike.example  sts enforce, 21 days T-21..T-1: Alpha Mail,
             2000 sessions a day, 5 starttls-not-supported on mx2 a day,
             300 on T-3.
    DIR/mx  mxchange.example  Alpha Mail, 1000 sessions a day T-30..T-1;
             "mode: testing", mx1.mxchange.example until T-9, then "mode:
             enforce", mx2.mxchange.example, which fails starttls 100 a day.
           ready.example  sts testing, Alpha and Beta, T-20..T-1, clean."""
    a, b, spike, mxc = {}, {}, {}, {}
    T = today
    day = lambda n: T - datetime.timedelta(days=n)
    alpha, beta = ("Alpha Mail", "tlsrpt@alpha.example", "alpha.example"), \
        ("Beta Mail", "tlsrpt@beta.example", "beta.example")
    late, gone = ("Late Mail", "tlsrpt@late.example", "late.example"), \
        ("Gone Mail", "tlsrpt@gone.example", "gone.example")
    huge = ("Huge ISP", "tlsrpt@huge.example", "huge.example")
    mx = ["mx1.ongoing.example", "mx2.ongoing.example"]
    uri = "https://alpha.example/tlsrpt/why?code=expired"
    for n in range(40, 0, -1):
        d = day(n)
        lines = []
        for org, total, failed in ((alpha, 1000, 300), (beta, 500, 150)):
            det = []
            if n <= 12:
                det = [("certificate-expired", failed, "198.18.0.%d" % (1 + n % 3), "192.0.2.10",
                        "mx1.ongoing.example", "X509_V_ERR_CERT_HAS_EXPIRED",
                        uri if org is alpha else None)]
            else:
                failed = 0
            lines.append(record(org[0], org[1], d, "ongoing.example", "sts", "enforce", mx,
                                total - failed, failed, det, submitter=org[2]))
        if n >= 2:
            lines.append(record(late[0], late[1], d, "ongoing.example", "sts", "enforce", mx,
                                300, 0, [], submitter=late[2]))
        if n >= 5:
            lines.append(record(gone[0], gone[1], d, "ongoing.example", "sts", "enforce", mx,
                                200, 0, [], submitter=gone[2]))
        if n >= 2:
            lines.append(record(huge[0], huge[1], d, "big.example", "sts", "enforce",
                                ["mx.big.example"], 1000, 0, [], submitter=huge[2]))
        else:
            det = [("validation-failure", 1, "203.0.113.%d" % (k % 100), "192.0.2.99",
                    "mx.big.example", "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT", None)
                   for k in range(120000)]
            lines.append(record(huge[0], huge[1], d, "big.example", "sts", "enforce",
                                ["mx.big.example"], 200000, 120000, det, submitter=huge[2]))
        a[d] = lines
        if n == 1:
            b.setdefault(d, []).append(lines[0])
        if n <= 3:
            b.setdefault(d, []).append(record(
                alpha[0], alpha[1], d, "fresh.example", "sts", "enforce", ["mx.fresh.example"],
                640, 160, [("starttls-not-supported", 160, "198.18.1.1", "192.0.2.20",
                            "mx.fresh.example")], submitter=alpha[2]))
        if n <= 21:
            f = 300 if n == 3 else 5
            spike[d] = [record(alpha[0], alpha[1], d, "spike.example", "sts", "enforce",
                               ["mx1.spike.example", "mx2.spike.example"], 2000 - f, f,
                               [("starttls-not-supported", f, "198.18.2.1", "192.0.2.30",
                                 "mx2.spike.example")], submitter=alpha[2])]
    for n in range(30, 0, -1):
        d = day(n)
        new = n <= 8
        f = 100 if new else 0
        host = "mx2.mxchange.example" if new else "mx1.mxchange.example"
        det = [("starttls-not-supported", f, "198.18.3.1", "192.0.2.40", host)] if f else []
        mxc[d] = [record(alpha[0], alpha[1], d, "mxchange.example", "sts",
                         "enforce" if new else "testing", [host], 1000 - f, f, det,
                         submitter=alpha[2])]
        if n <= 20:
            mxc[d] += [record(o[0], o[1], d, "ready.example", "sts", "testing",
                              ["mx.ready.example"], 700, 0, [], submitter=o[2])
                       for o in (alpha, beta)]
    write_days(os.path.join(top, "mx"), mxc)
    write_days(os.path.join(top, "a"), a)
    write_days(os.path.join(top, "b"), b)
    write_days(os.path.join(top, "spike"), spike)


def utf8(path):
    """bücher.example: 10 of 100 sessions fail starttls on enforce."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(json.dumps({
            "organization_name": "Reporter", "report_id": "u1",
            "policy_domain": "bücher.example", "policy_type": "sts",
            "policy_strings": ["version: STSv1", "mode: enforce", "mx: mx"],
            "mx_host_patterns": ["mx"], "successful_session_count": 90,
            "failed_session_count": 10,
            "failure_details": [{"result_type": "starttls-not-supported",
                                 "failed_session_count": 10,
                                 "sending_mta_ip": "192.0.2.1", "receiving_ip": None,
                                 "receiving_mx_hostname": None, "receiving_mx_helo": None,
                                 "additional_info_uri": None, "failure_reason_code": None}],
            "warnings": []}, ensure_ascii=False) + "\n")


def main(argv):
    if len(argv) >= 3 and argv[1] == "--perf":
        perf(argv[2], int(argv[3]) if len(argv) > 3 else 30,
             int(argv[4]) if len(argv) > 4 else 10000)
    elif len(argv) == 4 and argv[1] == "--incidents":
        incidents(datetime.date.fromisoformat(argv[2]), argv[3])
    elif len(argv) == 3 and argv[1] == "--utf8":
        utf8(argv[2])
    elif len(argv) == 2:
        fixture(argv[1])
    else:
        sys.stderr.write(__doc__)
        return 64
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
