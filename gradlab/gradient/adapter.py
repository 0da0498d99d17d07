"""The adapter between the sweeps and the ops: every gradient policy that is not maths.

An op states its derivative rules only (``L_op``: output cotangents to input
terms; ``R_op``: input tangents to output tangents).  The two sweeps
(:func:`gradlab.gradient.reverse.backpropagate`,
:func:`gradlab.gradient.forward.push_forward`) only walk the graph.  What
lies between them is here, in one place:

1. **Integer and boolean outputs** have zero gradient and zero tangent: their
   op's rule is not called; inputs that reach the cost only through them get
   zeros (reverse), and the outputs get zero tangents (forward).
2. **Dtypes**: an integer variable's gradient is float64, a real one's keeps
   its dtype (:func:`grad_dtype`); every output cotangent handed to an
   ``L_op``, every term it returns and every tangent an ``R_op`` returns is
   cast to that dtype (:func:`cast_to`), so ops need not cast.
3. **Missing cotangents**: an output nothing flows into is handed to
   ``L_op`` as zeros (as ``disconnected_type()`` when it is not a tensor,
   e.g. a random generator).
4. **NullType and disconnected terms**: an undefined (``NullType``) adjoint
   or tangent is passed on as it is to every input (output) connected to it,
   without calling the rule; a ``DisconnectedType`` term is dropped.
5. **The Op contract** is checked: one term per input (per output for
   ``R_op``), no ``None`` term from ``L_op``, symbolic variables only, the
   input's (output's) number of dimensions; an ``L_op`` raising
   ``NotImplementedError`` gives ``NullType`` terms.
6. **The double-Lop fallback**: an op without ``R_op`` (or whose ``R_op``
   raises ``NotImplementedError``) gets its tangents as the pullback of its
   pullback (:func:`node_rop_by_double_lop`).
7. **Two spellings of one contract**: an op states its reverse rule as the
   seed's ``grad(inputs, output_grads)`` / ``L_op(inputs, outputs,
   output_grads)`` or as PyTensor 3.0's ``pullback(inputs, outputs,
   cotangents)``, its forward rule as ``R_op(inputs, eval_points)`` or
   ``pushforward(inputs, outputs, tangents)`` (:func:`reverse_rule_name`,
   :func:`forward_rule_name`).  Both spellings get every policy above; every
   derivative (reverse, forward, double-Lop, scan steps, jacobian, hessian,
   verify_grad) reaches an op's rule through here.

:func:`node_pullback` and :func:`node_pushforward` are what the sweeps call for one
node; :func:`node_vjp` and :func:`node_jvp` apply an op's rule to one node
with the dtype, contract and fallback policy (what tests and wrappers of an
op's rule use).
"""
from __future__ import annotations

import enum
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

import gradlab.tensor as gt
from gradlab.graph.basic import Variable
from gradlab.graph.op import Op
from gradlab.graph.traversal import clone_replace
from gradlab.gradient.control import grad_not_implemented
from gradlab.graph.gradient_types import disconnected_type, is_disconnected, is_null
from gradlab.tensor.elemwise import Elemwise, cast_to, grad_dtype, is_float_dtype  # noqa: F401  (the sweeps import them from here)
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import TensorConstant

__all__ = ["Flow", "is_float_dtype", "is_discrete", "is_real", "grad_dtype", "cast_to", "zeros_for", "ndim_mismatch",
           "connection_pattern", "call_l_op", "check_term", "node_vjp", "node_pullback", "node_jvp", "node_pushforward",
           "node_rop_by_double_lop", "rop_by_double_lop", "add_seed", "reverse_rule_name", "forward_rule_name"]


class Flow(enum.Enum):
    """What reaches one output of a node in the reverse sweep."""
    NONE = "no adjoint"          # no path from a seed: contributes nothing
    NULL = "undefined"           # a NullType adjoint: passed on unchanged
    DISCRETE = "integer output"  # zero gradient by convention: rule not called
    ZERO = "zero adjoint"        # a known zero (fill(y, 0)): the terms are zeros, rule not called
    REAL = "real adjoint"        # handed to the op's L_op


