"""Issue 17: a MemoryError inside a call says it is out of memory, which node,
and how big its output would be — without re-running the graph."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.codegen import linker
from gradlab.codegen.errors import NodeError
from gradlab.codegen.oom import NodeMemoryError, human_bytes
from gradlab.graph.basic import Apply
from gradlab.graph.op import Op

HUGE = 10**8  # (10**8)**2 float64 = 71 PiB: more than any address space, so numpy refuses at once


@pytest.fixture
def no_rerun(monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("the graph was re-run to explain a MemoryError")
    monkeypatch.setattr(linker, "interpret", fail)  # the linker owns the re-run (codegen/linker.py: link)


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"])
def test_alloc_of_an_absurd_shape(mode, no_rerun):
    n, x = gt.lscalar("n"), gt.dscalar("x")
    f = gradlab.function([n, x], (gt.alloc(x, n, n) * 2 + 1).sum(), mode=mode)
    with pytest.raises(NodeMemoryError) as info:
        f(HUGE, 1.0)
    err = info.value
    assert isinstance(err, MemoryError) and isinstance(err, NodeError)
    msg = str(err)
    assert msg.startswith("out of memory computing node ")
    assert "Alloc" in msg and type(err.node.op).__name__ == "Alloc"
    assert f"float64 of shape ({HUGE}, {HUGE}): 71.1 PiB" in msg
    assert f"n = {HUGE}" in msg and "x = 1.0" in msg
    assert "use smaller sizes" in msg
    assert f(3, 1.0) == 27.0  # the function still works


def test_outer_product_names_the_elementwise_node(no_rerun):
    v = gt.dvector("v")
    f = gradlab.function([v], gt.outer(v, v) * 3, mode="NO_REWRITE")
    with pytest.raises(NodeMemoryError, match=r"\(mul\): its output would be float64 of shape "
                                              rf"\({HUGE}, {HUGE}\): 71\.1 PiB"):
        f(np.broadcast_to(1.0, (HUGE,)))  # a 10**8 vector in 8 bytes (stride 0)


class _Greedy(Op):
    """An op whose perform raises a bare MemoryError (no message, no shape rule)."""

    def make_node(self, x):
        x = gt.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, output_storage):
        raise MemoryError()


def test_bare_memory_error_from_a_custom_op(no_rerun):
    x = gt.dvector("x")
    f = gradlab.function([x], _Greedy()(x * 2))
    with pytest.raises(NodeMemoryError) as info:
        f([1.0, 2.0])
    msg = str(info.value)
    assert "out of memory computing node" in msg and "_Greedy" in msg
    assert "its output is float64, of a size its shape rule cannot tell" in msg
    assert isinstance(info.value.node.op, _Greedy)


def test_other_errors_are_still_explained_by_re_running():
    x, y = gt.dvector("x"), gt.dvector("y")
    f = gradlab.function([x, y], x + y)
    with pytest.raises(NodeError, match="shape"):
        f([1.0, 2.0], [1.0, 2.0, 3.0])


def test_human_bytes():
    assert human_bytes(512) == "512 bytes"
    assert human_bytes(3 * 1024**3) == "3.0 GiB"
    assert human_bytes(8 * 10**16) == "71.1 PiB"
