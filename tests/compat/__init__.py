"""Compatibility with htag 2.0.28 (a package: its module names repeat those of tests/api)."""
