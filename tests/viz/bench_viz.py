"""Benchmark (not a test): time from a change to a new SVG + figure.

    .venv/bin/python tests/viz/bench_viz.py

A "change" is what a widget sees: a new formula or a new input value.  For
each tutorial graph we time, from the changed expression to bytes ready to
show: the graph picture with values and adjoints (Python + ``dot`` to SVG) and
the derivative plot (gradlab evaluation + matplotlib PNG).  Then a 500-op
graph, drawn whole and collapsed.  Goal: <= 100 ms for the tutorial graphs.
"""
from __future__ import annotations

import io
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import numpy as np  # noqa: E402

import gradlab.tensor as gt  # noqa: E402
from gradlab import viz  # noqa: E402


def best_of(fn, repeat: int = 7) -> tuple:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def tutorial_graphs() -> dict:
    def x_squared(x):
        return gt.grad(x ** 2, x)

    def logistic(x):
        s = 1 / (1 + gt.exp(-x))
        return s * (1 - s)

    def softplus_tanh(x):
        return gt.log1p(gt.exp(x)) * gt.tanh(x / 2) + x ** 3 / 6

    return {"grad(x**2)": x_squared, "logistic s(1-s)": logistic, "softplus*tanh+x^3/6": softplus_tanh}


def change_to_pictures(build, value: float) -> None:
    """Everything a widget does after an edit: rebuild, draw, lay out, plot, render."""
    x = gt.dscalar("x")
    expr = build(x)
    svg = viz.graph(expr, values={x: value}, adjoints=True).pipe(format="svg")
    fig = viz.plot_derivative(expr, x, at=value)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    assert svg and buf.tell()


def parts(build, value: float) -> dict:
    x = gt.dscalar("x")
    expr = build(x)
    out = {}
    out["graph (python)"] = best_of(lambda: viz.graph(expr, values={x: value}, adjoints=True))[0]
    dot = viz.graph(expr, values={x: value}, adjoints=True)
    out["dot -> svg"] = best_of(lambda: dot.pipe(format="svg"))[0]
    out["plot (gradlab)"] = best_of(lambda: viz.plot_derivative(expr, x, at=value))[0]
    fig = viz.plot_derivative(expr, x, at=value)
    out["png render"] = best_of(lambda: fig.savefig(io.BytesIO(), format="png", dpi=80))[0]
    return out


def big_graph(n_ops: int = 500):
    v = gt.dvector("v")
    x = gt.dscalar("x")
    out = x
    k = 0
    while True:
        for step in (lambda o: gt.sin(o), lambda o: o * 1.01, lambda o: o + (v * o).sum()):
            out = step(out)
        k = len(__import__("gradlab").graph.toposort([out]))
        if k >= n_ops:
            return out, x, v, k


def main() -> None:
    change_to_pictures(tutorial_graphs()["logistic s(1-s)"], 0.5)      # warm caches (imports, fonts)
    print("tutorial graphs: change -> SVG (values + adjoints) + derivative figure (PNG)")
    for name, build in tutorial_graphs().items():
        best, median = best_of(lambda: change_to_pictures(build, 0.5))
        detail = ", ".join(f"{k} {v:.1f}" for k, v in parts(build, 0.5).items())
        print(f"  {name:22s} best {best:6.1f} ms  median {median:6.1f} ms   ({detail})")
    out, x, v, k = big_graph()
    print(f"{k}-op graph: change -> SVG")
    for label, options in (("default (collapsed to 200)", {}), ("whole (max_nodes=None)", {"max_nodes": None})):
        best, median = best_of(lambda: viz.graph(out, **options).pipe(format="svg"), repeat=3)
        print(f"  {label:32s} best {best:7.1f} ms  median {median:7.1f} ms")
    values = {x: 0.3, v: np.linspace(-1, 1, 4)}
    best, median = best_of(lambda: viz.graph(out, values=values, adjoints=True).pipe(format="svg"), repeat=3)
    print(f"  {'collapsed + values + adjoints':32s} best {best:7.1f} ms  median {median:7.1f} ms")


if __name__ == "__main__":
    main()
