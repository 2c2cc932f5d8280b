#!/usr/bin/env python3
"""A large tlsrpt-lda spool for timing tlsrpt-summary (Python 3 stdlib only).

    tests/bench/gen-spool.py DIR [--days 30] [--domains 2500] [--reporters 4]
                           [--end 2026-05-18] [--seed 8460]

writes DIR/YYYY-MM-DD.jsonl for the DAYS days ending on END: one record a
day per domain and reporter (30 x 2,500 x 4 = 300,000 records, ~250 MB),
every key of tlsrpt-spool(5) in its order, as tlsrpt-lda writes them.
Domains are mostly sts enforce (some testing, a tenth also tlsa, reported
by the Microsoft-like reporter under both types); 92 % of the records have
no failure details, the rest 1 to 3, from 50 sending IPs per reporter, to
the domain's 2 MX hosts.  A few domains carry an incident: a certificate
that expires on one MX (from a day near the end), a broken MTA-STS host,
starttls failing on a backup MX at a few percent.  One reporter goes
silent for the last 3 days.  Same seed, same bytes.
"""

import argparse
import datetime
import json
import os
import random

TYPES = ["starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
         "certificate-not-trusted", "validation-failure", "sts-policy-fetch-error",
         "sts-webpki-invalid", "tlsa-invalid", "dnssec-invalid"]
REASONS = {"certificate-expired": "X509_V_ERR_CERT_HAS_EXPIRED",
           "certificate-not-trusted": "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
           "certificate-host-mismatch": "X509_V_ERR_HOSTNAME_MISMATCH"}
TLSA = "3 1 1 0c72ac70b745ac19998811b131d662c9ac69dbdbe7cb23e5b514b56664c5d3d6"


def q(s):
    return "null" if s is None else json.dumps(s, ensure_ascii=False)


def detail(rtype, n, send, rip, rmx, uri, reason):
    return ('{"result_type":%s,"failed_session_count":%d,"sending_mta_ip":%s,'
            '"receiving_ip":%s,"receiving_mx_hostname":%s,"receiving_mx_helo":null,'
            '"additional_info_uri":%s,"failure_reason_code":%s}'
            % (q(rtype), n, q(send), q(rip), q(rmx), q(uri), q(reason)))


def record(org, day, dom, ptype, strings, mxs, ok, failed, details, warnings):
    d = day.isoformat()
    nxt = (day + datetime.timedelta(days=1)).isoformat()
    rid = "%sT00:00:00Z_%s_%s" % (d, dom, org["short"])
    return ('{"organization_name":%s,"contact_info":%s,"report_id":%s,'
            '"begin_date":"%sT00:00:00Z","end_date":"%sT23:59:59Z","policy_domain":%s,'
            '"policy_type":%s,"policy_strings":[%s],"mx_host_patterns":[%s],'
            '"successful_session_count":%d,"failed_session_count":%d,'
            '"failure_details":[%s],"received_at":"%sT%02d:%02d:11Z","source":"mail",'
            '"message_id":"<%s.%s@%s>","submitter":%s,"recipient":"tlsrpt@%s",'
            '"client_ip":null,"dkim":{"result":"pass","domain":%s,"aligned":true},'
            '"warnings":[%s]}'
            % (q(org["name"]), q(org["contact"]), q(rid), d, d, q(dom), q(ptype),
               ",".join(q(s) for s in strings), ",".join(q(m) for m in mxs), ok, failed,
               ",".join(details), nxt, 1 + len(dom) % 9, len(rid) % 60, rid[:24], dom,
               org["host"], q(org["host"]), dom, q(org["host"]),
               ",".join(q(w) for w in warnings)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--domains", type=int, default=2500)
    ap.add_argument("--reporters", type=int, default=4)
    ap.add_argument("--end", default="2026-05-18")
    ap.add_argument("--seed", type=int, default=8460)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    end = datetime.date.fromisoformat(a.end)
    orgs = []
    for k in range(a.reporters):
        host = "reporter%d.example" % k
        orgs.append({"name": "Reporter %d Mail Inc." % k, "short": "r%d" % k, "host": host,
                     "contact": "mailto:tlsrpt@" + host,
                     "ips": ["198.%d.%d.%d" % (18 + k % 2, k * 7 % 256, 10 + i)
                             for i in range(50)]})
    doms = []
    for i in range(a.domains):
        name = "d%04d.example" % i
        mode = "testing" if i % 17 == 0 else "enforce"
        mxs = ["mx1." + name, "mx2." + name]
        kind = None
        if i % 97 == 5:
            kind = "expired"
        elif i % 89 == 7:
            kind = "fetch"
        elif i % 31 == 3:
            kind = "backup"
        doms.append({"name": name, "mode": mode, "mxs": mxs, "tlsa": i % 10 == 0,
                     "rip": ["192.0.%d.%d" % (2 + i % 200, 10 + j) for j in range(2)],
                     "vol": 200 + rng.randrange(5000), "kind": kind,
                     "start": rng.randrange(a.days)})
    os.makedirs(a.dir, exist_ok=True)
    for k in range(a.days):
        day = end - datetime.timedelta(days=a.days - 1 - k)
        lines = []
        for dm in doms:
            strings = ["version: STSv1", "mode: " + dm["mode"]] + \
                ["mx: " + m for m in dm["mxs"]] + ["max_age: 604800"]
            for ri, org in enumerate(orgs):
                if ri == len(orgs) - 1 and k >= a.days - 3 and dm["name"] < "d0100":
                    continue    # a reporter gone silent for some domains
                total = dm["vol"] // (ri + 1) + rng.randrange(50)
                dets = []
                if dm["kind"] == "expired" and k >= dm["start"]:
                    n = total // 2 + 1
                    dets.append(detail("certificate-expired", n, rng.choice(org["ips"]),
                                       dm["rip"][0], dm["mxs"][0], None,
                                       REASONS["certificate-expired"]))
                elif dm["kind"] == "fetch" and k >= dm["start"]:
                    dets.append(detail("sts-policy-fetch-error", total // 10 + 1,
                                       rng.choice(org["ips"]), None, None,
                                       "https://%s/why" % org["host"], None))
                elif dm["kind"] == "backup":
                    dets.append(detail("starttls-not-supported", total // 40 + 1,
                                       rng.choice(org["ips"]), dm["rip"][1], dm["mxs"][1],
                                       None, None))
                elif rng.random() < 0.08:
                    for _ in range(rng.randrange(1, 4)):
                        t = rng.choice(TYPES)
                        m = rng.randrange(2)
                        dets.append(detail(t, 1 + rng.randrange(3), rng.choice(org["ips"]),
                                           dm["rip"][m], dm["mxs"][m], None,
                                           REASONS.get(t)))
                failed = sum(json.loads(x)["failed_session_count"] for x in dets)
                ok = max(total - failed, 0)
                warn = ["non-strict JSON accepted"] if rng.random() < 0.01 else []
                lines.append(record(org, day, dm["name"], "sts", strings, dm["mxs"], ok,
                                    failed, dets, warn))
                if dm["tlsa"] and ri == 1:
                    lines.append(record(org, day, dm["name"], "tlsa", [TLSA], [], ok,
                                        failed, dets, warn))
        with open(os.path.join(a.dir, day.isoformat() + ".jsonl"), "w",
                  encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
