"""The checkers of notebook 2b: a right Value / Dual / VJP / backward pass is
accepted, and each classic bug gets its own hint."""
from __future__ import annotations

import math

import numpy as np
import pytest

from gradlab import exercises


def make_value(accumulate=True, order="reverse_topological", reset=True, mul_rule="right"):
    """A reverse-mode Value as the notebook's scaffold builds it, with one bug switched on."""

    class Value:
        def __init__(self, data, parents=()):
            self.data, self.grad, self._parents = float(data), 0.0, parents
            self._backward = lambda: None

        def _add_to(self, amount):
            self.grad = self.grad + amount if accumulate else amount

        def __add__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data + other.data, (self, other))

            def _backward():
                self._add_to(out.grad)
                other._add_to(out.grad)
            out._backward = _backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, Value) else Value(other)
            out = Value(self.data * other.data, (self, other))

            def _backward():
                if mul_rule == "right":
                    self._add_to(other.data * out.grad)
                    other._add_to(self.data * out.grad)
                elif mul_rule == "swapped":
                    self._add_to(self.data * out.grad)
                    other._add_to(other.data * out.grad)
            out._backward = _backward
            return out

        def exp(self):
            out = Value(math.exp(self.data), (self,))

            def _backward():
                self._add_to(out.data * out.grad)
            out._backward = _backward
            return out

        def __pow__(self, n):
            out = Value(self.data ** n, (self,))

            def _backward():
                self._add_to(n * self.data ** (n - 1) * out.grad)
            out._backward = _backward
            return out

        def __neg__(self):
            return self * -1

        def __sub__(self, other):
            return self + (-other)

        def __truediv__(self, other):
            return self * other ** -1

        __radd__ = __add__
        __rmul__ = __mul__

        def __rtruediv__(self, other):
            return Value(other) / self

        def backward(self):
            topo, seen = [], set()

            def visit(v):
                if v not in seen:
                    seen.add(v)
                    for p in v._parents:
                        visit(p)
                    topo.append(v)
            visit(self)
            if reset:
                for v in topo:
                    v.grad = 0.0
            self.grad = 1.0
            if order == "reverse_topological":
                for v in reversed(topo):
                    v._backward()
            elif order == "forward":
                for v in topo:
                    v._backward()
            elif order == "breadth_first":            # each node once, as soon as it is reached
                queue, done = [self], set()
                while queue:
                    v = queue.pop(0)
                    if v in done:
                        continue
                    done.add(v)
                    v._backward()
                    queue.extend(v._parents)
            elif order == "recursive":                # micrograd's first try: no topological order
                def down(v):
                    v._backward()
                    for p in v._parents:
                        down(p)
                down(self)
    return Value


def wrong_with(feedback, *words):
    assert not feedback, feedback
    for word in words:
        assert word in feedback.message, feedback.message


def test_a_right_value_is_accepted():
    feedback = exercises.check_backward(make_value())
    assert feedback, feedback
    assert "gt.grad" in feedback.message


@pytest.mark.parametrize("bug, words", [
    (dict(accumulate=False), ("no accumulation", "+=")),
    (dict(order="forward"), ("wrong order", "x.grad = 0", "inputs first")),
    (dict(order="breadth_first"), ("wrong order", "x.grad = 2", "topological order")),
    (dict(order="recursive"), ("wrong order", "x.grad = 10", "once per path")),
    (dict(reset=False), ("backward twice without a reset", "grad to 0")),
    (dict(mul_rule="swapped"), ("swapped", "other input")),
    (dict(mul_rule="missing"), ("stays 0", "local rule of *")),
])
def test_each_classic_bug_gets_its_own_hint(bug, words):
    wrong_with(exercises.check_backward(make_value(**bug)), *words)


def test_unfinished_and_wrong_arguments():
    class Unfinished:
        def __init__(self, data, parents=()):
            self.data, self.grad = data, 0.0

        def __mul__(self, other):
            return ...
    wrong_with(exercises.check_backward(Unfinished), "still returns `...`")
    wrong_with(exercises.check_backward(make_value()(1.0)), "the class itself")


