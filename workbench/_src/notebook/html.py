"""Static fallbacks of the widgets, and how a widget chooses between them and its live view.

Exported notebooks, nbval and front ends without widgets see the fallbacks. Every piece of text,
including scope names and constants that came from the user, is HTML-escaped.

A widget is shown by ``show`` as two outputs: its *view* (the widget, where a front end draws
widgets) and, after it, its *picture* (``text/html``: an SVG and the text). The picture is what
every page without the widget manager shows: ``jupyter nbconvert --execute``, an export of a
notebook saved from JupyterLab (with or without its widget state: a saved state makes nbconvert
draw the view's output with the widget manager from a CDN, blank offline, so the picture is a
separate output), a notebook opened without a kernel. Where the view is drawn, its loader
(``extensions/common/loader.js``) hides the picture that follows it.

A kernel cannot know, when a cell displays a widget, whether a front end will draw it:
JupyterLab does; nbclient records the widget's state but draws nothing. So until a front end has
said that it draws the workbench's widgets, the view's output is empty and the picture is the
static fallback (Graphviz's SVG, the text); the widget's front end says so when it loads
(``initialize`` sends ``{"type": "wb-live"}``), and the views shown so far become live
(``update_display_data``). Once a front end is known to draw them, a widget is shown live at
once, its picture an empty placeholder, and its fallbacks are not built before the view is
shown: the view says when it is drawn (``{"type": "wb-drawn"}``, the graph viewer with its
drawing as SVG), and the kernel then fills the picture (the graph: the live view's own drawing,
``safe_svg``; the others: their fallback).

Each widget's anywidget module is the loader (``loader.js``, a few hundred bytes); the widget's
code and style sheet are sent once per kernel in a ``WidgetCode`` model (``widget_code``), so a
notebook saved with its widget state holds each bundle once, not once per view.
"""

from __future__ import annotations

import functools
import html
import pathlib
import re
import uuid
import weakref
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any

import ipywidgets
import traitlets

from workbench._src.errors import warn_fallback
from workbench._src.introspect.text import truncate
from workbench._src.notebook.views import View

LIVE_MESSAGE = "wb-live"  # what a widget's front end sends once it has loaded
DRAWN_MESSAGE = "wb-drawn"  # what a view sends once drawn (the graph viewer: with its SVG)
FALLBACK_CLASS = "wb-fallback"  # the picture's outer element (loader.js hides it by this)
PICTURE_PLACEHOLDER = {"text/html": f'<div class="{FALLBACK_CLASS}"></div>', "text/plain": ""}
VIEW_PLACEHOLDER = {"text/plain": ""}  # the view's output until a front end draws widgets
MAX_PICTURE_CHARS = 4_000_000  # a drawing sent by a view larger than this is not kept
STATIC = pathlib.Path(__file__).resolve().parents[2] / "static"


@functools.cache
def static_text(name: str) -> str:
    """A file of ``workbench/static`` (a bundle, a style sheet), read once.

    Widgets take their ``_esm`` as these strings, not as paths: anywidget watches a path for
    changes with a callback that holds every widget made from it (anywidget issue #929), so no
    widget would ever be freed."""
    return (STATIC / name).read_text(encoding="utf-8")


def fallback(inner: str) -> str:
    """``inner`` (HTML) as a picture: in the element ``loader.js`` hides beside a live view."""
    return f'<div class="{FALLBACK_CLASS}">{inner}</div>'


# What a drawing sent by a view may not hold: it goes into the notebook as HTML.
_SVG_BANNED_TAGS = frozenset(
    {"script", "foreignobject", "iframe", "object", "embed", "image", "audio", "video", "a"}
)


def safe_svg(text: Any) -> str | None:
    """``text`` if it is one ``<svg>`` element with nothing active in it (no script, no
    foreign content, no event attribute, no link out of the drawing, no style rule that loads
    anything), else ``None``. A view's drawing comes from the front end and is kept in the
    notebook as HTML: the user's strings in it are XML-escaped text, and this makes sure."""
    if not isinstance(text, str) or not text.startswith("<svg") or len(text) > MAX_PICTURE_CHARS:
        return None
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    if root.tag.rsplit("}", 1)[-1] != "svg":
        return None
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1].lower() if isinstance(el.tag, str) else ""
        if tag in _SVG_BANNED_TAGS:
            return None
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1].lower()
            if local.startswith("on") or (local == "href" and not value.startswith("#")):
                return None
            if "url(" in value and not re.fullmatch(r"url\(#[\w-]+\)", value.strip()):
                return None
        if tag == "style" and re.search(r"@import|url\(\s*['\"]?(?!#)", el.text or ""):
            return None
    return text


class WidgetCode(ipywidgets.Widget):
    """One widget kind's code (``source``, its bundle) and style sheet (``css``), sent once per
    kernel: every widget of that kind refers to it (``LiveDisplay._code``), and its loader
    imports it. A widget model without a view."""

    name = traitlets.Unicode("").tag(sync=True)
    source = traitlets.Unicode("").tag(sync=True)
    css = traitlets.Unicode("").tag(sync=True)


_codes: dict[str, WidgetCode] = {}


