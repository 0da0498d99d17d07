"""Sums and products in normal form, and the rules that collect their constants.

A chain of ``add``/``sub``/``neg`` nodes is a list of signed *terms*; a chain
of ``mul``/``true_div``/``neg`` nodes is a sign, a list of *numerator* and a
list of *denominator* factors.  Only inner nodes read by this chain alone
(and of the same dtype) are opened, so nothing is computed twice.  Known
values — constants and fills of constants — are combined into one constant
(``2 * x * 3 -> 6.0 * x``); ``x + 0``, ``x * 1``, ``x * 0`` (keeping the
shape), ``x - x`` and ``x * -1 -> -x`` fall out of the same rules.  Like terms
(``a*x + b*x``) are collected in :mod:`gradlab.rewrite.like_terms`.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from gradlab.graph.basic import Constant
from gradlab.rewrite.match import (constant_value, elemwise, fit_to, known_nonnegative, scalar_name,
                                   single_client, typed_constant)
from gradlab.rewrite.rule import node_rule, scalar

MAX_CONSTANT_SIZE = 10_000


def known_value(var: Any) -> tuple:
    """``(value, model)``: the known value of a constant or fill of a constant,
    and the variable that gave its shape (None for a plain constant)."""
    if isinstance(var, Constant):
        value = np.asarray(var.data)
        return (value, None) if value.size <= MAX_CONSTANT_SIZE else (None, None)
    if var.owner is not None and scalar_name(var.owner) == "second":
        value = constant_value(var.owner.inputs[1])
        if value is not None and value.size <= MAX_CONSTANT_SIZE:
            return value, var.owner.inputs[0]
    return None, None


# -- sums -------------------------------------------------------------------
def sum_terms(fgraph: Any, out: Any, limit: Optional[int] = None) -> Optional[list]:
    """``out`` as signed terms ``[(+1|-1, variable)]`` (an iterative walk).
    With a ``limit``: None as soon as the sum has more terms than that (the
    walk stops there, so asking costs at most ``limit`` steps)."""
    terms: list = []
    stack = [(1, out, True)]
    dtype = out.dtype
    clients = fgraph.clients
    while stack:
        if limit is not None and len(terms) + len(stack) > limit:
            return None
        sign, var, is_root = stack.pop()
        owner = var.owner
        name = scalar_name(owner) if owner is not None else None
        if name in SUM_OPS:
            if not is_root:        # an inner sum is opened when it is read by this sum alone
                readers = clients.get(var, ())
                if var.dtype != dtype or len(readers) != 1 or readers[0][0] == "output":
                    terms.append((sign, var))
                    continue
            if name == "add":
                a, b = owner.inputs
                stack += [(sign, b, False), (sign, a, False)]
            elif name == "sub":
                a, b = owner.inputs
                stack += [(-sign, b, False), (sign, a, False)]
            else:
                stack.append((-sign, owner.inputs[0], False))
            continue
        terms.append((sign, var))
    return terms


#: at most this many ``neg`` nodes between a sum (product) and the sum
#: (product) that opens it (``neg(neg(x))`` rules remove longer chains)
_MAX_NEG_LINKS = 8

SUM_OPS = ("add", "sub", "neg")
PRODUCT_OPS = ("mul", "true_div", "neg")


def _opened_by_parent(fgraph: Any, var: Any, ops: tuple) -> bool:
    """Does a sum (``ops=SUM_OPS``) or product (``PRODUCT_OPS``) above open
    ``var`` as part of its own terms (factors)?  (Its only reader is one of
    ``ops`` of the same dtype, perhaps through a few ``neg``.)  Then that
    node collects them and ``var`` need not."""
    for _ in range(_MAX_NEG_LINKS):
        if not single_client(fgraph, var):
            return False
        client = fgraph.clients[var][0][0]
        name = scalar_name(client)
        if name not in ops or client.outputs[0].dtype != var.dtype:
            return False
        if name == "true_div" and np.dtype(var.dtype).kind != "f":
            return False
        if name != "neg":
            return True
        var = client.outputs[0]
    return False


def _top_of(fgraph: Any, var: Any, ops: tuple) -> Any:
    """The output of the sum (product) whose terms (factors) include ``var``'s."""
    while _opened_by_parent(fgraph, var, ops):
        var = fgraph.clients[var][0][0].outputs[0]
    return var


#: an inner node with a known operand first collects its own part, at most this many terms
LOCAL_TERMS = 16


