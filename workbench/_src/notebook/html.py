"""Static fallbacks of the inspector: ``text/html`` and ``text/plain``.

Exported notebooks, nbval and front ends without widgets see these. Every piece of text,
including scope names and constants that came from the user, is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any

from workbench._src.notebook.views import View


def to_html(title: str, views: Sequence[View], pictures: Mapping[str, str] | None = None) -> str:
    """The views as one ``<div>``: a ``<details>`` per view, the result open.

    ``pictures`` maps a view's name to an SVG drawn above its text (the graph, by Graphviz):
    SVG that a trusted renderer wrote, escaping the user's strings itself.
    """
    pictures = pictures or {}
    parts = [
        '<div class="wb-inspector-static">',
        f"<div><strong>{html.escape(title)}</strong></div>",
    ]
    for v in views:
        opened = " open" if v.name == "result" else ""
        parts.append(
            f'<details{opened} data-view="{html.escape(v.name)}">'
            f"<summary>{html.escape(v.title)}</summary>"
        )
        if v.note:
            parts.append(f"<p><em>{html.escape(v.note)}</em></p>")
        if v.name in pictures:
            parts.append(pictures[v.name])
        if v.text:
            parts.append(f"<pre>{html.escape(v.text)}</pre>")
        parts.append("</details>")
    parts.append("</div>")
    return "".join(parts)


def to_plain(title: str, views: Sequence[View], max_lines: int = 30) -> str:
    """The views as text, each cut to ``max_lines`` lines."""
    from workbench._src.introspect.text import truncate

    lines = [title]
    for v in views:
        lines.append(f"--- {v.title} ---")
        if v.note:
            lines.append(v.note)
        if v.text:
            lines.append(truncate(v.text, max_lines))
    return "\n".join(lines)


class StaticFallbacks:
    """A widget mixin: the display bundle carries ``to_text()`` as ``text/plain`` and
    ``to_html()`` as ``text/html`` beside the widget view, for exports and front ends without
    widgets. Mixed in before ``anywidget.AnyWidget``."""

    def to_text(self) -> str:
        raise NotImplementedError

    def to_html(self) -> str:
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)  # type: ignore[misc]
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        if data is None:
            data = {}
        data["text/plain"] = self.to_text()
        data["text/html"] = self.to_html()
        return bundle if isinstance(bundle, tuple) else data
