"""``gradlab.gradient``: symbolic differentiation.

- reverse mode (:mod:`.reverse`): :func:`grad`, :func:`Lop`, :func:`subgraph_grad`;
- forward mode (:mod:`.forward`): :func:`Rop`;
- PyTensor 3.0's names (:mod:`.products`): :func:`pushforward`, :func:`pullback`;
- built on both (:mod:`gradlab.calculus.macros`, re-exported on first use): :func:`jacobian`, :func:`hessian`,
  :func:`hessian_vector_product`; :mod:`.vectorize` batches a graph over a
  new leading axis (what ``jacobian(..., vectorize=True)`` uses);
- checking (:mod:`gradlab.calculus.check`, re-exported on first use): :func:`verify_grad`, :class:`numeric_grad`,
  :func:`numeric_jacobian`;
- gradient-shaping ops (:mod:`.control`): :func:`consider_constant`,
  :func:`zero_grad`, :func:`disconnected_grad`, :func:`grad_clip`,
  :func:`grad_scale`, :func:`undefined_grad`, and :func:`grad_undefined` /
  :func:`grad_not_implemented` for op authors;
- types and errors (:mod:`gradlab.graph.gradient_types`, beside the Op contract): :class:`NullType`,
  :class:`DisconnectedType`, :class:`DisconnectedInputError`,
  :class:`NullTypeGradError`, :class:`GradientError`, :func:`check_no_null`.

The Op contract (what an op author writes): ``grad(inputs, output_grads)``
or ``L_op(inputs, outputs, output_grads)`` returns one gradient per input —
a tensor shaped like the input, ``disconnected_type()`` where the outputs do
not depend on it, or ``grad_undefined``/``grad_not_implemented``.
``R_op(inputs, eval_points)`` returns one tangent per output (``None`` =
zero); ``eval_points`` entries may be ``None`` (zero tangent).
``connection_pattern(node)[i][j]`` says whether output ``j`` depends on
input ``i``.  Returning ``None`` from ``grad`` is a ``TypeError``, the wrong
number of terms a ``ValueError``; an op whose ``grad`` raises
``NotImplementedError`` (the base ``Op.grad``) gets ``NullType`` gradients.
"""
from gradlab.graph.gradient_types import (DisconnectedInputError, DisconnectedType, GradientError, NullType,  # noqa: F401
                                          NullTypeGradError, check_no_null, disconnected_type, is_disconnected,
                                          is_null)
from gradlab.gradient.control import (ConsiderConstant, DisconnectedGrad, GradClip, GradScale,  # noqa: F401
                                      UndefinedGrad, ZeroGrad, consider_constant, disconnected_grad, grad_clip,
                                      grad_not_implemented, grad_scale, grad_undefined, is_gradient_shaping,
                                      undefined_grad, zero_grad)
from gradlab.gradient.reverse import Lop, backpropagate, grad, subgraph_grad  # noqa: F401
from gradlab.gradient.forward import Rop, push_forward  # noqa: F401
from gradlab.gradient.products import pullback, pushforward  # noqa: F401
from gradlab.gradient.vectorize import vectorize_graph  # noqa: F401

#: names of gradlab.calculus (the layer above compile and scan), re-exported on first use
_CALCULUS = ("jacobian", "hessian", "hessian_vector_product", "verify_grad", "numeric_grad", "numeric_jacobian")


def __getattr__(name: str):
    # the one lazy re-export of this package: these helpers compile functions and
    # build scans, so they live above both (gradlab/calculus/); see docs/internals.md
    if name in _CALCULUS:
        import gradlab.calculus  # noqa: PLC0415  (upward on purpose: a public re-export)
        value = getattr(gradlab.calculus, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gradlab.gradient' has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | set(_CALCULUS))


__all__ = ["grad", "Lop", "Rop", "pushforward", "pullback", "subgraph_grad", "jacobian", "hessian", "hessian_vector_product",
           "verify_grad", "numeric_grad", "numeric_jacobian", "consider_constant", "zero_grad", "disconnected_grad", "grad_clip",
           "grad_scale", "undefined_grad", "grad_undefined", "grad_not_implemented", "NullType",
           "DisconnectedType", "DisconnectedInputError", "NullTypeGradError", "GradientError", "check_no_null",
           "disconnected_type", "is_null", "is_disconnected", "vectorize_graph", "backpropagate", "push_forward",
           "ConsiderConstant", "ZeroGrad", "DisconnectedGrad", "GradClip", "GradScale", "UndefinedGrad",
           "is_gradient_shaping"]
