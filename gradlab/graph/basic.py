"""The graph IR: types, variables, constants and apply nodes.

A computation is a bipartite DAG.  A :class:`Variable` is a value of some
:class:`Type`; an :class:`Apply` node applies an :class:`~gradlab.graph.op.Op`
to input variables and owns its output variables (``var.owner``,
``var.index``).  Variables without an owner are graph inputs; a
:class:`Constant` is an input whose value is known.
"""
from __future__ import annotations

import copy
import itertools
from typing import Any, Optional, Sequence

_variable_ids = itertools.count()


class Type:
    """What a variable can hold.  Subclasses define ``filter`` and equality."""

    variable_class: type = None  # set by subclasses
    constant_class: type = None

    def filter(self, data: Any, strict: bool = False, allow_downcast: Optional[bool] = None) -> Any:
        """Return ``data`` converted to this type, or raise ``TypeError``."""
        raise NotImplementedError

    def is_valid_value(self, data: Any) -> bool:
        try:
            self.filter(data, strict=True)
            return True
        except (TypeError, ValueError):
            return False

    def make_variable(self, name: Optional[str] = None) -> "Variable":
        cls = self.variable_class or Variable
        return cls(self, owner=None, index=None, name=name)

    def make_constant(self, data: Any, name: Optional[str] = None) -> "Constant":
        cls = self.constant_class or Constant
        return cls(self, data, name=name)

    def __call__(self, name: Optional[str] = None) -> "Variable":
        return self.make_variable(name)

    def convert_variable(self, var: "Variable") -> Optional["Variable"]:
        """Return ``var`` if it can stand where this type is expected, else None."""
        return var if var.type == self else None


class Variable:
    """A symbolic value: the output of an Apply node, or a graph input."""

    def __init__(self, type: Type, owner: Optional["Apply"] = None,
                 index: Optional[int] = None, name: Optional[str] = None):
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.tag: dict = {}
        self.auto_id = next(_variable_ids)

    def clone(self, name: Optional[str] = None) -> "Variable":
        """A new owner-less variable of the same type (and name)."""
        cp = self.__class__(self.type, None, None, self.name if name is None else name)
        cp.tag = dict(self.tag)
        return cp

    def get_parents(self) -> list:
        return [self.owner] if self.owner is not None else []

    def __reduce_ex__(self, protocol: int) -> Any:
        """A computed variable pickles (and deep-copies) as the flat graph behind it, without
        recursion however long the chain (see :mod:`gradlab.graph.pickling`)."""
        if self.owner is None:
            return super().__reduce_ex__(protocol)
        return (_rebuild_one, _flatten([self]))

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self.auto_id = next(_variable_ids)  # ids are of this process

    def __deepcopy__(self, memo: dict) -> "Variable":
        """A copy of the graph behind this variable, made in one walk (no recursion): new
        graph inputs (deep copies: shared values; constants never change and are shared), new nodes and
        variables; types and ops, which never change, are shared.  Variables already in
        ``memo`` are reused, so copying several together keeps their common nodes common."""
        if self.owner is None:
            new = self.__class__.__new__(self.__class__)
            memo[id(self)] = new
            new.__dict__.update({k: v if k == "type" else copy.deepcopy(v, memo)
                                 for k, v in _state_of(self, keep_owner=True).items()})
            new.auto_id = next(_variable_ids)
            return new
        for node in nodes_behind([self]):
            if id(node.outputs[0]) in memo:
                continue
            ins = [memo[id(v)] if id(v) in memo else copy.deepcopy(v, memo) for v in node.inputs]
            outs = []
            for v in node.outputs:
                var = v.__class__.__new__(v.__class__)
                Variable.__setstate__(var, dict(_state_of(v), tag=dict(v.tag)))
                memo[id(v)] = var
                outs.append(var)
            copied = Apply(node.op, ins, outs)
            copied.tag = dict(node.tag)
            if node.origin is not None:  # nodes it names come first, so are copied already
                copied.origin = node.origin.remap(
                    lambda n: memo[id(n.outputs[0])].owner if id(n.outputs[0]) in memo else n,
                    lambda v: memo.get(id(v), v))
        return memo[id(self)]

    def __repr__(self) -> str:
        if self.name is not None:
            return self.name
        if self.owner is not None:
            suffix = f".{self.index}" if len(self.owner.outputs) > 1 else ""
            return f"{self.owner.op}.out{suffix}"
        return f"<{self.type}>"

    def __str__(self) -> str:
        return self.__repr__()


