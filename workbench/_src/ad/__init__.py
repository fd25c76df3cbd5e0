"""Modes, activities and the Enzyme-style differentiation API, built on JAX transformations."""
