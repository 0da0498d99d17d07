"""Text under a budget (issue 17): a graph that reuses its pieces spells out
exponentially, so every text form is built with names for reused pieces or
stops at its budget while building — never built in full and then cut."""
from __future__ import annotations

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab import dprint, pp
from gradlab.bounded_text import ELLIPSIS, Budget, clip, flatten, op_text
from gradlab.rewrite.composite import INLINE_CHARS, REPR_CHARS


def _chain(n, x=None):
    x = gt.dscalar("x") if x is None else x
    y = x
    for _ in range(n):
        y = gt.sin(y) * 0.5 + y * 0.5
    return x, y


def _fused(f):
    (node,) = [n for n in f.maker.fgraph.apply_nodes if hasattr(n.op.scalar_op, "program")]
    return node.op.scalar_op


@pytest.mark.parametrize("sizes,limit", [((3, 3, 3), 5), ((5,), 5), ((2, 3), 5), ((6,), 5), ((1,) * 9, 4),
                                         ((4, 1), 5), ((10,), 1)])
def test_budget_stops_at_the_limit_and_ends_with_an_ellipsis(sizes, limit):
    pieces = ["abcdefghij"[:k] for k in sizes]
    full = "".join(pieces)
    budget = Budget(limit)
    results = [budget.add(p) for p in pieces]
    assert budget.text == clip(full, limit)
    assert len(budget.text) <= limit
    assert budget.full == (len(full) > limit) and (False in results) == budget.full
    if budget.full:
        assert budget.text.endswith(ELLIPSIS) and not budget.add("more")


def test_budget_refuses_a_nonpositive_limit():
    with pytest.raises(ValueError, match="max_chars must be at least 1"):
        Budget(0)


def test_flatten_walks_a_shared_tree_only_as_far_as_the_budget():
    tree = ["x"]
    for _ in range(200):                        # 2**200 leaves when spelled out
        tree = ["(", tree, " + ", tree, ")"]
    text, complete = flatten(tree, 1000)        # walks 1,000 characters' worth, not 2**200 leaves
    assert not complete and len(text) == 1000 and text.endswith(ELLIPSIS)
    assert text.startswith("(" * 200 + "x + x) + (x + x)) + ((x + x) + (x + x))) + ")
    small = ["(", ["a"], " * ", ["b"], ")"]
    assert flatten(small) == ("(a * b)", True)


def test_pp_with_a_budget_is_the_start_of_the_full_text():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    for expr in (x ** 2, gt.exp(x + y) * gt.sin(x) - y / 3, gt.grad(gt.tanh(x) * y, x)):
        full = pp(expr)
        for limit in (1, 5, len(full) - 1, len(full), len(full) + 10):
            assert pp(expr, max_chars=limit) == clip(full, limit)


def test_pp_of_a_shared_chain_stops_at_its_budget():
    x, y = _chain(300)                          # 2**300 copies of x when spelled out
    text = pp(y, max_chars=500)
    assert len(text) == 500 and text.endswith(ELLIPSIS) and text.startswith("((sin(((sin(")
    two = pp([x, y], max_chars=20)
    assert two.startswith("x\n") and len(two) == 20


def test_small_fused_formulas_are_written_out_in_full():
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.exp(-abs(x)) / (1 + gt.exp(-abs(x))) ** 2)
    text = _fused(f).inner_expression()
    assert "where" not in text and text.count("exp(") == 2 and len(text) <= INLINE_CHARS
    assert pp(f) == text                       # pp spells the fused formula with the graph's variables


def test_a_fused_formula_with_reused_pieces_names_them():
    x, y = _chain(25)
    f = gradlab.function([x], y)
    composite = _fused(f)
    text = composite.inner_expression()
    head, _, bindings = text.partition(" where ")
    assert head == "((0.5 * sin(t24)) + (0.5 * t24))"
    names = [b.split(" = ")[0] for b in bindings.split("; ")]
    assert names == [f"t{k}" for k in range(24, 0, -1)]
    assert bindings.endswith("t1 = ((0.5 * sin(x)) + (0.5 * x))")
    assert len(text) < 40 * 26                 # linear: one binding per level
    assert len(repr(composite)) <= REPR_CHARS and repr(composite).startswith("Composite{((0.5 * sin(t24))")
    assert len(composite.inner_expression(max_chars=50)) == 50
    assert f(0.3) == pytest.approx(_numpy_chain(0.3, 25), rel=1e-12)


def _numpy_chain(v, n):
    for _ in range(n):
        v = np.sin(v) * 0.5 + v * 0.5
    return v


def test_names_never_clash_with_the_inputs():
    t1 = gt.dscalar("t1")
    _, y = _chain(25, t1)
    text = _fused(gradlab.function([t1], y)).inner_expression()
    assert " where _t24 = " in text and text.endswith("_t1 = ((0.5 * sin(t1)) + (0.5 * t1))")


def test_the_linker_comment_dprint_and_trace_are_bounded():
    x, y = _chain(40)
    f = gradlab.function([x], y)
    comments = [line.strip() for line in f.maker.source.splitlines() if line.strip().startswith("#")]
    assert comments and all(len(c) <= 90 for c in comments)
    text = dprint(f, file="str")
    assert len(text) < REPR_CHARS + 100 and "where t39 = " in text
    assert all(len(step.node_text) < 400 for step in f.maker.trace.steps)


def test_op_text_of_a_plain_op_is_its_name_cut_to_the_budget():
    x = gt.dscalar("x")
    op = (x + 1).owner.op
    assert op_text(op, 100) == str(op)
    assert op_text(op, 3) == clip(str(op), 3) and len(op_text(op, 3)) == 3
