"""Static facts about each equation of the program ``explain_nans`` searches: where it is (phase,
source line, loops around it, graph node), and which jaxprs the interpreter opens."""

import dataclasses
import inspect
from collections.abc import Sequence
from typing import Any

import numpy as np

from workbench._src.debug.nans.report import Origin
from workbench._src.internals import private_jax, regions, rules
from workbench._src.introspect import structure
from workbench._src.sources import in_library, is_users, source_text

_BIG = int(np.iinfo(np.int32).max)


def _callers(filename: str) -> bool:
    """Not the workbench's (a loop's line, traced by wb.fori_loop), a library's may be."""
    return is_users(filename, libraries=False)


def _user_line(source_info: Any) -> private_jax.Source | None:
    return private_jax.user_frame_outside(source_info, _callers)


def _own_line(source_info: Any) -> private_jax.Source | None:
    """The user's own frame: the innermost outside JAX, the workbench and installed packages."""
    return private_jax.user_frame_outside(source_info, is_users)


_NO_ITER = -1
# What the search run may keep of the operands it captures (see _Ctx), in bytes.
CAPTURE_BYTES = 1 << 20
# XLA options of the instrumented program's compile (Lowered.compile's compiler_options).
QUICK_COMPILE: dict[str, Any] = {"xla_backend_optimization_level": 0}
# And where every value is small (a long chain of small operations): no fusion either. XLA's
# fusion of hundreds of small ops, each feeding a check, took 50 s for a 40-layer chain of
# 16-element values (2 s without); on large values (a GPT) fusion pays for itself.
SMALL_COMPILE: dict[str, Any] = {**QUICK_COMPILE, "xla_disable_hlo_passes": "fusion"}


EqnId = tuple[int, ...]


@dataclasses.dataclass
class _Site:
    eqn: Any
    phase: str
    stack: str
    loops: tuple[Any, ...]  # the loop equations around it, outermost first
    node: str  # its id in graph_from_jaxpr's graph (or that of the region that holds it)


class _Index:
    """Every equation the interpreter runs (not those it opens), by id: the path of equation
    and sub-jaxpr indices from the top; and beside it the id the graph model gives it."""

    def __init__(self) -> None:
        self.sites: dict[EqnId, _Site] = {}
        self.by_node: dict[str, EqnId] = {}

    def scan(
        self,
        jaxpr: Any,
        prefix: EqnId,
        loops: tuple[Any, ...],
        entries: Any,
        region: str | None,
        outer: str = structure.ROOT,
    ) -> None:
        """``region``: the graph's id of this jaxpr (``None`` where the graph does not open it
        as the interpreter does); ``outer``: the id of the nearest region the graph knows."""
        for i, eqn in enumerate(jaxpr.eqns):
            eid = (*prefix, i)
            node = structure.eqn_id(region, i) if region is not None else outer
            full = tuple(entries) + tuple(structure.entries_of(eqn))
            subs = _opened(eqn)
            if subs is None:
                stack = "/".join(f"{n}()" if t else n for t, n in full)
                self.sites[eid] = _Site(eqn, structure.phase_of(full), stack, loops, node)
                if region is not None:
                    self.by_node[node] = eid
                continue
            inner = loops + ((eqn,) if _is_loop(eqn) else ())
            for k, sub in enumerate(subs):
                if _instrumented(sub):
                    # The graph numbers the equation's jaxprs as regions.sub_jaxprs does.
                    sid = None if region is None else structure.sub_region_id(node, k, len(subs))
                    self.scan(sub.jaxpr, (*eid, k), inner, full, sid, node)

    def groups(self) -> dict[EqnId, int]:
        """A group per (line, primitive, pass, occurrence in its jaxpr) of the equations inside
        loops."""
        keys: dict[Any, int] = {}
        seen: dict[Any, int] = {}  # occurrences of a key in one jaxpr (a JVP body has two muls)
        out: dict[EqnId, int] = {}
        for eid, site in self.sites.items():
            if site.loops:
                src = _user_line(site.eqn.source_info)
                key = (None if src is None else str(src), site.eqn.primitive, site.phase)
                nth = seen[(eid[:-1], key)] = seen.get((eid[:-1], key), -1) + 1
                out[eid] = keys.setdefault((*key, nth), len(keys))
        return out

    def origin(self, eid: EqnId, kind: str, it: int, caps: Any = None) -> Origin:
        site = self.sites[eid]
        src = _user_line(site.eqn.source_info)
        own = None
        if src is not None and in_library(src.file):
            # Made inside a library (a Flax or Equinox layer): name the user's line that called it.
            found = _own_line(site.eqn.source_info)
            own = None if found is None else source_text(found)
        loop_src = None
        # The innermost loop that has a user's line: a scheme's own loops (checkpointing=True,
        # Periodic nest one in another) are bound inside the workbench, around the user's.
        for loop in reversed(site.loops):
            ls = _user_line(loop.source_info)
            if ls is not None:
                loop_src = source_text(ls)
                break
        operands = element = None
        if caps:
            operands, element = _element(caps["ins"], caps["out"], kind)
        return Origin(
            site.eqn.primitive.name,
            kind,
            site.phase,
            None if src is None else source_text(src),
            None if src is None else src.line,
            site.stack,
            it if site.loops else None,
            loop_src,
            operands,
            element,
            site.node,
            own,
        )


