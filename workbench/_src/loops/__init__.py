"""Loops whose reverse mode stores every step, a few snapshots, or what fits a memory budget."""

from workbench._src.loops import strong_zero_rule as _strong_zero_rule  # noqa: F401  (registers)
