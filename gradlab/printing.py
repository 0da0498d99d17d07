"""Text views of a graph: ``pp`` (one infix expression) and ``dprint``
(a tree with stable ids; a shared subexpression is printed once and
referred to by its id afterwards).

Both walk the graph with explicit stacks, so a 100,000-node chain prints at
Python's default recursion limit.
"""
from __future__ import annotations

import io
import sys
from typing import Any, Iterable, Optional, Sequence, Union

from gradlab.bounded_text import Budget
from gradlab.graph.basic import Constant, Variable
from gradlab.tensor.print_op import Print  # noqa: F401  (PyTensor's printing.Print)

#: ops printed as ``name(args)`` under another name
_FUNCTION_NAMES = {"second": "fill", "true_div": "true_div", "neg": "-", "identity": "identity"}


def _scalar_op(node: Any) -> Any:
    return getattr(node.op, "scalar_op", None)


def _leaf_text(var: Variable) -> str:
    if isinstance(var, Constant):
        return repr(var)
    if var.name is not None:
        return var.name
    return f"<{var.type}>"


def _node_pieces(node: Any, var: Variable) -> list:
    """Text of ``var`` (an output of ``node``) as pieces: strings and input variables."""
    sop = _scalar_op(node)
    ins = list(node.inputs)
    custom = getattr(node.op, "pp_pieces", None)
    if custom is not None:
        return custom(node, var)
    if sop is not None:
        inner = getattr(sop, "inner_pieces", None)
        if inner is not None:
            return inner(ins)
        if sop.symbol is not None and sop.nin == 2:
            return ["(", ins[0], f" {sop.symbol} ", ins[1], ")"]
        if sop.symbol is not None and sop.nin == 1:
            return ["(", sop.symbol, ins[0], ")"]
        name = _FUNCTION_NAMES.get(sop.name, sop.name)
        if getattr(sop, "kind", "") == "cast":
            return [f"cast{{{sop.dtype}}}(", ins[0], ")"]
        return _call_pieces(name, ins)
    name = str(node.op)
    if len(node.outputs) > 1:
        name = f"{name}.{var.index}"
    return _call_pieces(name, ins)


def _call_pieces(name: str, ins: Sequence[Variable]) -> list:
    pieces: list = [f"{name}("]
    for i, inp in enumerate(ins):
        if i:
            pieces.append(", ")
        pieces.append(inp)
    pieces.append(")")
    return pieces


#: the text ``pp`` writes when no ``max_chars`` is given, at most (characters)
PP_MAX_CHARS = 10_000
_DEFAULT = object()


def pp(var: Union[Variable, Sequence[Variable], Any], max_chars: Any = _DEFAULT) -> str:
    """One infix expression for ``var`` (named variables print as their name).

    ``pp(gt.grad(x**2, x))`` gives ``((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))``.
    A list or a compiled function gives one line per output.

    A piece read ``k`` times is written out ``k`` times, so a graph that reuses
    its pieces level after level (``y = sin(y) * y`` in a loop) reads
    exponentially long.  By default the text is bounded: when it would pass
    :data:`PP_MAX_CHARS` characters, each piece read more than once is written
    once, named ``$1``, ``$2``, … (``where $1 = …``), and if even that is too
    long it stops there and says so.  ``max_chars=n`` stops building once the
    text reaches ``n`` characters (it then ends with ``…``): widgets and the
    command line print with a budget; ``max_chars=None`` writes everything.
    """
    if hasattr(var, "maker"):
        var = list(var.maker.fgraph.outputs)
    targets = list(var) if isinstance(var, (list, tuple)) else [var]
    for item in targets:
        if not isinstance(item, Variable):
            raise TypeError(f"pp needs a symbolic variable or a compiled function, got {type(item).__name__}")
    if max_chars is not _DEFAULT:
        return _pp_text(targets, Budget(max_chars)).text
    plain = _pp_text(targets, Budget(PP_MAX_CHARS))
    if not plain.full:
        return plain.text
    labels, order = _shared_pieces(targets)
    budget = Budget(PP_MAX_CHARS)
    _pp_text(targets, budget, labels)
    for k, shared in enumerate(order):
        if k == 0 and not budget.add("\nwhere"):
            break
        if not budget.add(f"\n  {labels[shared]} = ") or not _pp_into(shared, budget, labels):
            break
    if budget.full:
        return (budget.text + f"\n(pp stops at {PP_MAX_CHARS:,} characters: pp(var, max_chars=None) writes "
                "all of it; dprint(var) shows each shared piece once)")
    return budget.text


