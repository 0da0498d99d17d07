"""``scan``: describe a loop with a Python function, get symbolic outputs.

    h, updates = gradlab.scan(lambda x_t, h_prev, a: gt.tanh(a * h_prev + x_t),
                              sequences=x, outputs_info=h0, non_sequences=a)

``fn`` is called once, on symbolic placeholders: one per sequence tap (the
entry ``x[t + k]``), one per recurrent-output tap (the value ``h[t + k]``,
``k < 0``), then the non-sequences themselves.  What it returns — outputs,
and optionally updates of shared variables — describes one step.  The
builder turns this description into a :class:`~gradlab.scan.op.Scan` node:

- a sequence tap ``k`` reads entry ``t + k - lo`` where ``lo = min(taps, 0)``,
  so ``n_steps`` is the length minus ``max(taps, 0) - lo``;
  ``go_backwards`` reverses the sequences first;
- an output with taps ``[-1]`` (the default when an initial value is given)
  is a recurrent state; taps like ``[-2, -1]`` read the ``L = -min(taps)``
  previous values, starting from ``initial[0 .. L-1]`` (``initial[k + L]``
  stands for tap ``k`` at step 0); ``None`` marks a map-like output;
- variables ``fn`` uses without receiving them (closures, shared
  variables) become inputs of the node, as do values computed from outside
  values only (hoisted out of the loop).
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable, Mapping, Optional, Sequence, Tuple

import numpy as np

import gradlab.tensor as gt
from gradlab.graph.basic import Constant, Variable
from gradlab.graph.traversal import ancestors, clone_replace
from gradlab.scan.errors import ScanBuildError
from gradlab.scan.inner import Carried, LoopParts, Mapped, SeqRead, build_scan
from gradlab.scan.step import as_list as _as_list, per_step_generators, split_result, split_until
from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import as_tensor_variable
from gradlab.graph.gradient_types import DisconnectedInputError
from gradlab.tensor.random.derived import advance_generator
from gradlab.tensor.shared import SharedVariable


def _tap_name(label: str, k: int) -> str:
    return f"{label}[t]" if k == 0 else f"{label}[t{k:+d}]"


def _as_taps(taps: Any, what: str) -> list:
    if isinstance(taps, (int, np.integer)):
        taps = [taps]
    if not isinstance(taps, (list, tuple)) or not taps:
        raise ScanBuildError(f"{what}: taps must be a non-empty list of integers, got {taps!r}")
    result = []
    for k in taps:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
            raise ScanBuildError(f"{what}: taps must be integers, got {k!r} in {list(taps)}")
        if int(k) in result:
            raise ScanBuildError(f"{what}: tap {int(k)} is listed twice in {list(taps)}")
        result.append(int(k))
    return result


class _Sequence:
    """One entry of ``sequences``: the outer tensor and its taps."""

    def __init__(self, index: int, item: Any, go_backwards: bool, who: str):
        taps: Any = [0]
        if isinstance(item, Mapping):
            unknown = set(item) - {"input", "taps"}
            if "input" not in item or unknown:
                raise ScanBuildError(f"{who}: sequences[{index}] is a dict; it needs the key 'input' (and "
                                     f"optionally 'taps'), got keys {sorted(item)}")
            taps = item.get("taps", [0]) if item.get("taps") is not None else [0]
            item = item["input"]
        try:
            seq = as_tensor_variable(item)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{who}: sequences[{index}] must be a tensor, got {type(item).__name__}: {exc}") from None
        self.label = seq.name or f"sequences[{index}]"
        if seq.ndim < 1:
            raise TypeError(f"{who}: sequence {self.label} is a scalar ({seq.type}); scan iterates over the first "
                            "axis of each sequence, so pass a vector or a higher-dimensional tensor "
                            "(or use n_steps without sequences)")
        self.taps = _as_taps(taps, f"{who}: sequence {self.label}")
        if go_backwards:
            seq = seq[::-1]
        lo, hi = min(min(self.taps), 0), max(max(self.taps), 0)
        self.span = hi - lo  # entries beyond n_steps that the taps need
        extra = hi - max(self.taps)  # trailing entries no tap reads (all taps negative)
        if extra:
            seq = seq[:seq.shape[0] - extra]
        self.outer = seq
        self.offsets = [k - lo for k in self.taps]
        elem = TensorType(seq.dtype, seq.type.shape[1:])
        self.placeholders = [elem.make_variable(_tap_name(self.label, k)) for k in self.taps]


class _Output:
    """One entry of ``outputs_info``: a map-like output or a recurrent one."""

    def __init__(self, index: int, item: Any, who: str):
        self.index = index
        self.initial: Optional[Variable] = None
        self.taps: list = []
        if isinstance(item, Mapping):
            unknown = set(item) - {"initial", "taps"}
            if unknown:
                raise ScanBuildError(f"{who}: outputs_info[{index}] has unknown keys {sorted(unknown)}; use "
                                     "'initial' and 'taps'")
            if item.get("initial") is not None:
                self.taps = _as_taps(item.get("taps", [-1]) if item.get("taps") is not None else [-1],
                                     f"{who}: outputs_info[{index}]")
                item = item["initial"]
            else:
                if item.get("taps"):
                    raise ScanBuildError(f"{who}: outputs_info[{index}] has taps {item['taps']} but no initial "
                                         "value; give 'initial' (the values before the first step)")
                item = None
        elif item is not None:
            self.taps = [-1]
        if item is not None:
            try:
                self.initial = as_tensor_variable(item)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"{who}: the initial value outputs_info[{index}] must be a tensor or a number, "
                                f"got {type(item).__name__}: {exc}") from None
        name = getattr(self.initial, "name", None)
        self.label = f"outputs_info[{index}]" + (f" ({name})" if name else "")
        for k in self.taps:
            if k >= 0:
                raise ScanBuildError(f"{who}: {self.label} has tap {k}, but an output can only feed back values "
                                     "of earlier steps: its taps must be negative (e.g. [-1] or [-2, -1])")
        self.window = 0
        self.placeholder: Optional[Variable] = None
        self.args: list = []
        if not self.taps:
            return
        if self.taps == [-1]:
            self.placeholder = self.initial.type.make_variable(f"{name or f'out{index}'}[t-1]")
            self.args = [self.placeholder]
            self.step_type = self.initial.type
            return
        # several taps (or one tap other than -1): a window of the last L values is the state
        L = -min(self.taps)
        self.window = L
        init = self.initial
        if init.ndim < 1:
            raise ScanBuildError(f"{who}: {self.label} has taps {self.taps}, so its initial value must hold the "
                                 f"{L} values before the first step along a new first axis; got a scalar. "
                                 f"Stack them, e.g. gt.stack([h_minus_{L}, ..., h_minus_1])")
        if init.type.shape[0] is not None and init.type.shape[0] < L:
            raise ScanBuildError(f"{who}: {self.label} has taps {self.taps}, so its initial value needs at least "
                                 f"{L} entries along its first axis (the values at t={-L}..-1); it has "
                                 f"{init.type.shape[0]}")
        window_init = init[:L]
        self.window_initial = window_init
        self.placeholder = TensorType(init.dtype, (L,) + init.type.shape[1:]).make_variable(
            f"{name or f'out{index}'}[t-{L}:t]")
        self.args = [self.placeholder[k + L] for k in self.taps]
        self.step_type = TensorType(init.dtype, init.type.shape[1:])

    @property
    def is_map(self) -> bool:
        return not self.taps


def _check_step_value(out: _Output, value: Variable, who: str) -> None:
    """A recurrent output must keep its initial value's type."""
    want = out.step_type
    got = value.type
    start = "its initial value" if not out.window else "the entries of its initial value"
    if not isinstance(got, TensorType):
        raise TypeError(f"{who}: fn returned {value} ({got}) for {out.label}; it must return a tensor")
    if got.dtype != want.dtype:
        raise TypeError(
            f"{who}: recurrent output {out.label} changes type: {start} has dtype {want.dtype} but fn returns "
            f"dtype {got.dtype}. Give an initial value of dtype {got.dtype} (e.g. 0.0 rather than 0, or "
            f"gt.cast(initial, '{got.dtype}')), or cast what fn returns to {want.dtype}")
    if got.ndim != want.ndim:
        raise TypeError(
            f"{who}: recurrent output {out.label} changes shape: {start} has {want.ndim} dimension"
            f"{'s' if want.ndim != 1 else ''} ({want}) but fn returns {got.ndim} ({got}). Give an initial "
            "value of the shape fn returns at each step")
    for axis, (a, b) in enumerate(zip(want.shape, got.shape)):
        if a is not None and b is not None and a != b:
            raise ScanBuildError(
                f"{who}: recurrent output {out.label} changes shape: {start} has static shape {want.shape} but fn "
                f"returns {got.shape} (axis {axis}). Give an initial value of the shape fn returns at each step")


