"""Frozen copies of the families' former loops (test oracles, never imported by src/)."""
