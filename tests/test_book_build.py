"""The book builds with warnings as errors (the ``site`` fixture in ``tests/conftest.py``, shared with
the browser test in ``tests/test_site.py``), and its HTML has no broken images, internal links or
remote assets, every decision record is linked and links to its evidence, every notebook page offers
its source, and no glue role or placeholder is left unrendered."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from dfp.core.paths import repo_root

ROOT = repo_root()
pytestmark = pytest.mark.slow


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
