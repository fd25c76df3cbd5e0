"""The inspector widget: a thin ``anywidget.AnyWidget`` over the views.

Its front end is ``workbench/static/inspector.js``, bundled from ``extensions/inspector/index.js``
(``npm run build``); the bundle ships in the wheel, so no npm is needed at run time.
"""

from __future__ import annotations

import pathlib
from collections.abc import Sequence

import anywidget
import traitlets

from workbench._src.notebook.views import View

STATIC = pathlib.Path(__file__).resolve().parents[2] / "static"


class Inspector(anywidget.AnyWidget):
    """Tabs for the views of one program; IR highlighted; two stages side by side.

    Traits (synced with the browser): ``title``; ``views``, a list of ``View.to_json()``;
    ``selected``, the shown view's name (or ``"compare"``); ``compare``, the two IR views
    compared side by side.
    """

    _esm = STATIC / "inspector.js"
    title = traitlets.Unicode("").tag(sync=True)
    views = traitlets.List(traitlets.Dict()).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    compare = traitlets.List(traitlets.Unicode()).tag(sync=True)

    @classmethod
    def of(cls, title: str, views: Sequence[View]) -> Inspector:
        """An inspector showing ``views``, the first one selected, the first and last IR
        views set up for comparison."""
        ir = [v.name for v in views if v.kind == "ir"]
        return cls(
            title=title,
            views=[v.to_json() for v in views],
            selected=views[0].name if views else "",
            compare=[ir[0], ir[-1]] if ir else [],
        )
