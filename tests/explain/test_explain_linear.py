"""Explaining a compiled graph is linear in the trace: the work is COUNTED at N and 2N
(no timing).  The derivation counts its own units (``Derivation.work``: parts joined
while building, references visited while answering); why_not and leftovers are counted
as the lines of gradlab.explain they execute (a trace function that only counts)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab import explain
from gradlab.explain.rewriting import Derivation
from gradlab.rewrite.trace import Rewritten, Step, StopReason

EXPLAIN_DIR = str(Path(explain.__file__).resolve().parent)


def _chain(levels: int):
    """y = sin(y)*0.5 + y*0.5, ``levels`` times, compiled with its gradient (4 steps per level)."""
    x = gt.dscalar("x")
    y = x
    for _ in range(levels):
        y = gt.sin(y) * 0.5 + y * 0.5
    return gradlab.function([x], [y, gradlab.grad(y, x)])


def _python_sum(terms: int):
    """A ``terms``-term Python sum of x * k and its gradient (the sum absorbs one term per step)."""
    x = gt.dvector("x")
    y = 0
    for k in range(terms):
        y = y + x * float(k % 7 + 1)
    return gradlab.function([x], gradlab.grad(y.sum(), x))


def _explain_lines(call) -> tuple:
    """``(result, lines of gradlab/explain executed)`` while ``call()`` runs."""
    count = [0]

    def local(frame, event, arg):
        if event == "line":
            count[0] += 1
        return local

    def global_(frame, event, arg):
        return local if frame.f_code.co_filename.startswith(EXPLAIN_DIR) else None

    old = sys.gettrace()
    sys.settrace(global_)
    try:
        result = call()
    finally:
        sys.settrace(old)
    return result, count[0]


def _counts(f) -> dict:
    found = explain.derivation(f)
    built = found.work
    listed = sum(len(c.replaces) for c in explain.compiled_nodes(f))
    # compiled_nodes makes its own derivation: count one listing on ``found``
    for node in found.graph.toposort():
        found.replaces(node)
        found.steps_of(node)
    _, why = _explain_lines(lambda: explain.why_not(f, "collect_like_terms"))
    _, left = _explain_lines(lambda: explain.leftovers(f))
    return {"steps": len(f.maker.trace.steps), "build": built, "answer": found.work - built,
            "listed": listed, "why_not": why, "leftovers": left}


@pytest.mark.parametrize("make, n", [(_chain, 500), (_python_sum, 400)])
def test_explaining_grows_linearly_with_the_trace(make, n) -> None:
    small, large = _counts(make(n)), _counts(make(2 * n))
    assert small["steps"] >= 1000 and 1.8 <= large["steps"] / small["steps"] <= 2.2, (small, large)
    for key in ("build", "answer", "why_not", "leftovers"):
        assert small[key] > 0, (key, small)
        assert large[key] / small[key] <= 2.2, (key, small, large)
    # what is listed stays linear too (each compiled node names its own user nodes)
    assert large["listed"] / small["listed"] <= 2.2, (small, large)


def test_a_long_chain_still_lists_every_user_node_once() -> None:
    """The chain's compiled nodes together replace every node of the graph compiled (none lost)."""
    f = _chain(300)
    assert np.isfinite(f(0.3)).all()
    covered = {u for c in explain.compiled_nodes(f) for u in c.replaces}
    found = explain.derivation(f)
    assert covered == {found.user_node(n) for n in found.initial}
    assert all(len(set(c.replaces)) == len(c.replaces) for c in explain.compiled_nodes(f))


def test_the_representative_is_one_of_the_nodes_replaced() -> None:
    x = gt.dscalar("x")
    gy = gradlab.grad(x ** 2, x)
    f = gradlab.function([x], gy)
    found = explain.derivation(f)
    [node] = f.maker.fgraph.toposort()
    assert found.representative(node) in found.replaces(node)
    assert len(found.replaces(node)) == 6


class _Recorded:
    """The recorder fields a derivation reads: the nodes before rewriting, no change events."""

    def __init__(self, initial: list):
        self.initial_inputs = {node: list(node.inputs) for node in initial}
        self.events: list = []


def _rewritten_then_split(n: int) -> tuple:
    """A trace of plain-data steps: one node rewritten ``n`` times in a row (each step removes
    the previous result and adds the next), then split into ``n`` nodes by one step."""
    x = gt.dscalar("x")
    made = [gt.exp(x).owner for _ in range(2 * n + 1)]
    first, chain, parts = made[0], made[1:n + 1], made[n + 1:]
    steps = []
    previous = first
    for node in chain:
        steps.append(Step(len(steps), "again", "a -> a", "canonicalize", previous, "exp(x)", [previous], [node]))
        previous = node
    steps.append(Step(len(steps), "split", "a -> b, c", "specialize", previous, "exp(x)", [previous], parts))
    trace = Rewritten(None, steps, StopReason.FIXPOINT, n_steps=len(steps), _recorder=_Recorded([first]))
    return Derivation(trace), first, parts


def test_nodes_sharing_a_long_rewrite_chain_are_answered_in_linear_total_work() -> None:
    """``n`` nodes each derive from one node rewritten ``n`` times: listing what each replaces
    (the one node) must not walk the chain again for every node (that was n x n)."""
    works = []
    for n in (500, 1000):
        found, first, parts = _rewritten_then_split(n)
        built = found.work
        assert all(found.replaces(p) == [first] for p in parts)
        assert all(found.representative(p) is first for p in parts)
        assert len(found.steps_of(parts[0])) == n + 1      # the rules that made it: its own answer's size
        works.append((built, found.work - built))
    (build_small, answer_small), (build_large, answer_large) = works
    assert build_large / build_small <= 2.2 and answer_large / answer_small <= 2.2, works
