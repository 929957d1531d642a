"""Canary analysis as a statistical test: is the canary's error ratio worse than the baseline's?

=============================  ====================================================================
``two_proportion_test``         one-sided pooled z-test of canary vs baseline error ratios
``exact_conditional_test``      one-sided exact test: canary's share of all errors vs its share of traffic
``required_canary_requests``    requests the canary needs to detect a regression (alpha, power)
``detection_power``             power of the test after a given number of canary requests
``minutes_to_detect``           wall-clock minutes for the canary to collect those requests
``detectable_error_ratio``      the smallest canary error ratio a given number of requests can detect
``simulate_canary``             seeded simulation of a canary judged every minute (detection, alarms)
``step_verdict``                the judge of one canary step from per-minute cumulative counts
``canary_study``                a canary step against one incident: sizing, simulated detection and alarms
``incident_exposure``           failed events of an incident as it happened and with a canary in front
``detection_sweep``             minutes to detect regressions of several sizes at a given traffic
``study_table``                 a :class:`CanaryStudy` as a labelled table with units
``exposure_table``              an incident's failed events as it happened and with the canary
``step_reach``                  what one step detects: events and minutes to a target, smallest regression
=============================  ====================================================================

The test. Canary and baseline serve the same traffic mix; the canary gets ``canary_share`` of it.
With ``x_c`` errors in ``n_c`` canary requests and ``x_b`` in ``n_b`` baseline requests, the
pooled ratio is ``p = (x_c + x_b) / (n_c + n_b)`` and

    z = (x_c/n_c - x_b/n_b) / sqrt(p (1 - p) (1/n_c + 1/n_b))

The canary fails when ``z > z_{1-alpha}`` (one-sided: only a worse canary matters).

With rare errors (a few expected per minute) the normal approximation is anti-conservative: it
raises more false alarms than ``alpha``. The exact alternative conditions on the total number of
errors ``x = x_c + x_b``: under "canary no worse", each error lands on the canary with probability
``s = n_c / (n_c + n_b)``, so ``p-value = P(Binomial(x, s) >= x_c)`` (the conditional binomial test
for two Poisson rates; Przyborowski & Wilenski, Biometrika 31, 1940). Its false-alarm rate is at most
``alpha`` for any traffic.

Sample size (the normal-approximation closed form for two proportions with a pooled variance
under the null, e.g. Fleiss, Levin & Paik, *Statistical Methods for Rates and Proportions*, 3rd ed.,
2003, section 4.2, without the continuity correction; Chow, Shao & Wang, *Sample Size Calculations
in Clinical Research*, 2nd ed., 2008, section 4.2). With ``k = n_b / n_c = (1 - s) / s`` for a
canary share ``s``, ``p_bar = (p_c + k p_b) / (1 + k)`` and ``d = p_c - p_b``:

    n_c = ( z_{1-alpha} sqrt(p_bar (1 - p_bar) (1 + 1/k)) + z_{1-beta} sqrt(p_c (1 - p_c) + p_b (1 - p_b) / k) )^2 / d^2

where ``1 - beta`` is the power. For ``k = 1`` this is the textbook equal-groups formula.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import binom, norm

from dfp.core.checks import check_fraction, check_non_negative, check_positive
from dfp.core.errors import PlaybookError

__all__ = [
    "CanaryExposure",
    "CanarySimulation",
    "CanaryStudy",
    "StepReach",
    "StepVerdict",
    "TwoProportionTest",
    "canary_study",
    "detectable_error_ratio",
    "detection_power",
    "detection_sweep",
    "exact_conditional_test",
    "exposure_table",
    "incident_exposure",
    "minutes_to_detect",
    "required_canary_requests",
    "simulate_canary",
    "step_reach",
    "step_verdict",
    "study_table",
    "two_proportion_test",
]


@dataclass(frozen=True)
class TwoProportionTest:
    """Result of the one-sided canary test."""

    canary_error_ratio: float
    baseline_error_ratio: float
    z: float
    p_value: float           # P(Z >= z) under "canary no worse"
    regression: bool         # z > z_{1-alpha}


def two_proportion_test(x_c: int, n_c: int, x_b: int, n_b: int, alpha: float = 0.05) -> TwoProportionTest:
    """One-sided pooled two-proportion z-test (formula in the module docstring).

    Args:
        x_c, n_c: canary errors and requests. x_b, n_b: baseline errors and requests.
        alpha: false-alarm probability of one test, in (0, 1).

    >>> t = two_proportion_test(30, 1000, 100, 9000)
    >>> round(t.z, 3), t.regression
    (5.003, True)
    """
    alpha = check_fraction("alpha", alpha)
    for name, x, n in (("canary", x_c, n_c), ("baseline", x_b, n_b)):
        if n <= 0 or x < 0 or x > n:
            raise PlaybookError(f"two_proportion_test: {name} needs 0 <= errors <= requests and requests > 0;"
                                f" got {x} errors in {n}")
    pc, pb = x_c / n_c, x_b / n_b
    p = (x_c + x_b) / (n_c + n_b)
    se = math.sqrt(p * (1 - p) * (1 / n_c + 1 / n_b))
    z = 0.0 if se == 0 else (pc - pb) / se
    pval = float(norm.sf(z))
    return TwoProportionTest(pc, pb, z, pval, bool(z > norm.isf(alpha)))


def exact_conditional_test(x_c: int, n_c: int, x_b: int, n_b: int, alpha: float = 0.05) -> TwoProportionTest:
    """One-sided exact conditional test (module docstring); ``z`` holds the z-statistic for reference.

    >>> t = exact_conditional_test(3, 1000, 1, 9000)   # 3 of 4 errors on a 10 % canary
    >>> round(t.p_value, 4), t.regression              # P(Bin(4, 0.1) >= 3) = 0.0037
    (0.0037, True)
    """
    z = two_proportion_test(x_c, n_c, x_b, n_b, alpha)
    pval = float(binom.sf(x_c - 1, x_c + x_b, n_c / (n_c + n_b))) if x_c > 0 else 1.0
    return TwoProportionTest(z.canary_error_ratio, z.baseline_error_ratio, z.z, pval, bool(pval <= alpha))


def _check(p_base: float, p_canary: float, alpha: float, power: float, canary_share: float) -> tuple[float, ...]:
    p_base = check_fraction("p_base", p_base)
    p_canary = check_fraction("p_canary", p_canary)
    if p_canary <= p_base:
        raise PlaybookError(f"p_canary must be greater than p_base (a regression); got {p_canary} <= {p_base}")
    return (p_base, p_canary, check_fraction("alpha", alpha), check_fraction("power", power),
            check_fraction("canary_share", canary_share))


def required_canary_requests(p_base: float, p_canary: float, alpha: float = 0.05, power: float = 0.8,
                             canary_share: float = 0.5) -> float:
    """Canary requests needed to detect ``p_base -> p_canary`` (closed form in the module docstring).

    Args:
        p_base: baseline error ratio, in (0, 1).
        p_canary: the regressed canary error ratio to detect, in (p_base, 1).
        alpha: one-sided false-alarm probability. power: detection probability (1 - beta).
        canary_share: the canary's share of traffic ``s``; the baseline gets the rest, ``k = (1-s)/s``.

    Returns:
        ``n_c``, canary requests (not rounded; take the ceiling for a plan).

    >>> round(required_canary_requests(0.001, 0.002, 0.05, 0.8, 0.5))
    18519
    """
    p_b, p_c, alpha, power, s = _check(p_base, p_canary, alpha, power, canary_share)
    k = (1 - s) / s
    p_bar = (p_c + k * p_b) / (1 + k)
    za, zb = norm.isf(alpha), norm.isf(1 - power)
    num = za * math.sqrt(p_bar * (1 - p_bar) * (1 + 1 / k)) + zb * math.sqrt(p_c * (1 - p_c) + p_b * (1 - p_b) / k)
    return float(num**2 / (p_c - p_b) ** 2)


def detection_power(n_canary: float, p_base: float, p_canary: float, alpha: float = 0.05,
                    canary_share: float = 0.5) -> float:
    """Probability the test flags the regression after ``n_canary`` canary requests (inverse of the above).

    ``power = Phi( (d sqrt(n_c) - z_{1-alpha} sqrt(p_bar q_bar (1 + 1/k))) / sqrt(p_c q_c + p_b q_b / k) )``.

    >>> n = required_canary_requests(0.001, 0.002, 0.05, 0.8, 0.1)
    >>> round(detection_power(n, 0.001, 0.002, 0.05, 0.1), 6)
    0.8
    """
    n_canary = check_positive("n_canary", n_canary)
    p_b, p_c, alpha, _, s = _check(p_base, p_canary, alpha, 0.5, canary_share)
    k = (1 - s) / s
    p_bar = (p_c + k * p_b) / (1 + k)
    za = norm.isf(alpha)
    num = (p_c - p_b) * math.sqrt(n_canary) - za * math.sqrt(p_bar * (1 - p_bar) * (1 + 1 / k))
    return float(norm.cdf(num / math.sqrt(p_c * (1 - p_c) + p_b * (1 - p_b) / k)))


def minutes_to_detect(requests_per_min: float, p_base: float, p_canary: float, alpha: float = 0.05,
                      power: float = 0.8, canary_share: float = 0.1) -> float:
    """Minutes of traffic the canary needs: ``n_c / (requests_per_min * canary_share)``.

    Args:
        requests_per_min: all traffic of the service (canary + baseline), requests/min, > 0.

    >>> round(minutes_to_detect(10_000, 0.001, 0.002, canary_share=0.1), 2)
    9.24
    """
    requests_per_min = check_positive("requests_per_min", requests_per_min)
    n = required_canary_requests(p_base, p_canary, alpha, power, canary_share)
    return n / (requests_per_min * canary_share)


def detectable_error_ratio(n_canary: float, p_base: float, alpha: float = 0.05, power: float = 0.8,
                           canary_share: float = 0.1) -> float:
    """The smallest canary error ratio ``p_c`` that ``n_canary`` requests detect with the given power.

    Solves ``required_canary_requests(p_base, p_c, ...) = n_canary`` for ``p_c`` in ``(p_base, 1)``
    (the requirement falls as ``p_c`` rises). Returns 1.0 if not even ``p_c`` near 1 is detectable.

    >>> n = required_canary_requests(0.001, 0.003, canary_share=0.1)
    >>> round(detectable_error_ratio(n, 0.001, canary_share=0.1), 6)
    0.003
    """
    n_canary = check_positive("n_canary", n_canary)
    p_base = check_fraction("p_base", p_base)
    hi = 1 - 1e-9
    if required_canary_requests(p_base, hi, alpha, power, canary_share) > n_canary:
        return 1.0
    lo = p_base * (1 + 1e-9) + 1e-15
    return float(brentq(lambda p: required_canary_requests(p_base, p, alpha, power, canary_share) - n_canary,
                        lo, hi, xtol=1e-12))


@dataclass(frozen=True)
class CanarySimulation:
    """Outcome of :func:`simulate_canary` over ``runs`` seeded canary rollouts."""

    runs: int
    flagged_ratio: float            # runs in which the canary was failed at some look
    median_minutes_to_flag: float   # among flagged runs; NaN if none flagged
    per_look_alpha: float


def simulate_canary(rng: np.random.Generator, requests_per_min: float, p_base: float, p_canary: float,
                    canary_share: float = 0.1, minutes: int = 30, alpha: float = 0.05, runs: int = 2000,
                    bonferroni: bool = True, method: str = "exact") -> CanarySimulation:
    """Simulate canaries judged every minute on cumulative counts; return how often and when they fail.

    With ``p_canary == p_base`` the flagged ratio is the false-alarm rate of the whole analysis;
    judging every minute at the same ``alpha`` inflates it, so by default each look uses
    ``alpha / minutes`` (Bonferroni), which keeps the overall false-alarm rate at or below ``alpha``.

    Args:
        rng: the seeded random stream (determinism). requests_per_min: total traffic, > 0.
        p_base, p_canary: true error ratios (``p_canary >= p_base``). minutes: looks, one per minute.
        runs: simulated rollouts.
        method: ``"exact"`` (conditional binomial test, the default) or ``"z"`` (pooled z-test).
    """
    if method not in ("exact", "z"):
        raise PlaybookError(f"simulate_canary: method must be 'exact' or 'z'; got {method!r}")
    requests_per_min = check_positive("requests_per_min", requests_per_min)
    p_base = check_fraction("p_base", p_base)
    p_canary = check_fraction("p_canary", p_canary)
    s = check_fraction("canary_share", canary_share)
    alpha = check_fraction("alpha", alpha)
    check_non_negative("minutes", minutes)
    if minutes < 1 or runs < 1:
        raise PlaybookError(f"simulate_canary: minutes and runs must be >= 1; got {minutes}, {runs}")
    n_c = np.full(minutes, requests_per_min * s).round().astype(np.int64)
    n_b = np.full(minutes, requests_per_min * (1 - s)).round().astype(np.int64)
    if n_c[0] < 1 or n_b[0] < 1:
        raise PlaybookError(f"simulate_canary: fewer than one canary request a minute at {requests_per_min} req/min"
                            f" and canary_share {s}")
    xc = rng.binomial(n_c, p_canary, size=(runs, minutes)).cumsum(axis=1)
    xb = rng.binomial(n_b, p_base, size=(runs, minutes)).cumsum(axis=1)
    nc, nb = n_c.cumsum(), n_b.cumsum()
    p = (xc + xb) / (nc + nb)
    se = np.sqrt(p * (1 - p) * (1 / nc + 1 / nb))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, (xc / nc - xb / nb) / se, 0.0)
    per_look = alpha / minutes if bonferroni else alpha
    if method == "z":
        hit = z > norm.isf(per_look)
    else:
        pval = np.where(xc > 0, binom.sf(xc - 1, xc + xb, nc / (nc + nb)), 1.0)
        hit = pval <= per_look
    flagged = hit.any(axis=1)
    first = np.where(flagged, hit.argmax(axis=1) + 1, 0)
    med = float(np.median(first[flagged])) if flagged.any() else float("nan")
    return CanarySimulation(runs, float(flagged.mean()), med, per_look)


@dataclass(frozen=True)
class StepVerdict:
    """The judge's decision on one canary step."""

    status: str      # "fail" (regression), "pass" (enough events, no failed look), "wait", "timeout"
    minute: int      # the look that decided; the number of looks so far for "wait"/"timeout"
    p_value: float   # exact conditional p-value at that look (1.0 before any look)