def _check_arity(fn: Callable, seqs: Sequence[_Sequence], outs: Sequence[_Output], nonseqs: Sequence[Variable],
                 who: str) -> None:
    """fn must accept what scan passes it; say what that is when it does not."""
    import inspect
    n_args = sum(len(s.placeholders) for s in seqs) + sum(len(o.args) for o in outs) + len(nonseqs)
    try:
        inspect.signature(fn).bind(*range(n_args))
    except TypeError:
        pass
    except ValueError:  # no signature (a builtin): let the call speak for itself
        return
    else:
        return
    described = [f"{ph.name} (sequence {s.label}, tap {k})" for s in seqs for ph, k in zip(s.placeholders, s.taps)]
    described += [f"the value at t{k:+d} of {o.label}" for o in outs for k in o.taps]
    described += [f"non_sequences[{j}] ({v})" for j, v in enumerate(nonseqs)]
    raise TypeError(f"{who}: fn cannot be called with the {n_args} argument{'s' if n_args != 1 else ''} scan passes "
                    f"at each step, in this order: {', '.join(described) or 'none'}. Give fn one parameter per "
                    "sequence tap, then one per tap of each recurrent output, then one per non-sequence")


def _explain_disconnected(exc: Exception, seqs: Sequence[_Sequence]) -> str:
    """The pitfall of differentiating a sequence entry inside fn, explained."""
    entries = ", ".join(f"{ph.name} (an entry of {s.label})" for s in seqs for ph in s.placeholders
                        if np.dtype(ph.dtype).kind in "fc")
    y = next((s.label for s in seqs if np.dtype(s.outer.dtype).kind in "fc" and s.outer.name), "y")
    return "\n".join([
        f"scan: grad inside fn found no path to the variable it differentiates with respect to: {exc}",
        "",
        f"Inside fn, a sequence entry — here {entries} — is a new symbolic variable standing for one entry of "
        "the sequence. It is not computed from your other variables, so grad(y_i, x) with y_i a sequence entry "
        "cannot see how y depends on x (the previous values of recurrent outputs are new variables too).",
        "Iterate over indices instead, and index the whole expression inside fn:",
        f"    J, updates = gradlab.scan(lambda i, {y}, x: gt.grad({y}[i], x),",
        f"                              sequences=gt.arange({y}.shape[0]), non_sequences=[{y}, x])",
        f"(or use gradlab.gradient.jacobian({y}, x)).",
    ])


