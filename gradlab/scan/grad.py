"""Reverse mode through a scan: a scan running backwards in time.

Forward, step ``t`` computes ``(s[t], y[t]) = F(x[t], s[t-1], theta)``.
Given the cotangents ``gs`` of the state traces (or of the final states) and
``gy`` of the mapped outputs, the pullback runs ``t = n-1, ..., 0``
carrying the adjoint ``a`` of the state (``a = 0``, or the final state's
cotangent, before the first reverse step)::

    (dx[t], a, dtheta_t) = VJP of F at (x[t], s[t-1], theta) applied to (a + gs[t], gy[t])
    theta_bar += dtheta_t

and returns ``x_bar[t + o] += dx_o[t]`` for each sequence tap ``o``,
``s_init_bar = a`` and ``theta_bar``.  The inner VJP is an ordinary
``grad`` of the inner graph, so the reverse loop is itself a Scan op (and
has a gradient: second derivatives are reverse scans of reverse scans).
``s[t-1]`` is read from the forward trace with the initial value in front;
``truncate_gradient=k`` runs only the last ``k`` reverse steps (earlier
states are then treated as constants and the initial state gets no
gradient).
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence

import numpy as np

import gradlab.tensor as gt
from gradlab.graph.basic import Constant, Variable
from gradlab.graph.traversal import ancestors, clone_replace
from gradlab.gradient.types import DisconnectedType
from gradlab.scan.inner import LoopParts, build_scan
from gradlab.tensor.alloc import Alloc
from gradlab.tensor.type import TensorType


def is_float(var: Variable) -> bool:
    dtype = getattr(var, "dtype", None)  # None: not a tensor (a random generator)
    return dtype is not None and np.dtype(dtype).kind in "fc"


def grad_dtype(var: Variable) -> str:
    return var.dtype if is_float(var) else "float64"


def is_symbolic_zero(g: Any) -> bool:
    """Is ``g`` missing, disconnected, or an obvious zero (``zeros_like``, a zero constant)?"""
    if g is None:
        return True
    t = getattr(g, "type", None)
    if not isinstance(t, TensorType):
        return isinstance(t, DisconnectedType)
    if isinstance(g, Constant):
        return not np.any(g.data)
    owner = g.owner
    if owner is None:
        return False
    sop = getattr(owner.op, "scalar_op", None)
    if sop is not None and sop.name == "second":
        return is_symbolic_zero(owner.inputs[1]) if isinstance(owner.inputs[1], Constant) else False
    if isinstance(owner.op, Alloc):
        return isinstance(owner.inputs[0], Constant) and not np.any(owner.inputs[0].data)
    return False


def zeros_for(var: Variable) -> Variable:
    return gt.zeros_like(var, dtype=grad_dtype(var))


def fresh_like(var: Variable, name: Optional[str] = None, dtype: Optional[str] = None) -> Variable:
    if not isinstance(var.type, TensorType):  # a random generator: a new one of its type
        return var.type.make_variable(name if name is not None else var.name)
    return TensorType(dtype or var.dtype, var.type.shape).make_variable(name if name is not None else var.name)


def base_name(var: Variable, fallback: str) -> str:
    """A placeholder's name without its step index (``h[t-1]`` -> ``h``)."""
    name = var.name or fallback
    return name.split("[", 1)[0] or fallback


def step_type_of(var: Variable, dtype: Optional[str] = None) -> TensorType:
    """The type of one entry of ``var`` along its first axis."""
    return TensorType(dtype or var.dtype, var.type.shape[1:])


def inner_vjp(outputs: Sequence[Variable], cotangents: Sequence[Optional[Variable]],
              wrt: Sequence[Variable]) -> list:
    """``sum_k cotangents[k] . d outputs[k] / d wrt`` for each ``wrt`` (None
    where disconnected, a NullType variable where undefined).

    Each output is seeded through an identity node, so seeds never hide
    what flows into an output from another output (an output may be an
    input, or computed from another output).
    """
    from gradlab.gradient import grad
    seeds = {}
    for out, cot in zip(outputs, cotangents):
        if cot is None or not is_float(out):
            continue
        seeds[gt.identity(out)] = cot
    if not seeds or not wrt:
        return [None] * len(wrt)
    return list(grad(None, list(wrt), known_grads=seeds, disconnected_inputs="ignore", add_names=False,
                     return_disconnected="none", null_gradients="return"))


