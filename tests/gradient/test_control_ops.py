"""The gradient-shaping ops: identity forward (also compiled), their
gradients and tangents, and the op-author helpers."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient import (DisconnectedInputError, NullType, NullTypeGradError, Rop, consider_constant,
                              disconnected_grad, grad, grad_clip, grad_not_implemented, grad_scale, grad_undefined,
                              is_gradient_shaping, undefined_grad, zero_grad)

from gradient_helpers import assert_close, compile_fn

SHAPERS = {
    "consider_constant": consider_constant,
    "zero_grad": zero_grad,
    "disconnected_grad": disconnected_grad,
    "grad_clip": lambda x: grad_clip(x, -1.0, 1.0),
    "grad_scale": lambda x: grad_scale(x, -2.0),
    "undefined_grad": undefined_grad,
}


@pytest.mark.parametrize("name", sorted(SHAPERS))
def test_forward_pass_is_the_identity(name):
    x = gt.dmatrix("x")
    y = SHAPERS[name](x)
    assert y.type == x.type
    value = np.arange(6.0).reshape(2, 3)
    for mode in ("NO_REWRITE", "FAST_RUN"):
        assert_close(gradlab.function([x], y * 1.0, mode=mode)(value), value)


@pytest.mark.parametrize("name", sorted(SHAPERS))
def test_perform_hands_the_input_through(name):
    x = gt.dvector("x")
    node = SHAPERS[name](x).owner
    value = np.array([1.0, 2.0])
    storage = [[None]]
    node.op.perform(node, [value], storage)
    assert storage[0][0] is value
    assert node.op.view_map == {0: [0]} and is_gradient_shaping(node.op)


@pytest.mark.parametrize("name", sorted(SHAPERS))
def test_compiled_graphs_do_not_keep_the_op(name):
    x = gt.dvector("x")
    f = gradlab.function([x], gt.exp(SHAPERS[name](x)))
    assert not any(is_gradient_shaping(node.op) for node in f.maker.fgraph.toposort())


def test_consider_constant_and_zero_grad_give_zero_gradients():
    x = gt.dscalar("x")
    for shaper in (consider_constant, zero_grad):
        g = grad(shaper(x) ** 2 + x, x)
        assert compile_fn([x], g)(3.0) == 1.0
        g = grad(shaper(x) ** 2, x)  # connected, zero
        assert compile_fn([x], g)(3.0) == 0.0


def test_disconnected_grad_cuts_the_path():
    x = gt.dscalar("x")
    with pytest.raises(DisconnectedInputError):
        grad(disconnected_grad(x) ** 2, x)
    g = grad(disconnected_grad(x) * x, x)  # only the direct use counts
    assert compile_fn([x], g)(3.0) == 3.0


def test_grad_clip_tutorial_example():
    x = gt.dscalar()
    z = grad(grad_clip(x, -1, 1) ** 2, x)
    z2 = grad(x ** 2, x)
    f = gradlab.function([x], outputs=[z, z2])
    out = f(2.0)
    assert [float(v) for v in out] == [1.0, 4.0]


def test_grad_clip_clips_each_entry():
    x = gt.dvector("x")
    g = grad(gt.sum(grad_clip(x, -0.5, 2.0) * np.array([-3.0, 0.1, 5.0])), x)
    assert_close(compile_fn([x], g)(np.zeros(3)), [-0.5, 0.1, 2.0])


def test_grad_clip_rejects_upper_below_lower():
    x = gt.dscalar("x")
    with pytest.raises(ValueError, match=r"upper_bound \(-1.0\) is smaller than lower_bound \(1.0\)"):
        grad_clip(x, 1.0, -1.0)
    with pytest.raises(TypeError, match="lower_bound must be a real number"):
        grad_clip(x, "a", 1.0)


def test_grad_scale_tutorial_example():
    x = gt.fscalar()
    fx = gt.sin(x)
    fp = grad(fx, wrt=x)
    fprime = gradlab.function([x], fp)
    assert fprime(2) == pytest.approx(-0.416, abs=1e-3)
    f_inverse = grad_scale(fx, -1.0)
    fpp = grad(f_inverse, wrt=x)
    fpprime = gradlab.function([x], fpp)
    assert fpprime(2) == pytest.approx(0.416, abs=1e-3)
    assert fpp.dtype == "float32"


def test_undefined_grad_raises_or_returns_null():
    x = gt.dscalar("x")
    with pytest.raises(NullTypeGradError, match="undefined_grad"):
        grad(undefined_grad(x) * 2.0, x)
    assert isinstance(grad(undefined_grad(x) * 2.0, x, null_gradients="return").type, NullType)


def test_tangents_of_the_shaping_ops():
    x, v = gt.dvector("x"), gt.dvector("v")
    a, t = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    expected = {"consider_constant": 0 * t, "zero_grad": 0 * t, "grad_clip": t, "grad_scale": -2.0 * t}
    for name, want in expected.items():
        jv = Rop(SHAPERS[name](x) * 1.0, x, v)
        assert_close(compile_fn([x, v], jv)(a, t), want)
    with pytest.raises(DisconnectedInputError):
        Rop(disconnected_grad(x) * 1.0, x, v)
    with pytest.raises(NullTypeGradError):
        Rop(undefined_grad(x) * 1.0, x, v)


def test_helpers_for_op_authors_make_explained_null_variables():
    x = gt.dvector("x")
    u = grad_undefined("MyOp", 1, x, "the derivative jumps")
    assert isinstance(u.type, NullType)
    assert "input 1 (x) of MyOp is mathematically undefined: the derivative jumps" in u.type.why_null
    n = grad_not_implemented("MyOp", 0, x)
    assert isinstance(n.type, NullType) and "not implemented" in n.type.why_null
    with pytest.raises(TypeError):
        n.type.filter(1.0)
