"""Words and numbers for prose whose claim depends on a reader's parameters.

=================  ===================================================================
``percent``        a percentage with enough decimals to differ from 0 and 100 when it does
                   (:func:`dfp.book.numbers.percent`, the book's one number formatter)
``change_verb``    "rises" / "falls" / "stays" by the sign of a change
``count_range``    "3 to 4" or "4": a range that collapses when its ends meet or cross
``weight_flip``    "a cost weight of 0.31 instead of 0.25 hands it to X", or that no weight does
``counted``        "no false pages", "one false page", "3 false pages": a count with its noun agreeing
=================  ===================================================================
"""

from __future__ import annotations

import math

from dfp.book.numbers import number, percent
from dfp.core.errors import PlaybookError

__all__ = ["change_verb", "count_range", "counted", "percent", "weight_flip"]


def change_verb(before: float, after: float, up: str = "rises", down: str = "falls", same: str = "stays") -> str:
    """The verb for a change from ``before`` to ``after`` by its sign.

    >>> change_verb(97.8, 99.2), change_verb(97.8, 96.2), change_verb(1.0, 1.0)
    ('rises', 'falls', 'stays')
    """
    if after > before:
        return up
    if after < before:
        return down
    return same


def count_range(low: int, high: int) -> str:
    """A head-count range as text: "3 to 4", or one number when ``low >= high``.

    >>> count_range(3, 4), count_range(4, 4), count_range(20, 4)
    ('3 to 4', '4', '20')
    """
    return f"{low} to {high}" if low < high else f"{low}"


def weight_flip(criterion: str, weight: float, flip_at: float | None, new_winner: object) -> str:
    """Where a decision matrix's winner changes with one criterion's weight, as a clause.

    ``flip_at`` None or NaN: no weight in [0, 1] changes the winner (the sensitivity table's blank).

    >>> weight_flip("cost", 0.25, 0.3125, "buy")
    'a cost weight of 0.31 instead of 0.25 hands it to buy'
    >>> weight_flip("cost", 0.25, float("nan"), None)
    'no cost weight between 0 and 1 hands it to another option'
    """
    if flip_at is None or not math.isfinite(flip_at):
        return f"no {criterion} weight between 0 and 1 hands it to another option"
    return f"a {criterion} weight of {number(flip_at)} instead of {number(weight)} hands it to {new_winner}"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """A whole count with its noun: "no <plural>" for 0, "one <singular>" for 1, "<n> <plural>" otherwise
    (``plural`` defaults to ``singular + "s"``); counts print with thousands separators.

    >>> counted(0, "false page"), counted(1, "false page"), counted(2328, "page"), counted(3, "query", "queries")
    ('no false pages', 'one false page', '2,328 pages', '3 queries')
    """
    if isinstance(n, bool) or int(n) != n or n < 0:
        raise PlaybookError(f"counted: n must be a whole count >= 0; got {n!r}")
    many = plural if plural is not None else f"{singular}s"
    if n == 0:
        return f"no {many}"
    return f"one {singular}" if n == 1 else f"{int(n):,} {many}"
