"""FunctionGraph: a graph with fixed inputs and outputs that can be edited.

It tracks, for every variable, its *clients* — the ``(node, input_index)``
pairs that read it (an output is read by ``("output", i)``) — so a rewrite
can ``replace`` one variable by another everywhere in one step.  Listeners
are told about every node that enters or leaves the graph, which is how the
rewrite trace records what changed.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional, Sequence

from gradlab.graph.basic import Apply, Constant, Variable
from gradlab.graph.traversal import clone_graph, toposort


class InconsistencyError(ValueError):
    """A replacement would change a variable's type or make a cycle."""


class FunctionGraph:
    """An editable graph from ``inputs`` to ``outputs``."""

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable], clone: bool = True):
        inputs = list(inputs)
        outputs = list(outputs)
        if clone:
            outputs, memo = clone_graph(outputs, inputs, copy_inputs=True)
            inputs = [memo[i] for i in inputs]
            self.memo = memo
        else:
            self.memo = {}
        for i, var in enumerate(inputs):
            if var.owner is not None:
                raise ValueError(f"input {i} ({var}) is computed by another node; graph inputs must be free variables")
        self.inputs: list = inputs
        self._input_set = frozenset(inputs)   # membership in O(1) (the inputs never change)
        self.outputs: list = outputs
        self.clients: dict = {}
        self.apply_nodes: set = set()
        self.variables: set = set()
        self.listeners: list = []
        for var in inputs:
            self._add_variable(var)
        for i, out in enumerate(outputs):
            self._import_var(out)
            self.clients[out].append(("output", i))

    # -- bookkeeping ----------------------------------------------------
    def _add_variable(self, var: Variable) -> None:
        if var not in self.variables:
            self.variables.add(var)
            self.clients.setdefault(var, [])

    def _import_var(self, var: Variable) -> None:
        """Add ``var`` and every node it needs that is not yet in the graph."""
        if var in self.variables:
            return
        for node in self._missing_nodes(var):
            if node in self.apply_nodes:
                continue
            self.apply_nodes.add(node)
            for j, inp in enumerate(node.inputs):
                if inp not in self.variables:
                    if inp.owner is None and not isinstance(inp, Constant) and inp not in self._input_set:
                        raise ValueError(
                            f"variable {inp} is needed to compute the outputs but is not an input of the graph; "
                            "add it to the inputs (or give it a value with givens)")
                    self._add_variable(inp)
                self.clients[inp].append((node, j))
            for out in node.outputs:
                self._add_variable(out)
            for listener in self.listeners:
                listener.on_import(self, node)
        self._add_variable(var)

    def _missing_nodes(self, var: Variable) -> list:
        """The nodes ``var`` needs that are not in the graph yet, producers first.

        The walk stops at variables already in the graph, so importing a small
        replacement costs its own size, not the graph's.
        """
        order: list = []
        done: set = set()
        stack = [var.owner] if var.owner is not None else []
        while stack:
            node = stack[-1]
            if node in done:
                stack.pop()
                continue
            pending = [i.owner for i in node.inputs
                       if i.owner is not None and i not in self.variables and i.owner not in done]
            if pending:
                stack.extend(reversed(pending))
            else:
                stack.pop()
                done.add(node)
                order.append(node)
        return order

    def _prune(self, var: Variable) -> None:
        """Drop the nodes that no longer have clients, starting from ``var``."""
        stack = [var]
        while stack:
            v = stack.pop()
            if self.clients.get(v) or v in self._input_set:
                continue
            node = v.owner
            if node is None or node not in self.apply_nodes:
                if v.owner is None and v in self.variables and not self.clients.get(v):
                    self.variables.discard(v)
                    self.clients.pop(v, None)
                continue
            if any(self.clients.get(o) for o in node.outputs):
                continue
            self.apply_nodes.discard(node)
            for o in node.outputs:
                self.variables.discard(o)
                self.clients.pop(o, None)
            for listener in self.listeners:
                listener.on_prune(self, node)
            for j, inp in enumerate(node.inputs):
                lst = self.clients.get(inp)
                if lst is not None:
                    try:
                        lst.remove((node, j))
                    except ValueError:
                        pass
                    stack.append(inp)

    # -- editing --------------------------------------------------------
    def replace(self, old: Variable, new: Variable, reason: Optional[str] = None,
                check_type: bool = True, check_cycles: bool = True) -> None:
        """Make every client of ``old`` read ``new`` instead.

        ``check_cycles=False`` skips the walk over ``new``'s ancestors (the
        rewrite driver checks the new nodes itself: a rule builds its
        replacement from the matched node's ancestors).
        """
        if old is new:
            return
        if old not in self.variables:
            raise ValueError(f"cannot replace {old}: it is not in this graph")
        if check_type and old.type != new.type:
            conv = old.type.convert_variable(new) if hasattr(old.type, "convert_variable") else None
            if conv is None:
                raise InconsistencyError(
                    f"cannot replace {old} (type {old.type}) by {new} (type {new.type}): types differ"
                    + (f" [rule {reason}]" if reason else ""))
            new = conv
        self._import_var(new)
        if check_cycles and self._depends_on(new, old):
            raise InconsistencyError(f"replacing {old} by {new} would create a cycle")
        for client, j in list(self.clients[old]):
            if client == "output":
                self.outputs[j] = new
            else:
                client.inputs[j] = new
            self.clients[new].append((client, j))
            for listener in self.listeners:
                listener.on_change_input(self, client, j, old, new, reason)
        self.clients[old] = []
        self._prune(old)

    def replace_all(self, pairs: Iterable[tuple], reason: Optional[str] = None) -> None:
        for old, new in pairs:
            self.replace(old, new, reason=reason)

    def _depends_on(self, var: Variable, target: Variable) -> bool:
        if var.owner is None:
            return False
        stack = [var]
        seen: set = set()
        while stack:
            v = stack.pop()
            if v is target:
                return True
            if id(v) in seen or v.owner is None:
                continue
            seen.add(id(v))
            stack.extend(v.owner.inputs)
        return False

    def attach_listener(self, listener: Any) -> None:
        self.listeners.append(listener)

    def remove_listener(self, listener: Any) -> None:
        self.listeners.remove(listener)

    # -- reading --------------------------------------------------------
    def toposort(self) -> list:
        """The apply nodes, each after the nodes it reads from."""
        return toposort(self.outputs, self.inputs)

    def clone(self) -> "FunctionGraph":
        """An independent copy (new variables, same ops)."""
        return FunctionGraph(self.inputs, self.outputs, clone=True)

    def __repr__(self) -> str:
        return f"FunctionGraph({len(self.apply_nodes)} nodes, inputs={self.inputs}, outputs={self.outputs})"
