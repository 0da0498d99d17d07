"""Reverse mode: ``grad``, ``Lop`` (vector times Jacobian) and ``subgraph_grad``.

For a scalar cost ``C`` and every variable ``v`` on a path from ``wrt`` to
``C``, reverse mode builds the symbolic *adjoint* ``dC/dv``: the seed
``dC/dC = fill(C, 1.0)``, then, visiting nodes consumers-first, each node's
``L_op`` maps the adjoints of its outputs to terms for its inputs, and a
variable's adjoint is the sum of the terms from all its consumers::

    dC/dx = sum over nodes n reading x of  L_op_n(..., dC/d outputs(n))[x]

Only nodes between ``wrt`` and the seeds are visited, following each op's
``connection_pattern``; ``consider_constant`` variables stop the walk.  The
walk is iterative, so a 100,000-node chain differentiates at Python's default
recursion limit.  The sweep (:func:`backpropagate`) only walks and sums; what
an op's ``L_op`` receives and returns (dtypes, integer outputs, undefined and
disconnected terms, the Op contract) is :mod:`gradlab.gradient.adapter`'s.
"""
from __future__ import annotations

import warnings
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np

import gradlab.tensor as gt
from gradlab.graph.basic import Variable
from gradlab.graph.collector import collector_paused
from gradlab.graph.origin import Origin, mark, stamp
from gradlab.graph.traversal import toposort
from gradlab.gradient.adapter import cast_to, connection_pattern, grad_dtype, ndim_mismatch, node_pullback, zeros_for
from gradlab.graph.gradient_types import (DisconnectedInputError, DisconnectedType, NullType, NullTypeGradError,
                                          disconnected_type, is_disconnected, is_null)

__all__ = ["grad", "Lop", "subgraph_grad", "backpropagate", "DISCONNECTED_POLICIES", "RETURN_DISCONNECTED",
           "NULL_POLICIES"]

DISCONNECTED_POLICIES = ("raise", "warn", "ignore")
RETURN_DISCONNECTED = ("zero", "none", "disconnected")
NULL_POLICIES = ("raise", "return")

Variables = Union[Variable, Sequence[Variable]]


# ---------------------------------------------------------------------------
# small shared helpers
def check_choice(fn: str, name: str, value: Any, allowed: Sequence[str]) -> None:
    """``ValueError`` unless ``value`` is one of ``allowed``."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"{fn}: {name} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}")


def as_variable_list(fn: str, what: str, value: Any) -> tuple:
    """``(form, [variables])`` where form is ``"single"``, ``"list"`` or ``"tuple"``."""
    if isinstance(value, list):
        form, items = "list", list(value)
    elif isinstance(value, tuple):
        form, items = "tuple", list(value)
    else:
        form, items = "single", [value]
    for i, item in enumerate(items):
        if not isinstance(item, Variable):
            where = what if form == "single" else f"{what}[{i}]"
            raise TypeError(f"{fn}: {where} must be a symbolic variable (e.g. gt.dvector('x')), "
                            f"got {type(item).__name__} {item!r}"[:300])
    return form, items


def in_form(form: str, items: list) -> Any:
    """``items`` shaped like the argument they answer (one, a list, a tuple)."""
    if form == "single":
        return items[0]
    return tuple(items) if form == "tuple" else list(items)


def as_gradient(fn: str, what: str, value: Any, like: Variable) -> Variable:
    """``value`` (a variable, array or number) as a gradient for ``like``:
    checked for dimensions and cast to ``like``'s real dtype."""
    if not isinstance(value, Variable):
        from gradlab.tensor.variable import as_tensor_variable
        try:
            value = as_tensor_variable(value)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{fn}: {what} must be a symbolic variable or an array, got "
                            f"{type(value).__name__}: {exc}") from None
    if isinstance(value.type, (NullType, DisconnectedType)):
        return value
    bad = ndim_mismatch(value, like)
    if bad:
        raise ValueError(f"{fn}: {what} has {bad[0]} dimension{'s' if bad[0] != 1 else ''} "
                         f"({value.type}) but {like} has {bad[1]} ({like.type}); give it the shape of {like}")
    shp_value, shp_like = getattr(value.type, "shape", None), getattr(like.type, "shape", None)
    if shp_value is not None and shp_like is not None:
        for axis, (a, b) in enumerate(zip(shp_value, shp_like)):
            if a is not None and b is not None and a != b and a != 1:
                raise ValueError(f"{fn}: {what} has static shape {shp_value} but {like} has {shp_like} "
                                 f"(axis {axis}); give it the shape of {like}")
    return cast_to(value, grad_dtype(like))


