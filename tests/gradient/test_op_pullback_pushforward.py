"""Op authors' two spellings (issue 23): an op that defines only PyTensor 3.0's
``pullback(inputs, outputs, cotangents)`` / ``pushforward(inputs, outputs,
tangents)`` is differentiated everywhere gradlab differentiates — reverse mode,
forward mode (its own rule and the double-pullback construction), scan steps,
jacobian, hessian, verify_grad — with the same values as the seed's spelling
(``grad``/``L_op``, ``R_op``), checked against finite differences."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient import Rop, disconnected_type, grad, hessian, is_disconnected, jacobian, pullback, \
    pushforward, verify_grad
from gradlab.gradient.adapter import forward_rule_name, reverse_rule_name
from gradlab.graph.basic import Apply
from gradlab.graph.op import Op

from gradient_helpers import fd_jacobians

RNG = np.random.default_rng(23)


class _Cube(Op):
    """``x ** 3`` entrywise, computed by numpy (no gradlab graph inside)."""

    def make_node(self, x):
        x = gt.as_tensor_variable(x)
        return Apply(self, [x], [x.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(inputs[0] ** 3)


class NewCube(_Cube):
    """PyTensor 3.0's spelling only."""

    def pullback(self, inputs, outputs, cotangents):
        (x,), (g,) = inputs, cotangents
        return [g * 3 * x ** 2]

    def pushforward(self, inputs, outputs, tangents):
        (x,), (t,) = inputs, tangents
        return [3 * x ** 2 * t]


class SeedCube(_Cube):
    """The seed's spelling only."""

    def grad(self, inputs, output_grads):
        return [output_grads[0] * 3 * inputs[0] ** 2]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else 3 * inputs[0] ** 2 * eval_points[0]]


class PullbackOnly(_Cube):
    """A reverse rule only: forward mode uses the pullback of the pullback."""

    def pullback(self, inputs, outputs, cotangents):
        return [cotangents[0] * 3 * inputs[0] ** 2]


OPS = [NewCube, SeedCube, PullbackOnly]


def _fn(ins, outs):
    return gradlab.function(ins, outs)


def test_the_adapter_reads_each_spelling():
    assert (reverse_rule_name(NewCube()), forward_rule_name(NewCube())) == ("pullback", "pushforward")
    assert (reverse_rule_name(SeedCube()), forward_rule_name(SeedCube())) == ("L_op", "R_op")
    assert (reverse_rule_name(PullbackOnly()), forward_rule_name(PullbackOnly())) == ("pullback", None)


