"""The instrumented interpreter of ``explain_nans``: every equation evaluated as JAX would, with
a few scalars beside it recording whether (and when, at which iteration) it made a NaN or an inf;
loops rebuilt, so that each run is one compiled program. The search run checks each loop at its
steps' boundaries (and, where the program runs a loop, each stretch of the top level between
loops at its own); ``drill.Records`` runs the step that made one again, instrumented."""

from collections.abc import Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.debug.nans.equations import (
    _BIG,
    _NO_ITER,
    CAPTURE_BYTES,
    QUICK_COMPILE,
    SMALL_COMPILE,
    EqnId,
    Stretch,
    _instrumented,
    _is_loop,
    _opened,
    stretches,
)
from workbench._src.internals import primitives as prims
from workbench._src.internals import regions, rules

# --------------------------------------------------------------------------------------------
# The instrumented interpreter
#
# Records: per jaxpr (its id prefix), ``(prefix, "nan")`` and ``(prefix, "inf")`` map to
# ``(times, iterations)``, arrays over the jaxpr's equations that ``levels[prefix]`` lists, of
# each one's first firing (time ``_BIG``: never); for the target, ``(eid, "cap")`` maps to
# ``(time, {"ins": operands, "out": outputs})`` at its first firing. Arrays, not a scalar per
# equation, keep the instrumented program small to compile.


class _Ctx:
    def __init__(
        self, target: EqnId | None, groups: dict[EqnId, int] | None = None, budget: int = 0
    ):
        self.target = target
        # The search run also captures the operands of the loop bodies' equations at their
        # first firing, while their bytes fit in ``budget``: for an origin in a loop they are
        # then at hand, without a second compile and run of the loop. (Outside loops, capturing
        # every equation's operands costs the compiler more than a second, targeted run.)
        self.budget = budget
        self.captured: set[EqnId] = set()
        self.levels: dict[EqnId, list[EqnId]] = {}
        # A loop's iteration is counted per group of equations (same line, primitive and pass):
        # Revolve runs one loop as several (segments whose body adds the segment's start), so
        # the count of runs of the body's line, not a loop's own counter, is the step index.
        self.groups = groups or {}
        self.num_groups = max(self.groups.values(), default=-1) + 1
        # Outside loops and branches the search run returns the small values it reduces
        # together (while their bytes fit in ``keep``): an origin there then has its operands
        # at hand, read back from them (``_Kept``), without a second compile and run.
        self.keeping = True
        self.keep = KEEP_BYTES if target is None else 0
        self.kept: dict[EqnId, tuple[list[Any], list[Any]]] = {}
        self.places: dict[EqnId, dict[int, tuple[int, int, tuple[int, ...]]]] = {}
        self.templates: dict[EqnId, dict[Any, Any]] = {}
        # Above 0 while a loop's body is traced: a loop is checked at its steps' boundaries
        # (``_marks``), its body run as it is, the group counts kept; the first step that made a
        # non-finite value is searched equation by equation afterwards (``drill.Records``).
        self.quiet = 0
        # The search run's top level, where it runs a loop: its stretches between the loops are
        # checked at their boundaries too (``equations.stretches``), by their first equation.
        self.stretches: dict[int, Stretch] = {}


def _captures(ctx: _Ctx, eid: EqnId, ins: Sequence[Any], outs: Sequence[Any]) -> bool:
    """Whether the search run captures ``eid``'s operands (the same answer each time a body is
    traced again)."""
    if ctx.target is not None:
        return False
    if eid in ctx.captured:
        return True
    size = sum(int(np.prod(np.shape(x))) * jnp.result_type(x).itemsize for x in (*ins, *outs))
    if size > ctx.budget:
        return False
    ctx.budget -= size
    ctx.captured.add(eid)
    return True


def _worst(x: Any) -> Any:
    """The worst of a value's elements: 0 (all finite), 1 (an inf, no NaN), 2 (a NaN). A traced
    int32, or a Python int where it is known when tracing (non-floats, literals), so that the
    instrumentation folds it away."""
    if not jnp.issubdtype(jnp.result_type(x), jnp.inexact):
        return 0
    if isinstance(x, (int, float, complex, np.ndarray, np.generic)):
        a = np.asarray(x)
        return 2 if np.isnan(a).any() else 0 if np.isfinite(a).all() else 1
    # One reduction, not two.
    return jnp.max(jnp.where(jnp.isnan(x), 2, (~jnp.isfinite(x)).astype(jnp.int32)), initial=0)


