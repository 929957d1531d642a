"""Root pytest configuration: keep `python -m dfp.generate` from running under --doctest-modules."""

collect_ignore = ["src/dfp/generate/__main__.py"]
