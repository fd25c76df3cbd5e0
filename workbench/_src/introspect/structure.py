"""How a jaxpr nests, and which pass each equation belongs to: shared by the graph and memory.

Phases come from name stacks. JAX records the transformations an equation was traced under:
``jvp()`` for the forward (linearized) pass, ``transpose(jvp())`` for the backward pass, outermost
first, so ``jvp(transpose(jvp()))`` is the inner gradient computed during the outer forward pass
of a second derivative. An equation inside a nested jaxpr (a ``jit`` call, a ``scan`` body) holds a
name stack relative to its enclosing equation, so the effective stack is the concatenation of the
enclosing equations' stacks and its own. The outermost ``jvp``/``transpose`` decides the phase:

- ``"backward"``: under ``transpose``;
- ``"forward"``: under ``jvp`` only (the forward pass of a derivative, or forward mode);
- ``"primal"``: under no differentiation at all.

Ids are derived from structure only (the path of equation indices from the top jaxpr), so the
same program always gets the same ids: ``main/7`` is equation 7 of the top jaxpr, ``main/3/0``
equation 0 inside the body of equation 3, ``main/5.1/2`` equation 2 of the second sub-jaxpr
(a ``cond`` branch, a ``while`` body) of equation 5.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Iterator, Sequence
from typing import Any, Literal

import numpy as np
from jax.extend import core as jcore

from workbench._src.internals import jaxprs, private_jax, regions

Phase = Literal["primal", "forward", "backward"]
Entry = private_jax.Entry

ROOT = "main"
RECOMPUTED_SCOPE = "rematted_computation"

_AD_TRANSFORMS = {"jvp": "forward", "transpose": "backward"}


def eqn_id(region: str, index: int) -> str:
    """The id of equation ``index`` of the jaxpr of region ``region`` (a node, or the region an
    equation that holds jaxprs opens): ``main/3``, ``main/2/0``."""
    return f"{region}/{index}"


def sub_region_id(region: str, k: int, count: int) -> str:
    """The id of the ``k``-th of ``count`` jaxprs of the equation whose region is ``region``:
    the region itself for an only jaxpr, ``main/5.1`` for a ``while`` body or ``cond`` branch."""
    return region if count == 1 else f"{region}.{k}"


def phase_of(entries: Sequence[Entry]) -> Phase:
    """The phase named by the outermost ``jvp`` or ``transpose`` in a name stack."""
    for is_transform, name in entries:
        if is_transform and name in _AD_TRANSFORMS:
            return _AD_TRANSFORMS[name]  # type: ignore[return-value]
    return "primal"


def scopes_of(entries: Sequence[Entry]) -> tuple[str, ...]:
    """The named scopes (``jax.named_scope``) of a name stack, outermost first."""
    return tuple(name for is_transform, name in entries if not is_transform)


def entries_of(eqn: Any) -> tuple[Entry, ...]:
    """The name-stack entries an equation carries itself (relative to its jaxpr)."""
    return private_jax.name_stack_entries(eqn.source_info.name_stack)


@dataclasses.dataclass(frozen=True, slots=True)
class StackInfo:
    """What an equation's name stack says, given the stack of the equations around it."""

    entries: tuple[Entry, ...]  # effective: enclosing stacks + the equation's own
    phase: Phase
    own_scopes: tuple[str, ...]  # named scopes relative to the enclosing jaxpr
    recomputed: bool  # under remat's "rematted_computation" scope


class StackCache:
    """``StackInfo`` per name stack, for the equations of one jaxpr (which share a prefix)."""

    def __init__(self, prefix: tuple[Entry, ...]):
        self.prefix = prefix
        self.cache: dict[Any, StackInfo] = {}

    def info(self, eqn: Any) -> StackInfo:
        ns = eqn.source_info.name_stack
        try:
            return self.cache[ns]
        except KeyError:
            pass
        own = private_jax.name_stack_entries(ns)
        entries = self.prefix + own if self.prefix else own
        out = StackInfo(
            entries,
            phase_of(entries),
            scopes_of(own),
            RECOMPUTED_SCOPE in scopes_of(entries),
        )
        self.cache[ns] = out
        return out


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pauses the cyclic garbage collector while building many small objects.

    Building the graph of a large program allocates tens of thousands of nodes and edges while
    the program's jaxpr is alive; each collection would scan all of it. Nothing built here forms
    reference cycles, so nothing is lost by collecting later (as ``timeit`` does).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --------------------------------------------------------------------------------------------