def scan(fn: Callable, sequences: Any = None, outputs_info: Any = None, non_sequences: Any = None,
         n_steps: Any = None, go_backwards: bool = False, truncate_gradient: int = -1,
         name: Optional[str] = None, return_list: bool = False, mode: Any = None,
         return_updates: bool = True, strict: bool = False) -> Any:
    """Loop ``fn`` over ``sequences`` (and/or ``n_steps`` times), feeding back
    the outputs described by ``outputs_info``; returns ``(outputs, updates)``,
    or the outputs alone with ``return_updates=False``.

    At step ``t`` fn receives the sequence entries (one per tap), the
    previous values of recurrent outputs (one per tap), then the
    ``non_sequences``, and returns the step's outputs — one per
    ``outputs_info`` entry (``None`` there: a map-like output) — optionally
    with a dict of shared-variable updates.  Each output comes back stacked
    over the steps (``(n_steps,) + step shape``).  ``updates`` is an ordered
    mapping from shared variables to their values after the loop, to pass to
    ``gradlab.function(..., updates=updates)``.  ``truncate_gradient=k > 0``
    backpropagates through the last ``k`` steps only.  One output is
    returned bare unless ``return_list``.

    Sequences of different lengths: the loop runs for the shortest (after
    taps); ``n_steps``, when given, is the number of steps (each sequence
    must have enough entries).  A step function ending its result with
    ``until(condition)`` (:class:`gradlab.scan.utils.until`) makes a while
    loop: it stops after the first step whose condition is true, within
    ``n_steps`` steps.  ``return_updates=False`` (PyTensor 3.0's form)
    returns the outputs alone; it is an error when fn returns updates.
    ``mode`` is accepted for PyTensor's signature; the loop's body is
    rewritten with the rule sets of the function that runs it, and
    ``gradlab.function`` rejects an unknown mode name (modes are defined
    above scan, in :mod:`gradlab.compile.rule_sets`).
    ``strict=True``: every shared variable fn reads must be given in
    ``sequences``, ``outputs_info`` or ``non_sequences`` (else a
    :class:`ScanBuildError` names it); by default fn may read any.
    Random draws made inside fn read one generator per step
    (:mod:`gradlab.tensor.random.derived`); their shared generators move on
    after the loop (``default_update``, and in ``updates``).

        >>> import gradlab, gradlab.tensor as gt
        >>> x = gt.dvector("x")
        >>> csum = gradlab.scan(lambda x_t, acc: acc + x_t, sequences=x,
        ...                     outputs_info=gt.constant(0.0), return_updates=False)
        >>> gradlab.function([x], csum)([1.0, 2.0, 3.0])
        array([1., 3., 6.])
    """
    who = f"scan {name!r}" if name else "scan"
    if not callable(fn):
        raise TypeError(f"{who}: fn must be a function of the step's values, got {type(fn).__name__}")
    if not isinstance(return_updates, bool):
        raise TypeError(f"{who}: return_updates must be True or False, got {return_updates!r}")
    if mode is not None and not isinstance(mode, str) and not hasattr(mode, "sets"):
        raise TypeError(f"{who}: mode must be a mode's name or a Mode, got {type(mode).__name__}")
    if not isinstance(truncate_gradient, (int, np.integer)) or isinstance(truncate_gradient, bool) or \
            (truncate_gradient != -1 and truncate_gradient <= 0):
        raise ScanBuildError(f"{who}: truncate_gradient must be -1 (full backpropagation) or a positive number of "
                             f"steps, got {truncate_gradient!r}")
    seqs = [_Sequence(i, item, go_backwards, who) for i, item in enumerate(_as_list(sequences))]
    outs_given = outputs_info is not None and _as_list(outputs_info) != []
    outs = [_Output(i, item, who) for i, item in enumerate(_as_list(outputs_info))]
    nonseqs = []
    for j, item in enumerate(_as_list(non_sequences)):
        try:
            nonseqs.append(item if isinstance(item, Variable) else as_tensor_variable(item))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{who}: non_sequences[{j}] must be a tensor or a number, got "
                            f"{type(item).__name__}: {exc}") from None
    n_var, strict_lengths = _number_of_steps(n_steps, seqs, who)

    args = [ph for s in seqs for ph in s.placeholders] + [a for o in outs for a in o.args] + nonseqs
    _check_arity(fn, seqs, outs, nonseqs, who)
    first_new = Variable(TensorType("float64", ())).auto_id  # variables fn makes come after this one
    try:
        result = fn(*args)
    except DisconnectedInputError as exc:
        if not any(np.dtype(s.outer.dtype).kind in "fc" for s in seqs):
            raise  # no sequence entry could have been differentiated: the message stands as it is
        raise DisconnectedInputError(_explain_disconnected(exc, seqs)) from exc
    result, condition = split_until(result, who)
    raw_outputs, raw_updates = split_result(result)
    if raw_updates and not return_updates:
        names = ", ".join(str(v) for v, _ in raw_updates)
        raise ScanBuildError(f"{who}: fn returns updates of shared variables ({names}), which "
                             "return_updates=False would lose; pass return_updates=True and give the updates to "
                             "gradlab.function(..., updates=updates)")
    if outs_given and len(raw_outputs) != len(outs):
        described = ", ".join(o.label + (" (map-like)" if o.is_map else "") for o in outs)
        raise ScanBuildError(
            f"{who}: fn returned {len(raw_outputs)} output{'s' if len(raw_outputs) != 1 else ''} but outputs_info "
            f"describes {len(outs)}: {described}. Return one value per entry of outputs_info, and put None in "
            "outputs_info for outputs that are not fed back")
    if not outs_given:
        outs = [_Output(i, None, who) for i in range(len(raw_outputs))]
    values = []
    for i, value in enumerate(raw_outputs):
        if value is None:
            raise TypeError(f"{who}: fn returned None as output {i}; return a symbolic value for every output")
        try:
            value = as_tensor_variable(value)
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{who}: fn returned {type(value).__name__} as output {i}; outputs must be tensors "
                            f"or numbers: {exc}") from None
        if not isinstance(value.type, TensorType):
            raise TypeError(f"{who}: output {i} of fn has type {value.type}; it must be a tensor "
                            "(a gradient that is undefined or disconnected cannot be scanned)")
        if not outs[i].is_map:
            _check_step_value(outs[i], value, who)
        values.append(value)

    if strict:
        _check_strict(values + [as_tensor_variable(e) for _, e in raw_updates] + ([condition] if condition else []),
                      args, seqs, outs, nonseqs, who)
    # random draws made inside fn read step generators: one per step, from each generator and the step index
    values, raw_updates, condition, roots, step_index = per_step_generators(values, raw_updates, condition,
                                                                            first_new, who)
    # shared-variable updates become hidden states, read inside the loop through a placeholder
    update_pairs = []
    for pos, pair in enumerate(raw_updates):
        var, expr = pair
        if not isinstance(var, SharedVariable):
            raise TypeError(f"{who}: fn returned an update for {var!r}, which is not a shared variable; only "
                            "gradlab.shared(...) variables can be updated")
        expr = as_tensor_variable(expr)
        if expr.dtype != var.dtype or expr.ndim != var.ndim:
            raise TypeError(f"{who}: the update of shared variable {var.name or '<unnamed>'} has type {expr.type} "
                            f"but the variable is {var.type}; cast it (gt.cast(new, '{var.dtype}'))")
        update_pairs.append((var, expr))
    shared_phs = {var: var.type.make_variable(f"{var.name or 'shared'}[t-1]") for var, _ in update_pairs}
    step_values = values + [expr for _, expr in update_pairs]
    if shared_phs:
        step_values = clone_replace(step_values, shared_phs)
    values, update_values = step_values[:len(values)], step_values[len(values):]

    parts = LoopParts(n_steps=n_var, strict_lengths=strict_lengths, name=name, truncate_gradient=int(truncate_gradient),
                      as_while=condition is not None)
    parts.seqs = [SeqRead(s.outer, list(zip(s.offsets, s.placeholders)), s.label) for s in seqs]
    if step_index is not None:
        parts.seqs.append(SeqRead(gt.arange(n_var), [(0, step_index)], "step index"))
    where: list = []  # for each user output: ("state" | "map", position among the node's states/maps)
    for o, value in zip(outs, values):
        if o.is_map:
            where.append(("map", len(parts.maps)))
            parts.maps.append(Mapped(value, f"output {o.index} of fn"))
        elif not o.window:
            where.append(("state", len(parts.states)))
            parts.states.append(Carried(o.initial, o.placeholder, value, True, o.label))
        else:  # the state is the window of the last values; the output is the new value at each step
            step = gt.expand_dims(value, 0)
            new_window = gt.concatenate([o.placeholder[1:], step], axis=0) if o.window > 1 else step
            parts.states.append(Carried(o.window_initial, o.placeholder, new_window, False, f"{o.label} (last values)"))
            where.append(("map", len(parts.maps)))
            parts.maps.append(Mapped(value, o.label))
    first_update = len(parts.states)
    for (var, _), value in zip(update_pairs, update_values):
        parts.states.append(Carried(var, shared_phs[var], value, False, f"shared variable {var.name or '<unnamed>'}"))
    if condition is not None:  # the stop test, computed each step: the node's last mapped output
        if shared_phs:
            condition = clone_replace([condition], shared_phs)[0]
        parts.maps.append(Mapped(condition, "until condition"))
    results = build_scan(parts)
    results[0].owner.op.requested_mode = mode
    n_states = len(parts.states)
    outputs = [results[pos] if kind == "state" else results[n_states + pos] for kind, pos in where]
    updates: "OrderedDict" = OrderedDict()
    for k, (var, _) in enumerate(update_pairs):
        updates[var] = results[first_update + k]
    if roots:
        for g in roots:
            if isinstance(g, SharedVariable):  # moves on after the loop, by default (and in updates)
                g.default_update = updates[g] = advance_generator(g)
    if return_list:
        shaped: Any = outputs
    elif not outputs:
        shaped = None
    else:
        shaped = outputs[0] if len(outputs) == 1 else outputs
    return (shaped, updates) if return_updates else shaped


