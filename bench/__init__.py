"""Benchmarks and data generators; not run by `make test`."""