# ---------------------------------------------------------------------------
# dtypes
def is_discrete(var: Variable) -> bool:
    """Is ``var`` a tensor of an integer or boolean dtype?"""
    dtype = getattr(var.type, "dtype", None)
    return dtype is not None and not is_float_dtype(dtype)


def is_real(var: Variable) -> bool:
    """Is ``var`` a tensor of a real (float or complex) dtype?"""
    dtype = getattr(var.type, "dtype", None)
    return dtype is not None and is_float_dtype(dtype)


def zeros_for(var: Variable) -> Variable:
    """A (real) zero gradient in the shape of ``var``."""
    return gt.zeros_like(var, dtype=grad_dtype(var))


def ndim_mismatch(g: Variable, like: Variable) -> Optional[tuple]:
    """``(g's ndim, like's ndim)`` when both are known and differ, else None."""
    nd_g, nd_like = getattr(g.type, "ndim", None), getattr(like.type, "ndim", None)
    return (nd_g, nd_like) if nd_g is not None and nd_like is not None and nd_g != nd_like else None


def connection_pattern(node: Any) -> list:
    """``node.op.connection_pattern(node)``, checked: one row per input, one entry per output."""
    pattern = node.op.connection_pattern(node)
    if len(pattern) != len(node.inputs) or any(len(row) != len(node.outputs) for row in pattern):
        raise ValueError(f"{node.op}.connection_pattern returned a {len(pattern)}-row pattern; it needs one row "
                         f"per input ({len(node.inputs)}) with one entry per output ({len(node.outputs)})")
    return pattern


# ---------------------------------------------------------------------------
# the Op contract's two spellings: the seed's (grad / L_op, R_op) and PyTensor 3.0's
# (pullback, pushforward).  Which one an op's rule is read from is decided here only.
def _defines(op: Any, name: str) -> bool:
    """Does a class of ``op`` below the base ``Op`` define the method ``name``?"""
    for cls in type(op).__mro__:
        if cls is Op or cls is object:
            return False
        if name in vars(cls):
            return True
    return False


def reverse_rule_name(op: Any) -> str:
    """``"pullback"`` when the op defines PyTensor 3.0's ``pullback(inputs,
    outputs, cotangents)``, else ``"L_op"`` (the seed's; the base ``L_op``
    calls ``grad``).  An op defining both is read through ``pullback``."""
    return "pullback" if _defines(op, "pullback") else "L_op"


def forward_rule_name(op: Any) -> Optional[str]:
    """``"pushforward"`` when the op defines PyTensor 3.0's ``pushforward(inputs,
    outputs, tangents)``, ``"R_op"`` when it defines the seed's ``R_op(inputs,
    eval_points)``, None when it has neither (the double-Lop fallback)."""
    if _defines(op, "pushforward"):
        return "pushforward"
    return "R_op" if _defines(op, "R_op") else None


def _call_forward_rule(node: Any, name: str, tangents: Sequence[Optional[Variable]]) -> Any:
    """The op's forward rule on ``tangents`` (``None``: zero).  ``pushforward``
    receives a ``DisconnectedType`` variable for an input that does not move
    (PyTensor 3.0's convention) and may return one for an output that does not."""
    if name == "pushforward":
        moving = [disconnected_type() if t is None else t for t in tangents]
        return node.op.pushforward(list(node.inputs), list(node.outputs), moving)
    return node.op.R_op(list(node.inputs), list(tangents))