def _merge(old: dict[Any, Any], new: dict[Any, Any]) -> dict[Any, Any]:
    """Keeps, per entry, the earlier firing."""
    out = dict(old)
    for key, val in new.items():
        if key not in out:
            out[key] = val
            continue
        earlier = val[0] < out[key][0]
        out[key] = jax.tree_util.tree_map(lambda a, b, e=earlier: jnp.where(e, a, b), val, out[key])
    return out


# Records that hold a capture: ``(time, values)``; the others are ``(times, iterations)``.
CAPTURED = ("cap", "start_nan", "start_inf", "consts")


def _fills(template: dict[Any, Any]) -> dict[Any, Any]:
    """Records that never fired, of the template's structure."""
    out: dict[Any, Any] = {}
    for key, val in template.items():
        if key[1] in CAPTURED:
            out[key] = (
                jnp.int32(_BIG),
                jax.tree_util.tree_map(lambda a: jnp.zeros(a.shape, a.dtype), val[1]),
            )
        else:
            out[key] = (
                jnp.full(val[0].shape, _BIG, jnp.int32),
                jnp.full(val[1].shape, _NO_ITER, jnp.int32),
            )
    return out


def _eval(
    ctx: _Ctx,
    jaxpr: Any,
    consts: Sequence[Any],
    args: Sequence[Any],
    prefix: EqnId,
    clock: Any,
    it: Any,
    pending: dict[int, int] | None = None,
    span: Stretch | None = None,
) -> tuple[list[Any], dict[Any, Any], Any]:
    """``pending``: the caller's runs of each group not yet in the clock's counts, where it
    inlines a call: the call adds to them and leaves them to the caller (a count per call,
    each a vector of the groups, made the compile of a body with many calls several times
    slower). ``span``: run that stretch of the top level alone, ``args`` its inputs."""
    env: dict[Any, Any] = {}

    def read(v: Any) -> Any:
        return env[v] if rules.is_var(v) else v.val

    # The worst of each value read (see _worst), by slot; slots 0, 1, 2 hold those constants.
    # Each equation records the slots of its operands and results, and whether it made a NaN or
    # an inf is worked out for all of them at once at the end: a few vector operations, not a
    # dozen scalar ones per equation (the compiler's time is most of the search's). The traced
    # values themselves are reduced at the end too, the small ones together (``_worsts``): a
    # reduction per value made XLA's compile superlinear in the number of equations.
    values: list[Any] = []
    slots: dict[Any, int] = {}

    def slot(v: Any, value: Any = None) -> int:
        if not rules.is_var(v):
            return int(_worst(v.val))
        if v not in slots:
            x = env[v] if value is None else value
            if _known(x):
                slots[v] = int(_worst(x))
            else:
                slots[v] = 3 + len(values)
                values.append(x)
        return slots[v]

    caps: list[tuple[EqnId, list[int], list[int], Any, dict[str, Any]]] = []

    env.update(zip(jaxpr.constvars, consts, strict=True))
    env.update(zip(jaxpr.invars if span is None else span.ins, args, strict=True))
    rec: dict[Any, Any] = {}
    level_ids: list[EqnId] = []
    level_ins: list[list[int]] = []
    level_outs: list[list[int]] = []
    # An equation's time is a traced base (the clock when this stretch began) plus how many
    # equations ran since: the bases are few, the counts known when tracing.
    bases: list[Any] = [clock[0]]
    level_base: list[int] = []
    level_tick: list[int] = []
    tick = 0
    level_iter: list[Any] = []
    in_loop = not isinstance(it, int)
    own = pending is None
    if pending is None:
        pending = {}  # runs of each group in this stretch, not yet in the counts

    def flush(clock: Any, counts_too: bool = True) -> Any:
        """The clock now (the time from the bases and ticks; the group counts with the
        runs not yet added, unless they stay pending)."""
        counts = clock[1]
        if pending and counts_too:
            step = np.zeros(ctx.num_groups, np.int32)
            for g, n in pending.items():
                step[g] = n
            counts = counts + jnp.asarray(step)
            pending.clear()
        return bases[-1] + tick, counts

    stop = None if ctx.target is None or prefix or in_loop else ctx.target[0]
    keeping = ctx.keeping and ctx.target is None and not in_loop
    # The search run's top level: its stretches checked at their boundaries (``ctx.stretches``).
    top = not prefix and not in_loop and span is None and not ctx.quiet
    spans = ctx.stretches if top and ctx.target is None else {}
    checking: tuple[Stretch, Any, list[Any]] | None = None

    def close(checking: tuple[Stretch, Any, list[Any]]) -> None:
        st, at, ins = checking
        ctx.quiet -= 1
        outs = [read(v) for v in st.outs]
        rec.update(_marks((st.start, -1), at, _NO_ITER, _worst_of(ins), outs, ins))

    for i, eqn in enumerate(jaxpr.eqns):
        if span is not None and not span.start <= i < span.stop:
            continue
        if stop is not None and i > stop:
            break  # the capture run needs nothing after the target: the rest is not traced
        if checking is not None and i >= checking[0].stop:
            close(checking)
            checking = None
        if i in spans:
            st = spans[i]
            clock = flush(clock)
            checking = (st, clock, [read(v) for v in st.ins])
            ctx.quiet += 1
        eid = (*prefix, i)
        ins = [read(v) for v in eqn.invars]
        subs = _opened(eqn)
        if subs is not None:
            inlined = regions.region_of(eqn.primitive).call  # type: ignore[union-attr]
            clock = flush(clock, counts_too=not inlined)
            shared = pending if inlined else None
            outs, sub_rec, clock = _enter(ctx, eqn, subs, ins, eid, clock, it, shared)
            rec = _merge(rec, sub_rec)
            env.update(zip(eqn.outvars, outs, strict=True))
            bases.append(clock[0])
            tick = 0
            continue
        outs = eqn.primitive.bind(*ins, **eqn.params)
        if not eqn.primitive.multiple_results:
            outs = [outs]
        tick += 1
        env.update(zip(eqn.outvars, outs, strict=True))
        if ctx.quiet:
            # A loop's body, checked at its boundaries: nothing recorded, but the groups counted
            # as below, so that a step searched afterwards names its iteration.
            if eqn.primitive not in prims.MOVES and any(map(_inexact, eqn.outvars)):
                g = ctx.groups.get(eid)
                if g is not None:
                    pending[g] = pending.get(g, 0) + 1
            continue
        if (eqn.primitive in prims.MOVES or ctx.target is not None) and eid != ctx.target:
            # Moves values only: makes nothing non-finite (its results' worst is read when
            # needed); or, in the capture run, not the target: only the target is instrumented.
            continue
        out_slots = [slot(v, o) for v, o in zip(eqn.outvars, outs, strict=True)]
        if all(k == 0 for k in out_slots) and eid != ctx.target:
            # No float result (a counter, a comparison): it cannot make a NaN or an inf.
            continue
        in_slots = [slot(v) for v in eqn.invars]
        if keeping:
            ctx.kept[eid] = (
                [_place(v, k, env) for v, k in zip(eqn.invars, in_slots, strict=True)],
                [_place(v, k, env) for v, k in zip(eqn.outvars, out_slots, strict=True)],
            )
        level_ids.append(eid)
        level_ins.append(in_slots)
        level_outs.append(out_slots)
        level_base.append(len(bases) - 1)
        level_tick.append(tick)
        if in_loop:
            g = ctx.groups.get(eid)
            if g is None:
                level_iter.append(jnp.asarray(it, jnp.int32))
            else:
                level_iter.append(clock[1][g] + pending.get(g, 0))
                pending[g] = pending.get(g, 0) + 1
        if eid == ctx.target or (in_loop and _captures(ctx, eid, ins, outs)):
            caps.append((eid, in_slots, out_slots, bases[-1] + tick, {"ins": ins, "out": outs}))
    if checking is not None:
        close(checking)
    if level_ids or caps:
        worsts, pos, flats, places = _worsts(values)
        w = jnp.concatenate([jnp.arange(3, dtype=jnp.int32), *worsts])
        # A slot's place in ``w``: slots 0, 1, 2 where they are, a value's where _worsts put it.
        remap = np.concatenate([np.arange(3), 3 + pos]).astype(np.int32)
        size = sum(int(f.size) * f.dtype.itemsize for f in flats)
        if keeping and flats and size <= ctx.keep:
            ctx.keep -= size
            rec[(prefix, "vals")] = flats
            ctx.places[prefix] = {3 + k: p for k, p in enumerate(places) if p is not None}
    for eid, in_slots, out_slots, time, captured in caps:
        w_in = w[remap[np.asarray([0, *in_slots])]].max()
        w_out = w[remap[np.asarray([0, *out_slots])]].max()
        fired = ((w_in < 2) & (w_out == 2)) | ((w_in == 0) & (w_out == 1))
        rec[(eid, "cap")] = (jnp.where(fired, time, _BIG), captured)
    if level_ids:
        ctx.levels[prefix] = level_ids
        in_max = w[remap[_padded(level_ins)]].max(axis=1)
        out_max = w[remap[_padded(level_outs)]].max(axis=1)
        made_nan = (in_max < 2) & (out_max == 2)
        made_inf = (in_max == 0) & (out_max == 1)
        clocks = jnp.stack(bases)[np.asarray(level_base)] + np.asarray(level_tick, np.int32)
        its = jnp.stack(level_iter) if in_loop else jnp.full(len(level_ids), _NO_ITER, jnp.int32)
        rec[(prefix, "nan")] = (jnp.where(made_nan, clocks, _BIG), its)
        rec[(prefix, "inf")] = (jnp.where(made_inf, clocks, _BIG), its)
    if stop is not None or span is not None:
        return [], rec, flush(clock, own)  # the capture run, a stretch: outputs not read
    return [read(v) for v in jaxpr.outvars], rec, flush(clock, own)


