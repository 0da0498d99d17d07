"""``gradlab.calculus``: the gradient helpers that need compiling or loops.

They sit above ``compile`` (and ``scan``) in the layer order, so
``gradlab.gradient`` itself stays below both; ``gradlab.gradient``
re-exports every name here on first use (``from gradlab.gradient import
jacobian`` works as before).

- :mod:`.macros`: :func:`jacobian` (a scan over rows, or one batched graph),
  :func:`hessian`, :func:`hessian_vector_product`;
- :mod:`.check`: :func:`verify_grad`, :class:`numeric_grad`,
  :func:`numeric_jacobian` (finite differences of compiled functions).
"""
from gradlab.calculus.check import numeric_grad, numeric_jacobian, verify_grad  # noqa: F401
from gradlab.calculus.macros import hessian, hessian_vector_product, jacobian  # noqa: F401

__all__ = ["jacobian", "hessian", "hessian_vector_product", "verify_grad", "numeric_grad", "numeric_jacobian"]