def broadcast_scalar_seed(value: Any, like: Variable) -> Any:
    """A 0-d gradient seed for an n-d ``like`` (``known_grads={v: 1.0}``),
    broadcast to ``like``'s shape as PyTensor does; anything else unchanged."""
    nd_like = getattr(like.type, "ndim", 0)
    if not nd_like or isinstance(getattr(value, "type", None), (NullType, DisconnectedType)):
        return value
    if not isinstance(value, Variable):
        if np.ndim(value) != 0:
            return value
        from gradlab.tensor.variable import as_tensor_variable
        value = as_tensor_variable(value)
    return gt.second(like, value) if getattr(value.type, "ndim", None) == 0 else value


class _Adjoints:
    """The adjoint of each variable as the sweep builds it: a seed that is
    the total (``fixed``), or the terms its consumers send, summed once asked."""

    def __init__(self, seeds: Mapping[Variable, Variable], accumulate: bool):
        self.fixed: dict = {}
        self.terms: dict = {}
        self.totals: dict = {}
        self.readers: dict = {}   # id(var) -> the nodes whose terms reached it (for origins)
        for v, g in seeds.items():
            if not accumulate:
                self.fixed[id(v)] = g
            elif not is_disconnected(g):
                self.terms.setdefault(id(v), []).append(g)

    def add(self, var: Variable, term: Variable, reader: Any = None) -> None:
        self.terms.setdefault(id(var), []).append(term)
        self.readers.setdefault(id(var), []).append(reader)

    def total(self, var: Variable) -> Optional[Variable]:
        """The sum of the terms (the first undefined one if any), None if none came."""
        key = id(var)
        if key in self.fixed:
            g = self.fixed[key]
            return None if is_disconnected(g) else g
        if key not in self.totals:
            found = self.terms.get(key)
            nulls = [t for t in found or () if is_null(t)]
            since = mark()
            total = self.totals[key] = None if not found else nulls[0] if nulls else _sum_terms(found)
            if found and len(found) > 1:
                readers = tuple(r for r in self.readers.get(key, ()) if r is not None)
                stamp([total], since, Origin("reverse", "sum", var.owner or (readers[0] if readers else None),
                                             variable=var, readers=readers))
        return self.totals[key]


#: up to this many contributions are added left to right (``a + b + c``, as
#: a person writes it); more are added as a balanced tree
BALANCED_FROM = 8


def _sum_terms(terms: list) -> Variable:
    """The sum of a variable's contributions.  Many contributions (a variable
    read ``n`` times) are added pairwise, a tree of depth ``log2 n``: every
    walk over the sum (rewriting, printing) stays shallow, and no chain of
    ``n`` additions reaches the rules."""
    if len(terms) < BALANCED_FROM:
        total = terms[0]
        for t in terms[1:]:
            total = total + t
        return total
    level = list(terms)
    while len(level) > 1:
        paired = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def _reachable(order: list, wrt: Sequence[Variable], blockers: list) -> tuple:
    """The ids of the variables that depend on ``wrt`` (following connection
    patterns, stopping at ``blockers``), and the pattern of each node reached."""
    block_ids = {id(v) for v in blockers}
    wrt_ids = {id(v) for v in wrt}
    reach = set(wrt_ids)
    patterns: dict = {}
    for node in order:
        hits = [id(inp) in reach for inp in node.inputs]
        if not any(hits):
            continue
        pattern = patterns[id(node)] = connection_pattern(node)
        for j, out in enumerate(node.outputs):
            if id(out) in block_ids and id(out) not in wrt_ids:
                continue
            if any(hit and row[j] for hit, row in zip(hits, pattern)):
                reach.add(id(out))
    return reach, patterns


