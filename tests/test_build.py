"""The book build cannot publish stale numbers, takes a lock, and fails with named errors.

A tiny book in tmp_path (one notebook that reads ``data/value.csv``) goes through the same code as
``./run book`` (:func:`dfp.book.build.build_book`: lock, cache check, parallel execution, jupyter-book).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from dfp.book.bookcache import STAMP, inputs_key, prime, refresh_cache
from dfp.book.build import OUTPUT_ENV, build_book, build_lock, output_root
from dfp.core.errors import PlaybookError
from dfp.io.cache import CACHE_ENV

CODE = """\
import os, shutil
import pandas as pd
if os.environ.get("VANISH_CACHE"):  # the test's stand-in for `rm -rf _build` during a build
    shutil.rmtree(os.environ["VANISH_CACHE"], ignore_errors=True)
total_usd = int(pd.read_csv("data/value.csv")["usd"].sum())
print(f"October total: {total_usd:,} USD")
"""


def _tiny_book(root: Path, usd: int) -> Path:
    (root / "data").mkdir(parents=True)
    (root / "data" / "value.csv").write_text(f"usd\n{usd}\n")
    (root / "_config.yml").write_text(textwrap.dedent("""\
        title: Tiny
        only_build_toc_files: true
        exclude_patterns: [".*", "**/.*", "_build", "out", "data"]
        execute:
          execute_notebooks: cache
          timeout: 120
          stderr_output: error
        sphinx:
          extra_extensions: [dfp.book.sphinxext]
        """))
    (root / "_toc.yml").write_text("format: jb-book\nroot: page\n")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Cost"), nbformat.v4.new_code_cell(CODE)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(root / "page.ipynb"))
    return root


@pytest.fixture()
def book(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "pkg-cache"))
    monkeypatch.delenv("VANISH_CACHE", raising=False)
    return _tiny_book(tmp_path / "book", 20443)


def _set_usd(root: Path, usd: int) -> None:
    (root / "data" / "value.csv").write_text(f"usd\n{usd}\n")


@pytest.mark.slow
def test_a_data_change_reaches_the_rebuilt_page(book, tmp_path):
    lines: list[str] = []
    out = tmp_path / "out"
    index = build_book(book, out, workers=1, echo=lines.append)
    page = index.parent / "page.html"
    assert "20,443 USD" in page.read_text()
    assert any("[1/1]" in line and "page.ipynb" in line for line in lines), lines
    _set_usd(book, 40886)  # the notebook's code is unchanged: jupyter-cache alone would serve 20,443
    lines.clear()
    build_book(book, out, workers=1, echo=lines.append)
    text = page.read_text()
    assert "40,886 USD" in text and "20,443 USD" not in text
    assert any("every notebook runs" in line for line in lines), lines


@pytest.mark.slow
def test_a_plain_jupyter_book_build_is_honest_too(book, tmp_path):
    """Without build_book: the Sphinx extension empties the stale cache and re-reads every page."""
    out = tmp_path / "plain"
    cache = out / "_build" / ".jupyter_cache"
    prime(book, cache, workers=1, echo=lambda _: None)  # a cache filled from 20,443
    _set_usd(book, 40886)
    jb = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(book), "--path-output", str(out),
          "-W", "-n", "--keep-going", "-q"]
    proc = subprocess.run(jb, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "40,886 USD" in (out / "_build" / "html" / "page.html").read_text()
    assert (cache / STAMP).read_text().strip() == inputs_key(book)


def test_unchanged_inputs_execute_nothing(book, tmp_path):
    cache = tmp_path / "jc"
    assert set(prime(book, cache, workers=1, echo=lambda _: None)) == {"page.ipynb", "(wall clock)"}
    lines: list[str] = []
    assert prime(book, cache, workers=1, echo=lines.append) == {}
    assert lines == ["== execution cache: all 1 notebooks current"]


def test_inputs_key_follows_data_and_the_stamp_empties_the_cache(book, tmp_path):
    key = inputs_key(book)
    _set_usd(book, 1)
    assert inputs_key(book) != key
    cache = tmp_path / "jc"
    assert refresh_cache(cache, key) is True  # no cache yet
    (cache / "global.db").write_text("old results")
    assert refresh_cache(cache, key) is False and (cache / "global.db").exists()
    assert refresh_cache(cache, inputs_key(book)) is True
    assert not (cache / "global.db").exists()
    assert (cache / STAMP).read_text().strip() == inputs_key(book)


def test_inputs_key_follows_what_notebooks_read_outside_data(book):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("growth_rate = 0.05", metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("print(growth_rate)")]
    (book / "notebooks").mkdir()
    nbformat.write(nb, str(book / "notebooks" / "projections.ipynb"))
    adr = book / "book" / "01-architecture" / "decision-records" / "0001-x.md"
    adr.parent.mkdir(parents=True)
    adr.write_text("---\nstatus: accepted\n---\n# ADR-0001\n")
    keys = [inputs_key(book)]
    nb.cells[0].source = "growth_rate = 0.08"  # another page's default, read by the scorecard
    nbformat.write(nb, str(book / "notebooks" / "projections.ipynb"))
    keys.append(inputs_key(book))
    nb.cells[1].source = "print(growth_rate * 2)"  # a code change is jupyter-cache's own business
    nbformat.write(nb, str(book / "notebooks" / "projections.ipynb"))
    keys.append(inputs_key(book))
    adr.write_text("---\nstatus: superseded\n---\n# ADR-0001\n")
    keys.append(inputs_key(book))
    (book / "book" / "05-postmortem-inc-01.md").write_text("# INC-01\n")
    keys.append(inputs_key(book))
    assert keys[0] != keys[1] == keys[2] != keys[3] != keys[4]


def test_a_cache_deleted_during_execution_is_recreated(book, tmp_path, monkeypatch):
    cache = tmp_path / "jc"
    monkeypatch.setenv("VANISH_CACHE", str(cache))
    lines: list[str] = []
    done = prime(book, cache, workers=1, echo=lines.append)
    assert "page.ipynb" in done
    assert any("vanished; recreating it" in line for line in lines), lines
    monkeypatch.delenv("VANISH_CACHE")
    assert prime(book, cache, workers=1, echo=lambda _: None) == {}  # the result was stored after all


def test_a_damaged_cache_is_emptied_not_a_traceback(book, tmp_path):
    cache = tmp_path / "jc"
    prime(book, cache, workers=1, echo=lambda _: None)
    (cache / "global.db").write_bytes(b"this is not a database")
    lines: list[str] = []
    assert "page.ipynb" in prime(book, cache, workers=1, echo=lines.append)
    assert any("cannot be read; emptying it" in line for line in lines), lines


def test_a_failing_notebook_is_named(book, tmp_path):
    nb = nbformat.read(str(book / "page.ipynb"), as_version=4)
    nb.cells[1].source = "raise RuntimeError('boom')"
    nbformat.write(nb, str(book / "page.ipynb"))
    with pytest.raises(PlaybookError, match=r"^page.ipynb failed to execute: RuntimeError: boom$"):
        prime(book, tmp_path / "jc", workers=1, echo=lambda _: None)


def test_a_second_build_waits_for_the_lock_and_says_so(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""\
            import time, pathlib
            from dfp.book.build import build_lock
            with build_lock(pathlib.Path({str(tmp_path)!r}), echo=print):
                print("held", flush=True)
                time.sleep(2)
            """)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    lines: list[str] = []
    t0 = time.perf_counter()
    with build_lock(tmp_path, echo=lines.append):
        waited = time.perf_counter() - t0
    holder.wait(timeout=30)
    assert waited > 0.5
    assert lines and "another build is running (pid" in lines[0] and "waiting" in lines[0]


