"""The formatting every report's text shares: cut lines, bounded listings, sizes, counts.

Each report renders itself (``Graph.to_text`` in ``graph.py``, ``render_memory`` in
``memory.py``, ...) with these helpers, so this module imports none of them. Every rendering
is bounded: long IR and long listings are cut with a count of what was left out, so printing
the report of a program with a hundred thousand equations stays instant.
"""

from __future__ import annotations

MAX_IR_LINES = 400
MAX_LINE_CHARS = 300
PHASES = ("primal", "forward", "backward")
EDGE_KINDS = ("forward", "backward", "residual")


def truncate(
    text: str, max_lines: int | None = MAX_IR_LINES, max_line_chars: int = MAX_LINE_CHARS
) -> str:
    """``text`` cut to ``max_lines`` lines of at most ``max_line_chars`` characters, with a
    count of what was left out (``None``: no line limit).

    >>> print(truncate("a\\nb\\nc\\nd", max_lines=2))
    a
    b
    ... 2 more lines not shown (4 in all)
    """
    lines = text.splitlines()
    shown = lines if max_lines is None else lines[:max_lines]
    out = [cut_line(line, max_line_chars) for line in shown]
    if len(shown) < len(lines):
        out.append(f"... {len(lines) - len(shown)} more lines not shown ({len(lines)} in all)")
    return "\n".join(out)


def cut_line(line: str, limit: int) -> str:
    if len(line) <= limit:
        return line
    return f"{line[:limit]} ... ({len(line) - limit} more characters)"


def bounded(lines: list[str], max_lines: int | None, what: str = "lines") -> list[str]:
    """The first ``max_lines`` of ``lines`` and a count of the rest."""
    if max_lines is None or len(lines) <= max_lines:
        return lines
    return [*lines[:max_lines], f"... {len(lines) - max_lines} more {what} not shown"]


def format_bytes(n: float | None) -> str:
    """``1536`` -> ``"1.5 KiB"``; bytes below 1 KiB are exact."""
    if n is None:
        return "n/a"
    n = float(n)
    if abs(n) < 1024:
        return f"{int(n)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB"):
        n /= 1024
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.1f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


def format_seconds(s: float | None) -> str:
    if s is None:
        return "n/a"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.3f} s"


def counted(counts: dict[str, int], order: tuple[str, ...]) -> str:
    keys = [k for k in order if k in counts] + sorted(k for k in counts if k not in order)
    return ", ".join(f"{counts[k]} {k}" for k in keys)


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
