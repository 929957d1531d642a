"""Running a notebook at chosen parameter values and listing what went wrong on the page it would make.

=======================  ===================================================================
``edge_cases``            (notebook, parameter, value): low edge, high edge and one interior point
``output_problems``       problems in an executed notebook's outputs and its glued prose
``check_run``             run a notebook with parameters; its problems (an execution error is one)
=======================  ===================================================================

A problem is a short string naming the cell or glue name and what is wrong: ``nan``/``inf``/``None`` in
a text or HTML output or in a glued value as the page shows it (after the ``{glue:text}`` role's format
spec), or e-notation (``1e-05``) in glued text.
"""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path
from typing import Any

import nbformat

from dfp.book.execute import run_notebook
from dfp.book.params import PAGE_DEFAULTS, PARAMETERS, param_range
from dfp.core.errors import PlaybookError

__all__ = ["check_run", "edge_cases", "glued_text", "interior_value", "output_problems", "rendered_glue", "run_glued"]

#: a value no page should show: ``nan``, ``inf``, ``None`` as a word of its own ("None of" is English)
_BAD_WORD = re.compile(r"(?<![\w.-])(-?nan|NaN|NaT|-?inf|-?Infinity|<NA>|None(?! [a-z]))(?![\w-])")
#: scientific notation as Python prints it: ``1e-05``, ``2.5E+41``
_E_NOTATION = re.compile(r"(?<![\w.])\d+(\.\d+)?[eE][+-]?\d+\b")
#: a ``{glue:text}`name:spec``` or ``{glue}`name``` role in a markdown cell
_GLUE_ROLE = re.compile(r"\{glue(?::text)?\}`([^`:]+)(?::([^`]*))?`")


def interior_value(name: str, page: str = "") -> Any:
    """One value strictly inside a registered range: the midpoint, or the geometric mean for ranges
    spanning more than two decades (so ``0.1..10,000`` gives ``32``, not ``5,000``).

    >>> interior_value("horizon_months"), interior_value("growth_rate"), interior_value("target_usd_per_million_events")
    (30, 0.15, 32.0)
    """
    p = PARAMETERS[name]
    low, high = param_range(page, name) if page else (p.low, p.high)
    if p.kind == "bool":
        return False
    if p.kind == "str":
        return p.choices[len(p.choices) // 2]
    mid = float(f"{math.sqrt(low * high):.2g}") if low > 0 and high / low > 100 else float(f"{(low + high) / 2:.4g}")
    return round(mid) if p.kind == "int" else mid


def edge_cases(notebooks: list[str] | None = None) -> list[tuple[str, str, Any]]:
    """(notebook, parameter, value) for the low edge, high edge and one interior point of every parameter.

    The range is the page's (:func:`dfp.book.params.param_range`). For a text parameter the edges are its
    first and last choice; for a flag, False and True.

    >>> [c for c in edge_cases(["dora-metrics"])]
    [('dora-metrics', 'lead_time_quantile', 0.5), ('dora-metrics', 'lead_time_quantile', 0.7495), \
('dora-metrics', 'lead_time_quantile', 0.999)]
    """
    out: list[tuple[str, str, Any]] = []
    for page in notebooks if notebooks is not None else sorted(PAGE_DEFAULTS):
        for name in PAGE_DEFAULTS[page]:
            p = PARAMETERS[name]
            low, high = param_range(page, name)
            if p.kind == "bool":
                values: list[Any] = [False, True]
            elif p.kind == "str":
                values = [p.choices[0], interior_value(name), p.choices[-1]]
            elif p.kind == "int":
                values = [int(low), interior_value(name, page), int(high)]
            else:
                values = [low, interior_value(name, page), high]
            seen: list[Any] = []
            for v in values:
                if v not in seen:
                    seen.append(v)
                    out.append((page, name, v))
    return out


def rendered_glue(text_plain: str, spec: str | None) -> str:
    """A glued value as a ``{glue:text}`` role shows it: its ``text/plain`` formatted with the role's spec.

    >>> rendered_glue("0.99999", ".2%"), rendered_glue("nan", ".1f"), rendered_glue("'3 engineers'", None)
    ('100.00%', 'nan', '3 engineers')
    """
    try:
        value = ast.literal_eval(text_plain)
    except (ValueError, SyntaxError):
        value = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}.get(text_plain.strip(), text_plain)
    if spec:
        try:
            return format(value, spec)
        except (ValueError, TypeError):
            return str(value)
    return str(value)


