"""The optimized HLO, instruction by instruction, each tagged forward or backward.

XLA keeps JAX's name stack in each instruction's metadata: ``op_name="jit(f)/jvp()/sin"`` is
part of the forward pass, ``op_name="jit(f)/transpose(jvp())/mul"`` of the backward pass. After
fusion, a fused computation holds instructions of both passes, which shows what XLA merged or
recomputed. The outermost ``jvp``/``transpose`` decides, as for jaxpr equations.

>>> from workbench._src.introspect.hlo import phase_of_op_name
>>> phase_of_op_name("jit(f)/transpose(jvp(blk))/neg"), phase_of_op_name("jit(f)/jvp()/sin")
('backward', 'forward')

``collectives`` picks out the cross-device instructions of an SPMD program (all-reduce,
all-gather, reduce-scatter, all-to-all, collective-permute; an async ``-start``/``-done`` pair
counts once), with their per-device size, their device groups spelled out, and their phase.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Iterator

from workbench._src.introspect import text
from workbench._src.introspect.structure import Phase, phase_of

# The grammar of XLA's HLO text, in one place: every reader of HLO (the tagged instructions below,
# the inspector's IR links, ``readable_hlo``, the benchmarks' program comparison) uses these.
INSTRUCTION = re.compile(r"^(\s+)(ROOT\s+)?%?([^\s=]+)\s*=\s*(.*)$")  # indent, ROOT, name, rest
COMPUTATION = re.compile(r"^(ENTRY\s+)?%?([^\s(]+)\s*(\(.*)\{\s*$")  # ENTRY, name, signature
OPCODE = re.compile(r"\s*([\w\-]+)\(")  # what follows an instruction's result shape
OP_NAME = re.compile(r'op_name="((?:[^"\\]|\\.)*)"')  # JAX's name stack, in the metadata
DEBUG_TABLES = ("FileNames", "FunctionNames", "FileLocations", "StackFrames")
_AD = re.compile(r"(?:^|[/(])(jvp|transpose)\(")


def phase_of_op_name(op_name: str) -> Phase:
    """``"backward"`` under ``transpose``, ``"forward"`` under ``jvp``, else ``"primal"``: the
    outermost AD transformation decides, read by ``structure.phase_of`` as for equations."""
    m = _AD.search(op_name)
    return phase_of(((True, m.group(1)),) if m else ())


def op_name_of(line: str) -> str | None:
    """The ``op_name`` of an instruction's metadata, or ``None`` where it has none."""
    m = OP_NAME.search(line)
    return m.group(1) if m else None