# Nested jaxprs and how their inputs and outputs bind to the enclosing equation's: one registry
# (``internals.regions``), read here by the graph and the memory report.

RegionKind = regions.RegionKind
SubJaxpr = regions.SubJaxpr
region_kind = regions.region_kind
region_params = regions.region_params
sub_jaxprs = regions.sub_jaxprs
loop_kinds = regions.loop_kinds


# --------------------------------------------------------------------------------------------
# Values: shapes, dtypes, bytes


@dataclasses.dataclass(frozen=True, slots=True)
class Aval:
    """The abstract value of an array: shape and dtype, printed as JAX prints it (``f32[3,4]``)."""

    shape: tuple[int, ...]
    dtype: str
    nbytes: int
    text: str

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"Aval({self.text})"


_aval_cache: dict[Any, Aval] = {}


def aval_of(v: Any) -> Aval:
    """The ``Aval`` of a jaxpr variable or literal (cached: programs reuse a few avals)."""
    a = v.aval
    try:
        return _aval_cache[a]
    except (KeyError, TypeError):
        pass
    shape = tuple(
        int(d) if isinstance(d, int | np.integer) else -1 for d in getattr(a, "shape", ())
    )
    dtype = getattr(a, "dtype", None)
    if dtype is not None and all(d >= 0 for d in shape):
        nbytes = int(np.prod(shape, dtype=np.int64)) * int(dtype.itemsize)
    else:
        nbytes = 0
    try:
        text = a.str_short(short_dtypes=True)
    except (AttributeError, TypeError):
        text = str(a)
    # str(dtype), not np.dtype's: a random key's dtype (key<fry>) is JAX's, not NumPy's.
    out = Aval(shape, str(dtype) if dtype is not None else "", nbytes, text)
    try:
        if len(_aval_cache) > 65536:
            _aval_cache.clear()
        _aval_cache[a] = out
    except TypeError:  # pragma: no cover - unhashable aval
        pass
    return out


def is_literal(v: Any) -> bool:
    return isinstance(v, jcore.Literal)


# --------------------------------------------------------------------------------------------
# Parameters that matter

_SKIP_PARAMS = frozenset(
    {
        "out_sharding",
        "sharding",
        "in_shardings",
        "out_shardings",
        "in_layouts",
        "out_layouts",
        "donated_invars",
        "ctx_mesh",
        "compiler_options_kvs",
        "keep_unused",
        "inline",
        "jvp_jaxpr_fun",
        "jvp_jaxpr_thunk",
        "fwd_jaxpr_thunk",
        "bwd",
        "out_trees",
        "linear",
        "jaxpr_known_resout",
        "resource_env",
    }
)
MAX_PARAM_CHARS = 80
_params_cache: dict[Any, tuple[tuple[str, str], ...]] = {}


def op_params(eqn: Any) -> tuple[tuple[str, str], ...]:
    """Short text for each parameter of an equation that says what it computes (axes, dimension
    numbers, dtype); jaxprs, functions and sharding annotations are left out."""
    try:
        key = (eqn.primitive, tuple(eqn.params.items()))
        return _params_cache[key]
    except TypeError:  # an unhashable parameter
        return _op_params(eqn.params)
    except KeyError:
        pass
    out = _op_params(eqn.params)
    if len(_params_cache) > 16384:
        _params_cache.clear()
    _params_cache[key] = out
    return out


def _plain(value: Any) -> Any:
    """NumPy scalars as Python numbers, so that equal parameters print alike: ``axes=(1,)`` and
    ``axes=(np.int64(1),)`` are the same parameter (and the same key of the cache above)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return tuple(_plain(v) for v in value)
    return value


def _op_params(params: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    out = []
    for key, value in params.items():
        if key in _SKIP_PARAMS or value is None or callable(value) or jaxprs.holds_jaxpr(value):
            continue
        text = str(_plain(value))
        if len(text) > MAX_PARAM_CHARS:
            text = text[: MAX_PARAM_CHARS - 3] + "..."
        out.append((key, text))
    return tuple(out)
