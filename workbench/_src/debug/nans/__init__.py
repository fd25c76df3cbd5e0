"""``explain_nans``: where the first non-finite value of a derivative (or a primal) is made.

A package by job: ``search`` (the entry points), ``interpreter`` (the instrumented run),
``flow`` (the way through the graph), ``remedies``, ``report`` (the report and its renderers), on
``equations`` (static facts about each equation). The names imported from
``workbench._src.debug.nans`` before it was split are imported from here still.
"""

from workbench._src.debug.nans.equations import CAPTURE_BYTES as CAPTURE_BYTES
from workbench._src.debug.nans.equations import QUICK_COMPILE as QUICK_COMPILE
from workbench._src.debug.nans.remedies import _remedy as _remedy
from workbench._src.debug.nans.report import NanPath as NanPath
from workbench._src.debug.nans.report import NanReport as NanReport
from workbench._src.debug.nans.report import Origin as Origin
from workbench._src.debug.nans.report import Remedy as Remedy
from workbench._src.debug.nans.report import register_view as register_view
from workbench._src.debug.nans.search import explain_nans as explain_nans
from workbench._src.debug.nans.search import explain_program as explain_program