def _inexact(v: Any) -> bool:
    return bool(jnp.issubdtype(v.aval.dtype, jnp.inexact))


def _known(x: Any) -> bool:
    """Whether a value's worst is known when tracing (a non-float, a concrete array)."""
    return not jnp.issubdtype(jnp.result_type(x), jnp.inexact) or isinstance(
        x, (int, float, complex, np.ndarray, np.generic)
    )


# Values of at most this many elements are reduced together, by dtype, in batches of at most
# BATCH elements (a concatenation and one segmented maximum); larger ones with the others of
# their shape, at most GROUP in one variadic reduce.
SMALL_VALUE = 1 << 14
BATCH = 1 << 18
GROUP = 32


def _code(x: Any) -> Any:
    """Per element: 0 finite, 1 an inf, 2 a NaN (int32)."""
    return jnp.where(jnp.isnan(x), 2, (~jnp.isfinite(x)).astype(jnp.int32))


def _worsts(
    values: Sequence[Any],
) -> tuple[list[Any], np.ndarray, list[Any], list[tuple[int, int, tuple[int, ...]] | None]]:
    """The worst (see ``_worst``) of each traced value, as int32 vectors, and where each value's
    worst is in their concatenation (``pos[k]`` for ``values[k]``). A reduction per value made
    XLA's compile grow faster than the number of equations (minutes for a 100-layer chain): on
    CPU each is a kernel of its own, and a large one is split into a reduce-window over its
    materialized check. So small values are batched (a few operations per batch), and large
    ones of one shape are the operands of one variadic reduce (each one's check fuses into it:
    a kernel for the group, no copy). Also the batches' concatenated values, and where each
    small value is in them: ``(batch, offset, shape)``, or ``None`` for a large value."""
    out: list[Any] = []
    flats: list[Any] = []
    places: list[tuple[int, int, tuple[int, ...]] | None] = [None] * len(values)
    pos = np.zeros(len(values), np.int64)
    small: dict[Any, list[int]] = {}  # by dtype
    large: dict[tuple[int, ...], list[int]] = {}  # by shape
    for k, x in enumerate(values):
        if int(np.size(x)) > SMALL_VALUE:
            large.setdefault(tuple(np.shape(x)), []).append(k)
        else:
            small.setdefault(jnp.result_type(x), []).append(k)

    def put(part: list[int], worst: Any) -> None:
        pos[part] = sum(int(w.shape[0]) for w in out) + np.arange(len(part))
        out.append(worst)

    def close(batch: list[int]) -> None:
        if not batch:
            return
        flat = jnp.concatenate([jnp.ravel(values[k]) for k in batch])
        flats.append(flat)
        sizes = [int(np.size(values[k])) for k in batch]
        ids = jnp.asarray(np.repeat(np.arange(len(batch), dtype=np.int32), sizes))
        worst = jax.ops.segment_max(_code(flat), ids, len(batch), indices_are_sorted=True)
        put(batch, jnp.maximum(worst, 0))  # an empty value's segment: the lowest int32

    for ks in small.values():
        batch: list[int] = []
        size = 0
        for k in ks:
            n = int(np.size(values[k]))
            if size + n > BATCH:
                close(batch)
                batch, size = [], 0
            places[k] = (len(flats), size, tuple(np.shape(values[k])))
            batch.append(k)
            size += n
        close(batch)
    for shape, ks in large.items():
        for start in range(0, len(ks), GROUP):
            part = ks[start : start + GROUP]
            worsts = jax.lax.reduce(
                tuple(_code(values[k]) for k in part),
                tuple(np.int32(0) for _ in part),
                lambda a, b: tuple(jnp.maximum(x, y) for x, y in zip(a, b, strict=True)),
                tuple(range(len(shape))),
            )
            put(part, jnp.stack(worsts))
    return out, pos, flats, places


