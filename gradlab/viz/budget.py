"""The size budget of a picture: it is read at notebook width.

A picture fits when, shown at ``MAX_WIDTH_PX`` (about the width of a
notebook's output column at 100 % zoom) or narrower, its smallest text is at
least ``MIN_FONT_PX`` high.  ``dot`` measures in points (1 pt = 4/3 CSS px),
so the widest picture that fits unscaled is ``MAX_WIDTH_PX * 3/4`` pt, and a
wider one may be scaled down by at most ``MIN_FONT_PX / (smallest font in px)``.

:func:`estimate` predicts the size of a drawing before ``dot`` runs (a
longest-path ranking and text widths, linear in nodes and edges), so the
drawing code can choose the direction (left to right for shallow graphs, top
to bottom for long chains) and decide to fold.  :func:`fit_width` writes
dot's ``size`` attribute so the SVG's ``width``/``height`` are its display
size.  :func:`measure_svg` reads a rendered SVG back (display width in px and
the smallest text in px at that size); the tests and the widgets use it.
"""
from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from typing import Any, Iterable, Optional

#: the widest a picture is shown (CSS px)
MAX_WIDTH_PX = 900
#: the tallest a static picture may be at display size (CSS px); taller ones fold
MAX_HEIGHT_PX = 2400
#: the smallest text allowed at display size (CSS px)
MIN_FONT_PX = 11.0
#: CSS px per point
PX_PER_PT = 4.0 / 3.0
#: the width budget in points (dot's unit)
MAX_WIDTH_PT = MAX_WIDTH_PX / PX_PER_PT
#: the smallest font any picture uses (pt); see ``style``
SMALLEST_FONT_PT = 10.0
#: the most a picture may be scaled down and keep its smallest text readable
MIN_SCALE = MIN_FONT_PX / (SMALLEST_FONT_PT * PX_PER_PT)
#: average width of a Helvetica character, as a fraction of the font size
CHAR_WIDTH = 0.56


@dataclass
class Size:
    """A predicted or measured picture size in points."""

    width: float
    height: float

    @property
    def scale_needed(self) -> float:
        """The scale that brings the width into the budget (1 when it fits)."""
        return min(1.0, MAX_WIDTH_PT / self.width) if self.width > 0 else 1.0

    @property
    def score(self) -> float:
        """How well the picture keeps the budget: 1 or more when it fits (text at
        least ``MIN_FONT_PX`` when shrunk to ``MAX_WIDTH_PX``, at most
        ``MAX_HEIGHT_PX`` tall); below 1 the smaller the worse."""
        tall = self.height * self.scale_needed * PX_PER_PT
        return min(self.scale_needed / MIN_SCALE, MAX_HEIGHT_PX / tall if tall > 0 else float("inf"))

    @property
    def fits(self) -> bool:
        """Shown at most ``MAX_WIDTH_PX`` wide, text still readable, and not taller than ``MAX_HEIGHT_PX``."""
        return self.score >= 1.0


def text_box(lines: Iterable[str], fontsize: float = 11.0, shape: str = "box") -> tuple:
    """``(width, height)`` in points of a node showing ``lines``."""
    lines = list(lines) or [""]
    width = max(len(str(line)) for line in lines) * CHAR_WIDTH * fontsize + 10
    height = len(lines) * 1.2 * fontsize + 6
    if shape == "ellipse":
        width, height = width * 1.3 + 4, height * 1.2
    elif shape == "point":
        return 6.0, 6.0
    return max(width, 54.0 if shape != "plaintext" else width), max(height, 22.0)


