"""Checkers for notebook 2b (build it yourself): a reverse-mode ``Value``, forward
mode with dual numbers, the vector-Jacobian products of a matrix product and of
broadcasting, an MLP's backward pass by hand.

The student's classes are tried on small probe graphs, each chosen so that one
classic bug shows and the others cannot (a product alone, a variable read
twice, a diamond whose order matters, two backward passes in a row), and then
on notebook 2's three graphs, against ``gt.grad``:

- :func:`check_backward` — ``Value(data)`` with ``+``, ``*``, ``exp``, ``**``
  (and what the scaffold builds from them: ``-``, ``/``), ``.grad`` and
  ``.backward()``.  Each bug has its own hint: no accumulation when a value is
  reused (``=`` where ``+=`` belongs), a wrong order of
  the backward pass (inputs first, or a node passing its adjoint on before
  every consumer has added its term, or once per path: micrograd's issue 2),
  a second backward pass that adds onto
  the first (no reset);
- :func:`check_dual` — ``Dual(value, tangent)`` with the same operations;
- :func:`check_matmul_vjp` — ``(A, B, g) -> (dA, dB)`` for ``Y = A @ B``:
  ``g @ B.T`` and ``A.T @ g``;
- :func:`check_broadcast_vjp` — ``(X, b, g) -> (dX, db)`` for ``Y = X + b``
  (``b`` broadcast over the rows): ``g`` and ``g.sum(axis=0)``;
- :func:`check_mlp_backward` — the gradients of a one-hidden-layer network's
  mean squared error, by hand, against ``gt.grad``.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from gradlab.exercises.core import Feedback, Mistake, check_value, describe_array

__all__ = ["check_backward", "check_dual", "check_matmul_vjp", "check_broadcast_vjp", "check_mlp_backward",
           "notebook2_graphs"]


# -- notebook 2's graphs, as functions of any number type ------------------------

def _logistic(x: Any) -> Any:
    return 1 / (1 + (-x).exp())


#: (name, the inputs' values, the cost as a function of the inputs)
NOTEBOOK2 = [
    ("L = (a·b + c)·f", {"a": 2.0, "b": -3.0, "c": 10.0, "f": -2.0},
     lambda a, b, c, f: (a * b + c) * f),
    ("s = 1 / (1 + exp(-x))", {"x": 1.0}, _logistic),
    ("L2 = x·y + x", {"x": 3.0, "y": 4.0}, lambda x, y: x * y + x),
]


def notebook2_graphs() -> List[Tuple[str, Dict[str, float], Callable[..., Any]]]:
    """Notebook 2's three costs: ``(name, values, cost(*inputs))``, where ``cost``
    works on gradlab variables, ``Value``s or ``Dual``s alike (``+``, ``*``, ``-``,
    ``/``, ``.exp()``)."""
    return list(NOTEBOOK2)


class _Symbolic:
    """Wraps a gradlab variable so that ``.exp()`` works as on a Value."""

    def __init__(self, v: Any) -> None:
        self.v = v

    def _wrap(self, other: Any) -> Any:
        return other.v if isinstance(other, _Symbolic) else other

    def __add__(self, o: Any) -> "_Symbolic":
        return _Symbolic(self.v + self._wrap(o))

    __radd__ = __add__

    def __mul__(self, o: Any) -> "_Symbolic":
        return _Symbolic(self.v * self._wrap(o))

    __rmul__ = __mul__

    def __neg__(self) -> "_Symbolic":
        return _Symbolic(-self.v)

    def __rtruediv__(self, o: Any) -> "_Symbolic":
        return _Symbolic(self._wrap(o) / self.v)

    def exp(self) -> "_Symbolic":
        import gradlab.tensor as gt
        return _Symbolic(gt.exp(self.v))


def _reference_gradient(cost: Callable[..., Any], values: Dict[str, float]) -> Dict[str, float]:
    """``gt.grad`` of ``cost`` at ``values``, one float per input."""
    import gradlab.tensor as gt
    from gradlab.compile import function
    inputs = [gt.dscalar(name) for name in values]
    out = cost(*[_Symbolic(v) for v in inputs]).v
    grads = function(inputs, gt.grad(out, inputs))(*values.values())
    return {name: float(g) for name, g in zip(values, grads)}


# -- the reverse-mode Value ----------------------------------------------------

class _Unfinished(Exception):
    """A method of the student's class still returns ``...``."""


