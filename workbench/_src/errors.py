"""Error types and the helpers that describe values in error messages.

Every message the workbench raises says what it received, why that cannot work, and what to
write instead (in the manner of JAX's tracer errors). ``describe`` gives the "what it received"
part in one consistent form: ``float32[3]``, ``a str ('abc')``, ``Duplicated(float32[3])``.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import numpy as np


class WorkbenchError(Exception):
    """Base class of the workbench's own errors."""


class ActivityError(WorkbenchError, TypeError):
    """An activity (Const, Active, Duplicated, BatchDuplicated) was built or used wrongly."""


class ModeError(WorkbenchError, TypeError):
    """A mode was expected and something else arrived, or the other way round."""


class NotCallableError(WorkbenchError, TypeError):
    """A function was expected (the first argument of ``inspect``, ``graph``, ``jit``, a loop's
    body, ...) and something else arrived."""


class NotDifferentiableError(WorkbenchError, TypeError):
    """A value without derivatives (integer, boolean, string, ...) was to be differentiated."""


class OutputError(WorkbenchError, TypeError):
    """The function's output does not fit the requested mode (e.g. non-scalar in reverse mode)."""


class ArgumentError(WorkbenchError, TypeError):
    """A workbench function was called with something it does not take: an unknown option, the
    mode as a keyword where it comes first, a static argument that cannot be hashed, a loop bound
    that is not an integer, a loop body that does not take the loop's arguments."""


class OptionError(WorkbenchError, ValueError):
    """An option has a value the function does not take (``runs=-1``, ``chunk='x'``,
    ``directions=0``, a device that is not there); a ``ValueError``, as Python's convention for
    a right type with a wrong value."""


class TracedValueError(WorkbenchError, TypeError):
    """A traced (abstract) value was used where Python needs a concrete one, inside ``jit``."""


class CompiledCallError(WorkbenchError, TypeError):
    """A compiled program was called with arguments it was not compiled for."""


class CompiledShardingError(CompiledCallError, ValueError):
    """A compiled program was called with an argument sharded differently from its compilation.

    A ``CompiledCallError`` (the workbench's type) and a ``ValueError`` (the type JAX raises)."""


class OutOfMemoryError(WorkbenchError, RuntimeError):
    """A program ran out of device memory; the message names what keeps memory in a derivative
    and how to keep less. A ``RuntimeError``, as JAX's own error (its ``__cause__``)."""


def is_out_of_memory(error: BaseException) -> bool:
    """JAX's runtime error for an allocation that failed (XLA's RESOURCE_EXHAUSTED; on CPU,
    "Out of memory allocating N bytes")."""
    text = str(error)
    return "RESOURCE_EXHAUSTED" in text or "out of memory" in text.lower()


def first_line(error: BaseException) -> str:
    """The first line of ``error``'s message (JAX's runtime errors run on with a traceback of
    XLA's), or its type's name where it has none."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def out_of_memory(where: str, error: BaseException) -> OutOfMemoryError:
    """The workbench's words for ``error``: what a derivative keeps, and how to keep less."""
    first = first_line(error)
    return OutOfMemoryError(
        f"{where}: the program ran out of memory ({first}). Reverse mode keeps values of the "
        "forward pass for the backward pass, every step of a loop unless it is checkpointed: "
        "wb.inspect(f, *args, mode=wb.Reverse) shows what it keeps (its memory view). Keep "
        "fewer with a checkpointing scheme (wb.fori_loop(..., checkpointing=wb.Binomial(s)) "
        "keeps s snapshots whatever the trip count; jax.checkpoint around a layer), a smaller "
        "batch, or forward mode (wb.Forward) for a few inputs."
    )


P = ParamSpec("P")
R = TypeVar("R")

# The public functions that take the mode first, before the function (Enzyme's order).
_MODE_FIRST = frozenset({"autodiff", "gradient", "jacobian", "set_strong_zero"})


