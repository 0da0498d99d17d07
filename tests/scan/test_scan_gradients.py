"""Derivatives through scan: reverse mode against finite differences of
numpy loops (one table over the kinds of loops), truncated gradients,
forward mode against the Jacobian, and derivatives of derivatives."""
import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient import Rop, hessian, jacobian
from scan_helpers import fd_gradient, fd_hessian, fd_jacobian, tanh_recurrence

RNG = np.random.default_rng(7)
X5 = RNG.standard_normal(5) * 0.5
WEIGHTS5 = RNG.standard_normal(5)


def _weighted(y, w):
    return gt.sum(y * gt.constant(w))


# Each case: (symbolic inputs, cost, values, numpy cost); gradients of the cost with respect to every input.
def _sitsot():
    a, x, h0 = gt.dscalar("a"), gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a)
    return [a, x, h0], _weighted(h, WEIGHTS5), [0.8, X5, 0.1], \
        lambda a, x, h0: tanh_recurrence(a, x, h0) @ WEIGHTS5


def _sitsot_final_value_only():
    a, x, h0 = gt.dscalar("a"), gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a)
    return [a, x, h0], h[-1], [0.8, X5, 0.1], lambda a, x, h0: tanh_recurrence(a, x, h0)[-1]


def _sitsot_matrix():
    W, x, h0 = gt.dmatrix("W"), gt.dmatrix("x"), gt.dvector("h0")
    h, _ = gradlab.scan(lambda x_t, h, W: gt.tanh(gt.dot(W, h) + x_t), sequences=x, outputs_info=h0, non_sequences=W)

    def ref(W, x, h0):
        total, h = 0.0, h0
        for x_t in x:
            h = np.tanh(W @ h + x_t)
            total += np.sum(h ** 2)
        return total
    return [W, x, h0], gt.sum(h ** 2), [RNG.standard_normal((3, 3)) * 0.5, RNG.standard_normal((4, 3)),
                                       RNG.standard_normal(3)], ref


def _mitsot():
    init, a, x = gt.dvector("init"), gt.dscalar("a"), gt.dvector("x")
    s, _ = gradlab.scan(lambda x_t, s2, s1, a: a * s1 - 0.5 * s2 * x_t, sequences=x,
                        outputs_info=dict(initial=init, taps=[-2, -1]), non_sequences=a)

    def ref(init, a, x):
        hist = list(init[:2])
        for x_t in x:
            hist.append(a * hist[-1] - 0.5 * hist[-2] * x_t)
        return np.array(hist[2:]) @ WEIGHTS5
    return [init, a, x], _weighted(s, WEIGHTS5), [np.array([0.3, -0.4, 9.0]), 0.9, X5], ref


def _map_like():
    x, c = gt.dvector("x"), gt.dscalar("c")
    y, _ = gradlab.scan(lambda x_t, c: gt.sin(x_t) * c + x_t ** 3, sequences=x, non_sequences=c)
    return [x, c], _weighted(y, WEIGHTS5), [X5, 1.7], lambda x, c: (np.sin(x) * c + x ** 3) @ WEIGHTS5


def _go_backwards():
    a, x, h0 = gt.dscalar("a"), gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a,
                        go_backwards=True)
    return [a, x, h0], _weighted(h, WEIGHTS5), [0.8, X5, 0.1], \
        lambda a, x, h0: tanh_recurrence(a, x[::-1], h0) @ WEIGHTS5


def _sequence_taps():
    x, a = gt.dvector("x"), gt.dscalar("a")
    y, _ = gradlab.scan(lambda prev, cur, nxt, a: prev * nxt - a * cur ** 2, sequences=dict(input=x, taps=[-1, 0, 1]),
                        non_sequences=a)
    return [x, a], gt.sum(y * y), [X5, 0.4], \
        lambda x, a: np.sum((x[:-2] * x[2:] - a * x[1:-1] ** 2) ** 2)


