"""Static fallbacks of the widgets, and how a widget chooses between them and its live view.

Exported notebooks, nbval and front ends without widgets see the fallbacks. Every piece of text,
including scope names and constants that came from the user, is HTML-escaped.

A kernel cannot know, when a cell displays a widget, whether a front end will draw it: JupyterLab
does; ``jupyter nbconvert --execute`` (nbclient) records the widget's state but draws nothing,
and the page it exports needs the widget manager from a CDN to show anything. So a widget is
shown by ``show``: while no front end has said that it draws the workbench's widgets, the output
is the static fallback (an SVG picture and the text); the widget's front end says so when it
loads (``initialize`` sends ``{"type": "wb-live"}``), and the outputs shown so far become live
views (``update_display_data``). Once a front end is known to draw them, a widget is shown live
at once, and its fallbacks are never built: they never delay the live view.
"""

from __future__ import annotations

import html
import uuid
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from workbench._src.introspect.text import truncate
from workbench._src.notebook.views import View

LIVE_MESSAGE = "wb-live"  # what a widget's front end sends once it has loaded


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
    lines = [title]
    for v in views:
        lines.append(f"--- {v.title} ---")
        if v.note:
            lines.append(v.note)
        if v.text:
            lines.append(truncate(v.text, max_lines))
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Live or static


class Shown:
    """Something shown by ``show``: its live bundle (the widget view) and its static one."""

    def live_bundle(self) -> dict[str, Any]:
        raise NotImplementedError

    def static_bundle(self) -> dict[str, Any]:
        raise NotImplementedError


class _FrontEnd:
    """Whether a front end that draws the workbench's widgets is attached to this kernel, and
    the outputs shown as static fallbacks until it says so (by display id, held weakly)."""

    def __init__(self) -> None:
        self.live = False
        self.waiting: dict[str, weakref.ref[Shown]] = {}

    def says_live(self) -> None:
        """A widget's front end loaded: show every waiting output live."""
        self.live = True
        waiting, self.waiting = self.waiting, {}
        for display_id, ref in waiting.items():
            shown = ref()
            # A widget closed meanwhile keeps its static output: it has no view to show.
            if shown is not None and getattr(shown, "comm", True) is not None:
                _publish(shown.live_bundle(), display_id, update=True)

    def on_message(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """A widget's ``on_msg`` callback."""
        if isinstance(content, dict) and content.get("type") == LIVE_MESSAGE:
            self.says_live()


FRONT_END = _FrontEnd()


def _publish(bundle: dict[str, Any], display_id: str, update: bool = False) -> None:
    from IPython.display import display, update_display

    if update:
        update_display(bundle, raw=True, display_id=display_id)
    else:
        display(bundle, raw=True, display_id=display_id)


def show(shown: Shown) -> None:
    """Displays ``shown``: live where a front end is known to draw widgets, else its static
    bundle, made live when a front end says it draws them (see the module's docstring)."""
    if FRONT_END.live:
        _publish(shown.live_bundle(), uuid.uuid4().hex)
        return
    display_id = uuid.uuid4().hex
    FRONT_END.waiting[display_id] = weakref.ref(shown)
    _publish(shown.static_bundle(), display_id)


def widget_view(widget: Any) -> dict[str, Any]:
    """The ``application/vnd.jupyter.widget-view+json`` part of a widget's display bundle (as
    ipywidgets writes it): what a front end with widgets draws the widget's view from."""
    return {
        "application/vnd.jupyter.widget-view+json": {
            "version_major": 2,
            "version_minor": 0,
            "model_id": widget.model_id,
        }
    }


class LiveDisplay(Shown):
    """A widget mixin (before ``anywidget.AnyWidget``): ``to_text()`` and ``to_html()`` are
    its fallbacks; IPython displays it through ``show``; ``_repr_mimebundle_`` (what other
    callers ask for) carries the widget view and both fallbacks."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_msg(FRONT_END.on_message)  # type: ignore[attr-defined]

    def to_text(self) -> str:
        raise NotImplementedError

    def to_html(self) -> str:
        raise NotImplementedError

    def live_bundle(self) -> dict[str, Any]:
        return {**widget_view(self), "text/plain": self.to_text()}

    def static_bundle(self) -> dict[str, Any]:
        return {"text/html": self.to_html(), "text/plain": self.to_text()}

    def _ipython_display_(self) -> None:
        show(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return {**self.live_bundle(), **self.static_bundle()}

    def close(self) -> None:
        """Closes the widget and the ``Layout`` widget ipywidgets made for it, which it leaves
        open (in its registry, with a comm): one per widget ever shown, otherwise."""
        layout = self._trait_values.get("layout")  # type: ignore[attr-defined]
        super().close()  # type: ignore[misc]
        if layout is not None and getattr(layout, "comm", None) is not None:
            layout.close()
