"""Widget pictures pan and zoom instead of being cut, at their natural size,
and GraphExplorer's fold toggle opens what is folded."""
from __future__ import annotations

import re

import gradlab.tensor as gt
from gradlab.viz import budget
from gradlab.widgets import DerivativeExplorer, GraphExplorer
from gradlab.widgets.render import MAX_AREA_HEIGHT, PAN_CLASS, pannable


def _chain(n: int):
    x = gt.dscalar("x")
    y = x
    for _ in range(n):
        y = gt.tanh(y * 1.01)
    return x, y


def test_a_picture_is_shown_in_a_pan_and_zoom_area_at_natural_size():
    x, y = _chain(30)
    explorer = GraphExplorer(y)
    explorer.fold_toggle.value = False
    html = explorer.picture.value
    assert f'class="{PAN_CLASS}"' in html
    for handler in ("onwheel", "onpointerdown", "onpointermove", "onpointerup"):
        assert f'{handler}="gradlabPan.' in html
    assert "gradlab-pan-fit" in html and "gradlab-pan-actual" in html and "onerror=" in html
    assert "<script" not in html                     # the HTML widget would not run it
    # natural size: dot's size attribute is dropped, so the SVG is not scaled to the column
    measured = budget.measure_svg(explorer.svg)
    assert abs(measured.scale - budget.PX_PER_PT) < 0.01 and measured.min_font >= budget.MIN_FONT_PX
    width = float(re.search(r'data-width="([\d.]+)"', html).group(1))
    assert abs(width - measured.width) < 1
    height = float(re.search(r'height:(\d+)px; cursor', html).group(1))
    assert height == min(round(measured.height + 4), MAX_AREA_HEIGHT)


def test_graph_explorer_fold_toggle_folds_and_unfolds_repeated_steps():
    x, y = _chain(50)
    explorer = GraphExplorer(y)
    assert explorer.fold_toggle.value is True
    assert "× 50" in explorer.svg
    explorer.fold_toggle.value = False
    assert "× 50" not in explorer.svg
    assert len(re.findall(r"<title>n\d+</title>", explorer.svg)) == 100
    explorer.fold_toggle.value = True
    assert "× 50" in explorer.svg


def test_derivative_explorer_picture_pans():
    x = gt.dscalar("x")
    explorer = DerivativeExplorer(1 / (1 + gt.exp(-x)), x)
    assert PAN_CLASS in explorer.picture.value and "<svg" in explorer.picture.value


def test_pannable_survives_an_svg_without_a_size():
    assert PAN_CLASS in pannable("<svg><g></g></svg>")
