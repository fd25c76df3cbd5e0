"""Jaxprs printed by the workbench, each line anchored to the graph ids it shows.

The text reads like JAX's (``{ lambda ; a:f32[3]. let``, ``b:f32[3] = sin a``, ``in (b,) }``),
but it is printed here, equation by equation, walking the jaxpr as the graph builder does
(``graph._Builder.walk``), so each equation's lines carry the id the graph gives it
(``structure.eqn_id``: ``main/3``, ``main/2.1/0``) by construction, not by searching the text.
An IR line links to its node even where JAX's printer would fold, share or reorder things.

- Parameters are shown compactly: those that say what an equation computes
  (``structure.op_params``; jaxprs, functions and shardings left out) and, for an equation
  that holds jaxprs, those a reader wants (``regions.region_params``: a jit's name, a length).
- Nested jaxprs (found by the region registry, ``regions.sub_jaxprs``) are printed indented
  under their equation, at every call site (a jaxpr called twice is printed twice, each copy
  anchored to its own nodes); those of an equation the graph leaves opaque anchor to its node.
- Headers and ``in (...)`` lines anchor too: the program's to its argument and result nodes
  (and constants), a nested jaxpr's to its region. Every line has an anchor.
- Long lines are wrapped (continuation lines indented further), each part anchored.

>>> import jax, jax.numpy as jnp
>>> printed = print_jaxpr(jax.make_jaxpr(lambda x: jnp.cos(jax.jit(jnp.sin)(x)))(jnp.float32(1)))
>>> for line, ids in zip(printed.text.splitlines(), printed.line_ids()):
...     print(f"{line:<42} {list(ids)}")
{ lambda ; a:f32[]. let                    ['main/in0']
    b:f32[] = jit[name=sin] a              ['main/0']
      jaxpr={ lambda ; c:f32[]. let        ['main/0']
          d:f32[] = sin c                  ['main/0/0']
        in (d,) }                          ['main/0']
    e:f32[] = cos b                        ['main/1']
  in (e,) }                                ['main/out0']
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
from jax.extend import core as jcore

from workbench._src.internals import jaxprs, regions
from workbench._src.introspect import structure
from workbench._src.introspect.structure import ROOT, eqn_id, sub_region_id

WIDTH = 100  # characters a line fills before the rest of it wraps
CONTINUE = 4  # extra indent of a wrapped line

Ids = tuple[str, ...]
# What str.splitlines breaks at: a parameter's text must not add lines the anchors do not count.
_BREAKS = str.maketrans({c: " " for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


@dataclasses.dataclass(frozen=True)
class Anchor:
    """Lines ``start`` to ``stop`` (exclusive) of a printed jaxpr show the graph ids ``ids``:
    one equation (its wrapped lines; a nested jaxpr's lines have anchors of their own), or a
    jaxpr's header or ``in`` line."""

    start: int
    stop: int
    ids: Ids


@dataclasses.dataclass(frozen=True)
class PrintedJaxpr:
    """A jaxpr's text and its anchors (in line order, covering every line once)."""

    text: str
    anchors: tuple[Anchor, ...]

    def line_ids(self) -> list[Ids]:
        """The ids each line shows, line by line."""
        out: list[Ids] = []
        for a in self.anchors:
            out.extend([a.ids] * (a.stop - a.start))
        return out

    def links(self, max_lines: int | None = None, offset: int = 0) -> dict[int, list[str]]:
        """``{line index + offset: [ids]}`` for the first ``max_lines`` lines."""
        out: dict[int, list[str]] = {}
        for a in self.anchors:
            stop = a.stop if max_lines is None else min(a.stop, max_lines)
            for i in range(a.start, stop):
                out[i + offset] = list(a.ids)
        return out


def _name(n: int) -> str:
    """JAX's variable names: ``a`` ... ``z``, ``ba``, ``bb`` ..."""
    digits = []
    while True:
        digits.append(chr(ord("a") + n % 26))
        n //= 26
        if n == 0:
            break
    return "".join(reversed(digits))


def _literal(val: Any) -> str:
    """A literal's value as a number (``3``, not ``TypedInt(3, dtype=int32)``)."""
    try:
        if np.ndim(val) == 0:
            return str(np.asarray(val).item())
    except (TypeError, ValueError):
        pass
    return str(val)


class _Printer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.anchors: list[Anchor] = []
        self.names: dict[Any, str] = {}

    # Atoms ------------------------------------------------------------------------------

    def bind(self, v: Any) -> str:
        aval = structure.aval_of(v).text
        if isinstance(v, jcore.DropVar):
            return f"_:{aval}"
        name = self.names.setdefault(v, _name(len(self.names)))
        return f"{name}:{aval}"

    def use(self, v: Any) -> str:
        if structure.is_literal(v):
            return f"{_literal(v.val)}:{structure.aval_of(v).text}"
        return self.names.get(v) or self.bind(v).split(":")[0]

    # Lines ------------------------------------------------------------------------------

    def emit(self, indent: int, parts: Sequence[tuple[str, Ids]], ids: Ids) -> None:
        """``parts`` joined by spaces on lines of about ``WIDTH`` characters, anchored to the
        ids of the parts each line holds (``ids`` where none has its own)."""
        line, own, bare = " " * indent, list[str](), True
        room = WIDTH - indent - CONTINUE  # a word longer than a line stays where it is: the
        for word, word_ids in parts:  # equation's head ("c = scan[...]") with its outputs
            if not bare and len(line) + 1 + len(word) > WIDTH and len(word) <= room:
                self.push(line, own or ids)
                line, own, bare = " " * (indent + CONTINUE), [], True
            line += word if bare else " " + word
            own.extend(word_ids)
            bare = False
        self.push(line, own or ids)

    def push(self, line: str, ids: Sequence[str]) -> None:
        i = len(self.lines)
        self.lines.append(line.translate(_BREAKS).rstrip())
        self.anchors.append(Anchor(i, i + 1, tuple(dict.fromkeys(ids))))

    # Jaxprs -----------------------------------------------------------------------------

    def jaxpr(
        self,
        jaxpr: Any,
        region: str,
        indent: int,
        label: str = "",
        node: str | None = None,
        arg_ids: Sequence[str] = (),
        out_ids: Sequence[str] = (),
    ) -> None:
        """Prints ``jaxpr``, the one of ``region`` (or, with ``node``, one inside an equation
        the graph leaves opaque: every line anchors to that node)."""
        own: Ids = (node,) if node is not None else (region,)
        consts = [
            (self.bind(v), (f"{region}/const{i}",) if node is None else own)
            for i, v in enumerate(jaxpr.constvars)
        ]
        args = [
            (self.bind(v), (arg_ids[i],) if i < len(arg_ids) else ())
            for i, v in enumerate(jaxpr.invars)
        ]
        head = f"{label}={{ lambda" if label else "{ lambda"
        if consts:
            consts[-1] = (consts[-1][0] + ";", consts[-1][1])
            parts = [(head, ()), *consts]
        else:
            parts = [(head + " ;", ())]
        if args:
            args[-1] = (args[-1][0] + ". let", args[-1][1])
            parts += args
        else:
            parts.append((". let", ()))
        self.emit(indent, parts, own)
        for i, eqn in enumerate(jaxpr.eqns):
            self.equation(eqn, i, region, indent + 4, node)
        outs = [self.use(v) for v in jaxpr.outvars]
        # "in (a,) }" for one output, as Python writes a 1-tuple; "in (a, b) }" for more.
        words = [w + "," for w in outs[:-1]] + [o + "," * (len(outs) == 1) for o in outs[-1:]]
        tail: list[tuple[str, Ids]] = [
            (w, (out_ids[j],) if j < len(out_ids) else ()) for j, w in enumerate(words)
        ]
        if tail:
            tail[0] = ("in (" + tail[0][0], tail[0][1])
            tail[-1] = (tail[-1][0] + ") }", tail[-1][1])
        else:
            tail = [("in () }", ())]
        self.emit(indent + 2, tail, own)

    def equation(self, eqn: Any, i: int, region: str, indent: int, node: str | None) -> None:
        eid = node if node is not None else eqn_id(region, i)
        subs = None if node is not None else regions.sub_jaxprs(eqn)
        shown = dict(regions.region_params(eqn)) if subs else {}
        for key, value in structure.op_params(eqn):
            shown.setdefault(key, value)
        head = eqn.primitive.name
        if shown:
            words = (f"{key.replace(' ', '_')}={value}" for key, value in shown.items())
            head += "[" + " ".join(words) + "]"
        parts = [self.bind(v) for v in eqn.outvars]
        if parts:  # the primitive stays on the line of "=" and the last output, however long
            parts[-1] += " = " + head
        else:
            parts = [head]
        parts += [self.use(a) for a in eqn.invars]
        self.emit(indent, [(p, ()) for p in parts], (eid,))
        if subs:
            for k, sub in enumerate(subs):
                label = sub.name.replace(" ", "_") or "jaxpr"
                self.jaxpr(sub.jaxpr, sub_region_id(eid, k, len(subs)), indent + 2, label)
        elif subs is None:  # opaque to the graph (or inside such): one node stands for it all
            for k, found in enumerate(jaxprs.jaxprs_in_params(eqn.params, sorted(eqn.params))):
                inner = jaxprs.open_jaxpr(found)[0]
                self.jaxpr(inner, eid, indent + 2, f"jaxpr{k}" if k else "jaxpr", eid)


def print_jaxpr(closed: Any) -> PrintedJaxpr:
    """``closed`` (a ``ClosedJaxpr`` or ``Jaxpr``) printed, with the graph ids of its lines
    (those of ``graph.graph_from_jaxpr(closed)``)."""
    top = jaxprs.open_jaxpr(closed)[0]
    p = _Printer()
    p.jaxpr(
        top,
        ROOT,
        0,
        arg_ids=[f"{ROOT}/in{i}" for i in range(len(top.invars))],
        out_ids=[f"{ROOT}/out{j}" for j in range(len(top.outvars))],
    )
    return PrintedJaxpr("\n".join(p.lines), tuple(p.anchors))


__all__ = ["Anchor", "PrintedJaxpr", "print_jaxpr"]