def _place(v: Any, k: int, env: dict[Any, Any]) -> Any:
    """Where the search run's kept values hold ``v`` (slot ``k``): ``("value", x)`` where it is
    known when tracing, ``("slot", k)`` for a traced float (found in them or not)."""
    if not rules.is_var(v):
        return ("value", v.val)
    x = env[v]
    if _known(x):
        return ("value", x) if not isinstance(x, jax.core.Tracer) else None
    return ("slot", k)


class _Kept:
    """The operands and results of the search run's equations outside loops and branches, read
    back from the small values it returned (``_Ctx.keeping``)."""

    def __init__(self, ctx: _Ctx, vals: dict[EqnId, list[np.ndarray]]):
        self.kept, self.places, self.vals = ctx.kept, ctx.places, vals

    def capture(self, eid: EqnId) -> dict[str, list[Any]] | None:
        """What a capture run of ``eid`` returns, or ``None`` where a value was not kept."""
        if eid not in self.kept:
            return None
        prefix = eid[:-1]
        places, vals = self.places.get(prefix, {}), self.vals.get(prefix)
        got: list[list[Any]] = [[], []]
        for side, locs in zip(got, self.kept[eid], strict=True):
            for loc in locs:
                if loc is None:
                    return None
                if loc[0] == "value":
                    side.append(np.asarray(loc[1]))
                    continue
                if vals is None or loc[1] not in places:
                    return None
                b, offset, shape = places[loc[1]]
                side.append(vals[b][offset : offset + int(np.prod(shape))].reshape(shape))
        return {"ins": got[0], "out": got[1]}