# ---------------------------------------------------------------------------
# reverse: the L_op contract
def call_l_op(node: Any, output_grads: list) -> list:
    """The op's reverse rule (``pullback`` or ``L_op``/``grad``, see
    :func:`reverse_rule_name`) with the contract checked: one term per input,
    no ``None``; ``NotImplementedError`` becomes a ``NullType`` term per input."""
    op = node.op
    inputs = list(node.inputs)
    name = reverse_rule_name(op)
    try:
        raw = getattr(op, name)(inputs, list(node.outputs), output_grads)
    except NotImplementedError as exc:
        return [grad_not_implemented(op, i, x, str(exc)) for i, x in enumerate(inputs)]
    method = "pullback" if name == "pullback" else "grad/L_op"
    if raw is None:
        raise TypeError(f"the gradient method ({method}) of op {op} returned None; it must return a list with "
                        f"one gradient per input ({len(inputs)} here)")
    if not isinstance(raw, (list, tuple)):
        raise TypeError(f"the gradient method ({method}) of op {op} returned a {type(raw).__name__}; it must "
                        f"return a list with one gradient per input ({len(inputs)} here)")
    if len(raw) != len(inputs):
        raise ValueError(f"the gradient method ({method}) of op {op} returned the wrong number of gradient terms: "
                         f"{len(raw)} for {len(inputs)} input{'s' if len(inputs) != 1 else ''}; return one per input")
    return list(raw)


def check_term(node: Any, i: int, term: Any) -> Variable:
    """One gradient term returned by an op, checked and cast to its input's real dtype."""
    op, x = node.op, node.inputs[i]
    if term is None:
        raise TypeError(f"the gradient method (grad/L_op) of op {op} returned None for input {i} ({x}); "
                        "return zeros_like(x) for a zero gradient, gradlab.gradient.disconnected_type() when the "
                        "output does not depend on the input, or grad_undefined/grad_not_implemented")
    if not isinstance(term, Variable):
        raise TypeError(f"the gradient method (grad/L_op) of op {op} returned {type(term).__name__} {term!r} for "
                        f"input {i} ({x}); gradients must be symbolic variables (e.g. zeros_like(x))"[:400])
    if is_null(term) or is_disconnected(term):
        return term
    bad = ndim_mismatch(term, x)
    if bad:
        raise ValueError(f"the gradient method (grad/L_op) of op {op} returned a term with {bad[0]} dimensions "
                         f"for input {i} ({x}), which has {bad[1]}; the gradient must have the input's shape")
    return cast_to(term, grad_dtype(x))


def _cotangent(out: Variable, g: Optional[Variable]) -> Variable:
    """What ``L_op`` receives for ``out``: its adjoint in its real dtype, or
    zeros (disconnected for a non-tensor) when none flows or ``out`` is discrete."""
    dtype = grad_dtype(out)
    if g is not None and not is_discrete(out):
        return cast_to(g, dtype)
    return disconnected_type() if dtype is None else zeros_for(out)


def node_vjp(node: Any, output_grads: Sequence[Optional[Variable]]) -> list:
    """One term per input of ``node`` from the cotangents of its outputs
    (``None``: none), by the op's ``L_op`` under the adapter's policy: the
    cotangents cast or zero-filled, the rule skipped (zeros) when every output
    is discrete, each term checked and cast to its input's gradient dtype."""
    if all(is_discrete(out) for out in node.outputs):
        return [zeros_for(x) for x in node.inputs]
    raw = call_l_op(node, [_cotangent(out, g) for out, g in zip(node.outputs, output_grads)])
    return [check_term(node, i, term) for i, term in enumerate(raw)]


_ZERO_PRESERVING = {"add", "sub", "neg"}  # of zeros only, these give zeros
_ZERO_CHECK_BUDGET = 32  # variables looked at per adjoint: the check is O(1) per node, conservative beyond


def is_known_zero(g: Variable) -> bool:
    """Is ``g`` zeros by construction: a zero constant, ``fill(y, 0)`` /
    ``zeros_like(y)`` (what a fill's shape-only input receives), a cast of
    one, or a sum of them (the adjoint of a variable several fills read)?
    Looks at most ``_ZERO_CHECK_BUDGET`` variables (beyond: "not known")."""
    stack, seen = [g], set()
    while stack:
        v = stack.pop()
        if id(v) in seen:
            continue
        seen.add(id(v))
        if len(seen) > _ZERO_CHECK_BUDGET:
            return False
        if isinstance(v, TensorConstant):
            if v.data.size == 0 or np.any(v.data):
                return False
            continue
        if v.owner is None or not isinstance(v.owner.op, Elemwise):
            return False
        sop = v.owner.op.scalar_op
        if sop.name == "second":
            stack.append(v.owner.inputs[1])
        elif sop.name in _ZERO_PRESERVING or getattr(sop, "kind", "") == "cast":
            stack.extend(v.owner.inputs)
        else:
            return False
    return True