def _element(
    ins: Sequence[Any], outs: Sequence[Any], kind: str
) -> tuple[tuple[float, ...] | None, tuple[int, ...] | None]:
    """The operands at the first bad element of the first bad output (scalars broadcast)."""
    for o in outs:
        o = np.asarray(o)
        if not np.issubdtype(o.dtype, np.inexact):
            continue
        bad = np.isnan(o) if kind == "nan" else np.isinf(o)
        if not bad.any():
            continue
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        vals = []
        for x in ins:
            x = np.asarray(x)
            if x.shape == o.shape:
                vals.append(float(np.real(x[idx])))
            elif x.size == 1:
                vals.append(float(np.real(x.reshape(()))))
            else:
                return None, idx
        return tuple(vals), idx
    return None, None


def _is_loop(eqn: Any) -> bool:
    region = regions.region_of(eqn.primitive)
    return region is not None and region.loop


def _opened(eqn: Any) -> list[regions.SubJaxpr] | None:
    """The equation's jaxprs (``regions.sub_jaxprs``' list) if the interpreter opens it, or
    ``None`` to run it as it is (shard_map, a primitive not registered)."""
    region = regions.region_of(eqn.primitive)
    return region.subs(eqn) if region is not None and region.opens else None


def _instrumented(sub: regions.SubJaxpr) -> bool:
    """Whether the interpreter instruments a jaxpr it opens: not one whose outputs leave nothing
    outside (a while's condition: its predicate), which runs as it is."""
    return any(o is not None for o in sub.outputs)


def custom_vjp_rules(jaxpr: Any) -> dict[str, list[str]]:
    """The backward rules of the ``jax.custom_vjp`` calls in ``jaxpr`` (a primal program, where
    the calls are still equations), by the user's line of the call: ``f_bwd at file:line``."""
    out: dict[str, list[str]] = {}
    todo = [jaxpr]
    while todo:
        j = todo.pop()
        for eqn in getattr(j, "jaxpr", j).eqns:
            todo += [v for v in eqn.params.values() if hasattr(v, "eqns") or hasattr(v, "jaxpr")]
            bwd = eqn.params.get("bwd") if eqn.primitive.name.startswith("custom_vjp") else None
            src = _user_line(eqn.source_info)
            if bwd is None or src is None:
                continue
            fn = inspect.unwrap(getattr(bwd, "f", bwd))  # lu.WrappedFun's core: the user's bwd
            code = getattr(fn, "__code__", None)
            name = getattr(fn, "__name__", repr(fn))
            where = "" if code is None else " at " + _file_line(code)
            rules = out.setdefault(source_text(src), [])
            if name + where not in rules:
                rules.append(name + where)
    return out


def _file_line(code: Any) -> str:
    text = source_text(private_jax.Source(code.co_filename, code.co_firstlineno, 0, ""))
    return text.removesuffix(" ()")


@dataclasses.dataclass(frozen=True)
class Stretch:
    """Top-level equations ``start:stop`` between loops, checked as one at their boundaries by
    the search run (``ins``: the variables they read from before, ``outs``: those they make
    that are read after) and searched equation by equation only if they made a NaN or an inf
    (``drill.Records``)."""

    start: int
    stop: int
    ins: tuple[Any, ...]
    outs: tuple[Any, ...]


# Bytes of a stretch's inputs at most for it to be checked at its boundaries (the search run
# holds them, to search the stretch again); a larger one is instrumented in the search run.
STRETCH_BYTES = 1 << 26


def stretches(jaxpr: Any) -> dict[int, Stretch]:
    """The stretches of ``jaxpr``'s top level, by first equation: where it runs a loop (a
    program without one is instrumented as it is: it would be one stretch, searched again)."""
    eqns = jaxpr.eqns
    if not any(_is_loop(e) for e in eqns):
        return {}
    # Where each variable is last read: an equation's index, or len(eqns) for an output.
    last: dict[Any, int] = {}
    for i, e in enumerate(eqns):
        for v in e.invars:
            if rules.is_var(v):
                last[v] = i
    for v in jaxpr.outvars:
        if rules.is_var(v):
            last[v] = len(eqns)
    out: dict[int, Stretch] = {}
    start = 0
    for stop in [*(i for i, e in enumerate(eqns) if _is_loop(e)), len(eqns)]:
        if stop > start:
            made = dict.fromkeys(v for e in eqns[start:stop] for v in e.outvars)
            ins: dict[Any, None] = {}
            for e in eqns[start:stop]:
                for v in e.invars:
                    if rules.is_var(v) and v not in made:
                        ins[v] = None
            outs = tuple(v for v in made if last.get(v, -1) >= stop)
            size = sum(int(np.prod(v.aval.shape)) * v.aval.dtype.itemsize for v in ins)
            if size <= STRETCH_BYTES:
                out[start] = Stretch(start, stop, tuple(ins), outs)
        start = stop + 1
    return out
