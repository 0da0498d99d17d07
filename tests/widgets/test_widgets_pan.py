"""Widget pictures pan and zoom instead of being cut, at their natural size, in
a real front-end component (an anywidget with its module bundled in the package),
and GraphExplorer's fold toggle opens what is folded."""
from __future__ import annotations

import re
from pathlib import Path

import gradlab
import gradlab.tensor as gt
from gradlab.viz import budget
from gradlab.widgets import DerivativeExplorer, GraphExplorer
from gradlab.widgets.graph_view import DEFAULT_SIZE, MAX_AREA_HEIGHT, GraphView

PACKAGE = Path(gradlab.__file__).parent


def _chain(n: int):
    x = gt.dscalar("x")
    y = x
    for _ in range(n):
        y = gt.tanh(y * 1.01)
    return x, y


def test_a_picture_is_a_graph_view_at_natural_size():
    x, y = _chain(30)
    explorer = GraphExplorer(y)
    explorer.fold_toggle.value = False
    picture = explorer.picture
    assert isinstance(picture, GraphView) and picture.svg == explorer.svg
    # natural size: dot's size attribute is dropped, so the SVG is not scaled to the column
    measured = budget.measure_svg(explorer.svg)
    assert abs(measured.scale - budget.PX_PER_PT) < 0.01 and measured.min_font >= budget.MIN_FONT_PX
    assert abs(picture.width - measured.width) < 0.01 and abs(picture.height - measured.height) < 0.01
    assert picture.max_height == MAX_AREA_HEIGHT
    # everything the front-end draws with is in the synced state (saved with the notebook)
    state = picture.get_state()
    assert state["svg"] == explorer.svg and "export default" in state["_esm"] and ".gradlab-pan" in state["_css"]


def test_the_front_end_module_is_bundled_and_fetches_nothing():
    source = (PACKAGE / "widgets" / "graph_view.js").read_text(encoding="utf-8")
    assert "export default { render }" in source
    for needed in ('"wheel"', '"pointerdown"', '"pointermove"', '"pointerup"', "gradlab-pan-fit",
                   "gradlab-pan-actual", "gradlab-pan-tip", "DOMParser"):
        assert needed in source, needed
    # no import of anything (least of all from the network), no eval, no innerHTML
    assert not re.search(r"^\s*import\b|\bimport\(|https?://(?!www\.w3\.org/2000/svg)|\beval\(|innerHTML",
                         source, re.M)


def test_no_inline_handler_or_onerror_script_is_left_in_the_package():
    """The old graph view defined its script in ``<img src="data:," onerror=…>`` inside an
    HTML widget; nothing of the kind may come back, in any file of the package."""
    handler = re.compile(r"""\bon(error|load|click|wheel|pointer\w+|mouse\w+)\s*=\s*["']""", re.I)
    found = []
    for path in PACKAGE.rglob("*"):
        if path.suffix in {".py", ".js", ".css", ".html"} and "__pycache__" not in path.parts:
            text = path.read_text(encoding="utf-8")
            found += [f"{path.relative_to(PACKAGE)}: {m.group(0)}" for m in handler.finditer(text)]
            if 'src="data:,"' in text:
                found.append(f"{path.relative_to(PACKAGE)}: an empty data: image")
    assert found == []


def test_the_view_keeps_its_identity_when_the_picture_changes():
    x = gt.dscalar("x")
    explorer = DerivativeExplorer(1 / (1 + gt.exp(-x)), x)
    picture = explorer.picture
    before = picture.svg
    explorer.point_slider.value = 1.5
    assert explorer.picture is picture and picture.svg != before and "<svg" in picture.svg


def test_a_graph_view_survives_an_svg_without_a_size():
    view = GraphView()
    view.show("<svg><g></g></svg>")
    assert (view.width, view.height) == DEFAULT_SIZE and view.svg == "<svg><g></g></svg>"


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
