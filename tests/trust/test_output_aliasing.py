"""Issue 22, item 2: a returned array is the caller's.

For every way an output can come to be — the input itself, views (transpose,
reshape, slices, reversed slices, a row, dimshuffle, split), in-place ops, constants,
shared values, updates, the same variable returned twice, a gradient-control
identity — the arrays a call returns share memory with nothing else (arguments,
other outputs, shared storage, constants), and writing -999 into every one of them
changes neither the shared variables nor what the next call returns.  The right
answer is numpy's: the values computed from fresh copies of the arguments."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.compile.function_module import Out

MODES = ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"]
M = np.arange(6.0).reshape(2, 3) + 1.0


def graphs():
    """name -> (build(x, s) -> (outputs, updates), numpy(x, s) -> (outputs, new s))."""
    return {
        "input itself": (lambda x, s: ([x], {}), lambda x, s: ([x], s)),
        "input twice": (lambda x, s: ([x, x], {}), lambda x, s: ([x, x], s)),
        "transpose of input": (lambda x, s: ([x.T, x], {}), lambda x, s: ([x.T, x], s)),
        "reshape and flatten": (lambda x, s: (lambda y: ([x.reshape((3, 2)), gt.flatten(y), y], {}))(x * 2),
                                lambda x, s: ([x.reshape(3, 2), (x * 2).ravel(), x * 2], s)),
        "reversed slice": (lambda x, s: (lambda y: ([y[::-1], y], {}))(x + 1),
                           lambda x, s: ([(x + 1)[::-1], x + 1], s)),
        "a row and a column": (lambda x, s: (lambda y: ([y[0], y[:, 1], y], {}))(x * 3),
                               lambda x, s: ([(x * 3)[0], (x * 3)[:, 1], x * 3], s)),
        "dimshuffle": (lambda x, s: (lambda y: ([y.dimshuffle(1, "x", 0), y], {}))(x - 1),
                       lambda x, s: ([(x - 1).T[:, None, :], x - 1], s)),
        "split": (lambda x, s: (lambda y: (list(gt.split(y, [1, 1], 2, axis=0)) + [y], {}))(x * 2),
                  lambda x, s: ([(x * 2)[:1], (x * 2)[1:], x * 2], s)),
        "in-place chain": (lambda x, s: (lambda y: ([y, y.T], {}))(gt.exp(x) * 2 + 1),
                           lambda x, s: ([np.exp(x) * 2 + 1, (np.exp(x) * 2 + 1).T], s)),
        "constant": (lambda x, s: ([gt.constant(M), gt.constant(M).T, x * 0 + gt.constant(M)], {}),
                     lambda x, s: ([M, M.T, x * 0 + M], s)),
        "shared value": (lambda x, s: ([s, s.T, s + x], {}), lambda x, s: ([s, s.T, s + x], s)),
        "update is a view of an output": (lambda x, s: (lambda y: ([y], {s: y[::-1]}))(x * 2),
                                          lambda x, s: ([x * 2], (x * 2)[::-1])),
        "update is the output": (lambda x, s: (lambda y: ([y], {s: y}))(x + s), lambda x, s: ([x + s], x + s)),
        "update is the argument": (lambda x, s: ([x * 1], {s: x}), lambda x, s: ([x], x)),
        "update is the shared value transposed": (lambda x, s: ([s * 1, x], {s: s[::-1]}),
                                                  lambda x, s: ([s, x], s[::-1])),
        "gradient-control identity": (lambda x, s: ([gt.grad((gradlab.gradient.zero_grad(x) * x).sum(), x),
                                                     gradlab.gradient.zero_grad(x)], {}),
                                      lambda x, s: ([x, x], s)),
    }


def shares(a, others):
    return any(np.shares_memory(a, b) for b in others if isinstance(b, np.ndarray))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", list(graphs()))
def test_returned_arrays_are_the_callers(mode, name):
    build, numpy_version = graphs()[name]
    x = gt.dmatrix("x")
    s = gradlab.shared(M[::-1].copy(), name="s")
    outs, updates = build(x, s)
    f = gradlab.function([x], outs, updates=updates, mode=mode, on_unused_input="ignore")
    for call in range(3):
        arg = M * (call + 1)
        before = s.get_value()
        want, want_s = numpy_version(arg.copy(), before.copy())
        got = f(arg)
        storage = s.get_value(borrow=True)
        for k, (g, w) in enumerate(zip(got, want)):
            np.testing.assert_allclose(g, w, err_msg=f"output {k}, call {call}")
            others = [arg, storage] + [o for j, o in enumerate(got) if j != k]
            assert not shares(g, others), f"output {k} shares memory (call {call})"
        np.testing.assert_allclose(s.get_value(), want_s)
        for g in got:                      # the caller writes into what it got
            if g.flags.writeable:
                g[...] = -999
        np.testing.assert_allclose(s.get_value(), want_s, err_msg="writing into an output changed s")
        np.testing.assert_allclose(arg, M * (call + 1), err_msg="writing into an output changed the argument")


def test_borrowed_outputs_may_share_but_arguments_and_shared_storage_never():
    x = gt.dvector("x")
    y = x * 2
    s = gradlab.shared(np.zeros(3), name="s")
    f = gradlab.function([x], [y, Out(y[::-1], borrow=True), Out(s, borrow=True)])
    a, b, c = f(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(b, [6.0, 4.0, 2.0])
    assert np.shares_memory(a, b)                      # asked for: no copy
    assert not np.shares_memory(c, s.get_value(borrow=True))   # the shared storage is never lent


def test_the_issue_examples():
    x = gt.dvector("x")
    s = gradlab.shared(np.zeros(3), name="s")
    y = x * 2
    g = gradlab.function([x], y, updates={s: y[::-1]})
    out = g(np.array([1.0, 2.0, 3.0]))
    out[:] = -1
    np.testing.assert_allclose(s.get_value(), [6.0, 4.0, 2.0])
    a, b = gradlab.function([x], [y, y[::-1]])(np.ones(3))
    assert not np.shares_memory(a, b)
