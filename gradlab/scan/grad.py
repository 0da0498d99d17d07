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

from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

import gradlab.tensor as gt
from gradlab.graph.basic import Constant, Variable
from gradlab.graph.traversal import ancestors, clone_replace
from gradlab.gradient.adapter import grad_dtype, is_real, zeros_for
from gradlab.gradient.reverse import grad
from gradlab.graph.gradient_types import disconnected_type, grad_not_implemented, is_disconnected, is_null
from gradlab.scan.inner import Carried, LoopParts, Mapped, SeqRead, build_scan
from gradlab.tensor.alloc_ops import Alloc
from gradlab.tensor.type import TensorType


def is_symbolic_zero(g: Any) -> bool:
    """Is ``g`` missing, disconnected, or an obvious zero (``zeros_like``, a zero constant)?"""
    if g is None:
        return True
    if not isinstance(getattr(g, "type", None), TensorType):
        return is_disconnected(g)
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
    seeds = {}
    for out, cot in zip(outputs, cotangents):
        if cot is None or not is_real(out):
            continue
        seeds[gt.identity(out)] = cot
    if not seeds or not wrt:
        return [None] * len(wrt)
    return list(grad(None, list(wrt), known_grads=seeds, disconnected_inputs="ignore", add_names=False,
                     return_disconnected="none", null_gradients="return"))


@dataclass
class StateAdjoint:
    """The reverse loop's view of one forward state ``s``: ``adjoint`` holds
    ``a[t]`` (None when ``s`` is not real), ``g_trace`` the cotangent of
    ``s[t]`` read from the trace's cotangent (None when there is none), and
    ``carried`` the record the loop carries it in (once built)."""
    adjoint: Optional[Variable]
    g_trace: Optional[Variable]
    carried: Optional[Carried] = None


@dataclass
class ReverseStep:
    """The inner graph of one reverse step: placeholders for what step ``t``
    reads (``seqs`` per sequence and tap, ``hist`` = ``s[t-1]``, ``nonseqs``,
    the step's outputs at ``t`` in ``current``, the maps' cotangents in
    ``g_maps``) and ``vjp``: each placeholder's VJP term (by id), or
    ``undefined``, a NullType term when the step has no gradient."""
    seqs: List[List[Variable]]
    hist: List[Variable]
    nonseqs: List[Variable]
    states: List[StateAdjoint]
    g_maps: List[Optional[Variable]]
    current: List[Optional[Variable]]
    vjp: Dict[int, Optional[Variable]]
    undefined: Optional[Variable] = None

    def placeholders(self) -> list:
        """Every placeholder the step may read (those of its outer loop's seqs, states and non-sequences)."""
        extra = [s.g_trace for s in self.states] + self.g_maps + self.current
        flat_seqs = [ph for group in self.seqs for ph in group]
        return flat_seqs + self.hist + self.nonseqs + [v for v in extra if v is not None]


