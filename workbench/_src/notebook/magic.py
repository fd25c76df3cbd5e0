"""``%%reactant`` and ``%reactant``: run a cell, compile its last expression, inspect it.

Like Reactant's ``@jit expr``: the cell runs in the user namespace; its last expression becomes a
function of the free variables that hold arrays or containers of arrays (traced arguments), every
other value being a compile-time constant. The result is shown with an inspector whose views are
built from ``wb.inspect``'s data. Modelled on anywidget's cell magic: a ``Magics`` subclass, flags
from ``magic_arguments`` (so ``%%reactant?`` documents them), then ``shell.transform_cell``.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import keyword
import re
import types
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import jax
import numpy as np
from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments
from IPython.display import display

# Loaded by `%load_ext workbench` (workbench.load_ipython_extension), after `import workbench`
# is complete: the magic may import the whole workbench, widgets included, at the top.
import workbench as wb
from workbench._src.compile import Compiled, traced_for
from workbench._src.debug.nans.report import NanReport
from workbench._src.errors import (
    OutOfMemoryError,
    WorkbenchError,
    describe,
    is_out_of_memory,
    out_of_memory,
    warn_fallback,
)
from workbench._src.introspect.inspection import inspect
from workbench._src.notebook import html
from workbench._src.notebook import magic_flags as flags
from workbench._src.notebook.cell_expression import (
    CONSTANT,
    IPYTHON_NAMES,
    expression_function,
    free_arrays,
    refuse_await,
    statements,
)
from workbench._src.notebook.inspector import Inspector
from workbench._src.notebook.nan_views import explain_traced
from workbench._src.notebook.views import VIEWS, Failed, Gradients, View, build_views
from workbench._src.sources import cache_cell

DEFAULT_VIEWS = ["result", "jaxpr", "stablehlo", "hlo", "graph", "memory", "cost", "timing"]
UNOPTIMIZED_VIEWS = [v for v in DEFAULT_VIEWS if v != "hlo"]
DEFAULT_TIMED_RUNS = 7
DEVICE_KINDS = ("cpu", "gpu", "tpu")


def _flags(f: Callable[..., Any]) -> Callable[..., Any]:
    """The flags shared by ``%%reactant`` and ``%reactant``."""
    decorators = [
        argument(
            "--views",
            default=None,
            metavar="LIST",
            help="comma-separated views to show, out of: "
            + ", ".join(VIEWS)
            + ". Default: all but grad (added by --grad) and sharding (added when the program "
            "spans more than one device).",
        ),
        argument(
            "--no-optimize",
            action="store_true",
            help="show the program as JAX lowered it (jaxpr, StableHLO) and leave out XLA's "
            "optimized HLO, like Reactant's @code_hlo optimize=false.",
        ),
        argument(
            "--device",
            default=None,
            metavar="DEV",
            help="where the traced arrays are placed and the program runs: cpu, gpu, tpu, or a "
            "device index into jax.devices(). Default: JAX's default device.",
        ),
        argument(
            "--timed",
            action="store_true",
            help=f"run the compiled program {DEFAULT_TIMED_RUNS} times (after a warm-up) and "
            "report the compile time and the median run time.",
        ),
        argument(
            "--runs",
            type=int,
            default=None,
            metavar="N",
            help="how many timed runs --timed makes.",
        ),
        argument(
            "--compile",
            default=None,
            metavar="NAME",
            help="bind the compiled program in the namespace as NAME; it takes the traced "
            "arrays, in the order the inspector's title lists them.",
        ),
        argument(
            "--grad",
            default=None,
            metavar="NAMES",
            help="comma-separated array inputs of the expression to differentiate with respect "
            "to (reverse mode; the expression must be a real scalar); adds the gradient view.",
        ),
        argument(
            "--nans",
            action="store_true",
            help="find where the first NaN or inf of the expression (of its gradient, with "
            "--grad) is made: wb.explain_nans on the program shown, run once more, "
            "instrumented. Adds the NaN-origin view and marks the origin, its way to the "
            "outputs and the residual that carried it in the graph.",
        ),
    ]
    for d in reversed(decorators):
        f = d(f)
    return magic_arguments()(f)


@dataclasses.dataclass
class ReactantResult:
    """What ``%%reactant`` returns and displays.

    Attributes:
      value: the expression's value, computed by the compiled program.
      inputs: the traced inputs, by name (the free variables of the expression holding arrays).
      inspection: ``wb.inspect``'s report on the expression.
      views: the inspector's views (built from ``inspection``; a failed one carries a note).
      gradients: with ``--grad``, the gradient values by name and the derivative's inspection.
      compiled: the ``wb.Compiled`` program.
      nans: with ``--nans``, ``wb.explain_nans``'s report on the program the graph shows.
    """

    value: Any
    inputs: dict[str, Any]
    inspection: Any
    views: list[View]
    gradients: Gradients | None
    compiled: Any
    cell: Any = dataclasses.field(default=None, repr=False, compare=False)  # see _cell_key
    nans: NanReport | None = None

    @property
    def title(self) -> str:
        args = ", ".join(self.inputs)
        return f"%%reactant: {self.inspection.name}({args})"

    def widget(self) -> Any:
        """A new inspector widget for this result: its graph tab draws the graph viewer (the
        gradient's program, with --grad), and its IR lines link to the graph's nodes."""

        gradient = self.gradients.inspection if self.gradients is not None else None
        return Inspector.of(self.title, self.views, self.inspection, gradient, self.nans)

    def _shown_widget(self) -> Any:
        """The widget this result is displayed with (made once, again if it was closed).

        Held weakly: an open widget lives in ipywidgets' registry until it is closed, and a
        closed one is freed even while the result lives on in IPython's ``Out``. Showing it
        closes the widget shown by the previous run of the same cell (whose output the front
        end replaced), so that re-running a cell keeps one widget, not one per run."""
        ref = self.__dict__.get("_widget")
        made = ref() if ref is not None else None
        if made is None or made.comm is None:
            made = self.widget()
            self.__dict__["_widget"] = weakref.ref(made)
            _replace_cells_widget(self.cell, made)
        return made

    def _ipython_display_(self) -> None:
        # Live in a front end that draws widgets, the static fallback elsewhere (html.show).
        try:
            widget = self._shown_widget()
        except Exception as e:  # the fallbacks still show
            warn_fallback("The inspector's widget could not be made", e, "its text is shown")
            display(self._fallbacks(), raw=True)
            return
        widget._ipython_display_()

    def _fallbacks(self) -> dict[str, Any]:

        return {
            "text/html": html.to_html(self.title, self.views),
            "text/plain": html.to_plain(self.title, self.views),
        }

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        try:
            return dict(self._shown_widget()._repr_mimebundle_())
        except Exception as e:  # the fallbacks still show
            warn_fallback("The inspector's widget could not be made", e, "its text is shown")
            return self._fallbacks()

    def __repr__(self) -> str:

        return html.to_plain(self.title, self.views)


# The widget each cell showed last (by _cell_key), held weakly: re-running the cell closes it.
_cells_widgets: dict[Any, weakref.ref[Any]] = {}


def _replace_cells_widget(cell: Any, widget: Any) -> None:
    if cell is None:
        return
    ref = _cells_widgets.get(cell)
    old = ref() if ref is not None else None
    if old is not None and old is not widget and old.comm is not None:
        old.close()

    def forget(dead: weakref.ref[Any]) -> None:
        if _cells_widgets.get(cell) is dead:
            del _cells_widgets[cell]

    _cells_widgets[cell] = weakref.ref(widget, forget)


def _cell_key(shell: Any, where: str, line: str, cell: str) -> Any:
    """Which cell a result is shown in: the front end's cell id where the kernel has it
    (JupyterLab sends one with each execution), else the cell's text and flags."""
    info = getattr(getattr(shell.displayhook, "exec_result", None), "info", None)
    cell_id = getattr(info, "cell_id", None)
    if cell_id is not None:
        return (cell_id, line) if where == "%reactant" else cell_id
    return (where, line, cell)


@magics_class
class ReactantMagics(Magics):
    """``%%reactant`` (cell) and ``%reactant`` (line)."""

    @_flags
    @cell_magic
    def reactant(self, line: str, cell: str) -> ReactantResult | None:
        """Run the cell; compile and inspect its last expression, like Reactant's ``@jit``.

        The cell runs in the notebook's namespace. Its last expression is traced as a function of
        its free variables that hold arrays (or dicts, lists, tuples of arrays); other values are
        compile-time constants. The result is shown with an inspector (result, jaxpr, StableHLO,
        optimized HLO, graph, memory, cost, timing; gradient with --grad; sharding when the
        program spans several devices). Example::

            %%reactant --grad x --timed
            y = 2.0
            jnp.sum(jnp.sin(x) * y)
        """
        args = flags.parse(self.reactant, line, "%%reactant")
        key = _cell_key(self.shell, "%%reactant", line, cell)
        return _Run(self.shell, args, "%%reactant", key).cell(cell)

    @_flags
    @line_magic("reactant")  # type: ignore[arg-type]
    def reactant_line(self, line: str) -> ReactantResult | None:
        """``%reactant [flags] EXPRESSION``: compile and inspect one expression (see
        ``%%reactant?``)."""
        flag_text, expression = flags.split_line(self.reactant_line, line)
        if not expression.strip():
            raise UsageError(
                "%reactant needs an expression after the flags, e.g. %reactant jnp.sin(x) * 2"
            )
        args = flags.parse(self.reactant_line, flag_text, "%reactant")
        key = _cell_key(self.shell, "%reactant", line, "")
        return _Run(self.shell, args, "%reactant", key).cell(expression)


# --------------------------------------------------------------------------------------------
# One run of the magic


class _UserError(Exception):
    """The user's code raised; the traceback was shown already."""


class _Run:
    def __init__(self, shell: Any, args: Any, where: str, key: Any = None):
        self.shell = shell
        self.args = args
        self.where = where
        self.key = key

    # The steps -----------------------------------------------------------------------------

    def cell(self, cell: str) -> ReactantResult | None:
        args, where = self.args, self.where
        views = flags.names(args.views, "--views", list(VIEWS), where)
        if args.compile is not None:
            _check_compile_name(args.compile, self.shell.user_ns, where)
        if args.runs is not None and args.runs < 1:
            raise UsageError(f"{where}: --runs needs 1 or more, but got {args.runs}.")
        if args.runs is not None and not args.timed:
            raise UsageError(
                f"{where}: --runs {args.runs} counts the runs of --timed; add --timed."
            )
        device = _device(args.device, where)

        source, filename = cache_cell(self.shell, cell, magic_line=where == "%%reactant")
        try:
            module = ast.parse(source, filename=filename)
        except SyntaxError as e:
            self.shell.showsyntaxerror(filename)
            self._mark_error(e)
            return None
        body, last = module.body, None
        if body and isinstance(body[-1], ast.Expr):
            last = body[-1].value
            body = body[:-1]
        if last is not None:
            refuse_await(last, where)
        run = statements(body, filename, self.shell, where) if body else None
        try:
            if run is not None:
                self._user(run, filename)
            if last is None:
                for flag in ("grad", "compile"):
                    if getattr(args, flag) is not None:
                        raise UsageError(
                            f"{where}: --{flag} needs the cell to end with an expression to "
                            "compile, but its last line is a statement."
                        )
                return None
            return self._inspect(last, source, filename, views, device)
        except _UserError:
            return None

    def _inspect(
        self, node: ast.expr, source: str, filename: str, views: list[str], device: Any
    ) -> ReactantResult:

        args, where = self.args, self.where
        ns = self.shell.user_ns
        names = free_arrays(node, ns)
        values = [ns[n] for n in names]
        if device is not None:
            values = [jax.device_put(v, device) for v in values]
        grad_names = flags.grad_names(args.grad, node, names, ns, where) if args.grad else []
        fn = expression_function(node, filename, ns, names, where)

        runs = (args.runs or DEFAULT_TIMED_RUNS) if args.timed else 0
        with traced_for(where, "the cell's last expression", CONSTANT):
            ins = self._user(lambda: inspect(fn, *values, runs=runs), filename)
        compiled = ins.compiled  # the program inspect compiled: run it, never compile it again
        assert compiled is not None
        # Waited for here: JAX reports a failed run (out of memory, on CPU) when its result is
        # read, and the cell reads it (its views), so the cell fails with the workbench's words.
        value = self._user(lambda: jax.block_until_ready(compiled(*values)), filename)

        grads = None
        if grad_names:
            leaves = jax.tree_util.tree_leaves(value)
            if len(leaves) != 1 or np.shape(leaves[0]) != () or np.iscomplexobj(leaves[0]):
                shapes = ", ".join(f"{np.shape(v)} {np.asarray(v).dtype}" for v in leaves)
                raise UsageError(
                    f"{where}: --grad needs a real scalar expression, but it gave {shapes}; end "
                    "the cell with a scalar, e.g. jnp.sum(...)."
                )
            wrapped = [
                v if n in grad_names else wb.Const(v) for n, v in zip(names, values, strict=True)
            ]
            with traced_for(where, "the cell's last expression", CONSTANT):
                grad_ins = self._user(
                    lambda: inspect(fn, *wrapped, mode=wb.Reverse, runs=0), filename
                )
            # The derivative program takes every input (all hold arrays) and returns one entry
            # per input, None for the Const ones: run the program inspect compiled.
            gradient_program = grad_ins.compiled
            assert gradient_program is not None
            derivs = self._user(lambda: jax.block_until_ready(gradient_program(*values)), filename)
            grads = Gradients(
                {n: d for n, d in zip(names, derivs, strict=True) if n in grad_names}, grad_ins
            )

        report: NanReport | Failed | None = None
        if args.nans or "nans" in views:
            report = self._explain_nans(fn, names, values, grad_names, ins, grads)
        if not views:
            views = list(UNOPTIMIZED_VIEWS if args.no_optimize else DEFAULT_VIEWS)
            if len(ins.sharding.devices) > 1:  # the program spans several devices
                views.insert(views.index("graph") + 1, "sharding")
            if grads is not None:
                views.append("grad")
            if report is not None:
                views.insert(1, "nans")  # right after the result: what the user asked about
        elif args.no_optimize and "hlo" in views:
            raise UsageError(
                f"{where}: --no-optimize leaves out the optimized HLO, but --views asks for hlo; "
                "drop one of the two."
            )
        if args.compile is not None:
            _check_compile_name(args.compile, ns, where)  # the cell's statements ran since
            ns[args.compile] = compiled
            _bound_by_compile.add(compiled)
        return ReactantResult(
            value=value,
            inputs=dict(zip(names, values, strict=True)),
            inspection=ins,
            views=build_views(views, value, ins, grads, nans=report),
            gradients=grads,
            compiled=compiled,
            cell=self.key,
            nans=None if isinstance(report, Failed) else report,
        )

    def _explain_nans(
        self,
        fn: Callable[..., Any],
        names: Sequence[str],
        values: Sequence[Any],
        grad_names: Sequence[str],
        ins: Any,
        grads: Gradients | None,
    ) -> NanReport | Failed:
        """``explain_nans`` on the program the graph tab draws (the gradient's, with --grad),
        or ``Failed``: why it stopped (the NaN-origin view then says so; the cell goes on)."""
        shown = grads.inspection if grads is not None else None
        if shown is not None:
            args: list[Any] = [
                v if n in grad_names else wb.Const(v) for n, v in zip(names, values, strict=True)
            ]
            mode = wb.Reverse
        else:
            shown, args, mode = ins, list(values), None
        flat = jax.tree_util.tree_leaves(list(values))
        try:
            return explain_traced(shown.closed_jaxpr, flat, fn, args, mode, shown.graph)
        except Exception as e:  # a search that fails is a note in its view, never a dead cell
            return Failed.of(e)

    # Running the user's code ----------------------------------------------------------------

    def _user(self, call: Callable[[], Any], filename: str) -> Any:
        """``call()``; if the user's code raises, its traceback is shown from the user's first
        line on (our frames left out) and the cell is marked failed."""
        try:
            try:
                return call()
            except RuntimeError as e:  # out of memory: said as the cell's ("%%reactant: ...")
                cause = e.__cause__ if isinstance(e, OutOfMemoryError) else e
                if (
                    cause is None
                    or isinstance(cause, WorkbenchError)
                    or not is_out_of_memory(cause)
                ):
                    raise
                raise out_of_memory(self.where, cause) from cause
        except UsageError:
            raise
        except Exception as e:
            tb = e.__traceback__
            user_tb = tb
            while user_tb is not None and user_tb.tb_frame.f_code.co_filename != filename:
                user_tb = user_tb.tb_next
            if user_tb is None and isinstance(e, WorkbenchError):
                # Raised by the workbench after the user's code returned (a tracer error names
                # the user's line itself): the message, not a traceback through our frames.
                self.shell.showtraceback((type(e), e, tb), exception_only=True)
            else:
                self.shell.showtraceback((type(e), e, user_tb or tb), tb_offset=0)
            self._mark_error(e)
            raise _UserError from None

    def _mark_error(self, e: BaseException | None = None) -> None:
        """Marks the running cell failed (as an exception in a plain cell would), so that
        "run all" stops and ``run_cell(...).error_in_exec`` holds the user's exception."""
        result = getattr(self.shell.displayhook, "exec_result", None)
        if result is not None and e is not None:
            result.error_in_exec = e


# --------------------------------------------------------------------------------------------
# --compile's name

# The programs --compile bound: a later --compile may take their names again.
_bound_by_compile: weakref.WeakSet[Any] = weakref.WeakSet()


def _check_compile_name(name: str, ns: dict[str, Any], where: str) -> None:
    """Refuses a ``--compile`` name that is not a plain Python name or is in use (by anything
    but a program an earlier ``--compile`` bound), saying what it holds."""
    free = next(
        n
        for n in ("step", f"compiled_{name}", "compiled_step")
        if n != name and n not in ns and n.isidentifier()
    )
    fix = f"Pick another name, e.g. --compile {free}"
    if not name.isidentifier() or keyword.iskeyword(name):
        kind = "a Python keyword" if keyword.iskeyword(name) else "not a Python name"
        raise UsageError(
            f"{where}: --compile needs a Python name to bind, but got {name!r}, which is "
            f"{kind}; e.g. --compile step."
        )
    if name.startswith("__") and name.endswith("__"):
        raise UsageError(
            f"{where}: --compile {name}: names with double underscores on both sides belong "
            f"to Python and IPython (rebinding {name} can break every later cell). {fix}."
        )
    if IPYTHON_NAMES.fullmatch(name):
        raise UsageError(
            f"{where}: --compile {name}: IPython keeps its input and output history in names "
            f"like {name} and rebinds them after every cell. {fix}."
        )
    if name in ns:
        value = ns[name]
        if any(value is bound for bound in _bound_by_compile):
            return
        raise UsageError(
            f"{where}: --compile {name}: {name} is in use: it holds {_bound_to(value)}, which "
            f"the compiled program would replace. {fix}, or del {name} first to free the name."
        )
    if hasattr(builtins, name):
        raise UsageError(
            f"{where}: --compile {name}: {name} is Python's built-in {name}, which the "
            f"compiled program would hide in this notebook. {fix}."
        )


def _bound_to(value: Any) -> str:
    """What a name holds, for ``--compile``'s message: ``the module jax.numpy``."""

    if isinstance(value, types.ModuleType):
        return f"the module {value.__name__}"
    if isinstance(value, type):
        return f"the class {value.__qualname__}"
    if isinstance(value, types.FunctionType | types.BuiltinFunctionType | types.MethodType):
        return f"the function {value.__name__}"

    if isinstance(value, Compiled):
        return f"{value!r}, compiled by wb.compile"
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        return f"an array ({describe(value)})"
    return describe(value)


def _device(spec: str | None, where: str) -> Any:
    """``--device``'s value as a ``jax.Device`` (``None``: JAX's default)."""
    if spec is None:
        return None

    seen = ", ".join(str(d) for d in jax.devices())
    if re.fullmatch(r"\d+", spec):
        devices = jax.devices()
        i = int(spec)
        if i >= len(devices):
            raise UsageError(
                f"{where}: --device {i} is out of range: this kernel's JAX sees {len(devices)} "
                f"device(s) ({seen}); pass an index below {len(devices)}, or cpu/gpu/tpu."
            )
        return devices[i]
    kind = spec.lower()
    if kind not in DEVICE_KINDS:
        raise UsageError(
            f"{where}: --device takes cpu, gpu, tpu or a device index, but got {spec!r}."
            f"{flags.guess(kind, DEVICE_KINDS)}"
        )
    try:
        return jax.devices(kind)[0]
    except RuntimeError:
        raise UsageError(
            f"{where}: --device {kind}: this kernel's JAX has no {kind} device (it sees {seen}); "
            "use --device cpu, or install a JAX build for that accelerator."
        ) from None


def load_ipython_extension(ipython: Any) -> None:
    """Registers ``%%reactant`` and ``%reactant``."""
    ipython.register_magics(ReactantMagics)


__all__ = ["ReactantMagics", "ReactantResult", "load_ipython_extension"]
