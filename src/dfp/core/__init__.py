"""Leaves of the package: the one error type, argument checks, calendar units, repository paths."""