def step_verdict(canary_errors: list[int], canary_events: list[int], baseline_errors: list[int],
                 baseline_events: list[int], alpha: float, max_minutes: int, min_canary_events: float) -> StepVerdict:
    """Judge a canary step from cumulative counts, one entry per minute (the policy of the delivery section).

    At each look ``i`` the exact conditional test runs at ``alpha / max_minutes`` (Bonferroni over every
    look the step may take): a rejection fails the step at once. Otherwise the step passes at the first
    look where the canary has at least ``min_canary_events`` events. With no decision the step keeps
    waiting, and times out (the rollout aborts, safe by default) once ``max_minutes`` looks are spent.

    >>> step_verdict([0, 1, 1], [500, 1000, 1500], [2, 4, 6], [4500, 9000, 13500], 0.05, 60, 1200)
    StepVerdict(status='pass', minute=3, p_value=0.5217031)
    """
    alpha = check_fraction("alpha", alpha)
    if max_minutes < 1:
        raise PlaybookError(f"step_verdict: max_minutes must be >= 1; got {max_minutes}")
    check_positive("min_canary_events", min_canary_events)
    series = (canary_errors, canary_events, baseline_errors, baseline_events)
    n = len(canary_errors)
    if any(len(x) != n for x in series) or n > max_minutes:
        raise PlaybookError(f"step_verdict: the four count series need equal lengths <= max_minutes ({max_minutes});"
                            f" got {[len(x) for x in series]}")
    per_look = alpha / max_minutes
    p = 1.0
    for i in range(n):
        if i and any(x[i] < x[i - 1] for x in series):
            raise PlaybookError(f"step_verdict: counts must be cumulative (non-decreasing); minute {i + 1} decreases")
        t = exact_conditional_test(canary_errors[i], canary_events[i], baseline_errors[i], baseline_events[i],
                                   per_look)
        p = round(t.p_value, 7)
        if t.regression:
            return StepVerdict("fail", i + 1, p)
        if canary_events[i] >= min_canary_events:
            return StepVerdict("pass", i + 1, p)
    return StepVerdict("timeout" if n == max_minutes else "wait", n, p)


