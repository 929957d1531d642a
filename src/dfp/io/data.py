"""Loading every data file in ``data/``: read, validate against its schema, cache.

=====================  ===============================================================
``load(name)``          read ``data/<file>``, validate it, return a typed DataFrame
``SCHEMAS``             every committed file's schema, by dataset name (``dfp.io.schemas``)
=====================  ===============================================================

The contract itself (:class:`~dfp.io.schema.Column`, :class:`~dfp.io.schema.Schema`) and the
validation rules live in :mod:`dfp.io.schema`: a missing file, a missing column, a value of the
wrong type, a timestamp that does not parse, a value out of range or a category outside the allowed
set raises :class:`~dfp.core.errors.PlaybookError` naming the file, the column and the first bad row.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from dfp.core.errors import PlaybookError
from dfp.core.paths import data_dir
from dfp.io.cache import cached, content_key
from dfp.io.schema import Schema, read_raw, validate_frame
from dfp.io.schemas import SCHEMAS

__all__ = ["SCHEMAS", "load"]


def _pyarrow_version() -> str:
    try:
        import pyarrow  # noqa: PLC0415 - optional: only its presence and version matter to the cache key
    except ImportError:
        return "no pyarrow"
    return str(pyarrow.__version__)


def load(
    name: str,
    directory: Path | str | None = None,
    schemas: Sequence[Schema] | None = None,
    cache: bool = True,
) -> pd.DataFrame:
    """Load and validate the dataset ``name`` (see ``dfp.io.schemas.SCHEMAS``) from ``data/``.

    A file that passed validation is cached as a pickle (:mod:`dfp.io.cache`, kind ``data``), keyed
    on the SHA-256 of its bytes, its schema and the pandas version, so a later load of the same
    content skips re-parsing; any change to the file or the schema is validated afresh.

    Args:
        name: dataset name, e.g. ``"usage_daily"``.
        directory: folder to read from (default: the repository's ``data/``).
        schemas: schemas to look ``name`` up in (default: all registered schemas).
        cache: use and fill the validated-data cache.
    """
    pool = {s.name: s for s in (schemas if schemas is not None else SCHEMAS.values())}
    if name not in pool:
        raise PlaybookError(f"unknown dataset {name!r}; known: {sorted(pool)}")
    schema = pool[name]
    path = (Path(directory) if directory is not None else data_dir()) / schema.file
    if not path.is_file():
        raise PlaybookError(f"data file not found: {path}")
    if not cache:
        return validate_frame(read_raw(path), schema, schema.file)
    # the pickle's dtypes depend on pandas and on whether pyarrow backs its strings: both are in the key
    key = content_key(path, repr(schema), pd.__version__, _pyarrow_version())
    return cached("data", key, ".pkl", lambda: validate_frame(read_raw(path), schema, schema.file),
                  pd.read_pickle, lambda frame, tmp: frame.to_pickle(tmp))
