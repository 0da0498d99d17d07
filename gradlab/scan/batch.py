"""``scan_to_batched``: a loop whose steps do not depend on each other runs
as one batched graph.

A Scan with no carried state (no ``outputs_info``, no ``until``) is a map:
``y_j[t] = G_j(x[t], theta)``.  That is what ``jacobian``/``hessian`` build
by default (one gradient per row) and what ``gradlab.map`` builds.  Its
stacked outputs are ``vectorize_graph(G_j, {x: xs})``: the inner graph with
each sequence placeholder replaced by the whole sequence, every node batched
over a new leading axis (elementwise ops broadcast, reductions shift their
axes, ``dot`` becomes a matmul, a write at row ``t`` becomes a one-hot
matrix).  No Python loop runs, and the rules of the outer graph then see the
batched structure (``eye(n) * d`` becomes a diagonal).

When an inner op has no batching rule (``vectorize_graph`` would fall back
to its per-entry :class:`~gradlab.gradient.vectorize.BatchedLoop`), the rule
does not fire and the loop stays.  It also leaves alone loops with taps,
several sequences, an ``n_steps`` other than the sequence's length, or any
``until``-style stop condition.
"""
from __future__ import annotations

from typing import Any, Optional

import gradlab.tensor as gt
from gradlab.graph.traversal import clone_replace, toposort
from gradlab.rewrite.rule import node_rule
from gradlab.scan.op import Scan
from gradlab.gradient.vectorize import BatchedLoop
from gradlab.gradient.vectorize import vectorize_graph
from gradlab.rewrite.match import fit_to
from gradlab.tensor.type import TensorType


def _draws_random_numbers(op: Any) -> bool:
    """Does the step read a random generator (a non-tensor inner input)?  Each
    step then gets its own draws, which one batched graph would not reproduce."""
    return any(not isinstance(ph.type, TensorType) for ph in op.inner_inputs)


def is_independent_map(op: Any) -> bool:
    """Do the steps of this Scan not depend on each other (one sequence read
    at offset 0, no states, no ``until`` condition, no random draws)?"""
    from gradlab.scan.op import Scan
    if not isinstance(op, Scan):
        return False
    spec = op.spec
    return (spec.n_states == 0 and spec.n_maps > 0 and spec.seq_taps == ((0,),) and spec.strict_lengths
            and not spec.as_while and not _draws_random_numbers(op))


def _uses_loop_fallback(outputs: list, mark: int) -> bool:
    """Did batching create a per-entry loop (a BatchedLoop node) among the
    variables made after ``mark``?"""
    for n in toposort(outputs, enter=lambda v: v.auto_id >= mark):
        if isinstance(n.op, BatchedLoop):
            return True
    return False


@node_rule("Scan(map over xs: G(x, theta)) -> vectorize_graph(G, {x: xs})", tracks=(Scan,))
def scan_to_batched(fgraph: Any, node: Any) -> Optional[dict]:
    """A loop without carried state is one batched graph (no Python loop)."""
    op = node.op
    if not is_independent_map(op):
        return None
    _, seqs, _, nonseqs = op.outer_parts(node.inputs)
    mark = TensorType("int64", ()).make_variable().auto_id
    inner = list(op.inner_outputs[op.spec.n_states:])
    outer_of = {ph: v for ph, v in zip(op.inner_nonseqs, nonseqs)}
    if outer_of:
        inner = clone_replace(inner, outer_of)
    try:
        batched = vectorize_graph(inner, {op.inner_seqs[0]: seqs[0]})
    except (TypeError, ValueError, NotImplementedError):
        return None
    if _uses_loop_fallback(batched, mark):
        return None
    replacements = {}
    for out, core, new in zip(node.outputs, inner, batched):
        if not fgraph.clients.get(out):
            continue
        if new.ndim == core.ndim:  # the same value at every step
            new = gt.alloc(new, gt.shape(seqs[0])[0], *[new.shape[a] for a in range(new.ndim)])
        fitted = fit_to(new, out)
        if fitted is None:
            return None
        replacements[out] = fitted
    return replacements or None
