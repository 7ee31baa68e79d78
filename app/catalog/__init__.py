"""Reads and validates agreements/ into domain objects."""
