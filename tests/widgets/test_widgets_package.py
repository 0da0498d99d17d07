"""The widgets package: lazy imports, VBox subclasses with stable CSS hooks,
and the shared rendering helpers (SVG cache, message box, guard)."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
pytest.importorskip("graphviz")
pytest.importorskip("matplotlib")

import ipywidgets

import gradlab
import gradlab.tensor as gt
from gradlab import widgets as gw
from gradlab.widgets import render
from gradlab.widgets.graph_view import GraphView
from widget_helpers import with_class

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_gradlab_never_imports_ipywidgets_and_widgets_resolve_lazily():
    out = _run("import sys, gradlab\n"
               "print('ipywidgets' in sys.modules, 'gradlab.widgets' in sys.modules)\n"
               "import gradlab.widgets\n"
               "print('ipywidgets' in sys.modules, 'matplotlib' in sys.modules, 'graphviz' in sys.modules)\n"
               "cls = gradlab.widgets.GraphExplorer\n"
               "print('ipywidgets' in sys.modules, cls.__name__)")
    assert out.splitlines() == ["False False", "False False False", "True GraphExplorer"]


def test_gradlab_widgets_is_reachable_from_the_lazy_attribute_table():
    assert gradlab.widgets is gw
    assert set(gw.__all__) == {"GraphExplorer", "RewriteStepper", "BackpropStepper", "DerivativeExplorer",
                               "Playground", "GradCheck", "RuleInspector"}
    assert set(gw.__all__) <= set(dir(gw))
    with pytest.raises(AttributeError, match="the widgets are GraphExplorer"):
        gw.NoSuchWidget  # noqa: B018


def _all_widgets():
    x = gt.dscalar("x")
    cost = x ** 2 + gt.sin(x)
    return {
        "GraphExplorer": gw.GraphExplorer(cost),
        "RewriteStepper": gw.RewriteStepper(gt.grad(x ** 2, x)),
        "BackpropStepper": gw.BackpropStepper(cost, [x], [0.5]),
        "DerivativeExplorer": gw.DerivativeExplorer(cost, x),
        "Playground": gw.Playground(),
        "GradCheck": gw.GradCheck(lambda v: gt.sin(v).sum(), np.array([0.1, 0.2])),
    }


def test_every_widget_is_a_vbox_with_stable_dom_hooks():
    made = _all_widgets()
    plotted = {"DerivativeExplorer", "Playground"}
    for name, widget in made.items():
        assert isinstance(widget, ipywidgets.VBox), name
        assert widget.error_message == "", (name, widget.error_message)
        assert len(with_class(widget, "gradlab-error")) == 1, name
        pictures = with_class(widget, "gradlab-graph")
        if name != "GradCheck":
            assert pictures and all(isinstance(p, GraphView) for p in pictures), name
            assert all("<svg" in p.svg for p in pictures), name
        plots = with_class(widget, "gradlab-plot")
        if name in plotted:
            assert len(plots) == 1 and isinstance(plots[0], ipywidgets.Image), name
            assert plots[0].value[:8] == b"\x89PNG\r\n\x1a\n", name
        else:
            assert plots == [], name
    for name in ("DerivativeExplorer", "Playground"):
        (point,) = with_class(made[name], "gradlab-point-slider")
        assert point is made[name].point_slider
    for name in ("RewriteStepper", "BackpropStepper"):
        assert with_class(made[name], "gradlab-step-slider") == [made[name].slider]
    assert with_class(made["Playground"], "gradlab-formula") == [made["Playground"].text]


def test_strip_prolog_keeps_only_the_svg_element():
    text = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<!-- c -->\n<svg width="1pt"><g/></svg>\n'
    assert render.strip_prolog(text) == '<svg width="1pt"><g/></svg>\n'
    assert render.strip_prolog("no picture") == "no picture"


def test_svg_is_cached_by_dot_source(monkeypatch):
    from gradlab import viz
    x = gt.dscalar("x_cache_probe")
    dot = viz.graph(gt.exp(x) * 3.25)
    calls = []
    real = render._layout
    monkeypatch.setattr(render, "_layout", lambda d, s: calls.append(s) or real(d, s))
    render._SVG_CACHE.clear()
    first = render.svg_text(dot)
    second = render.svg_text(viz.graph(gt.exp(x) * 3.25))      # a new Digraph with the same source
    assert first == second and first.startswith("<svg")
    assert len(calls) == 1
    texts = render.svg_texts([dot, viz.graph(gt.log(x))])
    assert texts[0] == first and "log" in texts[1] and len(calls) == 2


def test_lru_cache_drops_the_least_recently_used():
    cache = render.LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1            # "a" is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None and cache.get("a") == 1 and cache.get("c") == 3 and len(cache) == 2


class _Thing:
    def __init__(self):
        self.message = render.MessageBox()

    @render.guarded
    def work(self, fail):
        if fail:
            raise fail
        return "done"


def test_guard_turns_exceptions_into_a_message_and_clears_it_on_success():
    thing = _Thing()
    assert thing.message.layout.display == "none" and thing.message.text == ""
    assert thing.work(ValueError("the value is bad")) is None
    assert thing.message.text == "ValueError: the value is bad"
    assert "the value is bad" in thing.message.value
    assert thing.message.layout.display is None
    assert thing.work(None) == "done"
    assert thing.message.text == "" and thing.message.layout.display == "none"


def test_messages_show_formula_errors_with_a_caret_and_missing_graphviz_with_the_fix():
    from gradlab.parse import FormulaError, parse
    with pytest.raises(FormulaError) as info:
        parse("1 + exp(x")
    text = render.describe(info.value)
    assert text == str(info.value) and "^" in text and "Traceback" not in text
    from graphviz import ExecutableNotFound
    assert "apt-get install graphviz" in render.describe(ExecutableNotFound(["dot"]))
    long = render.describe(ValueError("x" * 5000))
    assert len(long) == render.MAX_MESSAGE and long.endswith("…")
    box = render.MessageBox()
    box.show("a < b & c")
    assert "a &lt; b &amp; c" in box.value           # escaped: user text is never HTML
