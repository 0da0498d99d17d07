"""Random draws as PyTensor 3.0 writes them (issue 23): a generator variable's draw
methods (``next_rng, x = rng.uniform(...)``), ``return_next_rng=True``, and the
distributions a course uses — each drawing numpy's numbers (or the distribution's
moments), with its gradient behaviour: undefined (NullType) for a real-valued draw,
disconnected for an integer-valued one."""
from __future__ import annotations

import inspect

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient import DisconnectedInputError, NullTypeGradError, grad, is_null
from gradlab.tensor.random import DRAW_FUNCTIONS, RandomStream
from gradlab.tensor.random.basic import DRAW_FUNCTIONS as BASIC_DRAWS

from tensor_helpers import numeric_jacobian


def _shared_rng(seed: int = 5):
    return gradlab.shared(np.random.default_rng(seed), name="rng")


def test_every_draw_function_is_a_generator_method_and_a_stream_method():
    assert DRAW_FUNCTIONS == BASIC_DRAWS
    rng_sym = gt.random.random_generator_type.make_variable("g")
    for name in DRAW_FUNCTIONS:
        for owner in (type(_shared_rng()), type(rng_sym), RandomStream):
            method = getattr(owner, name)
            params = list(inspect.signature(method).parameters)
            assert params[0] == "self" and "rng" not in params, (owner, name, params)


def test_generator_method_returns_the_next_generator_and_the_draw():
    rng = _shared_rng(11)
    next_rng, x = rng.uniform(0.1, 0.9, size=(4,))
    after, y = next_rng.normal(0.0, 2.0, size=(2,))
    assert x.owner.outputs[0] is next_rng and y.owner.inputs[0] is next_rng and y.owner.outputs[0] is after
    f = gradlab.function([], [x, y], updates={rng: after})
    reference = np.random.default_rng(11)
    got_x, got_y = f()
    np.testing.assert_array_equal(got_x, reference.uniform(0.1, 0.9, size=4))
    np.testing.assert_array_equal(got_y, reference.normal(0.0, 2.0, size=2))
    again_x, _ = f()  # the update moved the shared generator on: the next numbers
    np.testing.assert_array_equal(again_x, reference.uniform(0.1, 0.9, size=4))


def test_generator_method_with_a_symbolic_size_and_no_update_repeats():
    x = gt.dvector("x")
    rng = _shared_rng(3)
    _, factor = rng.uniform(0.1, 0.9, size=x.shape)
    cost = gt.sum(x * factor)
    g = grad(cost, x)
    f = gradlab.function([x], [factor, g])
    f1, g1 = f(np.ones(5))
    f2, g2 = f(np.ones(5))
    np.testing.assert_array_equal(f1, f2)  # no update: the same generator, the same numbers
    np.testing.assert_allclose(g1, f1)     # d sum(x * u) / dx = u, the draw held fixed
    np.testing.assert_array_equal(f1, np.random.default_rng(3).uniform(0.1, 0.9, size=5))


def test_return_next_rng_on_the_functions():
    rng = _shared_rng(2)
    next_rng, x = gt.random.normal(1.0, 3.0, size=(3,), rng=rng, return_next_rng=True)
    assert x.owner.outputs[0] is next_rng
    np.testing.assert_array_equal(gradlab.function([], x)(), np.random.default_rng(2).normal(1.0, 3.0, size=3))


@pytest.mark.parametrize("name, args, kwargs, numpy_call", [
    ("standard_normal", (), dict(size=(3,)), lambda r: r.standard_normal(size=3)),
    ("lognormal", (0.5, 0.2), dict(size=(3,)), lambda r: r.lognormal(0.5, 0.2, size=3)),
    ("exponential", (2.0,), dict(size=(3,)), lambda r: r.exponential(2.0, size=3)),
    ("gamma", (2.0,), dict(scale=3.0, size=(3,)), lambda r: r.gamma(2.0, 3.0, size=3)),
    ("beta", (2.0, 5.0), dict(size=(3,)), lambda r: r.beta(2.0, 5.0, size=3)),
    ("laplace", (1.0, 2.0), dict(size=(3,)), lambda r: r.laplace(1.0, 2.0, size=3)),
    ("logistic", (1.0, 2.0), dict(size=(3,)), lambda r: r.logistic(1.0, 2.0, size=3)),
    ("poisson", (4.0,), dict(size=(5,)), lambda r: r.poisson(4.0, size=5)),
    ("geometric", (0.3,), dict(size=(5,)), lambda r: r.geometric(0.3, size=5)),
    ("multinomial", (10, [0.2, 0.3, 0.5]), dict(size=(2,)), lambda r: r.multinomial(10, [0.2, 0.3, 0.5], size=2)),
])
def test_each_new_draw_is_numpys_for_the_same_generator(name, args, kwargs, numpy_call):
    rng = _shared_rng(17)
    _, x = getattr(rng, name)(*args, **kwargs)
    np.testing.assert_array_equal(gradlab.function([], x)(), numpy_call(np.random.default_rng(17)))


def test_gamma_takes_scale_or_rate_not_both():
    srng = RandomStream(4)
    by_rate = gradlab.function([], gt.mean(srng.gamma(3.0, rate=0.5, size=(20000,))))()
    np.testing.assert_allclose(by_rate, 6.0, rtol=0.03)  # mean = shape * scale = 3 / 0.5
    with pytest.raises(ValueError, match="exactly one of scale and rate"):
        srng.gamma(3.0)
    with pytest.raises(ValueError, match="exactly one of scale and rate"):
        srng.gamma(3.0, rate=1.0, scale=1.0)


