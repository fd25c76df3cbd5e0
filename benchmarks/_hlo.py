"""Comparing two optimized HLO programs as programs, not as text with names and source locations.

``Compiled.as_text()`` carries much that is not the program: the module name (``jit_loss`` vs
``jit__lambda``), tables of source files, functions and stack frames, ``metadata={op_name=...
stack_frame_id=...}`` on every instruction, names derived from JAX's op names with numbering
suffixes (``%add.17``, ``%split.2`` where another program slices the same way under the name
``%slice.4``), argument names in computation signatures, and ``/*index=5*/`` comments.

``normalize`` removes the metadata, tables, module name, comments and signature names, and then
renames every value by what it computes (value numbering): an instruction is named after its
opcode and a short hash of its normalized right-hand side (type, opcode, operands' canonical
names, attributes), and a computation after a hash of its normalized body. Names therefore agree
exactly when two instructions compute the same thing from the same inputs, whatever JAX called
them; numbering suffixes disappear. Two programs are the same when their normalized lines are
equal.
"""

from __future__ import annotations

import collections
import dataclasses
import difflib
import hashlib
import re

from workbench._src.introspect import hlo

# HLO's grammar is the workbench's one reader's (workbench/_src/introspect/hlo.py).
_SOURCE_TABLES = hlo.DEBUG_TABLES
_NAME = re.compile(r"%([\w.\-]+)")
_INDEX_COMMENT = re.compile(r"/\*index=\d+\*/")
_OP_NAME = re.compile(r",?\s*" + hlo.OP_NAME.pattern)
_HEADER = hlo.COMPUTATION  # groups: ENTRY, name, signature
_HEADER_PARAM = re.compile(r"([(,]\s*)[\w.\-]+: ")
_INSTRUCTION = hlo.INSTRUCTION  # groups: indent, ROOT, name, the rest
_OPCODE = re.compile(r"(?:^|[\s)}\]])([a-z][\w\-]*)\(")


def _strip_attribute(line: str, key: str) -> str:
    """Removes every ``, key={...}`` (balanced braces, quoted strings skipped) from ``line``."""
    pattern = key + "={"
    out: list[str] = []
    i = 0
    while True:
        j = line.find(pattern, i)
        if j < 0:
            out.append(line[i:])
            return "".join(out)
        start = j - 2 if line[max(0, j - 2) : j] == ", " else j
        out.append(line[i:start])
        brace = j + len(pattern) - 1
        i = brace + hlo.bracketed(line[brace:], "{", "}")


def _clean(line: str) -> str:
    line = _strip_attribute(line, "metadata")
    line = _OP_NAME.sub("", line)
    return _INDEX_COMMENT.sub("", line).rstrip()


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:6]


def _prefix(name: str) -> str:
    """The name without numbers: ``region_0.1.clone`` -> ``region.clone``."""
    return re.sub(r"[._]?\d+", "", name) or "c"


def is_instruction(line: str) -> bool:
    return _INSTRUCTION.match(line) is not None and line.startswith(" ")


def normalize(hlo_text: str) -> list[str]:
    """The program's lines, with names, metadata and source locations normalized away."""
    out: list[str] = []
    names: dict[str, str] = {}  # original name -> canonical name (instructions, computations)
    body: list[str] = []
    header: re.Match[str] | None = None
    skipping = False

    def canonical(m: re.Match[str]) -> str:
        return "%" + names.get(m.group(1), _prefix(m.group(1)))

    for raw in hlo_text.splitlines():
        stripped = raw.strip()
        if stripped in _SOURCE_TABLES:
            skipping = True
            continue
        if skipping:
            skipping = stripped != ""
            continue
        if not stripped:
            continue
        if stripped.startswith("HloModule "):
            out.append(_clean(re.sub(r"^HloModule\s+[^,\s]+", "HloModule <module>", stripped)))
            continue
        if header is None:
            header = _HEADER.match(stripped)
            if header is None:
                out.append(_clean(stripped))
            body = []
            continue
        if stripped == "}":
            signature = _HEADER_PARAM.sub(r"\1", _clean(header.group(3)))
            entry = header.group(1) is not None
            digest = _digest("\n".join([signature, *body]))
            name = "main" if entry else f"{_prefix(header.group(2))}_{digest}"
            names[header.group(2)] = name
            out.append(f"{'ENTRY ' if entry else ''}%{name} {signature} {{")
            out += body
            out.append("}")
            header = None
            continue
        m = _INSTRUCTION.match(_clean(raw))
        if m is None:
            body.append("  " + _NAME.sub(canonical, _clean(stripped)))
            continue
        root, original, rhs = m.group(2) or "", m.group(3), _NAME.sub(canonical, m.group(4))
        op = _OPCODE.search(rhs)
        name = f"{op.group(1) if op else 'value'}_{_digest(rhs)}"
        names[original] = name
        body.append(f"  {root}%{name} = {rhs}")
    return out


@dataclasses.dataclass(frozen=True)
class HloComparison:
    """The result of comparing two normalized HLO programs."""

    identical: bool
    same_instructions: bool  # equal as multisets of instructions (order may differ)
    instructions_a: int
    instructions_b: int
    only_in_a: int
    only_in_b: int
    first_differences: tuple[str, ...]

    def summary(self) -> str:
        if self.identical:
            return f"identical ({self.instructions_a} instructions)"
        if self.same_instructions:
            return f"same {self.instructions_a} instructions, in a different order"
        return (
            f"{self.only_in_a} instructions only in ours, {self.only_in_b} only in raw JAX "
            f"(of {self.instructions_a} / {self.instructions_b}; an instruction differs when it "
            "or any of its inputs does)"
        )


def compare_hlo(
    a: str, b: str, *, labels: tuple[str, str] = ("ours", "jax"), max_lines: int = 30
) -> HloComparison:
    """Compares two ``Compiled.as_text()`` programs after ``normalize``."""
    na, nb = normalize(a), normalize(b)
    ia = collections.Counter(line for line in na if is_instruction(line))
    ib = collections.Counter(line for line in nb if is_instruction(line))
    count_a, count_b = sum(ia.values()), sum(ib.values())
    if na == nb:
        return HloComparison(True, True, count_a, count_b, 0, 0, ())
    only_a, only_b = sum((ia - ib).values()), sum((ib - ia).values())
    diff = list(difflib.unified_diff(na, nb, labels[0], labels[1], n=1, lineterm=""))
    return HloComparison(False, ia == ib, count_a, count_b, only_a, only_b, tuple(diff[:max_lines]))