@dataclass(frozen=True)
class CanaryStudy:
    """A canary step held against one incident's traffic (:func:`canary_study`). Ratios are fractions."""

    requests_per_min: float          # all traffic at the incident's hour (events/min)
    canary_per_min: float            # of which the canary (events/min)
    p_base: float                    # baseline error ratio
    p_bad: float                     # the bad change's error ratio
    look_alpha: float                # alpha per look (Bonferroni over the step's minutes)
    required_events: float           # canary events needed (closed form)
    detect_min: int                  # first one-minute look that has them (>= 1)
    caught: CanarySimulation         # bad change, exact test, Bonferroni
    false_alarms: CanarySimulation   # good change, exact test, Bonferroni
    false_alarms_z: CanarySimulation       # good change, z-test, Bonferroni
    false_alarms_naive: CanarySimulation   # good change, exact test, every look at alpha
    one_look_z: CanarySimulation     # one look at the per-look alpha, z-test
    one_look_exact: CanarySimulation  # one look at the per-look alpha, exact test


def canary_study(rng: np.random.Generator, requests_per_min: float, p_base: float, p_bad: float,
                 canary_share: float, minutes: int, alpha: float, power: float) -> CanaryStudy:
    """Size a canary step for a regression ``p_base -> p_bad`` and simulate it (runs: 2000, 4000, 200 000).

    ``detect_min = max(1, ceil(required_events / (requests_per_min * canary_share)))``: the step is
    judged once a minute, so the first look is the earliest. The simulations draw from ``rng`` in a
    fixed order (caught, false alarms exact / z / uncorrected, one look z / exact), so a seeded stream
    gives the same study every time.

    Args:
        rng: the seeded random stream. requests_per_min: all traffic (events/min), > 0.
        p_base, p_bad: error ratios in (0, 1). canary_share: share of traffic in the canary, in (0, 1).
        minutes: the step's longest run, one look a minute. alpha: false-alarm probability of the
            whole step. power: detection probability the sample size is planned for.

    >>> st = canary_study(np.random.default_rng(1), 6000, 0.0004, 0.02, 0.1, 120, 0.05, 0.8)
    >>> st.detect_min, round(st.caught.flagged_ratio, 2)
    (1, 1.0)
    """
    look_alpha = check_fraction("alpha", alpha) / minutes
    n = required_canary_requests(p_base, p_bad, look_alpha, power, canary_share)
    per_min = check_positive("requests_per_min", requests_per_min) * canary_share
    sim = {}
    for key, p_c, runs, look_minutes, kw in (
        ("caught", p_bad, 2000, minutes, {}),
        ("false_alarms", p_base, 4000, minutes, {}),
        ("false_alarms_z", p_base, 4000, minutes, {"method": "z"}),
        ("false_alarms_naive", p_base, 4000, minutes, {"bonferroni": False}),
        ("one_look_z", p_base, 200_000, 1, {"bonferroni": False, "method": "z"}),
        ("one_look_exact", p_base, 200_000, 1, {"bonferroni": False}),
    ):
        a = alpha if look_minutes == minutes else look_alpha
        sim[key] = simulate_canary(rng, requests_per_min, p_base, p_c, canary_share, look_minutes, a, runs=runs, **kw)
    return CanaryStudy(float(requests_per_min), per_min, p_base, p_bad, look_alpha, n,
                       max(1, math.ceil(n / per_min)), **sim)


