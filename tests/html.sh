#!/bin/sh
# tlsrpt-summary --format html: the page's structure, and the page in a
# real browser (TAP).  tests/gen-spool.py writes the fixture spool that
# tests/summary.sh uses; the page for it (clock fixed by --today) must
#   - parse (balanced HTML, every inline <svg> well-formed XML) and be
#     self-contained: no script, stylesheet, font, image or link to load;
#   - have one daily success/failure chart and one daily rate chart per
#     domain, one failures-by-result-type chart per policy with failures,
#     each drawn inside its viewBox with bars that match --format json;
#   - show the status and tiles (sessions, success %, incidents) first,
#     then the incidents (most severe first), then per-domain detail; the
#     incidents, the failure tables and the remediation table of the
#     planted failure types all equal to --format json;
#   - render in headless Chromium to a 1200x2000 screenshot that is not
#     blank and shows the colours of the page's SVG bars;
#   - the same for the overview page of --top-domains 2 (self-contained,
#     every SVG well-formed, one sparkline per domain; its tables are
#     checked against the JSON in tests/summary.sh).
# The PNG is read with python3's zlib only (no PIL).
#
# CHROMIUM=/path/to/browser picks the browser (default: the first of
# chromium, chromium-browser, google-chrome in PATH); CHROMIUM=none skips
# the rendering, as does a missing browser, unless TLSRPT_NEED_BROWSER=1,
# which makes a missing browser a failure (for CI).  Debian: apt-get
# install chromium.  Needs python3; skips without it.

. "${top_srcdir:-.}/tests/lib.sh"
BIN=${SUMMARY:-$top_builddir/tlsrpt-summary}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
GEN=$(cd "$top_srcdir/tests" && pwd)/gen-spool.py

command -v python3 >/dev/null 2>&1 || skip_all "python3 not found"

tmp=$(mktmp) || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

# skip DESCRIPTION REASON
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $1 # SKIP $2"; }

# results FILE STATUS WHAT: the checkers print "PASS<TAB>what" or
# "FAIL<TAB>what<TAB>why" per check; a checker that dies fails too.
results() {
	tab=$(printf '\t')
	while IFS=$tab read -r st what why; do
		case $st in
		PASS) ok "$what" ;;
		FAIL) not_ok "$what"; echo "#   $why" ;;
		*) echo "# $what" ;;
		esac
	done <"$1"
	[ "$2" -eq 0 ] || { not_ok "$3 (checker exited $2)"; sed 's/^/# /' "$1.err"; }
}

# summary NAME ARGS...: run inside $tmp on spool/, output in $tmp/NAME
summary() {
	name=$1
	shift
	(cd "$tmp" && "$BIN" --spool spool --today 2026-05-18 "$@" >"$name" 2>"$name.err")
}

# ---------------------------------------------------------------------------
# The HTML checker: check_html.py PAGE.html JSON|- [PALETTE_OUT]
cat >"$tmp/check_html.py" <<'PY'
import html.parser, json, math, re, sys, traceback
import xml.etree.ElementTree as ET

# check_html.py PAGE JSON|- [--planted] [--palette FILE]: JSON is the
# --format json output for the same window (- for a page without data);
# --planted checks the fixture's planted incidents and failure types too;
# --palette writes the colours of the page's SVG bars.
page_path, json_path = sys.argv[1], sys.argv[2]
planted = "--planted" in sys.argv
palette_out = sys.argv[sys.argv.index("--palette") + 1] if "--palette" in sys.argv else None
text = open(page_path, encoding="utf-8").read()
doc = json.load(open(json_path)) if json_path != "-" else None
label = page_path.rsplit("/", 1)[-1]


def report(what, fn):
    try:
        fn()
        print("PASS\t%s: %s" % (label, what))
    except Exception as e:
        why = str(e) if isinstance(e, (AssertionError, ET.ParseError)) else \
            traceback.format_exc(limit=2)
        print("FAIL\t%s: %s\t%s" % (label, what, " ".join(why.split())[:600]))