def test_an_unwritable_output_folder_is_named(book, tmp_path):
    blocker = tmp_path / "read-only"
    blocker.write_text("")  # nothing can be created below a file, even as root
    with pytest.raises(PlaybookError, match=rf"build folder .*read-only/_build is not writable.*{OUTPUT_ENV}"):
        build_book(book, blocker, workers=1, echo=lambda _: None)


def test_output_root_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(OUTPUT_ENV, raising=False)
    assert output_root(tmp_path / "repo") == tmp_path / "repo"
    monkeypatch.setenv(OUTPUT_ENV, str(tmp_path / "elsewhere"))
    assert output_root(tmp_path / "repo") == (tmp_path / "elsewhere").resolve()


def test_executed_notebooks_carry_no_kernel_warning(book, tmp_path):
    cache = tmp_path / "jc"
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""\
        import pathlib
        from dfp.book.bookcache import prime
        prime(pathlib.Path({str(book)!r}), pathlib.Path({str(cache)!r}), workers=1)
        """)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "without encryption" not in proc.stderr, proc.stderr
    assert "[1/1]" in proc.stdout
    shutil.rmtree(cache)


def test_cli_book_command_is_wired():
    proc = subprocess.run([sys.executable, "-m", "dfp.book.cli", "book", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "--output" in proc.stdout
