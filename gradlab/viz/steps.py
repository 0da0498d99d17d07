"""``rewrite_steps(trace)``: one picture per rewrite step.

Each picture shows the graph just before the step (the matched node and the
nodes the rule removed outlined) next to the graph just after it (the nodes
the rule added outlined), titled with the rule's name and its ``lhs -> rhs``.
The graphs are rebuilt from the trace with ``Rewritten.graph_at``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Optional, Union

from gradlab.viz.comparison import compare
from gradlab.viz.graph_picture import MAX_NODES


def as_trace(trace: Any) -> Any:
    """A ``Rewritten`` from itself or from a compiled function (``f.maker.trace``)."""
    if hasattr(trace, "maker"):
        found = getattr(trace.maker, "trace", None)
        if found is None:
            raise ValueError("this function was compiled without rewrites (mode NO_REWRITE), so it has no "
                             "rewrite trace; compile with mode='FAST_RUN' or 'FAST_COMPILE'")
        return found
    if not (hasattr(trace, "steps") and hasattr(trace, "graph_at")):
        raise TypeError(f"rewrite_steps needs a rewrite trace (f.maker.trace, a Rewritten) or a compiled "
                        f"function, got {type(trace).__name__}")
    return trace


def step_title(step: Any) -> str:
    """``step 3: mul_by_one [canonicalize]`` and ``x * 1 -> x  at mul(x, 1)`` on two lines."""
    return (f"step {step.index}: {step.rule} [{step.rule_set}]\n"
            f"{step.pattern_text}   at {step.node_text}")


def step_picture(trace: Any, k: int, *, rankdir: Optional[str] = None, show_types: bool = False,
                 max_nodes: Optional[int] = MAX_NODES, legend: bool = True, fold: Union[bool, str] = "auto",
                 fit: bool = True) -> Any:
    """The picture of step ``k`` of ``trace``: before | after, changes outlined."""
    trace = as_trace(trace)
    if not 0 <= k < len(trace.steps):
        raise IndexError(f"step {k} is out of range: the trace has {len(trace.steps)} steps")
    step = trace.steps[k]
    before = trace.graph_at(k - 1)
    after = trace.graph_at(k)
    marks: dict = {}
    for node in step.removed:
        if node in before.origin_node:
            marks[before.origin_node[node]] = "removed"
    if step.node in before.origin_node:
        marks[before.origin_node[step.node]] = "matched"
    new_marks: dict = {}
    for _, new in step.replacements:         # what the rule put in place (a constant, a variable …)
        copy = _rebuilt(new, after)
        if copy is not None:
            new_marks[copy] = "new"
    for node in step.added:
        if node in after.origin_node:
            new_marks[after.origin_node[node]] = "new"
    return compare(before, after, titles=("before", "after"), highlight=marks, after_highlight=new_marks,
                   rankdir=rankdir, show_types=show_types, max_nodes=max_nodes, legend=legend,
                   title=step_title(step), fold=fold, fit=fit)


def _rebuilt(var: Any, fgraph: Any) -> Any:
    """The copy of ``var`` in a graph rebuilt by ``graph_at`` (None if it is not there)."""
    if var.owner is None:
        return var if var in fgraph.variables else None
    node = fgraph.origin_node.get(var.owner)
    return None if node is None else node.outputs[var.index]


class StepPictures(Sequence):
    """The pictures of a trace's steps, each drawn when it is read (``pictures[k]``,
    a slice, or a loop): a trace can hold thousands of steps, and drawing them
    all up front would take minutes and hold every picture in memory."""

    def __init__(self, trace: Any, options: dict):
        self.trace = trace
        self.options = options

    def __len__(self) -> int:
        return len(self.trace.steps)

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if not -len(self) <= k < len(self):
            raise IndexError(f"step {k} is out of range: the trace has {len(self)} steps")
        return step_picture(self.trace, k % len(self), **self.options)

    def __repr__(self) -> str:
        return f"<{len(self)} rewrite-step pictures: pictures[k] draws step k>"


def rewrite_steps(trace: Any, *, rankdir: Optional[str] = None, show_types: bool = False,
                  max_nodes: Optional[int] = MAX_NODES, legend: bool = True,
                  fold: Union[bool, str] = "auto") -> StepPictures:
    """One ``graphviz.Digraph`` per step of ``trace`` (a ``Rewritten`` or a
    compiled function), in order, each drawn when read; see :func:`step_picture`."""
    trace = as_trace(trace)
    return StepPictures(trace, dict(rankdir=rankdir, show_types=show_types, max_nodes=max_nodes, legend=legend,
                                    fold=fold))