def _padded(rows: list[list[int]]) -> np.ndarray:
    """The rows as one index array, padded with slot 0 (the constant 0: finite, so it changes
    no maximum)."""
    out = np.zeros((len(rows), max(1, *map(len, rows))), np.int32)
    for r, row in enumerate(rows):
        out[r, : len(row)] = row
    return out


def _enter(
    ctx: _Ctx,
    eqn: Any,
    subs: list[regions.SubJaxpr],
    ins: list[Any],
    eid: EqnId,
    clock: Any,
    it: Any,
    pending: dict[int, int] | None = None,
) -> tuple[list[Any], dict[Any, Any], Any]:
    """An equation that holds jaxprs: calls are inlined (``pending``: the caller's group runs
    not yet counted, see ``_eval``); branches and loops rebuilt by their registration
    (``internals.regions``) around the instrumented jaxprs, the clock and the records threaded
    through every run of a body."""
    region = regions.region_of(eqn.primitive)
    assert region is not None and region.opens  # _opened decides
    if region.call:
        (sub,) = subs
        return _eval(ctx, sub.jaxpr, sub.consts, ins, (*eid, 0), clock, it, pending)
    keeping, ctx.keeping = ctx.keeping, False  # a branch's or a loop's body: not kept
    try:
        return _rebuilt(ctx, eqn, region, subs, ins, eid, clock, it)
    finally:
        ctx.keeping = keeping