def estimate(boxes: dict, edges: Iterable[tuple], rankdir: str, *, labelled_edges: bool = False,
             extra: Optional[tuple] = None, caption: tuple = (0.0, 0.0)) -> Size:
    """The size ``dot`` will give nodes ``boxes`` (``{id: (w, h)}``) joined by
    ``edges`` (``(tail, head)``; ranks by longest path from the sources).

    ``extra``: ``(w, h)`` of a piece below the graph (the legend);
    ``caption``: the title's ``(w, h)``.
    """
    succ: dict = {n: [] for n in boxes}
    indeg: dict = {n: 0 for n in boxes}
    for a, b in edges:
        if a in succ and b in succ and a != b:
            succ[a].append(b)
            indeg[b] += 1
    rank = {n: 0 for n in boxes}
    sources = [n for n, d in indeg.items() if d == 0]
    queue = deque(sources)
    while queue:
        n = queue.popleft()
        for m in succ[n]:
            rank[m] = max(rank[m], rank[n] + 1)
            indeg[m] -= 1
            if indeg[m] == 0:
                queue.append(m)
    for n in sources:                 # dot puts a leaf next to its first reader, not in the first rank
        if succ[n]:
            rank[n] = max(min(rank[m] for m in succ[n]) - 1, 0)
    along: dict = {}                  # rank -> size along the flow (max)
    across: dict = {}                 # rank -> size across the flow (sum)
    flow_horizontal = rankdir in ("LR", "RL")
    for n, (w, h) in boxes.items():
        r = rank[n]
        a, c = (w, h) if flow_horizontal else (h, w)
        along[r] = max(along.get(r, 0.0), a)
        across[r] = across.get(r, 0.0) + c + (18.0 if flow_horizontal else 14.0)
    gap = 36.0 + (20.0 if labelled_edges else 0.0)
    length = sum(along.values()) + gap * max(len(along) - 1, 0) + 16
    breadth = max(across.values(), default=0.0) + 16
    width, height = (length, breadth) if flow_horizontal else (breadth, length)
    if extra is not None:             # the legend, below the graph
        width, height = max(width, extra[0]), height + extra[1] + 10
    width = max(width, caption[0] + 16)
    return Size(width, height + caption[1])


def fit_width(dot: Any) -> None:
    """Make ``dot`` at most ``MAX_WIDTH_PX`` wide when shown (dot's ``size``,
    in inches: a wider drawing is scaled down, a narrower one left alone)."""
    dot.graph_attr["size"] = f"{MAX_WIDTH_PT / 72:.4f},1000"


# ---------------------------------------------------------------------------
_SVG_TAG = re.compile(r"<svg\b[^>]*>", re.S)
_ATTR = r'\b{}="([^"]*)"'
_FONT = re.compile(r'font-size="([\d.]+)"')
_SCALE = re.compile(r'<g id="graph0"[^>]*transform="scale\(([\d.]+)')


def _length_px(text: str) -> float:
    match = re.fullmatch(r"\s*([\d.]+)\s*(pt|px)?\s*", text)
    if match is None:
        raise ValueError(f"cannot read the SVG length {text!r}")
    value = float(match.group(1))
    return value * PX_PER_PT if match.group(2) == "pt" else value


@dataclass
class Measured:
    """A rendered picture at its display size (CSS px)."""

    width: float
    height: float
    min_font: float              #: the smallest text, px at display size (inf when there is none)
    scale: float                 #: display px per drawing unit

    @property
    def fits(self) -> bool:
        """Width within ``MAX_WIDTH_PX`` and every text at least ``MIN_FONT_PX``."""
        return self.width <= MAX_WIDTH_PX + 0.5 and self.min_font >= MIN_FONT_PX - 0.05


def measure_svg(svg: str) -> Measured:
    """The display size of a dot-made SVG and its smallest text at that size.

    The ``<svg>`` element's ``width`` (pt or px) is its display width; the
    ``viewBox`` maps that to drawing units, and dot's ``scale(…)`` on the
    top group (present when ``size`` shrank the drawing) scales again.
    """
    tag = _SVG_TAG.search(svg)
    if tag is None:
        raise ValueError("no <svg> element in the text")
    head = tag.group(0)
    width_text = re.search(_ATTR.format("width"), head)
    height_text = re.search(_ATTR.format("height"), head)
    view = re.search(_ATTR.format("viewBox"), head)
    if width_text is None or height_text is None:
        raise ValueError("the <svg> element has no width/height: its display size is not fixed")
    width, height = _length_px(width_text.group(1)), _length_px(height_text.group(1))
    per_unit = 1.0
    if view is not None:
        box = [float(v) for v in view.group(1).split()]
        if box[2] > 0:
            per_unit = width / box[2]
    inner = _SCALE.search(svg)
    if inner is not None:
        per_unit *= float(inner.group(1))
    sizes = [float(v) for v in _FONT.findall(svg)]
    smallest = min(sizes) * per_unit if sizes else float("inf")
    return Measured(width, height, smallest, per_unit)
