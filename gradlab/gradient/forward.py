"""Forward mode: ``Rop`` (Jacobian times a vector).

For inputs ``wrt[j]`` moving in directions ``eval_points[j]``, the tangent
of every downstream variable is pushed forward node by node, producers
first::

    dy = sum_j (d y / d wrt[j]) . eval_points[j]

Each node uses its op's ``R_op``.  An op without one falls back to the
*double-Lop* construction: with a dummy cotangent ``u`` for the outputs,
``g = L_op(u)`` is linear in ``u`` (``g = J^T u``), so the pullback of ``g``
along the tangents, taken with respect to ``u``, is ``J v``.  The sweep
(:func:`push_forward`) only walks; the fallback, dtypes, integer outputs and
the ``R_op`` contract are :mod:`gradlab.gradient.adapter`'s.
"""
from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Sequence

import gradlab.tensor as gt
from gradlab.graph.basic import Constant, Variable
from gradlab.graph.origin import Origin, mark, stamp
from gradlab.graph.traversal import ancestors, toposort
from gradlab.gradient.adapter import (cast_to, grad_dtype, node_pushforward, node_rop_by_double_lop, rop_by_double_lop,
                                      zeros_for)
from gradlab.gradient.reverse import (DISCONNECTED_POLICIES, RETURN_DISCONNECTED, Variables, as_gradient,
                                      as_variable_list, check_choice, in_form, stamp_helpers, stamp_seeds)
from gradlab.graph.gradient_types import (DisconnectedInputError, NullTypeGradError, disconnected_type, is_disconnected,
                                          is_null)

__all__ = ["Rop", "push_forward", "node_rop_by_double_lop"]


def push_forward(outputs: Sequence[Variable], tangents: Dict[Variable, Variable],
                 use_op_rop_implementation: bool = True) -> List[Optional[Variable]]:
    """The tangent of each output (a tensor, a ``NullType`` variable, or
    ``None`` when it does not depend on the seeded variables).  What an op's
    rule receives and returns is :func:`gradient.adapter.node_pushforward`'s."""
    known = {id(v): t for v, t in tangents.items()}
    for number, node in enumerate(toposort(list(outputs), list(tangents))):  # producers first
        ins = [known.get(id(x)) for x in node.inputs]
        if all(t is None for t in ins):
            continue
        since = mark()
        for j, (out, t) in enumerate(zip(node.outputs, node_pushforward(node, ins, use_op_rop_implementation))):
            if t is not None:
                stamp([t], since, Origin("forward", "rule", node, output=j, number=number))
                known[id(out)] = t
    return [known.get(id(o)) for o in outputs]


def _free_inputs(var: Variable) -> set:
    return {id(v) for v in ancestors([var]) if v.owner is None and not isinstance(v, Constant)}


def _keep_user_inputs(f: Variable, t: Variable) -> Variable:
    """``t``, made to mention every free input of ``f`` (as ``fill(f, t)``)
    when it would not: ``function([W, V, x], Rop(dot(x, W), W, V))`` then
    keeps ``W`` as a used input, as the user wrote it."""
    if _free_inputs(f) <= _free_inputs(t):
        return t
    return gt.second(f, t)


def _check_differentiable_outputs(fn: str, f: Any) -> None:
    """``ValueError`` for an ``f`` that cannot have a tangent: not a variable
    (``Rop(0.0, ...)``), or integer-valued (``argmax``: a discrete output)."""
    items = list(f) if isinstance(f, (list, tuple)) else [f]
    for i, item in enumerate(items):
        where = "f" if not isinstance(f, (list, tuple)) else f"f[{i}]"
        if not isinstance(item, Variable):
            raise ValueError(f"{fn}: {where} must be a symbolic variable computed from wrt, got "
                             f"{type(item).__name__} {item!r}; a constant has no tangent"[:300])
        dtype = getattr(item.type, "dtype", None)
        if dtype is not None and grad_dtype(item) != dtype:
            raise ValueError(f"{fn}: {where} ({item}) has the discrete dtype {dtype}, which has no tangent; "
                             f"differentiate a real-valued expression (cast it, e.g. gt.cast({item}, 'float64'), "
                             "if a zero tangent is what you want)")


def _depends_on(out: Variable, wrts: Sequence[Variable]) -> bool:
    """Is some ``wrt`` an ancestor of ``out`` (whatever the gradient rules say)?"""
    targets = {id(w) for w in wrts}
    return any(id(v) in targets for v in ancestors([out]))