@dataclass(frozen=True)
class CanaryExposure:
    """Failed events of one incident as it happened and with a canary in front (:func:`incident_exposure`)."""

    impact_min: float          # minutes every event went through the bad change
    rollback_min: float        # minutes from the failed look to the stable version serving everything
    canary_min: float          # minutes the canary was exposed: detection + rollback
    canary_share: float        # share of traffic the canary took (fraction)
    actual_failed: float       # events failed as it happened
    canary_failed: float       # events failed with the canary
    reduction: float           # actual / canary


def incident_exposure(study: CanaryStudy, impact_min: float, rollback_min: float,
                      actual_failed: float | None = None) -> CanaryExposure:
    """Failed events: ``p_bad * rate * impact_min`` against ``p_bad * canary_rate * (detect_min + rollback_min)``.

    With ``actual_failed`` (the failures the SLI data measured, e.g.
    ``dfp.reliability.incidents.incident_figures(...).bad_events``) the actual count is that number and
    the canary's is the measured failures per minute times the canary's share and minutes:
    ``actual_failed / impact_min * share * (detect_min + rollback_min)``.

    >>> st = canary_study(np.random.default_rng(1), 6000, 0.0004, 0.02, 0.1, 120, 0.05, 0.8)
    >>> e = incident_exposure(st, 46.0, 1.5)
    >>> round(e.actual_failed), round(e.canary_failed), round(e.reduction)
    (5520, 30, 184)
    >>> round(incident_exposure(st, 46.0, 1.5, actual_failed=4600).canary_failed)
    25
    """
    impact_min = check_non_negative("impact_min", impact_min)
    rollback_min = check_non_negative("rollback_min", rollback_min)
    canary_min = study.detect_min + rollback_min
    if actual_failed is None:
        actual = study.p_bad * study.requests_per_min * impact_min
        with_canary = study.p_bad * study.canary_per_min * canary_min
    else:
        actual = check_non_negative("actual_failed", actual_failed)
        share = study.canary_per_min / study.requests_per_min
        with_canary = actual / check_positive("impact_min", impact_min) * share * canary_min
    return CanaryExposure(impact_min, rollback_min, canary_min, study.canary_per_min / study.requests_per_min,
                          actual, with_canary, actual / with_canary)


