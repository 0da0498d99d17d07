"""Property (issue 17): random small graphs with shared pieces and awkward
constants (±inf, nan, -0.0, huge, subnormal, bool) compile in every mode,
run, print and build their picture, and FAST_RUN and FAST_COMPILE agree with
NO_REWRITE wherever NO_REWRITE's value is finite.

A program is a list of ``(op, a, b, k)``: step ``n`` applies ``OPS[op]`` to
pool entries ``a`` and ``b`` (modulo the pool, so earlier results are reused
— shared) with constant ``CONSTANTS[k]``.
"""
from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradlab
import gradlab.tensor as gt
from gradlab import dprint, pp

CONSTANTS = (math.inf, -math.inf, math.nan, -0.0, 0.0, 1e308, -1e300, 5e-324, 2.5, -1, 3, True)
OPS = (
    lambda a, b, k: a + k,
    lambda a, b, k: a * k,
    lambda a, b, k: k - a,
    lambda a, b, k: a / k,
    lambda a, b, k: gt.maximum(a, k),
    lambda a, b, k: gt.minimum(k, a),
    lambda a, b, k: gt.clip(a, -abs(float(k)), abs(float(k))) if float(k) == float(k) else gt.clip(a, k, k),
    lambda a, b, k: gt.switch(a > k, a, b),
    lambda a, b, k: gt.fill(a, k) + b,
    lambda a, b, k: a * b,
    lambda a, b, k: a - b,
    lambda a, b, k: gt.exp(a) * k,
    lambda a, b, k: gt.sqrt(gt.abs(a)) + gt.sqr(b),
    lambda a, b, k: gt.sigmoid(a * k),
)
step = st.tuples(st.integers(0, len(OPS) - 1), st.integers(0, 9), st.integers(0, 9),
                 st.integers(0, len(CONSTANTS) - 1))
programs = st.lists(step, min_size=1, max_size=6)
MODES = ("FAST_RUN", "FAST_COMPILE", "NO_REWRITE")


def _build(program):
    x, v = gt.dscalar("x"), gt.dvector("v")
    pool = [x, v]
    for op, a, b, k in program:
        pool.append(OPS[op](pool[a % len(pool)], pool[b % len(pool)], CONSTANTS[k]))
    return [x, v], pool[2:][-2:]


@settings(max_examples=120, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(program=programs)
def test_random_graphs_with_awkward_constants(program):
    from gradlab import viz
    inputs, outputs = _build(program)
    args = (0.75, np.array([-2.0, -0.0, 1.5]))
    results = {}
    for mode in MODES:
        f = gradlab.function(inputs, outputs, mode=mode, on_unused_input="ignore")
        with np.errstate(all="ignore"):
            results[mode] = [np.asarray(r) for r in f(*args)]
        assert isinstance(pp(f.maker.fgraph.outputs[0]), str)
        assert viz.graph(f).source.startswith("digraph")
    assert all(isinstance(pp(o), str) for o in outputs)
    assert isinstance(dprint(outputs, file="str"), str)
    for mode in ("FAST_RUN", "FAST_COMPILE"):
        for k, (got, want) in enumerate(zip(results[mode], results["NO_REWRITE"])):
            assert got.shape == want.shape and got.dtype == want.dtype, (mode, k, program)
            finite = np.isfinite(want)
            scale = max(1.0, float(np.max(np.abs(want[finite]), initial=0.0)))
            np.testing.assert_allclose(got[finite], want[finite], rtol=1e-9, atol=1e-12 * scale,
                                       err_msg=f"{mode} output {k} of program {program}")
