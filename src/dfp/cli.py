"""``dfp``: the project's command line.

==========================================  ==================================================
``dfp generate [--out DIR] [--only NAME]``   regenerate the seeded sample data (``data/``)
``dfp run NOTEBOOK -p NAME VALUE ...``       run a notebook with other parameters (papermill)
``dfp execute [NOTEBOOK ...]``               re-execute notebooks in place (refresh stored outputs)
``dfp prime-cache CACHE``                    execute uncached book notebooks in parallel into the build cache
``dfp bench``                                time the build, nbval and every notebook
``dfp rules [--check]``                      regenerate the Prometheus SLO rules (or check they are current)
==========================================  ==================================================
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml

from dfp.errors import PlaybookError
from dfp.system import repo_root

__all__ = ["execute_notebook", "main", "notebook_parameters", "run_notebook"]


def _notebooks(paths: Sequence[str]) -> list[Path]:
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
    import ast

    import nbformat

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
    import time

    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(str(path), as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=timeout_s, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    elapsed = time.perf_counter() - t0
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, str(path))
    return elapsed


def run_notebook(path: Path, params: dict[str, object], out_dir: Path | None = None) -> Path:
    """Run ``path`` with ``params`` injected by papermill; write the executed copy and return its path.

    Parameters are checked against :data:`dfp.params.PARAMETERS` and against the notebook's own
    ``parameters`` cell before anything runs.
    """
    import papermill as pm

    from dfp.params import check_parameters

    path = path.resolve()
    known = notebook_parameters(path)
    unknown = sorted(set(params) - set(known))
    if unknown:
        raise PlaybookError(f"{path.name} has no parameter(s) {unknown}; its parameters are {sorted(known)}")
    check_parameters(**params)
    out_dir = out_dir or repo_root() / "_build" / "runs"
    out_dir.mkdir(parents=True, exist_ok=True)
    tag = "-".join(f"{k}={v}" for k, v in sorted(params.items())) or "defaults"
    tag = re.sub(r"[^A-Za-z0-9=._-]+", "_", tag)
    out = out_dir / f"{path.stem}--{tag}.ipynb"
    # papermill's own parameter inference misreads comments containing "=" and warns about parameters
    # it could not parse; the names were already checked above against the cell itself (by AST)
    logging.getLogger("papermill").setLevel(logging.ERROR)
    pm.execute_notebook(str(path), str(out), parameters=params, cwd=str(path.parent), kernel_name="python3",
                        progress_bar=False)
    return out


def _parse_value(text: str) -> object:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dfp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("generate", help="regenerate the seeded sample data")
    g.add_argument("--out", type=Path, default=None, help="output folder (default: data/)")
    g.add_argument("--only", action="append", default=None, help="dataset group (repeatable)")

    r = sub.add_parser("run", help="run a notebook with other parameter values")
    r.add_argument("notebook", type=Path)
    r.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    r.add_argument("--out", type=Path, default=None, help="folder for the executed copy (default: _build/runs)")

    e = sub.add_parser("execute", help="re-execute notebooks in place to refresh their stored outputs")
    e.add_argument("notebooks", nargs="*")

    pc = sub.add_parser("prime-cache", help="execute uncached book notebooks in parallel into the build cache")
    pc.add_argument("cache", type=Path, help="jupyter-cache folder (e.g. _build/.jupyter_cache)")
    pc.add_argument("--workers", type=int, default=2)

    b = sub.add_parser("bench", help="time the book build, nbval and each notebook")
    b.add_argument("--skip-build", action="store_true", help="only the notebook and calculation timings")

    rl = sub.add_parser("rules", help="regenerate the Prometheus SLO rules from data/slos")
    rl.add_argument("--check", action="store_true", help="exit 1 if the committed rules are stale")

    args = parser.parse_args(argv)
    try:
        if args.cmd == "generate":
            from dfp.generate import generate_all

            for fname, written in generate_all(args.out, only=args.only).items():
                print(f"{'wrote    ' if written else 'unchanged'} {fname}")
        elif args.cmd == "run":
            params = {k: _parse_value(v) for k, v in args.parameter}
            out = run_notebook(args.notebook, params, args.out)
            print(f"executed notebook written to {out}")
        elif args.cmd == "execute":
            for nb in _notebooks(args.notebooks):
                print(f"{execute_notebook(nb):6.1f} s  {nb.relative_to(repo_root())}")
        elif args.cmd == "prime-cache":
            from dfp.bookcache import prime

            done = prime(repo_root(), args.cache, workers=args.workers)
            for rel, seconds in done.items():
                print(f"{seconds:6.1f} s  {rel}")
        elif args.cmd == "bench":
            from dfp.bench import run_bench

            run_bench(skip_build=args.skip_build)
        elif args.cmd == "rules":
            from dfp.promrules import RULES_FILE, write_rules

            current = write_rules(check=args.check)
            if args.check and not current:
                print(f"{RULES_FILE} is stale: run `dfp rules`", file=sys.stderr)
                return 1
            print(f"{'unchanged' if current else 'wrote    '} {RULES_FILE}")
    except PlaybookError as exc:
        print(f"dfp {args.cmd}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
