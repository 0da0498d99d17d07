"""Doubling a graph at most about doubles the work done on it (issue 21).

Work is counted, not timed (``tests/work_counts.py``): every call of a
gradlab function, the rule attempts, the matcher visits and the Apply nodes
created while a shape of ``benchmarks/shapes.py`` is built, differentiated
and compiled, at ``n`` and ``2n``.  Linear work doubles; a rule that rereads
a whole chain at every node, or a sum of n terms cancelled pairwise, grows
about 4x.  The printers and pictures are held to the same rule, and
``plot_matrix`` formats no entry it does not draw.
"""
from __future__ import annotations

import sys

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from benchmarks import shapes
from work_counts import count_work, growth, worst_functions

#: a count may grow at most this much when the graph doubles
LIMIT = 2.2

#: shape -> n for the test (the work at n and 2n is compared)
SIZES = {
    "python_sum": 100, "python_product": 100, "indexing_sum": 100, "grad_of_reads": 60,
    "damped_chain": 40, "matrix_chain": 40, "nested_scan": 10, "jacobian_of_vector": 30,
    "shared_dag": 40, "wide_fan_out": 100, "fan_in": 100,
}


def _check(small, large, what: str) -> None:
    ratios = growth(small, large)
    worst = max(ratios, key=ratios.get)
    assert ratios[worst] <= LIMIT, (
        f"{what}: doubling the graph multiplied {worst} by {ratios[worst]:.2f} (at most {LIMIT}): "
        f"{small.groups()} -> {large.groups()}; fastest-growing functions: "
        + "; ".join(f"{key} {a} -> {b}" for _, key, a, b in worst_functions(small, large)))


def test_every_shape_is_listed():
    assert set(SIZES) == set(shapes.SHAPES)
    assert len(SIZES) >= 10


@pytest.mark.parametrize("name", sorted(SIZES))
def test_build_grad_and_compile_work_is_linear(name):
    lib = shapes.gradlab_lib()
    build = shapes.SHAPES[name][0]

    def compile_at(n):
        def run():
            ins, outs = build(lib, n)
            return ins, outs, lib.function(ins, outs)
        return count_work(run)

    n = SIZES[name]
    small, large = compile_at(n), compile_at(2 * n)
    _check(small, large, f"{name} at n={n} and {2 * n}")
    ins, outs, f = large.result              # and the compiled graph computes the right thing
    if name == "python_sum":
        assert f(*range(2 * n))[0] == pytest.approx(sum(range(2 * n)))
    if name == "damped_chain":
        y, g = f(0.3)
        y_ref, g_ref = 0.3, 1.0
        for _ in range(2 * n):
            y_ref, g_ref = np.sin(y_ref) * 0.5 + y_ref * 0.5, g_ref * (np.cos(y_ref) * 0.5 + 0.5)
        assert y == pytest.approx(y_ref) and g == pytest.approx(g_ref)


def _sin_times_y(n):
    x = gt.dscalar("x")
    y = x
    for _ in range(n):
        y = gt.sin(y) * y
    return y


def test_default_pp_of_a_shared_chain_is_linear():
    from gradlab.printing import PP_MAX_CHARS, pp
    small = count_work(lambda: pp(_sin_times_y(30)), lines=True)
    large = count_work(lambda: pp(_sin_times_y(60)), lines=True)
    _check(small, large, "pp of y = sin(y) * y at 30 and 60 steps")
    text = large.result
    assert len(text) < PP_MAX_CHARS + 200
    assert text.startswith("(sin($59) * $59)\nwhere\n  $1 = (sin(x) * x)\n  $2 = (sin($1) * $1)")


def test_pp_of_a_small_graph_is_unchanged_and_explicit_budgets_still_cut():
    from gradlab.printing import pp
    x = gt.dscalar("x")
    assert pp(_sin_times_y(2)) == "(sin((sin(x) * x)) * (sin(x) * x))"
    assert pp(_sin_times_y(2), max_chars=10) == "(sin((sin…"
    assert len(pp(_sin_times_y(16), max_chars=None)) > 100_000       # None: everything, as asked
    assert pp(gt.grad(x ** 2, x)) == "((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))"


def test_pp_says_how_to_get_more_when_even_the_shared_form_is_too_long():
    from gradlab.printing import PP_MAX_CHARS, pp
    text = pp(_sin_times_y(2000))
    assert len(text) < PP_MAX_CHARS + 200
    assert "max_chars=None" in text.splitlines()[-1]


def test_dprint_work_is_linear():
    import io
    from gradlab.printing import dprint

    def printed(n):
        out = io.StringIO()
        return count_work(lambda: dprint(_sin_times_y(n), file=out), lines=True)

    _check(printed(100), printed(200), "dprint of y = sin(y) * y at 100 and 200 steps")


@pytest.mark.parametrize("reads", ["same variable", "distinct variables"])
def test_viz_graph_work_and_dot_statements_are_linear(reads):
    pytest.importorskip("graphviz")
    from gradlab import viz

    def drawn(n):
        x = gt.dscalar("x")
        parts = [x] * n if reads == "same variable" else [gt.sin(k * x) for k in range(1, n + 1)]
        out = gt.stack(parts)
        return count_work(lambda: viz.graph(out), lines=True)

    small, large = drawn(300), drawn(600)
    _check(small, large, f"viz.graph of a fan-in ({reads}) at 300 and 600")
    a, b = len(small.result.body), len(large.result.body)
    assert b <= LIMIT * a, f"dot statements grew {a} -> {b}"


@pytest.mark.parametrize("shape", [lambda n: (1, n), lambda n: (n, n)])
def test_plot_matrix_formats_no_entry_it_does_not_draw(shape):
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from gradlab import viz
    from gradlab.viz.heatmap import MAX_TICKS

    def plotted(n):
        data = np.random.default_rng(0).normal(size=shape(n))
        work = count_work(lambda: viz.plot_matrix(data), lines=True)
        fig = work.result
        ax = fig.axes[0]
        work.ticks = len(ax.get_xticks()) + len(ax.get_yticks())
        work.texts = len(ax.texts)
        plt.close(fig)
        return work

    small, large = plotted(2000 if shape(1)[0] == 1 else 300), plotted(4000 if shape(1)[0] == 1 else 600)
    _check(small, large, f"plot_matrix of {shape(1)}-shaped data at n and 2n")
    assert large.texts == 0 and large.ticks <= 2 * MAX_TICKS + 2
    assert not any(key.endswith("heatmap.py:write") or key.endswith("heatmap.py:<lambda>") for key in large.calls)


def test_plot_matrix_still_writes_the_numbers_of_a_small_matrix():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from gradlab import viz
    fig = viz.plot_matrix(np.array([[1.0, 2.0], [3.0, 4.0]]))
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["1", "2", "3", "4"]
    plt.close(fig)
