"""PyTensor 3.0's names for the two products: ``pushforward`` and ``pullback``.

- ``pushforward(f, wrt, tangents)`` — the Jacobian-vector product
  ``sum_j (d f[i] / d wrt[j]) . tangents[j]`` (forward mode, "R-op");
- ``pullback(f, wrt, cotangents)`` — the vector-Jacobian product
  ``sum_i cotangents[i] . (d f[i] / d wrt[j])`` (reverse mode, "L-op").

The keywords are PyTensor 3.0.7's exactly: ``pushforward(f, wrt, tangents,
disconnected_outputs="raise", return_disconnected="zero",
use_op_pushforward=False)`` and ``pullback(f, wrt, cotangents,
consider_constant=None, disconnected_inputs="raise",
return_disconnected="zero")``.

They are :func:`~gradlab.gradient.Rop` and :func:`~gradlab.gradient.Lop`
with PyTensor 3.0's defaults: ``pushforward`` builds its answer by the
double-Lop construction unless ``use_op_pushforward=True`` (so it
works for every op that has a gradient), and under it a gradient-shaping op
(``zero_grad``, ``disconnected_grad``) that cuts every path gives zeros, not
:class:`DisconnectedInputError`.  Both accept ``gradlab.scalar`` variables
(``gs.float64("x")``), which are 0-d tensors.

    >>> import gradlab, gradlab.tensor as gt
    >>> from gradlab.gradient import pushforward, pullback
    >>> x, t = gt.dvector("x"), gt.dvector("t")
    >>> jv = pushforward(x ** 2, x, t)                 # 2 x * t
    >>> gradlab.function([x, t], jv)([1.0, 3.0], [1.0, 1.0])
    array([2., 6.])
    >>> vj = pullback(x ** 2, x, t)                    # t * 2 x
    >>> gradlab.function([x, t], vj)([1.0, 3.0], [0.5, 1.0])
    array([1., 6.])
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from gradlab.graph.basic import Variable
from gradlab.gradient.forward import Rop
from gradlab.gradient.reverse import Lop, Variables

__all__ = ["pushforward", "pullback"]


def pushforward(f: Variables, wrt: Variables, tangents: Variables, disconnected_outputs: str = "raise",
                return_disconnected: str = "zero", use_op_pushforward: bool = False) -> Any:
    """Jacobian of ``f`` times the ``tangents`` (one per ``wrt``, shaped like
    it): ``sum_j (d f[i] / d wrt[j]) . tangents[j]``; the answer has the form
    (one, list, tuple) of ``f``.

    ``use_op_pushforward=False`` (PyTensor 3.0's default) builds the answer
    as the pullback of a pullback; ``True`` uses each op's own forward rule
    (``pushforward`` or ``R_op``; what :func:`~gradlab.gradient.Rop` does by
    default).  ``disconnected_outputs`` / ``return_disconnected`` are as in
    ``Rop``.  A non-variable or integer-valued ``f`` is a ``ValueError``: a
    discrete output has no tangent.

    Example: ``pushforward(gt.exp(x), x, t)`` is ``exp(x) * t``.
    """
    return Rop(f, wrt, tangents, disconnected_outputs=disconnected_outputs,
               return_disconnected=return_disconnected, use_op_rop_implementation=use_op_pushforward)


def pullback(f: Variables, wrt: Variables, cotangents: Variables,
             consider_constant: Optional[Sequence[Variable]] = None, disconnected_inputs: str = "raise",
             return_disconnected: str = "zero") -> Any:
    """The ``cotangents`` (one per ``f``, shaped like it) times the Jacobian
    of ``f``: ``sum_i cotangents[i] . (d f[i] / d wrt[j])``; the answer has
    the form (one, list, tuple) of ``wrt``.

    ``consider_constant``, ``disconnected_inputs`` and
    ``return_disconnected`` are as in :func:`~gradlab.gradient.grad`.

    Example: ``pullback(gt.dot(W, x), x, u)`` is ``dot(u, W)``.
    """
    return Lop(f, wrt, cotangents, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs,
               return_disconnected=return_disconnected)
