"""Forward mode: ``Rop`` (Jacobian times a vector).

For inputs ``wrt[j]`` moving in directions ``eval_points[j]``, the tangent
of every downstream variable is pushed forward node by node, producers
first::

    dy = sum_j (d y / d wrt[j]) . eval_points[j]

Each node uses its op's ``R_op``.  An op without one falls back to the
*double-Lop* construction: with a dummy cotangent ``u`` for the outputs,
``g = L_op(u)`` is linear in ``u`` (``g = J^T u``), so the pullback of ``g``
along the tangents, taken with respect to ``u``, is ``J v``.  The dummy is
then replaced by zeros in the output's shape (the answer does not depend on
its value), so it never appears as a free input.
"""
from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Sequence

import gradlab.tensor as gt
from gradlab.graph.basic import Constant, Variable
from gradlab.graph.traversal import ancestors, clone_replace, toposort
from gradlab.gradient.reverse import (DISCONNECTED_POLICIES, RETURN_DISCONNECTED, Variables,
                                      as_gradient, as_variable_list, backpropagate, call_l_op, cast_to,
                                      check_choice, check_term, grad_dtype, in_form, zeros_for)
from gradlab.gradient.types import (DisconnectedInputError, NullTypeGradError, disconnected_type, is_disconnected,
                                    is_null)

__all__ = ["Rop", "push_forward", "node_rop_by_double_lop"]


def _dummy_cotangent(out: Variable) -> Variable:
    """A fresh variable shaped like ``out`` (real dtype) standing for its cotangent."""
    from gradlab.tensor.type import TensorType
    return TensorType(grad_dtype(out), out.type.shape).make_variable(f"u_{out.name}" if out.name else "u")


def _add_seed(seeds: dict, var: Variable, g: Variable) -> None:
    seeds[var] = seeds[var] + g if var in seeds else g


def _substitute_dummies(results: List[Optional[Variable]], dummies: Sequence[Variable],
                        outputs: Sequence[Variable]) -> List[Optional[Variable]]:
    """Replace each dummy cotangent by zeros shaped like its output."""
    present = [i for i, r in enumerate(results) if r is not None and not is_null(r)]
    if not present:
        return results
    replace = {u: zeros_for(out) for u, out in zip(dummies, outputs)}
    rebuilt = clone_replace([results[i] for i in present], replace)
    out = list(results)
    for i, r in zip(present, rebuilt):
        out[i] = r
    return out


def node_rop_by_double_lop(node: Any, tangents: Sequence[Optional[Variable]]) -> list:
    """Tangents of ``node``'s outputs from its ``L_op`` alone (pullback of a pullback)."""
    outs = list(node.outputs)
    dummies = [_dummy_cotangent(o) for o in outs]
    raw = call_l_op(node, dummies)
    seeds: dict = {}
    for i, (g, t) in enumerate(zip(raw, tangents)):
        if t is None:
            continue
        g = check_term(node, i, g)
        if is_disconnected(g):
            continue
        if is_null(g):
            return [g for _ in outs]
        _add_seed(seeds, g, as_gradient("Rop", f"the tangent of input {i} of {node.op}", t, g))
    if not seeds:
        return [None for _ in outs]
    adjoints = backpropagate(seeds, dummies, accumulate=True)
    results = [adjoints[u] for u in dummies]
    return _substitute_dummies(results, dummies, outs)


