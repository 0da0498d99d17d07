"""Every dot run is bounded (issue 17): a time bound and layout-effort bounds
from the picture's size, the quickest layout then the text form on overrun
(with a one-line note), attributes clipped below dot's 16,384-character limit,
and a clear error instead of a BrokenPipeError."""
from __future__ import annotations

import re
import shutil

import pytest

import gradlab
import gradlab.tensor as gt
from gradlab import viz
from gradlab.viz import dot_runner

graphviz = pytest.importorskip("graphviz")
pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")


def _chain(n):
    x = gt.dscalar("x")
    y = x
    for _ in range(n):
        y = gt.sin(y) * 0.5 + y * 0.5
    return x, y


def _longest_quoted(source: str) -> int:
    return max((len(m) for m in re.findall(r'"(?:[^"\\]|\\.)*"', source)), default=0)


def test_sizes_and_effort_tiers():
    x, y = _chain(3)
    small = viz.graph(y).source
    nodes, edges = dot_runner.graph_size(small)
    assert nodes >= 12 and edges >= 12 and dot_runner.effort_attributes(nodes, edges) == {}
    assert dot_runner.effort_attributes(10, 150)["nslimit"] == "4"
    big = dot_runner.effort_attributes(300, 500)
    assert big["splines"] == "line" and float(big["nslimit"]) < 1 and float(big["mclimit"]) < 0.1


def test_graph_attributes_go_first_and_statements_last():
    source = 'digraph g {\n\tgraph [rankdir=LR]\n\ta -> b\n}\n'
    out = dot_runner.with_graph_attributes(source, {"nslimit": "1"}, ('note [label="hi"]',))
    assert out == 'digraph g {\n\tgraph [nslimit="1"]\n\tgraph [rankdir=LR]\n\ta -> b\n\tnote [label="hi"]\n}\n'


def test_the_picture_functions_return_bounded_digraphs_whose_display_goes_through_render(monkeypatch):
    x, y = _chain(2)
    f = gradlab.function([x], y)
    calls = []
    real = dot_runner.render
    monkeypatch.setattr(dot_runner, "render", lambda *a, **k: calls.append(a[1] if len(a) > 1 else "svg")
                        or real(*a, **k))
    pictures = [viz.graph(y), viz.compare(f), viz.rewrite_steps(f)[0], viz.step_picture(f, 0)]
    for dot in pictures:
        assert isinstance(dot, dot_runner.BoundedDigraph)
        before = len(calls)
        assert "<svg" in dot._repr_mimebundle_()["image/svg+xml"]
        assert dot._repr_image_svg_xml() == dot.pipe(format="svg", encoding="utf-8")     # laid out once
        assert dot.pipe(format="png")[:4] == b"\x89PNG"
        assert calls[before:] == ["svg", "png"]
    with pictures[0].subgraph(name="cluster_probe") as cluster:     # compare's clusters: the same class
        assert isinstance(cluster, dot_runner.BoundedDigraph)


def test_overrun_falls_back_to_the_quickest_layout_with_a_note():
    x, y = _chain(6)
    source = viz.graph(gt.grad(y, x)).source
    result = dot_runner.render(source, seconds=0.0001, fallback_seconds=30)
    assert result.note.startswith("layout took over 0.0001 s") and "quickest layout" in result.note
    svg = result.data.decode()
    assert "<svg" in svg and "gradlab_layout_note" in svg and "quickest layout" in svg


def test_no_layout_at_all_shows_the_text_form_with_a_note():
    x, y = _chain(6)
    dot = viz.graph(y)
    result = dot_runner.render(dot.source, seconds=0.0001, fallback_seconds=0.0001, text_form=dot.text_form)
    svg = result.data.decode()
    assert result.note.startswith("no layout finished within") and "as text" in result.note
    assert svg.startswith("<svg") and "[id A]" in svg and "add [id A]" in svg      # dprint's text
    png = dot_runner.render(dot.source, "png", seconds=0.0001, fallback_seconds=0.0001).data
    assert png[:4] == b"\x89PNG"


def test_long_attributes_are_clipped_as_they_are_added():
    dot = dot_runner.BoundedDigraph()
    dot.node("a", label="x" * 20_000, tooltip="y" * 50_000)
    dot.node("b", label="<" + "<b>z</b>" * 3000 + ">")
    dot.edge("a", "b", label="e" * 30_000)
    dot.attr(label="caption " * 5000)
    with dot.subgraph(name="cluster_s") as inner:
        inner.node("c", label="w" * 40_000)
    assert _longest_quoted(dot.source) <= dot_runner.ATTRIBUTE_CHARS + 2
    assert "(label too long to draw)" in dot.source
    assert "<svg" in dot.pipe(format="svg", encoding="utf-8")        # dot accepts it: no BrokenPipeError


def test_a_composite_tooltip_is_built_under_its_budget():
    x, y = _chain(30)                           # 2**30 copies of x if spelled out
    f = gradlab.function([x], y)
    for dot in (viz.graph(f), viz.compare(f)):
        tips = re.findall(r'tooltip="((?:[^"\\]|\\.)*)"', dot.source)
        assert max(len(t) for t in tips) <= dot_runner.TOOLTIP_CHARS
        assert any(t.startswith("Composite{") and " where " in t for t in tips)
        assert "<svg" in dot.pipe(format="svg", encoding="utf-8")


def test_dot_errors_are_one_clear_message():
    with pytest.raises(dot_runner.DotFailed, match="graphviz's dot could not draw the picture: .*syntax"):
        dot_runner.run_dot("digraph { a -> }")


def test_a_missing_dot_program_is_graphviz_own_error(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(graphviz.ExecutableNotFound):
        viz.graph(gt.dscalar("x") * 2).pipe(format="svg")


def test_only_dot_with_its_default_renderer_is_used():
    with pytest.raises(ValueError, match="pass only format= and encoding="):
        viz.graph(gt.dscalar("x") * 2).pipe(format="svg", renderer="cairo")