def exposure_table(e: CanaryExposure) -> pd.DataFrame:
    """As it happened against with the canary: exposed share, minutes exposed, failed events."""
    return pd.DataFrame({"exposed share": [1.0, e.canary_share], "minutes exposed": [e.impact_min, e.canary_min],
                         "failed events": [e.actual_failed, e.canary_failed]},
                        index=["what happened (rolling sync)", "with the canary"])


@dataclass(frozen=True)
class StepReach:
    """What one canary step can see at a target error ratio and within its longest run (:func:`step_reach`)."""

    target_events: float                 # canary events to detect the target error ratio
    target_min: dict[str, float]         # minutes that takes at each traffic level
    detectable_factor: dict[str, float]  # smallest detectable canary/baseline ratio within the step, per level


def step_reach(requests_per_min: dict[str, float], p_base: float, p_target: float, minutes: int, look_alpha: float,
               power: float, canary_share: float) -> StepReach:
    """Events and minutes to detect ``p_target``, and the smallest regression a ``minutes`` step detects.

    ``detectable_factor[k] = detectable_error_ratio(rate_k * share * minutes) / p_base``.

    >>> r = step_reach({"peak": 10_000.0}, 0.001, 0.002, 120, 0.05 / 120, 0.8, 0.1)
    >>> round(r.target_min["peak"], 1), r.detectable_factor["peak"] < 2
    (24.1, True)
    """
    n = required_canary_requests(p_base, p_target, look_alpha, power, canary_share)
    return StepReach(
        n,
        {k: minutes_to_detect(r, p_base, p_target, look_alpha, power, canary_share) for k, r in requests_per_min.items()},
        {k: detectable_error_ratio(r * canary_share * minutes, p_base, look_alpha, power, canary_share) / p_base
         for k, r in requests_per_min.items()},
    )