def _collect_at_top(fgraph: Any, node: Any, ops: tuple, collect: Callable[..., Optional[list]]) -> Any:
    """Run ``collect(fgraph, out, limit)`` where a chain of ``ops`` has its top.

    A chain of additions (products) is one sum (product), collected at its
    top node: an inner node leaves it to the top, so a sum of n terms is read
    once, not n times; unless one of the inner node's own operands is a known
    value (or, in a difference, the two are one variable): then it collects
    its own part (at most :data:`LOCAL_TERMS` terms: ``h * 0`` inside
    ``x / (h * 0)`` is zero even though the quotient keeps a zero divisor),
    and failing that the whole chain from the top (a term folded to a
    constant later is still combined)."""
    out = node.outputs[0]
    if np.dtype(out.dtype).kind not in "iuf":
        return None
    if not _opened_by_parent(fgraph, out, ops):
        return collect(fgraph, out, None)
    operands = node.inputs
    if not (any(known_value(v)[0] is not None for v in operands) or operands[0] is operands[-1]):
        return None
    local = collect(fgraph, out, LOCAL_TERMS)
    if local is not None:
        return local
    top = _top_of(fgraph, out, ops)
    new = collect(fgraph, top, None)
    return None if new is None else {top: new[0]}


def _collect_sum(fgraph: Any, node: Any) -> Any:
    """Constants in a sum are added up; ``x + 0 -> x``; ``x - x -> 0`` (at the sum's top)."""
    return _collect_at_top(fgraph, node, SUM_OPS, _collect_sum_at)


def _collect_sum_at(fgraph: Any, out: Any, limit: Optional[int]) -> Optional[list]:
    terms = sum_terms(fgraph, out, limit)
    if terms is None:
        return None
    total = None
    n_known = 0
    models: list = []
    others: list = []
    for sign, var in terms:
        value, model = known_value(var)
        if value is None:
            others.append((sign, var))
            continue
        n_known += 1
        if model is not None:
            models.append(model)
        with np.errstate(all="ignore"):
            # -value in the output's dtype (np.negative wraps for unsigned ints, as the graph does;
            # `* -1` would be a Python int that uint8 cannot hold)
            value = np.negative(value.astype(out.dtype)) if sign < 0 else value.astype(out.dtype)
            total = value if total is None else total + value
    cancelled = _cancel_terms(others)
    trigger = n_known >= 2 or (total is not None and not np.any(total)) or len(cancelled) < len(others)
    if not trigger:
        return None
    pos = [v for s, v in cancelled if s > 0]
    neg = [v for s, v in cancelled if s < 0]
    acc = None
    for v in pos:
        acc = v if acc is None else elemwise("add", acc, v)
    for v in neg:
        acc = elemwise("neg", v) if acc is None else elemwise("sub", acc, v)
    if total is not None and np.any(total):
        if acc is None:
            acc = _const(total, out.dtype)
        elif total.ndim == 0 and total < 0 and np.dtype(out.dtype).kind != "u":
            acc = elemwise("sub", acc, _const(-total, out.dtype))
        else:
            acc = elemwise("add", acc, _const(total, out.dtype))
    if acc is None:
        acc = _const(np.zeros(total.shape if total is not None else (), out.dtype), out.dtype)
    shape_models = models + [v for _, v in terms]
    return fitted_to(acc, out, shape_models)


def _cancel_terms(terms: list) -> list:
    """Drop pairs ``+v`` and ``-v`` of the same variable (each term pairs with
    the first unpaired opposite one before it; one pass)."""
    open_terms: dict = {}    # (variable, sign) -> indices of unpaired terms
    dropped: set = set()
    for j, (s, v) in enumerate(terms):
        earlier = open_terms.get((v, -s))
        if earlier:
            dropped.add(earlier.pop(0))
            dropped.add(j)
        else:
            open_terms.setdefault((v, s), []).append(j)
    if not dropped:
        return list(terms)
    return [t for k, t in enumerate(terms) if k not in dropped]


# -- products -----------------------------------------------------------------
#: at most this many factors: past it, inner products stay whole factors.  A
#: shared product (``y = y * y``, opened with ``deep``) would otherwise double
#: its factor list at every level, and a long chain of products would make each
#: rule firing cost the chain's length (quadratic over the graph).
MAX_FACTORS = 16


def product_factors(fgraph: Any, out: Any, deep: bool = False) -> tuple:
    """``out`` as ``(sign, numerator, denominator)`` factor lists (iterative).
    ``deep`` also opens inner products read elsewhere.  At most about
    :data:`MAX_FACTORS` factors: beyond that, inner products stay whole."""
    sign, num, den, _, _ = product_walk(fgraph, out, deep)
    return sign, num, den


