"""``compare(before, after)``: two graphs side by side in one picture — the
graph the user built and the one compilation produced."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from gradlab.viz import dot_runner, style
from gradlab.viz.graph import (MAX_NODES, aliased_marks, draw, new_digraph, numbers, plan, resolve_target,
                              summary_note)


def split_function(f: Any) -> tuple:
    """``(user's outputs, compiled FunctionGraph)`` of a compiled function."""
    return list(f.maker.user_outputs), f.maker.fgraph


def compare(before: Any, after: Any = None, *, titles: Optional[Sequence[str]] = None,
            values: Optional[Mapping] = None, adjoints: bool = False, show_types: bool = False,
            rankdir: str = "LR", max_nodes: Optional[int] = MAX_NODES, highlight: Any = (),
            after_highlight: Any = (), legend: bool = True, title: Optional[str] = None) -> Any:
    """One ``graphviz.Digraph`` with ``before`` and ``after`` side by side (across the
    flow: above/below for ``rankdir="LR"``, left/right for ``"TB"``).

    Each side is anything :func:`gradlab.viz.graph` accepts.  With a compiled
    function alone (``compare(f)``, or ``after`` omitted) the sides are the
    graph before rewriting (``f.maker.user_outputs``) and ``f.maker.fgraph``.
    ``highlight`` marks nodes of the left side, ``after_highlight`` of the right.
    """
    left_title, right_title = titles or (None, None)
    if after is None:
        if not hasattr(before, "maker"):
            raise TypeError("compare(before, after) needs two graphs, or one compiled function "
                            f"(got a {type(before).__name__} alone)")
        f = before
        before, after = split_function(f)
        n_user = len(plan(resolve_target(before), None).nodes)
        n_after = len(f.maker.fgraph.apply_nodes)
        left_title = left_title or f"before rewriting: {n_user} ops"
        right_title = right_title or f"after {f.maker.mode.name}: {n_after} ops"
        after = f
    dot = new_digraph(rankdir)
    dot.text_form = dot_runner.text_form_of(before, after)
    used = {"roles": set(), "kinds": set(), "highlights": set()}
    notes = []
    sides = [(0, before, left_title, highlight), (1, after, right_title, after_highlight)]
    if rankdir in ("LR", "RL"):
        sides.reverse()     # dot stacks pieces bottom-up in declaration order: "before" ends on top
    for side, obj, label, marks in sides:
        target = resolve_target(obj)
        layout = plan(target, max_nodes)
        forward, backward = numbers(target, layout, values, adjoints)
        prefix = ("b_", "a_")[side]
        marks = aliased_marks(marks, target)
        with dot.subgraph(name=f"cluster_{prefix}side") as cluster:
            default = ("before", "after")[side] + f": {len(layout.nodes) + len(layout.hidden)} ops"
            cluster.attr(label=style.text_label([label or default]), style="rounded", color=style.GREY,
                         labeljust="l")
            found = draw(cluster, target, layout, prefix=prefix, values=forward, adjoints=backward,
                         show_types=show_types, highlight=marks)
        for key in used:
            used[key] |= found[key]
        note = summary_note(layout)
        if note:
            notes.append((side, ("before: ", "after: ")[side] + note))
    style.set_caption(dot, title, [text for _, text in sorted(notes)])
    if legend:
        style.add_legend(dot, sorted(used["roles"]), sorted(used["kinds"]), sorted(used["highlights"]))
    return dot
