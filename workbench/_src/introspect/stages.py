"""The IR of a program at each stage, as text, and the derivative part of a jaxpr on its own.

Stages (Reactant's ``@code_hlo`` / ``@code_xla`` in JAX's terms):

- ``jaxpr``: the traced program (``jax.jit(f).trace(*args).jaxpr``), printed by the workbench
  (``jaxpr_text.print_jaxpr``: each line anchored to its graph ids);
- ``stablehlo``: the StableHLO module JAX lowers it to, before XLA's optimizations;
- ``optimized stablehlo``: the module XLA runs, after its passes (fusion and all), printed in
  StableHLO/MHLO syntax (Reactant's ``@code_hlo`` with ``optimize=true``);
- ``hlo``: the same optimized module in XLA's own HLO text (Reactant's ``@code_xla``).

``backward_jaxpr`` cuts the backward pass out of a jaxpr that differentiates: the equations under
``transpose``, whose inputs are exactly the residuals. ``tangent_jaxpr`` is the forward-mode
counterpart, from ``jax.linearize``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import jax

from workbench._src.internals import jaxprs
from workbench._src.introspect import structure
from workbench._src.introspect import text as _text
from workbench._src.introspect.hlo import readable_hlo as readable_hlo  # the HLO stage's text
from workbench._src.introspect.jaxpr_text import Anchor, print_jaxpr
from workbench._src.introspect.structure import ROOT

_CALL_KINDS = frozenset({"jit", "call", "shard_map"})


@dataclasses.dataclass(frozen=True)
class IRText:
    """The text of one IR stage. ``repr`` and ``str`` are cut to ``max_lines`` lines with a count
    of the rest; ``.text`` holds all of it.

    Attributes:
      stage: ``"jaxpr"``, ``"stablehlo"``, ``"optimized stablehlo"``, ``"hlo"``,
        ``"backward jaxpr"`` or ``"tangent jaxpr"``.
      text: the full text, free of terminal colour codes.
      max_lines: how many lines ``repr``/``str`` show.
      anchors: for a jaxpr the graph was built from, the graph ids of its lines
        (``jaxpr_text.Anchor``); ``()`` for other stages.
      located: for StableHLO, the same module printed with its locations (each op's name
        stack, which the inspector's links read); ``""`` for other stages.

    >>> from workbench.introspect import IRText
    >>> IRText("jaxpr", "line 1\\nline 2\\nline 3", max_lines=2)
    line 1
    line 2
    ... 1 more lines not shown (3 in all)
    """

    stage: str
    text: str
    max_lines: int = _text.MAX_IR_LINES
    anchors: tuple[Anchor, ...] = dataclasses.field(default=(), repr=False, compare=False)
    located: str = dataclasses.field(default="", repr=False, compare=False)

    @property
    def line_count(self) -> int:
        return self.text.count("\n") + (1 if self.text and not self.text.endswith("\n") else 0)

    def to_text(self, max_lines: int | None = None) -> str:
        """The text cut to ``max_lines`` lines (``None``: all of it)."""
        return _text.truncate(self.text, max_lines)

    def __str__(self) -> str:
        return _text.truncate(self.text, self.max_lines)

    def __repr__(self) -> str:
        return _text.truncate(self.text, self.max_lines)

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


def jaxpr_text(jaxpr: Any) -> str:
    """A jaxpr printed by the workbench (``jaxpr_text.print_jaxpr``), not by JAX's printer,
    whose layout changes between versions."""
    return print_jaxpr(jaxpr).text


def jaxpr_ir(jaxpr: Any) -> IRText:
    """The ``jaxpr`` stage of a program: its text and the graph ids of its lines."""
    printed = print_jaxpr(jaxpr)
    return IRText("jaxpr", printed.text, anchors=printed.anchors)


# --------------------------------------------------------------------------------------------
# The derivative part of a jaxpr


@dataclasses.dataclass(frozen=True)
class BackwardPart:
    """The backward pass of a program as a jaxpr of its own.

    Attributes:
      jaxpr: a ``ClosedJaxpr`` whose inputs are the residuals, in the order of
        ``memory.residuals`` for ``region``, and whose outputs are what the backward pass
        returns (the gradients).
      region: the graph region (jaxpr) it was cut from.
    """

    jaxpr: Any
    region: str


def backward_jaxpr(closed: Any) -> BackwardPart | None:
    """The equations under ``transpose`` of the first jaxpr that has any (looking inside
    ``jit`` calls that are not themselves backward), as a jaxpr of their own; ``None`` when the
    program has no backward pass.

    >>> import jax, jax.numpy as jnp
    >>> from workbench.introspect import backward_jaxpr
    >>> part = backward_jaxpr(jax.make_jaxpr(jax.grad(lambda x: jnp.sin(x) * x))(1.0))
    >>> part.region, len(part.jaxpr.jaxpr.invars)  # inputs: x, sin x and cos x
    ('main', 3)
    """
    found = _find_backward(jaxprs.open_jaxpr(closed)[0], ROOT, ())
    if found is None:
        return None
    jaxpr, region, prefix = found
    phases = [
        structure.phase_of(prefix + structure.entries_of(e)) == "backward" for e in jaxpr.eqns
    ]
    eqns = [e for e, bwd in zip(jaxpr.eqns, phases, strict=True) if bwd]
    others = [e for e, bwd in zip(jaxpr.eqns, phases, strict=True) if not bwd]
    defined = {v for e in eqns for v in e.outvars}
    order: dict[Any, tuple[int, ...]] = {v: (0, i) for i, v in enumerate(jaxpr.constvars)}
    order.update({v: (1, i) for i, v in enumerate(jaxpr.invars)})
    for i, e in enumerate(jaxpr.eqns):
        for k, v in enumerate(e.outvars):
            order[v] = (2, i, k)
    inputs: dict[Any, None] = {}
    for e in eqns:
        for v in e.invars:
            if not structure.is_literal(v) and v not in defined and v in order:
                inputs[v] = None
    used_outside = {v for e in others for v in e.invars if not structure.is_literal(v)}
    outputs: dict[Any, None] = {}
    for v in [*jaxpr.outvars, *used_outside]:
        if not structure.is_literal(v) and v in defined:
            outputs[v] = None
    invars = sorted(inputs, key=lambda v: order[v])
    effects: set[Any] = set()
    for e in eqns:
        effects |= set(e.effects)
    cut = jaxprs.new_jaxpr(
        invars,
        list(outputs),
        eqns,
        effects,
        traced_for="backward pass",
        source=region,
        arg_names=[f"residual {k}" for k in range(len(invars))],
    )
    return BackwardPart(cut, region)


def _find_backward(jaxpr: Any, region: str, prefix: tuple[Any, ...]) -> Any:
    calls = []
    for i, eqn in enumerate(jaxpr.eqns):
        entries = prefix + structure.entries_of(eqn)
        phase = structure.phase_of(entries)
        if phase == "backward":
            return jaxpr, region, prefix
        if structure.region_kind(eqn) in _CALL_KINDS:
            subs = structure.sub_jaxprs(eqn)
            if subs and len(subs) == 1:
                calls.append((subs[0].jaxpr, f"{region}/{i}", entries))
    for sub, rid, entries in calls:
        found = _find_backward(sub, rid, entries)
        if found is not None:
            return found
    return None


def tangent_jaxpr(f: Callable[..., Any], primals: Sequence[Any]) -> Any:
    """The tangent program of ``f`` at ``primals`` (``jax.linearize``): tangents in, output
    tangent out, with the primal values it needs as constants."""
    _, lin = jax.linearize(f, *primals)
    return jax.make_jaxpr(lin)(*primals)