def _check_strict(step_values: list, args: list, seqs: Sequence[_Sequence], outs: Sequence[_Output],
                  nonseqs: Sequence[Variable], who: str) -> None:
    """``strict=True``: a ``ScanBuildError`` naming each shared variable the
    step reads that is not one of scan's arguments (PyTensor's rule)."""
    given = {id(v) for v in nonseqs} | {id(s.outer) for s in seqs} | \
        {id(getattr(o, "initial", None)) for o in outs}
    missing = [v for v in ancestors(step_values, blockers=args)
               if v.owner is None and isinstance(v, SharedVariable) and id(v) not in given]
    if missing:
        names = ", ".join(v.name or repr(v) for v in missing)
        raise ScanBuildError(f"{who}: strict=True, but fn reads the shared variable(s) {names}, which are not given "
                             "to scan; pass them in non_sequences (fn receives them as its last arguments) or "
                             "leave strict=False")


def _shortest(seqs: Sequence[_Sequence], usable: Sequence[Optional[int]]) -> Variable:
    """The number of steps the shortest sequence allows (a constant when
    every length is static, else ``minimum`` of the lengths at run time)."""
    if all(u is not None for u in usable):
        return gt.constant(np.int64(min(usable)))
    total: Any = min((u for u in usable if u is not None), default=None)
    for s, u in zip(seqs, usable):
        if u is None:
            length = gt.shape(s.outer)[0] - max(s.offsets) if max(s.offsets) else gt.shape(s.outer)[0]
            total = length if total is None else gt.minimum(total, length)
    return total


