"""The one seeded generator of the committed sample data in ``data/``.

Run it with ``dfp generate`` (or ``python -m dfp.generate``). Every dataset module exposes
``generate(system, rng) -> dict[filename, DataFrame]``; each gets its own random stream derived
from ``sample_data.seed`` in ``system.yml`` and the module's name, so adding a dataset never
changes another's numbers.

(``dfp.generate.focus_sample`` is not one of them: it writes a second, differently shaped FOCUS export on
demand, for tests and the scale benchmark, and nothing in ``data/``.)

Determinism: same seed and same ``system.yml`` give byte-identical files (CSV with fixed
formatting; ``.gz`` written with a zero timestamp and no file name). A file whose content did not
change is not rewritten, so regenerating leaves unchanged files untouched.
"""

from __future__ import annotations

import gzip
import io
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.generate import billing, business, delivery, pii, reliability, security
from dfp.generate.seed import rng_for
from dfp.io.schema import validate_frame
from dfp.io.schemas import SCHEMAS
from dfp.io.system import System, load_system

__all__ = ["DATASETS", "generate_all", "rng_for", "to_csv_bytes"]

Generator = Callable[[System, np.random.Generator], dict[str, pd.DataFrame]]


def _datasets() -> dict[str, Generator]:

    return {
        "business": business.generate,
        "billing": billing.generate,
        "security": security.generate,
        "reliability": reliability.generate,
        "delivery": delivery.generate,  # after reliability: the error-budget freezes come from the SLI history
        "pii": pii.generate,
    }


DATASETS: Callable[[], dict[str, Generator]] = _datasets


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """Serialise a frame the one deterministic way: UTF-8, ``\\n`` line ends, no index."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def _encode(name: str, payload: bytes) -> bytes:
    if name.endswith(".gz"):
        out = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0, compresslevel=9) as gz:
            gz.write(payload)
        return out.getvalue()
    return payload


def _current_payload(path: Path) -> bytes | None:
    if not path.is_file():
        return None
    raw = path.read_bytes()
    return gzip.decompress(raw) if path.name.endswith(".gz") else raw


def generate_all(
    out_dir: Path | str | None = None,
    system: System | None = None,
    only: Iterable[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, bool]:
    """Generate every dataset (or those named in ``only``) into ``out_dir`` (default ``data/``).

    Each frame is validated against its schema before it is written. ``progress``, when given,
    receives one line per dataset group as it finishes (seconds, group, files written).

    Returns:
        ``{filename: written}``; ``written`` is False when the file already held the same content.
    """

    system = system or load_system()
    out = Path(out_dir) if out_dir is not None else data_dir()
    out.mkdir(parents=True, exist_ok=True)
    by_file = {s.file: s for s in SCHEMAS.values()}
    registry = DATASETS()
    names = list(registry) if only is None else list(only)
    unknown = [n for n in names if n not in registry]
    if unknown:
        raise PlaybookError(f"unknown dataset group(s) {unknown}; known: {sorted(registry)}")
    result: dict[str, bool] = {}
    for name in names:
        t0 = time.perf_counter()
        frames = registry[name](system, rng_for(system, name))
        for fname, frame in frames.items():
            if fname not in by_file:
                raise PlaybookError(f"generator {name!r} wrote {fname!r}, which has no schema in dfp.io.schemas")
            payload = to_csv_bytes(frame)
            # round-trip through the loader's validation so a generator bug cannot ship bad data
            validate_frame(pd.read_csv(io.BytesIO(payload), dtype=str, keep_default_na=False), by_file[fname], fname)
            path = out / fname
            if _current_payload(path) == payload:
                result[fname] = False
                continue
            path.write_bytes(_encode(fname, payload))
            result[fname] = True
        if progress is not None:
            written = sum(result[f] for f in frames)
            progress(f"{time.perf_counter() - t0:6.1f} s  {name}: {len(frames)} file(s), {written} rewritten")
    return result
