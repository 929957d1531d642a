"""The book layer: notebook helpers, parameters, plotting, story, scorecard, ADR index, Sphinx, execution, CLI."""
