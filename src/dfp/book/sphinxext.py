"""Sphinx extension for the book: offline-clean pages and linked decision records.

1. Jupyter Book 1.x always loads ``sphinx_thebe``, which injects its configuration script twice (a
   browser console error: ``Identifier 'THEBE_JS_URL' has already been declared``) and points at a CDN
   (unpkg) for live code. The book has no launch buttons, so its scripts and stylesheet are dropped.
2. Every plain-text mention of a decision record (``ADR-0009``) in any page, markdown or notebook,
   becomes a link to that record, so pages written in parallel never leave a record unlinked and a
   renamed record cannot leave a stale link (an unknown number raises a warning, an error under -W).
3. Adds the book's stylesheet (``_static/playbook.css``).
5. Numbers figures, tables and code blocks per page: the first figure of every page is "Fig. 1".
   Without numbered toctrees Sphinx counts them across the whole book in table-of-contents order,
   so a page's first figure read "Fig. 3" (or "Fig. 27" once every page numbers its figures).
6. ``{pasted-figure} KEY`` with ``:doc: NOTEBOOK``, ``:name:``, ``:alt:`` and a caption: a numbered, captioned
   figure whose image is glued in another notebook (MyST-NB's ``{glue:figure}`` reads only the page's own
   notebook; its ``{glue}`` with ``:doc:`` pastes the image bare, without number, caption or alt text).
4. Keeps the execution cache honest: before Sphinx decides what to re-read, the jupyter-cache is
   emptied if ``data/`` or the package changed since it was filled
   (:func:`dfp.book.bookcache.refresh_cache`), and then every page is re-read, so even a plain
   ``jupyter-book build`` cannot publish numbers computed from old data.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from myst_nb.ext.glue.utils import PendingGlueReferenceError, create_pending_glue_ref
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from dfp.book.bookcache import inputs_key, refresh_cache

__all__ = ["setup"]

_ADR = re.compile(r"\bADR-(\d{4})\b")
_ADR_DOCS = "book/01-architecture/decision-records/"


def _is_thebe(asset: Any) -> bool:
    name = str(getattr(asset, "filename", None) or asset or "")
    body = str(getattr(asset, "attributes", {}).get("body", "")) if hasattr(asset, "attributes") else ""
    return "thebe" in name.lower() or "THEBE_JS_URL" in body or "thebe" in body.lower()


def _strip_thebe(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a)]


def _adr_docs(app: Any) -> dict[str, str]:
    out = {}
    for doc in app.env.found_docs:
        if doc.startswith(_ADR_DOCS):
            m = re.match(r"(\d{4})-", doc[len(_ADR_DOCS):])
            if m:
                out[m.group(1)] = doc
    return out


def _link_adrs(app: Any, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    docs = _adr_docs(app)
    skip = (nodes.reference, nodes.literal, nodes.literal_block, nodes.title, nodes.raw, nodes.FixedTextElement)
    for text in list(doctree.findall(nodes.Text)):
        parent = text.parent
        if parent is None or any(isinstance(a, skip) for a in _ancestors(text)):
            continue
        value = str(text)
        if not _ADR.search(value):
            continue
        pieces: list[nodes.Node] = []
        last = 0
        for m in _ADR.finditer(value):
            target = docs.get(m.group(1))
            if target is None:
                logging.getLogger(__name__).warning(
                    f"{m.group(0)} is mentioned but no decision record {m.group(1)} exists", location=(docname, None))
                continue
            if target == docname:
                continue
            pieces.append(nodes.Text(value[last:m.start()]))
            ref = nodes.reference("", m.group(0), internal=True,
                                  refuri=app.builder.get_relative_uri(docname, target))
            pieces.append(ref)
            last = m.end()
        if not pieces:
            continue
        pieces.append(nodes.Text(value[last:]))
        parent.replace(text, pieces)


def _ancestors(node: nodes.Node) -> list[nodes.Node]:
    out = []
    p = node.parent
    while p is not None:
        out.append(p)
        p = p.parent
    return out


def _refresh_execution_cache(app: Any, env: Any, added: set[str], changed: set[str], removed: set[str]) -> list[str]:
    config = getattr(env, "mystnb_config", None)
    if config is None or config.execution_mode != "cache" or not config.execution_cache_path:
        return []
    if refresh_cache(Path(config.execution_cache_path), inputs_key(Path(app.srcdir))):
        return sorted(env.found_docs)
    return []


def per_page_numbers(fig_numbers: dict[str, dict[str, dict[str, tuple[int, ...]]]]) -> list[str]:
    """Renumber Sphinx's ``env.toc_fignumbers`` in place so each page counts each kind from 1, in page order.

    Returns the pages whose numbers changed.

    >>> numbers = {"a": {"figure": {"x": (1,), "y": (2,)}}, "b": {"figure": {"z": (3,)}, "table": {"t": (4,)}}}
    >>> per_page_numbers(numbers), numbers["b"]
    (['b'], {'figure': {'z': (1,)}, 'table': {'t': (1,)}})
    """
    changed = []
    for docname, by_type in fig_numbers.items():
        renumbered: dict[str, dict[str, tuple[int, ...]]] = {
            figtype: {fid: (i,) for i, fid in enumerate(ids, start=1)} for figtype, ids in by_type.items()}
        if renumbered != by_type:
            changed.append(docname)
            fig_numbers[docname] = renumbered
    return sorted(changed)


def _number_per_page(app: Any, env: Any) -> list[str]:
    return per_page_numbers(env.toc_fignumbers)


class PastedFigure(SphinxDirective):
    """A numbered figure around an image glued in another notebook (see the module docstring, item 6)."""

    required_arguments = 1
    has_content = True
    option_spec: ClassVar[dict[str, Any]] = {"doc": directives.unchanged_required, "name": directives.unchanged,
                                             "alt": directives.unchanged_required}

    def run(self) -> list[nodes.Node]:
        for option in ("doc", "name", "alt"):
            if not self.options.get(option):
                raise self.error(f"pasted-figure {self.arguments[0]}: the :{option}: option is required")
        if not self.content:
            raise self.error(f"pasted-figure {self.arguments[0]}: a caption is required")
        try:
            ref = create_pending_glue_ref(self.state.document, self.env.docname, self.lineno,
                                          self.options["doc"], self.arguments[0])
        except PendingGlueReferenceError as exc:
            raise self.error(f"pasted-figure {self.arguments[0]}: {exc}") from exc
        figure = nodes.figure("", ref)
        figure["dfp_alt"] = self.options["alt"]
        self.add_name(figure)
        parsed = nodes.Element()
        self.state.nested_parse(self.content, self.content_offset, parsed)
        first = parsed[0]
        if not isinstance(first, nodes.paragraph):
            raise self.error(f"pasted-figure {self.arguments[0]}: the caption must be a paragraph")
        figure += nodes.caption(first.rawsource, "", *first.children)
        return [figure]


class PastedFigureAlt(SphinxPostTransform):
    """Gives the pasted image its figure's alt text, once MyST-NB has replaced the pending glue reference."""

    default_priority = 6  # after MyST-NB's ReplacePendingGlueReferences (5)

    def run(self, **kwargs: Any) -> None:
        for figure in self.document.findall(nodes.figure):
            if "dfp_alt" in figure:
                for image in figure.findall(nodes.image):
                    image["alt"] = figure["dfp_alt"]


def setup(app: Any) -> dict[str, Any]:
    app.add_directive("pasted-figure", PastedFigure)
    app.add_post_transform(PastedFigureAlt)
    app.connect("env-get-outdated", _refresh_execution_cache)
    # after Sphinx's own toctree collector (priority 500) has numbered them across the book
    app.connect("env-get-updated", _number_per_page, priority=900)
    app.connect("html-page-context", _strip_thebe, priority=900)
    app.connect("doctree-resolved", _link_adrs)
    app.add_css_file("playbook.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "4"}
