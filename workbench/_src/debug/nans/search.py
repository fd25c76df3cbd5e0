"""``explain_nans``: where the first non-finite value of a derivative (or a primal) is made.

The program to explain is traced to a jaxpr (the derivative's, with the primal beside it, so both
are searched) and run as it is; where an output is not finite, it is run by an instrumented
interpreter *under* ``jax.jit``: every equation is evaluated as JAX would, and beside it a few
scalars record whether it made a NaN from NaN-free operands, or an inf from finite ones, and when
(a clock of evaluated equations) and, inside a loop, at which iteration. Loops (``scan``,
``while``, the workbench's ``checkpointed_loop``) are rebuilt and checked at each step's
boundaries; the first step that made a NaN (an inf) is run again alone, instrumented equation by
equation (``drill``), so each run is one compiled program, not an op-by-op Python loop.

Which equation is *the* origin: if an output holds a NaN, the first equation (in time) that made
a NaN, in the first step that passed one on; else the same for an inf. A NaN is usually made
from an inf met somewhere (``0 * inf``, ``inf - inf``): the first equation that made an inf is
reported beside it (the residual that carried it). The origin's operands at its first firing
say which values made it; a remedy that fits the pattern is tried by running it.

Every assumption about JAX's internals goes through ``workbench._src.internals``.
"""

import contextlib
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from workbench._src.ad.activities import Const
from workbench._src.ad.arguments import argument_names
from workbench._src.ad.entry import check_function_first
from workbench._src.ad.gradient import gradient
from workbench._src.ad.model_arguments import pack, unpack
from workbench._src.ad.modes import Mode
from workbench._src.arrays import warn_if_narrowed
from workbench._src.debug.concrete import require_concrete
from workbench._src.debug.nans.drill import Records
from workbench._src.debug.nans.equations import EqnId, _Index, custom_vjp_rules, stretches
from workbench._src.debug.nans.flow import _Flow, _inf_met, _path
from workbench._src.debug.nans.interpreter import all_small, compiled_as_users
from workbench._src.debug.nans.remedies import _remedy
from workbench._src.debug.nans.report import NanReport, Origin, Remedy
from workbench._src.errors import ArgumentError, describe, refuse_non_arrays
from workbench._src.internals import jaxprs, rules
from workbench._src.introspect import structure
from workbench._src.introspect.graph import graph_from_jaxpr
from workbench._src.leaves import is_array_leaf

# --------------------------------------------------------------------------------------------
# Entry point


def explain_nans(f: Callable[..., Any], *args: Any, mode: Mode | None = None) -> NanReport:
    """Where the first non-finite value of ``f``'s derivative (or of ``f`` with ``mode=None``)
    is made, why, and a remedy checked by running it. In a loop, in the first step whose
    results hold one (a NaN made and dropped by a ``where`` inside a step passes no step on).

    Args:
      f: the function, as for ``wb.gradient``.
      *args: its arguments; ``wb.Const(...)`` marks those not differentiated.
      mode: ``wb.Forward``, ``wb.Reverse`` (and their variants), or ``None`` for the primal
        alone. The primal result is searched in every mode.

    Returns:
      A ``NanReport``: ``print`` it, or show it in a notebook.
    """
    check_function_first("explain_nans", f, args, mode)
    require_concrete("explain_nans", args)
    with searching():
        program, flat_args, out_names = _program(f, args, mode)
        closed = jax.make_jaxpr(program)(*flat_args)
        report = explain_program(
            closed,
            flat_args,
            out_names,
            "primal" if mode is None else mode.name,
            lambda origin, inf_origin: _remedy(f, args, mode, origin, inf_origin),
            arg_names=_flat_names(f, args),
        )
        return _name_backward_rules(report, f, args)


def _name_backward_rules(report: NanReport, f: Callable[..., Any], args: Sequence[Any]) -> Any:
    """A backward-pass origin on the line of a ``jax.custom_vjp`` call is in its backward rule,
    which JAX traced under the call's line: the report names the rule (the call, and its
    ``bwd``, are equations of the primal program only)."""
    found = [o for o in (report.origin, report.inf_origin) if o and o.phase == "backward"]
    if not found:
        return report
    program, flat_args, _ = _program(f, args, None)
    rules = custom_vjp_rules(jax.make_jaxpr(program)(*flat_args))

    def named(o: Origin | None) -> Origin | None:
        if o is None or o.phase != "backward" or o.source not in rules:
            return o
        return dataclasses.replace(o, rule=" or ".join(rules[o.source]))

    return dataclasses.replace(
        report, origin=named(report.origin), inf_origin=named(report.inf_origin)
    )