def detection_sweep(requests_per_min: dict[str, float], p_base: float, factors: np.ndarray, alpha: float,
                    power: float, canary_share: float) -> dict[str, list[float]]:
    """Minutes to detect a canary error ratio of ``p_base * factor``, for each named traffic level.

    >>> detection_sweep({"peak": 10_000}, 0.001, np.array([2.0]), 0.05, 0.8, 0.1)["peak"][0] > 0
    True
    """
    return {k: [minutes_to_detect(r, p_base, p_base * float(f), alpha, power, canary_share) for f in factors]
            for k, r in requests_per_min.items()}


def study_table(st: CanaryStudy, incident_id: str) -> pd.DataFrame:
    """The study's figures with human labels and units: ratios and the per-look alpha as fractions (shown
    as %), percentages of runs as %, the canary events needed rounded up to a whole event (a plan needs
    ``ceil(required_events)`` of them).

    >>> t = study_table(canary_study(np.random.default_rng(1), 6000, 0.0004, 0.02, 0.1, 120, 0.05, 0.8), "INC-03")
    >>> t.loc["canary events needed (closed form, rounded up)", "value"], t.loc["alpha per look (Bonferroni)", "unit"]
    (218, 'fraction')
    """
    rows = [
        (f"traffic at {incident_id}'s hour", st.requests_per_min, "events/min"),
        ("of which the canary", st.canary_per_min, "events/min"),
        ("baseline error ratio", st.p_base, "fraction"),
        ("canary error ratio (bad config)", st.p_bad, "fraction"),
        ("alpha per look (Bonferroni)", st.look_alpha, "fraction"),
        ("canary events needed (closed form, rounded up)", math.ceil(st.required_events), "canary events"),
        ("minutes to detect (closed form)", st.detect_min, "min"),
        ("simulated rollouts caught", 100 * st.caught.flagged_ratio, "% of runs"),
        ("simulated minute of detection (median)", st.caught.median_minutes_to_flag, "min"),
        ("false alarms: exact test, Bonferroni", 100 * st.false_alarms.flagged_ratio, "% of good rollouts"),
        ("false alarms: z-test, Bonferroni", 100 * st.false_alarms_z.flagged_ratio, "% of good rollouts"),
        ("false alarms: exact test, no correction", 100 * st.false_alarms_naive.flagged_ratio, "% of good rollouts"),
    ]
    values = pd.Series([r[1] for r in rows], index=[r[0] for r in rows], dtype=object)  # the count stays an int
    return pd.DataFrame({"value": values, "unit": [r[2] for r in rows]})