def _rebuilt(
    ctx: _Ctx,
    eqn: Any,
    region: Any,
    subs: list[regions.SubJaxpr],
    ins: list[Any],
    eid: EqnId,
    clock: Any,
    it: Any,
) -> tuple[list[Any], dict[Any, Any], Any]:

    def run(k: int, sub: regions.SubJaxpr, clk: Any, index: Any, xs: Sequence[Any]) -> Any:
        # ``index``: the loop's step (the iteration a record names); else the enclosing one's.
        step = it if index is None else index
        return _eval(ctx, sub.jaxpr, sub.consts, list(xs), (*eid, k), clk, step)

    # The records every body can make, so that the state keeps one structure through a loop's
    # steps and across a cond's branches. Worked out once per equation: an enclosing loop's
    # body is traced more than once (for its own template, then to run), and each level of
    # nesting would double the traces of the bodies inside it.
    # A loop's steps are checked at their boundaries (see ``_Ctx.quiet``); where this loop is
    # not itself inside one (nor in a capture run), each step's check is recorded (``_marks``).
    marked = region.loop and not ctx.quiet and ctx.target is None
    index0 = jnp.int32(0) if region.loop else None
    template = ctx.templates.get(eid)
    if template is None:
        template = ctx.templates[eid] = {}
        for k, sub in enumerate(subs):
            if not _instrumented(sub):
                continue
            if marked:
                template.update(_mark_template((*eid, k), sub, clock))
            elif not (region.loop or ctx.quiet):
                avals = [jax.ShapeDtypeStruct(v.aval.shape, v.aval.dtype) for v in sub.jaxpr.invars]
                made = jax.eval_shape(
                    lambda c, i, xs, k=k, s=sub: run(k, s, c, i, xs), clock, index0, avals
                )
                template.update(made[1])

    def body(k: int, sub: regions.SubJaxpr) -> regions.Body:
        if not _instrumented(sub):
            plain = rules.jaxpr_as_fun(rules.close(sub.jaxpr, sub.consts))
            return lambda state, index, *xs: (plain(*xs), state)

        if region.loop:

            def checked(state: Any, index: Any, *xs: Any) -> Any:
                clk, rec = state
                ctx.quiet += 1
                try:
                    outs, _, clk = run(k, sub, clk, index, xs)
                finally:
                    ctx.quiet -= 1
                if marked:
                    step = it if index is None else index
                    varying = [x for x, f in zip(xs, fixed_inputs(sub), strict=True) if not f]
                    w_in = jnp.maximum(_worst_of(varying), fixed_worst[k])
                    rec = _merge(rec, _marks((*eid, k), state[0], step, w_in, outs, varying))
                return outs, (clk, rec)

            return checked

        def instrumented(state: Any, index: Any, *xs: Any) -> Any:
            clk, rec = state
            outs, new, clk = run(k, sub, clk, index, xs)
            return outs, (clk, _merge(rec, new))

        return instrumented

    # The worst of the loop's constants, once, outside the loop (the same at every step).
    fixed_worst: list[Any] = [
        _worst_of(_fixed_values(eqn, sub, ins)) if marked and _instrumented(sub) else 0
        for sub in subs
    ]
    bodies = [body(k, sub) for k, sub in enumerate(subs)]
    assert region.rebuild is not None  # region.opens
    entry = clock
    outs, (clock, rec) = region.rebuild(eqn, ins, bodies, (clock, _fills(template)))
    if marked:
        for k, sub in enumerate(subs):
            if _instrumented(sub):  # the loop's constants, for a step searched afterwards
                rec[((*eid, k), "consts")] = (entry[0], _fixed_values(eqn, sub, ins))
    return list(outs), rec, clock


def _worst_of(values: Sequence[Any]) -> Any:
    """The worst (see ``_worst``) of all ``values`` together: the small ones of a dtype reduced
    as one, so that a step's check is a few reductions whatever the number of values."""
    worst: Any = 0
    small: dict[Any, list[Any]] = {}
    for x in values:
        if _known(x) or int(np.size(x)) > SMALL_VALUE:
            worst = jnp.maximum(worst, _worst(x))
        else:
            small.setdefault(jnp.result_type(x), []).append(jnp.ravel(x))
    for flats in small.values():
        worst = jnp.maximum(worst, _worst(jnp.concatenate(flats)))
    return jnp.asarray(worst, jnp.int32)


