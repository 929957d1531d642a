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
import sys
from collections.abc import Sequence
from pathlib import Path

from dfp.book.execute import execute_notebook, notebook_paths, run_notebook
from dfp.book.params import parse_value
from dfp.core.errors import PlaybookError
from dfp.core.paths import repo_root

__all__ = ["main"]


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
            params = {k: parse_value(v) for k, v in args.parameter}
            out = run_notebook(args.notebook, params, args.out)
            print(f"executed notebook written to {out}")
        elif args.cmd == "execute":
            for nb in notebook_paths(args.notebooks):
                print(f"{execute_notebook(nb):6.1f} s  {nb.relative_to(repo_root())}")
        elif args.cmd == "prime-cache":
            from dfp.book.bookcache import prime

            done = prime(repo_root(), args.cache, workers=args.workers)
            for rel, seconds in done.items():
                print(f"{seconds:6.1f} s  {rel}")
        elif args.cmd == "bench":
            from dfp.book.bench import run_bench

            run_bench(skip_build=args.skip_build)
        elif args.cmd == "rules":
            from dfp.reliability.promrules import RULES_FILE, write_rules

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
