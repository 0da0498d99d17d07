"""The graph view: SVG text in an area that pans and zooms — a real front-end
component (an anywidget whose ES module, ``graph_view.js``, ships in this
package; nothing is fetched at run time).

anywidget is the ecosystem's standard for custom widgets: the same module
runs in JupyterLab, Notebook 7, Voilà, VS Code, Colab and marimo, and its
state (the SVG text included) is saved with the notebook's widget state, so
the course site renders it with the widget manager and anywidget's front-end.

The area is as wide as the output and as tall as the picture, up to
``max_height`` px; the picture starts at natural size, top left, so its text
is as large as drawn and nothing is cut: what lies outside the area is reached
by dragging, by the wheel (zoom at the pointer) or by ``fit``.  Hovering over
a node shows what it says (name and type; value and adjoint when drawn).
"""
from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

_HERE = Path(__file__).parent

#: the tallest the picture area grows (px) before the picture pans instead
MAX_AREA_HEIGHT = 560
#: the size assumed for an SVG whose size cannot be read
DEFAULT_SIZE = (600.0, 300.0)


class GraphView(anywidget.AnyWidget):
    """A picture that pans and zooms: ``svg`` (SVG text), its natural ``width``
    and ``height`` in CSS px (set with :meth:`show`), ``max_height`` of the area."""

    _esm = _HERE / "graph_view.js"
    _css = _HERE / "graph_view.css"
    svg = traitlets.Unicode("").tag(sync=True)
    width = traitlets.Float(DEFAULT_SIZE[0]).tag(sync=True)
    height = traitlets.Float(DEFAULT_SIZE[1]).tag(sync=True)
    max_height = traitlets.Float(float(MAX_AREA_HEIGHT)).tag(sync=True)

    def show(self, svg: str) -> None:
        """Show ``svg`` at its natural size (read from its ``width``/``height``)."""
        from gradlab.viz.budget import measure_svg
        try:
            size = measure_svg(svg)
            width, height = size.width, size.height
        except ValueError:
            width, height = DEFAULT_SIZE
        with self.hold_sync():
            self.width = float(width)
            self.height = float(height)
            self.svg = svg
