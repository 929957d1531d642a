"""The book builds with warnings as errors, its HTML has no broken images or internal links, and a
real headless browser (Debian's chromium driven by Playwright) renders every page with its figures.

One module, so pytest-xdist's --dist loadfile builds the site once on one worker.
"""

from __future__ import annotations

import functools
import http.server
import re
import shutil
import subprocess
import sys
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from dfp.core.paths import repo_root

ROOT = repo_root()
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book")
    jb = Path(sys.executable).parent / "jupyter-book"
    prime = subprocess.run([sys.executable, "-m", "dfp.book.cli", "prime-cache", str(out / "_build" / ".jupyter_cache")],
                           capture_output=True, text=True, timeout=900)
    assert prime.returncode == 0, prime.stderr[-4000:]
    proc = subprocess.run([str(jb), "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, "book build failed with warnings as errors:\n" + (proc.stdout + proc.stderr)[-6000:]
    html = out / "_build" / "html"
    assert (html / "index.html").is_file()
    return html


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.images: list[tuple[str, str | None]] = []
        self.ids: set[str] = set()
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "img" and a.get("src"):
            self.images.append((a["src"], a.get("alt")))
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "link" and a.get("href") and "stylesheet" in (a.get("rel") or ""):
            self.scripts.append(a["href"])


def _pages(site: Path) -> dict[Path, _Refs]:
    out = {}
    for page in site.rglob("*.html"):
        if "_static" in page.parts or "_sources" in page.parts:
            continue
        p = _Refs()
        p.feed(page.read_text(encoding="utf-8"))
        out[page] = p
    return out


def test_every_toc_page_is_built(site):
    for nb in (ROOT / "notebooks").rglob("*.ipynb"):
        assert (site / nb.relative_to(ROOT).with_suffix(".html")).is_file(), nb


def test_no_broken_internal_links_images_or_remote_assets(site):
    pages = _pages(site)
    problems = []
    for page, refs in pages.items():
        for src, alt in refs.images:
            if urlparse(src).scheme:
                problems.append(f"{page.name}: remote image {src}")
                continue
            target = (page.parent / unquote(src)).resolve()
            if not target.is_file():
                problems.append(f"{page.name}: broken image {src}")
            if not alt and "_static" not in src:
                problems.append(f"{page.name}: image without alt text {src}")
        for src in refs.scripts:
            if urlparse(src).scheme in ("http", "https") or src.startswith("//"):
                problems.append(f"{page.name}: remote asset {src}")
        for href in refs.links:
            url = urlparse(href)
            if url.scheme or href.startswith("mailto:"):
                continue
            path, frag = urldefrag(href)
            target = page if not path else (page.parent / unquote(path)).resolve()
            if not target.exists():
                problems.append(f"{page.name}: broken link {href}")
            elif frag and target.suffix == ".html" and target in pages and frag not in pages[target].ids:
                problems.append(f"{page.name}: missing anchor {href}")
    assert not problems, "\n".join(problems[:50])


def test_every_decision_record_is_linked_and_links_to_its_evidence(site):
    pages = _pages(site)
    adr_dir = site / "book" / "01-architecture" / "decision-records"
    adrs = sorted(p for p in adr_dir.glob("[0-9][0-9][0-9][0-9]-*.html"))
    assert len(adrs) >= 10
    inbound: dict[Path, set[Path]] = {a.resolve(): set() for a in adrs}
    for page, refs in pages.items():
        for href in refs.links:
            path = urldefrag(href)[0]
            if not path or urlparse(href).scheme:
                continue
            target = (page.parent / unquote(path)).resolve()
            if target in inbound and target != page.resolve() and page.name != "index.html":
                inbound[target].add(page)
    unlinked = [a.name for a, sources in inbound.items() if not sources]
    assert not unlinked, f"decision records no page links to (besides the index): {unlinked}"
    no_evidence = []
    for adr in adrs:
        links = [urldefrag(h)[0] for h in pages[adr].links if not urlparse(h).scheme]
        if not any("notebooks/" in (adr.parent / unquote(h)).resolve().as_posix() for h in links if h):
            no_evidence.append(adr.name)
    assert not no_evidence, f"decision records without a link to the notebook that holds their numbers: {no_evidence}"


def test_every_notebook_page_offers_its_source(site):
    for nb in (ROOT / "notebooks").rglob("*.ipynb"):
        rel = nb.relative_to(ROOT)
        html = (site / rel.with_suffix(".html")).read_text(encoding="utf-8")
        assert f"_sources/{rel.as_posix()}" in html, f"{rel}: no download link to the notebook source"
        assert (site / "_sources" / rel).is_file(), f"{rel}: source not copied into the site"


def test_no_unrendered_glue_or_placeholders(site):
    for page in _pages(site):
        text = page.read_text(encoding="utf-8")
        assert "{glue:" not in text, page
        assert not re.search(r"\bTBD\b|\bTODO\b|lorem ipsum", text, re.I), page


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


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "mobile"])
def test_pages_render_in_a_real_browser(site, server, browser, width):
    failures = []
    context = browser.new_context(viewport={"width": width, "height": 900})
    for rel in _page_urls(site):
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.on("requestfailed", lambda r, errors=errors: errors.append(f"request failed: {r.url}"))
        page.on("response", lambda r, errors=errors: errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.goto(f"{server}/{rel}", wait_until="load")
        page.wait_for_load_state("networkidle")
        title = page.locator("h1").first.inner_text()
        broken = page.evaluate(
            "Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        figures = page.locator("main img:not([src*='_static'])").count()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        if errors:
            failures.append(f"{rel}: console errors {errors}")
        if broken:
            failures.append(f"{rel}: images not loaded {broken}")
        if not title.strip():
            failures.append(f"{rel}: no title")
        if rel.startswith("notebooks/") and "data-dictionary" not in rel and figures == 0:
            failures.append(f"{rel}: no figure rendered")
        if width < 600 and overflow > 5:
            failures.append(f"{rel}: page is {overflow}px wider than a {width}px viewport")
        page.close()
    context.close()
    assert not failures, "\n".join(failures)