def backpropagate(seeds: Mapping[Variable, Variable], wrt: Sequence[Variable],
                  consider_constant: Iterable[Variable] = (), accumulate: bool = False
                  ) -> Dict[Variable, Optional[Variable]]:
    """The adjoint of each ``wrt`` variable given the adjoints ``seeds``.

    By default ``seeds`` maps variables to their *total* adjoints: a seeded
    variable ignores what its consumers would add (``grad``'s
    ``known_grads``).  With ``accumulate=True`` the seeds are contributions,
    added to whatever flows into the variable from downstream (``Lop``: the
    adjoint of ``sum_i <f_i, v_i>``).  The answer maps each ``wrt`` variable
    to a tensor, a ``NullType`` variable, or ``None`` when no path joins it
    to a seed.  What an op's rule receives and returns (dtypes, integer
    outputs, undefined terms, the contract) is :func:`gradient.adapter.node_pullback`'s.
    """
    with collector_paused():     # the sweep allocates a graph and frees little: see graph/collector.py
        return _backpropagate(seeds, wrt, list(consider_constant), accumulate)


def _backpropagate(seeds: Mapping[Variable, Variable], wrt: Sequence[Variable], blockers: list,
                   accumulate: bool) -> Dict[Variable, Optional[Variable]]:
    order = toposort(list(seeds), blockers)
    reach, patterns = _reachable(order, wrt, blockers)
    adjoints = _Adjoints(seeds, accumulate)
    for number in range(len(order) - 1, -1, -1):  # consumers first
        node = order[number]
        pattern = patterns.get(id(node))
        if pattern is None:
            continue
        wanted = [id(x) in reach and id(x) not in adjoints.fixed for x in node.inputs]
        if not any(wanted):
            continue
        out_grads = [adjoints.total(out) for out in node.outputs]
        since = mark()
        for i, (x, term) in enumerate(zip(node.inputs, node_pullback(node, out_grads, pattern, wanted))):
            if term is not None:
                stamp([term], since, Origin("reverse", "rule", node, input=i, number=number))
                adjoints.add(x, term, node)
    return {w: adjoints.total(w) for w in wrt}


# ---------------------------------------------------------------------------
# public functions
def _cost_seed(cost: Variable) -> Variable:
    """``dC/dC``: ``fill(cost, 1.0)`` (ones in the cost's shape, in the cost's real dtype:
    a float32 cost seeds a float32 gradient)."""
    return gt.second(cost, gt.constant(1.0, dtype=grad_dtype(cost)))


def _check_consider_constant(fn: str, consider_constant: Any) -> list:
    if consider_constant is None:
        return []
    if isinstance(consider_constant, Variable) or not isinstance(consider_constant, (list, tuple, set)):
        raise TypeError(f"{fn}: consider_constant must be a list of variables, got {type(consider_constant).__name__}")
    items = list(consider_constant)
    for i, v in enumerate(items):
        if not isinstance(v, Variable):
            raise TypeError(f"{fn}: consider_constant[{i}] must be a symbolic variable, got {type(v).__name__}")
    return items


def _new_variable_marker() -> int:
    return Variable(DisconnectedType()).auto_id


