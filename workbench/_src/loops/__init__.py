"""Loops whose reverse mode stores every step, a few snapshots, or what fits a memory budget."""
