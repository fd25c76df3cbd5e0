"""``check_gradient``'s report: one ``ArrayCheck`` per differentiated array, in a
``GradientCheck``, with its text and HTML renderers."""

from __future__ import annotations

import dataclasses
import html

from workbench._src.ad.modes import Mode


@dataclasses.dataclass(frozen=True)
class ArrayCheck:
    """The check of one differentiated array (an argument, or a leaf of one).

    Attributes:
      name: the argument's name and path in it (``params[3][0]``).
      aval: its shape and dtype (``float32[8,8]``).
      checked: how many elements were checked one by one, of ``size`` (0: directions only).
      size: its number of elements.
      max_abs_error, max_rel_error: the largest errors against finite differences, along the
        random directions and at the elements checked.
      worst_index: the index of the element furthest outside its tolerance (or of the largest
        error, when every element passes); ``None`` when the worst is a random direction (or
        elements were not checked).
      worst: ``(this mode's derivative, finite differences)`` there: at ``worst_index``, or the
        directional derivatives along the worst direction; ``None`` for an empty array.
      passed: whether every direction and element is within tolerance of the finite differences.
      directions: how many random directions were checked.
      resolution: the tolerance along the directions, relative to the directional derivative's
        size (how small an error the finite differences could catch; below 1e-2 in float32).
      modes_max_abs_error: the largest difference from the other mode (``None``: not run).
      modes_passed: whether the two modes agree (``None``: not run).
      note: "" or why the array was not checked ("empty: nothing to check").
      shared: how many arrays the random directions moved at once (0: this array alone). The
        directions move every array first; an array is checked on its own where they fail or
        do not resolve its part (``resolution`` is then of its part).
      rough: directions (and elements) along which ``f`` is not smooth here (the steps cross a
        kink of relu or max, or ``f`` varies faster than them): outside the differences' bound
        but within a few times it, so neither a pass nor a failure. Others were drawn instead.
      inconclusive: passed, but the finite differences could not tell: not smooth along every
        direction tried, or resolved no better than 0.5 (a 2x error could pass).
      widened_max_abs_error, widened_max_rel_error: for a bfloat16 (float16) array whose rules
        were checked on the program widened to float32 (``GradientCheck.widened``), the largest
        difference between its gradient and the widened program's (relative: to the latter's
        largest element); ``None`` otherwise.
      element_resolution: element by element, the largest tolerance, relative to the array's
        largest derivative (an element much smaller than that may be off by more, relative to
        itself, and pass: ``max_rel_error`` is then large); ``None``: no elements checked.
      own_rounding: where the arguments are narrower than the differences (float32 under
        x64), the gradient's own rounding, measured against the same gradient on the widened
        arguments, at its largest, relative to the array's largest derivative; it is allowed on
        top of the differences' bound (a chaotic loop amplifies float32 rounding far beyond a
        few ulp: an element may then be off by more than ``resolution`` and still pass).
        ``None``: not measured.
      widened_passed: whether that difference is within what the narrow dtype's rounding
        allows, element by element (``None``: not compared).
    """

    name: str
    aval: str
    checked: int
    size: int
    max_abs_error: float
    max_rel_error: float
    worst_index: tuple[int, ...] | None
    worst: tuple[complex | float, complex | float] | None
    passed: bool
    directions: int = 0
    resolution: float = 0.0
    modes_max_abs_error: float | None = None
    modes_passed: bool | None = None
    note: str = ""
    shared: int = 0
    rough: int = 0
    inconclusive: bool = False
    widened_max_abs_error: float | None = None
    widened_max_rel_error: float | None = None
    widened_passed: bool | None = None
    own_rounding: float | None = None
    element_resolution: float | None = None


@dataclasses.dataclass(frozen=True)
class GradientCheck:
    """What ``check_gradient`` found: one ``ArrayCheck`` per differentiated array.

    Attributes:
      mode: the mode checked.
      value: ``f`` at the arguments.
      arrays: the checks, in argument order.
      fd_dtype: the precision the finite differences ran in.
      other_mode: the mode compared against (``None`` when it could not run).
      note: why the other mode did not run, or "".
      widened: "" or the narrow dtype (``"bfloat16"``) of arguments whose rules were checked on
        the same program widened to ``fd_dtype`` (its gradient against the finite differences
        and the other mode there), and whose own gradient was compared with the widened one's.
    """

    mode: Mode
    value: float
    arrays: tuple[ArrayCheck, ...]
    fd_dtype: str
    other_mode: Mode | None
    note: str = ""
    widened: str = ""

    @property
    def passed(self) -> bool:
        return all(_ok(a) for a in self.arrays)

    @property
    def failures(self) -> tuple[ArrayCheck, ...]:
        return tuple(a for a in self.arrays if not _ok(a))

    @property
    def inconclusive(self) -> tuple[ArrayCheck, ...]:
        """The arrays the finite differences could not tell (not failures)."""
        return tuple(a for a in self.arrays if a.inconclusive and _ok(a))

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        return _text(self)

    def __repr__(self) -> str:
        return _text(self)

    def _repr_html_(self) -> str:
        return _html(self)


def _ok(a: ArrayCheck) -> bool:
    return a.passed and a.modes_passed is not False and a.widened_passed is not False