def checked_signature(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` (a public function, exported as ``wb.<name>``) with Python's own refusal of its
    arguments ("gradient() got an unexpected keyword argument 'wrt'", "got multiple values for
    argument 'mode'") said in the workbench's words, as an ``ArgumentError`` naming what it
    takes. Only a ``TypeError`` raised by the call itself (``fn`` never entered) is translated:
    one from inside ``fn`` passes as it is; so is one that the user's function ``f`` raised
    because it was given too many or too few arguments. An out-of-memory error from JAX that
    reaches here (a tool that runs and reads its own programs: ``explain_nans``,
    ``check_gradient``, ``inspect(runs=...)``, ``tradeoffs``; on CPU JAX reports it when the result
    is read) becomes ``OutOfMemoryError``, naming checkpointing. Costs nothing on a call that
    binds."""
    import inspect

    name = fn.__name__
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    # Where the user's function is in (mode, f, *args) or (f, *args): its arguments follow it.
    f_at = next(
        (
            i
            for i, p in enumerate(params[:-1])
            if p.name == "f" and params[i + 1].kind == p.VAR_POSITIONAL
        ),
        None,
    )

    @functools.wraps(fn)
    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except RuntimeError as e:  # JAX's runtime error for memory the tool's own run lacked
            if isinstance(e, WorkbenchError) or not is_out_of_memory(e):
                raise
            raise out_of_memory(f"wb.{name}", e) from e
        except TypeError as e:
            if e.__traceback__ is not None and e.__traceback__.tb_next is None:  # fn not entered
                try:
                    signature.bind(*args, **kwargs)
                except TypeError as why:
                    raise ArgumentError(_binding_message(name, signature, kwargs, why)) from e
            refused = (
                _refuses(args[f_at], args[f_at + 1 :], e)
                if f_at is not None and len(args) > f_at and not isinstance(e, WorkbenchError)
                else None
            )
            if refused is not None and f_at is not None:
                given = args[f_at + 1 :]
                raise ArgumentError(
                    f"wb.{name}: the function {refused}, but it was given {len(given)} "
                    f"({', '.join(describe(a) for a in given) or 'none'}). Pass the function's "
                    f"own arguments after it (wb.{name}({'mode, ' * f_at}f, *args)), and close "
                    "over any others (lambda x: f(x, y))."
                ) from e
            raise

    return call


# Keywords of other libraries' functions, and where the workbench says the same thing.
_KEYWORD_HINTS = {
    "scheme": "A loop's checkpointing scheme is checkpointing=wb.Binomial(s) (or wb.Periodic(p)).",
    "schedule": "A loop's checkpointing scheme is checkpointing=wb.Binomial(s).",
    "checkpoint": "A loop's checkpointing scheme is checkpointing=wb.Binomial(s).",
    "wrt": "Every argument is differentiated unless wrapped: wb.Const(x) for one that is not.",
    "argnums": "Every argument is differentiated unless wrapped: wb.Const(x) for one that is not.",
    "has_aux": "Return the auxiliary values from a separate function, or differentiate a "
    "function that returns the loss alone (lambda x: f(x)[0]).",
}


def _refuses(f: Any, args: Any, e: TypeError) -> str | None:
    """``f(signature)`` and how many positional arguments it takes, if ``e`` is Python's refusal
    of calling ``f`` with ``len(args)`` positional arguments (raised in the workbench's or JAX's
    frame that called it, not inside the user's code); otherwise ``None``."""
    import inspect
    import os

    import jax

    tb = e.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    ours = (os.path.dirname(os.path.dirname(__file__)), os.path.dirname(jax.__file__))
    if tb is None or not os.path.abspath(tb.tb_frame.f_code.co_filename).startswith(ours):
        return None
    try:
        signature = inspect.signature(f)
        signature.bind(*range(len(args)))
    except ValueError:
        return None
    except TypeError:
        positional = [
            p
            for p in signature.parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        count = len(positional)
        return (
            f"{getattr(f, '__name__', 'f')}{plain_signature(f)} takes {count} positional "
            f"argument{'s' if count != 1 else ''}"
        )
    return None


def _binding_message(name: str, signature: Any, kwargs: dict[str, Any], why: Exception) -> str:
    import difflib

    keywords = [
        p.name
        for p in signature.parameters.values()
        if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    text = str(why)
    hint = ""
    if name in _MODE_FIRST and "mode" in kwargs:
        hint = f" The mode comes first, as a positional argument: wb.{name}(wb.Reverse, f, *args)."
    elif "unexpected keyword" in text:
        given = text.split("'")[1] if "'" in text else ""
        close = difflib.get_close_matches(given, keywords, n=1)
        if given in _KEYWORD_HINTS and (name, given) != ("fori_loop", "argnums"):
            hint = " " + _KEYWORD_HINTS[given]
        elif close:
            hint = f" Did you mean {close[0]}=?"
        elif given == "mode":
            hint = f" wb.{name} takes no mode."
    what = {
        "unexpected keyword": "a keyword it does not take",
        "multiple values": "the same argument twice (by position and by keyword)",
        "missing": "too few arguments",
        "too many positional": "too many positional arguments",
    }
    kind = next((v for k, v in what.items() if k in text), "arguments it does not take")
    return (
        f"wb.{name} received {kind} ({text}). It takes wb.{name}{plain_signature(signature)}.{hint}"
    )


def check_takes(where: str, fn: Any, count: int, signature: str, example: str) -> None:
    """Raises ``ArgumentError`` if ``fn`` (the loop's body, its condition) cannot be called with
    ``count`` positional arguments, as its signature says (Python would say it from inside the
    trace: "sin() takes 1 positional argument but 2 were given"). A function whose signature
    cannot be read is left to the call."""
    import inspect

    try:
        inspect.signature(fn).bind(*range(count))
    except ValueError:  # no signature (some builtins): the call will say
        return
    except TypeError as e:
        name = getattr(fn, "__name__", None) or describe(fn)
        raise ArgumentError(
            f"{where} calls {signature}, with {count} argument{'s' if count > 1 else ''}, but "
            f"{name}{plain_signature(fn)} does not take that ({e}). {example}"
        ) from None


def plain_signature(fn: Any) -> str:
    """``fn``'s parameters (or a ``Signature``'s) as a user writes them, without annotations:
    ``(x, /)``; ``""`` where Python cannot read them."""
    import inspect

    try:
        signature = fn if isinstance(fn, inspect.Signature) else inspect.signature(fn)
    except (TypeError, ValueError):
        return ""
    return str(
        signature.replace(
            parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
            return_annotation=signature.empty,
        )
    )


def refuse_non_arrays(where: str, what: str, out: Any, instead: str) -> None:
    """Raises ``OutputError`` if a traced function's output holds anything but arrays and numbers
    (a string, an object), which JAX would refuse as "not a valid JAX type" from its own frames:
    ``"<where>: <what> returned a str ('s') at ['a'], which is not an array. <instead>"``."""
    import jax

    from workbench._src.leaves import is_array_leaf

    for path, leaf in jax.tree_util.tree_leaves_with_path(out):
        if is_array_leaf(leaf) or hasattr(leaf, "__jax_array__"):
            continue
        at = f" at {jax.tree_util.keystr(path)}" if path else ""
        raise OutputError(
            f"{where}: {what} returned {describe(leaf)}{at}, which is not an array or a number. "
            f"{instead} (Output: {describe(out)}.)"
        )


class JaxInternalsError(WorkbenchError, RuntimeError):
    """The installed JAX lacks something the workbench reads from its internals (a primitive, a
    parameter layout); the message names it and the JAX version (see ``_src/internals``)."""


class FallbackWarning(UserWarning):
    """An optional part of a result (IR links, a view's data, a private JAX route) could not be
    built and was left out or computed another way; the message says what failed and why."""


def warn_fallback(failed: str, error: BaseException, instead: str, stacklevel: int = 3) -> None:
    """The one way an optional part that failed says so (never silently): ``"<failed>
    (<error type>: <its first line>); <instead>."`` as a ``FallbackWarning`` at the caller's
    caller (``stacklevel``)."""
    first = str(error).splitlines()[0] if str(error) else ""
    warnings.warn(
        f"{failed} ({type(error).__name__}: {first}); {instead}.",
        FallbackWarning,
        stacklevel=stacklevel,
    )


def placement(x: Any) -> str:
    """Where a concrete array lives, for error messages: ``on cpu:3`` or
    ``sharded as P('data',) over the mesh ('data': 8) (devices 0-7)``."""
    import jax

    from workbench._src.internals.shardings import is_single_device

    sharding = getattr(x, "sharding", None)
    if sharding is None:
        return "on the host"
    devices = sorted(sharding.device_set, key=lambda d: d.id)
    if is_single_device(sharding) or len(devices) == 1:
        return f"on {devices[0]}"
    ids = [d.id for d in devices]
    listed = f"{ids[0]}-{ids[-1]}" if ids == list(range(ids[0], ids[-1] + 1)) else str(ids)
    if isinstance(sharding, jax.sharding.NamedSharding):
        axes = ", ".join(f"{name!r}: {size}" for name, size in sharding.mesh.shape.items())
        return f"sharded as {sharding.spec} over the mesh ({axes}) (devices {listed})"
    return f"sharded over devices {listed} ({sharding})"


def shape_dtype(x: Any) -> str:
    """``float32[3,4]`` for an array-like, as JAX prints abstract values (``key<fry>[]`` for
    a random key, whose dtype is JAX's, not NumPy's)."""
    dtype = x.dtype if hasattr(x, "dtype") else np.result_type(x)
    name = getattr(dtype, "name", None) or np.dtype(dtype).name
    shape = getattr(x, "shape", np.shape(x))
    return f"{name}[{','.join(str(d) for d in shape)}]"


class DescribedByRepr:
    """A workbench value whose ``repr`` is short and says what it is (a mode, an activity):
    ``describe`` shows the ``repr``. The modes and activities derive from it, so that this module
    needs to know neither (they import it, not the other way round)."""

    __slots__ = ()


def describe(x: Any) -> str:
    """A short human description of any value, for error messages."""
    if isinstance(x, DescribedByRepr):
        return repr(x)
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        return shape_dtype(x)
    if isinstance(x, bool | int | float | complex):
        return f"a Python {type(x).__name__} ({x!r})"
    text = repr(x)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"a {type(x).__name__} ({text})"
