"""scan's values against numpy loops: one table over the kinds of loops
(recurrent outputs with one or several taps, map-like outputs, sequence
taps, go_backwards, n_steps, closures, shared variables, nesting), run
with and without rewrites."""
from collections import OrderedDict

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from scan_helpers import tanh_recurrence

RNG = np.random.default_rng(42)
X5 = RNG.standard_normal(5)
M34 = RNG.standard_normal((3, 4))
W3 = RNG.standard_normal((3, 3)) * 0.5


def _sitsot_scalar():
    a, x, h0 = gt.dscalar("a"), gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a)
    return [a, x, h0], h, [0.8, X5, 0.1], lambda a, x, h0: tanh_recurrence(a, x, h0)


def _sitsot_matrix():
    W, x, h0 = gt.dmatrix("W"), gt.dmatrix("x"), gt.dvector("h0")
    h, _ = gradlab.scan(lambda x_t, h, W: gt.tanh(gt.dot(W, h) + x_t), sequences=x, outputs_info=h0, non_sequences=W)

    def ref(W, x, h0):
        out, h = [], h0
        for x_t in x:
            h = np.tanh(W @ h + x_t)
            out.append(h)
        return np.array(out)
    return [W, x, h0], h, [W3, M34.T, np.ones(3)], ref


def _mitsot():
    init, a = gt.dvector("init"), gt.dscalar("a")
    s, _ = gradlab.scan(lambda s2, s1, a: a * s1 - s2, outputs_info=dict(initial=init, taps=[-2, -1]),
                        non_sequences=a, n_steps=6)

    def ref(init, a):
        hist = list(init[:2])
        for _ in range(6):
            hist.append(a * hist[-1] - hist[-2])
        return np.array(hist[2:])
    return [init, a], s, [np.array([0.5, 1.0, 7.0]), 1.5], ref


def _map_two_outputs():
    x = gt.dvector("x")
    outs, _ = gradlab.scan(lambda x_t: [gt.sin(x_t), x_t ** 2], sequences=x)
    return [x], outs, [X5], lambda x: [np.sin(x), x ** 2]


def _sequence_taps():
    x = gt.dvector("x")
    d2, _ = gradlab.scan(lambda prev, nxt, cur: prev + nxt - 2 * cur, sequences=dict(input=x, taps=[-1, 1, 0]))
    return [x], d2, [X5], lambda x: x[:-2] + x[2:] - 2 * x[1:-1]


def _negative_taps_only():
    x = gt.dvector("x")
    y, _ = gradlab.scan(lambda back2: back2 * 10, sequences=dict(input=x, taps=[-2]))
    return [x], y, [X5], lambda x: x[:-2] * 10


def _go_backwards():
    x, h0 = gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(lambda x_t, h: 0.5 * h + x_t, sequences=x, outputs_info=h0, go_backwards=True)

    def ref(x, h0):
        out, h = [], h0
        for x_t in x[::-1]:
            h = 0.5 * h + x_t
            out.append(h)
        return np.array(out)
    return [x, h0], h, [X5, 2.0], ref


def _n_steps_shorter():
    x, n = gt.dvector("x"), gt.lscalar("n")
    y, _ = gradlab.scan(lambda x_t, acc: acc + x_t, sequences=x, outputs_info=gt.constant(0.0), n_steps=n)
    return [x, n], y, [X5, 3], lambda x, n: np.cumsum(x[:n])


def _no_sequences():
    h0 = gt.dvector("h0")
    h, _ = gradlab.scan(lambda h: h * 2 + 1, outputs_info=h0, n_steps=4)

    def ref(h0):
        out, h = [], h0
        for _ in range(4):
            h = h * 2 + 1
            out.append(h)
        return np.array(out)
    return [h0], h, [np.array([0.0, 1.0])], ref


def _closure():
    x, y = gt.dvector("x"), gt.dvector("y")
    z, _ = gradlab.scan(lambda x_t: x_t * gt.sum(y) + gt.exp(y), sequences=x)
    return [x, y], z, [X5, np.array([0.1, 0.2])], lambda x, y: x[:, None] * y.sum() + np.exp(y)[None, :]


def _several_states_and_a_map():
    x, h0, c0 = gt.dvector("x"), gt.dscalar("h0"), gt.dscalar("c0")

    def step(x_t, h, c):
        return gt.tanh(h + c), c * 0.9 + x_t, h * c
    (h, c, y), _ = gradlab.scan(step, sequences=x, outputs_info=[h0, c0, None])

    def ref(x, h0, c0):
        hs, cs, ys, h, c = [], [], [], h0, c0
        for x_t in x:
            h, c, y = np.tanh(h + c), c * 0.9 + x_t, h * c
            hs.append(h), cs.append(c), ys.append(y)
        return [np.array(hs), np.array(cs), np.array(ys)]
    return [x, h0, c0], [h, c, y], [X5, 0.3, -0.2], ref


def _nested():
    M = gt.dmatrix("M")

    def row_total(row):
        partial, _ = gradlab.scan(lambda v, acc: acc + v * v, sequences=row, outputs_info=gt.constant(0.0))
        return partial[-1]
    totals, _ = gradlab.scan(row_total, sequences=M)
    return [M], totals, [M34], lambda M: (M ** 2).sum(axis=1)


def _seed_jacobian():
    x = gt.dvector("x")
    y = x ** 2
    J, _ = gradlab.scan(lambda i, y, x: gt.grad(y[i], x), sequences=gt.arange(y.shape[0]), non_sequences=[y, x])
    return [x], J, [np.array([4.0, 4.0])], lambda x: np.diag(2 * x)


