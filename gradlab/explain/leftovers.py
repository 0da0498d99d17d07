"""What is left after compiling that a reader would not expect.

``leftovers(f)`` lists, each with the user nodes it came from and their
origins (:mod:`gradlab.explain.rewriting`):

- *computed twice*: one elementwise value (``exp(x)``) computed by two nodes
  of the compiled graph, typically inside two fused composites (fusion
  copies a value read by two regions only when it is cheap; here it was not
  merged); keyed by the value's structure over the compiled graph's values,
  so a composite's inner results count too;
- *only broadcasts*: an ``Alloc`` or a ``fill`` that survives and whose every
  reader is elementwise (which would broadcast the value anyway);
- *unread loop output*: an output of a ``Scan`` node nothing reads;
- *unused loop input*: a placeholder of a loop body no inner output needs.

One pass over the compiled graph (plus one over each loop body): linear.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gradlab.explain.origins import label
from gradlab.explain.rewriting import derivation
from gradlab.explain.text import node_expression, op_name
from gradlab.graph.basic import Constant
from gradlab.graph.traversal import ancestors

__all__ = ["Leftover", "leftovers", "TWICE", "BROADCAST", "UNREAD_OUTPUT", "UNUSED_INPUT"]

TWICE = "computed twice"
BROADCAST = "only broadcasts"
UNREAD_OUTPUT = "unread loop output"
UNUSED_INPUT = "unused loop input"


@dataclass(frozen=True)
class Leftover:
    """One surprise: its ``kind``, the compiled ``nodes`` involved, words, and origins."""

    kind: str
    nodes: tuple
    text: str
    replaces: tuple     #: the user's nodes the compiled nodes came from
    origins: tuple      #: their origins' labels

    def __str__(self) -> str:
        return f"{self.kind}: {self.text} (from {'; '.join(self.origins) or 'the graph as written'})"


def leftovers(f: Any) -> list:
    """The surprises left in compiled ``f`` (see the module doc), in graph order."""
    found = derivation(f)
    order = found.graph.toposort()
    clients = found.graph.clients
    result: list = []

    def add(kind: str, nodes: list, text: str) -> None:
        users = list(dict.fromkeys(u for n in nodes for u in found.replaces(n)))
        origins = tuple(dict.fromkeys(label(u.origin) for u in users))
        result.append(Leftover(kind, tuple(nodes), text, tuple(users), origins))

    _twice(order, add)
    for node in order:
        name = op_name(node.op)
        if name in ("fill", "Alloc") or type(node.op).__name__ == "Alloc":
            readers = [c for c, _ in clients.get(node.outputs[0], ())]
            if readers and all(c != "output" and type(c.op).__name__ in ("Elemwise", "FusedElemwise")
                               for c in readers):
                add(BROADCAST, [node], f"`{node_expression(node, 2)}` only broadcasts a value its "
                                       f"{len(readers)} elementwise reader(s) would broadcast anyway")
        inner_in = getattr(node.op, "inner_inputs", None)
        inner_out = getattr(node.op, "inner_outputs", None)
        if inner_in is None or inner_out is None:
            continue
        for j, out in enumerate(node.outputs):
            if not clients.get(out):
                add(UNREAD_OUTPUT, [node], f"output {j} of the loop `{op_name(node.op)}` is computed at every "
                                           "step but nothing reads it")
        used = {id(v) for v in ancestors(list(inner_out))}
        for k, placeholder in enumerate(inner_in):
            if id(placeholder) not in used:
                add(UNUSED_INPUT, [node], f"the loop body's input {k} ({placeholder}) is passed in at every "
                                          "step but no output of the body needs it")
    return result


def _twice(order: list, add: Any) -> None:
    """Values with the same structure computed by two compiled nodes.

    Every value gets a small integer: equal structures (the same elementwise
    op on values with equal numbers) get equal numbers, so keys stay flat
    however deep the graph is."""
    numbers: dict = {}   # structural key -> its number
    of_var: dict = {}    # id(variable) -> its number
    where: dict = {}     # number -> the first node computing it
    reported: set = set()

    def number(key: tuple) -> int:
        return numbers.setdefault(key, len(numbers))

    def var_number(var: Any) -> int:
        if isinstance(var, Constant):
            return number(("const", var.signature()))
        found = of_var.get(id(var))
        return found if found is not None else number(("var", id(var)))

    for node in order:
        scalar = getattr(node.op, "scalar_op", None)
        program = getattr(scalar, "program", None)
        computed: list = []
        if isinstance(program, tuple) and program:
            inner: list = []
            for op, args, _, _ in program:
                parts = tuple(var_number(node.inputs[n]) if kind == "i" else inner[n] if kind == "t"
                              else number(("literal", repr(scalar.literals[n]))) for kind, n in args)
                name = getattr(op, "name", str(op))
                inner.append(number(("elemwise", name, parts)))
                computed.append((inner[-1], name))
            of_var[id(node.outputs[0])] = inner[-1]
        elif type(node.op).__name__ == "Elemwise" and scalar is not None:
            try:
                key = number(("elemwise", scalar.name, tuple(var_number(v) for v in node.inputs)))
            except TypeError:
                continue
            of_var[id(node.outputs[0])] = key
            computed.append((key, scalar.name))
        for key, name in computed:
            if name.startswith("cast") or name == "second":
                continue  # cheap to repeat: not worth reporting
            first = where.setdefault(key, node)
            if first is not node and key not in reported:
                reported.add(key)
                add(TWICE, [first, node], f"the same value is computed by `{node_expression(first, 2)}` and by "
                                          f"`{node_expression(node, 2)}`")
