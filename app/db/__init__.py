"""Persistence: models, sessions and repositories (the only place rows become domain objects)."""