def grad(cost: Optional[Variable], wrt: Variables, consider_constant: Optional[Sequence[Variable]] = None,
         disconnected_inputs: str = "raise", add_names: bool = True,
         known_grads: Optional[Mapping[Variable, Any]] = None, return_disconnected: str = "zero",
         null_gradients: str = "raise") -> Any:
    """Symbolic gradient ``d cost / d wrt`` of a scalar (0-d) cost.

    ``wrt`` is one variable, a list or a tuple; the answer has the same form
    and each gradient has the shape (and real dtype) of its variable.

    - ``consider_constant``: variables not to differentiate through.
    - ``disconnected_inputs``: when ``cost`` does not depend on some ``wrt``:
      ``"raise"`` (:class:`DisconnectedInputError`), ``"warn"`` or ``"ignore"``.
    - ``add_names``: name gradients ``(dcost/dx)`` when both are named.
    - ``known_grads``: ``{variable: its gradient}`` seeds at intermediate
      variables (the seed replaces what would flow into that variable); with
      it, ``cost`` may be ``None``.
    - ``return_disconnected``: a disconnected gradient is returned as zeros
      (``"zero"``), ``None`` (``"none"``) or a ``DisconnectedType`` variable
      (``"disconnected"``).
    - ``null_gradients``: an undefined gradient raises
      :class:`NullTypeGradError` (``"raise"``) or comes back as a ``NullType``
      variable (``"return"``).
    """
    fn = "grad"
    check_choice(fn, "disconnected_inputs", disconnected_inputs, DISCONNECTED_POLICIES)
    check_choice(fn, "return_disconnected", return_disconnected, RETURN_DISCONNECTED)
    check_choice(fn, "null_gradients", null_gradients, NULL_POLICIES)
    form, wrts = as_variable_list(fn, "wrt", wrt)
    blockers = _check_consider_constant(fn, consider_constant)
    if known_grads is not None and not isinstance(known_grads, Mapping):
        raise TypeError(f"{fn}: known_grads must be a dict {{variable: gradient}}, got {type(known_grads).__name__}")
    if cost is None and not known_grads:
        raise ValueError(f"{fn}: cost is None and there are no known_grads; pass a scalar cost, or seed "
                         "gradients with known_grads={variable: gradient}")
    marker = _new_variable_marker()

    seeds: dict = {}
    since = mark()
    if cost is not None:
        if not isinstance(cost, Variable):
            raise TypeError(f"{fn}: cost must be a symbolic scalar variable, got {type(cost).__name__} {cost!r}"[:300])
        ndim = getattr(cost.type, "ndim", None)
        if ndim is None:
            raise TypeError(f"{fn}: cost {cost} has type {cost.type}; it must be a tensor")
        if ndim != 0:
            raise TypeError(f"{fn}: cost must be a scalar (0-d), but {cost} has {ndim} dimension"
                            f"{'s' if ndim != 1 else ''} ({cost.type}); sum it to a scalar (cost.sum()), or use "
                            "gradlab.gradient.jacobian / Lop for a non-scalar expression")
        if not known_grads or cost not in known_grads:
            seeds[cost] = _cost_seed(cost)
    for var, g in (known_grads or {}).items():
        if not isinstance(var, Variable):
            raise TypeError(f"{fn}: the keys of known_grads must be symbolic variables, got {type(var).__name__}")
        seeds[var] = as_gradient(fn, f"known_grads[{var}]", broadcast_scalar_seed(g, var), var)
    stamp_seeds(seeds, since)

    adjoints = backpropagate(seeds, wrts, blockers)
    cost_name = getattr(cost, "name", None) if cost is not None and add_names else None
    since = mark()
    result = _finish(fn, adjoints, form, wrts, disconnected_inputs, return_disconnected, null_gradients,
                     cost_name, marker)
    stamp_helpers(fn, result, since, cost if cost is not None else next(iter(seeds), None))
    return result


def stamp_seeds(seeds: Mapping[Variable, Variable], since: int, mode: str = "reverse") -> None:
    """Origins for the nodes made to seed a sweep (``fill(cost, 1.0)``, cast known gradients)."""
    for var, g in seeds.items():
        stamp([g], since, Origin(mode, "seed", var.owner, variable=var))


def stamp_helpers(helper: str, result: Any, since: int, about: Optional[Variable], mode: str = "reverse") -> None:
    """Origins (kind ``helper``) for the nodes ``helper`` made after ``since``
    around the sweep (zeros for a disconnected input, jacobian's reshapes)."""
    items = result if isinstance(result, (list, tuple)) else [result]
    node = about.owner if isinstance(about, Variable) else None
    stamp([v for v in items if isinstance(v, Variable)], since,
          Origin(mode, "helper", node, variable=about, helper=helper), through=True)


def _finish(fn: str, adjoints: dict, form: str, wrts: list, disconnected_inputs: str, return_disconnected: str,
            null_gradients: str, cost_name: Optional[str] = None, marker: int = -1) -> Any:
    """Turn adjoints into what the caller asked for: disconnected and
    undefined gradients handled by policy, names added, the form of ``wrt``."""
    results = []
    for i, w in enumerate(wrts):
        g = adjoints[w]
        where = "wrt" if form == "single" else f"wrt[{i}]"
        if g is None or is_disconnected(g):
            if disconnected_inputs != "ignore":
                subject = "the cost" if fn == "grad" else "f"
                msg = (f"{fn}: {subject} does not depend on {where} ({w}, {w.type}): there is no differentiable "
                       f"path from it to {subject}. Check that this variable is used to compute {subject}, or pass "
                       "disconnected_inputs='ignore' (a zero gradient) or 'warn'")
                if disconnected_inputs == "raise":
                    raise DisconnectedInputError(msg)
                warnings.warn(msg, stacklevel=3)
            if return_disconnected == "zero":
                results.append(zeros_for(w))
            elif return_disconnected == "none":
                results.append(None)
            else:
                results.append(disconnected_type())
            continue
        if is_null(g):
            if null_gradients == "raise":
                raise NullTypeGradError(f"{fn}: the gradient with respect to {where} ({w}) is undefined: "
                                        f"{g.type.why_null} Pass null_gradients='return' to get a NullType "
                                        "variable instead")
            results.append(g)
            continue
        if cost_name is not None and w.name is not None and g.name is None and g.auto_id > marker:
            g.name = f"(d{cost_name}/d{w.name})"
        results.append(g)
    return in_form(form, results)


