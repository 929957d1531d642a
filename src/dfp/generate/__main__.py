"""``python -m dfp.generate``: regenerate the committed sample data (same as ``dfp generate``)."""

from dfp.cli import main

raise SystemExit(main(["generate"]))
