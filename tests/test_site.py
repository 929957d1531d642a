"""A real headless browser (Debian's chromium driven by Playwright) renders every page of the built
site (the ``site`` fixture in ``tests/conftest.py``, built once per run) with its figures, at a desktop
and a phone width, without console errors, failed requests or horizontal overflow.

At the desktop width (1,280 px) each page is also read as a hiring manager reads it (issue 14); the
checks, by name (``CHECKS``):

- ``table``: a rendered table has a snake_case header or a NaN/None/True/False/inf cell
- ``e-notation``: a number such as ``3.89e+03`` in the page's text (code excluded)
- ``code``: a visible code input other than the ``parameters`` cell
- ``wide``: a table or figure wider than the content column
- ``figure``: a figure without a number ("Fig. 1") and a caption, or a page whose first figure is not Fig. 1
- ``small-text``: a figure whose smallest text reads below 9 pt as shown: the font size recorded in its PNG at
  source by ``dfp.book.plotting.glue_figure`` scaled by the width the page gives it; a figure without that record
  fails too (``tests/test_figures.py`` checks the chart functions themselves)

Pages not yet converted by their owners are listed per check in ``NOT_YET``; a test fails when a
listed page already passes that check, so the lists can only shrink.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dfp.book.plotting import CONTENT_PX, MIN_TEXT_PT, png_smallest_font_pt
from dfp.core.paths import repo_root

ROOT = repo_root()
CHROMIUM = "/usr/bin/chromium"
WIDTHS_PX = {"desktop": 1280, "mobile": 390}
pytestmark = pytest.mark.slow

#: The reading checks (see the module docstring).
CHECKS = ("table", "e-notation", "code", "wide", "figure", "small-text")

#: Pages (built HTML path) that still fail a check, per check; owners convert them and remove the entry.
NOT_YET: dict[str, set[str]] = {
    "table": set(),
    "e-notation": set(),
    "code": set(),
    "wide": set(),
    "figure": set(),
    "small-text": set(),
}


@pytest.fixture(scope="module")
def server(site):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep test output readable
            pass

    handler = functools.partial(Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).is_file() and not shutil.which("chromium"):
        pytest.fail("Debian's chromium is not installed (apt-get install chromium); ./run test installs it as root")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"],
        )
        yield b
        b.close()


def test_landing_redirects_to_the_intro(site, server, browser):
    page = browser.new_page()
    page.goto(f"{server}/index.html")
    page.wait_for_url("**/book/intro.html")
    assert "DataFlow Platform" in page.locator("h1").first.inner_text()
    page.close()


def _page_urls(site: Path) -> list[str]:
    urls = []
    for nb in sorted((ROOT / "notebooks").rglob("*.ipynb")):
        urls.append(str(nb.relative_to(ROOT).with_suffix(".html")))
    for md in sorted((ROOT / "book").rglob("*.md")):
        rel = md.relative_to(ROOT).with_suffix(".html")
        if (site / rel).is_file():
            urls.append(str(rel))
    return urls


def _check_loaded_page(page, rel: str, width_px: int) -> list[str]:
    """What is wrong with the page as laid out at ``width_px`` (the viewport already has that width)."""
    failures = []
    title = page.locator("h1").first.inner_text()
    broken = page.evaluate("Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
    figures = page.locator("main img:not([src*='_static'])").count()
    overflow_px = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if broken:
        failures.append(f"{rel} at {width_px}px: images not loaded {broken}")
    if not title.strip():
        failures.append(f"{rel} at {width_px}px: no title")
    if rel.startswith("notebooks/") and "data-dictionary" not in rel and figures == 0:
        failures.append(f"{rel} at {width_px}px: no figure rendered")
    if width_px < 600 and overflow_px > 5:
        failures.append(f"{rel}: page is {overflow_px}px wider than a {width_px}px viewport")
    return failures


_CONTENT_JS = """
(args) => {
  const article = document.querySelector('article.bd-article') || document.querySelector('main');
  const out = {figure_px: [], images: []};  // the room each figure has; each figure's PNG, natural and shown px
  CHECKS_PLACEHOLDER
  // a hidden input (tag hide-input) sits in a closed <details> behind "Show code cell source"
  const visible = (el) => !el.closest('details:not([open])') && el.checkVisibility() && el.getClientRects().length > 0;
  const textOf = (el) => {  // an element's text without its code
    const c = el.cloneNode(true);
    c.querySelectorAll('code, pre, kbd').forEach(x => x.remove());
    return c.textContent.trim();
  };
  const snake = /\\b[a-z][a-z0-9]*_[a-z0-9_]+\\b/;
  const raw = new Set(['nan', 'NaN', 'None', 'True', 'False', '<NA>', 'NaT', 'inf', '-inf']);
  for (const t of article.querySelectorAll('table')) {
    for (const th of t.querySelectorAll('th')) {
      const m = textOf(th).match(snake);
      if (m) out.table.push(`snake_case header '${m[0]}'`);
    }
    for (const cell of t.querySelectorAll('td, th')) {
      const text = cell.textContent.trim();
      if (raw.has(text)) out.table.push(`raw cell '${text}'`);
    }
    if (t.scrollWidth > t.clientWidth + 1 || t.getBoundingClientRect().right > article.getBoundingClientRect().right + 1)
      out.wide.push(`table ${t.scrollWidth}px wide in ${t.clientWidth}px: it scrolls `
                    + `('${t.innerText.trim().replace(/\\s+/g, ' ').slice(0, 40)}')`);
  }
  const enot = /\\d(?:\\.\\d+)?[eE][+-]\\d+/;
  const walker = document.createTreeWalker(article, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    if (n.parentElement.closest('pre, code, kbd, script, style, .cell_input, .highlight')) continue;
    const m = n.textContent.match(enot);
    if (m) out['e-notation'].push(`'${m[0]}' in '${n.textContent.trim().slice(0, 60)}'`);
  }
  for (const cell of article.querySelectorAll('.cell_input')) {
    const owner = cell.closest('.cell');
    if (visible(cell) && !(owner && owner.classList.contains('tag_parameters')))
      out.code.push(`visible code '${cell.textContent.trim().slice(0, 50)}'`);
  }
  const figs = [...article.querySelectorAll('img')].filter(i => !i.src.includes('/_static/'));
  let first = true;
  for (const img of figs) {
    const name = img.getAttribute('src').split('/').pop();
    const fig = img.closest('figure');
    const number = fig && fig.querySelector('figcaption .caption-number');
    const caption = fig && fig.querySelector('figcaption .caption-text');
    if (!number || !/Fig\\. \\d+/.test(number.textContent) || !caption || !caption.textContent.trim()) {
      out.figure.push(`figure without number and caption (${name})`);
    } else if (first && !/Fig\\. 1\\b/.test(number.textContent)) {
      out.figure.push(`the first figure is '${number.textContent.trim()}', not Fig. 1`);
    }
    if (number) first = false;
    const shown = img.getBoundingClientRect().width;
    const box = getComputedStyle(img.parentElement);
    out.figure_px.push(Math.floor(img.parentElement.clientWidth - parseFloat(box.paddingLeft) - parseFloat(box.paddingRight)));
    if (shown > article.clientWidth + 1) out.wide.push(`figure ${Math.round(shown)}px wide in a ${article.clientWidth}px column (${name})`);
    if (img.naturalWidth > 0) out.images.push({src: img.src, natural: img.naturalWidth, shown: shown, name: name});
  }
  return out;
}
""".replace("CHECKS_PLACEHOLDER", " ".join(f"out[{c!r}] = [];" for c in CHECKS))


def content_problems(page, site: Path) -> dict[str, list[str]]:
    """The page's problems by check (``CHECKS``) as laid out now, and ``figure_px``: the room each figure has
    (its container's content width; a wider PNG is scaled down to it).

    ``small-text`` reads each figure's smallest font from its PNG (``plotting.png_smallest_font_pt``, recorded at
    source by ``plotting.glue_figure``) and scales it as shown: ``font pt x shown px / PNG px``. A figure without
    the record is a figure that was not measured at source, and fails the check as such.
    """
    found = page.evaluate(_CONTENT_JS)
    for img in found.pop("images"):
        font_pt = _smallest_font_pt(site, img["src"])
        if font_pt is None:
            found["small-text"].append(f"figure without its font size: glue it with plotting.glue_figure ({img['name']})")
            continue
        shown_pt = font_pt * min(1.0, img["shown"] / img["natural"])
        if shown_pt < MIN_TEXT_PT:
            found["small-text"].append(f"figure {img['natural']}px shown at {round(img['shown'])}px: its {font_pt:g} pt "
                                       f"text reads {shown_pt:.1f} pt, below {MIN_TEXT_PT:g} pt ({img['name']})")
    return found


def _smallest_font_pt(site: Path, src: str) -> float | None:
    """The smallest font recorded in the PNG an ``<img>`` shows (``src``: its absolute URL on the test server)."""
    path = site / urlsplit(src).path.lstrip("/")
    return png_smallest_font_pt(path.read_bytes()) if path.suffix == ".png" and path.is_file() else None


def _aborted_by_navigation(failure: str | None) -> bool:
    """Whether a failed request was cancelled by the browser (Chromium reports ``net::ERR_ABORTED``).

    >>> _aborted_by_navigation("net::ERR_ABORTED"), _aborted_by_navigation("net::ERR_CONNECTION_REFUSED")
    (True, False)
    """
    return failure is not None and "ERR_ABORTED" in failure


def test_a_cancelled_request_is_not_an_error_but_a_refused_one_is():
    assert _aborted_by_navigation("net::ERR_ABORTED")
    assert not _aborted_by_navigation("net::ERR_CONNECTION_REFUSED")
    assert not _aborted_by_navigation(None)


@dataclass
class SiteReport:
    """What one pass of the browser over every page found."""

    failures: list[str] = field(default_factory=list)  # rendering faults, at either width
    problems: dict[str, dict[str, list[str]]] = field(default_factory=lambda: {c: {} for c in CHECKS})  # check: page: what
    figure_px: dict[str, list[int]] = field(default_factory=dict)  # page: the room each figure has at 1,280 px
    pages: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def report(site, server, browser) -> SiteReport:
    """Each page is loaded once, checked at the desktop width (rendering and reading), then resized to the phone
    width and checked again.

    One tab visits every page in turn (a new tab per page costs about twice the time).
    """
    out = SiteReport()
    errors: list[str] = []
    desktop, mobile = {"width": WIDTHS_PX["desktop"], "height": 900}, {"width": WIDTHS_PX["mobile"], "height": 900}
    page = browser.new_page(viewport=desktop)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A request the browser itself cancels (net::ERR_ABORTED: the favicon still loading when the next page is
    # opened) is not a fault of the page; a missing file still fails below as an HTTP 404, a broken image as such.
    page.on("requestfailed", lambda r: None if _aborted_by_navigation(r.failure) else errors.append(
        f"request failed: {r.url} ({r.failure})"))
    page.on("response", lambda r: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
    for rel in _page_urls(site):
        out.pages.append(rel)
        errors.clear()
        page.set_viewport_size(desktop)
        page.goto(f"{server}/{rel}", wait_until="load")
        out.failures += _check_loaded_page(page, rel, WIDTHS_PX["desktop"])
        found = content_problems(page, site)
        out.figure_px[rel] = found.pop("figure_px")
        for check, what in found.items():
            if what:
                out.problems[check][rel] = what
        page.set_viewport_size(mobile)
        out.failures += _check_loaded_page(page, rel, WIDTHS_PX["mobile"])
        if errors:
            out.failures.append(f"{rel}: console errors {errors}")
    page.close()
    return out


def test_pages_render_in_a_real_browser_at_desktop_and_phone_widths(report):
    assert not report.failures, "\n".join(report.failures)


@pytest.mark.parametrize("check", CHECKS)
def test_pages_read_for_people(report, check):
    """Tables for people, no e-notation, no code but the parameters, nothing wider than the column, numbered
    and captioned figures with text of at least 9 pt: every page but those listed in NOT_YET for the check."""
    bad = {rel: what for rel, what in report.problems[check].items() if rel not in NOT_YET[check]}
    assert not bad, f"{check}: " + "\n".join(f"{rel}: {what[:5]}" for rel, what in sorted(bad.items()))


def test_not_yet_lists_only_pages_that_still_fail(report):
    unknown = {rel for pages in NOT_YET.values() for rel in pages} - set(report.pages)
    assert not unknown, f"NOT_YET names pages the site does not have: {sorted(unknown)}"
    clean = sorted(f"{check}: {rel}" for check, pages in NOT_YET.items() for rel in pages
                   if rel not in report.problems[check])
    assert not clean, "already pass, remove from NOT_YET:\n" + "\n".join(clean)


def test_figures_are_drawn_for_the_column_the_pages_have(report):
    """``dfp.book.plotting`` checks figure text against CONTENT_PX: a figure must have at least that much room."""
    narrow = {rel: px for rel, widths in report.figure_px.items() for px in widths if px < CONTENT_PX}
    assert any(report.figure_px.values()), "no figure measured: the check measures nothing"
    assert not narrow, f"figures have less room than plotting.CONTENT_PX = {CONTENT_PX} px at 1,280 px: {narrow}"


#: A 1 x 1 PNG with no font record: a figure not glued through ``plotting.glue_figure``.
ONE_PX_PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg==")


def test_each_reading_check_catches_a_seeded_bad_page(server, browser, site):
    """Every check has teeth: a page holding only a good table and prose passes them all; one seeded fault per check
    then fails each of them."""
    page = browser.new_page(viewport={"width": WIDTHS_PX["desktop"], "height": 900})
    page.goto(f"{server}/notebooks/overview/system-at-a-glance.html", wait_until="load")
    png = page.evaluate("document.querySelector('article figure img').src")
    good = """<p>The bill is 3,890 USD a month, 57.0 USD per million events.</p>
      <table><thead><tr><th>Region</th><th>Cost (USD/month)</th></tr></thead>
        <tbody><tr><th>us-east-1</th><td>—</td></tr><tr><th>eu-west-1</th><td>Yes</td></tr></tbody></table>"""
    page.evaluate("(html) => { document.querySelector('article.bd-article').innerHTML = html; }", good)
    assert content_problems(page, site) == {"figure_px": [], **{c: [] for c in CHECKS}}
    seeded = f"""
      <table><thead><tr><th>flip_at</th><th>Cost (USD/month)</th></tr></thead>
        <tbody><tr><td>NaN</td><td>True</td></tr></tbody></table>
      <p>The bill is 3.89e+03 USD.</p>
      <div class="cell docutils container"><div class="cell_input docutils container"><pre>x = load()</pre></div></div>
      <table><tbody><tr><td style="min-width:2000px">a very wide cell</td></tr></tbody></table>
      <div style="width:300px"><img id="seeded-bare" src="{png}" style="width:100px"></div>
      <figure><img id="seeded-big" src="{png}" style="width:5000px; max-width:none">
        <figcaption><span class="caption-number">Fig. 2 </span><span class="caption-text">Big.</span></figcaption></figure>
      <figure><img id="seeded-unmeasured" src="data:image/png;base64,{ONE_PX_PNG}" style="width:50px">
        <figcaption><span class="caption-number">Fig. 3 </span><span class="caption-text">Unmeasured.</span></figcaption></figure>
    """
    page.evaluate("(html) => document.querySelector('article.bd-article').insertAdjacentHTML('beforeend', html)", seeded)
    page.evaluate("Promise.all(['seeded-bare', 'seeded-unmeasured', 'seeded-big'].map(i => document.getElementById(i).decode()))")
    found = content_problems(page, site)
    page.close()
    assert found["table"] == ["snake_case header 'flip_at'", "raw cell 'NaN'", "raw cell 'True'"]
    assert found["e-notation"] == ["'3.89e+03' in 'The bill is 3.89e+03 USD.'"]
    assert found["code"] == ["visible code 'x = load()'"]
    assert [w.split(" ")[0] for w in found["wide"]] == ["table", "figure"], found["wide"]
    assert len(found["figure"]) == 2 and "without number and caption" in found["figure"][0], found["figure"]
    assert "not Fig. 1" in found["figure"][1]
    assert len(found["small-text"]) == 2 and "below 9 pt" in found["small-text"][0], found["small-text"]
    assert "without its font size" in found["small-text"][1], found["small-text"]
    assert 300 in found["figure_px"]  # a figure with less room than CONTENT_PX is measured as such


def test_the_phone_width_check_catches_a_page_wider_than_the_viewport(server, browser, site):
    """The overflow check has teeth: a page with a 1000 px wide element fails at the phone width only."""
    page = browser.new_page(viewport={"width": WIDTHS_PX["desktop"], "height": 900})
    page.goto(f"{server}/book/intro.html", wait_until="load")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<div style=\"width:1000px\">x</div>')")
    assert _check_loaded_page(page, "book/intro.html", WIDTHS_PX["desktop"]) == []
    page.set_viewport_size({"width": WIDTHS_PX["mobile"], "height": 900})
    assert any("wider than a 390px viewport" in f for f in _check_loaded_page(page, "book/intro.html", WIDTHS_PX["mobile"]))
    page.close()