@contextlib.contextmanager
def searching() -> Iterator[None]:
    """The search compiles and runs an instrumented program that meets the NaN on purpose: the
    user's ``jax_debug_nans``/``jax_debug_infs`` (which would stop it at the first NaN) and
    ``jax.disable_jit`` (which has no compiled path) are off inside it, in JAX's own scoped
    contexts (this thread only), and as they were after. No global configuration changes."""
    with jax.debug_nans(False), jax.debug_infs(False), jax.disable_jit(False):
        yield


def _flat_names(f: Callable[..., Any], args: Sequence[Any]) -> list[str]:
    """The name of each flat array argument (as ``_program`` flattens them): the argument's name
    and its path in it (``params[0]``)."""
    names = argument_names(f, len(args))
    values = [a.val if isinstance(a, Const) else a for a in args]
    out = []
    for path, _ in jax.tree_util.tree_flatten_with_path(pack(values))[0]:
        first = path[0]
        k = getattr(first, "idx", None)
        head = names[k] if isinstance(k, int) and k < len(names) else jax.tree_util.keystr(path[:1])
        out.append(head + jax.tree_util.keystr(path[1:]))
    return out


def _entered(flat_args: Sequence[Any], names: Sequence[str] | None) -> tuple[str, str] | None:
    """The first argument element that is not finite: ``("x[0]", "inf")``, or ``None``."""
    for k, x in enumerate(flat_args):
        a = np.asarray(x)
        if not np.issubdtype(a.dtype, np.inexact) or np.isfinite(a).all():
            continue
        bad = ~np.isfinite(a)
        index = tuple(int(i) for i in np.argwhere(bad)[0]) if a.ndim else ()
        kind = "nan" if np.isnan(a[index]) else "inf"
        name = names[k] if names is not None and k < len(names) else f"argument {k + 1}"
        where = "[" + ", ".join(map(str, index)) + "]" if index else ""
        return name + where, kind
    return None


def explain_program(
    closed: Any,
    flat_args: Sequence[Any],
    out_names: Sequence[str],
    mode_name: str,
    remedy: Callable[[Origin | None, Origin | None], Remedy | None] = lambda o, i: None,
    graph: Any = None,
    arg_names: Sequence[str] | None = None,
) -> NanReport:
    """``explain_nans`` on a traced program: ``closed`` (a ``ClosedJaxpr``) run on
    ``flat_args``, its outputs named ``out_names``. The ids in the report's ``path`` are those
    of ``graph_from_jaxpr(closed)``, so a viewer already drawing that graph (the inspector's
    graph tab, ``wb.graph``) can mark them; ``graph``: that graph, where the caller has built
    it already; ``arg_names``: the flat arguments' names, to say through which one a
    non-finite value came in."""
    with searching():
        return _explain(closed, flat_args, out_names, mode_name, remedy, graph, arg_names)


def _explain(
    closed: Any,
    flat_args: Sequence[Any],
    out_names: Sequence[str],
    mode_name: str,
    remedy: Callable[[Origin | None, Origin | None], Remedy | None],
    graph: Any,
    arg_names: Sequence[str] | None,
) -> NanReport:
    jaxpr, consts = jaxprs.open_jaxpr(closed)
    index = _Index()
    index.scan(jaxpr, (), (), (), structure.ROOT)

    # A program without a loop is run first as it is, compiled as the user's would be: where its
    # outputs are finite that is the whole answer, at about the cost of the user's own jit; its
    # search run instruments every equation, several times that to compile. A program that runs
    # a loop is checked at the boundaries of its loops' steps and of the stretches between them
    # (``drill``): about twice the program's compile, no more than a plain run and a search run
    # one after the other, so the search run is its first (and, where all is finite, only) run.
    if not stretches(jaxpr):
        outputs = _outputs(closed, flat_args, out_names)
        if {k for _, k, _ in outputs} == {"finite"}:
            return NanReport(False, None, None, None, outputs, mode_name, None, closed)
    records = Records(jaxpr, consts, flat_args, index.groups())
    outputs = tuple(_summary(n, o) for n, o in zip(out_names, records.outputs, strict=True))
    if {k for _, k, _ in outputs} == {"finite"} and not compiled_as_users(jaxpr):
        # The search run was compiled at -O0 (its loops do little work per step): its values
        # can differ from the user's jit's in the last bits, and a chaotic loop amplifies them
        # (4e-4 in an RNN's gradient). The program as it is gives the magnitudes reported.
        outputs = _outputs(closed, flat_args, out_names)
    kinds = {k for _, k, _ in outputs}
    if kinds == {"finite"}:  # all finite (or finite in this compile: rounding)
        return NanReport(False, None, None, None, outputs, mode_name, None, closed)
    want = "nan" if "nan" in kinds else "inf"
    first = records.first(want)
    # The graph model of the program (``graph``, where the caller has it already): the way the
    # values go, read once for the inf met and the path.
    flow = _Flow(graph_from_jaxpr(closed) if graph is None else graph)
    origin = inf_origin = None
    source: EqnId | None = None
    if first is not None:
        eid, it = first
        caps = records.capture(eid)
        origin = index.origin(eid, want, it, caps)
        if want == "nan":
            met = _inf_met(index, flow, records, eid, caps)
            if met is not None:
                source = met[0]
                inf_origin = index.origin(met[0], "inf", met[1])
    bad = [j for j, (_, k, _) in enumerate(outputs) if k != "finite"]
    path = None if origin is None else _path(flow, index, origin, source, bad)
    # No equation made the inf the NaN met (or the value itself): it came in through an argument.
    entered = _entered(flat_args, arg_names) if inf_origin is None else None
    return NanReport(
        True,
        origin,
        inf_origin,
        remedy(origin, inf_origin),
        outputs,
        mode_name,
        path,
        closed,
        entered,
    )


