"""Property (issue 17): random small graphs that share their pieces, with
random constants (±inf, nan, -0.0, huge and tiny floats, big ints), always
print, draw and compile in bounded time, and FAST_RUN agrees with NO_REWRITE
wherever the unrewritten value is finite.

A graph is a list of steps over a pool of values (the inputs first); every
step reads pool entries, so a value is read by several later steps, and a
``repeat`` step applies ``v = op(v, v)`` up to 24 times (2**24 copies of ``v``
when spelled out), which only budgeted text survives.
"""
from __future__ import annotations

import math
import shutil

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import gradlab
import gradlab.tensor as gt
from gradlab import dprint, pp, viz
from gradlab.graph.basic import Constant
from gradlab.graph.traversal import toposort

pytest.importorskip("graphviz")

#: 150 examples run in well under a minute on one core
EXAMPLES = 150
PP_CHARS = 500

CONSTANTS = [math.inf, -math.inf, math.nan, -0.0, 0.0, 1e308, -1e308, 1e-308, 5e-324, 1e-300, 0.5, -2.0, 3.0,
             2 ** 62, -(2 ** 31), 1, 7]
UNARY = {"sin": gt.sin, "exp": gt.exp, "tanh": gt.tanh, "sqr": gt.sqr, "neg": lambda a: -a, "abs": abs,
         "log1p_abs": lambda a: gt.log1p(abs(a)), "sigmoid": gt.sigmoid}
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "max": gt.maximum, "min": gt.minimum, "mean2": lambda a, b: (a + b) * 0.5}

unary_step = st.tuples(st.just("unary"), st.sampled_from(sorted(UNARY)), st.integers(0, 30))
binary_step = st.tuples(st.just("binary"), st.sampled_from(sorted(BINARY)), st.integers(0, 30), st.integers(0, 30))
constant_step = st.tuples(st.just("constant"), st.sampled_from(sorted(BINARY)), st.integers(0, 30),
                          st.sampled_from(CONSTANTS))
repeat_step = st.tuples(st.just("repeat"), st.sampled_from(["add", "mul", "mean2", "max"]), st.integers(0, 30),
                        st.integers(1, 24))
programs = st.lists(st.one_of(unary_step, binary_step, constant_step, repeat_step), min_size=1, max_size=8)
points = st.tuples(st.floats(-3, 3), st.floats(-3, 3))


def build(program):
    """``(inputs, output)``: the pool starts with x, y; each step adds one value."""
    x, y = gt.dscalar("x"), gt.dscalar("y")
    pool = [x, y]
    for step in program:
        kind, name = step[0], step[1]
        a = pool[step[2] % len(pool)]
        if kind == "unary":
            out = UNARY[name](a)
        elif kind == "binary":
            out = BINARY[name](a, pool[step[3] % len(pool)])
        elif kind == "constant":
            out = BINARY[name](a, gt.constant(step[3]))
        else:
            out = a
            for _ in range(step[3]):
                out = BINARY[name](out, out)
        pool.append(out)
    return [x, y], pool[-1]


def _call(f, values):
    with np.errstate(all="ignore"):
        return np.asarray(f(*values))


@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs, point=points)
def test_shared_graphs_print_draw_compile_and_agree(program, point):
    inputs, output = build(program)
    # print and draw every graph, inf/nan constants included
    text = pp(output, max_chars=PP_CHARS)
    assert 0 < len(text) <= PP_CHARS
    tree = dprint(output, file="str")
    assert len(tree.splitlines()) <= 3 * len(toposort([output])) + 10
    picture = viz.graph(output)
    if shutil.which("dot") is not None:
        assert "</svg>" in picture.pipe(format="svg", encoding="utf-8")
    # every graph compiles and runs, inf/nan constants included
    fast = gradlab.function(inputs, output, mode="FAST_RUN", on_unused_input="ignore")
    plain = gradlab.function(inputs, output, mode="NO_REWRITE", on_unused_input="ignore")
    assert len(pp(fast, max_chars=PP_CHARS)) <= PP_CHARS and dprint(fast, file="str")
    viz.compare(fast).source                # the side-by-side picture builds
    got, want = _call(fast, point), _call(plain, point)
    assert got.shape == want.shape
    event("compared" if np.isfinite(want) else "compiled and called; value not finite")
    if np.isfinite(want):
        scale = max(1.0, abs(float(want)))
        assert np.isfinite(got) and abs(float(got) - float(want)) <= 1e-6 * scale, (program, point, got, want)
