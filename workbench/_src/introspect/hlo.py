"""The optimized HLO, instruction by instruction, each tagged forward or backward.

XLA keeps JAX's name stack in each instruction's metadata: ``op_name="jit(f)/jvp()/sin"`` is
part of the forward pass, ``op_name="jit(f)/transpose(jvp())/mul"`` of the backward pass. After
fusion, a fused computation holds instructions of both passes, which shows what XLA merged or
recomputed. The outermost ``jvp``/``transpose`` decides, as for jaxpr equations.

>>> from workbench._src.introspect.hlo import phase_of_op_name
>>> phase_of_op_name("jit(f)/transpose(jvp(blk))/neg"), phase_of_op_name("jit(f)/jvp()/sin")
('backward', 'forward')
"""

from __future__ import annotations

import dataclasses
import re

from workbench._src.introspect.structure import Phase

_AD = re.compile(r"(?:^|[/(])(jvp|transpose)\(")
_INSTR = re.compile(r"^\s*(?:ROOT\s+)?%?([^\s=]+) = ")
_OPCODE = re.compile(r"\s*([\w\-]+)\(")
_OP_NAME = re.compile(r'op_name="((?:[^"\\]|\\.)*)"')
_COMPUTATION = re.compile(r"^(ENTRY\s+)?%?([^\s(]+)\s.*\{\s*$")


def phase_of_op_name(op_name: str) -> Phase:
    """``"backward"`` under ``transpose``, ``"forward"`` under ``jvp``, else ``"primal"``."""
    m = _AD.search(op_name)
    if m is None:
        return "primal"
    return "backward" if m.group(1) == "transpose" else "forward"


@dataclasses.dataclass(frozen=True, slots=True)
class HloOp:
    """One instruction of the optimized HLO.

    Attributes:
      computation: the computation it sits in (``main.1``, ``fused_computation.3``, ...).
      entry: whether that is the entry computation.
      name: the instruction's name (``multiply.3``).
      opcode: XLA's opcode (``multiply``, ``fusion``, ``while``).
      shape: its result shape as XLA prints it.
      op_name: JAX's name stack from the metadata ("" if none).
      phase: ``"primal"``, ``"forward"`` or ``"backward"``, read from ``op_name``; ``None``
        for an instruction without one (parameters, tuples).
    """

    computation: str
    entry: bool
    name: str
    opcode: str
    shape: str
    op_name: str
    phase: Phase | None


@dataclasses.dataclass(frozen=True)
class HloProgram:
    """The instructions of an optimized HLO module, in text order."""

    ops: tuple[HloOp, ...]

    def count(self) -> dict[str, int]:
        """Instructions by phase (``"untagged"`` for those without metadata)."""
        out: dict[str, int] = {}
        for op in self.ops:
            key = op.phase or "untagged"
            out[key] = out.get(key, 0) + 1
        return out

    def __repr__(self) -> str:
        from workbench._src.introspect import text

        return text.render_hlo_ops(self)


def hlo_ops(hlo_text: str) -> HloProgram:
    """Parses optimized HLO text (``compiled.as_text()``) into tagged instructions.

    >>> import jax, jax.numpy as jnp
    >>> from workbench._src.introspect.hlo import hlo_ops
    >>> f = jax.grad(lambda x: jnp.sin(x) * x)
    >>> ops = hlo_ops(jax.jit(f).lower(1.0).compile().as_text()).ops
    >>> sorted({op.phase for op in ops if op.opcode in ("sine", "cosine", "multiply")})
    ['backward', 'forward']
    """
    ops: list[HloOp] = []
    computation, entry = "", False
    for line in hlo_text.splitlines():
        if not line or line[0] not in " \t":
            m = _COMPUTATION.match(line)
            if m:
                computation, entry = m.group(2), bool(m.group(1))
            continue
        m = _INSTR.match(line)
        if not m:
            continue
        rest = line[m.end() :]
        shape, rest = _split_shape(rest)
        op = _OPCODE.match(rest)
        if not op:
            continue
        meta = _OP_NAME.search(line)
        op_name = meta.group(1) if meta else ""
        phase: Phase | None = phase_of_op_name(op_name) if meta else None
        ops.append(HloOp(computation, entry, m.group(1), op.group(1), shape, op_name, phase))
    return HloProgram(tuple(ops))


def _split_shape(rest: str) -> tuple[str, str]:
    """Splits ``"(f32[3]{0}, f32[]) tuple(...)"`` into the shape and what follows it."""
    if rest.startswith("("):
        depth = 0
        for k, ch in enumerate(rest):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                return rest[: k + 1], rest[k + 1 :]
        return rest, ""
    shape, _, after = rest.partition(" ")
    return shape, " " + after