def name_stack_parts(op_name: str) -> list[str]:
    """``"jit(f)/transpose(jvp(a/b))/mul"`` -> ``["jit(f)", "transpose(jvp(a/b))", "mul"]``."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(op_name):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "/" and depth == 0:
            parts.append(op_name[start:i])
            start = i + 1
    parts.append(op_name[start:])
    return parts


def instruction(line: str) -> tuple[str, str, str, str] | None:
    """``(name, result shape, opcode, operands and attributes)`` of one instruction line of
    HLO text, or ``None`` for any other line."""
    m = INSTRUCTION.match(line)
    if m is None:
        return None
    shape, rest = _split_shape(m.group(4))
    op = OPCODE.match(rest)
    if op is None:
        return None
    return m.group(3), shape, op.group(1), rest[op.end() :]


def readable_hlo(text: str) -> str:
    r"""Optimized HLO without XLA's stack-frame tables (file names, functions, locations, frames):
    they list every Python frame of the tracing, ipykernel's included, and bury the program.
    The instructions' own metadata (op names, source lines) is kept.

    >>> readable_hlo("HloModule m\n\nFileNames\n1 \"a.py\"\n\nENTRY %main {\n}")
    'HloModule m\n\nENTRY %main {\n}'
    """
    kept, skipping = [], False
    for line in text.splitlines():
        if line.strip() in DEBUG_TABLES:
            skipping = True
        elif skipping and not line.strip():
            skipping = False
            continue
        if not skipping:
            kept.append(line)
    return "\n".join(kept)


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
        return render_hlo_ops(self)


def hlo_ops(hlo_text: str) -> HloProgram:
    """Parses optimized HLO text (``compiled.as_text()``) into tagged instructions.

    >>> import jax, jax.numpy as jnp
    >>> from workbench.introspect import hlo_ops
    >>> f = jax.grad(lambda x: jnp.sin(x) * x)
    >>> ops = hlo_ops(jax.jit(f).lower(1.0).compile().as_text()).ops
    >>> sorted({op.phase for op in ops if op.opcode in ("sine", "cosine", "multiply")})
    ['backward', 'forward']
    """
    return HloProgram(tuple(op for op, _ in _instructions(hlo_text)))


def _instructions(hlo_text: str) -> Iterator[tuple[HloOp, str]]:
    """Each instruction of the HLO text with the rest of its line (operands and attributes)."""
    computation, entry = "", False
    for line in hlo_text.splitlines():
        if not line or line[0] not in " \t":
            m = COMPUTATION.match(line)
            if m:
                computation, entry = m.group(2), bool(m.group(1))
            continue
        parsed = instruction(line)
        if parsed is None:
            continue
        name, shape, opcode, rest = parsed
        op_name = op_name_of(line)
        phase: Phase | None = None if op_name is None else phase_of_op_name(op_name)
        yield HloOp(computation, entry, name, opcode, shape, op_name or "", phase), rest


def _split_shape(rest: str) -> tuple[str, str]:
    """Splits ``"(f32[3]{0}, f32[]) tuple(...)"`` into the shape and what follows it."""
    if rest.startswith("("):
        end = bracketed(rest, "(", ")")
        return rest[:end], rest[end:]
    shape, _, after = rest.partition(" ")
    return shape, " " + after


def bracketed(text: str, opening: str, closing: str) -> int:
    """The length of the bracketed group ``text`` starts with (``text`` starts with ``opening``;
    nested pairs count, quoted strings are skipped), or of all of ``text`` if it never closes.
    Every reader of IR text that skips a group (a tuple shape, ``metadata={...}``, MLIR's
    ``loc(...)``) uses it.

    >>> bracketed('{op_name="a}b" x={1}} rest', "{", "}")
    21
    """
    depth, quoted, k = 0, False, 0
    while k < len(text):
        ch = text[k]
        if quoted:
            if ch == "\\":
                k += 1
            elif ch == '"':
                quoted = False
        elif ch == '"':
            quoted = True
        else:
            depth += ch == opening
            depth -= ch == closing
            if depth == 0:
                return k + 1
        k += 1
    return len(text)


# --------------------------------------------------------------------------------------------
# Collectives

COLLECTIVE_KINDS = (
    "all-reduce",
    "all-gather",
    "reduce-scatter",
    "all-to-all",
    "collective-permute",
)

# Bytes per element of XLA's primitive types (sub-byte types round up per array, see shape_bytes).
_BITS = {
    "pred": 8, "s2": 2, "u2": 2, "s4": 4, "u4": 4, "s8": 8, "u8": 8, "s16": 16, "u16": 16,
    "s32": 32, "u32": 32, "s64": 64, "u64": 64, "f16": 16, "bf16": 16, "f32": 32, "f64": 64,
    "c64": 64, "c128": 128,
}  # fmt: skip
_ARRAY_SHAPE = re.compile(r"\b([a-z][a-z0-9]*)\[([0-9,]*)\]")
_FIRST_OPERAND = re.compile(r"\s*%?([^\s,)]+)")
_GROUPS_ATTR = re.compile(r"\b(replica_groups|source_target_pairs)=")
_IOTA = re.compile(r"\[([\d,]+)\]<=\[([\d,]+)\](?:T\(([\d,]+)\))?")
_MESH = re.compile(r"mesh\[([^\]]*)\]\s*\{([^}]*)\}")


@dataclasses.dataclass(frozen=True, slots=True)
class Collective:
    """One cross-device instruction of the optimized (per-device, SPMD) HLO.

    Attributes:
      name: the instruction's name (for an async pair, the ``-start`` instruction's).
      kind: ``"all-reduce"``, ``"all-gather"``, ``"reduce-scatter"``, ``"all-to-all"`` or
        ``"collective-permute"`` (the ``-start``/``-done`` suffix dropped).
      shape: its per-device result shape as XLA prints it (``f32[4]{0}``).
      bytes: the size of that result on each device.
      groups: the device groups, ``{{0,1,2,3},{4,5,6,7}}`` (indices into the program's devices);
        for a collective-permute, its source-target pairs. XLA's compact forms (``[2,4]<=[8]``,
        ``mesh[...] {...}``) are spelled out; a form this parser does not know is kept as is.
      phase: ``"primal"``, ``"forward"`` or ``"backward"`` from the metadata, ``None`` without.
      op_name: JAX's name stack from the metadata.
      computation: the computation it sits in.
    """

    name: str
    kind: str
    shape: str
    bytes: int
    groups: str
    phase: Phase | None
    op_name: str
    computation: str

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "kind": self.kind,
            "shape": self.shape,
            "bytes": self.bytes,
            "groups": self.groups,
            "phase": self.phase,
        }


def collectives(hlo_text: str, num_devices: int | None = None) -> tuple[Collective, ...]:
    """The collectives of optimized HLO text, in text order.

    ``num_devices`` spells out ``replica_groups={}`` (one group of every device).

    >>> text = (
    ...     "ENTRY %main (p: f32[4]) -> f32[4] {\\n"
    ...     "  ROOT %all-reduce.3 = f32[4]{0} all-reduce(%p), replica_groups=[2,4]<=[8], "
    ...     'to_apply=%add, metadata={op_name="jit(f)/transpose(jvp())/dot_general"}\\n}'
    ... )
    >>> [(c.kind, c.bytes, c.groups, c.phase) for c in collectives(text)]
    [('all-reduce', 16, '{{0,1,2,3},{4,5,6,7}}', 'backward')]
    """
    found: list[Collective] = []
    started: dict[str, int] = {}
    for op, rest in _instructions(hlo_text):
        kind = op.opcode.removesuffix("-start").removesuffix("-done")
        if kind not in COLLECTIVE_KINDS:
            continue
        if op.opcode.endswith("-done"):
            m = _FIRST_OPERAND.match(rest)
            k = started.pop(m.group(1), None) if m else None
            if k is not None:  # counted at its -start; the result's shape is the -done's
                found[k] = dataclasses.replace(
                    found[k], shape=op.shape, bytes=shape_bytes(op.shape)
                )
                continue
        elif op.opcode.endswith("-start"):
            started[op.name] = len(found)
        found.append(
            Collective(
                name=op.name,
                kind=kind,
                shape=op.shape,
                bytes=shape_bytes(op.shape),
                groups=_groups(rest, num_devices),
                phase=op.phase,
                op_name=op.op_name,
                computation=op.computation,
            )
        )
    return tuple(found)


def shape_bytes(shape: str) -> int:
    """Bytes of an HLO shape (a tuple's elements summed; ``token[]`` and layouts ignored).

    >>> shape_bytes("f32[4]{0}"), shape_bytes("(bf16[2,3]{1,0}, s32[])"), shape_bytes("pred[]")
    (16, 16, 1)
    """
    total = 0
    for dtype, dims in _ARRAY_SHAPE.findall(shape):
        bits = _BITS.get(dtype)
        if bits is None and dtype.startswith("f8"):
            bits = 8
        if bits is None:
            continue
        count = math.prod(int(d) for d in dims.split(",") if d) if dims else 1
        total += (count * bits + 7) // 8
    return total


def _groups(rest: str, num_devices: int | None) -> str:
    m = _GROUPS_ATTR.search(rest)
    if m is None:
        return "{{" + ",".join(map(str, range(num_devices))) + "}}" if num_devices else ""
    after = rest[m.end() :]
    if after.startswith("{"):
        groups = after[: bracketed(after, "{", "}")]
        if groups == "{}" and num_devices:
            return "{{" + ",".join(map(str, range(num_devices))) + "}}"
        return groups
    if (iota := _IOTA.match(after)) is not None:
        return _iota_groups(iota)
    if (mesh := _MESH.match(after)) is not None:
        spelled = _mesh_groups(mesh)
        if spelled is not None:
            return spelled
    return after.split(", ", 1)[0]


def _format_groups(groups: list[list[int]]) -> str:
    return "{" + ",".join("{" + ",".join(map(str, g)) + "}" for g in groups) + "}"


def _iota_groups(m: re.Match[str]) -> str:
    """``[G,S]<=[d...]T(perm)``: iota over ``d``, transposed by ``perm``, reshaped to G x S."""
    import numpy as np

    out_dims = [int(d) for d in m.group(1).split(",")]
    dims = [int(d) for d in m.group(2).split(",")]
    ids = np.arange(math.prod(dims)).reshape(dims)
    if m.group(3):
        ids = ids.transpose([int(p) for p in m.group(3).split(",")])
    rows = ids.reshape(out_dims[0], -1) if len(out_dims) > 1 else ids.reshape(1, -1)
    return _format_groups(rows.tolist())


def _mesh_groups(m: re.Match[str]) -> str | None:
    """``mesh['a0'=4,'a1'=2] {'a0'}``: devices numbered row-major over the mesh; each group
    varies the named axes and fixes the others."""
    axes: list[tuple[str, int]] = []
    for part in m.group(1).split(","):
        name, eq, size = part.strip().partition("=")
        if not eq or not size.strip().isdigit():
            return None
        axes.append((name.strip().strip("'\""), int(size)))
    reduced = [a.strip().strip("'\"") for a in m.group(2).split(",") if a.strip()]
    names = [a for a, _ in axes]
    if any(r not in names for r in reduced):
        return None
    sizes = [n for _, n in axes]
    strides = [math.prod(sizes[k + 1 :]) for k in range(len(sizes))]
    inner = [k for k, a in enumerate(names) if a in reduced]
    outer = [k for k in range(len(names)) if k not in inner]
    groups = []
    for fixed in itertools.product(*(range(sizes[k]) for k in outer)):
        base = sum(i * strides[k] for i, k in zip(fixed, outer, strict=True))
        group = [
            base + sum(i * strides[k] for i, k in zip(varied, inner, strict=True))
            for varied in itertools.product(*(range(sizes[k]) for k in inner))
        ]
        groups.append(sorted(group))
    return _format_groups(groups)


# --------------------------------------------------------------------------------------------
# Text (a report renders itself; introspect/text.py has the shared formatting)


def render_hlo_ops(h: HloProgram) -> str:
    counts = h.count()
    return (
        f"Optimized HLO: {text.plural(len(h.ops), 'instruction')} "
        f"({text.counted(counts, text.PHASES)}; "
        "phase read from each instruction's op_name metadata)"
    )