def Rop(f: Variables, wrt: Variables, eval_points: Variables, disconnected_outputs: str = "raise",
        return_disconnected: str = "zero", use_op_rop_implementation: bool = True) -> Any:
    """R-operator: ``sum_j (d f[i] / d wrt[j]) . eval_points[j]`` for each ``f[i]``
    — the Jacobian times a vector, without building the Jacobian.

    ``eval_points[j]`` has the shape of ``wrt[j]``; each answer has the
    shape of its ``f``, in the form (one, list, tuple) of ``f``.

    - ``disconnected_outputs``: when some ``f[i]`` does not depend on
      ``wrt``: ``"raise"`` (:class:`DisconnectedInputError`), ``"warn"``
      or ``"ignore"``.
    - ``return_disconnected``: such an answer is zeros (``"zero"``), ``None``
      (``"none"``) or a ``DisconnectedType`` variable (``"disconnected"``).
    - ``use_op_rop_implementation``: ``True`` (default) uses each op's
      ``R_op`` (ops without one fall back to the double-Lop construction);
      ``False`` builds the whole answer by double Lop, under which a path cut
      by ``zero_grad``/``disconnected_grad`` gives zeros.

    An ``f`` that is not a variable, or is integer-valued (``argmax``), is a
    ``ValueError``: a discrete output has no tangent.  PyTensor 3.0's name
    with its defaults: :func:`gradlab.gradient.pushforward`.
    """
    fn = "Rop"
    check_choice(fn, "disconnected_outputs", disconnected_outputs, DISCONNECTED_POLICIES)
    check_choice(fn, "return_disconnected", return_disconnected, RETURN_DISCONNECTED)
    _check_differentiable_outputs(fn, f)
    form, fs = as_variable_list(fn, "f", f)
    _, wrts = as_variable_list(fn, "wrt", wrt)
    points = list(eval_points) if isinstance(eval_points, (list, tuple)) else [eval_points]
    if len(wrts) != len(points):
        raise ValueError(f"{fn}: got {len(wrts)} variable{'s' if len(wrts) != 1 else ''} in wrt but "
                         f"{len(points)} eval_points; give one eval point (tangent) per wrt variable, shaped like it")
    tangents: dict = {}
    since = mark()
    for j, (w, p) in enumerate(zip(wrts, points)):
        if p is None:
            raise TypeError(f"{fn}: eval_points[{j}] is None; give a tangent shaped like wrt[{j}] ({w})")
        t = as_gradient(fn, f"eval_points[{j}]", p, w)
        if is_null(t) or is_disconnected(t):
            raise TypeError(f"{fn}: eval_points[{j}] must be a tensor, got a {t.type} variable")
        tangents[w] = tangents[w] + t if w in tangents else t
    stamp_seeds(tangents, since, "forward")
    if use_op_rop_implementation:
        raw = push_forward(fs, tangents, True)
    else:
        raw = rop_by_double_lop(fs, tangents)
    results = []
    for i, (out, t) in enumerate(zip(fs, raw)):
        where = "f" if form == "single" else f"f[{i}]"
        if t is None and not use_op_rop_implementation and _depends_on(out, wrts):
            t = zeros_for(out)  # a gradient-shaping op (zero_grad, disconnected_grad) cut every path: zeros
        if t is None:
            if disconnected_outputs != "ignore":
                msg = (f"{fn}: {where} ({out}) does not depend on wrt: there is no differentiable path from wrt "
                       "to it. Pass disconnected_outputs='ignore' (a zero answer) or 'warn'")
                if disconnected_outputs == "raise":
                    raise DisconnectedInputError(msg)
                warnings.warn(msg, stacklevel=2)
            if return_disconnected == "zero":
                results.append(zeros_for(out))
            elif return_disconnected == "none":
                results.append(None)
            else:
                results.append(disconnected_type())
            continue
        if is_null(t):
            raise NullTypeGradError(f"{fn}: the tangent of {where} ({out}) is undefined: {t.type.why_null}")
        results.append(_keep_user_inputs(out, cast_to(t, grad_dtype(out))))
    stamp_helpers(fn, results, since, fs[0], "forward")  # since the tangents: also the double-Lop's own sums
    return in_form(form, results)
