"""A real headless browser (Debian's chromium driven by Playwright) renders every page of the built
site (the ``site`` fixture in ``tests/conftest.py``, built once per run) with its figures, at a desktop
and a phone width, without console errors, failed requests or horizontal overflow.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path

import pytest

from dfp.core.paths import repo_root

ROOT = repo_root()
CHROMIUM = "/usr/bin/chromium"
WIDTHS_PX = {"desktop": 1280, "mobile": 390}
pytestmark = pytest.mark.slow


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


def test_pages_render_in_a_real_browser_at_desktop_and_phone_widths(site, server, browser):
    """Each page is loaded once, checked at the desktop width, then resized to the phone width and checked again.

    One tab visits every page in turn (a new tab per page costs about twice the time).
    """
    failures: list[str] = []
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
        errors.clear()
        page.set_viewport_size(desktop)
        page.goto(f"{server}/{rel}", wait_until="load")
        failures += _check_loaded_page(page, rel, WIDTHS_PX["desktop"])
        page.set_viewport_size(mobile)
        failures += _check_loaded_page(page, rel, WIDTHS_PX["mobile"])
        if errors:
            failures.append(f"{rel}: console errors {errors}")
    page.close()
    assert not failures, "\n".join(failures)


def test_the_phone_width_check_catches_a_page_wider_than_the_viewport(server, browser, site):
    """The overflow check has teeth: a page with a 1000 px wide element fails at the phone width only."""
    page = browser.new_page(viewport={"width": WIDTHS_PX["desktop"], "height": 900})
    page.goto(f"{server}/book/intro.html", wait_until="load")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<div style=\"width:1000px\">x</div>')")
    assert _check_loaded_page(page, "book/intro.html", WIDTHS_PX["desktop"]) == []
    page.set_viewport_size({"width": WIDTHS_PX["mobile"], "height": 900})
    assert any("wider than a 390px viewport" in f for f in _check_loaded_page(page, "book/intro.html", WIDTHS_PX["mobile"]))
    page.close()
