"""What can be said about a Scan node without running it: which outputs
depend on which inputs (``connection_pattern``) and the outputs' shapes
(``infer_shape``)."""
from __future__ import annotations

from typing import Any, Sequence

from gradlab.graph.basic import Constant, Variable
from gradlab.graph.traversal import ancestors, graph_inputs, toposort
from gradlab.tensor.shape_ops import shape as shape_of


def _inner_dependencies(op: Any) -> list:
    """For each inner output, the set of inner-input positions it reads."""
    position = {id(v): i for i, v in enumerate(op.inner_inputs)}
    deps = []
    for out in op.inner_outputs:
        found = {position[id(v)] for v in ancestors([out], op.inner_inputs) if id(v) in position}
        deps.append(found)
    return deps


def output_dependencies(op: Any) -> list:
    """For each outer output, the inner-input positions its values depend on
    over all steps (a state read at step ``t`` carries what its update read
    at earlier steps)."""
    spec = op.spec
    first_state = spec.n_seq_inputs
    deps = _inner_dependencies(op)
    states = [set(d) for d in deps[:spec.n_states]]
    changed = True
    while changed:  # fixpoint over the recurrence (at most n_states rounds of growth)
        changed = False
        for k in range(spec.n_states):
            for j in range(spec.n_states):
                if first_state + j in states[k] and not states[j] <= states[k]:
                    states[k] |= states[j]
                    changed = True
    result = []
    for k in range(spec.n_states):
        found = set(states[k])
        if not spec.keep_trace[k]:
            found.add(first_state + k)  # after zero steps the final value is the initial one
        result.append(found)
    for m in range(spec.n_maps):
        found = set(deps[spec.n_states + m])
        for j in range(spec.n_states):
            if first_state + j in found:
                found |= states[j]
        result.append(found)
    return result


def connection_pattern(op: Any) -> list:
    """``pattern[i][j]``: does outer output ``j`` depend on outer input ``i``?
    (``n_steps`` is connected to none: it is an integer.)"""
    spec = op.spec
    outs = output_dependencies(op)
    rows = [[False] * len(outs)]
    pos = 0
    for offsets in spec.seq_taps:
        mine = set(range(pos, pos + len(offsets)))
        rows.append([bool(mine & o) for o in outs])
        pos += len(offsets)
    for k in range(spec.n_states):
        rows.append([spec.n_seq_inputs + k in o for o in outs])
    base = spec.n_seq_inputs + spec.n_states
    for j in range(spec.n_nonseqs):
        rows.append([base + j in o for o in outs])
    return rows


def _constant_shape(var: Variable) -> tuple:
    return tuple(int(s) for s in getattr(var.data, "shape", ()))


def inner_output_shapes(op: Any, input_shapes: Sequence[tuple]) -> list:
    """Symbolic shapes of the inner outputs in terms of the outer inputs'
    shapes, or ``None`` for an output whose shape depends on values computed
    inside the loop."""
    spec = op.spec
    shapes: dict = {}
    seq_shapes = input_shapes[1:1 + spec.n_seqs]
    for group, shp in zip(op.seq_inner_groups(), seq_shapes):
        for ph in group:
            shapes[id(ph)] = tuple(shp[1:])
    rest = list(input_shapes[1 + spec.n_seqs:])
    for ph, shp in zip(op.inner_states + op.inner_nonseqs, rest):
        shapes[id(ph)] = tuple(shp)
    for node in toposort(op.inner_outputs, op.inner_inputs):
        ins = []
        for v in node.inputs:
            if id(v) in shapes:
                ins.append(shapes[id(v)])
            elif isinstance(v, Constant):
                ins.append(_constant_shape(v))
            else:
                ins = None
                break
        if ins is None or any(s is None for s in ins):
            continue
        try:
            outs = node.op.infer_shape(None, node, ins)
        except Exception:  # noqa: BLE001 - an op without a shape rule: unknown here
            continue
        for out, shp in zip(node.outputs, outs):
            shapes[id(out)] = tuple(shp)
    inner_ids = {id(v) for v in op.inner_inputs}
    result = []
    for out in op.inner_outputs:
        shp = shapes.get(id(out))
        if shp is None and isinstance(out, Constant):
            shp = _constant_shape(out)
        if shp is not None:
            free = [e for e in shp if isinstance(e, Variable)]
            if free and any(id(v) in inner_ids for v in graph_inputs(free)):
                shp = None
        result.append(shp)
    return result


def infer_shape(op: Any, node: Any, input_shapes: Sequence[tuple]) -> list:
    """Trace ``(n,) + initial state shape``; final value: the initial state's
    shape; mapped output ``(n,) + its step shape`` (from the inner graph's
    shape rules, or its static shape, or — as a last resort — the computed
    output's own shape)."""
    spec = op.spec
    n = node.inputs[0]
    if spec.as_while:  # the steps run are known after the loop: the length of its condition trace
        n = shape_of(node.outputs[-1])[0]
    init_shapes = input_shapes[1 + spec.n_seqs:1 + spec.n_seqs + spec.n_states]
    result = []
    for shp, trace in zip(init_shapes, spec.keep_trace):
        result.append(((n,) + tuple(shp)) if trace else tuple(shp))
    inner = inner_output_shapes(op, input_shapes)
    for m in range(spec.n_maps):
        out = node.outputs[spec.n_states + m]
        step = inner[spec.n_states + m]
        if step is None:
            static = op.inner_outputs[spec.n_states + m].type.shape
            step = tuple(s if s is not None else shape_of(out)[a + 1] for a, s in enumerate(static))
        result.append((n,) + tuple(step))
    return result