def product_walk(fgraph: Any, out: Any, deep: bool = False, limit: Optional[int] = MAX_FACTORS) -> tuple:
    """:func:`product_factors` (at most about ``limit`` factors; None: no
    bound, for a walk that opens only factors read by the product alone), the
    number of ``neg`` nodes it opened, and whether it kept an inner product
    whole only because it is read elsewhere (so that ``deep`` would open more)."""
    sign = 1
    n_neg = 0
    held = False
    num: list = []
    den: list = []
    stack = [(False, out, True)]     # (in denominator?, variable, is_root)
    dtype = out.dtype
    divides = np.dtype(dtype).kind == "f"
    clients = fgraph.clients
    while stack:
        in_den, var, is_root = stack.pop()
        owner = var.owner
        name = scalar_name(owner) if owner is not None else None
        if name in PRODUCT_OPS and (is_root or (var.dtype == dtype and (
                limit is None or len(num) + len(den) + len(stack) < limit))):
            if not (is_root or deep):   # an inner product read elsewhere stays whole
                readers = clients.get(var, ())
                if len(readers) != 1 or readers[0][0] == "output":
                    held = True
                    (den if in_den else num).append(var)
                    continue
            if name == "mul":
                a, b = owner.inputs
                stack += [(in_den, b, False), (in_den, a, False)]
                continue
            if name == "true_div" and divides:
                a, b = owner.inputs
                stack += [(not in_den, b, False), (in_den, a, False)]
                continue
            if name == "neg":
                sign = -sign
                n_neg += 1
                stack.append((in_den, owner.inputs[0], False))
                continue
        (den if in_den else num).append(var)
    return sign, num, den, n_neg, held


def known_nonzero(var: Any) -> bool:
    """Is ``var`` nonzero everywhere, whatever the inputs?  (exp, cosh, nonzero
    constants, and ``c + t`` with ``c > 0`` and ``t >= 0``, e.g. ``1 + exp(x)``.)"""
    value, _ = known_value(var)
    if value is not None:
        return bool(np.all(value != 0))
    name = scalar_name(var.owner) if var.owner is not None else None
    if name in ("exp", "cosh", "exp2", "sigmoid"):
        return True
    if name == "sqr":
        return known_nonzero(var.owner.inputs[0])
    if name == "add":
        a, b = var.owner.inputs
        for c, t in ((a, b), (b, a)):
            value, _ = known_value(c)
            if value is not None and np.all(value > 0) and known_nonnegative(t):
                return True
    return False


def build_product(sign: int, coef: Optional[np.ndarray], num: list, den: list, dtype: str) -> Any:
    """``sign * coef * n1 * n2 ... / (d1 * d2 ...)`` with as few nodes as possible."""
    if coef is not None and sign < 0:
        coef = -coef
        sign = 1
    acc = None
    if coef is not None and not (coef.ndim == 0 and coef == 1 and (num or den)):
        if coef.ndim == 0 and coef == -1 and num:
            sign = -sign
        else:
            acc = _const(coef, dtype)
    for v in num:
        acc = v if acc is None else elemwise("mul", acc, v)
    if den:
        d = den[0]
        for v in den[1:]:
            d = elemwise("mul", d, v)
        acc = elemwise("true_div", _const(np.ones((), dtype), dtype) if acc is None else acc, d)
    if acc is None:
        acc = _const(np.ones((), dtype), dtype)
    return elemwise("neg", acc) if sign < 0 else acc


def _collect_product(fgraph: Any, node: Any) -> Any:
    """Constants in a product are multiplied; ``x * 1 -> x``, ``x * 0 -> 0``, ``x * -1 -> -x`` (at its top)."""
    return _collect_at_top(fgraph, node, PRODUCT_OPS, _collect_product_at)


def _collect_product_at(fgraph: Any, out: Any, limit: Optional[int]) -> Optional[list]:
    # the whole product: only factors read by it alone are opened, so the walk is its size
    sign, num, den, n_neg, _ = product_walk(fgraph, out, limit=limit)
    coef = None
    n_known = 0
    models: list = []
    num_left: list = []
    den_left: list = []
    for var in num:
        value, model = known_value(var)
        if value is None:
            num_left.append(var)
            continue
        n_known += 1
        models.append(model)
        with np.errstate(all="ignore"):
            coef = value.astype(out.dtype) if coef is None else coef * value.astype(out.dtype)
    for var in den:
        value, model = known_value(var)
        if value is None or not np.all(value != 0):
            den_left.append(var)
            continue
        n_known += 1
        models.append(model)
        with np.errstate(all="ignore"):
            inv = (1 / value.astype(out.dtype)).astype(out.dtype)
            coef = inv if coef is None else coef * inv
    num_left, den_left, n_cancel = cancel_factors(num_left, den_left)
    shape_models = [m for m in models if m is not None] + num + den
    if coef is not None and coef.ndim == 0 and coef == 0 and (not den_left or np.dtype(out.dtype).kind == "f"):
        # a known zero times (or over) anything is zero, as PyTensor's local_mul_zero / local_zero_div:
        # a term a gradient multiplies by a zero fill drops out even where its other factors are nan
        zero = _const(np.zeros((), out.dtype), out.dtype)
        return fitted_to(zero, out, shape_models)
    if not _simpler(n_known, n_cancel, n_neg, coef, num_left, den_left):
        return None
    new = build_product(sign, coef, num_left, den_left, out.dtype)
    return fitted_to(new, out, shape_models)