def _two_states_and_a_map():
    x, h0, c0, b = gt.dvector("x"), gt.dscalar("h0"), gt.dscalar("c0"), gt.dscalar("b")

    def step(x_t, h, c, b):
        return gt.tanh(h * b + c), c * 0.9 + x_t * h, h * c
    (h, c, y), _ = gradlab.scan(step, sequences=x, outputs_info=[h0, c0, None], non_sequences=b)

    def ref(x, h0, c0, b):
        total, h, c = 0.0, h0, c0
        for t, x_t in enumerate(x):
            h, c, y = np.tanh(h * b + c), c * 0.9 + x_t * h, h * c
            total += WEIGHTS5[t] * (h + 2 * c + 3 * y)
        return total
    cost = _weighted(h, WEIGHTS5) + 2 * _weighted(c, WEIGHTS5) + 3 * _weighted(y, WEIGHTS5)
    return [x, h0, c0, b], cost, [X5, 0.3, -0.2, 1.1], ref


def _n_steps_shorter_than_the_sequence():
    a, x, h0 = gt.dscalar("a"), gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a,
                        n_steps=3)
    return [a, x, h0], gt.sum(h), [0.8, X5, 0.1], lambda a, x, h0: tanh_recurrence(a, x[:3], h0).sum()


def _closure_and_shared():
    W = gradlab.shared(RNG.standard_normal(3) * 0.3, name="W")
    x, v = gt.dmatrix("x"), gt.dvector("v")
    h, _ = gradlab.scan(lambda x_t, h: gt.tanh(h * W + x_t * v), sequences=x, outputs_info=gt.zeros((3,)))

    def ref(x, v):
        total, h = 0.0, np.zeros(3)
        for x_t in x:
            h = np.tanh(h * W.get_value() + x_t * v)
            total += h.sum()
        return total
    return [x, v], gt.sum(h), [RNG.standard_normal((4, 3)), RNG.standard_normal(3)], ref


def _nested():
    M = gt.dmatrix("M")

    def row_value(row):
        partial, _ = gradlab.scan(lambda v, acc: acc * 0.5 + gt.sin(v), sequences=row, outputs_info=gt.constant(0.0))
        return partial[-1]
    totals, _ = gradlab.scan(row_value, sequences=M)

    def ref(M):
        total = 0.0
        for row in M:
            acc = 0.0
            for v in row:
                acc = acc * 0.5 + np.sin(v)
            total += acc ** 2
        return total
    return [M], gt.sum(totals ** 2), [RNG.standard_normal((3, 4))], ref


GRADIENT_CASES = {f.__name__[1:]: f for f in (
    _sitsot, _sitsot_final_value_only, _sitsot_matrix, _mitsot, _map_like, _go_backwards, _sequence_taps,
    _two_states_and_a_map, _n_steps_shorter_than_the_sequence, _closure_and_shared, _nested)}


@pytest.mark.parametrize("mode", ["FAST_RUN", "NO_REWRITE"])
@pytest.mark.parametrize("case", list(GRADIENT_CASES))
def test_gradient_matches_finite_differences(case, mode):
    inputs, cost, values, ref = GRADIENT_CASES[case]()
    grads = gt.grad(cost, inputs)
    f = gradlab.function(inputs, [cost] + list(grads), mode=mode)
    got = f(*values)
    np.testing.assert_allclose(got[0], ref(*values), rtol=1e-10)
    for k, value in enumerate(values):
        np.testing.assert_allclose(got[1 + k], fd_gradient(ref, values, k), rtol=1e-5, atol=1e-7,
                                   err_msg=f"gradient with respect to {inputs[k]}")


def test_gradient_with_respect_to_a_shared_variable():
    W = gradlab.shared(np.array([0.3, -0.2]), name="W")
    x = gt.dmatrix("x")
    h, _ = gradlab.scan(lambda x_t, h: gt.tanh(h * W + x_t), sequences=x, outputs_info=gt.zeros((2,)))
    f = gradlab.function([x], gt.grad(gt.sum(h), W))
    xv = RNG.standard_normal((4, 2))

    def ref(Wv):
        total, hv = 0.0, np.zeros(2)
        for x_t in xv:
            hv = np.tanh(hv * Wv + x_t)
            total += hv.sum()
        return total
    np.testing.assert_allclose(f(xv), fd_gradient(ref, [W.get_value()], 0), rtol=1e-6)