def make_dual(product="right"):
    class Dual:
        def __init__(self, value, tangent=0.0):
            self.value, self.tangent = float(value), float(tangent)

        def __add__(self, o):
            o = o if isinstance(o, Dual) else Dual(o)
            return Dual(self.value + o.value, self.tangent + o.tangent)

        def __mul__(self, o):
            o = o if isinstance(o, Dual) else Dual(o)
            tangent = {"right": self.tangent * o.value + self.value * o.tangent,
                       "tangents": self.tangent * o.tangent}[product]
            return Dual(self.value * o.value, tangent)

        def exp(self):
            return Dual(math.exp(self.value), math.exp(self.value) * self.tangent)

        def __pow__(self, n):
            return Dual(self.value ** n, n * self.value ** (n - 1) * self.tangent)

        def __neg__(self):
            return self * -1

        def __truediv__(self, o):
            return self * o ** -1

        __radd__ = __add__
        __rmul__ = __mul__

        def __rtruediv__(self, o):
            return Dual(o) / self
    return Dual


def test_dual_numbers():
    assert exercises.check_dual(make_dual())
    wrong_with(exercises.check_dual(make_dual("tangents")), "product rule", "u'·v + u·v'")


def test_matmul_vjp():
    assert exercises.check_matmul_vjp(lambda A, B, g: (g @ B.T, A.T @ g))
    wrong_with(exercises.check_matmul_vjp(lambda A, B, g: ((g @ B.T).T, A.T @ g)), "transposed", "which product")
    wrong_with(exercises.check_matmul_vjp(lambda A, B, g: (g @ B.T, 2 * A.T @ g)), "dB", "finite differences")
    wrong_with(exercises.check_matmul_vjp(lambda A, B, g: ...), "`...`")
    wrong_with(exercises.check_matmul_vjp(lambda A, B, g: (..., ...)), "dA is still `...`")
    for attempt in (lambda A, B, g: (..., ...), lambda A, B, g: (g @ B.T * 2, A.T @ g),
                    lambda A, B, g: (np.zeros(3), A.T @ g)):
        message = exercises.check_matmul_vjp(attempt).message
        assert "B.T" not in message and "A.T" not in message, f"a hint gives the answer away: {message}"


def test_broadcast_vjp():
    assert exercises.check_broadcast_vjp(lambda X, b, g: (g, g.sum(axis=0)))
    wrong_with(exercises.check_broadcast_vjp(lambda X, b, g: (g, g)), "g.sum(axis=0)", "every row")
    wrong_with(exercises.check_broadcast_vjp(lambda X, b, g: (g, g.sum(axis=1))), "axis=1")
    wrong_with(exercises.check_broadcast_vjp(lambda X, b, g: (g, g.mean(axis=0))), "not the mean")


def mlp_backward(bug=None):
    def backward(X, y, W1, b1, W2, b2):
        h = np.tanh(X @ W1 + b1)
        out = h @ W2 + b2
        o_bar = 2 * (out - y) / (1 if bug == "no_mean" else y.size)
        h_bar = o_bar @ W2.T
        z_bar = h_bar if bug == "no_tanh" else h_bar * (1 - h ** 2)
        return {"W1": X.T @ z_bar, "b1": z_bar.sum(axis=0), "W2": h.T @ o_bar, "b2": o_bar.sum(axis=0)}
    return backward


def test_mlp_backward():
    assert exercises.check_mlp_backward(mlp_backward())
    wrong_with(exercises.check_mlp_backward(mlp_backward("no_mean")), "times too large", "mean")
    wrong_with(exercises.check_mlp_backward(mlp_backward("no_tanh")), "tanh's local derivative")
    wrong_with(exercises.check_mlp_backward(lambda *args: ...), "`...`")


def test_notebook2_graphs_match_gt_grad_by_hand():
    """The reference the checkers compare with: notebook 2's numbers."""
    from gradlab.exercises.from_scratch import _reference_gradient
    (_, v1, c1), (_, v2, c2), (_, v3, c3) = exercises.notebook2_graphs()
    assert _reference_gradient(c1, v1) == {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0}
    s = 1 / (1 + math.exp(-1.0))
    assert math.isclose(_reference_gradient(c2, v2)["x"], s * (1 - s))
    assert _reference_gradient(c3, v3) == {"x": 5.0, "y": 3.0}