def _attempt(what: str, build: Callable[[], Any]) -> Any:
    """``build()``, or the Feedback saying what raised (a missing method names itself)."""
    try:
        result = build()
    except _Unfinished as exc:
        return Feedback.wrong(f"{exc} still returns `...` (tried on {what}): replace it with your answer.")
    except NotImplementedError as exc:
        return Feedback.wrong(f"{what}: {exc or 'a method still raises NotImplementedError'}: write it.")
    except TypeError as exc:
        if "Ellipsis" in str(exc) or "NoneType" in str(exc):
            return Feedback.wrong(f"{what} raised TypeError ({exc}): a method still returns `...` or nothing; "
                                  "each operation returns a new Value.")
        return Feedback.wrong(f"{what} raised TypeError: {exc}")
    except AttributeError as exc:
        return Feedback.wrong(f"{what} raised AttributeError: {exc}. The scaffold's Value keeps data, grad, "
                              "_parents and _backward; keep those names.")
    except Exception as exc:  # noqa: BLE001 - the student's code may raise anything
        return Feedback.wrong(f"{what} raised {type(exc).__name__}: {exc}")
    return result


def _grads(Value: Any, values: Sequence[float], cost: Callable[..., Any], passes: int = 1) -> Any:
    """Build ``cost`` from fresh Values, run ``backward`` ``passes`` times, return the inputs' grads."""
    leaves = [Value(float(v)) for v in values]
    out = cost(*leaves)
    if out is None or out is Ellipsis:
        raise _Unfinished("an operation")
    for _ in range(passes):
        if out.backward() is Ellipsis:
            raise _Unfinished("backward()")
    return [float(leaf.grad) for leaf in leaves], out


def _probe(Value: Any, label: str, values: Sequence[float], cost: Callable[..., Any], passes: int = 1) -> Any:
    """The grads of a probe graph, or the Feedback saying what went wrong building it."""
    got = _attempt(label, lambda: _grads(Value, values, cost, passes))
    return got if isinstance(got, Feedback) else got[0]


def _close(a: Sequence[float], b: Sequence[float]) -> bool:
    return bool(np.allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=1e-9, atol=1e-12))