def _verdict(a: ArrayCheck) -> str:
    if a.note:
        return a.note
    if not a.passed:
        return "FAILED against finite differences"
    if a.modes_passed is False:
        return "FAILED against the other mode"
    if a.widened_passed is False:
        return (
            f"FAILED: its {a.aval.split('[')[0]} gradient is off the widened program's beyond "
            "what its rounding explains"
        )
    if a.inconclusive:
        return "inconclusive: " + (
            "not smooth here along any direction tried (a kink or chaos within the step)"
            if a.rough >= a.directions + a.checked or a.resolution < 0.5
            else "the finite differences do not resolve a 2x error here"
        )
    if a.rough:
        return f"ok (not smooth here along {a.rough} of the directions and elements tried)"
    return "ok"


def _what(a: ArrayCheck) -> str:
    parts = [f"{a.directions} random direction{'s' if a.directions != 1 else ''}"]
    if a.shared:
        parts[0] += f" shared by {a.shared} arrays"
    if a.checked:
        parts.append(
            "every element" if a.checked == a.size else f"{a.checked} of {a.size} elements"
        )
    return " and ".join(parts)


def _where(a: ArrayCheck) -> str:
    if a.worst is None:
        return ""
    ours, fd = a.worst
    if a.worst_index is None:
        where = "along a random direction"
    else:
        where = "at [" + ", ".join(map(str, a.worst_index)) + "]"
    return f"worst {where}: {ours:.8g} vs finite differences {fd:.8g}"


def _resolved(a: ArrayCheck, wide: str) -> str:
    """How small an error the check could catch, and what it allowed beyond the differences."""
    out = f"tolerance {a.resolution:.2g} of a directional derivative"
    if a.element_resolution is not None:
        out += f", {a.element_resolution:.2g} of the largest derivative element by element"
    if a.own_rounding:
        out += (
            f", allowing its {a.aval.split('[')[0]} gradient's own rounding (measured against "
            f"{wide}: up to {a.own_rounding:.2g} of the largest derivative)"
        )
    return out


def _text(r: GradientCheck) -> str:
    verdict = "passed" if r.passed else "FAILED"
    if r.passed and r.inconclusive:
        verdict += f" (inconclusive on {len(r.inconclusive)} of {len(r.arrays)} arrays)"
    head = (
        f"check_gradient({r.mode!r}): {verdict}; f = {r.value:.6g}; "
        f"finite differences in {r.fd_dtype}"
        + (
            f" on the program widened from {r.widened} (and its {r.widened} gradient against "
            "the widened one's)"
            if r.widened
            else ""
        )
        + (f", compared with {r.other_mode!r}" if r.other_mode else "")
    )
    lines = [head]
    if r.note:
        lines.append(f"  ({r.note})")
    for a in r.arrays:
        if a.note:
            lines.append(f"  {a.name} {a.aval}: {a.note}")
            continue
        modes = (
            ""
            if a.modes_max_abs_error is None
            else f"; other mode differs by {a.modes_max_abs_error:.3g}"
        )
        if a.widened_max_rel_error is not None:
            modes += (
                f"; its {a.aval.split('[')[0]} gradient differs from the widened program's by "
                f"{a.widened_max_rel_error:.2g} of its largest element"
            )
        lines.append(
            f"  {a.name} {a.aval} ({_what(a)}): {_verdict(a)}; max error {a.max_abs_error:.3g} "
            f"(relative {a.max_rel_error:.3g}); {_resolved(a, r.fd_dtype)}; {_where(a)}"
            f"{modes}"
        )
    return "\n".join(lines)


def _html(r: GradientCheck) -> str:
    e = html.escape
    rows = []
    for a in r.arrays:
        ours, fd = a.worst if a.worst is not None else ("", "")
        ok = _ok(a)
        colour = "#1a7f37" if ok else "#cf222e"
        index = "direction" if a.worst_index is None else str(list(a.worst_index))
        rows.append(
            "<tr>"
            f"<td><code>{e(a.name)}</code></td><td><code>{e(a.aval)}</code></td>"
            f"<td style='color:{colour}'>{e(_verdict(a))}</td>"
            f"<td>{a.max_abs_error:.3g}</td><td>{a.max_rel_error:.3g}</td>"
            f"<td><code>{e(index)}</code></td>"
            f"<td>{e(f'{ours:.8g}' if a.worst else '')}</td>"
            f"<td>{e(f'{fd:.8g}' if a.worst else '')}</td>"
            f"<td>{'' if a.modes_max_abs_error is None else f'{a.modes_max_abs_error:.3g}'}</td>"
            f"<td>{e(_what(a))}</td></tr>"
        )
    head = e(_text(r).splitlines()[0])
    note = f"<div><i>{e(r.note)}</i></div>" if r.note else ""
    return (
        f"<div class='wb-check-gradient'><b>{head}</b>{note}"
        "<table><tr><th>array</th><th>shape</th><th>verdict</th><th>max abs error</th>"
        "<th>max rel error</th><th>worst element</th><th>this mode</th>"
        "<th>finite differences</th><th>other mode differs by</th><th>checked</th></tr>"
        + "".join(rows)
        + "</table></div>"
    )
