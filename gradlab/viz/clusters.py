"""Clusters that open folded things in a picture (see :mod:`gradlab.viz.folding`).

- :func:`draw_composite`: a fused composite as a cluster with one node per
  instruction of its program (a piece the fused expression uses twice is one
  node with two out-edges), fed by the composite's inputs;
- :func:`scan_body_job`: a Scan's step function, as a cluster beside the
  loop node (a dashed ``body`` edge points at it); its placeholders are
  marked as sequence entries, carried state and non-sequences, and
  :func:`link_loop_body` draws each new state back into its placeholder
  (``next step``).  The body itself is drawn by ``graph.draw``'s work list,
  so loops inside loops need no recursion.

Node ids extend the op's id (``n3_0``, ``n3_body_v2`` …), so they stay
deterministic.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from gradlab.viz import style
from gradlab.viz.folding import scan_roles, scalar_label
from gradlab.viz.layout import Target, plan


def _literal_text(value: Any) -> str:
    v = value.item() if isinstance(value, np.ndarray) else value
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return f"{v:.1f}"
    return repr(v)


def draw_composite(canvas: Any, container: Any, node: Any, nid: str, source: Callable, mark: Optional[str]) -> str:
    """Draw the fused ``node`` as a cluster of its instructions; returns the id
    of the node computing its result (where the output's edge starts)."""
    scalar = node.op.scalar_op
    program = scalar.program
    title = [f"composite: {style.plural(len(program), 'op')} fused into one node"]
    cluster = canvas.cluster(container, f"cluster_{nid}", "composite", title)
    if mark is not None:
        extra = dict(style.HIGHLIGHT_STYLES[mark][1])
        line = extra.pop("style_extra", None)
        cluster.attr(color=extra["color"], penwidth=extra["penwidth"],
                     style=",".join(filter(None, ["rounded,filled", line])))
        canvas.used["highlights"].add(mark)
    canvas.used["kinds"].add("elementwise")
    for j, (op, args, _, _) in enumerate(program):
        iid = f"{nid}_{j}"
        attrs = style.op_attrs("elementwise")
        attrs["tooltip"] = f"{op.name} (inside the composite)"
        if mark is not None and j == len(program) - 1:
            attrs = style.apply_highlight(attrs, mark)      # the result carries the composite's mark
        canvas.node(cluster, iid, [scalar_label(op)], attrs)
        numbered = len(args) > 1 and not getattr(op, "commutative", False)
        for pos, (kind, k) in enumerate(args):
            if kind == "i":
                tail = source(node.inputs[k])
            elif kind == "t":
                tail = f"{nid}_{k}"
            else:
                tail = f"{nid}_{j}_k{pos}"
                canvas.node(cluster, tail, [_literal_text(scalar.literals[k])],
                            dict(style.variable_attrs("constant"), tooltip="a constant inside the composite"))
                canvas.used["roles"].add("constant")
            if tail is None:
                continue
            label = {"label": str(pos)} if numbered else {}
            if numbered:
                canvas.used["extras"].add("numbered")
            canvas.edge(container if kind == "i" else cluster, tail, iid, **label)
    return f"{nid}_{len(program) - 1}"


def scan_body_job(canvas: Any, container: Any, node: Any, nid: str, layout: Any, job_class: Any) -> Any:
    """The work item drawing the loop body of the Scan ``node`` in a cluster
    beside it (placeholders marked by role), and the ``body`` edge to it."""
    op = node.op
    body = Target(list(op.inner_outputs), list(op.inner_inputs))
    body_layout = plan(body, layout.max_nodes, open_composites=layout.open_composites, open_scans=layout.open_scans)
    name = f"cluster_{nid}_body"
    cluster = canvas.cluster(container, name, "loop", [f"loop body of {op}: one step (t = 0 … n-1)"])
    in_roles, out_roles = scan_roles(op)
    roles = dict(zip(op.inner_inputs, in_roles))
    for var, role in zip(op.inner_outputs, out_roles):
        roles.setdefault(var, ("output", role[1]))
    prefix = f"{nid}_body_"
    if body_layout.variables:
        anchor = prefix + body_layout.var_ids[body_layout.variables[0]]
        canvas.edge(container, nid, anchor, style="dashed", lhead=name, label="body",
                    color=style.CLUSTER_STYLES["loop"][1]["color"])
    n_states = op.spec.n_states
    carried = list(zip(op.inner_outputs[:n_states], op.inner_states))
    job = job_class(cluster, body, body_layout, prefix, None, None, {}, roles)
    job.carried = carried
    return job


def link_loop_body(canvas: Any, job: Any) -> None:
    """Each new state of a loop body back into its placeholder (``next step``)."""
    ids = job.layout.var_ids
    for new, old in getattr(job, "carried", ()):
        if new is not old and new in ids and old in ids:
            canvas.edge(job.container, job.prefix + ids[new], job.prefix + ids[old], style="dashed",
                        constraint="false", label="next step", color=style.CLUSTER_STYLES["loop"][1]["color"])
            canvas.used["extras"].add("next")
