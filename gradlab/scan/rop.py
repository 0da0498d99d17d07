"""Forward mode through a scan: a scan carrying states and their tangents.

With tangents ``dx`` (sequences), ``ds[-1]`` (initial states) and
``dtheta`` (non-sequences), step ``t`` computes, next to the forward step
``(s[t], y[t]) = F(x[t], s[t-1], theta)``, its JVP::

    (ds[t], dy[t]) = dF(x[t], s[t-1], theta) . (dx[t], ds[t-1], dtheta)

The inner JVP is pushed through the inner graph by each op's ``R_op``, so
the tangent loop is again a Scan op.  Only the tangents that can be
non-zero are carried (found by a small fixpoint over the states).
"""
from __future__ import annotations

from typing import Any, List, Optional

import gradlab.tensor as gt
from gradlab.graph.traversal import clone_replace
from gradlab.gradient.adapter import grad_dtype, is_real
from gradlab.scan.grad import fresh_like, is_symbolic_zero
from gradlab.scan.inner import Carried, LoopParts, Mapped, SeqRead, build_scan
from gradlab.gradient.forward import push_forward
from gradlab.graph.gradient_types import is_null


def scan_pushforward(op: Any, inputs: List[Any], eval_points: List[Optional[Any]]) -> list:
    """The tangents of a Scan node's outputs (``None`` where zero)."""
    spec = op.spec
    S = spec.n_states
    n, seqs, inits, nonseqs = op.outer_parts(inputs)
    points = [None if is_symbolic_zero(p) else p for p in eval_points]
    _, t_seqs, t_inits, t_nonseqs = op.outer_parts(points)
    if all(p is None for p in points[1:]):
        return [None] * len(op.inner_outputs)

    seq_groups = op.seq_inner_groups()
    f_seqs = [[fresh_like(ph) for ph in group] for group in seq_groups]
    f_states = [fresh_like(ph) for ph in op.inner_states]
    f_ns = [fresh_like(ph) for ph in op.inner_nonseqs]
    flat_f_seqs = [ph for group in f_seqs for ph in group]
    step = clone_replace(op.inner_outputs, dict(zip(op.inner_inputs, flat_f_seqs + f_states + f_ns)))

    sources: dict = {}
    d_seqs = []
    for k, group in enumerate(f_seqs):
        phs = []
        for ph in group:
            if t_seqs[k] is not None and is_real(ph):
                t = fresh_like(ph, f"d{ph.name}" if ph.name else None, grad_dtype(ph))
                sources[ph] = t
                phs.append(t)
            else:
                phs.append(None)
        d_seqs.append(phs)
    d_ns = []
    for j, ph in enumerate(f_ns):
        if t_nonseqs[j] is not None and is_real(ph):
            t = fresh_like(ph, f"d{ph.name}" if ph.name else None, grad_dtype(ph))
            sources[ph] = t
            d_ns.append(t)
        else:
            d_ns.append(None)
    d_states = [fresh_like(ph, f"d{ph.name}" if ph.name else None, grad_dtype(ph)) if is_real(ph) else None
                for ph in f_states]
    live = {k for k in range(S) if t_inits[k] is not None and d_states[k] is not None}
    while True:  # which state tangents can become non-zero?
        seeds = dict(sources)
        seeds.update({f_states[k]: d_states[k] for k in live})
        tangents = push_forward(step, seeds) if seeds else [None] * len(step)
        grown = {k for k in range(S) if d_states[k] is not None and tangents[k] is not None} | live
        if grown == live:
            break
        live = grown
    if any(t is not None and is_null(t) for t in tangents):
        raise NotImplementedError("the loop's step has an op whose R_op and gradient are undefined")
    if not live and all(t is None for t in tangents[S:]):
        return [None] * len(op.inner_outputs)

    parts = LoopParts(n_steps=n, name=f"rop_of_{spec.name}" if spec.name else "rop")
    for k, (seq, group) in enumerate(zip(seqs, f_seqs)):
        parts.seqs.append(SeqRead(seq, list(zip(spec.seq_taps[k], group)), spec.seq_label(k)))
        if t_seqs[k] is not None and any(d is not None for d in d_seqs[k]):
            taps = [(o, d) for o, d in zip(spec.seq_taps[k], d_seqs[k]) if d is not None]
            parts.seqs.append(SeqRead(t_seqs[k], taps, f"tangent of {spec.seq_label(k)}"))
    for k in range(S):
        parts.states.append(Carried(inits[k], f_states[k], step[k], False, spec.state_label(k)))
    slots = []
    for k in sorted(live):
        start = t_inits[k] if t_inits[k] is not None else gt.zeros_like(inits[k], dtype=grad_dtype(inits[k]))
        new = tangents[k] if tangents[k] is not None else gt.zeros_like(d_states[k])
        slots.append((k, len(parts.states)))
        parts.states.append(Carried(start, d_states[k], new, spec.keep_trace[k], f"tangent of {spec.state_label(k)}"))
    map_slots = []
    for j in range(spec.n_maps):
        t = tangents[S + j]
        if t is None:
            map_slots.append(None)
            continue
        map_slots.append(len(parts.maps))
        parts.maps.append(Mapped(t, f"tangent of {spec.map_label(j)}"))
    parts.nonseqs = list(zip(nonseqs, f_ns)) + [(t_nonseqs[j], d) for j, d in enumerate(d_ns) if d is not None]
    results = build_scan(parts)
    n_carried = len(parts.states)
    out: list = [None] * len(op.inner_outputs)
    for k, pos in slots:
        out[k] = results[pos]
    for j, pos in enumerate(map_slots):
        if pos is not None:
            out[S + j] = results[n_carried + pos]
    return out
