"""The graph IR: types, variables, constants and apply nodes.

A computation is a bipartite DAG.  A :class:`Variable` is a value of some
:class:`Type`; an :class:`Apply` node applies an :class:`~gradlab.graph.op.Op`
to input variables and owns its output variables (``var.owner``,
``var.index``).  Variables without an owner are graph inputs; a
:class:`Constant` is an input whose value is known.
"""
from __future__ import annotations

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

    def __repr__(self) -> str:
        return f"Apply({self.op}, inputs={self.inputs})"