def _call_r_op(node: Any, tangents: list, use_op_rop_implementation: bool) -> list:
    op = node.op
    result = None
    if use_op_rop_implementation and op.has_r_op():
        try:
            result = op.R_op(list(node.inputs), list(tangents))
        except NotImplementedError:
            result = None
        else:
            if result is None:
                raise TypeError(f"R_op of op {op} returned None; it must return a list with one tangent per output "
                                f"({len(node.outputs)} here), None entries meaning a zero tangent")
    if result is None:
        result = node_rop_by_double_lop(node, tangents)
    if not isinstance(result, (list, tuple)):
        raise TypeError(f"R_op of op {op} returned a {type(result).__name__}; it must return a list with one "
                        f"tangent per output ({len(node.outputs)} here)")
    if len(result) != len(node.outputs):
        raise ValueError(f"R_op of op {op} returned {len(result)} tangents for {len(node.outputs)} "
                         f"output{'s' if len(node.outputs) != 1 else ''}; return one per output")
    checked = []
    for k, (out, t) in enumerate(zip(node.outputs, result)):
        if t is None or is_disconnected(t):
            checked.append(None)
            continue
        if not isinstance(t, Variable):
            raise TypeError(f"R_op of op {op} returned {type(t).__name__} for output {k}; tangents must be "
                            "symbolic variables (or None for zero)")
        if is_null(t):
            checked.append(t)
            continue
        nd_t, nd_o = getattr(t.type, "ndim", None), getattr(out.type, "ndim", None)
        if nd_t is not None and nd_o is not None and nd_t != nd_o:
            raise ValueError(f"R_op of op {op} returned a tangent with {nd_t} dimensions for output {k}, which has "
                             f"{nd_o}; a tangent has its output's shape")
        checked.append(cast_to(t, grad_dtype(out)))
    return checked


def push_forward(outputs: Sequence[Variable], tangents: Dict[Variable, Variable],
                 use_op_rop_implementation: bool = True) -> List[Optional[Variable]]:
    """The tangent of each output (a tensor, a ``NullType`` variable, or
    ``None`` when it does not depend on the seeded variables)."""
    seeded = list(tangents)
    known = {id(v): t for v, t in tangents.items()}
    for node in toposort(list(outputs), seeded):
        ins = [known.get(id(i)) for i in node.inputs]
        if all(t is None for t in ins):
            continue
        nulls = [t for t in ins if t is not None and is_null(t)]
        if nulls:
            pattern = node.op.connection_pattern(node)
            for j, out in enumerate(node.outputs):
                for i, t in enumerate(ins):
                    if t is not None and is_null(t) and pattern[i][j]:
                        known[id(out)] = t
                        break
            continue
        for out, t in zip(node.outputs, _call_r_op(node, ins, use_op_rop_implementation)):
            if t is not None:
                known[id(out)] = t
    return [known.get(id(o)) for o in outputs]


def _rop_by_double_lop(fs: Sequence[Variable], tangents: Dict[Variable, Variable]) -> list:
    """``J v`` for the whole graph as the pullback (w.r.t. dummy ``u``) of ``J^T u``."""
    unique: list = []
    for f in fs:
        if not any(f is g for g in unique):
            unique.append(f)
    dummies = [_dummy_cotangent(f) for f in unique]
    wrts = list(tangents)
    first = backpropagate(dict(zip(unique, dummies)), wrts, accumulate=True)
    seeds: dict = {}
    for w in wrts:
        a = first[w]
        if a is None:
            continue
        if is_null(a):
            return [a for _ in fs]
        _add_seed(seeds, a, as_gradient("Rop", f"the eval point of {w}", tangents[w], a))
    if not seeds:
        return [None for _ in fs]
    second = backpropagate(seeds, dummies, accumulate=True)
    results = _substitute_dummies([second[u] for u in dummies], dummies, unique)
    by_id = {id(f): r for f, r in zip(unique, results)}
    return [by_id[id(f)] for f in fs]


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
    for j, (w, p) in enumerate(zip(wrts, points)):
        if p is None:
            raise TypeError(f"{fn}: eval_points[{j}] is None; give a tangent shaped like wrt[{j}] ({w})")
        t = as_gradient(fn, f"eval_points[{j}]", p, w)
        if is_null(t) or is_disconnected(t):
            raise TypeError(f"{fn}: eval_points[{j}] must be a tensor, got a {t.type} variable")
        tangents[w] = tangents[w] + t if w in tangents else t
    if use_op_rop_implementation:
        raw = push_forward(fs, tangents, True)
    else:
        raw = _rop_by_double_lop(fs, tangents)
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
    return in_form(form, results)
