"""``dfp bench``: the performance budgets, measured (a report, not a timed test).

Prints: clean book build (executing every notebook, empty cache), no-change rebuild, strict nbval
over every notebook, each notebook's execution time, every registered calculation case, and the FOCUS
scale benchmark (:mod:`dfp.book.focus_bench`: a 10-million-row export, DuckDB SQL against pandas).
Budgets on the 2-core reference machine: each notebook < 10 s, no-change rebuild < 10 s, whole
book clean build < 90 s.

To add a calculation case (e.g. a backtest over a year of minutes): append a ``(name, callable)``
to ``CASES`` in :func:`cases`; the callable runs the case once.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from dfp.architecture import decision
from dfp.architecture import model as architecture
from dfp.book.execute import execute_notebook, notebook_paths
from dfp.book.focus_bench import run_focus_bench
from dfp.capacity.sizing import cluster_plan
from dfp.core.paths import data_dir, repo_root
from dfp.cost import anomaly, projection
from dfp.cost import economics as cost
from dfp.delivery import canary
from dfp.delivery import dora as delivery
from dfp.generate import generate_all
from dfp.generate.sli import load_minutes
from dfp.io.data import load
from dfp.io.focus import load_billing
from dfp.io.openslo import load_slos
from dfp.io.policies import load_policies as load_platform_policies
from dfp.io.system import load_system
from dfp.pii.evaluation import evaluate
from dfp.pii.model import train_model
from dfp.reliability import alerting, promrules
from dfp.reliability.alerting import alert_episodes, load_policies, notifications, synthetic_series
from dfp.security import iam

__all__ = ["cases", "run_bench"]

BUDGETS_S = {"notebook": 10.0, "rebuild": 10.0, "clean build": 90.0}


def cases() -> list[tuple[str, Callable[[], object]]]:
    """Calculation cases timed by the benchmark (one home: sections add theirs here)."""

    def regenerate() -> object:
        with tempfile.TemporaryDirectory() as d:
            return generate_all(d)

    def cost_projection() -> object:

        billing, usage = load_billing(), load("usage_daily")
        monthly = cost.monthly_cost(billing)
        events = cost.events_per_billing_month(usage)
        model = projection.fit_cost_model(events.to_numpy()[-12:], monthly.to_numpy()[-12:])
        g = projection.estimate_growth(events.to_numpy()[-12:])
        return projection.project_cost(model, float(events.iloc[-1]), g.rate, 36, 0.0, g.sigma)

    def cost_anomalies() -> object:

        billing = load_billing()
        daily = cost.daily_cost(billing, by="ServiceName")
        return [anomaly.detect_cost_anomalies(daily[c]) for c in daily.columns] + [
            anomaly.detect_cost_anomalies(daily.sum(axis=1))]

    def dora_by_month() -> object:

        return delivery.dora_by_period(load("deployments"), load("commits"), load_system())

    def canary_false_alarms() -> object:


        return canary.simulate_canary(np.random.default_rng(1), 7000, 0.0004, 0.0004, 0.1, 10, 0.05, runs=4000)

    def iam_review() -> object:

        return iam.directory_findings(data_dir() / "security" / "iam")

    def decision_matrices() -> object:  # issue 5: every decision matrix with its exact flip points

        drivers = decision.drivers_at_target(load_system(), load("customers"))
        leaves = decision.decision_leaves(architecture.load_model())
        return [decision.evaluate(d, leaves, drivers) for d in decision.load_decisions().values()]

    def cluster_sweep() -> object:  # issue 5: M/M/c + bin-packing for 5 node types x 40 traffic levels

        kube = load_platform_policies()["kubernetes"]
        return [cluster_plan(kube, nt, 100.0 * m, 0.2) for nt in kube["node_types"] for m in range(1, 41)]

    def backtest_50_slos_one_year() -> object:

        series = synthetic_series(50, 365 * 1440, seed=20241101)
        return notifications(alert_episodes(load_policies(), series))

    return [
        ("generate all sample data", regenerate),
        ("DORA metrics for 24 months (load + compute)", dora_by_month),
        ("canary false-alarm simulation, 4000 rollouts x 10 looks", canary_false_alarms),
        ("IAM policy review of data/security/iam", iam_review),
        ("decision matrices with flip points (6 decisions)", decision_matrices),
        ("cluster plans, 5 node types x 40 traffic levels", cluster_sweep),
        ("alert backtest: 4 policies x 50 SLOs x 1 year of 1-minute data (incl. generating it)",
         backtest_50_slos_one_year),
        *_pii_cases(),
        ("cost: driver-based projection on 24 months of billing (load + FOCUS checks + fit)", cost_projection),
        ("cost: anomaly detection on 24 months of daily cost, total and per service", cost_anomalies),
    ]


def _pii_cases() -> list[tuple[str, Callable[[], object]]]:
    """AI PII flagging: training, scoring (per-field latency = time / fields), the full evaluation."""

    fields = load("pii_fields")
    train, test = fields[fields["split"] == "train"], fields[fields["split"] == "test"]
    model = train_model(train)
    return [
        (f"pii: train the model ({len(train):,} fields)", lambda: train_model(train)),
        (f"pii: score the test split ({len(test):,} fields; divide for per-field latency)",
         lambda: model.predict(test["field_name"], test["sample_value"], 0.5)),
        (f"pii: full evaluation (train, choose threshold, score {len(fields):,} fields)", lambda: evaluate(fields, 250.0, 5.0)),
    ]


def _timed(cmd: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.stdout.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        raise SystemExit(f"benchmark step failed: {' '.join(cmd)}")
    return elapsed


def _line(label: str, seconds: float, budget: float | None = None) -> None:
    verdict = "" if budget is None else ("  ok" if seconds < budget else f"  OVER BUDGET ({budget:g} s)")
    print(f"{seconds:8.2f} s  {label}{verdict}", flush=True)


def run_bench(skip_build: bool = False) -> None:
    """Run every measurement and print one line each."""

    root = repo_root()
    bin_dir = Path(sys.executable).parent
    if not skip_build:
        with tempfile.TemporaryDirectory() as tmp:
            build = [str(bin_dir / "jupyter-book"), "build", str(root), "--path-output", tmp, "-W", "-n", "--keep-going", "-q"]
            prime = [str(bin_dir / "python"), "-m", "dfp.book.cli", "prime-cache", str(Path(tmp) / "_build" / ".jupyter_cache")]
            primed = _timed(prime, root)
            built = _timed(build, root)
            _line("  of which: executing notebooks (2 workers)", primed)
            _line("  of which: Sphinx build from the primed cache", built)
            _line("clean book build (empty execution cache)", primed + built, BUDGETS_S["clean build"])
            # what `./run book` does when nothing changed: check the cache, then an incremental build
            t0 = time.perf_counter()
            _timed(prime, root)
            _timed(build, root)
            _line("no-change rebuild (cache check + incremental build)", time.perf_counter() - t0, BUDGETS_S["rebuild"])
        nbval = [str(bin_dir / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
                 "--nbval-sanitize-with", str(root / "tests" / "nbval_sanitize.cfg"), str(root / "notebooks")]
        _line("strict nbval over every notebook", _timed(nbval, root))
    with tempfile.TemporaryDirectory() as tmp:
        for nb in notebook_paths([]):
            # execute a copy (notebooks read data through the package, so the folder does not matter)
            rel = nb.relative_to(root / "notebooks")
            copy = Path(tmp) / rel
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(nb, copy)
            _line(f"notebook {rel}", execute_notebook(copy), BUDGETS_S["notebook"])
    for name, fn in cases():
        t0 = time.perf_counter()
        fn()
        _line(f"case: {name}", time.perf_counter() - t0)
    alerting_bench()
    run_focus_bench()   # a 10-million-row FOCUS export: DuckDB SQL against pandas (dfp.book.focus_bench)


def _lower_bound_s(series: list, windows: list[int]) -> float:
    """numpy's floor for the backtest: a bare cumulative sum and windowed difference per window, same points."""

    t0 = time.perf_counter()
    for s in series:
        b, t = np.cumsum(s.bad, dtype=float), np.cumsum(s.total, dtype=float)
        for w in windows:
            _ = b[w:] - b[:-w]
            _ = t[w:] - t[:-w]
    return time.perf_counter() - t0