def _texts(output: dict[str, Any]) -> list[str]:
    data = output.get("data", {})
    out = [data[k] if isinstance(data[k], str) else "".join(data[k]) for k in data
           if k.endswith(("text/plain", "text/html"))]
    if output.get("output_type") == "stream":
        text = output.get("text", "")
        out.append(text if isinstance(text, str) else "".join(text))
    return out


def glued_text(nb: Any) -> dict[str, str]:
    """Every glued value of an executed notebook by name: its ``text/plain`` (a string keeps its quotes)."""
    glued: dict[str, str] = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            book = output.get("metadata", {}).get("scrapbook", {})
            key = book.get("mime_prefix", "") + "text/plain"
            if "name" in book and key in output.get("data", {}):
                tp = output["data"][key]
                glued[book["name"]] = tp if isinstance(tp, str) else "".join(tp)
    return glued


def output_problems(nb: Any) -> list[str]:
    """Problems in an executed notebook (an ``nbformat`` node): errors, bad values, e-notation in glued text.

    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook()
    >>> nb.cells = [nbformat.v4.new_markdown_cell("Share {glue:text}`s:.1%`, bill {glue:text}`b`."),
    ...             nbformat.v4.new_code_cell("", outputs=[
    ...                 nbformat.v4.new_output("display_data", {"text/plain": "nan"}, metadata={"scrapbook": {"name": "s"}}),
    ...                 nbformat.v4.new_output("display_data", {"text/plain": "2.5e+41"}, metadata={"scrapbook": {"name": "b"}}),
    ...             ])]
    >>> output_problems(nb)
    ['cell 1: nan in an output', "glue 's' shows 'nan%'", "glue 'b' shows e-notation '2.5e+41'"]
    """
    problems: list[str] = []
    glued = glued_text(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                problems.append(f"cell {i}: {output.get('ename')}: {output.get('evalue')}")
                continue
            for text in _texts(output):
                m = _BAD_WORD.search(text)
                if m:
                    problems.append(f"cell {i}: {m.group(1)} in an output")
                    break
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for name, spec in _GLUE_ROLE.findall(cell.source):
            if name not in glued:
                continue
            shown = rendered_glue(glued[name], spec or None)
            if _BAD_WORD.search(shown):
                problems.append(f"glue {name!r} shows {shown!r}")
            elif _E_NOTATION.search(shown):
                problems.append(f"glue {name!r} shows e-notation {shown!r}")
    return list(dict.fromkeys(problems))


def run_glued(path: Path, params: dict[str, Any], out_dir: Path | None = None) -> tuple[list[str], dict[str, Any]]:
    """Run a notebook with ``params``; return its problems and its glued values (strings unquoted, numbers as numbers)."""
    try:
        out = run_notebook(path, params, out_dir)
    except PlaybookError as exc:
        return [f"error: {exc}"], {}
    nb = nbformat.read(str(out), as_version=4)
    values: dict[str, Any] = {}
    for name, text in glued_text(nb).items():
        try:
            values[name] = ast.literal_eval(text)
        except (ValueError, SyntaxError):
            values[name] = text
    return output_problems(nb), values


def check_run(path: Path, params: dict[str, Any], out_dir: Path | None = None) -> list[str]:
    """Run the notebook at ``path`` with ``params`` (papermill) and return the problems found; [] when clean.

    An execution error (including a parameter rejected by the registry) is reported as one problem.
    """
    return run_glued(path, params, out_dir)[0]
