"""The repository's own tooling, not shipped to users: the demo, benchmarks, template checks
and generators (``python -m devtools.<name>``, through the Makefile's targets)."""
