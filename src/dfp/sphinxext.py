"""Sphinx extension for the book: keep every page offline-clean.

Jupyter Book 1.x always loads ``sphinx_thebe``, which injects its configuration script twice (a
browser console error: ``Identifier 'THEBE_JS_URL' has already been declared``) and points at a CDN
(unpkg) for live code. The book has no launch buttons, so this extension drops thebe's scripts and
stylesheet from every page. It also adds the book's small stylesheet (``_static/playbook.css``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["setup"]


def _is_thebe(asset: Any) -> bool:
    name = str(getattr(asset, "filename", None) or asset or "")
    body = str(getattr(asset, "attributes", {}).get("body", "")) if hasattr(asset, "attributes") else ""
    return "thebe" in name.lower() or "THEBE_JS_URL" in body or "thebe" in body.lower()


def _strip_thebe(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a)]


def setup(app: Any) -> dict[str, Any]:
    app.connect("html-page-context", _strip_thebe, priority=900)
    app.add_css_file("playbook.css")
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
