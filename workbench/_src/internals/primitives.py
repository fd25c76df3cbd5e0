"""The JAX primitives the workbench treats specially, looked up once, as objects.

The rest of the workbench compares an equation's primitive with these objects
(``eqn.primitive is SCAN``) or looks it up in the tables below; it never compares names, which
JAX changes (``closed_call`` is ``eval_jaxpr`` since 0.11.1). ``KNOWN`` says, for each one,
where JAX exports it, the names it has had in the tested JAX range, and what the workbench does
with it. A primitive a JAX release removes is replaced by a placeholder that matches no equation
(so the workbench still imports), and ``missing()`` names it: ``tests/test_jax_internals.py``
fails with that list.
"""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import jax
import jax.extend.core as jex

_PUBLIC = "jax.extend.core.primitives"


@dataclasses.dataclass(frozen=True)
class Known:
    """A primitive the workbench treats specially.

    Attributes:
      module, attribute: where JAX exports it (``jax.extend.core.primitives.scan_p``).
      names: the names it has had in the JAX versions the workbench is tested on.
      used_for: what the workbench does with it (said when it goes missing).
    """

    module: str
    attribute: str
    names: tuple[str, ...]
    used_for: str

    @property
    def where(self) -> str:
        return f"{self.module}.{self.attribute}"


KNOWN: dict[str, Known] = {}
FOUND: dict[str, Any] = {}  # the primitive objects (or placeholders), by the keys of KNOWN
_ABSENT: set[str] = set()


def _find(
    key: str,
    used_for: str,
    *,
    attribute: str | None = None,
    names: tuple[str, ...] | None = None,
    module: str = _PUBLIC,
) -> Any:
    """Looks up ``module.attribute`` (by default ``jax.extend.core.primitives.<key>_p``), whose
    name has been one of ``names`` (by default ``(key,)``) in the tested JAX range."""
    attribute = f"{key}_p" if attribute is None else attribute
    names = (key,) if names is None else names
    KNOWN[key] = known = Known(module, attribute, names, used_for)
    try:
        prim = getattr(importlib.import_module(module), attribute)
    except (ImportError, AttributeError):
        _ABSENT.add(key)
        prim = jex.Primitive(f"<missing {known.where}>")  # matches no equation
    FOUND[key] = prim
    return prim


# Loops and branches: strong zero rebuilds them on transformed bodies; the graph and the memory
# report show them as regions.
SCAN = _find("scan", "strong zero through lax.scan; scan regions")
WHILE = _find("while", "strong zero through lax.while_loop; regions")
COND = _find("cond", "strong zero through lax.cond/switch; regions")

# Calls: each evaluates one jaxpr on its operands as they are.
JIT = _find("jit", "strong zero inside jax.jit calls; jit regions")
CLOSED_CALL = _find(
    "closed_call",
    "strong zero inside called jaxprs; call regions",
    names=("closed_call", "eval_jaxpr"),  # eval_jaxpr from JAX 0.11.1 (a called jit(f).trace(x))
)
CALL = _find("call", "strong zero inside calls; call regions", names=("call", "eval_jaxpr"))
REMAT = _find("remat", "strong zero inside jax.checkpoint; remat regions", names=("remat2",))
CUSTOM_JVP = _find(
    "custom_jvp",
    "strong zero inside custom_jvp",
    attribute="custom_jvp_call_p",
    names=("custom_jvp_call",),
)
CUSTOM_VJP = _find(
    "custom_vjp",
    "strong zero inside custom_vjp",
    attribute="custom_vjp_call_p",
    names=("custom_vjp_call",),
)
# Private: jax.extend does not export it (0.10-0.12).
SHARD_MAP = _find(
    "shard_map",
    "shard_map regions; the backward jaxpr inside a shard_map",
    module="jax._src.shard_map",
)

# Read by the memory report: the provenance of a residual.
CHECKPOINT_NAME = _find(
    "checkpoint_name",
    "residuals named by jax.ad_checkpoint.checkpoint_name",
    attribute="name_p",
    names=("name",),
)
REDUCE_PRECISION = _find(
    "reduce_precision", "residual provenance looks through reduce_precision, as JAX does"
)

# Products: strong zero's rules (ad/strong_zero_rules.py).
MUL = _find("mul", "strong zero's rule for products")
DIV = _find("div", "strong zero's rule for quotients")
DOT_GENERAL = _find("dot_general", "strong zero's rule for matrix products")
CONV_GENERAL_DILATED = _find("conv_general_dilated", "strong zero's rule for convolutions")

# explain_nans: a guard's select; primitives that only move or pick values (they cannot make a
# NaN or an inf from finite operands, so they are not instrumented); and functions singular at
# finite points (a derivative that is inf there: the double where's candidates).
SELECT_N = _find("select_n", "explain_nans: where-guards")
_MOVE_NAMES = (
    "reshape", "broadcast_in_dim", "transpose", "slice", "squeeze", "concatenate", "copy",
    "dynamic_slice", "dynamic_update_slice", "gather", "rev", "pad", "neg", "abs", "max",
    "min", "select_n", "stop_gradient",
)  # fmt: skip
MOVES = frozenset(
    _find(n, "explain_nans: not instrumented (moves values only)") for n in _MOVE_NAMES
)
_SINGULAR_NAMES = ("sqrt", "rsqrt", "log", "div", "pow", "integer_pow", "atan2", "acos", "asin")
SINGULAR = frozenset(_find(n, "explain_nans: double-where candidates") for n in _SINGULAR_NAMES)
# Products: a zero factor meeting an inf or a NaN there is what strong zero fixes.
PRODUCTS = frozenset(
    {MUL, DIV, _find("dot_general", "explain_nans: a zero factor meets inf (strong zero)")}
)
# Poles: these make an inf from a finite operand at a point of their domain, not by overflow.
POLES = frozenset(FOUND[n] for n in ("div", "log", "rsqrt", "pow", "integer_pow"))  # SINGULAR's


def names(primitives: frozenset[Any]) -> frozenset[str]:
    """The names of these primitives in the running JAX (a report records names)."""
    return frozenset(p.name for p in primitives)


def missing() -> list[str]:
    """What the installed JAX lacks of ``KNOWN``, one line per primitive, naming it, the JAX
    version and what the workbench uses it for; ``[]`` when all are there under a known name."""
    out = []
    for key, known in KNOWN.items():
        if key in _ABSENT:
            out.append(
                f"jax {jax.__version__}: {known.where} is gone (the workbench uses it for "
                f"{known.used_for})"
            )
            continue
        name = FOUND[key].name
        if name not in known.names:
            out.append(
                f"jax {jax.__version__}: {known.where} is now named {name!r}, not one of "
                f"{known.names} (the workbench uses it for {known.used_for}); check what else "
                "changed with it and add the name"
            )
    return out
