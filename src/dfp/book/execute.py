"""Executing notebooks: in place (refresh stored outputs) or with parameters through papermill."""

from __future__ import annotations

import ast
import logging
import re
import time
from collections.abc import Sequence
from pathlib import Path

from dfp.book.bookcache import kernel_config
from dfp.book.params import check_page_parameters, page_defaults
from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root

__all__ = ["execute_notebook", "notebook_parameters", "notebook_paths", "run_notebook"]


def notebook_paths(paths: Sequence[str]) -> list[Path]:
    """The notebooks named by ``paths``, or every notebook under ``notebooks/`` when none is named."""
    if paths:
        out = [Path(p).resolve() for p in paths]
        for p in out:
            if not p.is_file() or p.suffix != ".ipynb":
                raise PlaybookError(f"not a notebook file: {p}")
        return out
    root = repo_root() / "notebooks"
    return sorted(p for p in root.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def notebook_parameters(path: Path) -> dict[str, object]:
    """The names and default values assigned in a notebook's ``parameters``-tagged cell."""

    import nbformat  # noqa: PLC0415 - lazy: 0.6 s to import, paid only by the commands that read notebooks

    nb = nbformat.read(str(path), as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and "parameters" in c.metadata.get("tags", [])]
    if len(cells) != 1:
        raise PlaybookError(f"{path.name}: expected exactly one cell tagged 'parameters'; found {len(cells)}")
    out: dict[str, object] = {}
    for node in ast.parse(cells[0].source).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and node.value is not None:
                    out[t.id] = ast.literal_eval(node.value)
    return out


def execute_notebook(path: Path, timeout_s: int = 300) -> float:
    """Execute a notebook in place in its own folder (as nbval and Jupyter Book do); return seconds."""

    import nbformat  # noqa: PLC0415 - lazy: 0.6 s to import, paid only by the commands that execute notebooks
    from nbclient import NotebookClient  # noqa: PLC0415 - lazy: 0.7 s to import, paid only by the commands that execute notebooks

    nb = nbformat.read(str(path), as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=timeout_s, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}, config=kernel_config()).execute()
    elapsed = time.perf_counter() - t0
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, str(path))
    return elapsed


def run_notebook(path: Path, params: dict[str, object], out_dir: Path | None = None) -> Path:
    """Run ``path`` with ``params`` injected by papermill; write the executed copy and return its path.

    Parameters are checked against :data:`dfp.book.params.PARAMETERS` (ranges) and
    :data:`dfp.book.params.PAGE_DEFAULTS` (the notebook's parameters) before anything runs, and
    coerced to their kinds.
    """
    import papermill as pm  # noqa: PLC0415 - lazy: 1.7 s to import, paid only by the commands that run a notebook with parameters

    path = path.resolve()
    known = page_defaults(path)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise PlaybookError(f"{path.name} has no parameter(s) {unknown}; its parameters are {sorted(known)}")
    params = check_page_parameters(path.stem, **params)  # coerced: 24.0 -> 24 where an integer is expected
    out_dir = out_dir or repo_root() / "_build" / "runs"
    out_dir.mkdir(parents=True, exist_ok=True)
    tag = "-".join(f"{k}={v}" for k, v in sorted(params.items())) or "defaults"
    tag = re.sub(r"[^A-Za-z0-9=._-]+", "_", tag)
    out = out_dir / f"{path.stem}--{tag}.ipynb"
    # papermill's own parameter inference misreads comments containing "=" and warns about parameters
    # it could not parse; the names were already checked above against the registry
    logging.getLogger("papermill").setLevel(logging.ERROR)
    try:
        pm.execute_notebook(str(path), str(out), parameters=params, cwd=str(path.parent), kernel_name="python3",
                            progress_bar=False, config=kernel_config())
    except pm.PapermillExecutionError as exc:  # the notebook's own error, in one line (the copy keeps the traceback)
        raise PlaybookError(f"{path.name} stopped ({exc.ename}): {exc.evalue}; executed copy: {out}") from exc
    return out
