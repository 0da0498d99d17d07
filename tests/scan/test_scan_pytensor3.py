"""scan as PyTensor 3.0 writes it (issue 14): ``return_updates``, ``mode``,
``until`` (while loops) with their derivatives, and sequences of different
lengths running for the shortest."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient import grad, pushforward
from gradlab.graph import toposort
from gradlab.scan import Scan, ScanBuildError, until

from scan_helpers import fd_gradient

MODES = ["FAST_RUN", "NO_REWRITE"]


# -- return_updates / mode ----------------------------------------------------------
def test_return_updates_false_returns_the_outputs_alone():
    x = gt.dvector("x")
    out = gradlab.scan(lambda x_t, acc: acc + x_t, sequences=x, outputs_info=gt.constant(0.0),
                       return_updates=False)
    assert not isinstance(out, tuple)
    np.testing.assert_allclose(gradlab.function([x], out)([1.0, 2.0, 3.0]), [1.0, 3.0, 6.0])
    outs = gradlab.scan(lambda x_t: (x_t * 2, x_t + 1), sequences=x, return_updates=False)
    assert isinstance(outs, list) and len(outs) == 2


def test_return_updates_true_is_the_seed_form():
    x = gt.dvector("x")
    total = gradlab.shared(np.float64(0.0), name="total")
    out, updates = gradlab.scan(lambda x_t: (x_t * 2, {total: total + x_t}), sequences=x, return_updates=True)
    f = gradlab.function([x], out, updates=updates)
    np.testing.assert_allclose(f([1.0, 2.0]), [2.0, 4.0])
    assert float(total.get_value()) == 3.0


def test_return_updates_false_with_updates_is_an_error():
    x = gt.dvector("x")
    total = gradlab.shared(np.float64(0.0), name="total")
    with pytest.raises(ScanBuildError, match="return_updates=True"):
        gradlab.scan(lambda x_t: (x_t * 2, {total: total + x_t}), sequences=x, return_updates=False)


@pytest.mark.parametrize("mode", [None, "FAST_RUN", "FAST_COMPILE", gradlab.compile.Mode("NO_REWRITE")])
def test_scan_accepts_a_mode(mode):
    x = gt.dvector("x")
    out = gradlab.scan(lambda x_t: x_t ** 2, sequences=x, mode=mode, return_updates=False)
    np.testing.assert_allclose(gradlab.function([x], out)([1.0, 3.0]), [1.0, 9.0])


def test_scan_rejects_an_unknown_mode():
    x = gt.dvector("x")
    out = gradlab.scan(lambda x_t: x_t, sequences=x, mode="NOT_A_MODE", return_updates=False)
    with pytest.raises(ValueError, match="unknown mode 'NOT_A_MODE'"):
        gradlab.function([x], out)
    with pytest.raises(TypeError, match="mode must be"):
        gradlab.scan(lambda x_t: x_t, sequences=x, mode=3)


# -- until ---------------------------------------------------------------------------
def _powers(limit):
    return gradlab.scan(lambda prev, limit: (prev * 2, until(prev * 2 > limit)), outputs_info=np.float64(1.0),
                        non_sequences=limit, n_steps=1024, return_updates=False)


@pytest.mark.parametrize("mode", MODES)
def test_until_stops_after_the_step_that_makes_the_condition_true(mode):
    limit = gt.dscalar("limit")
    f = gradlab.function([limit], _powers(limit), mode=mode)
    np.testing.assert_allclose(f(45.0), [2.0, 4.0, 8.0, 16.0, 32.0, 64.0])
    np.testing.assert_allclose(f(0.5), [2.0])
    assert f(1e300).shape == (997,)  # first power of two above 1e300


def test_until_is_bounded_by_n_steps_and_by_the_sequences():
    x = gt.dvector("x")
    out = gradlab.scan(lambda x_t: (x_t * 10, until(x_t < 0)), sequences=x, return_updates=False)
    f = gradlab.function([x], out)
    np.testing.assert_allclose(f([1.0, 2.0, -1.0, 5.0]), [10.0, 20.0, -10.0])
    np.testing.assert_allclose(f([1.0, 2.0]), [10.0, 20.0])  # never true: every entry
    bounded = gradlab.scan(lambda x_t: (x_t * 10, until(x_t < 0)), sequences=x, n_steps=1, return_updates=False)
    np.testing.assert_allclose(gradlab.function([x], bounded)([1.0, 2.0, -1.0]), [10.0])


def test_a_while_scan_is_marked_on_its_op():
    limit = gt.dscalar("limit")
    ops = [n.op for n in toposort([_powers(limit)]) if isinstance(n.op, Scan)]
    assert [op.as_while for op in ops] == [True]
    assert str(ops[0]) == "Scan{while}"
    x = gt.dvector("x")
    plain = gradlab.scan(lambda x_t: x_t * 2, sequences=x, return_updates=False)
    assert [n.op.as_while for n in toposort([plain]) if isinstance(n.op, Scan)] == [False]


def test_until_with_updates_and_a_state_carried_as_final_value():
    count = gradlab.shared(np.int64(0), name="count")
    a = gt.dscalar("a")
    ys, updates = gradlab.scan(lambda prev: (prev + 1.0, {count: count + 1}, until(prev + 1.0 >= 3.0)),
                               outputs_info=a, n_steps=10)
    f = gradlab.function([a], ys, updates=updates)
    np.testing.assert_allclose(f(0.5), [1.5, 2.5, 3.5])
    assert int(count.get_value()) == 3


@pytest.mark.parametrize("mode", MODES)
def test_gradient_through_until_matches_finite_differences(mode):
    a = gt.dscalar("a")
    ys = gradlab.scan(lambda prev, a: (prev * a + gt.sin(prev), until(prev * a > 10.0)), outputs_info=a,
                      non_sequences=a, n_steps=50, return_updates=False)
    cost = gt.sum(ys ** 2)
    g = grad(cost, a)
    fc, fg = gradlab.function([a], cost, mode=mode), gradlab.function([a], g, mode=mode)
    for a0 in (1.3, 1.7, 2.2):
        np.testing.assert_allclose(fg(a0), fd_gradient(fc, [a0], 0), rtol=1e-6)
    # the number of steps depends on a (4 steps at 1.3, fewer at 2.2): the gradient follows the steps run
    assert gradlab.function([a], ys.shape[0])(1.3) > gradlab.function([a], ys.shape[0])(2.2)


@pytest.mark.parametrize("use_op", [False, True])
def test_pushforward_through_until_matches_finite_differences(use_op):
    x, t = gt.dvector("x"), gt.dvector("t")
    ys = gradlab.scan(lambda x_t, acc: (acc * x_t + 1.0, until(acc * x_t > 5.0)), sequences=x,
                      outputs_info=gt.constant(1.0), return_updates=False)
    f = gradlab.function([x], ys)
    x0, t0 = np.array([1.5, 1.6, 1.2, 3.0, 2.5]), np.array([0.3, -0.2, 0.5, 0.1, 0.7])
    assert f(x0).shape == (3,)
    jv = gradlab.function([x, t], pushforward(ys, x, t, use_op_pushforward=use_op))(x0, t0)
    eps = 1e-6
    expected = (f(x0 + eps * t0) - f(x0 - eps * t0)) / (2 * eps)
    np.testing.assert_allclose(jv, expected, rtol=1e-6)


def test_until_must_come_last_and_with_outputs():
    x = gt.dvector("x")
    with pytest.raises(ScanBuildError, match="last"):
        gradlab.scan(lambda x_t: (until(x_t > 0), x_t), sequences=x)
    with pytest.raises(ScanBuildError, match="outputs"):
        gradlab.scan(lambda x_t: until(x_t > 0), sequences=x)
    with pytest.raises(TypeError, match="scalar"):
        gradlab.scan(lambda x_t: (x_t, until(gt.stack([x_t, x_t]) > 0)), sequences=x)


# -- sequences of different lengths ----------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
def test_sequences_of_different_lengths_run_for_the_shortest(mode):
    x, y = gt.dvector("x"), gt.dvector("y")
    out = gradlab.scan(lambda a, b: a * b, sequences=[x, y], return_updates=False)
    f = gradlab.function([x, y], out, mode=mode)
    np.testing.assert_allclose(f([1.0, 2.0, 3.0], [4.0, 5.0]), [4.0, 10.0])
    np.testing.assert_allclose(f([1.0], [4.0, 5.0]), [4.0])
    x7 = gt.tensor(dtype="float64", shape=(7,), name="x7")
    y5 = gt.tensor(dtype="float64", shape=(5,), name="y5")
    static = gradlab.scan(lambda a, b: a - b, sequences=[x7, y5], return_updates=False)
    assert static.type.shape == (5,)
    np.testing.assert_allclose(gradlab.function([x7, y5], static)(np.arange(7.0), np.ones(5)), np.arange(5.0) - 1)


def test_taps_count_in_the_shortest_length_and_n_steps_bounds_further():
    x, y = gt.dvector("x"), gt.dvector("y")
    out = gradlab.scan(lambda a0, a1, b: a0 + a1 + b, sequences=[dict(input=x, taps=[0, 1]), y],
                       return_updates=False)
    f = gradlab.function([x, y], out)
    np.testing.assert_allclose(f([1.0, 2.0, 3.0], [10.0, 20.0, 30.0]), [13.0, 25.0])  # x allows 2 steps
    bounded = gradlab.scan(lambda a, b: a + b, sequences=[x, y], n_steps=1, return_updates=False)
    np.testing.assert_allclose(gradlab.function([x, y], bounded)([1.0, 2.0, 3.0], [4.0, 5.0]), [5.0])


def test_gradient_with_sequences_of_different_lengths():
    x, y = gt.dvector("x"), gt.dvector("y")
    h = gradlab.scan(lambda a, b, prev: gt.tanh(prev * a + b), sequences=[x, y], outputs_info=gt.constant(0.5),
                     return_updates=False)
    cost = gt.sum(h ** 2)
    gx, gy = grad(cost, [x, y])
    fx = gradlab.function([x, y], [gx, gy])
    fc = gradlab.function([x, y], cost)
    x0, y0 = np.array([0.4, -0.3, 0.8, 1.1]), np.array([0.2, 0.5, -0.1])
    got_x, got_y = fx(x0, y0)
    np.testing.assert_allclose(got_x, fd_gradient(fc, [x0, y0], 0), rtol=1e-6, atol=1e-10)
    np.testing.assert_allclose(got_y, fd_gradient(fc, [x0, y0], 1), rtol=1e-6, atol=1e-10)
    assert got_x[-1] == 0.0  # the entry past the shortest sequence is not read


# -- random draws and scan ------------------------------------------------------------------------
def _step_draws(rng_value, n, draw):
    """What a loop's step generators give: step t draws from
    default_rng([a number fixed by the generator's state, t])."""
    entropy = int(copy.deepcopy(rng_value).integers(2 ** 63))
    return np.array([draw(np.random.default_rng([entropy, t])) for t in range(n)])


@pytest.mark.parametrize("mode", MODES)
def test_draws_inside_the_step_differ_per_step_and_per_call(mode):
    srng = gt.random.RandomStream(1)
    walk = gradlab.scan(lambda prev: prev + srng.normal(), outputs_info=gt.constant(0.0), n_steps=4,
                        return_updates=False)
    f = gradlab.function([], walk, mode=mode)
    rng = srng.state_updates[0][0]
    expected = np.cumsum(_step_draws(rng.get_value(), 4, lambda g: g.normal()))
    first = f()
    np.testing.assert_allclose(first, expected)
    assert len(set(np.diff(first))) == 3  # a new number at every step
    assert not np.allclose(f(), first)  # and new numbers at every call (the generator moved on)
    srng.seed(1)
    np.testing.assert_allclose(f(), first)  # reproducible from the seed
    frozen = gradlab.function([], walk, mode=mode, no_default_updates=True)
    np.testing.assert_allclose(frozen(), frozen())


def test_draws_inside_the_step_are_in_the_updates():
    srng = gt.random.RandomStream(2)
    out, updates = gradlab.scan(lambda prev: prev + srng.uniform(), outputs_info=gt.constant(0.0), n_steps=3)
    rng = srng.state_updates[0][0]
    assert list(updates) == [rng]
    f = gradlab.function([], out, updates=updates)
    assert not np.allclose(f(), f())
    total = gradlab.shared(np.float64(0.0))

    def step(prev):
        draw = gt.random.normal(rng=rng)
        return prev + draw, {rng: draw.owner.outputs[0], total: total + 1.0}
    with pytest.raises(ScanBuildError, match="leave them out"):
        gradlab.scan(step, outputs_info=gt.constant(0.0), n_steps=2)


def test_dropout_in_a_recurrence_gradient_matches_finite_differences():
    srng = gt.random.RandomStream(11)
    W, x = gt.dscalar("W"), gt.dvector("x")
    keep = 0.7
    h = gradlab.scan(lambda x_t, prev, W: gt.tanh(W * prev + x_t) * srng.bernoulli(keep, size=()) / keep,
                     sequences=x, outputs_info=gt.constant(0.3), non_sequences=W, return_updates=False)
    cost = gt.sum(h ** 2)
    fixed = dict(no_default_updates=True)  # the masks held fixed
    fc = gradlab.function([W, x], cost, **fixed)
    fg = gradlab.function([W, x], [h] + grad(cost, [W, x]), **fixed)
    x0 = np.array([0.5, -0.2, 0.8, 0.1, 0.4, 0.9])
    values, g_w, g_x = fg(0.7, x0)
    assert np.any(values == 0.0) and np.any(values != 0.0)  # some steps dropped, some kept
    np.testing.assert_allclose(g_w, fd_gradient(fc, [0.7, x0], 0), rtol=1e-6)
    np.testing.assert_allclose(g_x, fd_gradient(fc, [0.7, x0], 1), rtol=1e-6, atol=1e-10)


@pytest.mark.parametrize("use_op", [False, True])
def test_pushforward_through_a_noisy_scan(use_op):
    srng = gt.random.RandomStream(5)
    x, t = gt.dvector("x"), gt.dvector("t")
    ys = gradlab.scan(lambda x_t, acc: acc * x_t + srng.normal(0.0, 0.1), sequences=x,
                      outputs_info=gt.constant(1.0), return_updates=False)
    f = gradlab.function([x], ys, no_default_updates=True)
    fj = gradlab.function([x, t], pushforward(ys, x, t, use_op_pushforward=use_op), no_default_updates=True)
    x0, t0 = np.array([1.1, 0.9, 1.3]), np.array([0.2, -0.1, 0.4])
    eps = 1e-6
    np.testing.assert_allclose(fj(x0, t0), (f(x0 + eps * t0) - f(x0 - eps * t0)) / (2 * eps), rtol=1e-6)


def test_noise_drawn_before_the_loop_is_a_sequence():
    srng = gt.random.RandomStream(1)
    noise = srng.normal(0.0, 1.0, size=(4,))
    walk = gradlab.scan(lambda e, prev: prev + e, sequences=noise, outputs_info=gt.constant(0.0),
                        return_updates=False)
    f = gradlab.function([], [noise, walk])
    e1, w1 = f()
    np.testing.assert_allclose(w1, np.cumsum(e1))
    e2, _ = f()
    assert not np.allclose(e1, e2)  # the stream's generator moved on between calls
    drawn_outside = srng.normal(size=())
    same = gradlab.scan(lambda prev, d: prev + d, outputs_info=gt.constant(0.0), non_sequences=drawn_outside,
                        n_steps=3, return_updates=False)  # a draw made outside and read inside is allowed
    assert gradlab.function([], same)().shape == (3,)


# -- issue 23: strict=, loops reading the user's own variables, nested loops with draws ---------
def test_strict_requires_shared_variables_to_be_given():
    w = gradlab.shared(np.array([[1.0, 2.0], [3.0, -1.0]]), name="w")
    x0 = gt.dvector("x0")
    with pytest.raises(ScanBuildError, match="strict=True.*shared variable.*w"):
        gradlab.scan(lambda x: gt.dot(x, w), outputs_info=x0, n_steps=3, strict=True)
    out = gradlab.scan(lambda x, w_: gt.dot(x, w_), outputs_info=x0, non_sequences=[w], n_steps=3, strict=True,
                       return_updates=False)
    loose = gradlab.scan(lambda x: gt.dot(x, w), outputs_info=x0, n_steps=3, return_updates=False)
    v = np.array([0.5, -1.0])
    W = w.get_value()
    np.testing.assert_allclose(gradlab.function([x0], out)(v)[-1], v @ W @ W @ W)
    np.testing.assert_allclose(gradlab.function([x0], loose)(v), gradlab.function([x0], out)(v))
    g = grad(gt.sum(out[-1]), x0)
    np.testing.assert_allclose(gradlab.function([x0], g)(v), W @ W @ W @ np.ones(2))


@pytest.mark.parametrize("use_op", [True, False])
def test_pushforward_wrt_a_specify_shape_non_sequence_of_a_loop_with_draws(use_op):
    """The loop reads ``specify_shape(W)`` itself, not a copy (a loop with a
    random draw rebuilds its step; the user's variables stay)."""
    u, h0, W = gt.dmatrix("u"), gt.dvector("h0"), gt.dmatrix("W")
    _W = gt.specify_shape(W, (2, 2))

    def step(u_t, h, w):
        noise = gt.random.RandomStream(1).uniform(size=(2,)) * 1e-6
        return gt.tanh(gt.dot(w, u_t + h + noise))
    hs = gradlab.scan(step, sequences=u, outputs_info=h0, non_sequences=_W, return_updates=False)
    eW = gt.dmatrix("eW")
    jv = pushforward(hs[-1], _W, eW, use_op_pushforward=use_op)
    f = gradlab.function([u, h0, W], hs[-1], no_default_updates=True)
    fj = gradlab.function([u, h0, W, eW], jv, no_default_updates=True)
    rng = np.random.default_rng(0)
    u0, h00, W0, e0 = rng.normal(size=(3, 2)), rng.normal(size=2), rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    eps = 1e-6
    fd = (f(u0, h00, W0 + eps * e0) - f(u0, h00, W0 - eps * e0)) / (2 * eps)
    np.testing.assert_allclose(fj(u0, h00, W0, e0), fd, rtol=1e-5, atol=1e-8)


def test_nested_loops_returning_the_inner_loops_generator_updates():
    """PyTensor code returns an inner scan's updates from the outer step; the
    updates of the generators scan moves itself are dropped, the loop builds,
    and integer draws (multinomial, binomial) leave a defined gradient."""
    srng = gt.random.RandomStream(3)
    inp = gt.dmatrix("inp")
    probs = inp / gt.sum(inp, axis=0)

    def outer(i):
        def inner(j):
            return inp + srng.multinomial(1, probs.T).T
        pooled, inner_updates = gradlab.scan(inner, sequences=gt.arange(inp.shape[0]))
        return pooled + srng.binomial(1, 0.5, size=pooled.shape), inner_updates

    out, _ = gradlab.scan(outer, sequences=[gt.arange(inp.shape[0])])
    g = grad(gt.sum(out * inp[0, 0]), inp)
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    f = gradlab.function([inp], [out, g])
    values, gv = f(x)
    assert values.shape == (2, 2, 2, 2)
    frac = values - x  # each entry: a one-hot column count plus a 0/1 draw
    assert set(np.unique(frac)) <= {0.0, 1.0, 2.0}
    expected = np.zeros_like(x)
    expected += 4 * x[0, 0]  # d sum(out) * c / d inp: each of the 2 x 2 loop entries reads inp once
    expected[0, 0] += values.sum()
    np.testing.assert_allclose(gv, expected)