VOID = {"meta", "br", "hr", "img", "input", "link", "area", "base", "col",
        "embed", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.kids = tag, dict(attrs), parent, []

    def text(self):
        return "".join(k if isinstance(k, str) else k.text() for k in self.kids)

    def find(self, tag):
        for k in self.kids:
            if isinstance(k, Node):
                if k.tag == tag:
                    yield k
                yield from k.find(tag)


class Tree(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", {}, None)
        self.bad, self.doctype = [], None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.kids.append(n)
        if tag not in VOID:
            self.cur = n

    def handle_startendtag(self, tag, attrs):
        self.cur.kids.append(Node(tag, attrs, self.cur))

    def handle_endtag(self, tag):
        if self.cur.tag != tag:
            self.bad.append("</%s> closes <%s>" % (tag, self.cur.tag))
            return
        self.cur = self.cur.parent

    def handle_data(self, data):
        self.cur.kids.append(data)


tree = Tree()
tree.feed(text)
tree.close()
root = tree.root


def walk(n):
    for k in n.kids:
        if isinstance(k, Node):
            yield k
            yield from walk(k)


nodes = list(walk(root))


def cells(tr):
    return [" ".join(c.text().split()) for c in tr.kids
            if isinstance(c, Node) and c.tag in ("td", "th")]


def rows(table):
    return [cells(tr) for tr in table.find("tr")]


def body_rows(table):
    return [cells(tr) for tb in table.find("tbody") for tr in tb.find("tr")]


def t_parse():
    assert text.startswith("<!DOCTYPE html>"), "no <!DOCTYPE html> first"
    assert not tree.bad, tree.bad[:5]
    assert tree.cur is root, "unclosed: %s" % tree.cur.tag
    tops = [k.tag for k in root.kids if isinstance(k, Node)]
    assert tops == ["html"], tops
    html_el = [k for k in root.kids if isinstance(k, Node)][0]
    assert [k.tag for k in html_el.kids if isinstance(k, Node)] == ["head", "body"]
    count = lambda t: sum(1 for n in nodes if n.tag == t and not in_svg(n))
    assert count("title") == 1 and count("h1") == 1, "one <title>, one <h1>"
    assert any(n.tag == "meta" and n.attrs.get("charset", "").lower() == "utf-8"
               for n in nodes), "meta charset utf-8"


def in_svg(n):
    n = n.parent
    while n is not None:
        if n.tag == "svg":
            return True
        n = n.parent
    return False


EXTERNAL_TAGS = {"script", "link", "iframe", "frame", "object", "embed", "img",
                 "image", "use", "foreignobject", "base", "audio", "video",
                 "source", "picture", "form", "applet"}
URL_ATTRS = {"src", "href", "xlink:href", "srcset", "action", "poster", "data",
             "background", "manifest", "cite", "formaction"}


def t_self_contained():
    bad = []
    for n in nodes:
        if n.tag in EXTERNAL_TAGS:
            bad.append("<%s>" % n.tag)
        if n.tag == "meta" and "http-equiv" in n.attrs:
            bad.append("meta http-equiv")
        for k, v in n.attrs.items():
            v = (v or "").lower()
            if k in URL_ATTRS or k.startswith("on"):
                bad.append("%s %s=%s" % (n.tag, k, v))
            if "http:" in v or "https:" in v or "url(" in v or "//" in v:
                bad.append("%s %s=%s" % (n.tag, k, v))
    styles = [n.text() for n in nodes if n.tag == "style"]
    assert len(styles) == 1, "one inline <style>, found %d" % len(styles)
    for s in styles + [n.attrs.get("style", "") or "" for n in nodes]:
        for pat in ("url(", "@import", "@font-face", "//", "expression("):
            if pat in s.lower():
                bad.append("style with " + pat)
    assert not bad, bad[:5]


SVG_RAW = re.findall(r"<svg\b.*?</svg>", text, re.S)
SVG_NODES = [n for n in nodes if n.tag == "svg"]
SVG_TAGS = {"svg", "title", "rect", "line", "text", "g", "polyline", "path",
            "circle", "tspan"}
COLOUR = re.compile(r"^#[0-9a-f]{6}$")
svgs = []          # (title, etree root, viewBox)


def num(e, k):
    v = float(e.get(k))
    assert math.isfinite(v), "%s=%s" % (k, e.get(k))
    return v


def t_svg_xml():
    assert len(SVG_RAW) == len(SVG_NODES), "raw %d, parsed %d" % (len(SVG_RAW), len(SVG_NODES))
    for raw in SVG_RAW:
        el = ET.fromstring(raw)          # well-formed XML or it raises
        vb = [float(x) for x in el.get("viewBox", "").split()]
        assert len(vb) == 4 and vb[2] > 0 and vb[3] > 0, "viewBox %r" % el.get("viewBox")
        assert el.get("role") == "img", "role=img"
        t = el.find("title")
        assert t is not None and (t.text or "").strip(), "svg without <title>"
        assert list(el)[0] is t, "<title> is not the first child"
        svgs.append((t.text.strip(), el, vb))


palette = set()


def t_svg_geometry():
    eps = 0.051
    for title, el, (mx, my, w, h) in svgs:
        inx = lambda v: mx - eps <= v <= mx + w + eps
        iny = lambda v: my - eps <= v <= my + h + eps
        for e in el.iter():
            assert e.tag in SVG_TAGS, "<%s> in %s" % (e.tag, title)
            for k in ("fill", "stroke"):
                if e.get(k) is not None:
                    assert COLOUR.match(e.get(k)) or e.get(k) == "none", "%s=%s" % (k, e.get(k))
            if e.get("style") is not None:
                assert re.match(r"^fill:#[0-9a-f]{6}$", e.get("style")), e.get("style")
            if e.tag == "rect":
                x, y, rw, rh = (num(e, k) for k in ("x", "y", "width", "height"))
                assert rw >= 0 and rh >= 0, "negative rect in %s" % title
                assert inx(x) and inx(x + rw) and iny(y) and iny(y + rh), \
                    "rect %s outside viewBox of %s" % (e.attrib, title)
                assert e.get("fill"), "rect without fill"
                if rw > 0 and rh > 0:
                    palette.add(e.get("fill"))
                tt = e.find("title")
                assert tt is not None and tt.text, "bar without tooltip in %s" % title
            elif e.tag == "line":
                assert inx(num(e, "x1")) and inx(num(e, "x2")) and \
                    iny(num(e, "y1")) and iny(num(e, "y2")), "line outside %s" % title
            elif e.tag == "text":
                assert inx(num(e, "x")) and 0 < num(e, "y") - my <= h + eps, \
                    "text %r outside %s" % (e.text, title)
                assert (e.text or "").strip(), "empty text"
    if palette_out:
        open(palette_out, "w").write("\n".join(sorted(palette)) + "\n")


# --- sections: h2 (domains have id d<N>), h3 (policies), in page order ---
sections = []      # [h2 id, h2 text, [items before h3], [(h3 text, [items])]]
body = [n for n in nodes if n.tag == "body"][0]
for k in body.kids:
    if not isinstance(k, Node):
        continue
    if k.tag == "h2":
        sections.append([k.attrs.get("id"), k.text().strip(), [], []])
    elif k.tag == "h3":
        sections[-1][3].append((k.text().strip(), []))
    elif sections:
        (sections[-1][3][-1][1] if sections[-1][3] else sections[-1][2]).append(k)
svg_index = {id(n): i for i, n in enumerate(SVG_NODES)}
DAILY, RATE, TYPES = ("Daily sessions: successful (green) and failed (red)",
                      "Daily failure rate", "Failed sessions by result type")


def charts(items):
    return [svgs[svg_index[id(n)]] for n in items if n.tag == "svg"]


def domain_sections():
    return [s for s in sections if s[0] and re.match(r"^d\d+$", s[0])]


def t_chart_count():
    doms = domain_sections()
    assert [s[1] for s in doms] == [d["domain"] for d in doc["domains"]], \
        "domains %r" % [s[1] for s in doms]
    want = 0
    for s, d in zip(doms, doc["domains"]):
        got = [c[0] for c in charts(s[2])]
        assert got == [DAILY, RATE], "%s: charts %r" % (d["domain"], got)
        pols = d["policies"]
        assert [h.split(",")[0] for h, _ in s[3]] == [p["policy_type"] for p in pols], \
            "%s: policies %r" % (d["domain"], [h for h, _ in s[3]])
        for (h3, items), p in zip(s[3], pols):
            got = [c[0] for c in charts(items)]
            assert got == ([TYPES] if p["failures"] else []), "%s %s: %r" % (d["domain"], h3, got)
            if not p["failures"]:
                assert any(n.tag == "p" and n.text() == "No failures." for n in items), \
                    "%s %s: no 'No failures.'" % (d["domain"], h3)
            want += 1 if p["failures"] else 0
        want += 2
    assert len(svgs) == want, "%d svg, want %d" % (len(svgs), want)
    print("NOTE\t%d inline SVG charts for %d domains" % (want, len(doms)))


def bars(el):
    out = []
    for e in el.iter("rect"):
        out.append((e.find("title").text, float(e.get("x")), float(e.get("y")),
                    float(e.get("width")), float(e.get("height")), e.get("fill")))
    return out


def fit(pairs):
    """scale k of value -> length, least squares through 0"""
    den = sum(v * v for v, _ in pairs)
    return sum(v * l for v, l in pairs) / den if den else 0.0


def close(length, want, k):
    # drawn to 0.1 unit; a failed bar may be stretched to 1 unit to stay visible
    return want - 0.11 <= length <= max(want, 1.0 if want > 0 else 0) + 0.11


def t_daily_bars():
    for s, d in zip(domain_sections(), doc["domains"]):
        (_, daily, _), (_, rate, _) = charts(s[2])
        series = d["all_policy_types"]["daily"]
        dates = [x["date"] for x in series]
        assert dates == sorted(dates) and len(dates) == doc["window"]["days"], dates
        by_day = {}
        for b in bars(daily):
            m = re.match(r"^(\d{4}-\d\d-\d\d): (\d+) sessions, (\d+) failed$", b[0])
            assert m, "tooltip %r" % b[0]
            by_day.setdefault(m.group(1), []).append((int(m.group(2)), int(m.group(3))) + b[1:])
        assert set(by_day) <= set(dates), "bars outside the window"
        k = fit([(x["successful"], by_day[x["date"]][0][5]) for x in series if x["date"] in by_day])
        xs, base = [], set()
        for x in series:
            got = by_day.get(x["date"], [])
            if x["sessions"] == 0:
                assert all(g[5] == 0 for g in got), "%s: bar on an empty day" % x["date"]
                continue
            want = 2 if x["failed"] else 1
            assert len(got) == want, "%s %s: %d bars, want %d" % (d["domain"], x["date"], len(got), want)
            (n, f, gx, gy, gw, gh, gfill) = got[0]
            assert (n, f) == (x["sessions"], x["failed"]), "%s %s: %r" % (d["domain"], x["date"], (n, f))
            assert gfill == "#2da44e", "success bar colour %s" % gfill
            assert close(gh, k * x["successful"], k), "%s %s: green %.1f, want %.1f" % (
                d["domain"], x["date"], gh, k * x["successful"])
            base.add(round(gy + gh, 1))
            if x["failed"]:
                (_, _, rx, ry, rw, rh, rfill) = got[1]
                assert rfill == "#cf222e", "failure bar colour %s" % rfill
                assert rx == gx and rw == gw and abs(ry + rh - gy) < 0.11, "red not stacked on green"
                assert close(rh, k * x["failed"], k), "%s %s: red %.1f, want %.1f" % (
                    d["domain"], x["date"], rh, k * x["failed"])
            xs.append(gx)
        assert len(base) <= 1, "bars on different baselines %r" % base
        assert xs == sorted(xs) and len(set(xs)) == len(xs), "bars not in date order"
        # the rate chart: one bar per day with failures, height ~ rate
        rb = {}
        for b in bars(rate):
            m = re.match(r"^(\d{4}-\d\d-\d\d): (\d+\.\d\d) % failed$", b[0])
            assert m, "tooltip %r" % b[0]
            rb[m.group(1)] = (m.group(2),) + b[1:]
        assert set(rb) == {x["date"] for x in series if x["failed"]}, \
            "%s rate bars %r" % (d["domain"], sorted(rb))
        k = fit([(x["failure_rate"], rb[x["date"]][4]) for x in series if x["date"] in rb])
        for x in series:
            if x["date"] in rb:
                r = rb[x["date"]]
                assert r[0] == "%.2f" % x["failure_rate"], "%s %s: %s %%" % (d["domain"], x["date"], r[0])
                assert abs(r[4] - k * x["failure_rate"]) <= 0.11 + 0.01 * k * x["failure_rate"] \
                    or r[4] <= 1.11, "%s %s rate bar %.1f" % (d["domain"], x["date"], r[4])


def t_type_bars():
    n = 0
    for s, d in zip(domain_sections(), doc["domains"]):
        for (h3, items), p in zip(s[3], d["policies"]):
            if not p["failures"]:
                continue
            (_, el, _), = charts(items)
            labels = [e.text for e in el.iter("text") if e.get("text-anchor") == "end"]
            want = [f["result_type"] for f in p["failures"]]
            assert labels == want, "%s %s: %r, want %r" % (d["domain"], h3, labels, want)
            bs = bars(el)
            assert [b[0] for b in bs] == ["%d failed sessions" % f["sessions"] for f in p["failures"]], \
                "%s %s: %r" % (d["domain"], h3, [b[0] for b in bs])
            k = fit([(f["sessions"], b[3]) for f, b in zip(p["failures"], bs)])
            for f, b in zip(p["failures"], bs):
                assert close(b[3], k * f["sessions"], k), "%s %s: bar %.1f" % (d["domain"], f["result_type"], b[3])
            fills = {(f["new"], b[5]) for f, b in zip(p["failures"], bs)}
            new = {c for isnew, c in fills if isnew}
            old = {c for isnew, c in fills if not isnew}
            assert not (new & old), "new failure types are not drawn apart: %r" % fills
            n += 1
    assert n == 4 or not planted, "%d failures-by-type charts, the fixture has 4" % n


def table_after(items, head):
    for n in items:
        if n.tag == "table":
            r = rows(n)
            if r and r[0] and r[0][0] == head:
                return n
    raise AssertionError("no table headed %r" % head)


def t_incidents():
    sec = [x for x in sections if x[0] == "incidents"]
    assert len(sec) == 1, "one Incidents section"
    ids = [x[0] for x in sections]
    assert ids.index("incidents") == 0, "incidents come first: %r" % ids
    kids = [k for k in body.kids if isinstance(k, Node)]
    tiles = [i for i, k in enumerate(kids) if "tiles" in k.attrs.get("class", "")]
    first_h2 = [i for i, k in enumerate(kids) if k.tag == "h2"][0]
    assert len(tiles) == 1 and tiles[0] < first_h2, "tiles before the incidents"
    tile_text = kids[tiles[0]].text()
    assert "Incidents%d" % len(doc["incidents"]) in tile_text, tile_text
    divs = [n for n in sec[0][2] if n.tag == "div"]
    assert len(divs) == len(doc["incidents"]), "%d incidents, JSON %d" % (len(divs), len(doc["incidents"]))
    sev = {"critical": 0, "warning": 1, "info": 2}
    assert [sev[i["severity"]] for i in doc["incidents"]] == \
        sorted(sev[i["severity"]] for i in doc["incidents"]), "critical -> warning -> info"
    for div, inc in zip(divs, doc["incidents"]):
        h3 = list(div.find("h3"))[0].text()
        assert h3.startswith(inc["severity"].upper() + " " + inc["domain"]), h3
        assert inc["kind"] in h3, h3
        p = list(div.find("p"))[0].text()
        assert p == inc["detail"], "detail %r" % p
        lis = [li.text() for ul in div.find("ul") for li in ul.find("li")]
        assert "Fix: " + inc["remediation"] in lis, lis
    if not planted:
        return
    got = [(i["severity"], i["domain"], i["result_type"]) for i in doc["incidents"]][:3]
    assert got == [("critical", "example.org", "certificate-host-mismatch"),
                   ("warning", "example.com", "starttls-not-supported"),
                   ("warning", "example.net", "sts-policy-fetch-error")], got


def t_status():
    st = [n for n in nodes if n.tag == "p" and "status" in n.attrs.get("class", "")]
    assert len(st) == 1, "one status line"
    assert st[0].text() == doc["status"]["line"], "status %r" % st[0].text()
    assert st[0].attrs["class"] == "status s%d" % doc["status"]["code"], st[0].attrs


FIXES = {   # RFC 8460 section 4.3 types and what their fix must mention
    "starttls-not-supported": ["STARTTLS", "every MX", "backup MX", "load balancer"],
    "certificate-host-mismatch": ["MX host name", "subjectAltName"],
    "certificate-not-trusted": ["full chain", "publicly trusted", "reason code"],
    "certificate-expired": ["expired", "renew", "14 days"],
    "validation-failure": ["general failure", "reason code"],     # 4.3.1: the general category
    "tlsa-invalid": ["TLSA"],
    "dnssec-invalid": ["DNSSEC"],
    "dane-required": ["TLSA", "DNSSEC"],
    "sts-policy-fetch-error": ["https://mta-sts.<domain>/.well-known/mta-sts.txt", "fetched"],
    "sts-policy-invalid": ["BOM", "line endings", "version: STSv1"],
    "sts-webpki-invalid": ["mta-sts.<domain>", "web PKI", "certificate"],
}
NEVER = {   # what a fix must not claim (RFC 8460 section 4.3 puts it elsewhere)
    "validation-failure": ["Hostname or TLSA mismatch"],
    "sts-policy-fetch-error": ["certificate"],                   # that is sts-webpki-invalid
}
PLANTED = {"starttls-not-supported", "certificate-host-mismatch",
           "sts-policy-fetch-error", "sts-webpki-invalid"}


def t_remediation():
    sec = [s for s in sections if s[0] == "remediation"]
    assert len(sec) == 1 and sec[0][1] == "Remediation", "one Remediation section"
    r = body_rows(table_after(sec[0][2], "Result type (RFC 8460)"))
    assert sorted(x[0] for x in r) == sorted(FIXES), "types %r" % [x[0] for x in r]
    seen = {x[0] for x in r if x[1] == "yes"}
    assert {x[1] for x in r} <= {"yes", "no"}
    json_seen = {f["result_type"] for d in doc["domains"] for p in d["policies"]
                 for f in p["failures"] if f["known"]}
    assert seen == json_seen and (seen == PLANTED or not planted), "seen %r, JSON %r" % (seen, json_seen)
    for t, seen_, fix in r:
        for w in FIXES[t]:
            assert w in fix, "%s: %r lacks %r" % (t, fix, w)
        for w in NEVER.get(t, []):
            assert w not in fix, "%s: %r says %r" % (t, fix, w)
    # the fix beside each seen type is the one the policy tables use
    fixes = dict((x[0], x[2]) for x in r)
    for d in doc["domains"]:
        for p in d["policies"]:
            for f in p["failures"]:
                if f["known"]:
                    assert f["remediation"] == fixes[f["result_type"]].replace("<domain>", d["domain"]), \
                        "%s %s remediation differs" % (d["domain"], f["result_type"])


def t_policy_tables():
    for s, d in zip(domain_sections(), doc["domains"]):
        for (h3, items), p in zip(s[3], d["policies"]):
            assert h3 == p["policy_type"] + (", mode " + p["mode"] if p["mode"] else ""), h3
            summary = [n.text() for n in items if n.tag == "p"][0]
            assert summary.startswith("%d sessions: %d successful, %d failed (%.2f %%)" % (
                p["sessions"], p["successful"], p["failed"], p["failure_rate"])), summary
            if p["failures"]:
                got = body_rows(table_after(items, "Result type"))
                want = [[f["result_type"] + (" new" if f["new"] else "")
                         + ("" if f["known"] else " (unknown type)"),
                         str(f["sessions"]), "%.2f %%" % f["share"], f["first_seen"],
                         f["remediation"]] for f in p["failures"]]
                assert got == want, "%s %s failures %r" % (d["domain"], h3, got)
                for head, key in (("Sending MTA IP", "top_sending_ips"),
                                  ("Receiving MX", "top_receiving_mx"),
                                  ("Reporting organization", "top_organizations")):
                    got = body_rows(table_after(items, head))
                    want = [[x["key"], str(x["sessions"]), str(x["days"])] for x in p[key]]
                    assert got == want, "%s %s %s %r" % (d["domain"], h3, head, got)
            got = body_rows(table_after(items, "Date"))
            want = [[x["date"], str(x["sessions"]), str(x["failed"]), "%.2f %%" % x["failure_rate"],
                     "yes" if x["incident"] else ""] for x in p["daily"]]
            assert got == want, "%s %s daily %r" % (d["domain"], h3, got)
    if not planted:
        return
    net = [f for d in doc["domains"] if d["domain"] == "example.net"
           for f in d["policies"][0]["failures"]]
    assert ("x-vendor-timeout", False) in [(f["result_type"], f["known"]) for f in net], "unknown type"
    assert ("sts-webpki-invalid", True) in [(f["result_type"], f["new"]) for f in net], "new type"


def t_quality():
    sec = [s for s in sections if s[0] == "quality"]
    assert len(sec) == 1, "one Data quality section"
    tab = [n for n in sec[0][2] if n.tag == "table"][0]
    got = dict(r for r in rows(tab))
    q = doc["data_quality"]
    want = {"Records in the window": str(q["records"]),
            "Records with warnings": str(q["records_with_warnings"]),
            "Unparsable lines skipped": str(q["unparsable_lines"]),
            "Quarantined messages": str(q["quarantined"])}
    for k, v in want.items():
        assert got.get(k) == v, "%s: %r, want %r" % (k, got.get(k), v)
    assert (q["unparsable_lines"], q["quarantined"], q["records_with_warnings"]) == (2, 2, 2) \
        or not planted, q


report("HTML parses: doctype, balanced tags, head/body, one title, utf-8", t_parse)
report("self-contained: no script, link, image, font, url() or @import", t_self_contained)
report("every inline <svg> is well-formed XML with viewBox, role and title", t_svg_xml)
report("SVG shapes inside their viewBox, plain #rrggbb colours", t_svg_geometry)
if doc is None:
    sys.exit(0)
report("one daily and one rate chart per domain, one by-type chart per failing policy",
       t_chart_count)
report("daily bars: per-day sessions and failures as --format json, heights to scale",
       t_daily_bars)
report("failures-by-type bars: the JSON failures in rank order, lengths to scale", t_type_bars)
report("status line equals --format json", t_status)
report("tiles, then incidents equal to --format json" + (", the planted ones first" if planted else ""),
       t_incidents)
report("remediation table: the 11 RFC 8460 types%s, with their fixes"
       % (", the planted ones seen" if planted else ""),
       t_remediation)
report("policy tables (failures, top IPs/MX/orgs, daily) equal --format json",
       t_policy_tables)
report("data quality: records with warnings, unparsable lines, quarantine", t_quality)
PY

# ---------------------------------------------------------------------------
# The screenshot checker: png.py selftest | png.py check PNG [PALETTE]
cat >"$tmp/png.py" <<'PY'
import struct, sys, zlib
from collections import Counter


def read_png(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    pos, idat, hdr = 8, [], None
    while pos + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if zlib.crc32(kind + body) != struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]:
            raise ValueError("bad CRC in %r" % kind)
        if kind == b"IHDR":
            hdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + n
    w, h, depth, ctype, _, _, interlace = hdr
    if depth != 8 or ctype not in (2, 6) or interlace:
        raise ValueError("unsupported PNG %r" % (hdr,))
    bpp = 3 if ctype == 2 else 4
    stride = w * bpp
    raw = zlib.decompress(b"".join(idat))
    if len(raw) != h * (stride + 1):
        raise ValueError("image data is %d bytes, want %d" % (len(raw), h * (stride + 1)))
    prev, rows = bytearray(stride), []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if f == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif f == 2:
            line = bytearray(map(lambda a, b: (a + b) & 255, line, prev))
        elif f == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
        elif f == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        elif f != 0:
            raise ValueError("bad filter type %d" % f)
        rows.append(bytes(line))
        prev = line
    return w, h, bpp, rows


def write_png(path, w, h, pixel, filters=(0,)):
    """RGB PNG; row y uses filter filters[y % len]"""
    raw, prev = bytearray(), bytes(w * 3)
    for y in range(h):
        line = bytes(c for x in range(w) for c in pixel(x, y))
        f = filters[y % len(filters)]
        out = bytearray()
        for i, v in enumerate(line):
            a = line[i - 3] if i >= 3 else 0
            b = prev[i]
            c = prev[i - 3] if i >= 3 else 0
            if f == 0: pr = 0
            elif f == 1: pr = a
            elif f == 2: pr = b
            elif f == 3: pr = (a + b) >> 1
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else b if pb <= pc else c
            out.append((v - pr) & 255)
        raw += bytes([f]) + out
        prev = line

    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + \
            struct.pack(">I", zlib.crc32(kind + body))
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(
        ">IIBBBBB", w, h, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(bytes(raw))) +
        chunk(b"IEND", b""))


MIN_COLOURS, MIN_INK, MIN_BAND_INK, MIN_CHART_PIXELS = 64, 0.05, 0.01, 2000


def verdict(path, palette, size=(1200, 2000)):
    """(ok, why): not blank, ink in every quarter, palette colours drawn"""
    w, h, bpp, rows = read_png(path)
    if (w, h) != size:
        return False, "size %dx%d, want %dx%d" % ((w, h) + size)
    min_chart = MIN_CHART_PIXELS * w * h // (1200 * 2000)
    colours, bands = Counter(), []
    for q in range(4):
        c = Counter()
        for r in rows[q * h // 4:(q + 1) * h // 4]:
            c.update(r[i:i + 3] for i in range(0, len(r), bpp))
        bands.append(c)
        colours.update(c)
    bg, bgn = colours.most_common(1)[0]
    ink = 1 - bgn / (w * h)
    msg = "%d colours, %.1f %% non-background" % (len(colours), 100 * ink)
    if bg != b"\xff\xff\xff":
        return False, msg + ", background #%s is not the page's white" % bg.hex()
    if len(colours) < MIN_COLOURS or ink < MIN_INK:
        return False, msg + ": blank (want >= %d colours, >= %d %%)" % (MIN_COLOURS, 100 * MIN_INK)
    for q, c in enumerate(bands):
        band_ink = 1 - c[bg] / (w * h / 4)
        if band_ink < MIN_BAND_INK:
            return False, msg + ", quarter %d of the height is empty" % (q + 1)
    drawn = []
    for hexc in palette:
        want = bytes.fromhex(hexc.lstrip("#"))
        n = sum(k for c, k in colours.items()
                if all(abs(c[i] - want[i]) <= 3 for i in range(3)))
        drawn.append("%s %d px" % (hexc, n))
        if n < min_chart:
            return False, msg + ", chart colour %s: %d pixels (want >= %d)" % (
                hexc, n, min_chart)
    return True, msg + ("; " + ", ".join(drawn) if drawn else "")


if sys.argv[1] == "selftest":
    # every filter type decodes back to the pixels written
    d = sys.argv[2]
    pix = lambda x, y: ((x * 7 + y * 13) & 255, (x * y) & 255, (255 - x * 3 + y) & 255)
    write_png(d + "/filters.png", 37, 23, pix, filters=(0, 1, 2, 3, 4))
    w, h, bpp, rows = read_png(d + "/filters.png")
    same = (w, h) == (37, 23) and all(
        rows[y][x * 3:x * 3 + 3] == bytes(pix(x, y)) for y in range(h) for x in range(w))
    print(("PASS" if same else "FAIL") + "\tPNG reader decodes all five filter types\tpixels differ")
    # and the verdict rejects a blank page and a page without the chart
    # colours (at a tenth of the size: pure Python is slow), but accepts
    # a page with them
    small = (120, 200)
    write_png(d + "/blank.png", 120, 200, lambda x, y: (255, 255, 255), filters=(2,))
    ok, why = verdict(d + "/blank.png", [], small)
    print(("FAIL" if ok else "PASS") + "\tscreenshot check rejects a white page\t" + why)
    stripes = lambda x, y: (255, 255, 255) if (x // 7 + y // 5) % 3 else (
        (x * 5) & 255, (y * 3) & 255, (x + y) & 255)
    write_png(d + "/text.png", 120, 200, stripes, filters=(1, 4))
    ok, why = verdict(d + "/text.png", ["#2da44e"], small)
    print(("FAIL" if ok else "PASS") + "\tscreenshot check rejects a page without chart colours\t" + why)
    chart = lambda x, y: (0x2d, 0xa4, 0x4e) if 20 <= x < 60 and 100 <= y < 180 else stripes(x, y)
    write_png(d + "/chart.png", 120, 200, chart, filters=(0, 3))
    ok, why = verdict(d + "/chart.png", ["#2da44e"], small)
    print(("PASS" if ok else "FAIL") + "\tscreenshot check accepts a page with chart colours\t" + why)
else:
    palette = [l.strip() for l in open(sys.argv[3])] if len(sys.argv) > 3 else []
    ok, why = verdict(sys.argv[2], [p for p in palette if p])
    print("# " + why)
    sys.exit(0 if ok else 1)
PY

# ---------------------------------------------------------------------------
if python3 "$GEN" "$tmp/spool" >"$tmp/gen.err" 2>&1; then ok "fixture spool generated"; else
	not_ok "fixture spool generated"; sed 's/^/# /' "$tmp/gen.err"; done_testing; exit 1; fi

summary page.html --format html
is "tlsrpt-summary --format html exits 0" "$?" 0
summary page.json --format json
is "tlsrpt-summary --format json exits 0" "$?" 0
summary com.html --format html --domain example.com
is "tlsrpt-summary --format html --domain example.com exits 0" "$?" 0
summary com.json --format json --domain example.com
summary empty.html --format html --since 2020-01-01 --until 2020-01-07
is "tlsrpt-summary --format html on an empty window exits 0" "$?" 0
summary overview.html --format html --top-domains 2
is "tlsrpt-summary --format html --top-domains 2 (an overview) exits 0" "$?" 0

python3 "$tmp/check_html.py" "$tmp/page.html" "$tmp/page.json" --planted >"$tmp/r1" 2>"$tmp/r1.err"
results "$tmp/r1" $? "page.html structure"
python3 "$tmp/check_html.py" "$tmp/com.html" "$tmp/com.json" --palette "$tmp/com.palette" >"$tmp/r2" 2>"$tmp/r2.err"
results "$tmp/r2" $? "com.html structure"
python3 "$tmp/check_html.py" "$tmp/empty.html" - >"$tmp/r3" 2>"$tmp/r3.err"
results "$tmp/r3" $? "empty.html structure"
check "empty window: UNKNOWN status, no chart, still the remediation table" \
	sh -c 'grep -q "class=\"status s3\">TLSRPT UNKNOWN" "$1" && ! grep -q "<svg" "$1" &&
		grep -q "<h2 id=\"remediation\">" "$1"' sh "$tmp/empty.html"

# The overview (tests/summary.sh checks its tables against the JSON):
# self-contained, every inline SVG (the sparklines too) well-formed XML.
check "overview.html: self-contained, its SVG well-formed, a sparkline per domain" \
	python3 -c '
import re, sys, xml.etree.ElementTree as ET
page = open(sys.argv[1], encoding="utf-8").read()
assert not re.search(r"<script|<link|<img|<iframe|src=|url\(|href=\"(?!#)", page), "external reference"
svgs = re.findall(r"<svg.*?</svg>", page, re.S)
for s in svgs:
    ET.fromstring(s.replace("&rarr;", "-"))
assert sum("class=\"spark\"" in s for s in svgs) == 4, "sparklines"
' "$tmp/overview.html"

python3 "$tmp/png.py" selftest "$tmp" >"$tmp/r4" 2>"$tmp/r4.err"
results "$tmp/r4" $? "PNG checker self-test"

# ---------------------------------------------------------------------------
# The browser.
if [ -z "${CHROMIUM:-}" ]; then
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null 2>&1; then CHROMIUM=$c; break; fi
	done
fi
why=
if [ -z "${CHROMIUM:-}" ]; then why="chromium not installed (Debian: apt-get install chromium)"
elif [ "$CHROMIUM" = none ]; then why="CHROMIUM=none"
elif ! command -v "$CHROMIUM" >/dev/null 2>&1; then why="$CHROMIUM not found"
elif ! command -v timeout >/dev/null 2>&1; then why="timeout(1) not found"
fi
if [ -n "$why" ] && [ "${TLSRPT_NEED_BROWSER:-0}" = 1 ]; then
	not_ok "a browser to render the page (TLSRPT_NEED_BROWSER=1): $why"
	why=
	CHROMIUM=
fi

# render NAME: $tmp/NAME.html to $tmp/NAME.png in a 1200x2000 window,
# with a throw-away HOME and profile, at most 60 seconds; the exit
# status goes to $tmp/NAME.rc.
render() {
	mkdir -p "$tmp/home/$1"
	url=$(python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).as_uri())' "$tmp/$1.html")
	HOME=$tmp/home/$1 XDG_CONFIG_HOME=$tmp/home/$1/.config XDG_CACHE_HOME=$tmp/home/$1/.cache \
	timeout -k 5 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
		--disable-dev-shm-usage --no-first-run --no-default-browser-check \
		--disable-extensions --disable-background-networking --disable-component-update \
		--disable-sync --disable-default-apps --mute-audio --run-all-compositor-stages-before-draw \
		--user-data-dir="$tmp/home/$1/profile" \
		--window-size=1200,2000 --screenshot="$tmp/$1.png" "$url" \
		</dev/null >"$tmp/$1.chromium.log" 2>&1
	echo $? >"$tmp/$1.rc"
}

pages="page com overview"
if [ -n "$why" ]; then
	for page in $pages; do
		skip "headless Chromium renders $page.html" "$why"
		skip "screenshot of $page.html is not blank" "$why"
	done
elif [ -n "$CHROMIUM" ]; then
	start=$(date +%s)
	for page in $pages; do render "$page" & done   # both at once: mostly start-up waits
	wait
	secs=$(($(date +%s) - start))
	for page in $pages; do
		palette=
		[ "$page" = com ] && palette=$tmp/com.palette
		rc=$(cat "$tmp/$page.rc")
		if [ "$rc" = 0 ] && [ -s "$tmp/$page.png" ]; then
			ok "headless Chromium renders $page.html (${secs} s)"
		else
			not_ok "headless Chromium renders $page.html"
			echo "# $CHROMIUM exited $rc"
			grep -v 'dbus\|unexpected operator' "$tmp/$page.chromium.log" | tail -n 5 | sed 's/^/#   /'
		fi
		if python3 "$tmp/png.py" check "$tmp/$page.png" ${palette:+"$palette"} >"$tmp/$page.verdict" 2>&1; then
			ok "screenshot of $page.html is not blank$( [ -n "$palette" ] &&
				echo ", SVG bar colours $(tr '\n' ' ' <"$palette")drawn")"
		else
			not_ok "screenshot of $page.html is not blank"
		fi
		sed 's/^\([^#]\)/# \1/' "$tmp/$page.verdict"
		if [ -n "${TLSRPT_KEEP_SCREENSHOTS:-}" ]; then
			cp "$tmp/$page.png" "$TLSRPT_KEEP_SCREENSHOTS/$page.png"
		fi
	done
fi

done_testing