def check_backward(Value: Any) -> Feedback:
    """Check a reverse-mode scalar ``Value`` class (see the module docstring).

    Probes, in order (each right answer derived by hand):

    1. ``L = a·b`` at a = 2, b = -3: ā = b = -3, b̄ = a = 2 (the product rule
       passes each input the *other* input's value);
    2. ``L = a + b``: ā = b̄ = 1;
    3. ``L = x·x`` at x = 3: x̄ = 2x = 6 — without ``+=`` the second term
       overwrites the first: 3;
    4. the diamond ``u = 2x, v = 3u, L = u + v`` at x = 1: ū = 1 + 3 = 4,
       x̄ = 2·4 = 8 — inputs first gives 0; passing u's adjoint on before v has
       added its term gives 2; visiting u once per path gives 10;
    5. two backward passes in a row on ``L = a·b + a`` give the same grads as
       one (b + 1 = -2 and a = 2): without a reset the second pass adds onto
       the first, in the intermediate p = a·b as well ([-7, 6]);
    6. notebook 2's three graphs against ``gt.grad`` (they use ``-``, ``/`` and
       ``exp`` too).
    """
    if not isinstance(Value, type):
        return Feedback.wrong(f"pass the class itself, check_backward(Value), not a {type(Value).__name__}.")
    one = _probe(Value, "L = a * b", [2.0, -3.0], lambda a, b: a * b)
    if isinstance(one, Feedback):
        return one
    if not _close(one, [-3.0, 2.0]):
        hints = {(2.0, -3.0): "for L = a·b at a = 2, b = -3 the grads are swapped: ∂(a·b)/∂a is b (the other "
                              "input), so ā += b·out.grad.",
                 (1.0, 1.0): "for L = a·b the grads are 1 and 1: that is the rule of +. For *, each input "
                             "receives the other input's value times out.grad.",
                 (0.0, 0.0): "for L = a·b every grad stays 0: is the local rule of * written (it still "
                             "does `...`?), and does backward set the seed, L.grad = 1, before it calls the local "
                             "rules?"}
        hint = hints.get(tuple(round(g, 9) for g in one))
        return Feedback.wrong(hint or f"for L = a·b at a = 2, b = -3 your grads are {one}, but they should be "
                                      "[-3, 2]: ā = b·L̄, b̄ = a·L̄, with L̄ = 1.")
    two = _probe(Value, "L = a + b", [2.0, -3.0], lambda a, b: a + b)
    if isinstance(two, Feedback):
        return two
    if not _close(two, [1.0, 1.0]):
        return Feedback.wrong(f"for L = a + b your grads are {two}, but a sum passes its adjoint unchanged to both "
                              "inputs: [1, 1].")
    reuse = _probe(Value, "L = x * x", [3.0], lambda x: x * x)
    if isinstance(reuse, Feedback):
        return reuse
    doubled = _probe(Value, "L = x + x", [3.0], lambda x: x + x)
    if isinstance(doubled, Feedback):
        return doubled
    if not _close(reuse, [6.0]) or not _close(doubled, [2.0]):
        if _close(reuse, [3.0]) or _close(doubled, [1.0]):
            return Feedback.wrong("no accumulation: for L = x·x at x = 3 your x.grad is "
                                  f"{describe_array(reuse[0])} (and {describe_array(doubled[0])} for x + x): the "
                                  "second term overwrote the first. When a value is read twice, each use adds its "
                                  "term: write `self.grad += …`, not `self.grad = …`.")
        return Feedback.wrong(f"for L = x·x at x = 3 your x.grad is {describe_array(reuse[0])}, but it should be "
                              "2x = 6: one term x·L̄ = 3 for each of the two uses, added up.")
    diamond = _probe(Value, "the diamond u = 2x, v = 3u, L = u + v", [1.0],
                     lambda x: (lambda u: u + u * 3)(x * 2))
    if isinstance(diamond, Feedback):
        return diamond
    if not _close(diamond, [8.0]):
        got = diamond[0]
        detail = {0.0: "it gave x.grad = 0: the nodes were visited inputs first, when no adjoint had arrived yet. "
                       "Visit them in reverse topological order: the output first.",
                  2.0: "it gave x.grad = 2: u passed its adjoint on to x before v had added its term to u (u.grad "
                       "was 1, not 1 + 3 = 4). Build a topological order first, then call the local rules in "
                       "reverse, so a node is visited only when every consumer is done.",
                  10.0: "it gave x.grad = 10: u was visited once per path (a recursion without a topological "
                        "order), so its adjoint was passed on twice. Collect each node once, in topological "
                        "order, then run the local rules in reverse."}
        return Feedback.wrong("wrong order of the backward pass: for the diamond u = 2x, v = 3u, L = u + v at x = 1, "
                              "x.grad should be 2·(1 + 3) = 8; "
                              + detail.get(round(got, 9), f"it gave {describe_array(got)}. Visit the nodes in reverse "
                                                          "topological order, each exactly once."))
    twice = _probe(Value, "L = a * b + a, backward twice", [2.0, -3.0], lambda a, b: a * b + a, passes=2)
    if isinstance(twice, Feedback):
        return twice
    if not _close(twice, [-2.0, 2.0]):
        return Feedback.wrong(f"backward twice without a reset: calling L.backward() a second time on L = a·b + a "
                              f"gave the grads {twice} instead of [-2, 2] (what one pass gives): the second pass "
                              "added onto what the first left in every grad, the intermediate ones too. Set every "
                              "visited node's grad to 0 before the seed.")
    for name, values, cost in NOTEBOOK2:
        want = _reference_gradient(cost, values)
        got = _attempt(f"notebook 2's {name}", lambda: _grads(Value, list(values.values()), cost))
        if isinstance(got, Feedback):
            return got
        grads = dict(zip(values, got[0]))
        for var, w in want.items():
            if not math.isclose(grads[var], w, rel_tol=1e-9, abs_tol=1e-12):
                return Feedback.wrong(f"on notebook 2's {name}, d/d{var} is {grads[var]:.6g}, but gt.grad gives "
                                      f"{w:.6g}: check the local rule of the operations it uses (exp, **, and "
                                      "what -, / are built from).")
    return Feedback.right("Value is right: it accumulates reused values, runs in reverse topological order, "
                          "resets before each pass, and agrees with gt.grad on notebook 2's three graphs.")


# -- forward mode: dual numbers --------------------------------------------------

