"""``python -m dfp``: the command line (``dfp --help``)."""

from dfp.book.cli import main

raise SystemExit(main())