def _marks(
    prefix: EqnId, clock: Any, step: Any, w_in: Any, outs: Any, varying: Sequence[Any]
) -> dict[Any, Any]:
    """The records of one step of a loop's body ``prefix`` (or of a stretch of the top level,
    ``(first equation, -1)``), checked at its boundaries: whether it made a NaN from NaN-free
    inputs (an inf from finite ones; ``w_in``: the worst of its inputs), when (just after
    ``clock``, before any equation of the step) and, to search that step afterwards, the clock,
    the step and its inputs that are not the loop's constants (``varying``). A NaN made and
    dropped inside one step (``where``) is not seen here: the first step that passes one on
    is."""
    w_out = _worst_of(list(outs))
    fired = {"nan": (w_in < 2) & (w_out == 2), "inf": (w_in == 0) & (w_out == 1)}
    start = {"clock": clock, "step": jnp.asarray(step, jnp.int32), "xs": varying}
    out: dict[Any, Any] = {}
    for kind, made in fired.items():
        time = jnp.where(made, clock[0] + 1, _BIG)
        out[(prefix, "mark_" + kind)] = (time, start["step"])
        out[(prefix, "start_" + kind)] = (time, start)
    return out


def _mark_template(prefix: EqnId, sub: regions.SubJaxpr, clock: Any) -> dict[Any, Any]:
    """What ``_marks`` records, as shapes (for ``_fills``)."""
    scalar = jax.ShapeDtypeStruct((), jnp.int32)
    start = {
        "clock": (scalar, jax.ShapeDtypeStruct(np.shape(clock[1]), jnp.int32)),
        "step": scalar,
        "xs": [
            jax.ShapeDtypeStruct(v.aval.shape, v.aval.dtype)
            for v, f in zip(sub.jaxpr.invars, fixed_inputs(sub), strict=True)
            if not f
        ],
    }
    out: dict[Any, Any] = {}
    for kind in ("nan", "inf"):
        out[(prefix, "mark_" + kind)] = (scalar, scalar)
        out[(prefix, "start_" + kind)] = (scalar, start)
    return out


def fixed_inputs(sub: regions.SubJaxpr) -> list[bool]:
    """Per input of ``sub``, whether it is one of the loop's constants (``SubJaxpr.fixed``)."""
    return list(sub.fixed) or [False] * len(sub.jaxpr.invars)


def _fixed_values(eqn: Any, sub: regions.SubJaxpr, ins: Sequence[Any]) -> list[Any]:
    """The values of the loop's constants among ``sub``'s inputs (``SubJaxpr.fixed``)."""
    out = []
    for atom, fixed in zip(sub.inputs, sub.fixed, strict=False):
        if fixed:
            j = next(j for j, v in enumerate(eqn.invars) if v is atom)
            out.append(jnp.asarray(ins[j]))
    return out


# What the search run may return of the values it reduces outside loops, in bytes.
KEEP_BYTES = 1 << 25
# Elements a loop's body makes per step above which the instrumented program is optimized.
LOOP_WORK = 1 << 15
# Elements of the largest value at most for which the instrumented program is not fused.
SMALL_VALUES = 1 << 12


def _loop_work(jaxpr: Any) -> tuple[int, int]:
    """(the most elements any loop body of ``jaxpr`` makes per step, nested ones included; the
    most elements of any one value it makes)."""
    most = largest = 0
    for eqn in jaxpr.eqns:
        for v in eqn.outvars:
            largest = max(largest, int(np.prod(np.shape(v.aval))))
        subs = _opened(eqn)
        if subs is None:
            continue
        for sub in subs:
            if not _instrumented(sub):
                continue
            inner = sub.jaxpr
            if _is_loop(eqn):
                made = sum(int(np.prod(np.shape(v.aval))) for e in inner.eqns for v in e.outvars)
                most = max(most, made)
            w, big = _loop_work(inner)
            most, largest = max(most, w), max(largest, big)
    return most, largest


def all_small(jaxpr: Any) -> bool:
    """Whether no loop of ``jaxpr`` does real work per step and no value is large (a long chain
    of small operations, which XLA's fusion handles badly)."""
    work, largest = _loop_work(jaxpr)
    return work <= LOOP_WORK and largest <= SMALL_VALUES


def compiled_as_users(jaxpr: Any) -> bool:
    """Whether the search run of ``jaxpr`` is compiled with the default options, as the user's
    ``jax.jit`` would be (see ``compile_once``): its values are then the user's."""
    return _loop_work(jaxpr)[0] > LOOP_WORK