def _pp_text(targets: list, budget: Budget, labels: Optional[dict] = None) -> Budget:
    for k, target in enumerate(targets):
        if (k and not budget.add("\n")) or not _pp_into(target, budget, labels):
            break
    return budget


def _expanded(var: Variable, top: bool) -> bool:
    """Does ``pp`` write ``var`` out (rather than as a name or a leaf)?"""
    return var.owner is not None and (var.name is None or top)


def _piece_vars(pieces: list) -> Iterable[Variable]:
    """The variables in a piece tree (strings, variables and nested lists)."""
    stack = list(reversed(pieces))
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, Variable):
            yield item


def _shared_pieces(targets: list) -> tuple:
    """``({variable: "$k"}, variables producers first)`` for the pieces the
    expressions of ``targets`` read more than once (one walk, linear)."""
    reads: dict = {}
    order: list = []
    done: set = set()
    stack = [(t, True, False) for t in reversed(targets)]
    while stack:
        var, top, children_done = stack.pop()
        if children_done:
            order.append(var)
            continue
        if var in done or not _expanded(var, top):
            continue
        done.add(var)
        stack.append((var, top, True))
        for inp in _piece_vars(_node_pieces(var.owner, var)):
            if _expanded(inp, False):
                reads[inp] = reads.get(inp, 0) + 1
                if inp not in done:
                    stack.append((inp, False, False))
    outputs = set(targets)
    shared = [v for v in order if reads.get(v, 0) > 1 and v not in outputs]
    return {v: f"${k + 1}" for k, v in enumerate(shared)}, shared


def _pp_into(var: Variable, budget: Budget, labels: Optional[dict] = None) -> bool:
    """Add ``pp(var)`` to ``budget``; False once it is spent.  Pieces are
    expanded lazily from a stack, so the work stops with the budget.  A
    variable in ``labels`` (other than ``var``) is written as its label."""
    stack: list = [var]
    top = True
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not budget.add(item):
                return False
            continue
        if isinstance(item, list):                 # a piece tree (a fused Composite's formula)
            stack.extend(reversed(item))
            continue
        if labels and not top and item in labels:
            if not budget.add(labels[item]):
                return False
        elif item.owner is None or (item.name is not None and not top):
            if not budget.add(_leaf_text(item)):
                return False
        else:
            stack.extend(reversed(_node_pieces(item.owner, item)))
        top = False
    return True


# ---------------------------------------------------------------------------
def _id_label(n: int) -> str:
    """A, B, …, Z, BA, BB, … (base 26 with A as zero, like PyTensor)."""
    letters = []
    while True:
        n, r = divmod(n, 26)
        letters.append(chr(ord("A") + r))
        if n == 0:
            break
    return "".join(reversed(letters))


def _op_label(var: Variable) -> str:
    node = var.owner
    sop = _scalar_op(node)
    label = str(node.op)
    if sop is not None and hasattr(sop, "inner_text"):
        label = f"{label}{{{sop.inner_text()}}}"
    if len(node.outputs) > 1:
        label += f".{var.index}"
    return label


def dprint(obj: Any, file: Any = None, depth: Optional[int] = None, print_type: bool = False, ids: str = "auto",
           print_shape: bool = False, print_inner_graphs: Union[bool, str] = "auto") -> Optional[str]:
    """Print the graph of ``obj`` (variables or a compiled function) as a tree.

    ``file=None`` prints to stdout, ``file="str"`` returns the text, any other
    value is a file object.  ``depth`` limits how deep the tree goes (``None``
    or PyTensor's ``-1``: no limit).  ``print_type`` adds each variable's
    type, ``print_shape`` its static shape (``shape=(?, 3)``, PyTensor 3's
    spelling).  The inner graph of a loop (``Scan``) follows the outer graph
    unless ``print_inner_graphs=False``; an inner graph identical to one
    printed already is not printed again (its line names the first one).
    """
    if depth == -1:
        depth = None
    if print_inner_graphs not in (True, False, "auto"):
        raise ValueError(f"dprint: print_inner_graphs must be True, False or 'auto', got {print_inner_graphs!r}")
    shown = _Shown(print_type, print_shape)
    outputs = _dprint_targets(obj)
    lines: list = []
    labels: dict = {}
    inner_graphs: list = []
    for out in outputs:
        _dprint_tree(out, lines, labels, depth, shown, inner_graphs)
    if print_inner_graphs:
        _dprint_inner_graphs(inner_graphs, lines, labels, depth, shown)
    text = "\n".join(lines) + "\n"
    if file == "str":
        return text
    (file or sys.stdout).write(text)
    return None


