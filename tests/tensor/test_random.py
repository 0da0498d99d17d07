"""Random streams (issue 14): draws that match numpy's for the same seed,
generators that advance between calls, reproducibility, reparameterised
gradients against finite differences (with the generator held fixed),
undefined gradients of draws, and SGD with minibatches and dropout."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient import DisconnectedInputError, NullTypeGradError, grad, is_null, verify_grad
from gradlab.tensor.random import RandomStream, random_generator_type

from tensor_helpers import numeric_jacobian


def test_gt_random_is_the_package():
    import gradlab.tensor.random as gr
    assert gt.random is gr and gt.random.RandomStream is RandomStream


@pytest.mark.parametrize("name, args, kwargs, numpy_call", [
    ("normal", (1.0, 2.0), dict(size=(3,)), lambda r: r.normal(1.0, 2.0, size=(3,))),
    ("uniform", (-1.0, 1.0), dict(size=(2, 2)), lambda r: r.uniform(-1.0, 1.0, size=(2, 2))),
    ("bernoulli", (0.3,), dict(size=(6,)), lambda r: r.binomial(1, 0.3, size=(6,))),
    ("binomial", (10, 0.4), dict(size=(4,)), lambda r: r.binomial(10, 0.4, size=(4,))),
    ("integers", (0, 100), dict(size=(5,)), lambda r: r.integers(0, 100, size=(5,))),
    ("choice", (10,), dict(size=(4,), replace=False), lambda r: r.choice(10, size=(4,), replace=False)),
    ("permutation", (7,), {}, lambda r: r.permutation(7)),
])
def test_each_draw_is_numpys_for_the_same_generator(name, args, kwargs, numpy_call):
    rng = gradlab.shared(np.random.default_rng(11), name="rng")
    x = getattr(gt.random, name)(*args, rng=rng, **kwargs)
    next_rng = x.owner.outputs[0]
    f = gradlab.function([], x, updates={rng: next_rng})
    reference = np.random.default_rng(11)
    np.testing.assert_array_equal(f(), numpy_call(reference))
    np.testing.assert_array_equal(f(), numpy_call(reference))  # the update advanced it as numpy's would


def test_choice_with_probabilities_and_dtypes():
    srng = RandomStream(5)
    values = gradlab.function([], srng.choice(np.array([1.5, 2.5, 3.5]), size=(200,), p=[0.0, 0.0, 1.0]))()
    assert values.dtype == np.float64 and set(values) == {3.5}
    assert srng.integers(0, 3, size=(2,)).dtype == "int64"
    assert srng.normal(size=(2,)).dtype == "float64"
    assert srng.normal(size=(2,), dtype="float32").dtype == "float32"
    assert srng.normal(0.0, 1.0, size=(2, 3)).type.shape == (2, 3)


def test_a_stream_advances_between_calls_and_is_reproducible():
    srng = RandomStream(seed=234)
    u = srng.uniform(0, 1, size=(4,))
    f = gradlab.function([], u)
    first, second = f(), f()
    assert not np.allclose(first, second)
    other = RandomStream(seed=234)
    g = gradlab.function([], other.uniform(0, 1, size=(4,)))
    np.testing.assert_allclose(g(), first)
    np.testing.assert_allclose(g(), second)
    srng.seed(234)
    np.testing.assert_allclose(f(), first)


def test_no_default_updates_keeps_the_generator():
    srng = RandomStream(seed=1)
    n = srng.normal(size=(3,))
    g = gradlab.function([], n, no_default_updates=True)
    np.testing.assert_allclose(g(), g())
    rng = srng.state_updates[0][0]
    h = gradlab.function([], n, no_default_updates=[rng])
    np.testing.assert_allclose(h(), h())


def test_two_draws_of_one_stream_differ_and_one_draw_used_twice_agrees():
    srng = RandomStream(seed=3)
    a, b = srng.normal(size=(3,)), srng.normal(size=(3,))
    f = gradlab.function([], [a, b, a - a])
    va, vb, zero = f()
    assert not np.allclose(va, vb)
    np.testing.assert_allclose(zero, 0.0)


def test_shared_generator_value_round_trip():
    rng = gradlab.shared(np.random.default_rng(9), name="rng")
    assert rng.type == random_generator_type
    copy = rng.get_value()
    copy.normal()  # drawing from the copy leaves the variable's generator alone
    assert rng.get_value().normal() == np.random.default_rng(9).normal()
    rng.set_value(np.random.default_rng(10))
    assert rng.get_value().normal() == np.random.default_rng(10).normal()
    with pytest.raises(TypeError, match="numpy.random.Generator"):
        rng.set_value("not a generator")


def test_reparameterised_sample_gradient_matches_finite_differences():
    srng = RandomStream(seed=42)
    mu, log_sigma = gt.dvector("mu"), gt.dscalar("log_sigma")
    z = mu + gt.exp(log_sigma) * srng.normal(0.0, 1.0, size=mu.shape)
    cost = gt.sum(gt.tanh(z) ** 2)
    g_mu, g_ls = grad(cost, [mu, log_sigma])
    fixed = dict(no_default_updates=True)  # the generator held fixed: cost is a smooth function of mu, sigma
    fc = gradlab.function([mu, log_sigma], cost, **fixed)
    fg = gradlab.function([mu, log_sigma], [g_mu, g_ls], **fixed)
    mu0, ls0 = np.array([0.3, -0.4, 0.1]), -0.5
    got_mu, got_ls = fg(mu0, ls0)
    flat = lambda m, s: np.atleast_1d(fc(m, s))  # noqa: E731
    np.testing.assert_allclose(got_mu, numeric_jacobian(flat, [mu0, ls0], 0)[0], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(got_ls, numeric_jacobian(flat, [mu0, ls0], 1)[0, 0], rtol=1e-6, atol=1e-9)


def test_verify_grad_of_a_reparameterised_sample():
    def sample(mu, sigma):  # the draw made once, as verify_grad's inputs are points
        rng = gradlab.shared(np.random.default_rng(0))
        return mu + sigma * gt.random.normal(0.0, 1.0, size=(4,), rng=rng)
    verify_grad(lambda mu, sigma: gt.sum(gt.sin(sample(mu, sigma))), [np.ones(4) * 0.2, np.array(0.7)],
                rng=np.random.default_rng(1))


def test_a_draw_is_not_differentiable_in_its_parameters():
    srng = RandomStream(seed=0)
    mu = gt.dvector("mu")
    x = srng.normal(mu, 1.0)
    with pytest.raises(NullTypeGradError, match="reparameterisation"):
        grad(gt.sum(x), mu)
    g = grad(gt.sum(x), mu, null_gradients="return")
    assert is_null(g)
    p = gt.dscalar("p")
    k = srng.binomial(10, p, size=(3,))
    with pytest.raises(DisconnectedInputError, match="no differentiable path"):
        grad(gt.sum(k * 1.0), p)
    assert float(gradlab.function([p], grad(gt.sum(k * 1.0) + p, p, disconnected_inputs="ignore"))(0.5)) == 1.0


def test_sgd_with_minibatch_sampling_fits_a_line():
    data_rng = np.random.default_rng(0)
    X = data_rng.normal(size=(200, 2))
    y = X @ np.array([2.0, -3.0]) + 0.5
    Xs, ys = gradlab.shared(X, name="X"), gradlab.shared(y, name="y")
    w = gradlab.shared(np.zeros(2), name="w")
    b = gradlab.shared(np.float64(0.0), name="b")
    srng = RandomStream(seed=7)
    idx = srng.integers(0, 200, size=(16,))
    pred = gt.dot(Xs[idx], w) + b
    loss = gt.mean((pred - ys[idx]) ** 2)
    gw, gb = grad(loss, [w, b])
    lr = 0.1
    step = gradlab.function([], loss, updates={w: w - lr * gw, b: b - lr * gb})
    losses = [float(step()) for _ in range(150)]
    np.testing.assert_allclose(w.get_value(), [2.0, -3.0], atol=1e-2)
    assert abs(float(b.get_value()) - 0.5) < 1e-2
    assert losses[-1] < 1e-3 < losses[0]
    # reproducible: a second run from the same seed takes the same minibatches
    w.set_value(np.zeros(2))
    b.set_value(np.float64(0.0))
    srng.seed(7)
    again = [float(step()) for _ in range(150)]
    np.testing.assert_allclose(again, losses)


def test_dropout_mask_scales_and_its_gradient():
    srng = RandomStream(seed=11)
    h = gt.dmatrix("h")
    keep = 0.75
    mask = srng.bernoulli(keep, size=h.shape)
    dropped = h * mask / keep
    cost = gt.sum(dropped ** 2)
    f = gradlab.function([h], [dropped, mask, grad(cost, h)], no_default_updates=True)
    h0 = np.full((50, 40), 2.0)
    out, m, g = f(h0)
    assert set(np.unique(m)) <= {0, 1} and abs(m.mean() - keep) < 0.05
    np.testing.assert_allclose(out, h0 * m / keep)
    np.testing.assert_allclose(g, 2 * h0 * (m / keep) ** 2)


def test_printing_a_graph_with_draws():
    from gradlab import dprint, pp
    srng = RandomStream(seed=0)
    mu = gt.dvector("mu")
    z = mu + srng.normal(0.0, 1.0, size=mu.shape)
    assert "normal_rv" in pp(z)
    assert "normal_rv" in dprint(z, file="str")


def test_a_function_returning_generators_returns_copies():
    srng = RandomStream(seed=4)
    x = srng.normal(size=(2,))
    rng, next_rng = srng.state_updates[0]
    f = gradlab.function([], [x, next_rng, rng, next_rng])
    values, after, before, again = f()
    assert isinstance(after, np.random.Generator) and isinstance(before, np.random.Generator)
    assert isinstance(rng.get_value(borrow=True), np.random.Generator)  # the update stored a generator
    before.normal(size=100)  # drawing from what was returned leaves the shared generator alone
    expected = np.random.default_rng(np.random.SeedSequence(4).spawn(1)[0])
    expected.normal(size=2)
    np.testing.assert_allclose(rng.get_value().normal(size=3), expected.normal(size=3))


def test_pictures_of_graphs_with_draws():
    import gradlab.viz as viz
    srng = RandomStream(seed=0)
    mu = gt.dvector("mu")
    z = mu + srng.normal(0.0, 1.0, size=mu.shape)
    picture = viz.graph(gt.sum(z ** 2), values={mu: np.zeros(2)}, adjoints=True, show_types=True)
    assert "normal_rv" in picture.source and "Generator" in picture.source


def test_a_draw_without_rng_gets_its_own_advancing_generator():
    x = gt.random.normal(0.0, 1.0, size=(3,))
    rng = x.owner.inputs[0]
    assert rng.default_update is x.owner.outputs[0]
    f = gradlab.function([], x)
    assert not np.allclose(f(), f())
    with pytest.raises(TypeError, match="random generator variable"):
        gt.random.normal(rng=np.random.default_rng(0))