def Lop(f: Variables, wrt: Variables, eval_points: Variables, consider_constant: Optional[Sequence[Variable]] = None,
        disconnected_inputs: str = "raise", return_disconnected: str = "zero") -> Any:
    """L-operator: ``sum_i eval_points[i] . (d f[i] / d wrt[j])`` for each ``wrt[j]``
    — a (row) vector times the Jacobian, without building the Jacobian.

    ``eval_points[i]`` has the shape of ``f[i]``; each answer has the shape
    of its ``wrt``, in the form (one, list, tuple) of ``wrt``.
    ``consider_constant``, ``disconnected_inputs`` and ``return_disconnected``
    are as in :func:`grad`.
    """
    fn = "Lop"
    _, fs = as_variable_list(fn, "f", f)
    if isinstance(eval_points, (list, tuple)):
        points = list(eval_points)
    else:
        points = [eval_points]
    if len(fs) != len(points):
        raise ValueError(f"{fn}: got {len(fs)} output{'s' if len(fs) != 1 else ''} in f but {len(points)} "
                         "eval_points; give one eval point (cotangent) per output, shaped like it")
    check_choice(fn, "disconnected_inputs", disconnected_inputs, DISCONNECTED_POLICIES)
    check_choice(fn, "return_disconnected", return_disconnected, RETURN_DISCONNECTED)
    form, wrts = as_variable_list(fn, "wrt", wrt)
    blockers = _check_consider_constant(fn, consider_constant)
    seeds: dict = {}
    since = mark()
    for i, (out, point) in enumerate(zip(fs, points)):
        if point is None:
            raise TypeError(f"{fn}: eval_points[{i}] is None; give a cotangent shaped like f[{i}] ({out})")
        g = as_gradient(fn, f"eval_points[{i}]", point, out)
        seeds[out] = seeds[out] + g if out in seeds else g
    stamp_seeds(seeds, since)
    adjoints = backpropagate(seeds, wrts, blockers, accumulate=True)
    since = mark()
    result = _finish(fn, adjoints, form, wrts, disconnected_inputs, return_disconnected, "raise")
    stamp_helpers(fn, result, since, fs[0])
    return result


def subgraph_grad(wrt: List[Variable], end: List[Variable], start: Optional[Mapping[Variable, Variable]] = None,
                  cost: Optional[Variable] = None, details: bool = False) -> tuple:
    """Gradients of ``cost`` and/or the seeds ``start`` back to (and stopping
    at) the ``end`` variables, for ``wrt`` and ``end``.

    Returns ``(wrt_grads, end_grads)``; with ``details=True`` also
    ``(start_grads, cost_grads)``, the two contributions to both lists.
    Disconnected inputs get zero gradients.
    """
    fn = "subgraph_grad"
    if cost is None and start is None:
        raise ValueError(f"{fn}: give a cost, or start={{variable: gradient}}, or both")
    if not isinstance(wrt, list) or not isinstance(end, list):
        raise TypeError(f"{fn}: wrt and end must be lists of variables")
    if start is not None and not isinstance(start, Mapping):
        raise TypeError(f"{fn}: start must be a dict {{variable: gradient}}, got {type(start).__name__}")
    params: list = []
    for v in wrt + end:
        if not any(v is p for p in params):
            params.append(v)
    start_grads = cost_grads = None
    if start is not None:
        start_grads = list(grad(None, params, consider_constant=end, disconnected_inputs="ignore",
                                known_grads=start))
    if cost is not None:
        cost_grads = list(grad(cost, params, consider_constant=end, disconnected_inputs="ignore"))
    if start_grads is None:
        grads = cost_grads
    elif cost_grads is None:
        grads = start_grads
    else:
        grads = [a + b for a, b in zip(start_grads, cost_grads)]
    by_var = {id(p): g for p, g in zip(params, grads)}
    wrt_grads = [by_var[id(v)] for v in wrt]
    end_grads = [by_var[id(v)] for v in end]
    if details:
        return wrt_grads, end_grads, start_grads, cost_grads
    return wrt_grads, end_grads