def _dual_derivative(Dual: Any, values: Sequence[float], cost: Callable[..., Any], k: int) -> float:
    """d cost / d input k: input k carries the tangent 1, the others 0."""
    duals = [Dual(float(v), 1.0 if j == k else 0.0) for j, v in enumerate(values)]
    out = cost(*duals)
    if out is None or out is Ellipsis:
        raise _Unfinished("an operation")
    return float(out.tangent)


def check_dual(Dual: Any) -> Feedback:
    """Check a ``Dual(value, tangent)`` class: each operation computes its value and
    its tangent, ``(u·v)' = u'v + uv'``, ``(u + v)' = u' + v'``,
    ``exp(u)' = exp(u)·u'``, ``(uⁿ)' = n uⁿ⁻¹ u'``.

    Probes: ``a·b`` at (2, -3) (tangents b and a), ``exp(x)`` at 0.5 and
    ``x ** 3`` at 2 (12), then notebook 2's three graphs against ``gt.grad``,
    one forward pass per input."""
    if not isinstance(Dual, type):
        return Feedback.wrong(f"pass the class itself, check_dual(Dual), not a {type(Dual).__name__}.")
    da = _attempt("a * b", lambda: _dual_derivative(Dual, [2.0, -3.0], lambda a, b: a * b, 0))
    if isinstance(da, Feedback):
        return da
    if not math.isclose(da, -3.0):
        hints = {1.0: "the tangent of a·b is u'·v', the tangents multiplied: the product rule is u'·v + u·v'.",
                 0.0: "the tangent of a·b is 0 with a's tangent 1: the product rule is u'·v + u·v'.",
                 -6.0: "the tangent of a·b is the value's product a·b: the tangent is u'·v + u·v'."}
        return Feedback.wrong(hints.get(round(da, 9), f"with a = 2 (tangent 1) and b = -3 (tangent 0), a·b has the "
                                                        f"tangent {da:g}, but u'·v + u·v' = 1·(-3) + 2·0 = -3."))
    e = _attempt("x.exp()", lambda: _dual_derivative(Dual, [0.5], lambda x: x.exp(), 0))
    if isinstance(e, Feedback):
        return e
    if not math.isclose(e, math.exp(0.5)):
        return Feedback.wrong(f"the tangent of exp(x) at x = 0.5 (tangent 1) is {e:.6g}, but it should be "
                              f"exp(x)·x' = {math.exp(0.5):.6g}: exp is its own derivative, times the tangent.")
    p = _attempt("x ** 3", lambda: _dual_derivative(Dual, [2.0], lambda x: x ** 3, 0))
    if isinstance(p, Feedback):
        return p
    if not math.isclose(p, 12.0):
        return Feedback.wrong(f"the tangent of x ** 3 at x = 2 is {p:g}, but it should be 3·x²·x' = 12.")
    for name, values, cost in NOTEBOOK2:
        want = _reference_gradient(cost, values)
        for k, var in enumerate(values):
            got = _attempt(f"notebook 2's {name}", lambda: _dual_derivative(Dual, list(values.values()), cost, k))
            if isinstance(got, Feedback):
                return got
            if not math.isclose(got, want[var], rel_tol=1e-9, abs_tol=1e-12):
                return Feedback.wrong(f"on notebook 2's {name}, the forward pass seeded on {var} gives {got:.6g}, "
                                      f"but gt.grad gives {want[var]:.6g}.")
    return Feedback.right("Dual is right: one forward pass per input gives the same derivatives as gt.grad on "
                          "notebook 2's three graphs.")


# -- tensor-level rules ------------------------------------------------------------

def _pair(result: Any, what: str, names: Tuple[str, str]) -> Any:
    if result is Ellipsis or result is None:
        return Feedback.wrong(f"{what} is still `...`: return the pair ({names[0]}, {names[1]}).")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        return Feedback.wrong(f"{what} should return a pair ({names[0]}, {names[1]}), got {type(result).__name__}.")
    return result


def _finite_difference_vjp(f: Callable[..., np.ndarray], args: List[np.ndarray], g: np.ndarray, k: int,
                           h: float = 1e-6) -> np.ndarray:
    """∂ sum(g · f(args)) / ∂ args[k] by central finite differences, entry by entry."""
    out = np.zeros_like(args[k])
    for index in np.ndindex(args[k].shape):
        shifted = [a.copy() for a in args]
        shifted[k][index] += h
        up = np.sum(g * f(*shifted))
        shifted[k][index] -= 2 * h
        down = np.sum(g * f(*shifted))
        out[index] = (up - down) / (2 * h)
    return out