@pytest.mark.parametrize("op_class", OPS)
def test_reverse_mode_matches_finite_differences(op_class):
    x = gt.dvector("x")
    cost = gt.sum(gt.sin(op_class()(x)))
    x0 = RNG.normal(size=4)
    (J,) = fd_jacobians(_fn([x], cost), [x0])
    np.testing.assert_allclose(_fn([x], grad(cost, x))(x0), J.ravel(), rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("use_op", [True, False])
@pytest.mark.parametrize("op_class", OPS)
def test_forward_mode_own_rule_and_double_pullback(op_class, use_op):
    x, t = gt.dvector("x"), gt.dvector("t")
    y = gt.exp(op_class()(x) * 0.1)
    x0, t0 = RNG.normal(size=3), RNG.normal(size=3)
    (J,) = fd_jacobians(_fn([x], y), [x0])
    for jv in (pushforward(y, x, t, use_op_pushforward=use_op), Rop(y, x, t, use_op_rop_implementation=use_op)):
        np.testing.assert_allclose(_fn([x, t], jv)(x0, t0), J @ t0, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("op_class", OPS)
def test_pullback_function_and_jacobian_and_hessian(op_class):
    x, u = gt.dvector("x"), gt.dvector("u")
    y = op_class()(x) * x
    x0, u0 = RNG.normal(size=3), RNG.normal(size=3)
    np.testing.assert_allclose(_fn([x, u], pullback(y, x, u))(x0, u0), u0 * 4 * x0 ** 3, rtol=1e-10)
    np.testing.assert_allclose(_fn([x], jacobian(y, x))(x0), np.diag(4 * x0 ** 3), rtol=1e-10)
    H = _fn([x], hessian(gt.sum(y), x))(x0)  # d2/dx2 sum x^4 = diag(12 x^2)
    np.testing.assert_allclose(H, np.diag(12 * x0 ** 2), rtol=1e-10)


@pytest.mark.parametrize("op_class", OPS)
def test_inside_a_scan_step_both_modes(op_class):
    x, t = gt.dvector("x"), gt.dvector("t")
    hs = gradlab.scan(lambda h: op_class()(h) * 0.5, outputs_info=x, n_steps=3, return_updates=False)
    out = hs[-1]
    x0, t0 = RNG.uniform(0.2, 0.9, size=2), RNG.normal(size=2)
    f = _fn([x], out)
    (J,) = fd_jacobians(f, [x0])
    np.testing.assert_allclose(_fn([x], grad(gt.sum(out), x))(x0), J.sum(axis=0), rtol=1e-6, atol=1e-9)
    for use_op in (True, False):
        jv = pushforward(out, x, t, use_op_pushforward=use_op)
        np.testing.assert_allclose(_fn([x, t], jv)(x0, t0), J @ t0, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("op_class", OPS)
def test_verify_grad(op_class):
    verify_grad(lambda v: gt.tanh(op_class()(v)), [RNG.normal(size=4)], rng=np.random.default_rng(0))


class _TwoIn(Op):
    """``(a, b) -> (a * b, a)``; records what pushforward received."""
    seen: list = []

    def make_node(self, a, b):
        a, b = gt.as_tensor_variable(a), gt.as_tensor_variable(b)
        return Apply(self, [a, b], [a.type.make_variable(), a.type.make_variable()])

    def perform(self, node, inputs, output_storage):
        a, b = inputs
        output_storage[0][0] = np.asarray(a * b)
        output_storage[1][0] = np.asarray(a).copy()

    def pullback(self, inputs, outputs, cotangents):
        a, b = inputs
        g0, g1 = cotangents
        return [g0 * b + g1, g0 * a]

    def pushforward(self, inputs, outputs, tangents):
        a, b = inputs
        ta, tb = tangents
        _TwoIn.seen.append(tuple(is_disconnected(t) for t in tangents))
        first = []
        if not is_disconnected(ta):
            first.append(ta * b)
        if not is_disconnected(tb):
            first.append(a * tb)
        second = disconnected_type() if is_disconnected(ta) else ta
        return [sum(first[1:], first[0]), second]


def test_pushforward_gets_disconnected_tangents_and_may_return_them():
    a, b, tb = gt.dvector("a"), gt.dvector("b"), gt.dvector("tb")
    p, q = _TwoIn()(a, b)
    _TwoIn.seen.clear()
    jv_p = pushforward(p, b, tb, use_op_pushforward=True)
    assert _TwoIn.seen == [(True, False)]  # a does not move: a DisconnectedType tangent, not None
    a0, b0, t0 = RNG.normal(size=2), RNG.normal(size=2), RNG.normal(size=2)
    np.testing.assert_allclose(_fn([a, b, tb], jv_p)(a0, b0, t0), a0 * t0)
    jv_q = pushforward(q, b, tb, use_op_pushforward=True, disconnected_outputs="ignore")
    np.testing.assert_array_equal(_fn([a, b], jv_q)(a0, b0), np.zeros(2))  # DisconnectedType returned: zero


def test_a_wrong_pullback_is_named_in_the_error():
    class Bad(_Cube):
        def pullback(self, inputs, outputs, cotangents):
            return []
    x = gt.dvector("x")
    with pytest.raises(ValueError, match=r"gradient method \(pullback\) of op Bad .*0 for 1 input"):
        grad(gt.sum(Bad()(x)), x)


def test_the_base_op_gives_every_op_both_spellings():
    x, t, u = gt.dvector("x"), gt.dvector("t"), gt.dvector("u")
    seed = SeedCube()
    y = seed(x)
    (vjp,) = seed.pullback([x], [y], [u])           # the base pullback calls grad/L_op
    (jvp,) = seed.pushforward([x], [y], [t])        # the base pushforward calls R_op
    (none,) = seed.pushforward([x], [y], [disconnected_type()])
    assert is_disconnected(none)                    # R_op's None comes back as DisconnectedType
    x0, t0 = RNG.normal(size=3), RNG.normal(size=3)
    np.testing.assert_allclose(_fn([x, u], vjp)(x0, t0), t0 * 3 * x0 ** 2)
    np.testing.assert_allclose(_fn([x, t], jvp)(x0, t0), t0 * 3 * x0 ** 2)
    z = gt.exp(x)                                   # a built-in op, through PyTensor 3.0's names
    (g,) = z.owner.op.pullback([x], [z], [u])
    np.testing.assert_allclose(_fn([x, u], g)(x0, t0), t0 * np.exp(x0))
    assert NewCube().has_r_op() and SeedCube().has_r_op() and not PullbackOnly().has_r_op()
