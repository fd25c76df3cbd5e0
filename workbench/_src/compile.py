"""``jit`` and ``compile``: Reactant's ``@jit`` and ``@compile`` on ``jax.jit``.

``jit`` is ``jax.jit`` (same options, same call path, so no extra dispatch cost) on a thin wrapper
of the function that explains tracer errors in the workbench's terms. ``compile`` traces, lowers and
compiles ahead of time and keeps every stage, so the program can report its IR, memory and cost.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import inspect
import linecache
import os
import traceback
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import jax

from workbench._src.ad.entry import check_function_first
from workbench._src.ad.model_arguments import pack, unpack
from workbench._src.ad.modes import Mode
from workbench._src.arrays import warn_if_narrowed
from workbench._src.errors import (
    ArgumentError,
    CompiledCallError,
    CompiledShardingError,
    TracedValueError,
    WorkbenchError,
    describe,
    is_out_of_memory,
    out_of_memory,
    plain_signature,
    refuse_non_arrays,
    shape_dtype,
)
from workbench._src.leaves import is_array_leaf
from workbench._src.sources import cell_number, in_workbench, is_users

# One wrapper per user function, for as long as the function lives, so that jax.jit's cache
# (keyed on the function) is shared by every wb.jit of the same function, as it is by every
# jax.jit of it. The wrapper reaches the function through a weak reference: a strong one would
# keep its own key (the function, and all it closes over) alive forever. What keeps the
# function alive is the jitted function wb.jit returns (its ``_workbench_function``).
_wrappers: weakref.WeakKeyDictionary[Callable[..., Any], Callable[..., Any]] = (
    weakref.WeakKeyDictionary()
)


def jit(fun: Callable[..., Any] | None = None, /, *extra: Any, **options: Any) -> Any:
    """Compiles ``fun`` with XLA on first call, like Reactant's ``@jit`` (and ``jax.jit``).

    Use as ``wb.jit(f)``, ``@wb.jit`` or ``@wb.jit(static_argnums=...)``; options are
    ``jax.jit``'s. The result is a ``jax.jit`` function (``.lower``, ``.trace`` work).

    >>> import jax.numpy as jnp, workbench as wb
    >>> wb.jit(lambda x: x * 2)(jnp.arange(3.0, dtype=jnp.float32))
    Array([0., 2., 4.], dtype=float32)
    """
    if fun is None:
        return functools.partial(jit, **options)
    check_function_first("jit", fun, extra, takes_mode=False, usage="wb.jit(f)(x)")
    if extra:  # the arguments go to the compiled function, not to jit
        raise ArgumentError(
            f"jit takes the function alone and returns its compiled version, but received "
            f"{len(extra)} more positional argument{'s' if len(extra) > 1 else ''} "
            f"({', '.join(describe(a) for a in extra)}). Call the result: wb.jit(f)(x)."
        )
    _check_options("jit", options)
    try:
        jitted = jax.jit(_explaining_tracer_errors(fun), **options)
    except ValueError as e:  # static_argnums beyond the function's parameters
        if not str(e).startswith("Jitted function has static_argnums="):
            raise
        raise ArgumentError(_static_argnums_message(str(e), None)) from e
    return Jitted(fun, jitted, options)


def _static_argnums_message(text: str, args: Any) -> str:
    """JAX's "Jitted function has static_argnums=(5,), but only accepts 1 positional
    arguments", in the workbench's words."""
    caller = _caller.get()
    given = (
        f"the call passes {len(args)} positional argument{'s' if len(args) != 1 else ''}"
        if args is not None
        else "the function does not take that many"
    )
    return (
        f"{caller.name if caller else 'wb.jit'}: "
        f"{text.split(', but')[0].removeprefix('Jitted function has ')} names a positional "
        f"argument, but {given}. static_argnums counts the positional arguments from 0: name "
        f"one that exists, or use static_argnames for a keyword. (JAX: {text.splitlines()[0]})"
    )


_JIT_OPTIONS = frozenset(inspect.signature(jax.jit).parameters) - {"fun"}


def _check_options(where: str, options: dict[str, Any]) -> None:
    """``jax.jit``'s options pass through; anything else is refused here, by name."""
    unknown = [k for k in options if k not in _JIT_OPTIONS]
    if not unknown:
        return
    hint = _derivative_hint(where) if "mode" in unknown else ""
    raise ArgumentError(
        f"wb.{where} received the option{'s' if len(unknown) > 1 else ''} "
        f"{', '.join(map(repr, unknown))}, which jax.jit does not take. Its options are "
        f"{', '.join(sorted(_JIT_OPTIONS))}.{hint}"
    )


