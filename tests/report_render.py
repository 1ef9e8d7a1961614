#!/usr/bin/env python3
"""iv report in a real browser.

Usage: report_render.py IV_EXECUTABLE [OUTDIR]

Runs `iv report` on the bundled sample, then checks that
  - every <svg> of the page parses as XML on its own (xml.etree) as an SVG element with a
    <title> and a <desc>, and that there are as many as the tool reported charts;
  - the page is self-contained: no script, no <link>/<img>/src=, every href and url() is
    a fragment (#...), the only URL is the SVG namespace name;
  - Debian's Chromium renders it headless: --dump-dom returns the parsed page with every
    chart in it, and --screenshot writes a PNG of the requested size whose pixels hold the
    chart colours (the Okabe-Ito blue of the bars).
Standard library only. Exits non-zero with a message on the first failure.
"""
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

SVG_NS = "{http://www.w3.org/2000/svg}"
BLUE = (0x00, 0x72, 0xB2)
WIDTH, HEIGHT = 1280, 2400


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    fail("chromium not found: install it (apt-get install chromium; it is in .ci/packages)")
    return None


def chromium(browser, profile, *args):
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--user-data-dir=" + profile] + list(args)
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=240,
                          check=False)


def png_pixels(path):
    """Decode an 8-bit RGB or RGBA non-interlaced PNG: (width, height, rows of bytes, bpp)."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(path + " is not a PNG")
    pos, idat, ihdr = 8, [], None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = ihdr
    if depth != 8 or colour not in (2, 6) or interlace:
        fail("unexpected PNG format: depth %d colour %d interlace %d" % (depth, colour, interlace))
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(b"".join(idat))
    stride = width * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):  # PNG filters (ISO/IEC 15948, 9.2)
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pr = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pr) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows, bpp


def check_svgs(html, charts):
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    if len(svgs) != charts:
        fail("%d <svg> elements, the tool reported %d charts" % (len(svgs), charts))
    for k, text in enumerate(svgs):
        try:
            root = ET.fromstring(text)
        except ET.ParseError as e:
            fail("svg %d does not parse as XML: %s" % (k + 1, e))
        if root.tag != SVG_NS + "svg":
            fail("svg %d: root is %s" % (k + 1, root.tag))
        title, desc = root.find(SVG_NS + "title"), root.find(SVG_NS + "desc")
        if title is None or not (title.text or "").strip():
            fail("svg %d has no <title>" % (k + 1))
        if desc is None or not (desc.text or "").strip():
            fail("svg %d has no <desc>" % (k + 1))
        if len(root.findall(".//" + SVG_NS + "text")) < 3:
            fail("svg %d has almost no text (labels, axes)" % (k + 1))
        for el in root.iter():
            for name, value in el.attrib.items():
                if re.search(r"(^|[\s,MLZ])-?(nan|inf)", value, re.I):
                    fail("svg %d: %s=\"%s\" holds a non-finite number" % (k + 1, name, value))
    return svgs


def check_self_contained(html):
    for bad in ("<script", "<link", "<img", "<iframe", "<object", "src=", "@import"):
        if bad in html:
            fail("the page contains " + bad)
    for href in re.findall(r'href="([^"]*)"', html):
        if not href.startswith("#"):
            fail("external href " + href)
    for url in re.findall(r"url\(([^)]*)\)", html):
        if not url.startswith("#"):
            fail("external url(" + url + ")")
    urls = re.findall(r"https?://[^\s\"'<>]+", html)
    if any(u != "http://www.w3.org/2000/svg" for u in urls):
        fail("a URL other than the SVG namespace: %s" % sorted(set(urls)))


def main():
    if len(sys.argv) < 2:
        fail(__doc__)
    iv = os.path.abspath(sys.argv[1])
    out = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="iv-report-")
    os.makedirs(out, exist_ok=True)
    page = os.path.join(out, "report.html")
    png = os.path.join(out, "report.png")
    run = subprocess.run([iv, "report", "-o", page, "--format", "json"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, check=False)
    if run.returncode != 0:
        fail("iv report exited %d: %s" % (run.returncode, run.stderr.decode()))
    summary = json.loads(run.stdout)
    with open(page, encoding="utf-8") as f:
        html = f.read()
    charts = summary["charts"]
    if charts < 6:
        fail("only %d charts" % charts)
    check_self_contained(html)
    check_svgs(html, charts)

    browser = find_chromium()
    profile = tempfile.mkdtemp(prefix="iv-chromium-")
    try:
        dom = chromium(browser, profile, "--dump-dom", "file://" + page)
        text = dom.stdout.decode("utf-8", "replace")
        if dom.returncode != 0 or "</html>" not in text:
            fail("chromium --dump-dom failed (%d): %s" % (dom.returncode, dom.stderr.decode()[-500:]))
        for sec in ("clv", "lifecycle", "churn", "maturity"):
            if '<section id="%s">' % sec not in text:
                fail("the DOM Chromium built has no section %s" % sec)
        if text.count("<svg") != charts:
            fail("the DOM Chromium built holds %d svg elements, expected %d"
                 % (text.count("<svg"), charts))
        shot = chromium(browser, profile, "--hide-scrollbars", "--screenshot=" + png,
                        "--window-size=%d,%d" % (WIDTH, HEIGHT), "file://" + page)
        if shot.returncode != 0 or not os.path.exists(png):
            fail("chromium --screenshot failed (%d): %s"
                 % (shot.returncode, shot.stderr.decode()[-500:]))
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    width, height, rows, bpp = png_pixels(png)
    if (width, height) != (WIDTH, HEIGHT):
        fail("screenshot is %dx%d, expected %dx%d" % (width, height, WIDTH, HEIGHT))
    colours = set()
    for row in rows[::4]:
        for x in range(0, len(row), bpp * 2):
            colours.add(tuple(row[x:x + 3]))
    if len(colours) < 50:
        fail("the screenshot is nearly blank (%d colours)" % len(colours))
    if BLUE not in colours:
        fail("no pixel of the bar charts' blue in the screenshot")
    print("ok: %d charts parse as SVG/XML; Chromium rendered %s (%dx%d, %d colours sampled)"
          % (charts, png, width, height, len(colours)))
    for w in LAYOUT_WIDTHS:
        check_layout(browser_path(), page, out, w, charts)


LAYOUT_WIDTHS = (1024, 1400)

# Run in a copy of the page only (the report itself has no script): measures the layout
# Chromium computed at the window's width and writes it into the DOM for --dump-dom.
PROBE = """<script>
window.addEventListener('load', function () {
  var de = document.documentElement, wide = [];
  document.querySelectorAll('.scroll, figure, table, svg').forEach(function (e) {
    var r = e.getBoundingClientRect();
    if (r.right > de.clientWidth + 0.5 || (e.classList.contains('scroll') && e.scrollWidth > e.clientWidth + 1))
      wide.push(e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(r.right));
  });
  var out = {width: de.clientWidth, scroll: de.scrollWidth, wide: wide,
             svgs: document.querySelectorAll('svg').length,
             nan: /\\bNaN\\b|\\b-?inf\\b|\\bInfinity\\b/.test(document.body.innerText)};
  var p = document.createElement('pre');
  p.id = 'iv-layout';
  p.textContent = JSON.stringify(out);
  document.body.appendChild(p);
});
</script>"""


def browser_path():
    return find_chromium()


def check_layout(browser, page, out, width, charts):
    """At a window `width` px wide: no horizontal overflow of the page, of any table's
    scroll box, figure or chart; every chart present; no NaN or infinity in the text.
    Also writes a screenshot report-WIDTH.png (look at it)."""
    with open(page, encoding="utf-8") as f:
        html = f.read()
    probe = os.path.join(out, "layout-%d.html" % width)
    with open(probe, "w", encoding="utf-8") as f:
        f.write(html.replace("</body>", PROBE + "\n</body>"))
    profile = tempfile.mkdtemp(prefix="iv-chromium-")
    try:
        dom = chromium(browser, profile, "--window-size=%d,2000" % width, "--virtual-time-budget=5000",
                       "--dump-dom", "file://" + probe)
        shot = chromium(browser, profile, "--hide-scrollbars", "--window-size=%d,3000" % width,
                        "--screenshot=" + os.path.join(out, "report-%d.png" % width), "file://" + page)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if shot.returncode != 0:
        fail("chromium --screenshot at %d px failed" % width)
    m = re.search(r'<pre id="iv-layout">(.*?)</pre>', dom.stdout.decode("utf-8", "replace"))
    if not m:
        fail("the layout probe did not run at %d px" % width)
    res = json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    if res["width"] > width:
        fail("the window is %d px, not %d" % (res["width"], width))
    if res["scroll"] > res["width"]:
        fail("at %d px the page overflows horizontally (%d px wide)" % (width, res["scroll"]))
    if res["wide"]:
        fail("at %d px these overflow: %s" % (width, ", ".join(res["wide"][:8])))
    if res["svgs"] != charts:
        fail("at %d px %d charts, expected %d" % (width, res["svgs"], charts))
    if res["nan"]:
        fail("at %d px the page shows NaN or infinity" % width)
    print("ok: at %d px no horizontal overflow, %d charts, no NaN" % (width, charts))


if __name__ == "__main__":
    main()
