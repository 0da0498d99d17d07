"""The numbers behind ``BackpropStepper``: a forward pass node by node, then
a backward pass that accumulates each adjoint term by term.

Forward: every variable's value, from one function compiled in
``NO_REWRITE`` mode (``gradlab.viz.values.compute``), so the numbers are
what the user's graph computes.

Backward: the seed ``d cost / d cost = 1``; then, consumers first, each node
``n`` with outputs ``y`` and inputs ``x_i`` adds to every real input the term
``(d cost / d y) · ∂y/∂x_i`` — computed by ``gradlab.gradient.Lop`` on a copy
of ``n`` alone (its own ``L_op``), evaluated at the forward values:

    d cost / d x  =  sum over the nodes n reading x of  Lop_n(d cost / d y)[x]

So the total of each variable equals ``grad(cost, x)``, and every term is
visible.  Plain data, tested on its own: ``gradlab.viz.backprop_steps`` draws
it as stored pictures and ``gradlab.widgets.BackpropStepper`` steps through it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Optional, Sequence, Union

import numpy as np

from gradlab.graph.basic import Apply, Constant, Variable
from gradlab.viz.inputs import is_real, is_shared, missing_values, resolve


@dataclass
class Contribution:
    """One term added to an adjoint: ``adjoint[variable] += term`` (now ``total``)."""

    variable: Variable
    position: int              #: which input of the node the variable is
    term: np.ndarray
    total: np.ndarray          #: the variable's adjoint after adding the term


@dataclass
class PassStep:
    """One step of the stepper: a node computed (forward) or back-propagated (backward)."""

    phase: str                 #: "forward" or "backward"
    index: int                 #: position within its phase
    node: Apply
    output_adjoints: list = field(default_factory=list)   #: d cost / d output (backward), None if none
    contributions: list = field(default_factory=list)     #: Contribution per term (backward)
    undefined: list = field(default_factory=list)         #: inputs whose gradient is undefined here


class BackpropTrace:
    """Forward values and backward contributions for ``cost`` (a real scalar).

    ``inputs``: the variables to differentiate with respect to (computed
    variables cut the graph there); ``values``: their values (a list in the
    order of ``inputs``, or a dict by variable or name, which must also give
    any other free input of the graph).
    """

    def __init__(self, cost: Variable, inputs: Sequence[Variable], values: Union[Mapping, Sequence]):
        from gradlab.graph.traversal import graph_inputs, toposort
        if not isinstance(cost, Variable) or getattr(cost, "ndim", None) != 0 or not is_real(cost):
            kind = (f"a {cost.ndim}-d {cost.dtype} variable" if isinstance(cost, Variable) and hasattr(cost, "ndim")
                    else type(cost).__name__)
            raise TypeError(f"BackpropStepper needs a real scalar cost (e.g. ((w * x - y) ** 2).sum()), got {kind}")
        self.cost = cost
        self.inputs = [inputs] if isinstance(inputs, Variable) else list(inputs)
        for i, v in enumerate(self.inputs):
            if not isinstance(v, Variable):
                raise TypeError(f"inputs[{i}] must be a symbolic variable, got {type(v).__name__}")
        self.free = list(dict.fromkeys(self.inputs + [
            v for v in graph_inputs([cost], blockers=self.inputs)
            if not isinstance(v, Constant) and not is_shared(v)]))
        if isinstance(values, Mapping):
            self.input_values = resolve(self.free, values, fill_defaults=False)
        else:
            values = list(values)
            if len(values) != len(self.inputs):
                raise ValueError(f"values: got {len(values)} values for {len(self.inputs)} inputs; give one per input "
                                 "(or a dict {variable: value})")
            self.input_values = dict(zip(self.inputs, values))
        missing = missing_values(self.free, self.input_values)
        if missing:
            names = ", ".join(v.name or str(v.type) for v in missing)
            raise ValueError(f"values: the cost also needs values for {names}; pass them in the values dict")
        self.order = toposort([cost], self.inputs)
        self.position = {node: k for k, node in enumerate(self.order)}
        self.variables = self._variables()
        self.values = self._forward()
        self.forward_steps = [PassStep("forward", k, node) for k, node in enumerate(self.order)]
        self._backward: Optional[list] = None

    # -- forward -----------------------------------------------------------
    def _variables(self) -> list:
        found: dict = dict.fromkeys(self.free)
        for node in self.order:
            for v in list(node.inputs) + list(node.outputs):
                found.setdefault(v, None)
        found.setdefault(self.cost, None)
        return list(found)

    def _forward(self) -> dict:
        from gradlab.viz.values import compute
        results = compute(self.variables, self.free, self.input_values)
        return {v: np.asarray(r) for v, r in zip(self.variables, results)}

    def known_at(self, k: int) -> dict:
        """The values known after forward step ``k`` (-1: only the inputs and constants)."""
        return {v: val for v, val in self.values.items()
                if v.owner is None or v in self.free or self.position.get(v.owner, -1) <= k}

    # -- backward ----------------------------------------------------------
    @property
    def seed(self) -> np.ndarray:
        """d cost / d cost = 1."""
        return np.ones_like(self.values[self.cost], dtype=self.values[self.cost].dtype)

    @property
    def backward_steps(self) -> list:
        """One step per node that passes adjoints back (computed on first use)."""
        if self._backward is None:
            self._backward = self._backward_pass()
        return self._backward

    def _backward_pass(self) -> list:
        adjoints: dict = {self.cost: self.seed}
        steps: list = []
        for node in reversed(self.order):
            out_idx = [j for j, o in enumerate(node.outputs) if o in adjoints and is_real(o)]
            receivers = [i for i, v in enumerate(node.inputs) if not isinstance(v, Constant) and is_real(v)]
            if not out_idx or not receivers:
                continue
            terms = self._local_terms(node, out_idx, receivers, adjoints)
            step = PassStep("backward", len(steps), node,
                            output_adjoints=[adjoints.get(o) for o in node.outputs])
            for i, term in zip(receivers, terms):
                var = node.inputs[i]
                if term is None:
                    step.undefined.append(var)
                    continue
                term = np.asarray(term)
                adjoints[var] = term.copy() if var not in adjoints else adjoints[var] + term
                step.contributions.append(Contribution(var, i, term, np.array(adjoints[var])))
            steps.append(step)
        return steps

    def _local_terms(self, node: Apply, out_idx: list, receivers: list, adjoints: dict) -> list:
        """``Lop`` of ``node`` alone at the forward values: one array per receiving input (None: undefined)."""
        from gradlab.gradient import Lop
        from gradlab.graph.gradient_types import NullTypeGradError
        free = [v if isinstance(v, Constant) else v.clone() for v in node.inputs]
        local = node.clone_with_new_inputs(free)
        outs = [local.outputs[j] for j in out_idx]
        cotangents = [o.clone(name=f"g{j}") for o, j in zip(outs, out_idx)]
        wrt = [free[i] for i in receivers]
        try:
            symbolic = list(Lop(outs, wrt, cotangents, disconnected_inputs="ignore"))
        except NullTypeGradError:
            symbolic = []
            for w in wrt:                  # find which inputs have a gradient
                try:
                    symbolic.append(Lop(outs, [w], cotangents, disconnected_inputs="ignore")[0])
                except NullTypeGradError:
                    symbolic.append(None)
        defined = [s for s in symbolic if s is not None]
        fn_inputs = [f for f in free if not isinstance(f, Constant)] + cotangents
        arrays: list = []
        if defined:
            from gradlab.compile.function_module import function
            args = [self.values[v] for v, f in zip(node.inputs, free) if not isinstance(f, Constant)]
            args += [adjoints[node.outputs[j]] for j in out_idx]
            with np.errstate(all="ignore"):
                fn = function(fn_inputs, defined, mode="NO_REWRITE", on_unused_input="ignore")
                arrays = list(fn(*args))
        results = iter(arrays)
        return [None if s is None else next(results) for s in symbolic]

    def adjoints_at(self, j: int) -> dict:
        """Every adjoint after backward step ``j`` (-1: only the seed)."""
        adjoints: dict = {self.cost: self.seed}
        for step in self.backward_steps[:j + 1]:
            for c in step.contributions:
                adjoints[c.variable] = c.total
        return adjoints

    def terms_at(self, j: int) -> dict:
        """``{variable: [term, …]}``: the terms each adjoint has received after backward step ``j``."""
        terms: dict = {}
        for step in self.backward_steps[:j + 1]:
            for c in step.contributions:
                terms.setdefault(c.variable, []).append(c.term)
        return terms

    @property
    def gradient(self) -> list:
        """d cost / d input for each of ``inputs`` (zeros for an input the cost does not depend on)."""
        final = self.adjoints_at(len(self.backward_steps) - 1)
        return [final.get(v, np.zeros_like(self.values[v], dtype=float)) for v in self.inputs]