def _seed_hessian():
    x = gt.dvector("x")
    gy = gt.grad((x ** 2).sum(), x)
    H, _ = gradlab.scan(lambda i, gy, x: gt.grad(gy[i], x), sequences=gt.arange(gy.shape[0]),
                        non_sequences=[gy, x])
    return [x], H, [np.array([4.0, 4.0])], lambda x: 2 * np.eye(2)


def _integer_state():
    n = gt.lscalar("n")
    k, _ = gradlab.scan(lambda k: k * 3, outputs_info=gt.constant(np.int64(1)), n_steps=n)
    return [n], k, [5], lambda n: 3 ** np.arange(1, n + 1)


def _zero_steps():
    x, h0 = gt.dvector("x"), gt.dscalar("h0")
    h, _ = gradlab.scan(lambda x_t, h: h + x_t, sequences=x, outputs_info=h0)
    return [x, h0], h, [np.zeros(0), 1.0], lambda x, h0: np.zeros(0)


CASES = {f.__name__[1:]: f for f in (
    _sitsot_scalar, _sitsot_matrix, _mitsot, _map_two_outputs, _sequence_taps, _negative_taps_only, _go_backwards,
    _n_steps_shorter, _no_sequences, _closure, _several_states_and_a_map, _nested, _seed_jacobian, _seed_hessian,
    _integer_state, _zero_steps)}


@pytest.mark.parametrize("mode", ["FAST_RUN", "NO_REWRITE"])
@pytest.mark.parametrize("case", list(CASES))
def test_values_match_numpy(case, mode):
    inputs, outputs, values, ref = CASES[case]()
    f = gradlab.function(inputs, outputs, mode=mode)
    got = f(*values)
    want = ref(*values)
    if isinstance(outputs, list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    else:
        assert got.shape == np.shape(want)
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_seed_jacobian_and_hessian_give_the_tutorial_numbers():
    inputs, J, values, _ = _seed_jacobian()
    assert gradlab.function(inputs, J)([4, 4]).tolist() == [[8, 0], [0, 8]]
    inputs, H, values, _ = _seed_hessian()
    assert gradlab.function(inputs, H)([4, 4]).tolist() == [[2, 0], [0, 2]]


def test_shared_variable_updates_are_an_ordered_mapping_applied_by_function():
    total = gradlab.shared(np.asarray(0.0), name="total")
    steps = gradlab.shared(np.asarray(0, dtype="int64"), name="steps")
    x = gt.dvector("x")
    doubled, updates = gradlab.scan(lambda x_t: (x_t * 2, OrderedDict([(total, total + x_t), (steps, steps + 1)])),
                                    sequences=x)
    assert isinstance(updates, OrderedDict) and list(updates) == [total, steps]
    f = gradlab.function([x], doubled, updates=updates)
    np.testing.assert_allclose(f([1.0, 2.0, 3.0]), [2.0, 4.0, 6.0])
    assert total.get_value() == 6.0 and steps.get_value() == 3
    f([1.0, 1.0])
    assert total.get_value() == 8.0 and steps.get_value() == 5


def test_a_shared_variable_read_inside_the_loop_sees_its_updates_step_by_step():
    acc = gradlab.shared(np.asarray(1.0), name="acc")
    x = gt.dvector("x")
    seen, updates = gradlab.scan(lambda x_t: (acc * 1.0, {acc: acc * x_t}), sequences=x)
    f = gradlab.function([x], seen, updates=updates)
    np.testing.assert_allclose(f([2.0, 3.0, 4.0]), [1.0, 2.0, 6.0])
    assert acc.get_value() == 24.0


def test_closure_over_a_shared_variable_reads_its_current_value():
    W = gradlab.shared(np.eye(2) * 2, name="W")
    h0 = gt.dvector("h0")
    h, updates = gradlab.scan(lambda h: gt.dot(W, h), outputs_info=h0, n_steps=3)
    assert len(updates) == 0
    f = gradlab.function([h0], h)
    np.testing.assert_allclose(f([1.0, 1.0]), [[2, 2], [4, 4], [8, 8]])
    W.set_value(np.eye(2))
    np.testing.assert_allclose(f([1.0, 1.0]), [[1, 1], [1, 1], [1, 1]])


def test_updates_only_returns_none_as_outputs():
    counter = gradlab.shared(np.asarray(0.0), name="counter")
    outputs, updates = gradlab.scan(lambda: {counter: counter + 1}, n_steps=4)
    assert outputs is None
    gradlab.function([], [], updates=updates)()
    assert counter.get_value() == 4.0


def test_return_list_and_single_outputs():
    x = gt.dvector("x")
    one, _ = gradlab.scan(lambda x_t: x_t + 1, sequences=x)
    listed, _ = gradlab.scan(lambda x_t: x_t + 1, sequences=x, return_list=True)
    assert not isinstance(one, list)
    assert isinstance(listed, list) and len(listed) == 1
    np.testing.assert_allclose(gradlab.function([x], listed)([1.0]), [[2.0]])


def test_import_forms():
    import gradlab.scan as scan_module_or_function
    from gradlab.scan import Scan, scan
    assert gradlab.scan is scan
    assert callable(scan_module_or_function)
    x = gt.dvector("x")
    out, _ = gradlab.scan(lambda x_t: x_t * 3, sequences=x)
    assert isinstance(out.owner.op, Scan)


def test_static_lengths_flow_to_the_output_type():
    x = gt.tensor("float64", shape=(7, 2), name="x")
    y, _ = gradlab.scan(lambda x_t: x_t.sum(), sequences=x)
    assert y.type.shape == (7,)
    h, _ = gradlab.scan(lambda h: h + 1, outputs_info=gt.dvector("h0"), n_steps=4)
    assert h.type.shape == (4, None)