def _number_of_steps(n_steps: Any, seqs: Sequence[_Sequence], who: str) -> Tuple[Variable, bool]:
    """``(n_steps variable, strict)``: given, or the first sequence's usable length."""
    usable = []
    for s in seqs:
        L = s.outer.type.shape[0]
        u = None if L is None else L - max(s.offsets)
        if u is not None and u < 0:
            raise ScanBuildError(f"{who}: sequence {s.label} has {u + s.span} entries but its taps {s.taps} need "
                                 f"at least {s.span}")
        usable.append(u)
    if n_steps is None:
        if not seqs:
            raise ScanBuildError(f"{who}: there are no sequences, so the number of steps is unknown; "
                                 "pass n_steps=...")
        if len(seqs) > 1:  # PyTensor's rule: as many steps as the shortest sequence allows
            return _shortest(seqs, usable), False
        first = seqs[0]
        if usable[0] is not None:
            return gt.constant(np.int64(usable[0])), True
        length = gt.shape(first.outer)[0]
        return (length - max(first.offsets) if max(first.offsets) else length), True
    if isinstance(n_steps, (int, np.integer)) and not isinstance(n_steps, bool):
        value = int(n_steps)
        if value < 0:
            raise ScanBuildError(f"{who}: n_steps must be >= 0, got {value}; to iterate backwards over the "
                                 "sequences pass go_backwards=True")
        for s, u in zip(seqs, usable):
            if u is not None and u < value:
                raise ScanBuildError(f"{who}: n_steps={value} is larger than sequence {s.label} allows "
                                     f"({u} steps with taps {s.taps}). Pass a smaller n_steps or a longer sequence")
        return gt.constant(np.int64(value)), False
    try:
        var = as_tensor_variable(n_steps)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{who}: n_steps must be an integer or an integer scalar variable, got "
                        f"{type(n_steps).__name__}: {exc}") from None
    if var.ndim != 0 or np.dtype(var.dtype).kind not in "iu":
        raise TypeError(f"{who}: n_steps must be an integer scalar, got {var} ({var.type}); "
                        "use e.g. gt.iscalar('n') or x.shape[0]")
    if isinstance(var, Constant):
        return _number_of_steps(int(var.data), seqs, who)
    return var, False
