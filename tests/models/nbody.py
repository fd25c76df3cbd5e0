"""A leapfrog N-body simulation, 100 steps, its loop checkpointed with ``Binomial``: the
gradient of the final energy-like loss with respect to the initial positions and velocities.
The oracle runs the same step in ``jax.lax.fori_loop`` (store-all) under ``jax.grad``."""

from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

import workbench as wb
from tests.models.common import jax_spec

SIZES = {"test": (32, 100), "bench": (256, 100), "small": (8, 10)}
DT = 0.01


def accelerations(pos: jax.Array, masses: jax.Array) -> jax.Array:
    diff = pos[None, :, :] - pos[:, None, :]
    dist2 = jnp.sum(diff**2, -1) + 0.01  # softened
    inv3 = dist2**-1.5
    return jnp.sum(diff * (masses[None, :, None] * inv3[..., None]), axis=1)


def leapfrog(state: tuple[jax.Array, jax.Array], masses: jax.Array) -> Any:
    pos, vel = state
    vel = vel + 0.5 * DT * accelerations(pos, masses)
    pos = pos + DT * vel
    vel = vel + 0.5 * DT * accelerations(pos, masses)
    return pos, vel


def final_loss(state: tuple[jax.Array, jax.Array], masses: jax.Array) -> jax.Array:
    pos, vel = state
    return 0.5 * jnp.sum(masses[:, None] * vel**2) + 0.1 * jnp.sum(pos**2)


def build(size: str, snapshots: int = 10) -> dict[str, Any]:
    bodies, steps = SIZES[size]
    k1, k2, k3 = jax.random.split(jax.random.key(0), 3)
    state = (
        jax.random.normal(k1, (bodies, 3), jnp.float32),
        0.1 * jax.random.normal(k2, (bodies, 3), jnp.float32),
    )
    masses = jax.random.uniform(k3, (bodies,), jnp.float32, 0.5, 1.5)

    def loss(state: tuple[jax.Array, jax.Array], masses: jax.Array) -> jax.Array:
        body = lambda i, s: leapfrog(s, masses)
        end = wb.fori_loop(0, steps, body, state, checkpointing=wb.Binomial(snapshots))
        return final_loss(end, masses)

    def plain(state: tuple[jax.Array, jax.Array], masses: jax.Array) -> jax.Array:
        end = jax.lax.fori_loop(0, steps, lambda i, s: leapfrog(s, masses), state)
        return final_loss(end, masses)

    return jax_spec("nbody", loss, state, (masses,), plain)