def test_multinomial_rows_count_n_draws_over_the_last_axis():
    srng = RandomStream(8)
    p = gt.dmatrix("p")
    counts = srng.multinomial(p=p, n=7)
    assert counts.dtype == "int64" and counts.ndim == 2
    probs = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])
    got = gradlab.function([p], counts)(probs)
    assert got.shape == (2, 3)
    np.testing.assert_array_equal(got.sum(axis=1), [7, 7])
    np.testing.assert_array_equal(got[0], [0, 7, 0])
    assert got[1, 1] == 0
    one_hot = gradlab.function([p], srng.multinomial(1, p, size=(4, 2)))(probs)
    assert one_hot.shape == (4, 2, 3) and (one_hot.sum(axis=-1) == 1).all()


def test_categorical_and_dirichlet_shapes_and_moments():
    srng = RandomStream(9)
    p = gt.dvector("p")
    cats = gradlab.function([p], srng.categorical(p, size=(20000,)))(np.array([0.1, 0.6, 0.3]))
    np.testing.assert_allclose(np.bincount(cats, minlength=3) / 20000, [0.1, 0.6, 0.3], atol=0.015)
    certain = gradlab.function([], srng.categorical(np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]])))()
    np.testing.assert_array_equal(certain, [2, 0])
    d = srng.dirichlet(np.array([1.0, 2.0, 7.0]), size=(5000,))
    assert d.type.shape == (5000, 3)
    values = gradlab.function([], d)()
    np.testing.assert_allclose(values.sum(axis=1), 1.0)
    np.testing.assert_allclose(values.mean(axis=0), [0.1, 0.2, 0.7], atol=0.01)


def test_multivariate_normal_moments():
    srng = RandomStream(10)
    cov = np.array([[2.0, 0.6], [0.6, 1.0]])
    z = gradlab.function([], srng.multivariate_normal(np.array([1.0, -1.0]), cov, size=(40000,)))()
    assert z.shape == (40000, 2)
    np.testing.assert_allclose(z.mean(axis=0), [1.0, -1.0], atol=0.03)
    np.testing.assert_allclose(np.cov(z.T), cov, atol=0.05)


@pytest.mark.parametrize("name, make", [
    ("normal", lambda s, m: s.normal(m, 1.0, size=(3,))),
    ("lognormal", lambda s, m: s.lognormal(m, 0.5, size=(3,))),
    ("exponential", lambda s, m: s.exponential(gt.exp(m), size=(3,))),
    ("gamma", lambda s, m: s.gamma(gt.exp(m), scale=1.0, size=(3,))),
    ("dirichlet", lambda s, m: s.dirichlet(gt.exp(gt.stack([m, m]))),),
])
def test_a_real_draw_has_an_undefined_gradient_in_its_parameters(name, make):
    m = gt.dscalar("m")
    x = make(RandomStream(1), m)
    with pytest.raises(NullTypeGradError, match="not a differentiable function of its parameters"):
        grad(gt.sum(x), m)
    assert is_null(grad(gt.sum(x), m, null_gradients="return"))


@pytest.mark.parametrize("make", [
    lambda s, p: s.poisson(gt.exp(p), size=(3,)),
    lambda s, p: s.geometric(gt.sigmoid(p), size=(3,)),
    lambda s, p: s.categorical(gt.softmax(gt.stack([p, -p]))),
    lambda s, p: s.multinomial(5, gt.softmax(gt.stack([p, -p]))),
])
def test_an_integer_draw_is_disconnected_from_its_parameters(make):
    p = gt.dscalar("p")
    x = make(RandomStream(1), p)
    with pytest.raises(DisconnectedInputError):
        grad(gt.sum(gt.cast(x, "float64")), p)
    zero = grad(gt.sum(gt.cast(x, "float64")) + p ** 2, p)  # only the smooth path counts
    np.testing.assert_allclose(gradlab.function([p], zero)(1.5), 3.0)


def test_reparameterised_laplace_draws_differentiate_by_finite_differences():
    """``mu + sigma * z`` for a laplace draw ``z``: the gradient in mu and sigma
    is that of the formula with the draw held fixed (no update: the same z)."""
    mu, sigma = gt.dvector("mu"), gt.dvector("sigma")
    rng = _shared_rng(21)
    _, z = rng.laplace(0.0, 1.0, size=(3,))
    cost = gt.sum(gt.sin(mu + sigma * z))
    g_mu, g_sigma = grad(cost, [mu, sigma])
    f = gradlab.function([mu, sigma], cost)
    fg = gradlab.function([mu, sigma], [g_mu, g_sigma])
    m0, s0 = np.array([0.1, -0.3, 0.5]), np.array([1.0, 0.5, 2.0])
    num_mu = numeric_jacobian(lambda m, s: np.atleast_1d(f(m, s)), [m0, s0], 0)[0]
    num_sigma = numeric_jacobian(lambda m, s: np.atleast_1d(f(m, s)), [m0, s0], 1)[0]
    got_mu, got_sigma = fg(m0, s0)
    np.testing.assert_allclose(got_mu, num_mu, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got_sigma, num_sigma, rtol=1e-5, atol=1e-7)
