"""Use cases. They add and flush; the caller owns the transaction and commits."""
