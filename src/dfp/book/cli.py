"""``dfp``: the project's command line.

==========================================  ==================================================
``dfp generate [--out DIR] [--only NAME]``   regenerate the seeded sample data (``data/``)
``dfp run NOTEBOOK -p NAME VALUE ...``       run a notebook with other parameters (papermill)
``dfp execute [NOTEBOOK ...]``               re-execute notebooks in place (refresh stored outputs)
``dfp prime-cache CACHE``                    execute uncached book notebooks in parallel into the build cache
``dfp book [--output DIR]``                  build the book (lock, honest cache, progress); ``./run book``
``dfp bench``                                time the build, nbval and every notebook
``dfp rules [--check]``                      regenerate the Prometheus SLO rules (or check they are current)
``dfp dora [PATH] [--commits CSV] [--json]``  DORA metrics and levels of a deploy log (default: the platform's)
``dfp slo check FILE...``                    validate OpenSLO v1 files and print each SLO's error budget
``dfp slo backtest --slos F --series JSON``  backtest alert policies on a Prometheus query_range export
``dfp slo sample DIR``                       write a sample OpenSLO file and export to try the two above
``dfp focus check PATH``                     FOCUS 1.2 conformance report of a billing export (exit 1 on failures)
``dfp cost report PATH [--by COLUMN]``       monthly cost of a FOCUS export by a column (SQL files, DuckDB)
==========================================  ==================================================

``--data-dir DIR`` (before the command) reads input data from DIR instead of the repository's
``data/``; it sets ``DFP_DATA_DIR`` for the run, so every command sees the same folder.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from dfp.book import slocli
from dfp.book.bench import run_bench
from dfp.book.bookcache import prime
from dfp.book.build import build_book
from dfp.book.execute import execute_notebook, notebook_paths, run_notebook
from dfp.book.focus_cli import cost_report, focus_check
from dfp.book.params import parse_value
from dfp.core.errors import PlaybookError
from dfp.core.paths import DATA_DIR_ENV, repo_root
from dfp.delivery.report import run_dora
from dfp.generate import generate_all
from dfp.reliability.promrules import RULES_FILE, write_rules

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dfp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, default=None,
                        help=f"input data folder (default: ${DATA_DIR_ENV}, else the repository's data/)")
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

    bk = sub.add_parser("book", help="build the book: lock, execution cache keyed on data and code, progress")
    bk.add_argument("--output", type=Path, default=None,
                    help="folder that receives _build/ (default: $DFP_BOOK_OUTPUT or the checkout)")
    bk.add_argument("--workers", type=int, default=2)

    b = sub.add_parser("bench", help="time the book build, nbval and each notebook")
    b.add_argument("--skip-build", action="store_true", help="only the notebook and calculation timings")

    rl = sub.add_parser("rules", help="regenerate the Prometheus SLO rules from data/slos")
    rl.add_argument("--check", action="store_true", help="exit 1 if the committed rules are stale")

    dora = sub.add_parser("dora", help="DORA metrics and levels of a deploy log (CSV or GitHub deployments JSON)")
    dora.add_argument("path", type=Path, nargs="?", default=None,
                      help="deploy log: .csv (columns in dfp.io.deploylog) or GitHub .json; default: the platform's")
    dora.add_argument("--commits", type=Path, default=None, help="commits CSV (deploy_id, committed_at) for lead time")
    dora.add_argument("--environment", default="^prod", help="GitHub JSON: production environment regex (default ^prod)")
    dora.add_argument("--json", action="store_true", help="print JSON instead of text")
    so = sub.add_parser("slo", help="check OpenSLO files; backtest alert policies on a Prometheus export")
    so_sub = so.add_subparsers(dest="slo_cmd", required=True)
    sc = so_sub.add_parser("check", help="validate OpenSLO v1 files and print each SLO's error budget")
    sc.add_argument("files", nargs="+", type=Path, help="OpenSLO YAML files or folders")
    sb = so_sub.add_parser("backtest", help="replay a Prometheus query_range export through alert policies")
    sb.add_argument("--slos", type=Path, required=True, help="OpenSLO file or folder")
    sb.add_argument("--series", type=Path, required=True, action="append", help="query_range JSON (repeatable)")
    sb.add_argument("--policies", type=Path, default=None, help="alert policies (playbook format)")
    sb.add_argument("--max-gap-min", type=int, default=5, help="longest scrape gap spread over (minutes)")
    ss = so_sub.add_parser("sample", help="write a sample OpenSLO file and query_range export into a folder")
    ss.add_argument("folder", type=Path)
    fo = sub.add_parser("focus", help="FinOps FOCUS tools").add_subparsers(dest="focus_cmd", required=True)
    fc = fo.add_parser("check", help="FOCUS 1.2 conformance report of an export (CSV, CSV.gz, Parquet)")
    fc.add_argument("path", type=Path)
    fc.add_argument("--scope", choices=("any", "bill"), default="any", help="bill: also the platform bill's project rules")
    co = sub.add_parser("cost", help="cost reports on a FOCUS export").add_subparsers(dest="cost_cmd", required=True)
    cr = co.add_parser("report", help="monthly usage cost by a column, via the package's SQL files in DuckDB")
    cr.add_argument("path", type=Path)
    cr.add_argument("--by", default="ServiceName", help="column to group by (default ServiceName)")
    cr.add_argument("--top", type=int, default=6, help="largest groups shown; the rest are summed as other")

    args = parser.parse_args(argv)
    if args.data_dir is not None:
        os.environ[DATA_DIR_ENV] = str(args.data_dir.resolve())
    try:
        if args.cmd == "generate":

            t0 = time.perf_counter()
            print("== generating data/ from the seed, one dataset group at a time", flush=True)
            result = generate_all(args.out, only=args.only, progress=lambda line: print(line, flush=True))
            for fname, written in result.items():
                print(f"{'wrote    ' if written else 'unchanged'} {fname}")
            print(f"== generated {len(result)} files in {time.perf_counter() - t0:.1f} s")
        elif args.cmd == "run":
            params = {k: parse_value(v) for k, v in args.parameter}
            out = run_notebook(args.notebook, params, args.out)
            print(f"executed notebook written to {out}")
        elif args.cmd == "execute":
            t0 = time.perf_counter()
            paths = notebook_paths(args.notebooks)
            print(f"== executing {len(paths)} notebook(s) in place, one at a time", flush=True)
            for i, nb in enumerate(paths, 1):
                shown = nb.relative_to(repo_root()) if nb.is_relative_to(repo_root()) else nb
                print(f"   [{i}/{len(paths)}] {execute_notebook(nb):6.1f} s  {shown}", flush=True)
            print(f"== executed {len(paths)} notebook(s) in {time.perf_counter() - t0:.1f} s")
        elif args.cmd == "prime-cache":

            prime(repo_root(), args.cache, workers=args.workers)
        elif args.cmd == "book":

            index = build_book(repo_root(), args.output, workers=args.workers)
            print(f"\nBook built. Open: file://{index}")
        elif args.cmd == "bench":

            run_bench(skip_build=args.skip_build)
        elif args.cmd == "rules":

            current = write_rules(check=args.check)
            if args.check and not current:
                print(f"{RULES_FILE} is stale: run `dfp rules`", file=sys.stderr)
                return 1
            print(f"{'unchanged' if current else 'wrote    '} {RULES_FILE}")
        elif args.cmd == "dora":

            run_dora(args.path, args.commits, args.environment, args.json, sys.stdout)
        elif args.cmd == "slo":

            if args.slo_cmd == "check":
                print(slocli.check_report(args.files))
            elif args.slo_cmd == "backtest":
                print(slocli.backtest_report(args.slos, args.series, args.policies, args.max_gap_min))
            else:
                print("\n".join(f"wrote {p}" for p in slocli.write_sample(args.folder)))
        elif args.cmd == "focus":
            return focus_check(args.path, args.scope)
        elif args.cmd == "cost":
            return cost_report(args.path, args.by, args.top)
    except PlaybookError as exc:
        print(f"dfp {args.cmd}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
