"""``gradlab.tensor.random`` (``gt.random``): random draws in graphs.

    import gradlab.tensor as gt
    srng = gt.random.RandomStream(seed=42)
    eps = srng.normal(0.0, 1.0, size=(3,))        # a fresh sample each call
    z = mu + sigma * eps                          # differentiable in mu, sigma

- :mod:`.type` — the random generator type (values: ``numpy.random.Generator``);
- :mod:`.op` — :class:`RandomVariable`, one draw as a node ``(rng, size,
  *params) -> (next_rng, draw)``, with undefined gradients for its parameters;
- :mod:`.basic` — the draws as functions taking ``rng=`` (normal, uniform,
  gamma, beta, dirichlet, bernoulli, binomial, poisson, categorical,
  multinomial …: ``DRAW_FUNCTIONS``), each also a method of a generator
  variable (``next_rng, x = rng.normal(0, 1)``) and of ``RandomStream``;
- :mod:`.stream` — :class:`RandomStream`, generators seeded from one seed and
  advanced by compiled functions (their ``default_update``).

``gradlab.shared(np.random.default_rng(seed))`` makes a generator variable
to pass as ``rng=`` yourself; update it with the draw's ``owner.outputs[0]``.
"""
from gradlab.tensor.random.basic import (DRAW_FUNCTIONS, bernoulli, beta, binomial, categorical,  # noqa: F401
                                         choice, dirichlet, draw, exponential, gamma, geometric, halfnormal,
                                         integers, laplace, logistic, lognormal, multinomial, multivariate_normal,
                                         normal, permutation, poisson, standard_normal, uniform)
from gradlab.tensor.random.op import DISTRIBUTIONS, RandomVariable  # noqa: F401
from gradlab.tensor.random.stream import RandomStream  # noqa: F401
from gradlab.tensor.random.type import (RandomGeneratorType, RandomGeneratorVariable,  # noqa: F401
                                        random_generator_type)

__all__ = ["RandomStream", "RandomVariable", "RandomGeneratorType", "RandomGeneratorVariable",
           "random_generator_type", "DISTRIBUTIONS", "DRAW_FUNCTIONS", *DRAW_FUNCTIONS, "draw"]