def _derivative_hint(where: str) -> str:
    return (
        f" wb.{where} compiles a function as it is; to compile a derivative, differentiate "
        f"inside it: wb.{where}(lambda x: wb.gradient(wb.Reverse, f, x)), or inspect one "
        "with wb.inspect(f, x, mode=wb.Reverse)."
    )


# Argument types jit takes as they are (no model inside, no float64 data to narrow): a call
# with only these skips ``pack`` and the precision check.
_PYTHON_NUMBERS = frozenset({float, int, bool, complex})


def _plain_argument(x: Any) -> bool:
    # (jax.Array's concrete class is private; isinstance also takes tracers, which an inner
    # jax.jit takes as they are. Making an array here would start a backend at import.)
    return type(x) in _PYTHON_NUMBERS or isinstance(x, jax.Array)


class Jitted:
    """What ``wb.jit`` returns: ``jax.jit(f)``, taking models as ``eqx.filter_jit`` does.

    An argument that holds an Equinox module crosses ``jax.jit`` as its arrays (traced) and the
    rest (its functions, ints, strings: static, compared by value), so ``wb.jit(loss)(model,
    x)`` works where ``jax.jit`` refuses a module's function leaves. Plain arguments go straight
    to ``jax.jit``'s own call path. ``.trace``, ``.lower``, ``.eval_shape`` and every other
    attribute are ``jax.jit``'s.
    """

    __slots__ = ("__weakref__", "_jitted", "_skip", "_static_options", "_workbench_function")

    def __init__(self, fun: Callable[..., Any], jitted: Any, options: dict[str, Any]) -> None:
        self._workbench_function = fun  # keeps fun alive with the jitted function
        self._jitted = jitted
        nums = options.get("static_argnums", ())
        self._skip = frozenset((nums,) if isinstance(nums, int) else nums)
        names = options.get("static_argnames", ())
        names = (names,) if isinstance(names, str) else tuple(names)
        self._static_options = ", ".join(
            [f"static_argnums={tuple(sorted(self._skip))}"] * bool(self._skip or not names)
            + [f"static_argnames={names}"] * bool(names)
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            if not kwargs and all(map(_plain_argument, args)):
                return self._jitted(*args)
            # Containers: one flattening (JAX's, in C++) tells a pytree of JAX arrays, which
            # jax.jit takes as it is, from one that may hold a model or NumPy float64 data.
            leaves = jax.tree_util.tree_leaves((args, kwargs))
            if all(isinstance(leaf, jax.Array) for leaf in leaves):
                return self._jitted(*args, **kwargs)
            warn_if_narrowed((args, kwargs), "wb.jit", python_numbers=False)
            return self._jitted(*pack(args, self._skip), **_pack_kwargs(kwargs))
        except (ValueError, TypeError) as e:
            translated = self._translated(e, args, kwargs)
            if translated is e:
                raise
            raise translated from e
        except jax.errors.JaxRuntimeError as e:
            if not is_out_of_memory(e):
                raise
            raise out_of_memory("wb.jit", e) from e

    def _translated(self, e: ValueError | TypeError, args: Any, kwargs: Any) -> Exception:
        """JAX's refusal of a call in the workbench's words (a static argument it cannot use,
        an argument that is not an array), or ``e`` itself."""
        if isinstance(e, ValueError):
            return self._static_error(args, kwargs, e)
        # The function's own signature first: JAX reads every argument as an array before the
        # function is entered, so ``f(x, mode=wb.Reverse)`` for an ``f`` that takes no ``mode``
        # would read as "mode is not an array".
        refusal = (
            _signature_refusal(self._workbench_function, args, kwargs)
            if str(e).startswith(_NOT_AN_ARRAY)
            else None
        )
        if refusal is not None:
            message = _arity_message(self._workbench_function, args, kwargs, refusal)
            if any(isinstance(v, Mode) for v in kwargs.values()):
                message += _derivative_hint("jit")
            return ArgumentError(message)
        return _not_an_array(args, kwargs, e)

    def _static_error(self, args: Any, kwargs: Any, e: ValueError) -> Exception:
        """JAX's ValueError for a static argument it cannot use, in the workbench's words (any
        other ValueError as it is)."""
        text = str(e)
        if text.startswith("Non-hashable static arguments"):
            return ArgumentError(self._unhashable_message(args, kwargs, e))
        if text.startswith("Jitted function has static_argnums="):
            return ArgumentError(_static_argnums_message(text, args))
        return e

    def _unhashable_message(self, args: Any, kwargs: Any, e: BaseException) -> str:
        static = sorted(self._skip)
        culprits = []
        for i in static:
            if i < len(args):
                try:
                    hash(args[i])
                except TypeError:
                    culprits.append(f"argument {i + 1} ({describe(args[i])})")
        for k, v in kwargs.items():
            try:
                hash(v)
            except TypeError:
                culprits.append(f"the keyword argument {k}= ({describe(v)})")
        what = ", ".join(culprits) or "a static argument"
        caller = _caller.get()
        return (
            f"{caller.name if caller else 'wb.jit'}: {what} is marked static "
            f"({self._static_options}) but cannot be "
            "hashed: a static argument is part of the compilation's key, compared by hash and "
            "==. Pass a hashable value (a tuple instead of a list, a frozen dataclass or "
            "NamedTuple instead of a dict), close over it (wb.jit(lambda x: f(x, options))), or "
            "pass its arrays as ordinary (traced) arguments. "
            f"(JAX: {str(e).splitlines()[0]})"
        )

    def trace(self, *args: Any, **kwargs: Any) -> Any:
        return self._staged("trace", args, kwargs)

    def lower(self, *args: Any, **kwargs: Any) -> Any:
        return self._staged("lower", args, kwargs)

    def eval_shape(self, *args: Any, **kwargs: Any) -> Any:
        return self._staged("eval_shape", args, kwargs)

    def _staged(self, stage: str, args: Any, kwargs: Any) -> Any:
        try:
            return getattr(self._jitted, stage)(*pack(args, self._skip), **_pack_kwargs(kwargs))
        except (ValueError, TypeError) as e:
            translated = self._translated(e, args, kwargs)
            if translated is e:
                raise
            raise translated from e

    def __getattr__(self, name: str) -> Any:
        return getattr(self._jitted, name)

    def __repr__(self) -> str:
        return f"<wb.jit of {getattr(self._workbench_function, '__name__', 'a function')}>"


def _pack_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    return dict(zip(kwargs, pack(tuple(kwargs.values())), strict=True)) if kwargs else kwargs


def _explaining_tracer_errors(fun: Callable[..., Any]) -> Callable[..., Any]:
    try:
        return _wrappers[fun]
    except (KeyError, TypeError):
        pass
    try:
        target: Callable[[], Any] = weakref.ref(fun)
    except TypeError:  # not weak-referenceable (some builtins): held strongly, not cached
        target = lambda: fun

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        f = target()  # alive: the jitted function being called holds it
        args = unpack(args)
        if kwargs:
            kwargs = dict(zip(kwargs, unpack(tuple(kwargs.values())), strict=True))
        try:
            out = f(*args, **kwargs)
        except jax.errors.ConcretizationTypeError as e:
            raise TracedValueError(_tracer_message(f, e)) from e
        except jax.errors.TracerArrayConversionError as e:
            raise TracedValueError(_tracer_message(f, e, numpy=True)) from e
        except TypeError as e:
            if not _refused_by_the_call(e, f, args, kwargs):
                raise
            raise ArgumentError(_arity_message(f, args, kwargs, e)) from e
        caller = _caller.get()
        refuse_non_arrays(
            caller.name if caller else "wb.jit",
            (caller.what if caller and caller.what else None)
            or f"the function {getattr(f, '__name__', '')}".rstrip(),
            out,
            "A compiled program returns arrays (or pytrees of them): compute the value with "
            "jax.numpy, and return other results from a function that is not compiled.",
        )
        return out

    functools.update_wrapper(wrapper, fun)
    del wrapper.__wrapped__  # type: ignore[attr-defined]  # a strong reference to fun
    with contextlib.suppress(TypeError, ValueError):  # jit reads static argument names here
        wrapper.__signature__ = inspect.signature(fun)  # type: ignore[attr-defined]
    with contextlib.suppress(TypeError):
        _wrappers[fun] = wrapper
    return wrapper


def _refused_by_the_call(e: TypeError, f: Callable[..., Any], args: Any, kwargs: Any) -> bool:
    """Whether ``e`` is Python's refusal of the call ``f(*args, **kwargs)`` itself (too many or
    too few arguments; ``f`` never entered), not a ``TypeError`` from inside ``f``: raised in
    the workbench's own frame, and ``f``'s signature refuses the arguments."""
    if isinstance(e, WorkbenchError):
        return False
    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None or not in_workbench(tb.tb_frame.f_code.co_filename):
        # raised inside the user's code (a workbench wrapper like inspect's may call f)
        return False
    return _signature_refusal(f, args, kwargs) is not None


def _signature_refusal(f: Callable[..., Any], args: Any, kwargs: Any) -> TypeError | None:
    """Python's refusal of ``f(*args, **kwargs)`` by ``f``'s signature, or None (it binds, or
    ``f`` has no signature Python can read)."""
    try:
        inspect.signature(f).bind(*args, **kwargs)
    except TypeError as refusal:
        return refusal
    except ValueError:
        return None
    return None


def _arity_message(f: Callable[..., Any], args: Any, kwargs: Any, e: TypeError) -> str:
    caller = _caller.get()
    name = getattr(f, "__name__", "the function")
    given = ", ".join(
        [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
    )
    where = caller.name if caller else "wb.jit"
    usage = "wb.jit(f)(*args)" if where == "wb.jit" else f"{where}(f, *args)"
    return (
        f"{where}: the function {name}{plain_signature(f)} cannot take the arguments it was given "
        f"({given or 'none'}): {str(e).split(') ', 1)[-1]}. Pass the function's own arguments "
        f"after it ({usage}), and close over any others (lambda x: f(x, y))."
    )


_NOT_AN_ARRAY = "Error interpreting argument to"  # how JAX's refusal of a non-array starts


def _not_an_array(args: Any, kwargs: Any, e: TypeError) -> Exception:
    """JAX's "Error interpreting argument to <function> as an abstract array" (a string, an
    object passed where a traced array goes), in the workbench's words; any other TypeError as
    it is."""
    if not str(e).startswith(_NOT_AN_ARRAY):
        return e
    caller = _caller.get()
    where = caller.name if caller else "wb.jit"
    culprit = next(
        (
            (jax.tree_util.keystr(path), leaf)
            for path, leaf in jax.tree_util.tree_leaves_with_path((args, kwargs))
            if not is_array_leaf(leaf)
        ),
        None,
    )
    what = f"{describe(culprit[1])} (at {culprit[0]} of (args, kwargs))" if culprit else "a value"
    return ArgumentError(
        f"{where}: received {what}, which is not an array: the compiled program takes arrays "
        "(or pytrees of them) as its traced arguments. Convert it (jnp.asarray), mark its "
        "argument static (static_argnums=...), or close over it (lambda x: f(x, value)). "
        f"(JAX: {str(e).splitlines()[0]})"
    )


@dataclasses.dataclass(frozen=True)
class _Caller:
    """What the user called that traces their function, for tracer errors: ``wb.graph`` traced
    ``loss``; ``%%reactant`` traced the cell's last expression."""

    name: str  # "wb.jit", "wb.graph", "%%reactant"
    what: str | None = None  # the traced function in words; None: its __name__
    static: str = "mark the argument static (wb.jit(f, static_argnums=...))"


_caller: contextvars.ContextVar[_Caller | None] = contextvars.ContextVar(
    "workbench_caller", default=None
)


@contextlib.contextmanager
def traced_for(name: str, what: str | None = None, static: str | None = None) -> Iterator[None]:
    """Tracer errors raised inside say that ``name`` traced the function (``what``, if given,
    names it), and ``static`` how to make a value a compile-time constant there. The outermost
    caller wins: ``wb.graph`` calls ``wb.inspect``'s machinery, the user called ``wb.graph``."""
    if _caller.get() is not None:
        yield
        return
    caller = _Caller(name, what, static or f"close over it ({name}(lambda x: f(x, n), x))")
    token = _caller.set(caller)
    try:
        yield
    finally:
        _caller.reset(token)


def _user_line(e: BaseException) -> str:
    """The innermost frame outside JAX and the workbench: where the user's code needed a value
    (a notebook cell named as IPython names it: ``cell [3], line 2``)."""
    frames = [
        f for f in traceback.extract_tb(e.__traceback__) if is_users(f.filename, libraries=False)
    ]
    if not frames:
        return ""
    f = frames[-1]
    text = (f.line or linecache.getline(f.filename, f.lineno or 0)).strip()
    cell = cell_number(f.filename)
    where = f"{os.path.basename(f.filename)}:{f.lineno}" if cell is None else f"cell [{cell}]"
    if cell is not None:
        where += f", line {f.lineno}"
    return f" at {where} (`{text}`)"


def _tracer_message(fun: Callable[..., Any], e: BaseException, numpy: bool = False) -> str:
    caller = _caller.get() or _Caller("wb.jit")
    name = caller.what or getattr(fun, "__name__", "the function")
    if name == "<lambda>":
        name = "the lambda"
    first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    if numpy:
        what = "converts a traced array to a NumPy array"
        fix = "Use jax.numpy (jnp) instead of numpy inside traced code"
    else:
        what = (
            "needs a concrete Python value from a traced array (an `if`, `while`, bool() or int())"
        )
        fix = (
            "Use jnp.where(cond, a, b) or jax.lax.cond for a branch, wb.fori_loop / "
            f"jax.lax.while_loop for a loop, or {caller.static} if it is a compile-time constant"
        )
    return (
        f"{caller.name} traced {name}, and its code{_user_line(e)} {what}. While tracing, "
        "array arguments are abstract (shape and dtype only): their values are known only when "
        f"the compiled program runs. {fix}. (JAX: {first})"
    )


class Compiled:
    """A program compiled ahead of time by ``wb.compile``; call it like the function.

    It keeps each stage: ``jaxpr`` (traced), ``stablehlo()`` (lowered, before XLA's passes),
    ``hlo()`` (optimized by XLA), ``memory_analysis()`` and ``cost_analysis()``.
    """

    def __init__(self, fun: Callable[..., Any], args: tuple[Any, ...], options: dict[str, Any]):
        with traced_for(
            "wb.compile", static="mark it static (wb.compile(f, *args, static_argnums=...))"
        ):
            traced = jit(fun, **options).trace(*args)
        lowered = traced.lower()
        self._adopt(getattr(fun, "__name__", "function"), traced, lowered, lowered.compile())

    @classmethod
    def from_stages(
        cls, name: str, traced: Any, lowered: Any, compiled: Any, stablehlo: str | None = None
    ) -> Compiled:
        """A ``Compiled`` over stages JAX already made (``jit(f).trace(...)``, its ``.lower()``
        and that one's ``.compile()``), so that ``wb.inspect`` need not compile twice;
        ``stablehlo``: the lowered program's text, where the caller printed it already."""
        self = cls.__new__(cls)
        self._adopt(name, traced, lowered, compiled, stablehlo)
        return self

    def _adopt(
        self, name: str, traced: Any, lowered: Any, compiled: Any, stablehlo: str | None = None
    ) -> None:
        self._name = name
        # Neither the traced nor the lowered stage is kept (a kernel re-running cells would pile
        # them up): the jaxpr as a copy (see ``detached``), the lowered program as its text (a
        # jax Lowered holds its MLIR context, about 1.5 MB of native memory).
        self._jaxpr = detached(traced.jaxpr)
        self._stablehlo = stablehlo if stablehlo is not None else str(lowered.as_text())
        self._compiled = compiled
        self._signature = (
            ", ".join(describe(a) for a in jax.tree_util.tree_leaves(traced.args_info))
            if hasattr(traced, "args_info")
            else ""
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._compiled(*pack(args), **_pack_kwargs(kwargs))
        except jax.errors.JaxRuntimeError as e:
            if not is_out_of_memory(e):
                raise
            raise out_of_memory(f"compiled {self._name}", e) from e
        except ValueError as e:
            if "compiled for input shardings" not in str(e):
                raise
            details = str(e).split("\n", 1)[-1].strip()
            raise CompiledShardingError(
                f"{self._name} was compiled for arguments sharded as "
                f"({self._in_shardings()}), and an argument arrived sharded differently. A "
                "compiled program is fixed to its arguments' shardings: move the argument "
                "(jax.device_put(x, compiled.input_shardings[0][i]) or wb.to_rarray(x, "
                "sharding=...)), call wb.compile again with the new arguments, or use wb.jit, "
                f"which compiles once per sharding. (JAX: {details})"
            ) from e
        except TypeError as e:
            raise CompiledCallError(self._call_error(args, kwargs)) from e

    def _call_error(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
        """Why a call was refused, in the user's terms: traced, keywords, structure, types."""
        name, signature = self._name, self._in_signature()
        leaves = jax.tree_util.tree_leaves((args, kwargs))
        if any(isinstance(leaf, jax.core.Tracer) for leaf in leaves):
            return (
                f"{name} is a program compiled ahead of time (wb.compile) and was called inside "
                "a JAX transformation (jax.jit, jax.grad, jax.vmap, or a workbench mode), which "
                "would need to trace it. Call the function itself there, or wb.jit(f), which "
                "compiles for each use; call the compiled program outside transformations."
            )
        compiled_tree = getattr(self._compiled, "in_tree", None)
        called_tree = jax.tree_util.tree_structure((args, kwargs))
        if kwargs and compiled_tree is not None and compiled_tree != called_tree:
            return (
                f"{name} was compiled for positional arguments ({signature}) and was called "
                f"with keyword arguments ({', '.join(kwargs)}). Pass them by position, in the "
                "order wb.compile received them, or compile with the same keywords."
            )
        if compiled_tree is not None and compiled_tree != called_tree:
            compiled_args = jax.tree.map(lambda a: a.str_short(), self._compiled.in_avals[0])
            called_args = jax.tree.map(
                lambda a: shape_dtype(a) if hasattr(a, "dtype") else describe(a), args
            )
            return (
                f"{name} was compiled for the arguments {_plain(compiled_args)} and was called "
                f"with {_plain(called_args)}. A compiled program is "
                "fixed to the structure (tuples, dicts, lists) of its arguments: pass them as "
                "they were compiled, call wb.compile again, or use wb.jit."
            )
        return (
            f"{name} was compiled for arguments ({signature}) and cannot run on "
            f"({describe_args(args, kwargs)}): a compiled program is fixed to its argument "
            "shapes and dtypes (and to the x64 setting it was compiled under). Call wb.compile "
            "again with the new arguments, or use wb.jit, which compiles once per shape."
        )

    @property
    def input_shardings(self) -> Any:
        """The shardings the program expects, as ``jax.stages.Compiled.input_shardings``:
        ``(positional, keyword)``, one sharding per array argument."""
        return self._compiled.input_shardings

    @property
    def output_shardings(self) -> Any:
        """The shardings of the results (a pytree like the output)."""
        return self._compiled.output_shardings

    def _in_shardings(self) -> str:
        return ", ".join(
            str(getattr(s, "spec", s)) for s in jax.tree_util.tree_leaves(self.input_shardings)
        )

    def _in_signature(self) -> str:
        avals = jax.tree_util.tree_leaves(self._compiled.in_avals)
        return ", ".join(a.str_short() for a in avals)

    @property
    def jaxpr(self) -> Any:
        """The traced program (a ``ClosedJaxpr``)."""
        return self._jaxpr

    def stablehlo(self) -> str:
        """StableHLO text as lowered by JAX, before XLA's optimizations."""
        return self._stablehlo

    def hlo(self) -> str:
        """HLO text after XLA's optimizations: the program that runs."""
        return str(self._compiled.as_text())

    def memory_analysis(self) -> Any:
        """XLA's memory analysis. On CPU ``peak_memory_in_bytes`` counts only arguments and
        outputs; ``temp_size_in_bytes`` is what the program keeps in between."""
        return self._compiled.memory_analysis()

    def cost_analysis(self) -> Any:
        """XLA's cost analysis (flops, transcendentals, bytes accessed); loop bodies count once."""
        return self._compiled.cost_analysis()

    def __repr__(self) -> str:
        return f"<wb.Compiled {self._name}({self._in_signature()}) on {jax.default_backend()}>"


def detached(closed: Any) -> Any:
    """A copy of a traced program's jaxpr (sharing its equations) to keep in a result.

    JAX caches a program's lowering (its MLIR module and context, 1.5 MB of native memory on
    JAX 0.10) for as long as the jaxpr it was lowered from lives; a result that keeps that jaxpr
    keeps the lowering with it, and a kernel that re-runs a cell keeps one per run.
    """
    return closed.replace()


def _plain(tree: Any) -> str:
    """A pytree of type strings, printed without quotes: ``((float32[3],),)``."""
    return repr(tree).replace("'", "")


def describe_args(args: Any, kwargs: Any = None) -> str:
    return ", ".join(
        shape_dtype(a) if hasattr(a, "dtype") else describe(a)
        for a in jax.tree_util.tree_leaves((args, kwargs or {}))
    )


def compile(fun: Callable[..., Any], *example_args: Any, **options: Any) -> Compiled:
    """Compiles ``fun`` ahead of time for ``example_args``, like Reactant's ``@compile``.

    >>> import jax.numpy as jnp, workbench as wb
    >>> step = wb.compile(lambda x: x + 1, jnp.zeros(2, jnp.float32))
    >>> step(jnp.ones(2, jnp.float32))
    Array([2., 2.], dtype=float32)
    """
    check_function_first(
        "compile", fun, example_args, takes_mode=False, usage="wb.compile(f, *example_args)"
    )
    return Compiled(fun, example_args, options)