def _flow(out: Variable, g: Optional[Variable]) -> Flow:
    if g is None:
        return Flow.NONE
    if is_null(g):
        return Flow.NULL
    if is_discrete(out):
        return Flow.DISCRETE
    return Flow.ZERO if is_known_zero(g) else Flow.REAL


def node_pullback(node: Any, output_grads: Sequence[Optional[Variable]], pattern: list,
             wanted: Sequence[bool]) -> List[Optional[Variable]]:
    """The reverse sweep's step at ``node``: the term each ``wanted`` input
    receives from the adjoints ``output_grads`` of the outputs (``None``: no
    term).  An input connected (``pattern``) to an undefined adjoint gets it;
    else to a real adjoint, the op's rule; else to a discrete output or a
    known-zero adjoint, zeros: a vector-Jacobian product is linear in the
    cotangent, so a zero one gives zero terms without building ``0 * J``
    (which would be NaN where J is, e.g. a Hessian-vector product at x = NaN
    through the seed's fill)."""
    flows = [_flow(out, g) for out, g in zip(node.outputs, output_grads)]
    plan: List[Optional[Flow]] = []  # per input: what it receives (None: nothing)
    for row, want in zip(pattern, wanted):
        linked = [f for f, connected in zip(flows, row) if connected] if want else ()
        plan.append(next((f for f in (Flow.NULL, Flow.REAL, Flow.DISCRETE, Flow.ZERO) if f in linked), None))
    raw: list = []
    if Flow.REAL in plan:
        real = [g if f is Flow.REAL else None for f, g in zip(flows, output_grads)]
        raw = call_l_op(node, [_cotangent(out, g) for out, g in zip(node.outputs, real)])
    terms: List[Optional[Variable]] = []
    for i, (x, step, row) in enumerate(zip(node.inputs, plan, pattern)):
        if step is Flow.NULL:
            terms.append(next(g for f, g, c in zip(flows, output_grads, row) if c and f is Flow.NULL))
        elif step in (Flow.DISCRETE, Flow.ZERO):
            terms.append(zeros_for(x))
        elif step is Flow.REAL:
            term = check_term(node, i, raw[i])
            terms.append(None if is_disconnected(term) else term)
        else:
            terms.append(None)
    return terms


# ---------------------------------------------------------------------------
# forward: the R_op contract and the double-Lop fallback
def _dummy_cotangent(out: Variable) -> Variable:
    """A fresh variable shaped like ``out`` (real dtype) standing for its cotangent."""
    return TensorType(grad_dtype(out), out.type.shape).make_variable(f"u_{out.name}" if out.name else "u")


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


def add_seed(seeds: dict, var: Variable, g: Variable) -> None:
    """``seeds[var] += g`` (a fresh entry when ``var`` has none)."""
    seeds[var] = seeds[var] + g if var in seeds else g


def node_rop_by_double_lop(node: Any, tangents: Sequence[Optional[Variable]]) -> list:
    """Tangents of ``node``'s outputs from its ``L_op`` alone (pullback of a pullback).

    With a dummy cotangent ``u`` for the outputs, ``g = L_op(u)`` is linear in
    ``u`` (``g = J^T u``), so the pullback of ``g`` along the tangents, taken
    with respect to ``u``, is ``J v``; the dummy is then replaced by zeros (the
    answer does not depend on its value), so it never appears as a free input.
    """
    from gradlab.gradient.reverse import as_gradient, backpropagate
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
        add_seed(seeds, g, as_gradient("Rop", f"the tangent of input {i} of {node.op}", t, g))
    if not seeds:
        return [None for _ in outs]
    adjoints = backpropagate(seeds, dummies, accumulate=True)
    return _substitute_dummies([adjoints[u] for u in dummies], dummies, outs)


