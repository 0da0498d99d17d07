"""``compare(before, after)``: two graphs side by side in one picture — the
graph the user built and the one compilation produced."""
from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence, Union

from gradlab.viz import dot_runner, style
from gradlab.viz.fitting import fitted
from gradlab.viz.graph_picture import (MAX_NODES, Canvas, aliased_marks, draw, finish, new_digraph, numbers, plan,
                              repeat_note, resolve_target, summary_note)


def split_function(f: Any) -> tuple:
    """``(user's outputs, compiled FunctionGraph)`` of a compiled function."""
    return list(f.maker.user_outputs), f.maker.fgraph


#: the third way to lay two sides out: top to bottom, one under the other
STACKED = "TB, stacked"


def _block_end(body: list, start: int) -> int:
    """Where the subgraph block opened at ``body[start]`` ends (one past its ``}``)."""
    depth = 0
    for k in range(start, len(body)):
        line = body[k].strip()
        depth += line.endswith("{") - (line == "}")
        if depth == 0:
            return k + 1
    return len(body)


def compare(before: Any, after: Any = None, *, titles: Optional[Sequence[str]] = None,
            values: Optional[Mapping] = None, adjoints: bool = False, show_types: bool = False,
            rankdir: Optional[str] = None, max_nodes: Optional[int] = MAX_NODES, highlight: Any = (),
            after_highlight: Any = (), legend: bool = True, title: Optional[str] = None,
            fold: Union[bool, str] = "auto", fit: bool = True) -> Any:
    """One ``graphviz.Digraph`` with ``before`` and ``after`` side by side (across the
    flow: above/below for ``rankdir="LR"``, left/right for ``"TB"``).

    Each side is anything :func:`gradlab.viz.graph` accepts.  With a compiled
    function alone (``compare(f)``, or ``after`` omitted) the sides are the
    graph before rewriting (``f.maker.user_outputs``) and ``f.maker.fgraph``.
    ``highlight`` marks nodes of the left side, ``after_highlight`` of the right.
    ``rankdir``, ``fold`` and ``fit`` work as in :func:`gradlab.viz.graph`
    (the size budget holds for the two sides together).
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
        left_title = left_title or f"before rewriting: {style.plural(n_user, 'op')}"
        right_title = right_title or f"after {f.maker.mode.name}: {style.plural(n_after, 'op')}"
        after = f
    sides = []
    for side, obj, label, marks in [(0, before, left_title, highlight), (1, after, right_title, after_highlight)]:
        target = resolve_target(obj)
        sides.append((side, target, label, aliased_marks(marks, target)))
    computed: dict = {}

    def build(options: dict, direction: Optional[str]) -> tuple:
        stacked = direction == STACKED           # top to bottom, "after" under "before"
        direction = "TB" if stacked else direction
        dot = new_digraph(direction or "LR")
        dot.text_form = dot_runner.text_form_of(before, after)
        canvas = Canvas()
        notes, layouts, blocks = [], [], []
        # dot stacks pieces bottom-up in declaration order: declared last, "before" ends on top
        for side, target, label, marks in (sides[::-1] if direction in ("LR", "RL", None) else sides):
            blocks.append(len(dot.body))
            layout = plan(target, **options)
            layouts.append(layout)
            if side not in computed:
                computed[side] = numbers(target, layout, values, adjoints)
            forward, backward = computed[side]
            prefix = ("b_", "a_")[side]
            with dot.subgraph(name=f"cluster_{prefix}side") as cluster:
                default = ("before", "after")[side] + f": {style.plural(len(layout.nodes) + len(layout.hidden), 'op')}"
                cluster.attr(label=style.text_label(style.wrap_line(label or default)), style="rounded",
                             color=style.GREY, labeljust="l")
                used = draw(cluster, target, layout, prefix=prefix, values=forward, adjoints=backward,
                            show_types=show_types, highlight=marks, canvas=canvas)
            for note in (summary_note(layout), repeat_note(layout)):
                if note:
                    notes.append((side, ("before: ", "after: ")[side] + note))
        if stacked and layouts[0].variables and layouts[1].variables:
            below = [v for v in sides[0][1].outputs if v in layouts[0].var_ids] or layouts[0].variables[-1:]
            dot.edge("b_" + layouts[0].var_ids[below[0]], "a_" + layouts[1].var_ids[layouts[1].variables[0]],
                     style="invis")
        size = finish(dot, used, title=title, notes=[text for _, text in sorted(notes)], legend=legend,
                      rankdir=direction)
        if direction is None and dot.graph_attr["rankdir"] in ("TB", "BT"):
            # chosen top to bottom: the sides go left to right, "before" first
            first, second = blocks[0], blocks[1]
            end = _block_end(dot.body, second)
            dot.body[first:end] = dot.body[second:end] + dot.body[first:second]
        return dot, size, layouts

    return fitted(build, fold, max_nodes, fit, rankdir, directions=("LR", "TB", STACKED))