class Constant(Variable):
    """A graph input whose value is fixed (``data``)."""

    def __init__(self, type: Type, data: Any, name: Optional[str] = None):
        super().__init__(type, None, None, name)
        self.data = type.filter(data)

    def clone(self, name: Optional[str] = None) -> "Constant":
        return self

    def __deepcopy__(self, memo: dict) -> "Constant":
        return self  # a constant never changes: copies of a graph share it (as clones do)

    def signature(self) -> tuple:
        """Hashable identity used to merge equal constants."""
        return (self.type, _data_signature(self.data))


def _data_signature(data: Any) -> Any:
    try:
        import numpy as np
        if isinstance(data, np.ndarray):
            return (data.dtype.str, data.shape, data.tobytes())
    except ImportError:  # pragma: no cover
        pass
    return data


class Apply:
    """An application of ``op`` to ``inputs``, producing ``outputs``."""

    #: where a derivative sweep made this node (:class:`gradlab.graph.origin.Origin`), None otherwise
    origin = None

    def __init__(self, op: Any, inputs: Sequence[Variable], outputs: Sequence[Variable]):
        self.op = op
        self.inputs = list(inputs)
        self.outputs = list(outputs)
        for i, inp in enumerate(self.inputs):
            if not isinstance(inp, Variable):
                raise TypeError(f"{op}: input {i} must be a Variable, got {type(inp).__name__}")
        for i, out in enumerate(self.outputs):
            if out.owner is not None and (out.owner is not self or out.index != i):
                raise ValueError(f"{op}: output {i} already belongs to another Apply node")
            out.owner = self
            out.index = i
        self.tag: dict = {}

    @property
    def out(self) -> Variable:
        """The single (or default) output."""
        default = getattr(self.op, "default_output", None)
        if default is not None:
            return self.outputs[default]
        if len(self.outputs) != 1:
            raise AttributeError(f"{self.op} has {len(self.outputs)} outputs; use .outputs")
        return self.outputs[0]

    @property
    def nin(self) -> int:
        return len(self.inputs)

    @property
    def nout(self) -> int:
        return len(self.outputs)

    def clone_with_new_inputs(self, inputs: Sequence[Variable], strict: bool = True) -> "Apply":
        """Rebuild this node on new inputs (through ``make_node`` so types are rechecked)."""
        if len(inputs) == len(self.inputs) and all(
                a is b or (a.type == b.type and getattr(a, "weak", False) == getattr(b, "weak", False))
                for a, b in zip(inputs, self.inputs)):
            # same input types: the outputs' types cannot change, so skip make_node
            outputs = [o.clone() for o in self.outputs]
            return Apply(self.op, list(inputs), outputs)
        node = self.op.make_node(*inputs)
        for new, old in zip(node.outputs, self.outputs):
            if new.name is None:
                new.name = old.name
        if strict:
            for i, (new, old) in enumerate(zip(node.outputs, self.outputs)):
                if new.type != old.type:
                    raise TypeError(
                        f"{self.op}: output {i} changed type from {old.type} to {new.type} "
                        "when the node was rebuilt on new inputs")
        return node

    def __reduce_ex__(self, protocol: int) -> Any:
        return (_owner_of, (self.outputs[0],))

    def __deepcopy__(self, memo: dict) -> "Apply":
        return copy.deepcopy(self.outputs[0], memo).owner

    def __repr__(self) -> str:
        return f"Apply({self.op}, inputs={self.inputs})"


