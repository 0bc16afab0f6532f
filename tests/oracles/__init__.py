"""Frozen copies of former loops, kept as test oracles (not part of the library)."""
