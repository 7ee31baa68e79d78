"""csbm: a compliance tracker for confidence- and security-building measures."""

__version__ = "0.1.0"
