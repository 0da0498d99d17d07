"""Benchmark (not a test): time from a slider change to a new SVG + figure.

    .venv/bin/python tests/widgets/bench_widgets.py [--repeat 7]

Each timing is one change made from Python exactly as the browser makes it
(``slider.value = …``, ``toggle.value = …``, ``text.value = …``) until the
widget holds the new SVG text and PNG bytes.  Caches that would hide the
work (laid-out SVGs, per-step and per-toggle pictures) are cleared before every change,
except in the rows marked "cached".  Goal: <= 100 ms for the tutorial graphs.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import numpy as np  # noqa: E402

import gradlab.tensor as gt  # noqa: E402
from gradlab.widgets import (BackpropStepper, DerivativeExplorer, GraphExplorer, Playground,  # noqa: E402
                             RewriteStepper, render)


def timed(change, repeat: int, clear: bool = True) -> tuple:
    """``(best, median)`` in ms of ``change(k)`` for k = 0 … repeat-1."""
    times = []
    for k in range(repeat):
        if clear:
            render._SVG_CACHE.clear()
        start = time.perf_counter()
        change(k)
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times)


def tutorial() -> dict:
    """The tutorial graphs, as functions of a scalar x."""
    return {
        "grad(x**2)": lambda x: gt.grad(x ** 2, x),
        "logistic s(1-s)": lambda x: (lambda s: s * (1 - s))(1 / (1 + gt.exp(-x))),
        "softplus*tanh+x^3/6": lambda x: gt.log1p(gt.exp(x)) * gt.tanh(x / 2) + x ** 3 / 6,
    }


def chain(n_ops: int = 500):
    """A scalar chain of ``n_ops`` elementwise ops: tanh(1.01 * …)."""
    x = gt.dscalar("x")
    y = x
    for _ in range(n_ops // 2):
        y = gt.tanh(y * 1.01)
    return x, y


def flip(explorer: GraphExplorer, toggle: str):
    """A change of ``explorer``'s toggle, its picture cache cleared first."""
    def change(k: int) -> None:
        explorer._pictures.clear()
        control = getattr(explorer, toggle)
        control.value = not control.value
    return change


def report(name: str, result: tuple) -> None:
    best, median = result
    print(f"  {name:<58} best {best:7.1f} ms   median {median:7.1f} ms")


def bench_tutorial(repeat: int) -> None:
    print("tutorial graphs")
    points = np.linspace(-2.0, 2.0, repeat + 1)
    for name, build in tutorial().items():
        print(f" {name}")
        x = gt.dscalar("x")
        expr = build(x)
        explorer = DerivativeExplorer(expr, x)
        report("DerivativeExplorer: point slider -> SVG (values+adjoints) + PNG",
               timed(lambda k: setattr(explorer.point_slider, "value", float(points[k])), repeat))
        assert explorer.error_message == "" and explorer.svg and explorer.png
        graph = GraphExplorer(expr)
        report("GraphExplorer: values toggle -> SVG", timed(flip(graph, "values_toggle"), repeat))
        report("GraphExplorer: adjoints toggle -> SVG", timed(flip(graph, "adjoints_toggle"), repeat))
        stepper = BackpropStepper(expr, [x], [0.7])

        def backprop_step(k: int) -> None:
            stepper._cache.clear()
            stepper.slider.value = (stepper.slider.value + 1) % stepper.n_steps
        report("BackpropStepper: step slider -> SVG", timed(backprop_step, repeat))
        rewrites = RewriteStepper(expr)
        if rewrites.n_steps > 1:
            def rewrite_step(k: int) -> None:
                rewrites._cache.clear()
                rewrites.slider.value = (rewrites.slider.value + 1) % rewrites.n_steps
            report(f"RewriteStepper ({rewrites.n_steps} steps): step slider -> SVG + pp", timed(rewrite_step, repeat))
    a, x = gt.dscalar("a"), gt.dscalar("x")
    explorer = DerivativeExplorer(1 / (1 + gt.exp(-a * x)), x)
    values = np.linspace(0.5, 3.0, repeat + 1)
    print(" logistic with a parameter: 1/(1+exp(-a*x))")
    report("DerivativeExplorer: parameter slider -> new curves + SVG + PNG",
           timed(lambda k: setattr(explorer.param_sliders["a"], "value", float(values[k])), repeat))
    print(" Playground")
    formulas = ["x**3 - 2*x", "1/(1+exp(-x))", "sin(x)*exp(-x/4)", "log1p(exp(x))*tanh(x/2)", "sqrt(x*x+1)",
                "x^4 - x^2", "tanh(2*x) + x/3", "exp(-x*x/2)"]
    pg = Playground("x")

    def new_formula(k: int) -> None:
        pg._cache.clear()
        pg.text.value = formulas[k % len(formulas)] + " " * (k // len(formulas) + 1)
    report("Playground: new formula -> parse, grad, compile, 3 SVGs + PNG", timed(new_formula, repeat))
    assert pg.error_message == ""
    report("Playground: earlier formula (cached) -> 3 SVGs + PNG",
           timed(lambda k: setattr(pg, "formula", formulas[k % 2]), repeat, clear=False))
    report("Playground: point slider -> PNG",
           timed(lambda k: setattr(pg.point_slider, "value", float(points[k])), repeat))


def bench_large(repeat: int) -> None:
    x, y = chain(500)
    print("500-op graph (scalar chain tanh(1.01 * …))")
    for max_nodes, fold in ((200, False), (None, False), (None, True)):
        graph = GraphExplorer(y, max_nodes=max_nodes)
        graph.fold_toggle.value = fold
        label = ("repeated steps folded: × 250" if fold else
                 "all 500 ops drawn" if max_nodes is None else "200 drawn, rest collapsed")
        report(f"GraphExplorer ({label}): values toggle -> SVG", timed(flip(graph, "values_toggle"), repeat))
        report(f"GraphExplorer ({label}): adjoints toggle -> SVG", timed(flip(graph, "adjoints_toggle"), repeat))
    start = time.perf_counter()
    explorer = DerivativeExplorer(y, x, domain=(-2, 2), num=121)
    print(f"  {'DerivativeExplorer: construction (grad graphs, compile, plot)':<58} "
          f"{(time.perf_counter() - start) * 1000:7.1f} ms")
    points = np.linspace(-1.5, 1.5, repeat + 1)
    report("DerivativeExplorer: point slider -> SVG (values+adjoints) + PNG",
           timed(lambda k: setattr(explorer.point_slider, "value", float(points[k])), repeat))
    start = time.perf_counter()
    stepper = BackpropStepper(y, [x], [0.5])
    stepper.trace.backward_steps
    print(f"  {'BackpropStepper: construction + backward pass (500 nodes)':<58} "
          f"{(time.perf_counter() - start) * 1000:7.1f} ms")

    def backprop_step(k: int) -> None:
        stepper._cache.clear()
        stepper.slider.value = (stepper.slider.value + 37) % stepper.n_steps
    report("BackpropStepper: step slider -> SVG", timed(backprop_step, repeat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    bench_tutorial(args.repeat)
    bench_large(args.repeat)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