def alerting_bench(n_slos: tuple[int, ...] = (5, 50), years: float = 1.0, replay_days: int = 30) -> None:
    """The alert backtest: time against numpy's lower bound, peak memory as SLOs are added, and promtool.

    1. Time: :func:`dfp.reliability.alerting.backtest` (four policies) over 5 one-year series in
       memory, against :func:`_lower_bound_s` over the same points (best of three each).
    2. Memory: peak traced allocation of the backtest over ``n_slos`` one-year synthetic series,
       generated one at a time as it reads them; it should not grow with the number of SLOs.
    3. promtool: the generated rules (alerts and the recordings they read) replayed over
       ``replay_days`` days of one SLO's minutes with ``promtool test rules``, which must expect
       exactly the backtest's firing state at every minute; prints both times and their ratio.
    """


    pols = alerting.load_policies()
    windows = sorted({w for p in pols for r in p.rules for w in r.windows_min})
    n = int(years * 365 * 1440)
    five = synthetic_series(5, n, seed=7)
    lower = min(_lower_bound_s(five, windows) for _ in range(3))
    spent = []
    for _ in range(3):
        t0 = time.perf_counter()
        alerting.backtest(pols, five, [], 52 * years, 4, 60.0, 20.0)
        spent.append(time.perf_counter() - t0)
    _line(f"alert backtest, 4 policies x 5 SLOs x {years:g} year ({5 * n / 1e6:.1f} M points)", min(spent))
    _line(f"  numpy lower bound (cumulative sum + {len(windows)} windowed differences, same points); "
          f"backtest / bound = {min(spent) / lower:.2f}", lower)
    for k in n_slos:
        def source(k: int = k) -> Iterator[alerting.SliSeries]:
            return (synthetic_series(1, n, seed=1000 + i)[0] for i in range(k))

        tracemalloc.start()
        t0 = time.perf_counter()
        alerting.backtest(pols, source, [], 52 * years, 4, 60.0, 20.0)
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        _line(f"alert backtest streamed over {k} SLOs x {years:g} year (incl. generating each series twice): "
              f"peak {peak / 1e6:,.0f} MB = {peak / (k * n):.2f} bytes per input point", elapsed)
    _promtool_replay(replay_days)


