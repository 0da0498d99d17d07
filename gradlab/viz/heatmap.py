"""Heat maps of matrices (Jacobians, Hessians) that read at notebook width.

- The figure's size follows the matrix: cells of ``CELL_MAX`` inches for a
  small matrix down to ``CELL_MIN`` for a large one, the whole at most
  ``budget.MAX_WIDTH_PX`` wide (figures are shown at ``DPI`` px per inch).
- Colours: a diverging map (PuOr, colour-blind safe) centred at 0 — the scale
  is always ``[-b, b]`` with ``b = max |M|`` — and a colour bar.
  ``scale="log"`` uses a symmetric log scale (linear within ``±b/1000``), so
  off-diagonal ``±0.01`` entries show next to a ``±1.2`` diagonal;
  ``clip=c`` fixes the scale to ``[-c, c]`` (stronger entries saturate; the
  colour bar has arrow ends).
- Numbers are written in the cells only when the longest one fits its cell
  at a readable size (``NUMBER_FONT`` pt), with digits chosen from the data:
  whole numbers as such, else two significant digits of the largest entry.
- Tick labels are thinned (every k-th) so they never collide.
- In Jupyter the figure is shown as a PNG rendered at twice its resolution and
  displayed at its intended size (crisp on high-resolution screens).
"""
from __future__ import annotations

import base64
import io
import math
from typing import Any, Optional, Sequence

import numpy as np

from gradlab.viz import budget

#: px per inch at which a figure is shown
DPI = 100
#: cell size in inches for small and large matrices
CELL_MAX, CELL_MIN = 0.6, 0.16
#: the size (pt) of the numbers in the cells and of tick labels
NUMBER_FONT = 9.0
TICK_FONT = 9.0
#: at most this many tick labels an axis (a figure at most the notebook's width shows no more)
MAX_TICKS = 60
#: the colour map (diverging, colour-blind safe)
CMAP = "PuOr"


def cell_size(rows: int, cols: int) -> float:
    """Cell size in inches: 5.6 in for the longer side, between ``CELL_MIN`` and ``CELL_MAX``."""
    return float(min(CELL_MAX, max(CELL_MIN, 5.6 / max(rows, cols, 1))))


def figure_size(rows: int, cols: int, titled: bool) -> tuple:
    """``(width, height)`` in inches: the cells, room for tick labels and the colour bar."""
    cell = cell_size(rows, cols)
    width = min(cols * cell + 1.9, budget.MAX_WIDTH_PX / DPI)
    height = rows * cell + 0.8 + (0.35 if titled else 0.0)
    return width, height


def number_format(data: np.ndarray) -> Any:
    """A function writing the entries with a sensible number of digits."""
    finite = data[np.isfinite(data)]
    if finite.size and np.all(finite == np.round(finite)) and np.abs(finite).max() < 1e6:
        return lambda v: "0" if v == 0 else (f"{v:.0f}" if np.isfinite(v) else str(v))
    biggest = float(np.abs(finite).max()) if finite.size else 1.0
    decimals = int(min(4, max(0, 1 - math.floor(math.log10(biggest))))) if biggest > 0 else 2

    def write(v: float) -> str:
        if not np.isfinite(v):
            return str(v)
        text = f"{v:.{decimals}f}"
        return "0" if float(text) == 0 else text
    return write


def numbers_fit(texts: Sequence[str], cell_inches: float, fontsize: float = NUMBER_FONT) -> bool:
    """Does the longest text fit its cell (width and height) at ``fontsize``?"""
    longest = max((len(t) for t in texts), default=0)
    cell_pt = cell_inches * 72
    return longest * 0.6 * fontsize <= 0.92 * cell_pt and 1.3 * fontsize <= cell_pt


def tick_step(n: int, cell_inches: float, fontsize: float = TICK_FONT, widest: int = 1) -> int:
    """Label every ``step``-th row/column so labels ``widest`` characters wide never collide."""
    need = max(1.5 * fontsize, widest * 0.6 * fontsize + 3) / 72       # inches per label
    step = max(1, math.ceil(need / cell_inches), math.ceil(n / MAX_TICKS))
    for nice in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if nice >= step:
            return nice
    return step