def widget_code(name: str) -> WidgetCode:
    """The kernel's ``WidgetCode`` of the bundle ``name`` (``"graph"``, ``"inspector"``,
    ``"tradeoffs"``), made again if it was closed."""
    code = _codes.get(name)
    if code is None or code.comm is None:
        code = _codes[name] = WidgetCode(
            name=name, source=static_text(f"{name}.js"), css=static_text(f"{name}.css")
        )
    return code


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
    """Something shown by ``show``: its live bundle (the widget view), its static one (the
    picture), and the display ids of its pictures (filled or placeholders)."""

    def live_bundle(self) -> dict[str, Any]:
        raise NotImplementedError

    def static_bundle(self) -> dict[str, Any]:
        raise NotImplementedError

    def picture_bundle(self, drawing: str | None) -> dict[str, Any] | None:
        """The picture once the view is drawn: made of the view's ``drawing`` (a safe SVG)
        where the widget has one, else ``None`` (the static bundle is used)."""
        return None

    def pictures(self) -> dict[str, bool]:
        """Display id of each picture of this -> whether it is filled (not a placeholder)."""
        found = self.__dict__.get("_wb_pictures")
        if found is None:
            found = self.__dict__["_wb_pictures"] = {}
        return found

    def drawn(self, drawing: Any = None) -> None:
        """The view says it is drawn (with its ``drawing`` as SVG, or none): its pictures are
        filled with the drawing, or with the static fallback where they are placeholders."""
        bundle = self.picture_bundle(safe_svg(drawing)) if drawing is not None else None
        for display_id, filled in list(self.pictures().items()):
            if bundle is None and filled:
                continue
            try:  # a fallback that fails leaves the placeholder: never break the kernel
                out = bundle if bundle is not None else self.static_bundle()
            except Exception as e:
                warn_fallback("The view's picture could not be made", e, "its placeholder stays")
                return
            _publish(out, display_id, update=True)
            self.pictures()[display_id] = True


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

    def on_message(self, widget: Any, content: Any, _buffers: Any) -> None:
        """A widget's ``on_msg`` callback."""
        if not isinstance(content, dict):
            return
        if content.get("type") == LIVE_MESSAGE:
            self.says_live()
        elif content.get("type") == DRAWN_MESSAGE and isinstance(widget, Shown):
            widget.drawn(content.get("svg"))


FRONT_END = _FrontEnd()


def _publish(bundle: dict[str, Any], display_id: str, update: bool = False) -> None:
    from IPython.display import display, update_display

    if update:
        update_display(bundle, raw=True, display_id=display_id)
    else:
        display(bundle, raw=True, display_id=display_id)


def show(shown: Shown) -> None:
    """Displays ``shown`` as two outputs, its view and its picture: the view live where a front
    end is known to draw widgets (the picture a placeholder, filled when the view says it is
    drawn), else empty, made live when a front end says it draws widgets, and the picture the
    static bundle (see the module's docstring)."""
    view_id, picture_id = uuid.uuid4().hex, uuid.uuid4().hex
    if FRONT_END.live:
        _publish(shown.live_bundle(), view_id)
        _publish(PICTURE_PLACEHOLDER, picture_id)
        shown.pictures()[picture_id] = False
        return
    FRONT_END.waiting[view_id] = weakref.ref(shown)
    _publish(VIEW_PLACEHOLDER, view_id)
    _publish(shown.static_bundle(), picture_id)
    shown.pictures()[picture_id] = True


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


class LiveDisplay(Shown, traitlets.HasTraits):
    """A widget mixin (before ``anywidget.AnyWidget``): ``to_text()`` and ``to_html()`` are
    its fallbacks; IPython displays it through ``show``; ``_repr_mimebundle_`` (what other
    callers ask for) carries the widget view and both fallbacks. Its ``_esm`` is the loader,
    and ``_code`` (set once it is shown live) the ``WidgetCode`` of its kind (``CODE``)."""

    CODE = ""  # the bundle of workbench/static this widget's loader imports
    _code = traitlets.Instance(WidgetCode, allow_none=True).tag(
        sync=True, **ipywidgets.widget_serialization
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.on_msg(FRONT_END.on_message)  # type: ignore[attr-defined]

    def to_text(self) -> str:
        raise NotImplementedError

    def to_html(self) -> str:
        raise NotImplementedError

    def live_bundle(self) -> dict[str, Any]:
        if self._code is None:  # the front end draws this widget: it needs the code
            self._code = widget_code(self.CODE)
        # The text is what pages without the widget's state show here: the picture follows.
        return {**widget_view(self), "text/plain": ""}

    def static_bundle(self) -> dict[str, Any]:
        return {"text/html": fallback(self.to_html()), "text/plain": self.to_text()}

    def _ipython_display_(self) -> None:
        show(self)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return {**self.live_bundle(), **self.static_bundle()}

    def close(self) -> None:
        """Closes the widget and the ``Layout`` widget ipywidgets made for it, which it leaves
        open (in its registry, with a comm): one per widget ever shown, otherwise."""
        layout = self._trait_values.get("layout")
        super().close()  # type: ignore[misc]
        if layout is not None and getattr(layout, "comm", None) is not None:
            layout.close()
