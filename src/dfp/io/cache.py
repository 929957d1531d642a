"""The package's one disk cache: content-keyed files, atomic writes, never a crash.

=======================  ================================================================
``cache_root()``          where cached files live: ``$DFP_CACHE_DIR`` or ``_build/cache``
``content_key(*parts)``   SHA-256 over bytes, strings, files and folders (sorted), 20 hex digits
``entry(kind, key, sfx)``  the path of one cached file: ``<root>/<kind>/<kind>-<key><sfx>``
``fetch(...)``            read an entry back, or ``None`` (missing, unreadable or caching off)
``store(...)``            write an entry atomically; a read-only folder is skipped, not fatal
``cached(...)``           fetch, else compute and store: the one call most callers need
``fetch_json/store_json``  the same for JSON-serialisable values
=======================  ================================================================

Rules every cache in the package follows:

* **Content-keyed.** An entry's name carries the hash of everything it was computed from (file
  bytes, schema, parameters, library versions, the computing module's source), so a changed input
  is a different name and a stale entry can never be read back.
* **Atomic.** An entry is written to a temporary file in the same folder and renamed into place, so
  a reader (another process, a parallel build) sees the old entry, the new one or none, never half.
* **Optional.** A cache folder that cannot be created or written (a read-only checkout) or a cached
  file that vanished or cannot be read is a miss: the caller computes the value as if there were
  no cache. ``DFP_CACHE_DIR=off`` turns caching off; any other value is the folder to use.

>>> content_key(b"a", "b") == content_key(b"a", "b") != content_key(b"a", "c")
True
>>> len(content_key("x"))
20
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from dfp.core.paths import CACHE_DIR_ENV, cache_dir

__all__ = ["CACHE_ENV", "cache_root", "cached", "content_key", "entry", "fetch", "fetch_json", "store",
           "store_json"]

T = TypeVar("T")

#: Environment variable naming the cache folder (``off`` disables caching).
CACHE_ENV = CACHE_DIR_ENV


def cache_root() -> Path | None:
    """The folder that holds every cached file, or ``None`` when caching is off.

    ``off`` (or an empty string) in ``$DFP_CACHE_DIR`` turns caching off; otherwise the folder is
    :func:`dfp.core.paths.cache_dir` (``$DFP_CACHE_DIR``, the checkout's ``_build/cache``, or
    ``~/.cache/dfp`` outside a checkout). Read at call time, never at import time, so a build can point
    notebooks at a writable folder.
    """
    value = os.environ.get(CACHE_ENV)
    if value is not None and value.strip().lower() in ("", "off", "0", "none"):
        return None
    return cache_dir()


def _update(digest: Any, part: object) -> None:
    if isinstance(part, bytes):
        digest.update(b"b" + len(part).to_bytes(8, "little") + part)
    elif isinstance(part, str):
        _update(digest, part.encode("utf-8"))
    elif isinstance(part, Path):
        if part.is_dir():
            for f in sorted(p for p in part.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
                _update(digest, f.relative_to(part).as_posix())
                _update(digest, f.read_bytes())
        elif part.is_file():
            _update(digest, part.read_bytes())
        else:
            _update(digest, f"<missing {part.name}>")
    else:
        _update(digest, repr(part))


def content_key(*parts: object) -> str:
    """A 20-hex-digit SHA-256 key over ``parts``, in order.

    ``bytes`` and ``str`` are hashed as given (length-prefixed, so ``("ab", "c")`` and ``("a", "bc")``
    differ); a :class:`~pathlib.Path` to a file is hashed by content, a folder by the relative names
    and contents of every file below it (``__pycache__`` skipped), a missing path by its name; anything
    else by its ``repr``.

    >>> content_key("ab", "c") != content_key("a", "bc")
    True
    """
    digest = hashlib.sha256()
    for part in parts:
        _update(digest, part)
    return digest.hexdigest()[:20]


def entry(kind: str, key: str, suffix: str) -> Path | None:
    """The path of the cached file for ``kind`` and ``key`` (``None`` when caching is off).

    >>> import os; os.environ["DFP_CACHE_DIR"] = "/tmp/c"
    >>> entry("data", "abc", ".pkl").as_posix()
    '/tmp/c/data/data-abc.pkl'
    >>> del os.environ["DFP_CACHE_DIR"]
    """
    root = cache_root()
    return None if root is None else root / kind / f"{kind}-{key}{suffix}"


def fetch(kind: str, key: str, suffix: str, reader: Callable[[Path], T]) -> T | None:
    """Read the entry back with ``reader``; ``None`` when it is missing, unreadable or caching is off.

    An entry that exists but cannot be read (truncated by a crash, deleted between the check and the
    read) counts as a miss; a damaged one is removed when possible.
    """
    path = entry(kind, key, suffix)
    if path is None or not path.is_file():
        return None
    try:
        return reader(path)
    except FileNotFoundError:
        return None
    except Exception:  # any unreadable entry is a miss, by design
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)
        return None


def store(kind: str, key: str, suffix: str, writer: Callable[[Path], None], keep_others: bool = True) -> Path | None:
    """Write the entry atomically with ``writer(tmp_path)``; return its path, or ``None`` if it could not be.

    ``writer`` writes a temporary file in the entry's folder, which is then renamed over the entry
    (atomic on POSIX). A folder that cannot be created or written (read-only checkout, full disk) is
    not an error: the value simply is not cached. With ``keep_others=False`` older entries of the same
    kind are removed (for large entries where one content version is enough).
    """
    path = entry(kind, key, suffix)
    if path is None:
        return None
    tmp: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{suffix}", dir=path.parent)
        os.close(fd)
        tmp = Path(name)
        writer(tmp)
        os.replace(tmp, path)
        tmp = None
        if not keep_others:
            for old in path.parent.glob(f"{kind}-*{suffix}"):
                if old != path:
                    old.unlink(missing_ok=True)
    except OSError:
        return None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
    return path


def cached(kind: str, key: str, suffix: str, compute: Callable[[], T], reader: Callable[[Path], T],
           writer: Callable[[T, Path], None], keep_others: bool = True) -> T:
    """``fetch`` the entry, else ``compute()`` the value, ``store`` it and return it.

    >>> import os, tempfile; os.environ["DFP_CACHE_DIR"] = tempfile.mkdtemp()
    >>> calls = []
    >>> def compute(): calls.append(1); return "42"
    >>> rd = lambda p: p.read_text(); wr = lambda v, p: p.write_text(v)
    >>> cached("demo", content_key("in"), ".txt", compute, rd, wr), cached("demo", content_key("in"), ".txt", compute, rd, wr)
    ('42', '42')
    >>> len(calls)
    1
    >>> del os.environ["DFP_CACHE_DIR"]
    """
    hit = fetch(kind, key, suffix, reader)
    if hit is not None:
        return hit
    value = compute()
    store(kind, key, suffix, lambda tmp: writer(value, tmp), keep_others=keep_others)
    return value


def fetch_json(kind: str, key: str) -> Any:
    """A JSON entry read back (``None`` on a miss)."""
    return fetch(kind, key, ".json", lambda p: json.loads(p.read_text(encoding="utf-8")))


def store_json(kind: str, key: str, value: Any) -> Path | None:
    """Store a JSON-serialisable value (keys sorted) atomically; ``None`` if it could not be written."""
    text = json.dumps(value, sort_keys=True)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return store(kind, key, ".json", write)
