"""The tensor-agnostic graph IR: variables, apply nodes, ops, types, and
the editable :class:`FunctionGraph`.  Imports nothing from the rest of gradlab."""
from gradlab.graph.basic import Apply, Constant, Type, Variable
from gradlab.graph.fgraph import FunctionGraph, InconsistencyError
from gradlab.graph.gradient_types import DisconnectedType, NullType
from gradlab.graph.op import Op
from gradlab.graph.traversal import (ancestors, apply_nodes_between, clone_graph, clone_replace,
                                     graph_inputs, is_in_ancestors, toposort, variables_of)

__all__ = ["Apply", "Constant", "Type", "Variable", "FunctionGraph", "InconsistencyError", "Op", "NullType",
           "DisconnectedType",
           "ancestors", "apply_nodes_between", "clone_graph", "clone_replace", "graph_inputs",
           "is_in_ancestors", "toposort", "variables_of"]