def hidpi_display(fig: Any, scale: int = 2) -> Any:
    """Make Jupyter show ``fig`` as a PNG at ``scale``× its resolution, displayed
    at its intended size (the figure is returned).

    The display goes through ``_ipython_display_``, which IPython asks before
    any formatter: the inline backend registers its own PNG printer for every
    ``Figure`` (cropped, at 1×), which would otherwise replace this PNG while
    the width and height given here stay, and the picture would be stretched.
    ``_repr_mimebundle_`` gives the same bundle to other front ends."""

    def bundle(include: Any = None, exclude: Any = None) -> tuple:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=DPI * scale)
        width, height = fig.get_size_inches() * DPI
        data = base64.b64encode(buf.getvalue()).decode("ascii")
        return ({"image/png": data, "text/plain": repr(fig)},
                {"image/png": {"width": int(round(width)), "height": int(round(height))}})

    def show() -> None:
        from IPython.display import publish_display_data
        data, metadata = bundle()
        publish_display_data(data, metadata)

    fig._repr_mimebundle_ = bundle
    fig._ipython_display_ = show
    return fig


def draw_matrix(data: np.ndarray, ax: Any, fig: Any, *, scale: str = "linear", clip: Optional[float] = None,
                annotate: Optional[bool] = None, row_labels: Optional[Sequence[str]] = None,
                col_labels: Optional[Sequence[str]] = None) -> Any:
    """Draw ``data`` (2-d, float) into ``ax``; returns the image."""
    from matplotlib import colors
    if scale not in ("linear", "log"):
        raise ValueError(f"scale must be 'linear' or 'log', got {scale!r}")
    if clip is not None and not clip > 0:
        raise ValueError(f"clip must be a positive number (the colour scale is [-clip, clip]), got {clip!r}")
    rows, cols = data.shape
    finite = data[np.isfinite(data)]
    biggest = float(np.abs(finite).max()) if finite.size else 0.0
    bound = float(clip) if clip is not None else (biggest if biggest > 0 else 1.0)
    if scale == "log":
        norm = colors.SymLogNorm(linthresh=bound / 1000, linscale=0.5, vmin=-bound, vmax=bound, base=10)
    else:
        norm = colors.Normalize(vmin=-bound, vmax=bound)
    image = ax.imshow(data, cmap=CMAP, norm=norm, interpolation="nearest")
    extend = "both" if clip is not None and biggest > clip else "neither"
    bar = fig.colorbar(image, ax=ax, shrink=0.85 if rows > 2 else 1.0, extend=extend, fraction=0.08, pad=0.03)
    bar.ax.tick_params(labelsize=TICK_FONT)
    cell = cell_size(rows, cols)
    cols_text = list(col_labels) if col_labels is not None else [str(j) for j in range(cols)]
    rows_text = list(row_labels) if row_labels is not None else [str(i) for i in range(rows)]
    xstep = tick_step(cols, cell, widest=max((len(t) for t in cols_text), default=1))
    ystep = tick_step(rows, cell)
    ax.set_xticks(range(0, cols, xstep), labels=cols_text[::xstep], fontsize=TICK_FONT)
    ax.set_yticks(range(0, rows, ystep), labels=rows_text[::ystep], fontsize=TICK_FONT)
    if annotate is None and not numbers_fit(["0"], cell):
        annotate = False        # not even one digit fits a cell: no entry is formatted
    if annotate is False:
        return image
    write = number_format(data)
    texts = [write(v) for v in data.ravel()]
    if annotate is None:
        annotate = numbers_fit(texts, cell)
    if annotate:
        for (i, j), text in zip(np.ndindex(rows, cols), texts):
            frac = float(norm(data[i, j])) if np.isfinite(data[i, j]) else 0.5
            ax.text(j, i, text, ha="center", va="center", fontsize=NUMBER_FONT,
                    color="white" if abs(frac - 0.5) > 0.3 else "black")
    return image