@pytest.mark.parametrize("truncate", [1, 2, 4, 5, 9])
def test_truncated_gradient_treats_earlier_states_as_constants(truncate):
    """With truncate_gradient=k, the gradient is that of the last k steps'
    outputs, computed from the state k steps back held fixed."""
    a, x, h0 = gt.dscalar("a"), gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a,
                        truncate_gradient=truncate)
    cost = _weighted(h, WEIGHTS5)
    f = gradlab.function([a, x, h0], gt.grad(cost, [a, x, h0]))
    av, xv, h0v = 0.8, X5, 0.1
    n = len(xv)
    start = max(n - truncate, 0)
    fixed = tanh_recurrence(av, xv[:start], h0v)[-1] if start else None

    def window_cost(a, x_tail, h_start):
        return tanh_recurrence(a, x_tail, h_start) @ WEIGHTS5[start:]
    h_start = fixed if start else h0v
    ga, gx, gh0 = f(av, xv, h0v)
    np.testing.assert_allclose(ga, fd_gradient(window_cost, [av, xv[start:], h_start], 0), rtol=1e-6)
    want_x = np.zeros(n)
    want_x[start:] = fd_gradient(window_cost, [av, xv[start:], h_start], 1)
    np.testing.assert_allclose(gx, want_x, rtol=1e-6, atol=1e-9)
    want_h0 = fd_gradient(window_cost, [av, xv[start:], h_start], 2) if start == 0 else 0.0
    np.testing.assert_allclose(gh0, want_h0, rtol=1e-6, atol=1e-9)
    if truncate >= n:  # nothing truncated: the full gradient
        full = gt.grad(_weighted(gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x,
                                              outputs_info=h0, non_sequences=a)[0], WEIGHTS5), a)
        np.testing.assert_allclose(ga, gradlab.function([a, x, h0], full)(av, xv, h0v), rtol=1e-12)


ROP_CASES = ["sitsot", "sitsot_matrix", "mitsot", "map_like", "go_backwards", "sequence_taps",
             "two_states_and_a_map", "nested"]


@pytest.mark.parametrize("case", ROP_CASES)
def test_rop_through_scan_equals_the_jacobian_times_the_vector(case):
    """Rop(out, x, v) = J v with J from finite differences, for one input at a time;
    and equal to the symbolic Jacobian (built by scan) times v."""
    inputs, cost, values, ref = GRADIENT_CASES[case]()
    scan_out = next(v for v in _ancestors_scan_outputs(cost))
    for k, (var, value) in enumerate(zip(inputs, values)):
        v = RNG.standard_normal(np.shape(value))
        point = gt.TensorType("float64", var.type.shape).make_variable("v")
        jv = Rop(scan_out, var, point)
        flat_out = scan_out.flatten() if scan_out.ndim > 1 else scan_out
        J = jacobian(flat_out, var)
        f = gradlab.function(inputs + [point], [jv, J], on_unused_input="ignore")
        got, Jv = f(*values, v)
        out_fn = gradlab.function(inputs, scan_out, on_unused_input="ignore")
        J_fd = fd_jacobian(lambda *vals: out_fn(*vals), values, k)
        np.testing.assert_allclose(got.ravel(), J_fd @ np.ravel(v), rtol=1e-5, atol=1e-7,
                                   err_msg=f"Rop with respect to {var}")
        np.testing.assert_allclose(Jv.reshape(J_fd.shape), J_fd, rtol=1e-5, atol=1e-7,
                                   err_msg=f"jacobian with respect to {var}")


def _ancestors_scan_outputs(cost):
    from gradlab.graph.traversal import ancestors
    from gradlab.scan.op import Scan
    for var in ancestors([cost]):
        if var.owner is not None and isinstance(var.owner.op, Scan) and var.type.ndim >= 1 and \
                np.dtype(var.dtype).kind == "f":
            yield var


def test_hessian_of_a_recurrence_matches_second_differences():
    a, x, h0 = gt.dscalar("a"), gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a)
    cost = gt.sum(h ** 2)
    H_scan = hessian(cost, x)  # vectorize=False: a scan of gradients of a reverse scan
    H_vec = hessian(cost, x, vectorize=True)
    f = gradlab.function([a, x, h0], [H_scan, H_vec])
    got_scan, got_vec = f(0.8, X5, 0.1)
    want = fd_hessian(lambda x: np.sum(tanh_recurrence(0.8, x, 0.1) ** 2), [X5], 0)
    np.testing.assert_allclose(got_scan, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got_vec, got_scan, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got_scan, got_scan.T, rtol=1e-10, atol=1e-12)