def reverse_step(op: Any, g_states: list, g_maps: list) -> ReverseStep:
    """The VJP of the forward step at ``t``, applied to ``(a + gs[t], gy[t])``."""
    spec, S = op.spec, op.spec.n_states
    seqs = [[fresh_like(ph) for ph in group] for group in op.seq_inner_groups()]
    hist = [fresh_like(ph) for ph in op.inner_states]
    nonseqs = [fresh_like(ph) for ph in op.inner_nonseqs]
    flat_seqs = [ph for group in seqs for ph in group]
    step = clone_replace(op.inner_outputs, dict(zip(op.inner_inputs, flat_seqs + hist + nonseqs)))
    names = [base_name(ph, f"s{k}") for k, ph in enumerate(op.inner_states)] + \
        [base_name(out, f"y{j}") for j, out in enumerate(op.inner_outputs[S:])]
    states = []
    for k, ph in enumerate(op.inner_states):
        a = fresh_like(ph, f"d{names[k]}[t]", grad_dtype(ph)) if is_real(ph) else None
        traced = a is not None and spec.keep_trace[k] and g_states[k] is not None
        states.append(StateAdjoint(a, step_type_of(g_states[k], a.dtype).make_variable(f"g{names[k]}[t]")
                                   if traced else None))
    g_map_phs = [step_type_of(g).make_variable(f"g{names[S + j]}[t]") if g is not None else None
                 for j, g in enumerate(g_maps)]
    cotangents = [None if s.adjoint is None else s.adjoint if s.g_trace is None else s.adjoint + s.g_trace
                  for s in states] + g_map_phs
    wrt = [ph for ph in flat_seqs + hist + nonseqs if is_real(ph)]
    found = inner_vjp(step, cotangents, wrt)
    undefined = next((g for g in found if g is not None and is_null(g)), None)
    # the step's outputs at time t were computed forward: read them instead of recomputing them
    current = {out: fresh_like(out, f"{names[k]}[t]") for k, out in enumerate(step)
               if out.owner is not None and is_real(out)}
    present = [i for i, g in enumerate(found) if g is not None]
    if current and present and undefined is None:
        for i, g in zip(present, clone_replace([found[i] for i in present], current)):
            found[i] = g
    return ReverseStep(seqs, hist, nonseqs, states, g_map_phs, [current.get(out) for out in step],
                       {id(ph): g for ph, g in zip(wrt, found)}, undefined)


def _carried_values(op: Any, rs: ReverseStep, g_states: list, inits: list, nonseqs: list, parts: LoopParts) -> list:
    """The values the reverse loop carries: each state's adjoint (starting at
    the final state's cotangent, or 0), then each non-sequence's running
    gradient sum.  Returns the non-sequences' records (None: no gradient)."""
    spec = op.spec
    for k, st in enumerate(rs.states):
        if st.adjoint is None:
            continue
        new = rs.vjp.get(id(rs.hist[k]))
        if new is None:
            new = gt.zeros_like(st.adjoint)
        start = g_states[k] if (not spec.keep_trace[k] and g_states[k] is not None) else zeros_for(inits[k])
        st.carried = Carried(start, st.adjoint, new, False, f"gradient of {spec.state_label(k)}")
        parts.states.append(st.carried)
    sums: list = []
    for ns, ph in zip(nonseqs, rs.nonseqs):
        d = rs.vjp.get(id(ph))
        if d is None:
            sums.append(None)
            continue
        acc = fresh_like(ph, f"d{base_name(ph, 'theta')}_sum", grad_dtype(ph))
        sums.append(Carried(zeros_for(ns), acc, acc + d, False, f"gradient of {ph.name or 'non-sequence'}"))
        parts.states.append(sums[-1])
    return sums


def _mapped_values(op: Any, rs: ReverseStep, parts: LoopParts) -> List[List[Tuple[int, Mapped]]]:
    """Each sequence's gradient at each of its tap offsets, a per-step output of the reverse loop."""
    spec = op.spec
    per_seq = []
    for k, group in enumerate(rs.seqs):
        taps = []
        for o, ph in zip(spec.seq_taps[k], group):
            d = rs.vjp.get(id(ph))
            if d is not None:
                taps.append((o, Mapped(d, f"gradient of {spec.seq_label(k)} at offset {o}")))
                parts.maps.append(taps[-1][1])
        per_seq.append(taps)
    return per_seq


