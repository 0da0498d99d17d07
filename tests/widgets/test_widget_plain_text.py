"""A widget seen without a kernel (a notebook opened cold, the website) shows one
friendly line, not ipywidgets' repr of its children."""
from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

import gradlab.tensor as gt  # noqa: E402
from gradlab.widgets import BackpropStepper, GraphExplorer  # noqa: E402


@pytest.mark.parametrize("make, words", [
    (lambda x: GraphExplorer(x ** 2), ("GraphExplorer, an interactive gradlab widget",)),
    (lambda x: BackpropStepper(x ** 2, [x], {"x": 1.0}), ("BackpropStepper, an interactive gradlab widget",)),
])
def test_plain_text_says_what_it_is_and_to_run_the_cell(make, words):
    widget = make(gt.dscalar("x"))
    bundle = widget._repr_mimebundle_()
    text = bundle["text/plain"]
    assert "children=" not in text and "\n" not in text and "``" not in text
    for word in (*words, "run this cell", "kernel"):
        assert word in text, text
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id
