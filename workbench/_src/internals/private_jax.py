"""The few places where introspection needs more than JAX's public API, each with a fallback.

Everything here reads JAX internals that may change between versions. Each function first tries
the private (fast or exact) route and falls back to a public one that gives the same answer more
slowly or more coarsely; ``tests/test_jax_internals_private.py`` checks that the private route
still exists and agrees with the fallback, so a JAX upgrade that changes it fails loudly there
instead of degrading silently. A route that fails at run time warns (``FallbackWarning``) with the
cause before the fallback is taken.

- ``user_frame``: the innermost user frame of an equation (``jax._src.source_info_util``); the
  fallback parses the public ``jax.extend.source_info_util.summarize``.
- ``user_frame_outside``: the same, skipping frames a predicate refuses (``sources.is_users``)
  (``source_info_util.user_frames``); the fallback reads ``user_frame``'s one frame.
- ``user_call_stack``: every user frame of an equation, outermost first, by the same predicate
  (``source_info_util.user_frames``): the functions the user's code called to make it, which the
  graph groups equations by; the fallback has none (the graph groups by named scopes only).
- ``name_stack_entries``: the transforms and scopes of a name stack (``Transform`` / ``Scope``
  are private classes); the fallback parses ``str(name_stack)``.
- ``saved_residuals``: the list form of ``jax.ad_checkpoint.print_saved_residuals``
  (``jax._src.ad_checkpoint.saved_residuals``); the fallback parses what the printer prints.
- ``optimized_stablehlo``: XLA's optimized module as StableHLO text, through the compiled
  executable's HLO modules (a jaxlib object) and the public ``jax.extend.mlir.hlo_to_stablehlo``.
- ``executable_devices``: the devices of a compiled program in its device-assignment order (the
  order the HLO's replica groups index), from the jaxlib executable's ``local_devices()``, whose
  order JAX does not document; the fallback sorts the shardings' devices by id.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Callable
from typing import Any, NamedTuple

import jax
from jax.extend import source_info_util as _public_source_info

from workbench._src.errors import warn_fallback

try:  # private: the fast route to an equation's user frame
    from jax._src import source_info_util as _source_info
except ImportError:  # pragma: no cover - exercised only when JAX moves the module
    _source_info = None  # type: ignore[assignment]

try:  # private: the list form of print_saved_residuals
    from jax._src.ad_checkpoint import saved_residuals as _jax_saved_residuals
except ImportError:  # pragma: no cover
    _jax_saved_residuals = None  # type: ignore[assignment]


class Source(NamedTuple):
    """A source location: file, 1-based line, 0-based column, function name.

    ``str(source)`` is JAX's own form (``file.py:12:8 (f)``), as in ``print_saved_residuals``.
    """

    file: str
    line: int
    column: int
    function: str

    def __str__(self) -> str:
        where = (
            f"{self.file}:{self.line}:{self.column}" if self.column else f"{self.file}:{self.line}"
        )
        return f"{where} ({self.function})"


# --------------------------------------------------------------------------------------------
# Source locations


def user_frame(source_info: Any) -> Source | None:
    """The innermost frame of ``source_info`` outside JAX (the user's line), or ``None``."""
    if _source_info is not None:
        try:
            f = _source_info.user_frame(source_info.traceback)
        except AttributeError:  # pragma: no cover - JAX changed the private route
            f = None
        else:
            if f is None:
                return None
            return Source(f.file_name, f.start_line, f.start_column, f.function_name)
    return user_frame_public(source_info)


def user_frame_outside(source_info: Any, is_users: Callable[[str], bool]) -> Source | None:
    """The innermost frame of ``source_info`` outside JAX whose file ``is_users`` accepts
    (``sources.is_users``: not the workbench's, so a ``wb.fori_loop`` equation's user line is
    its caller's), or ``None``. The fallback reads the one frame ``user_frame`` gives."""
    if _source_info is not None:
        try:
            frames = list(_source_info.user_frames(source_info.traceback))
        except AttributeError as e:  # pragma: no cover - JAX changed the private route
            _warn_fallback("source_info_util.user_frames", e, "loops name the workbench's line")
        else:
            for f in frames:
                if is_users(f.file_name):
                    return Source(f.file_name, f.start_line, f.start_column, f.function_name)
            return None
    frame = user_frame_public(source_info)
    return frame if frame is not None and is_users(frame.file) else None


_call_stack_warned = False


def user_call_stack(
    source_info: Any, is_users: Callable[[str], bool]
) -> tuple[tuple[Source, int], ...]:
    """The user's frames of an equation's traceback, outermost first, outside JAX and in files
    ``is_users`` accepts (``sources.is_users``: not the workbench's or a library's): the calls that
    made it, each with where it had reached: its line, and its bytecode offset (``lasti``:
    two calls on one line differ there, and a call's offsets grow as it runs). ``()`` where the
    private route is missing (warned once). Reads ``Traceback.raw_frames`` and
    ``source_info_util.is_user_filename`` / ``raw_frame_to_frame``."""
    global _call_stack_warned
    if _source_info is None:  # pragma: no cover - exercised only when JAX moves the module
        return ()
    try:
        tb = source_info.traceback
        codes, lastis = tb.raw_frames() if tb is not None else ([], [])
        out = []
        for code, lasti in zip(codes, lastis, strict=True):
            name = code.co_filename
            if not is_users(name) or not _source_info.is_user_filename(name):
                continue
            f = _source_info.raw_frame_to_frame(code, lasti)
            where = Source(f.file_name, f.start_line, f.start_column, f.function_name)
            out.append((where, int(lasti)))
    except (AttributeError, TypeError, ValueError) as e:  # pragma: no cover - JAX changed
        if not _call_stack_warned:
            _call_stack_warned = True
            _warn_fallback("Traceback.raw_frames", e, "the graph groups by scopes only")
        return ()
    return tuple(reversed(out))


_SUMMARY = re.compile(r"^(?P<file>.*?):(?P<line>\d+)(?::(?P<col>\d+))? \((?P<fn>.*)\)$")


def user_frame_public(source_info: Any) -> Source | None:
    """``user_frame`` through the public ``summarize`` (slower: it formats every frame)."""
    text = _public_source_info.summarize(source_info)
    m = _SUMMARY.match(text.strip())
    if not m:
        return None
    return Source(m["file"], int(m["line"]), int(m["col"] or 0), m["fn"])


def summarize(source_info: Any) -> str:
    """JAX's own words for where an equation came from: ``file:line:col (function)``."""
    return str(_public_source_info.summarize(source_info))


# --------------------------------------------------------------------------------------------
# Name stacks

# One entry of a name stack: (is_transform, name), outermost first, e.g.
# "transpose(jvp(blk))" -> ((True, "transpose"), (True, "jvp"), (False, "blk")).
Entry = tuple[bool, str]

_entries_cache: dict[Any, tuple[Entry, ...]] = {}


def name_stack_entries(name_stack: Any) -> tuple[Entry, ...]:
    """The transforms and scopes of a ``NameStack``, outermost first."""
    try:
        return _entries_cache[name_stack]
    except KeyError:
        pass
    except TypeError:  # pragma: no cover - unhashable in some future JAX
        return _entries(name_stack)
    out = _entries(name_stack)
    if len(_entries_cache) > 4096:
        _entries_cache.clear()
    _entries_cache[name_stack] = out
    return out


def _entries(name_stack: Any) -> tuple[Entry, ...]:
    stack = getattr(name_stack, "stack", None)
    transform_cls = getattr(_source_info, "Transform", None)
    scope_cls = getattr(_source_info, "Scope", None)
    if stack is not None and transform_cls is not None and scope_cls is not None:
        out = []
        for e in stack:
            if isinstance(e, transform_cls):
                out.append((True, e.name))
            elif isinstance(e, scope_cls):
                out.append((False, e.name))
            else:  # pragma: no cover - a new kind of entry
                return parse_name_stack(str(name_stack))
        return tuple(out)
    return parse_name_stack(str(name_stack))  # pragma: no cover


def parse_name_stack(text: str) -> tuple[Entry, ...]:
    """The entries of a printed name stack such as ``outer/transpose(jvp(blk/inner))``."""
    out: list[Entry] = []
    i = 0
    n = len(text)
    while i < n:
        m = re.match(r"([^/()]*)", text[i:])
        word = m.group(1) if m else ""
        i += len(word)
        if i < n and text[i] == "(":
            out.append((True, word))
            i += 1
            # The transform wraps the rest; its closing parentheses trail at the end.
            continue
        if word:
            out.append((False, word))
        while i < n and text[i] in ")/":
            i += 1
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Saved residuals (the list form of jax.ad_checkpoint.print_saved_residuals)


def saved_residuals(f: Callable[..., Any], *args: Any) -> list[tuple[str, str]]:
    """``[(aval, provenance)]`` as ``print_saved_residuals`` prints them: ``("f32[3]", "from
    the argument x")``."""
    if _jax_saved_residuals is not None:
        try:
            pairs = _jax_saved_residuals(f, *args)
        except TypeError:  # pragma: no cover - the signature changed
            pass
        else:
            return [(aval.str_short(short_dtypes=True), str(src)) for aval, src in pairs]
    return saved_residuals_public(f, *args)  # pragma: no cover


def saved_residuals_public(f: Callable[..., Any], *args: Any) -> list[tuple[str, str]]:
    """``saved_residuals`` by capturing what the public printer prints."""
    from jax.ad_checkpoint import print_saved_residuals

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        print_saved_residuals(f, *args)
    return parse_saved_residuals(buf.getvalue())


def parse_saved_residuals(text: str) -> list[tuple[str, str]]:
    """Splits ``print_saved_residuals`` output (one ``aval provenance`` a line) into pairs."""
    out = []
    for line in text.splitlines():
        if line.strip():
            aval, _, src = line.partition(" ")
            out.append((aval, src))
    return out


# --------------------------------------------------------------------------------------------
# XLA's optimized module as StableHLO


def optimized_stablehlo(compiled: Any, lowered: Any) -> str | None:
    """The module XLA runs (after its passes), printed as StableHLO/MHLO MLIR; ``None`` if the
    route is not available (then use the optimized HLO text)."""
    try:
        from jax.extend.mlir import hlo_to_stablehlo, ir

        modules = compiled.runtime_executable().hlo_modules()
        proto = modules[0].as_serialized_hlo_module_proto()
        bytecode = hlo_to_stablehlo(proto)
        context = lowered.compiler_ir("stablehlo").context
        with context:
            module = ir.Module.parse(bytecode)
            return str(module.operation.get_asm(enable_debug_info=False))
    except Exception as e:  # an optional view: never fail the inspection over it
        _warn_fallback("XLA's optimized module as StableHLO", e, "that view is left out")
        return None


# --------------------------------------------------------------------------------------------
# The devices of a compiled program, in device-assignment order


def executable_devices(compiled: Any) -> tuple[Any, ...] | None:
    """The compiled program's devices in the order of its device assignment (logical id ``i``
    of the HLO is ``devices[i]``); ``None`` if the route is not available."""
    try:
        devices = compiled.runtime_executable().local_devices()
    except Exception as e:  # the caller sorts the shardings' devices instead
        _warn_fallback(
            "the compiled program's device assignment",
            e,
            "the devices are taken in id order, which can misname the devices of collectives",
        )
        return None
    return tuple(devices) if devices else None


def executable_devices_public(shardings: Any) -> tuple[Any, ...]:
    """The devices of the given shardings, sorted by id (right for a single process whose
    shardings carry no mesh; with a mesh, the mesh's own order is the device assignment)."""
    found: dict[int, Any] = {}
    for s in shardings:
        for d in s.device_set:
            found[d.id] = d
    return tuple(found[k] for k in sorted(found))


def _warn_fallback(route: str, error: BaseException, consequence: str) -> None:
    warn_fallback(
        f"{route} could not be read from jax {jax.__version__}",
        error,
        f"{consequence}. If this JAX is newer than the workbench was tested with, "
        "tests/test_jax_internals_private.py shows what changed",
        stacklevel=4,
    )


def weak_cache_key(cls: type) -> type:
    """Registers ``cls`` as a type JAX's multi-weakref caches (``_cached_abstract_eval``) hold
    weakly: an equation's param of that type (which holds jaxprs) was held strongly, keeping
    each loop body traced, and what it closes over, alive after its program was dropped."""
    try:
        from jax._src import util as _util

        _util.weakref_cache_key_types.add(cls)
    except (ImportError, AttributeError) as e:  # pragma: no cover - JAX changed the route
        _warn_fallback("jax._src.util.weakref_cache_key_types", e, "loop bodies stay cached")
    return cls
