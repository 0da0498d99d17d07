"""What every widget shares.

- SVG text of a graphviz picture, cached by its DOT source and laid out by
  ``dot`` in worker threads (``dot`` is a separate process, so several
  pictures and a matplotlib plot render at the same time).
- PNG bytes of a matplotlib figure, and the data of its curves.
- The picture widgets with their stable CSS classes (``gradlab-graph``,
  ``gradlab-plot``) and the message box (``gradlab-error``); a graph picture
  is a :class:`~gradlab.widgets.graph_view.GraphView` (its own front-end
  module: pan, zoom, fit, 1:1, hover).
- ``guarded``: a widget method whose exceptions become a message, never a
  traceback in the notebook.
"""
from __future__ import annotations

import functools
import html
import io
import threading
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Optional, Sequence

import ipywidgets as widgets

from gradlab.viz import dot_runner
from gradlab.widgets.graph_view import GraphView

GRAPH_CLASS = "gradlab-graph"
PLOT_CLASS = "gradlab-plot"
ERROR_CLASS = "gradlab-error"
#: resolution of the PNG plots (a 6.4 x 4 inch figure is 512 x 320 pixels)
PLOT_DPI = 80
#: longest error text shown (the rest is cut)
MAX_MESSAGE = 1500


class LRUCache:
    """A small least-recently-used dict: ``get(key)`` (None when absent), ``put(key, value)``."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: Any, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


# ---------------------------------------------------------------------------
# SVG pictures
_SVG_CACHE = LRUCache(256)
_POOL: Optional[ThreadPoolExecutor] = None
_POOL_LOCK = threading.Lock()


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gradlab-dot")
        return _POOL


def strip_prolog(svg: str) -> str:
    """The ``<svg …>…</svg>`` element of dot's output (no XML prolog, doctype or comments before it)."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def _layout(dot: Any, source: str) -> str:
    svg = strip_prolog(dot_runner.svg_text(dot))
    _SVG_CACHE.put(source, svg)
    return svg


def natural(dot: Any) -> Any:
    """``dot`` drawn at its natural size: a widget's picture pans and zooms, so
    it is not shrunk to the notebook's width (dot's ``size`` is dropped)."""
    if "size" not in dot.graph_attr:
        return dot
    copy = dot.copy()
    del copy.graph_attr["size"]
    return copy


def svg_future(dot: Any) -> Future:
    """Start laying out ``dot`` (a ``graphviz.Digraph``, at its natural size);
    ``.result()`` is its SVG text."""
    dot = natural(dot)
    source = dot.source
    cached = _SVG_CACHE.get(source)
    if cached is not None:
        done: Future = Future()
        done.set_result(cached)
        return done
    return _pool().submit(_layout, dot, source)


def svg_text(dot: Any) -> str:
    """The SVG text of a ``graphviz.Digraph`` (``<svg …>…</svg>``), cached by DOT source."""
    return svg_future(dot).result()


def svg_texts(dots: Sequence[Any]) -> list:
    """SVG texts of several pictures, laid out concurrently."""
    return [f.result() for f in [svg_future(d) for d in dots]]


def graph_widget(*classes: str) -> GraphView:
    """An empty picture: a :class:`~gradlab.widgets.graph_view.GraphView` (pans and
    zooms) with the CSS class ``gradlab-graph`` (and ``classes``)."""
    picture = GraphView(layout=widgets.Layout(width="100%", max_width="100%"))
    for cls in (GRAPH_CLASS,) + classes:
        picture.add_class(cls)
    return picture


def show_svg(picture: GraphView, svg: str) -> None:
    """Put SVG text into a picture widget, at its natural size, where it pans and zooms."""
    picture.show(svg)


#: the CSS class of the pan-and-zoom area (made by the front-end module, graph_view.js)
PAN_CLASS = "gradlab-pan"


# ---------------------------------------------------------------------------
# plots
def plot_widget(*classes: str) -> widgets.Image:
    """An empty plot: a PNG Image widget with the CSS class ``gradlab-plot`` (and ``classes``)."""
    image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%", height="auto"))
    for cls in (PLOT_CLASS,) + classes:
        image.add_class(cls)
    return image


def figure_png(fig: Any, dpi: int = PLOT_DPI) -> bytes:
    """The PNG bytes of a matplotlib figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# messages
def pre(text: str, *classes: str, style: str = "") -> str:
    """``text`` as an escaped ``<pre>`` block."""
    cls = f' class="{" ".join(classes)}"' if classes else ""
    css = "margin:2px 0; white-space:pre-wrap; font-family:monospace; font-size:12px;" + style
    return f'<pre{cls} style="{css}">{html.escape(text)}</pre>'


def describe(exc: BaseException) -> str:
    """The text a user sees for ``exc``: its own message (a formula error shows
    the formula with a caret), never a traceback."""
    from gradlab.parse import FormulaError
    from gradlab.viz.display import INSTALL_HINT, graphviz_missing
    if isinstance(exc, FormulaError):
        text = str(exc)
    elif graphviz_missing(exc):
        text = f"cannot draw the picture: graphviz is missing {INSTALL_HINT}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_MESSAGE else text[:MAX_MESSAGE - 1] + "…"


class MessageBox(widgets.HTML):
    """Where a widget reports a mistake (CSS class ``gradlab-error``); hidden when empty."""

    def __init__(self, **kwargs: Any):
        super().__init__(value="", **kwargs)
        self.add_class(ERROR_CLASS)
        self._text = ""
        self.layout.display = "none"

    @property
    def text(self) -> str:
        """The message shown ('' when there is none)."""
        return self._text

    def show(self, text: str) -> None:
        self._text = text
        self.value = pre("⚠ " + text, style="color:#D55E00; border-left:3px solid #D55E00; padding-left:6px;")
        self.layout.display = None

    def show_error(self, exc: BaseException) -> None:
        self.show(describe(exc))

    def clear(self) -> None:
        self._text = ""
        self.value = ""
        self.layout.display = "none"


def guarded(method: Callable) -> Callable:
    """Run a widget method with its ``message`` box cleared first; an exception
    is shown in the box (and the method returns None) instead of propagating."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        self.message.clear()
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - user input must never raise into the notebook
            self.message.show_error(exc)
            return None

    return wrapper


def variable_text(var: Any, limit: int = 40) -> str:
    """How a variable is named in a widget's text: its name, else its ``pp`` text (short)."""
    if var.name is not None:
        return var.name
    from gradlab.printing import pp
    try:
        return pp(var, max_chars=limit)
    except Exception:  # noqa: BLE001 - naming must never fail
        return f"<{var.type}>"
