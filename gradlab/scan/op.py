"""The Scan op: a loop whose body is a graph.

One step maps ``(sequence entries, previous states, non-sequences)`` to
``(new states, mapped outputs)``::

    s_k[t]  = F_k(x[t + o] for each sequence tap o, s[t-1], theta)
    y_j[t]  = G_j(x[t + o] ..., s[t-1], theta)            t = 0 .. n-1

Outer inputs: ``[n_steps, *sequences, *initial_states, *non_sequences]``.
Outer outputs: for each state its trace ``s_k[0..n-1]`` (shape ``(n,) +
state``) or, when ``keep_trace`` is off, only its final value ``s_k[n-1]``
(``s_k[-1]``, the initial value, after zero steps); then each mapped output
stacked, ``(n,) + y_j.shape``.  A sequence read at offsets ``o`` (its *taps*
shifted to start at 0) must have ``n + max(o)`` entries.

The builder (:func:`gradlab.scan.scan`) turns the user's description —
taps, ``go_backwards``, several-tap recurrences, shared-variable updates —
into this small form; the gradient (:mod:`gradlab.scan.grad`) and the
R-operator (:mod:`gradlab.scan.rop`) are Scan ops of the same form, so
derivatives of derivatives follow.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Optional, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Constant, Variable
from gradlab.graph.op import Op
from gradlab.tensor.math import cast
from gradlab.tensor.shape_ops import shape
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable


@dataclass(frozen=True)
class ScanSpec:
    """The static description of a loop (hashable; part of the op's identity).

    ``seq_taps[k]`` are the offsets (ints >= 0) at which sequence ``k`` is
    read at step ``t`` (entry ``t + o``), one inner input per offset;
    ``keep_trace[k]`` says whether state ``k`` returns its whole trace or
    its final value; ``strict_lengths`` (no ``n_steps`` given) makes every
    sequence's usable length equal ``n_steps``.  Labels name things in
    error messages.
    """

    seq_taps: tuple
    keep_trace: tuple
    n_maps: int
    n_nonseqs: int
    strict_lengths: bool = False
    seq_labels: tuple = ()
    state_labels: tuple = ()
    map_labels: tuple = ()
    name: Optional[str] = None
    truncate_gradient: int = -1
    #: a while loop (``until``): the last mapped output is the stop condition,
    #: checked after each step; the outputs hold the steps actually run
    as_while: bool = False

    @property
    def n_seqs(self) -> int:
        return len(self.seq_taps)

    @property
    def n_states(self) -> int:
        return len(self.keep_trace)

    @property
    def n_seq_inputs(self) -> int:
        """Inner inputs taken by the sequences (one per tap)."""
        return sum(len(t) for t in self.seq_taps)

    def span(self, k: int) -> int:
        """Entries of sequence ``k`` beyond ``n_steps`` that its taps need."""
        return max(self.seq_taps[k])

    def seq_label(self, k: int) -> str:
        return self.seq_labels[k] if k < len(self.seq_labels) else f"sequences[{k}]"

    def state_label(self, k: int) -> str:
        return self.state_labels[k] if k < len(self.state_labels) else f"state {k}"

    def map_label(self, j: int) -> str:
        return self.map_labels[j] if j < len(self.map_labels) else f"output {j}"

    def who(self) -> str:
        return f"scan {self.name!r}" if self.name else "scan"


def static_int(var: Variable) -> Optional[int]:
    """The value of an integer constant (None when not known statically)."""
    if isinstance(var, Constant):
        data = np.asarray(var.data)
        if data.ndim == 0 and data.dtype.kind in "iu":
            return int(data)
    return None


def fits(outer: Any, inner: Any) -> bool:
    """Can a value of type ``outer`` stand where ``inner`` is expected (same
    dtype and dimensions, no conflicting static length)?"""
    if not isinstance(inner, TensorType):  # another kind of value (a random generator): the same type
        return outer == inner
    return (isinstance(outer, TensorType) and outer.dtype == inner.dtype and outer.ndim == inner.ndim
            and all(a is None or b is None or a == b for a, b in zip(outer.shape, inner.shape)))


class Scan(Op):
    """Run an inner graph ``n_steps`` times (see the module docstring).

    ``inner_inputs`` are placeholders: one per sequence tap, one per state,
    one per non-sequence; ``inner_outputs``: the new states, then the mapped
    outputs.  The inner graph is rewritten and compiled once (per rewrite
    mode), into a loop function the linker calls.
    """

    fold_constants = False  # a loop is run at call time, not while compiling
    __props__ = ("spec", "_token")

    #: the ``mode`` scan() was given (PyTensor's argument; None: none): not part of
    #: the op's identity; gradlab.function checks that it names a mode
    requested_mode: Any = None

    def __init__(self, inner_inputs: Sequence[Variable], inner_outputs: Sequence[Variable], spec: ScanSpec):
        inner_inputs, inner_outputs = list(inner_inputs), list(inner_outputs)
        n_in = spec.n_seq_inputs + spec.n_states + spec.n_nonseqs
        if len(inner_inputs) != n_in:
            raise ValueError(f"Scan: the spec needs {n_in} inner inputs, got {len(inner_inputs)}")
        if len(inner_outputs) != spec.n_states + spec.n_maps:
            raise ValueError(f"Scan: the spec needs {spec.n_states + spec.n_maps} inner outputs, "
                             f"got {len(inner_outputs)}")
        for k, offsets in enumerate(spec.seq_taps):
            if not offsets or min(offsets) < 0:
                raise ValueError(f"Scan: sequence {k} needs offsets >= 0, got {offsets}")
        for var in inner_inputs:
            if var.owner is not None:
                raise ValueError(f"Scan: inner input {var} must be a free placeholder")
        self.inner_inputs = inner_inputs
        self.inner_outputs = inner_outputs
        self.spec = spec
        self._token = object()
        self._loops: dict = {}
        self._variants: dict = {}

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_loops"] = {}  # compiled loops are rebuilt on demand
        state["_variants"] = {}
        return state

    # -- describing -----------------------------------------------------
    def __str__(self) -> str:
        tags = [t for t in (self.spec.name, "while" if self.spec.as_while else None) if t]
        return f"Scan{{{', '.join(tags)}}}" if tags else "Scan"

    __repr__ = __str__

    def inner_graph_for_printing(self) -> list:
        """The inner outputs (dprint shows the inner graph once, after the outer one)."""
        return list(self.inner_outputs)

    @property
    def as_while(self) -> bool:
        """Does this loop stop early (``until``)?  Its outputs' lengths are then
        known only at run time, and its last mapped output is the condition."""
        return self.spec.as_while

    def as_for_loop(self) -> "Scan":
        """This loop without its stop test (the condition stays a plain mapped
        output): run for the number of steps the while loop took, it computes
        the same values — what its derivatives are built from."""
        return self.variant(as_while=False, strict_lengths=False)

    # inner inputs by role
    @property
    def inner_seqs(self) -> list:
        return self.inner_inputs[:self.spec.n_seq_inputs]

    @property
    def inner_states(self) -> list:
        s = self.spec.n_seq_inputs
        return self.inner_inputs[s:s + self.spec.n_states]

    @property
    def inner_nonseqs(self) -> list:
        return self.inner_inputs[self.spec.n_seq_inputs + self.spec.n_states:]

    def seq_inner_groups(self) -> list:
        """For each outer sequence, the list of its inner placeholders (one per tap)."""
        groups, pos = [], 0
        for offsets in self.spec.seq_taps:
            groups.append(self.inner_inputs[pos:pos + len(offsets)])
            pos += len(offsets)
        return groups

    def outer_parts(self, inputs: Sequence[Variable]) -> tuple:
        """``(n_steps, sequences, initial_states, non_sequences)`` of a node's inputs."""
        spec = self.spec
        seqs = list(inputs[1:1 + spec.n_seqs])
        inits = list(inputs[1 + spec.n_seqs:1 + spec.n_seqs + spec.n_states])
        nonseqs = list(inputs[1 + spec.n_seqs + spec.n_states:])
        return inputs[0], seqs, inits, nonseqs

    def variant(self, **changes: Any) -> "Scan":
        """The same loop with other spec fields (cached, so equal variants merge)."""
        key = tuple(sorted(changes.items()))
        op = self._variants.get(key)
        if op is None:
            op = Scan(self.inner_inputs, self.inner_outputs, replace(self.spec, **changes))
            self._variants[key] = op
        return op

    # -- building -------------------------------------------------------
    def make_node(self, n_steps: Any, *outer: Any) -> Apply:
        spec = self.spec
        who = spec.who()
        n_steps = as_tensor_variable(n_steps)
        if n_steps.ndim != 0 or np.dtype(n_steps.dtype).kind not in "iu":
            raise TypeError(f"{who}: n_steps must be an integer scalar, got {n_steps} ({n_steps.type})")
        if n_steps.dtype != "int64":
            n_steps = cast(n_steps, "int64")
        expected = spec.n_seqs + spec.n_states + spec.n_nonseqs
        if len(outer) != expected:
            raise TypeError(f"{who}: expected {expected} inputs after n_steps, got {len(outer)}")
        outer = [v if isinstance(v, Variable) else as_tensor_variable(v) for v in outer]
        _, seqs, inits, nonseqs = self.outer_parts([n_steps] + outer)
        for k, (seq, group) in enumerate(zip(seqs, self.seq_inner_groups())):
            label = spec.seq_label(k)
            if seq.ndim < 1:
                raise TypeError(f"{who}: sequence {label} must have at least one dimension (scan iterates over "
                                f"its first axis), got {seq.type}")
            elem = TensorType(seq.dtype, seq.type.shape[1:])
            for ph in group:
                if not fits(elem, ph.type):
                    raise TypeError(f"{who}: the entries of sequence {label} have type {elem}, but the loop was "
                                    f"built for {ph.type}")
        for k, (init, ph) in enumerate(zip(inits, self.inner_states)):
            if not fits(init.type, ph.type):
                raise TypeError(f"{who}: the initial value of {spec.state_label(k)} has type {init.type}, but the "
                                f"loop was built for {ph.type}")
        for j, (ns, ph) in enumerate(zip(nonseqs, self.inner_nonseqs)):
            if not fits(ns.type, ph.type):
                raise TypeError(f"{who}: non-sequence {j} ({ns}) has type {ns.type}, but the loop was built "
                                f"for {ph.type}")
        n_static = None if spec.as_while else static_int(n_steps)
        out_types = []
        for ph, trace in zip(self.inner_states, spec.keep_trace):
            out_types.append(TensorType(ph.dtype, ((n_static,) + ph.type.shape) if trace else ph.type.shape))
        for out in self.inner_outputs[spec.n_states:]:
            out_types.append(TensorType(out.dtype, (n_static,) + out.type.shape))
        return Apply(self, [n_steps] + outer, [t.make_variable() for t in out_types])

    # -- running --------------------------------------------------------
    def loop_function(self, sets: Optional[tuple] = None) -> Any:
        """The compiled loop ``f(n_steps, *sequences, *initial_states, *non_sequences)
        -> tuple of outputs``; the inner graph is rewritten with the rule
        ``sets`` once (compiled code passes its function's sets, see
        :meth:`generate`; ``perform``, the interpreter's path, runs the inner
        graph as built)."""
        sets = tuple(sets) if sets is not None else ()
        fn = self._loops.get(sets)
        if fn is None:
            from gradlab.scan.loop import build_loop
            fn = self._loops[sets] = build_loop(self, sets)
        return fn

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        results = self.loop_function()(*inputs)
        for cell, value in zip(output_storage, results):
            cell[0] = value

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        fn = ctx.bind(self.loop_function(ctx.mode_sets), f"scan_{self.spec.name or 'loop'}")
        return f"{', '.join(outputs)}, = {fn}({', '.join(inputs)})"

    # -- analysing ------------------------------------------------------
    def connection_pattern(self, node: Apply) -> list:
        from gradlab.scan.analysis import connection_pattern
        return connection_pattern(self)

    def infer_shape(self, fgraph: Any, node: Apply, input_shapes: Sequence[tuple]) -> list:
        from gradlab.scan.analysis import infer_shape
        return infer_shape(self, node, input_shapes)

    # -- differentiating ------------------------------------------------
    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list:
        """Reverse mode through the loop: a scan running backwards in time.
        A while loop is differentiated as the for loop of the steps it ran."""
        from gradlab.scan.grad import scan_pullback
        if self.as_while:
            for_node = self._steps_taken_as_for(inputs, outputs)
            return scan_pullback(for_node.op, list(for_node.inputs), list(outputs), list(output_grads))
        return scan_pullback(self, list(inputs), list(outputs), list(output_grads))

    def R_op(self, inputs: Sequence[Variable], eval_points: Sequence[Optional[Variable]]) -> list:
        """Forward mode through the loop: a scan carrying states and tangents."""
        from gradlab.scan.rop import scan_pushforward
        if self.as_while:
            for_node = self._steps_taken_as_for(inputs, self.make_node(*inputs).outputs)
            return scan_pushforward(for_node.op, list(for_node.inputs), list(eval_points))
        return scan_pushforward(self, list(inputs), list(eval_points))

    def _steps_taken_as_for(self, inputs: Sequence[Variable], outputs: Sequence[Variable]) -> Apply:
        """The for loop over the steps this while loop ran (the length of its
        condition trace, its last output)."""
        return self.as_for_loop().make_node(shape(outputs[-1])[0], *inputs[1:])