def _outputs(
    closed: Any, flat_args: Sequence[Any], out_names: Sequence[str]
) -> tuple[tuple[str, str, float], ...]:
    """The summary of each output of ``closed`` run on ``flat_args``, compiled as it is. Where
    every value is small (a long chain of small operations), the value and the derivatives are
    compiled apart, each as the user's own ``jax.jit`` of it would be: XLA fused a 300-layer
    chain's derivative alone into one kernel, but with the value beside it into one per layer,
    at 5x the compile time."""
    n = len(out_names)
    value = [name.startswith("value") for name in out_names]
    parts = [[True] * n]
    if all_small(jaxprs.open_jaxpr(closed)[0]) and 0 < sum(value) < n:
        parts = [value, [not v for v in value]]
    outs: list[Any] = [None] * n
    for used in parts:
        part, _ = rules.dce(closed, used)
        fn = rules.jaxpr_as_fun(part)
        got = iter(jax.device_get(jax.jit(lambda *xs, fn=fn: fn(*xs))(*flat_args)))
        for k in range(n):
            if used[k]:
                outs[k] = next(got)
    return tuple(_summary(name, o) for name, o in zip(out_names, outs, strict=True))


def _program(
    f: Callable[..., Any], args: Sequence[Any], mode: Mode | None
) -> tuple[Callable[..., Any], list[Any], list[str]]:
    """A function of the flat array arguments returning the flat outputs, and their names."""
    values = [a.val if isinstance(a, Const) else a for a in args]
    is_const = [isinstance(a, Const) for a in args]
    warn_if_narrowed(values, "wb.explain_nans", python_numbers=False)
    # A model's arrays are searched; its functions, ints and strings stay as they are (pack).
    leaves, treedef = jax.tree_util.tree_flatten(pack(values))
    names: list[str] = []
    arg_names = argument_names(f, len(args))

    def flat(*xs: Any) -> list[Any]:
        vals = unpack(jax.tree_util.tree_unflatten(treedef, xs))
        wrapped = [Const(v) if c else v for v, c in zip(vals, is_const, strict=True)]
        if mode is None:
            parts = [("value", f(*vals))]  # Const marks nothing without a derivative
            refuse_non_arrays(
                "wb.explain_nans", "the function", parts[0][1], "Return arrays (jax.numpy)."
            )
        else:
            res: Any = gradient(dataclasses.replace(mode, with_primal=True), f, *wrapped)
            parts = [("value", res.val)]
            parts += [
                (f"derivative of {arg_names[i]}", d)
                for i, d in enumerate(res.derivs)
                if d is not None
            ]
        out: list[Any] = []
        names.clear()
        for name, tree in parts:
            for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
                names.append(name + jax.tree_util.keystr(path))
                out.append(leaf)
        return out

    for x in leaves:
        if not is_array_leaf(x):
            raise ArgumentError(
                f"wb.explain_nans: an argument holds {describe(x)}, which is not an array: the "
                "search runs f on arrays. Pass arrays, and close over any other value: "
                "wb.explain_nans(lambda x: f(x, value), x)."
            )
    return flat, [jnp.asarray(x) for x in leaves], names


def _summary(name: str, x: Any) -> tuple[str, str, float]:
    a = np.asarray(x)
    if not np.issubdtype(a.dtype, np.inexact):
        return (name, "finite", float(np.max(np.abs(a), initial=0)))
    fin = np.isfinite(a)
    kind = "nan" if np.isnan(a).any() else "inf" if not fin.all() else "finite"
    big = float(np.max(np.abs(a[fin]), initial=0.0))
    return (name, kind, big)