def rop_by_double_lop(fs: Sequence[Variable], tangents: Dict[Variable, Variable]) -> list:
    """``J v`` for the whole graph as the pullback (w.r.t. dummy ``u``) of ``J^T u``."""
    from gradlab.gradient.reverse import as_gradient, backpropagate
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
        add_seed(seeds, a, as_gradient("Rop", f"the eval point of {w}", tangents[w], a))
    if not seeds:
        return [None for _ in fs]
    second = backpropagate(seeds, dummies, accumulate=True)
    results = _substitute_dummies([second[u] for u in dummies], dummies, unique)
    by_id = {id(f): r for f, r in zip(unique, results)}
    return [by_id[id(f)] for f in fs]


def _check_tangent(node: Any, k: int, t: Any) -> Optional[Variable]:
    """One tangent returned by an op's ``R_op``, checked and cast to its output's real dtype."""
    op, out = node.op, node.outputs[k]
    if t is None or is_disconnected(t):
        return None
    if not isinstance(t, Variable):
        raise TypeError(f"R_op of op {op} returned {type(t).__name__} for output {k}; tangents must be "
                        "symbolic variables (or None for zero)")
    if is_null(t):
        return t
    bad = ndim_mismatch(t, out)
    if bad:
        raise ValueError(f"R_op of op {op} returned a tangent with {bad[0]} dimensions for output {k}, which has "
                         f"{bad[1]}; a tangent has its output's shape")
    return cast_to(t, grad_dtype(out))


def node_jvp(node: Any, tangents: Sequence[Optional[Variable]], use_op_rop_implementation: bool = True) -> list:
    """One tangent per output of ``node`` (``None``: zero) from its inputs'
    tangents (``None``: zero), by the op's ``R_op`` under the adapter's
    policy: zeros when every output is discrete, the double-Lop fallback for
    an op without ``R_op``, each tangent checked and cast to its output's
    gradient dtype."""
    op = node.op
    if all(is_discrete(out) for out in node.outputs):
        return [zeros_for(out) for out in node.outputs]
    result = None
    rule = forward_rule_name(op) if use_op_rop_implementation else None
    if rule is not None:
        try:
            result = _call_forward_rule(node, rule, tangents)
        except NotImplementedError:
            result = None
        else:
            if result is None:
                raise TypeError(f"{rule} of op {op} returned None; it must return a list with one tangent per "
                                f"output ({len(node.outputs)} here), None entries meaning a zero tangent")
    if result is None:
        result = node_rop_by_double_lop(node, tangents)
    if not isinstance(result, (list, tuple)):
        raise TypeError(f"{rule or 'R_op'} of op {op} returned a {type(result).__name__}; it must return a list "
                        f"with one tangent per output ({len(node.outputs)} here)")
    if len(result) != len(node.outputs):
        raise ValueError(f"{rule or 'R_op'} of op {op} returned {len(result)} tangents for {len(node.outputs)} "
                         f"output{'s' if len(node.outputs) != 1 else ''}; return one per output")
    return [_check_tangent(node, k, t) for k, t in enumerate(result)]


def node_pushforward(node: Any, tangents: Sequence[Optional[Variable]],
                use_op_rop_implementation: bool = True) -> List[Optional[Variable]]:
    """The forward sweep's step at ``node``: an undefined (``NullType``) input
    tangent is passed on to every output connected to it; otherwise
    :func:`node_jvp`."""
    if not any(t is not None and is_null(t) for t in tangents):
        return node_jvp(node, tangents, use_op_rop_implementation)
    pattern = node.op.connection_pattern(node)
    return [next((t for t, row in zip(tangents, pattern) if t is not None and is_null(t) and row[j]), None)
            for j in range(len(node.outputs))]