def check_matmul_vjp(vjp: Callable[..., Any]) -> Feedback:
    """``vjp(A, B, g)`` should return ``(dA, dB)`` for Y = A @ B, with g the adjoint of Y:
    dA = g @ Bᵀ and dB = Aᵀ @ g (each shaped like what it is the adjoint of).

    Derivation: Y_ij = Σ_k A_ik B_kj, so ∂Y_ij/∂A_ik = B_kj and
    Ā_ik = Σ_j g_ij B_kj = (g Bᵀ)_ik; likewise B̄_kj = Σ_i A_ik g_ij = (Aᵀ g)_kj.
    Tried with A 2×3, B 3×4 (so a transposed or swapped answer has the wrong
    shape), against finite differences of sum(g · (A @ B))."""
    rng = np.random.default_rng(0)
    A, B, g = rng.normal(size=(2, 3)), rng.normal(size=(3, 4)), rng.normal(size=(2, 4))
    result = _attempt("vjp(A, B, g)", lambda: vjp(A.copy(), B.copy(), g.copy()))
    if isinstance(result, Feedback):
        return result
    pair = _pair(result, "vjp(A, B, g)", ("dA", "dB"))
    if isinstance(pair, Feedback):
        return pair
    dA_want = _finite_difference_vjp(lambda a, b: a @ b, [A, B], g, 0)
    dB_want = _finite_difference_vjp(lambda a, b: a @ b, [A, B], g, 1)
    for name, got, want, shape_of, hint in (
            ("dA", pair[0], dA_want, "A", "g is 2×4 and B is 3×4: which product of the two, transposed as "
                                          "needed, is 2×3?"),
            ("dB", pair[1], dB_want, "B", "A is 2×3 and g is 2×4: which product of the two, transposed as "
                                          "needed, is 3×4?")):
        if got is Ellipsis or got is None:
            return Feedback.wrong(f"{name} is still `...`: replace it with your answer.")
        got_shape = np.shape(got)
        if got_shape != want.shape:
            transposed = " (it is transposed)" if got_shape == want.shape[::-1] else ""
            return Feedback.wrong(f"{name} has shape {got_shape}{transposed}, but an adjoint has the shape of what "
                                  f"it is the adjoint of, {shape_of} {want.shape}: {hint}.")
        feedback = check_value(got, want, name=name, rtol=1e-5, atol=1e-7)
        if not feedback:
            return Feedback.wrong(feedback.message + f" (compared with finite differences). {hint}")
    return Feedback.right("the matrix product's VJP is right: dA = g @ B.T and dB = A.T @ g, as finite "
                          "differences say.")


def check_broadcast_vjp(vjp: Callable[..., Any]) -> Feedback:
    """``vjp(X, b, g)`` should return ``(dX, db)`` for Y = X + b with X (m, n) and b (n,)
    added to every row: dX = g and db = g.sum(axis=0).

    b_j is used in every row i (Y_ij = X_ij + b_j), so its adjoint adds one
    term g_ij per use: b̄_j = Σ_i g_ij, a sum over the broadcast axis."""
    rng = np.random.default_rng(1)
    X, b, g = rng.normal(size=(3, 2)), rng.normal(size=(2,)), rng.normal(size=(3, 2))
    result = _attempt("vjp(X, b, g)", lambda: vjp(X.copy(), b.copy(), g.copy()))
    if isinstance(result, Feedback):
        return result
    pair = _pair(result, "vjp(X, b, g)", ("dX", "db"))
    if isinstance(pair, Feedback):
        return pair
    dX, db = pair
    if np.shape(db) == g.shape and np.allclose(db, g):
        return Feedback.wrong("db is g itself, shaped like Y (3, 2): b has shape (2,) and was used in every row, "
                              "so its adjoint adds up one term per row: g.sum(axis=0).")
    if np.shape(db) == (3,):
        return Feedback.wrong("db has shape (3,): that sums over the columns (axis=1). b was broadcast over the "
                              "rows (axis 0), so sum over axis 0: g.sum(axis=0), shape (2,).")
    mistakes = [Mistake(g.mean(axis=0), "db is the mean over the rows: each use of b adds its whole term, so it is "
                                        "the sum, g.sum(axis=0), not the mean.")]
    for feedback in (check_value(dX, _finite_difference_vjp(lambda x, c: x + c, [X, b], g, 0), name="dX",
                                 rtol=1e-5, atol=1e-7),
                     check_value(db, _finite_difference_vjp(lambda x, c: x + c, [X, b], g, 1), name="db",
                                 mistakes=mistakes, rtol=1e-5, atol=1e-7)):
        if not feedback:
            return feedback
    return Feedback.right("the broadcast's VJP is right: dX = g, and db = g.sum(axis=0), a sum over the axis b "
                          "was broadcast along.")