def scan_pullback(op: Any, inputs: List[Variable], outputs: List[Variable], output_grads: List[Variable]) -> list:
    """The gradient terms of a Scan node's inputs (see the module docstring)."""
    from gradlab.gradient import disconnected_type, grad_not_implemented
    from gradlab.gradient.types import is_null
    spec = op.spec
    S = spec.n_states
    n, seqs, inits, nonseqs = op.outer_parts(inputs)
    g_states = [None if is_symbolic_zero(g) else g for g in output_grads[:S]]
    g_maps = [None if is_symbolic_zero(g) else g for g in output_grads[S:]]

    # the reverse step's inner graph
    seq_groups = op.seq_inner_groups()
    r_seqs = [[fresh_like(ph) for ph in group] for group in seq_groups]
    r_hist = [fresh_like(ph) for ph in op.inner_states]
    r_ns = [fresh_like(ph) for ph in op.inner_nonseqs]
    flat_r_seqs = [ph for group in r_seqs for ph in group]
    step = clone_replace(op.inner_outputs, dict(zip(op.inner_inputs, flat_r_seqs + r_hist + r_ns)))
    state_names = [base_name(ph, f"s{k}") for k, ph in enumerate(op.inner_states)]
    map_names = [base_name(out, f"y{j}") for j, out in enumerate(op.inner_outputs[S:])]
    adjoints = [fresh_like(ph, f"d{state_names[k]}[t]", grad_dtype(ph)) if is_float(ph) else None
                for k, ph in enumerate(op.inner_states)]
    g_trace_phs = []
    for k in range(S):
        g = g_states[k]
        if spec.keep_trace[k] and g is not None and adjoints[k] is not None:
            g_trace_phs.append(step_type_of(g, adjoints[k].dtype).make_variable(f"g{state_names[k]}[t]"))
        else:
            g_trace_phs.append(None)
    g_map_phs = [step_type_of(g).make_variable(f"g{map_names[j]}[t]") if g is not None else None
                 for j, g in enumerate(g_maps)]
    cotangents = []
    for k in range(S):
        if adjoints[k] is None:
            cotangents.append(None)
        elif g_trace_phs[k] is not None:
            cotangents.append(adjoints[k] + g_trace_phs[k])
        else:
            cotangents.append(adjoints[k])
    cotangents += g_map_phs
    wrt_seq = [ph for ph in flat_r_seqs if is_float(ph)]
    wrt_hist = [ph for ph in r_hist if is_float(ph)]
    wrt_ns = [ph for ph in r_ns if is_float(ph)]
    found = inner_vjp(step, cotangents, wrt_seq + wrt_hist + wrt_ns)
    nulls = [g for g in found if g is not None and is_null(g)]
    if nulls:
        why = getattr(nulls[0].type, "why_null", "")
        result = [disconnected_type()]
        for i, x in enumerate(inputs[1:], start=1):
            result.append(grad_not_implemented(op, i, x, f"the loop's step has an undefined gradient: {why}"))
        return result

    # the step's outputs at time t were computed forward: read them instead of recomputing them
    current = {}
    for k, out in enumerate(step):
        if out.owner is not None and is_float(out):
            current[out] = fresh_like(out, f"{state_names[k] if k < S else map_names[k - S]}[t]")
    present = [i for i, g in enumerate(found) if g is not None]
    if current and present:
        rebuilt = clone_replace([found[i] for i in present], current)
        for i, g in zip(present, rebuilt):
            found[i] = g
    by_ph = {id(ph): g for ph, g in zip(wrt_seq + wrt_hist + wrt_ns, found)}
    current_phs = [current.get(out) for out in step]

    # carried values: state adjoints, then non-sequence accumulators
    parts = LoopParts(n_steps=n, name=f"grad_of_{spec.name}" if spec.name else "grad")
    truncated = spec.truncate_gradient != -1
    n_rev = gt.minimum(n, np.int64(spec.truncate_gradient)) if truncated else n
    parts.n_steps = n_rev
    state_slots = []
    for k, ph in enumerate(op.inner_states):
        if adjoints[k] is None:
            state_slots.append(None)
            continue
        new = by_ph.get(id(r_hist[k]))
        if new is None:
            new = gt.zeros_like(adjoints[k])
        start = g_states[k] if (not spec.keep_trace[k] and g_states[k] is not None) else zeros_for(inits[k])
        state_slots.append(len(parts.states))
        parts.states.append((start, adjoints[k], new, False, f"gradient of {spec.state_label(k)}"))
    ns_slots = []
    for j, ph in enumerate(r_ns):
        d = by_ph.get(id(ph))
        if d is None:
            ns_slots.append(None)
            continue
        acc = fresh_like(ph, f"d{base_name(ph, 'theta')}_sum", grad_dtype(ph))
        ns_slots.append(len(parts.states))
        parts.states.append((zeros_for(nonseqs[j]), acc, acc + d, False, f"gradient of {ph.name or 'non-sequence'}"))
    seq_slots = []
    for k, group in enumerate(r_seqs):
        slots = []
        for o, ph in zip(spec.seq_taps[k], group):
            d = by_ph.get(id(ph))
            if d is None:
                slots.append(None)
                continue
            slots.append((o, len(parts.maps)))
            parts.maps.append((d, f"gradient of {spec.seq_label(k)} at offset {o}"))
        seq_slots.append(slots)

    # what the reverse step reads, step by step (only what it uses)
    inner_outs = [s[2] for s in parts.states] + [mp[0] for mp in parts.maps]
    placeholders = flat_r_seqs + r_hist + r_ns + [v for v in g_trace_phs + g_map_phs + current_phs if v is not None]
    used = {id(v) for v in ancestors(inner_outs, placeholders + [a for a in adjoints if a is not None])}
    for k, (seq, group) in enumerate(zip(seqs, r_seqs)):
        taps = [(o, ph) for o, ph in zip(spec.seq_taps[k], group) if id(ph) in used]
        if not taps:
            continue
        span = spec.span(k)
        window = (seq[:n + span] if span else seq[:n])[::-1]
        parts.seqs.append((window, [(span - o, ph) for o, ph in taps], spec.seq_label(k)))
    traced = None
    for k, ph in enumerate(r_hist):
        cur = current_phs[k]
        reads_cur = cur is not None and id(cur) in used
        if id(ph) not in used and not reads_cur:
            continue
        if spec.keep_trace[k]:
            trace = outputs[k]
        else:
            if traced is None:
                traced = op.variant(keep_trace=(True,) * S).make_node(*inputs).outputs
            trace = traced[k]
        if id(ph) not in used:  # only s[t]: the trace itself, backwards
            parts.seqs.append((trace[::-1], [(0, cur)], spec.state_label(k)))
            continue
        history = gt.concatenate([gt.expand_dims(inits[k], 0), trace], axis=0)[::-1]
        taps = ([(0, cur)] if reads_cur else []) + [(1, ph)]
        parts.seqs.append((history, taps, f"{spec.state_label(k)} (history)"))
    for j in range(spec.n_maps):
        cur = current_phs[S + j]
        if cur is not None and id(cur) in used:
            parts.seqs.append((outputs[S + j][::-1], [(0, cur)], spec.map_label(j)))
    for k, ph in enumerate(g_trace_phs):
        if ph is not None and id(ph) in used:
            parts.seqs.append((g_states[k][::-1], [(0, ph)], f"gradient of {spec.state_label(k)}"))
    for j, ph in enumerate(g_map_phs):
        if ph is not None and id(ph) in used:
            parts.seqs.append((g_maps[j][::-1], [(0, ph)], f"gradient of {spec.map_label(j)}"))
    parts.nonseqs = list(zip(nonseqs, r_ns))

    results = build_scan(parts) if (parts.states or parts.maps) else []
    n_carried = len(parts.states)

    grads: list = [disconnected_type()]
    for k, seq in enumerate(seqs):
        total = zeros_for(seq)
        for slot in seq_slots[k]:
            if slot is None:
                continue
            o, pos = slot
            d = results[n_carried + pos][::-1]
            lo = (n - n_rev + o) if truncated else o
            total = gt.inc_subtensor(total[lo:n + o], d)
        grads.append(total)
    for k, init in enumerate(inits):
        slot = state_slots[k]
        if slot is None:
            grads.append(zeros_for(init))
            continue
        g = results[slot]
        if truncated:
            g = gt.switch(gt.lt(n_rev, n), zeros_for(init), g)
        grads.append(g)
    for j, ns in enumerate(nonseqs):
        slot = ns_slots[j]
        if slot is None:
            grads.append(zeros_for(ns) if isinstance(ns.type, TensorType) else disconnected_type())
        else:
            grads.append(results[slot])
    return grads