def _reads(op: Any, rs: ReverseStep, inputs: list, outputs: list, g_states: list, g_maps: list,
           parts: LoopParts) -> None:
    """What the reverse step reads at each step, backwards in time (only what it uses)."""
    spec, S = op.spec, op.spec.n_states
    n, seqs, inits, _ = op.outer_parts(inputs)
    inner_outs = [c.update for c in parts.states] + [mp.value for mp in parts.maps]
    adjoints = [s.adjoint for s in rs.states if s.adjoint is not None]
    used = {id(v) for v in ancestors(inner_outs, rs.placeholders() + adjoints)}
    for k, (seq, group) in enumerate(zip(seqs, rs.seqs)):
        taps = [(o, ph) for o, ph in zip(spec.seq_taps[k], group) if id(ph) in used]
        if taps:
            span = spec.span(k)
            window = (seq[:n + span] if span else seq[:n])[::-1]
            parts.seqs.append(SeqRead(window, [(span - o, ph) for o, ph in taps], spec.seq_label(k)))
    traced = None
    for k, ph in enumerate(rs.hist):
        cur = rs.current[k]
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
            parts.seqs.append(SeqRead(trace[::-1], [(0, cur)], spec.state_label(k)))
            continue
        history = gt.concatenate([gt.expand_dims(inits[k], 0), trace], axis=0)[::-1]
        taps = ([(0, cur)] if reads_cur else []) + [(1, ph)]
        parts.seqs.append(SeqRead(history, taps, f"{spec.state_label(k)} (history)"))
    for j in range(spec.n_maps):
        cur = rs.current[S + j]
        if cur is not None and id(cur) in used:
            parts.seqs.append(SeqRead(outputs[S + j][::-1], [(0, cur)], spec.map_label(j)))
    for k, st in enumerate(rs.states):
        if st.g_trace is not None and id(st.g_trace) in used:
            parts.seqs.append(SeqRead(g_states[k][::-1], [(0, st.g_trace)], f"gradient of {spec.state_label(k)}"))
    for j, ph in enumerate(rs.g_maps):
        if ph is not None and id(ph) in used:
            parts.seqs.append(SeqRead(g_maps[j][::-1], [(0, ph)], f"gradient of {spec.map_label(j)}"))


def scan_pullback(op: Any, inputs: List[Variable], outputs: List[Variable], output_grads: List[Variable]) -> list:
    """The gradient terms of a Scan node's inputs (see the module docstring)."""
    spec, S = op.spec, op.spec.n_states
    n, seqs, inits, nonseqs = op.outer_parts(inputs)
    g_states = [None if is_symbolic_zero(g) else g for g in output_grads[:S]]
    g_maps = [None if is_symbolic_zero(g) else g for g in output_grads[S:]]
    rs = reverse_step(op, g_states, g_maps)
    if rs.undefined is not None:
        why = f"the loop's step has an undefined gradient: {getattr(rs.undefined.type, 'why_null', '')}"
        return [disconnected_type()] + [grad_not_implemented(op, i, x, why) for i, x in enumerate(inputs[1:], 1)]

    truncated = spec.truncate_gradient != -1
    n_rev = gt.minimum(n, np.int64(spec.truncate_gradient)) if truncated else n
    parts = LoopParts(n_steps=n_rev, name=f"grad_of_{spec.name}" if spec.name else "grad")
    sums = _carried_values(op, rs, g_states, inits, nonseqs, parts)
    seq_grads = _mapped_values(op, rs, parts)
    _reads(op, rs, inputs, outputs, g_states, g_maps, parts)
    parts.nonseqs = list(zip(nonseqs, rs.nonseqs))
    results = build_scan(parts) if (parts.states or parts.maps) else []
    out_of = {id(rec): r for rec, r in zip(parts.states + parts.maps, results)}

    grads: list = [disconnected_type()]
    for seq, taps in zip(seqs, seq_grads):
        total = zeros_for(seq)
        for o, mapped in taps:
            lo = (n - n_rev + o) if truncated else o
            total = gt.inc_subtensor(total[lo:n + o], out_of[id(mapped)][::-1])
        grads.append(total)
    for init, st in zip(inits, rs.states):
        if st.carried is None:
            grads.append(zeros_for(init))
        elif truncated:  # the initial state gets no gradient when the reverse loop stops early
            grads.append(gt.switch(gt.lt(n_rev, n), zeros_for(init), out_of[id(st.carried)]))
        else:
            grads.append(out_of[id(st.carried)])
    for ns, acc in zip(nonseqs, sums):
        if acc is not None:
            grads.append(out_of[id(acc)])
        else:
            grads.append(zeros_for(ns) if isinstance(ns.type, TensorType) else disconnected_type())
    return grads