class _Shown:
    """What each line of ``dprint`` adds after the variable: type, shape."""

    def __init__(self, print_type: bool, print_shape: bool):
        self.print_type, self.print_shape = print_type, print_shape

    def suffix(self, var: Variable) -> str:
        text = f" <{var.type}>" if self.print_type else ""
        shape = getattr(var.type, "shape", None)
        if self.print_shape and shape is not None:
            lengths = ", ".join("?" if n is None else str(n) for n in shape)
            text += f" shape=({lengths}{',' if len(shape) == 1 else ''})"
        return text


def _dprint_inner_graphs(inner_graphs: list, lines: list, labels: dict, depth: Optional[int], shown: _Shown) -> None:
    """Each loop's inner graph after the outer graph, once: a node whose inner
    graph prints the same as an earlier one's (two equal loops) gets one line
    naming that one."""
    seen_inner: set = set()
    printed: dict = {}  # the inner graph's text (ids from A) -> the title it was printed under
    for title, inner_outputs in inner_graphs:
        if id(inner_outputs[0]) in seen_inner:
            continue
        seen_inner.add(id(inner_outputs[0]))
        alone: list = []
        for out in inner_outputs:
            _dprint_tree(out, alone, {}, depth, shown, [])
        key = "\n".join(alone)
        lines.append("")
        if key in printed:
            lines.append(f"Inner graph of {title}: the same as the inner graph of {printed[key]}")
            continue
        printed[key] = title
        lines.append(f"Inner graph of {title}:")
        for out in inner_outputs:
            _dprint_tree(out, lines, labels, depth, shown, [])


def _dprint_targets(obj: Any) -> list:
    if hasattr(obj, "maker"):
        return list(obj.maker.fgraph.outputs)
    if hasattr(obj, "outputs") and hasattr(obj, "apply_nodes"):
        return list(obj.outputs)
    if isinstance(obj, Variable):
        return [obj]
    if isinstance(obj, (list, tuple)) and all(isinstance(v, Variable) for v in obj):
        return list(obj)
    raise TypeError(f"dprint needs a variable, a list of variables or a compiled function, got {type(obj).__name__}")


#: deeper subtrees restart at the left margin so deep chains print in linear space
MAX_INDENT = 64


def _dprint_tree(root: Variable, lines: list, labels: dict, depth: Optional[int], shown: _Shown,
                 inner_graphs: list) -> None:
    pending = [root]
    continued: set = set()
    while pending:
        start = pending.pop(0)
        resume = None
        if start.owner is not None and start.owner in continued:
            lines.append(f"[id {labels[start.owner]}] continued:")
            continued.discard(start.owner)
            resume = start.owner
        # stack items: (variable, prefix for this line, prefix for its children, level)
        stack = [(start, "", "", 0)]
        while stack:
            var, head, tail, level = stack.pop()
            type_text = shown.suffix(var)
            if var.owner is None:
                lines.append(f"{head}{_leaf_text(var)}{type_text}")
                continue
            key = var.owner
            if key is resume:
                resume = None
            elif key in labels:
                lines.append(f"{head}{_op_label(var)} [id {labels[key]}] ···")
                continue
            else:
                labels[key] = _id_label(len(labels))
            name = f" '{var.name}'" if var.name else ""
            line = f"{head}{_op_label(var)} [id {labels[key]}]{name}{type_text}"
            inner = getattr(var.owner.op, "inner_graph_for_printing", None)
            if inner is not None:
                inner_graphs.append((f"{var.owner.op} [id {labels[key]}]", inner()))
            if depth is not None and level + 1 >= depth:
                lines.append(line)
                continue
            if level >= MAX_INDENT and var.owner.inputs:
                lines.append(line + " (continued below)")
                continued.add(key)
                pending.append(var)
                continue
            lines.append(line)
            children = var.owner.inputs
            for i in range(len(children) - 1, -1, -1):
                last = i == len(children) - 1
                stack.append((children[i], tail + (" └─ " if last else " ├─ "),
                              tail + ("    " if last else " │  "), level + 1))
