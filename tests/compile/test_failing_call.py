"""Issue 21: a failing call names its node from what the run recorded (the
traceback's frame), without running the graph a second time."""
from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.codegen import linker
from gradlab.codegen.errors import NodeError
from gradlab.printing import Print


@pytest.fixture
def no_rerun(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the graph was run a second time to explain a failure")
    monkeypatch.setattr(linker, "interpret", fail)


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"])
def test_a_print_before_the_failure_prints_once(mode, no_rerun):
    x, y = gt.dvector("x"), gt.dvector("y")
    f = gradlab.function([x, y], (Print("seen")(x) * 2 + y).sum(), mode=mode)
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(NodeError) as info:
        f(np.ones(3), np.ones(4))
    assert out.getvalue().count("seen") == 1
    msg = str(info.value)
    assert msg.startswith("computing node ")
    assert "shape (3,)" in msg and "y: shape (4,)" in msg      # the failing node's inputs, as recorded
    assert info.value.node in f.maker.fgraph.apply_nodes
    with contextlib.redirect_stdout(io.StringIO()):
        assert f(np.ones(3), np.ones(3)) == pytest.approx(9.0)  # and the function still works


def test_the_named_node_is_the_one_that_failed(no_rerun):
    A, v = gt.dmatrix("A"), gt.dvector("v")
    f = gradlab.function([A, v], gt.tanh(A @ v), mode="NO_REWRITE")
    with pytest.raises(NodeError) as info:
        f(np.ones((2, 3)), np.ones(4))
    err = info.value
    assert "Dot" in type(err.node.op).__name__ or "dot" in str(err.node.op).lower()
    assert "A: shape (2, 3)" in str(err) and "v: shape (4,)" in str(err)
    assert isinstance(err.original, ValueError)