def compile_once(lowered: Any, jaxpr: Any) -> Any:
    """``lowered`` (a program of ``jaxpr``, to run once) compiled with the options that fit it:
    the default where a loop does real work per step, else LLVM at -O0, and without fusion
    where every value is small (see ``_run``)."""
    work, largest = _loop_work(jaxpr)
    if work > LOOP_WORK:
        options: dict[str, Any] = {}
    else:
        options = SMALL_COMPILE if largest <= SMALL_VALUES else QUICK_COMPILE
    try:
        return lowered.compile(options)
    except Exception:  # a backend that does not take the option: the default compile
        return lowered.compile()


def _run(
    jaxpr: Any,
    consts: Sequence[Any],
    args: Sequence[Any],
    target: EqnId | None,
    groups: dict[EqnId, int] | None = None,
    prefix: EqnId = (),
    start: Any = None,
    span: Stretch | None = None,
    spans: dict[int, Stretch] | None = None,
) -> tuple[Any, list[Any]]:
    """Compiles and runs the instrumented program once: its records (or, with a target, what it
    captured at the target's first firing) and its outputs. ``prefix`` and ``start``: the
    program is one step of the loop body ``prefix``, started at ``start`` (the clock and the
    step that ``_marks`` recorded). ``span``: the program is that stretch of the top level,
    ``args`` its inputs, ``start`` the clock at its start. ``spans``: ``stretches(jaxpr)``,
    where the caller has them."""

    ctx = _Ctx(target, groups, CAPTURE_BYTES if target is None else 0)
    if target is None and start is None:
        ctx.stretches = stretches(jaxpr) if spans is None else spans

    def go(consts: Sequence[Any], args: Sequence[Any], start: Any) -> Any:
        if start is None:
            clock, step = (jnp.int32(0), jnp.zeros(ctx.num_groups, jnp.int32)), _NO_ITER
        else:
            clock, step = start["clock"], start.get("step", _NO_ITER)
        outs, rec, _ = _eval(ctx, jaxpr, consts, args, prefix, clock, step, span=span)
        if target is not None:
            rec = rec.get((target, "cap"), (jnp.int32(_BIG), {}))[1]
        return rec, outs

    lowered = jax.jit(go).trace(list(consts), list(args), start).lower()
    # Run once: the compiler's time counts, the program's speed hardly (LLVM at -O0 halves the
    # compile of a loop's instrumented body on CPU), unless a loop does real work per step (an
    # N-body step: unoptimized, its run took 3x the whole gradient's compile and run). For this
    # one program only. Its values can differ from the user's compiled program's in the last
    # bit (another compile, as any re-run under checkify or jax_debug_nans is).
    rec, outs = compile_once(lowered, jaxpr)(list(consts), list(args), start)
    if target is not None:
        return jax.device_get(rec), outs
    # What a step searched afterwards starts from stays on the device until it is searched.
    held = {key: rec.pop(key) for key in list(rec) if key[1] in ("start_nan", "start_inf")}
    for p, k in [key for key in rec if key[1] == "consts"]:
        constants = rec.pop((p, k))[1]
        held[(p, "consts_nan")] = held[(p, "consts_inf")] = constants
    rec = jax.device_get(rec)
    # One entry per equation: (eid, kind) -> (time, iteration); (eid, "cap") -> what the
    # search captured of it, for those it captured; (body, "mark_nan") -> (time, step) of the
    # first step of a loop's body that made a NaN, and what to search it with.
    flat: dict[Any, Any] = dict(held)
    vals = {p: val for (p, kind), val in rec.items() if kind == "vals"}
    if vals:
        flat[(prefix if span is None else (span.start, -1), "kept")] = _Kept(ctx, vals)
    for (p, kind), val in rec.items():
        if kind == "vals":
            continue
        if kind == "cap":
            flat[(p, kind)] = val[1]
        elif kind.startswith("mark_"):
            flat[(p, kind)] = (int(val[0]), int(val[1]))
        else:
            for eid, t, k in zip(ctx.levels[p], *val, strict=True):
                flat[(eid, kind)] = (t, k)
    return flat, outs


def _first(records: dict[Any, Any], kind: str) -> tuple[EqnId, int] | None:
    best: tuple[int, EqnId, int] | None = None
    for (eid, k), val in records.items():
        if k != kind:
            continue
        t, it = int(val[0]), int(val[1])
        if t < _BIG and (best is None or t < best[0]):
            best = (t, eid, it)
    return None if best is None else (best[1], best[2])