def _mlp_reference(X: np.ndarray, y: np.ndarray, params: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
    """``gt.grad`` of mean((tanh(X W1 + b1) W2 + b2 - y)²) with respect to each parameter."""
    import gradlab.tensor as gt
    from gradlab.compile import function
    W1, b1, W2, b2 = gt.dmatrix("W1"), gt.dvector("b1"), gt.dmatrix("W2"), gt.dvector("b2")
    Xs, ys = gt.dmatrix("X"), gt.dmatrix("y")
    loss = gt.mean((gt.dot(gt.tanh(gt.dot(Xs, W1) + b1), W2) + b2 - ys) ** 2)
    grads = function([Xs, ys, W1, b1, W2, b2], gt.grad(loss, [W1, b1, W2, b2]))(
        X, y, params["W1"], params["b1"], params["W2"], params["b2"])
    return dict(zip(["W1", "b1", "W2", "b2"], (np.asarray(v) for v in grads)))


def check_mlp_backward(backward: Callable[..., Any]) -> Feedback:
    """``backward(X, y, W1, b1, W2, b2)`` should return the dict ``{"W1": …, "b1": …,
    "W2": …, "b2": …}`` of the gradients of

        h = tanh(X @ W1 + b1),  out = h @ W2 + b2,  loss = mean((out - y)²)

    (the mean over every entry of out), compared with ``gt.grad``.  By hand:
    ō = 2 (out - y) / N with N = out.size; W̄2 = hᵀ ō; b̄2 = Σ_rows ō;
    h̄ = ō W2ᵀ; z̄ = h̄ · (1 - h²); W̄1 = Xᵀ z̄; b̄1 = Σ_rows z̄."""
    rng = np.random.default_rng(2)
    X, y = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    params = {"W1": rng.normal(size=(2, 3)), "b1": rng.normal(size=(3,)), "W2": rng.normal(size=(3, 1)),
              "b2": rng.normal(size=(1,))}
    result = _attempt("backward(X, y, W1, b1, W2, b2)",
                      lambda: backward(X.copy(), y.copy(), *(p.copy() for p in params.values())))
    if isinstance(result, Feedback):
        return result
    if result is Ellipsis or not isinstance(result, dict):
        return Feedback.wrong("backward should return a dict {'W1': …, 'b1': …, 'W2': …, 'b2': …}"
                              + (" (it still returns `...`)." if result is Ellipsis else "."))
    want = _mlp_reference(X, y, params)
    z = X @ params["W1"] + params["b1"]
    h = np.tanh(z)
    o_bar = 2 * (h @ params["W2"] + params["b2"] - y) / y.size
    no_tanh = (o_bar @ params["W2"].T)        # forgot tanh' = 1 - h²
    for name in ("W2", "b2", "W1", "b1"):
        if name not in result:
            return Feedback.wrong(f"the dict has no entry {name!r}; give all four: W1, b1, W2, b2.")
        mistakes = [Mistake(want[name] * y.size, f"d{name} is {y.size} times too large: the loss is a mean, so "
                                                 f"the adjoint of out is 2(out - y) / N with N = {y.size}.")]
        if name == "W1":
            mistakes.append(Mistake(X.T @ no_tanh, "dW1 misses tanh's local derivative: z̄ = h̄ · (1 - h²), "
                                                   "entry by entry, before the product with X.T."))
        if name == "b1":
            mistakes.append(Mistake(no_tanh.sum(axis=0), "db1 misses tanh's local derivative 1 - h²."))
        if name in ("b1", "b2"):
            mistakes.append(Mistake(want[name] / X.shape[0], f"d{name} is a mean over the rows; b is used in every "
                                                             "row, so its adjoint is the sum of the row terms."))
        feedback = check_value(result[name], want[name], name=f"d{name}", mistakes=mistakes, rtol=1e-6, atol=1e-9)
        if not feedback:
            return feedback
    return Feedback.right("the backward pass is right: all four gradients equal gt.grad's.")