def test_gradient_of_gradient_through_a_nonsequence():
    a, x, h0 = gt.dscalar("a"), gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a)
    ga = gt.grad(h[-1], a)
    gaa = gt.grad(ga, a)
    f = gradlab.function([a, x, h0], [ga, gaa])
    got_a, got_aa = f(0.8, X5, 0.1)
    last = lambda a: tanh_recurrence(np.asarray(a).item(), X5, 0.1)[-1]  # noqa: E731
    np.testing.assert_allclose(got_a, fd_gradient(last, [0.8], 0), rtol=1e-6)
    np.testing.assert_allclose(got_aa, fd_hessian(last, [np.array([0.8])], 0)[0, 0], rtol=1e-4)


@pytest.mark.parametrize("power, order", [(5, 3), (16, 4)])
def test_high_derivatives_of_a_scanned_power(power, order):
    """x**power as a scan of multiplications; its order-th derivative is
    power!/(power-order)! * x**(power-order)."""
    x = gt.dscalar("x")
    partial, _ = gradlab.scan(lambda acc, x: acc * x, outputs_info=gt.ones_like(x), non_sequences=x, n_steps=power)
    d = partial[-1]
    for _ in range(order):
        d = gt.grad(d, x)
    f = gradlab.function([x], [partial[-1], d])
    value, derivative = f(1.1)
    coefficient = np.prod(np.arange(power - order + 1, power + 1))
    np.testing.assert_allclose(value, 1.1 ** power, rtol=1e-13)
    np.testing.assert_allclose(derivative, coefficient * 1.1 ** (power - order), rtol=1e-12)


def test_jacobian_by_scan_with_unknown_length():
    x = gt.dvector("x")
    y = gt.sin(x) * x.sum()
    J = jacobian(y, x)  # vectorize=False: a scan over arange(len(y))
    f = gradlab.function([x], J)
    xv = RNG.standard_normal(4)
    np.testing.assert_allclose(f(xv), fd_jacobian(lambda v: np.sin(v) * v.sum(), [xv], 0), rtol=1e-6, atol=1e-8)
    # FAST_RUN runs the loop batched (scan_to_batched); without rewrites the Scan runs, with the same values
    assert not any(type(n.op).__name__ == "Scan" for n in f.maker.fgraph.toposort())
    assert any(step.rule == "scan_to_batched" for step in f.maker.trace.steps)
    g = gradlab.function([x], J, mode="FAST_COMPILE")
    assert any(type(n.op).__name__ == "Scan" for n in g.maker.fgraph.toposort())
    np.testing.assert_allclose(g(xv), f(xv), rtol=1e-12, atol=1e-12)


def test_gradient_of_an_integer_sequence_is_zero_and_n_steps_is_disconnected():
    idx, y = gt.lvector("idx"), gt.dvector("y")
    picked, _ = gradlab.scan(lambda i, y: y[i] ** 2, sequences=idx, non_sequences=y)
    g_y, g_idx = gt.grad(gt.sum(picked), [y, idx])
    f = gradlab.function([idx, y], [g_y, g_idx])
    gy, gi = f([0, 2, 2], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(gy, [2.0, 0.0, 12.0])
    np.testing.assert_allclose(gi, [0.0, 0.0, 0.0])
    node = picked.owner
    assert node.op.connection_pattern(node)[0] == [False] * len(node.outputs)


def test_gradient_through_the_final_value_of_a_shared_update():
    """An update's new value is the loop's final state (no trace kept): its
    cotangent starts the reverse loop."""
    acc = gradlab.shared(np.asarray(1.5), name="acc")
    x = gt.dvector("x")
    _, updates = gradlab.scan(lambda x_t: (x_t * 1.0, {acc: gt.tanh(acc * x_t)}), sequences=x)
    final = updates[acc]
    f = gradlab.function([x], [final, gt.grad(final, x)])

    def ref(xv):
        value = 1.5
        for x_t in xv:
            value = np.tanh(value * x_t)
        return value
    xv = np.array([0.9, -0.7, 1.2])
    value, gx = f(xv)
    np.testing.assert_allclose(value, ref(xv), rtol=1e-13)
    np.testing.assert_allclose(gx, fd_gradient(ref, [xv], 0), rtol=1e-6)
    assert acc.get_value() == 1.5, "computing the gradient does not apply the update"
