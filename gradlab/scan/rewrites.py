"""Rewrite rules for Scan nodes (added to a rule set explicitly by
:mod:`gradlab.rewrite.specialize`).

``scan_prune_outputs``: a loop output nobody reads is not computed — its
inner output is dropped, with the states only it needed and the sequences
and non-sequences no remaining output reads.  A gradient loop computes the
gradient of every input (``L_op`` cannot know which will be used); this
rule removes the ones the function does not return.
"""
from __future__ import annotations

from typing import Any, Optional

from gradlab.rewrite.rule import node_rule
from gradlab.scan.op import Scan


def _kept_outputs(op: Any, used: list) -> tuple:
    """``(states, maps)`` to keep: the used ones and the states they read."""
    from gradlab.scan.analysis import output_dependencies
    spec = op.spec
    S, first_state = spec.n_states, spec.n_seq_inputs
    deps = output_dependencies(op)
    states = {k for k in range(S) if used[k]}
    maps = {j for j in range(spec.n_maps) if used[S + j]}
    for j in maps:
        states |= {p - first_state for p in deps[S + j] if first_state <= p < first_state + S}
    for k in list(states):
        states |= {p - first_state for p in deps[k] if first_state <= p < first_state + S}
    return sorted(states), sorted(maps)


@node_rule("Scan(..., unused outputs) -> Scan(...)", tracks=(Scan,))
def scan_prune_outputs(fgraph: Any, node: Any) -> Optional[dict]:
    """A loop does not compute the outputs nobody reads."""
    from gradlab.scan.inner import Carried, LoopParts, Mapped, SeqRead, build_scan
    from gradlab.scan.op import Scan
    op = node.op
    if not isinstance(op, Scan) or op.as_while:  # a while loop's condition decides its length: keep it whole
        return None
    spec = op.spec
    S = spec.n_states
    used = [bool(fgraph.clients.get(out)) for out in node.outputs]
    if all(used) or not any(used):
        return None
    states, maps = _kept_outputs(op, used)
    if len(states) == S and len(maps) == spec.n_maps:
        return None
    n, seqs, inits, nonseqs = op.outer_parts(node.inputs)
    parts = LoopParts(n_steps=n, strict_lengths=spec.strict_lengths, name=spec.name,
                      truncate_gradient=spec.truncate_gradient)
    for k, (seq, group) in enumerate(zip(seqs, op.seq_inner_groups())):
        parts.seqs.append(SeqRead(seq, list(zip(spec.seq_taps[k], group)), spec.seq_label(k)))
    for k in states:
        parts.states.append(Carried(inits[k], op.inner_states[k], op.inner_outputs[k], spec.keep_trace[k],
                             spec.state_label(k)))
    for j in maps:
        parts.maps.append(Mapped(op.inner_outputs[S + j], spec.map_label(j)))
    parts.nonseqs = list(zip(nonseqs, op.inner_nonseqs))
    new = build_scan(parts)
    old = [node.outputs[k] for k in states] + [node.outputs[S + j] for j in maps]
    replacements = {}
    for o, v in zip(old, new):
        if o.type != v.type:
            return None
        if fgraph.clients.get(o):
            replacements[o] = v
    return replacements