def _simpler(n_known: int, n_cancel: int, n_neg: int, coef: Optional[np.ndarray], num_left: list,
             den_left: list) -> bool:
    """Does rebuilding the product make it simpler?  (Otherwise the rule would
    fire again on its own result.)"""
    if n_known >= 2 or n_cancel or n_neg >= 2 or (n_neg and n_known):
        return True          # constants multiplied, factors cancelled, signs combined
    if not n_known:
        return False         # no constant: nothing to do
    one_value = coef.ndim == 0
    drops_one = one_value and coef == 1 and bool(num_left or not den_left)     # x * 1 -> x
    becomes_neg = one_value and coef == -1 and bool(num_left) and not n_neg     # x * -1 -> -x
    return bool(drops_one or becomes_neg)


def cancel_factors(num: list, den: list, where_zero_too: bool = False) -> tuple:
    """``(a * b) / a -> b`` and ``a / sqr(a) -> 1 / a``: the one home of these
    identities.  By default a factor cancels only where it cannot be 0
    (``exp(y) / exp(y) -> 1``: the value is unchanged everywhere);
    ``where_zero_too`` also cancels a factor that may be 0 when another
    factor is left over (``(a * b) / a -> b``, not ``a / a -> 1``), so the
    product that was 0/0 where ``a`` vanishes gets ``b`` there (stabilize's
    ``cancel_factor``).  Returns ``(numerator, denominator, number cancelled)``."""
    den = list(den)
    where: dict = {}            # variable -> its indices in num not yet cancelled, first first
    for i, u in enumerate(num):
        where.setdefault(u, []).append(i)
    gone: set = set()
    n = 0

    def first(var: Any) -> Optional[int]:
        left = where.get(var)
        return left[0] if left else None

    def cancel(i: int) -> None:
        where[num[i]].pop(0)
        gone.add(i)

    for k, d in enumerate(list(den)):
        hit = first(d)
        if hit is not None and (known_nonzero(d) or (where_zero_too and len(num) - len(gone) > 1)):
            cancel(hit)
            den[k] = None
            n += 1
            continue
        if d.owner is not None and scalar_name(d.owner) == "sqr":
            base = d.owner.inputs[0]
            hit = first(base)
            if hit is not None and known_nonzero(base):
                cancel(hit)
                den[k] = base
                n += 1
    return [u for i, u in enumerate(num) if i not in gone], [d for d in den if d is not None], n


def _const(value: Any, dtype: str) -> Any:
    value = np.asarray(value, dtype=dtype)
    if value.ndim == 0:
        return typed_constant(value, dtype)
    from gradlab.tensor.variable import constant
    return constant(value)


def fitted_to(new: Any, out: Any, models: list) -> Optional[list]:
    """``[new]`` broadcast to ``out``'s shape (from the ``models``), for a rule
    to return; None when ``new`` is ``out`` or cannot be fitted."""
    if new is out:
        return None
    fitted = fit_to(new, out, [m for m in models if m is not None])
    return None if fitted is None else [fitted]


collect_sum = node_rule("a + c1 + c2 -> a + (c1+c2);  x + 0 -> x;  x - x -> 0",
                        tracks=(scalar("add"), scalar("sub")),
                        name="collect_sum")(_collect_sum)
collect_product = node_rule("c1 * a * c2 -> (c1*c2) * a;  x * 1 -> x;  x * 0 -> zeros_like(x);  0 / x -> zeros_like(x);  "
                            "x * -1 -> -x",
                            tracks=(scalar("mul"), scalar("true_div")), name="collect_product")(_collect_product)


def rewrite_product(fgraph: Any, node: Any, transform: Callable[[int, list, list], Optional[tuple]]) -> Optional[list]:
    """Apply ``transform(sign, num, den) -> (sign, num, den) | None`` to ``node``'s product."""
    out = node.outputs[0]
    sign, num, den = product_factors(fgraph, out)
    changed = transform(sign, num, den)
    if changed is None:
        return None
    new_sign, new_num, new_den = changed
    new = build_product(new_sign, None, new_num, new_den, out.dtype)
    return fitted_to(new, out, num + den)