# ---------------------------------------------------------------------------
# Pickling and deep-copying graphs without recursion.
#
# pickle and copy.deepcopy follow references depth first (a variable's owner, its
# inputs, their owners …), so a chain of 50,000 nodes would overflow Python's stack.
# A computed variable is reduced instead to a *flat* description of the graph behind
# it: the nodes in topological order, each as (op, input references, output states,
# tag), where an input reference is a graph input (an owner-less variable or constant,
# pickled as itself, so pickle's memo keeps it one object) or (node number, output
# number).  Rebuilding walks that list once.  Variables reduced together
# (GraphBundle, what a pickled compiled function uses) share one description, so
# their common nodes stay common; a variable pickled on its own carries its own copy
# of the nodes behind it (its graph inputs are still shared with the rest of the pickle).

def nodes_behind(outputs: Sequence[Variable], within: Optional[set] = None) -> list:
    """The nodes computing ``outputs``, each after its producers (iterative post-order);
    with ``within``, only those nodes of it that ``outputs`` reach through it."""
    order: list = []
    done: set = set()
    stack = [(v.owner, False) for v in reversed(outputs) if v.owner is not None]
    while stack:
        node, expanded = stack.pop()
        if node in done:
            continue
        if expanded:
            done.add(node)
            order.append(node)
            continue
        stack.append((node, True))
        stack.extend((v.owner, False) for v in reversed(node.inputs)
                     if v.owner is not None and v.owner not in done
                     and (within is None or v.owner in within))
    return order


def _flatten(outputs: Sequence[Variable]) -> tuple:
    """``(nodes, refs)``: the graph behind ``outputs`` as flat data, and a reference to each output."""
    number = {}
    nodes = []
    for k, node in enumerate(nodes_behind(outputs)):
        number[node] = k
        nodes.append((node.op, [v if v.owner is None else (number[v.owner], v.index) for v in node.inputs],
                      [(type(v), _state_of(v)) for v in node.outputs], node.tag,
                      _flat_origin(node.origin, number)))
    return nodes, [v if v.owner is None else (number[v.owner], v.index) for v in outputs]


def _flat_origin(origin, number: dict):
    """A node's origin with references to nodes already flattened written as their numbers
    (an origin can only name nodes made before it: forward nodes, earlier gradient nodes)."""
    if origin is None:
        return None
    return origin.remap(lambda n: number.get(n, n),
                        lambda v: (number[v.owner], v.index) if v.owner in number else v)


def _state_of(var: Variable, keep_owner: bool = False) -> dict:
    state = dict(var.__getstate__() if hasattr(var, "__getstate__") else var.__dict__)
    if not keep_owner:
        state["owner"] = state["index"] = None  # set again by the rebuilt Apply
    return state


def _rebuild(nodes: list, refs: list) -> list:
    """The variables ``refs`` names, the nodes of :func:`_flatten` made again."""
    made: list = []
    for op, inputs, outputs, tag, origin in nodes:
        ins = [v if isinstance(v, Variable) else made[v[0]].outputs[v[1]] for v in inputs]
        outs = []
        for cls, state in outputs:
            var = cls.__new__(cls)
            Variable.__setstate__(var, state)
            outs.append(var)
        node = Apply(op, ins, outs)
        node.tag = tag
        if origin is not None:
            node.origin = origin.remap(lambda n: made[n] if isinstance(n, int) else n,
                                       lambda v: made[v[0]].outputs[v[1]] if isinstance(v, tuple) else v)
        made.append(node)
    return [v if isinstance(v, Variable) else made[v[0]].outputs[v[1]] for v in refs]


def _rebuild_one(nodes: list, refs: list) -> Variable:
    return _rebuild(nodes, refs)[0]


def _owner_of(var: Variable) -> Apply:
    return var.owner


class GraphBundle:
    """Variables pickled as one flat graph, so their common nodes stay common
    (``GraphBundle(vs)``; after loading, ``.variables``)."""

    def __init__(self, variables: Sequence[Variable]):
        self.variables = list(variables)

    def __reduce__(self) -> tuple:
        return (_bundle, _flatten(self.variables))


def _bundle(nodes: list, refs: list) -> GraphBundle:
    return GraphBundle(_rebuild(nodes, refs))