def _promtool_replay(days: int) -> None:


    if shutil.which("promtool") is None:
        print("promtool not found: install the Debian package 'prometheus' for the replay benchmark", flush=True)
        return
    sim = load_minutes()
    spec = next(s for s in load_slos() if s.name == "processing-latency")
    pol = next(p for p in alerting.load_policies() if p.adopted)
    total, bad = sim.counts[(spec.name, "us-east-1")]
    start = load_system().incident("INC-01").impact_start.normalize() - pd.Timedelta(days=1)
    a = int((start - sim.start) / pd.Timedelta(minutes=1))
    b = a + days * 1440
    series = alerting.SliSeries(spec.name, "us-east-1", spec.slo_target, spec.period_days, start, bad[a:b], total[a:b])
    t0 = time.perf_counter()
    for sev in ("page", "ticket"):
        alerting.firing(series, pol.rules, sev)
    ours = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        # the 30-day period recording (meta) is left out: no alert reads it, and it multiplies promtool's time
        run = promrules.run_replay(spec, pol, series, Path(tmp), meta=False)
    verdict = "same firing minutes" if run.passed else "DIFFERENT firing minutes:\n" + run.output[-2000:]
    _line(f"promtool replay of the generated rules, {days} days of {spec.name} ({run.minutes:,} minutes): {verdict}",
          run.seconds)
    _line(f"  backtest of the same series; promtool / backtest = {run.seconds / max(ours, 1e-9):,.0f}x", ours)
