"""The linker: turn a rewritten FunctionGraph into one generated Python
function that calls numpy directly, node after node in topological order.

Each node contributes the source its op's ``generate`` returns, or a call to
its ``perform``.  Variables are deleted right after their last use so large
intermediates are freed early.  The source is kept for the curious
(``f.maker.source``).
"""
from __future__ import annotations

import copy
import keyword
import re
from typing import Any, Callable, Optional, Sequence

import numpy as np

from gradlab.bounded_text import op_text
from gradlab.codegen.errors import InputError, NodeError
from gradlab.codegen.oom import explain_memory_error, where_it_stopped
from gradlab.graph.basic import Constant, Variable

#: the longest comment naming a node's op in the generated source
COMMENT_CHARS = 80


class CodegenContext:
    """Names for the generated module: globals bound to objects, variable names."""

    def __init__(self, mode_sets: Sequence[Any] = ()) -> None:
        #: the rule sets of the function being generated: ops with inner graphs
        #: (Scan) rewrite those with the same sets
        self.mode_sets: tuple = tuple(mode_sets)
        self.globals: dict = {"np": np, "_ndarray": np.ndarray, "_asarray": np.asarray}
        self._bound: dict = {}
        self._used: set = set(self.globals) | set(keyword.kwlist) | {"self", "args"}
        self._counter = 0
        #: ``(apply_node, input_names)`` of the k-th node generated (commented ``# k:``)
        self.nodes: list = []

    def fresh(self, hint: str) -> str:
        """A new identifier based on ``hint``."""
        base = re.sub(r"\W", "_", hint or "v")
        if not base or base[0].isdigit():
            base = "v_" + base
        name = base
        while name in self._used:
            self._counter += 1
            name = f"{base}_{self._counter}"
        self._used.add(name)
        return name

    def bind(self, obj: Any, hint: str = "g") -> str:
        """A global name bound to ``obj`` (the same name for the same object)."""
        key = id(obj)
        hit = self._bound.get(key)
        if hit is not None and self.globals[hit] is obj:
            return hit
        name = self.fresh("_" + hint)
        self.globals[name] = obj
        self._bound[key] = name
        return name


def _last_uses(order: Sequence[Any]) -> dict:
    last: dict = {}
    for pos, node in enumerate(order):
        for inp in node.inputs:
            last[inp] = pos
    return last


def generate_body(fgraph: Any, input_vars: Sequence[Variable], output_vars: Sequence[Variable],
                  input_filters: Sequence[str], ctx: CodegenContext, read_shared: Sequence[tuple]) -> tuple:
    """Source lines computing ``output_vars`` from ``input_vars``.

    Returns ``(arg_names, lines, output_exprs)``.  ``input_filters`` holds one
    line-template per input (``{name}`` is the argument) that checks/converts
    it; ``read_shared`` holds ``(variable, storage_global)`` pairs for shared
    variables read from their storage cell.
    """
    names: dict = {}
    arg_names = []
    for var in input_vars:
        name = ctx.fresh(var.name or "x")
        names[var] = name
        arg_names.append(name)
    lines = [line for name, filt in zip(arg_names, input_filters) if filt
             for line in filt.format(name=name).splitlines()]
    for var, cell in read_shared:
        name = ctx.fresh(var.name or "shared")
        names[var] = name
        lines.append(f"{name} = {cell}[0]")
    order = fgraph.toposort()
    last = _last_uses(order)
    keep = set(output_vars) | set(input_vars)
    for pos, node in enumerate(order):
        in_names = []
        for inp in node.inputs:
            if inp not in names:
                if not isinstance(inp, Constant):
                    raise ValueError(f"variable {inp} is used before it is computed (graph inputs: {fgraph.inputs})")
                names[inp] = ctx.bind(inp.data, "k")
            in_names.append(names[inp])
        out_names = [ctx.fresh(o.name if o.name and o.name.isidentifier() else "v") for o in node.outputs]
        names.update(zip(node.outputs, out_names))
        ctx.nodes.append((node, in_names))
        code = node.op.generate(node, in_names, out_names, ctx)
        if code is None:
            code = _perform_call(node, in_names, out_names, ctx)
        lines.append(f"# {pos}: {_describe(node)}")
        lines.extend(code.splitlines())
        dead = [names[v] for v in dict.fromkeys(node.inputs)
                if last.get(v) == pos and v not in keep and not isinstance(v, Constant) and v.owner is not None]
        if dead:
            lines.append(f"del {', '.join(dead)}")
    outs = []
    for var in output_vars:
        if var in names:
            outs.append(names[var])
        elif isinstance(var, Constant):
            outs.append(ctx.bind(var.data, "k"))
        else:
            raise ValueError(f"output {var} cannot be computed from the inputs")
    return arg_names, lines, outs


def _describe(node: Any) -> str:
    return op_text(node.op, COMMENT_CHARS)


def _perform_call(node: Any, in_names: Sequence[str], out_names: Sequence[str], ctx: CodegenContext) -> str:
    perform = ctx.bind(node.op.perform, "perform")
    node_name = ctx.bind(node, "node")
    storage = ctx.fresh("st")
    cells = ", ".join("[None]" for _ in out_names)
    lines = [f"{storage} = [{cells}]",
             f"{perform}({node_name}, [{', '.join(in_names)}], {storage})"]
    for i, name in enumerate(out_names):
        lines.append(f"{name} = {storage}[{i}][0]")
    return "\n".join(lines)


#: code objects of generated sources already compiled (a notebook re-running a
#: cell generates the same text; the globals it runs with are fresh each time)
_CODE_CACHE: dict = {}
_CODE_CACHE_SIZE = 512


def compile_source(source: str, ctx: CodegenContext, fn_name: str = "compiled",
                   filename: str = "<gradlab-generated>") -> Callable:
    """Execute the generated source and return the function it defines."""
    namespace = dict(ctx.globals)
    key = (source, filename)
    code = _CODE_CACHE.get(key)
    if code is None:
        code = compile(source, filename, "exec")
        if len(_CODE_CACHE) >= _CODE_CACHE_SIZE:
            _CODE_CACHE.clear()
        _CODE_CACHE[key] = code
    exec(code, namespace)  # noqa: S102 - our own generated source, never user text
    return namespace[fn_name]


def interpret(fgraph: Any, inputs: Sequence[Any], shared_values: dict) -> Optional[BaseException]:
    """Re-run the graph one node at a time to find the node that fails.

    The last resort after the generated function raised, when its traceback
    does not say which node it was computing (see ``link``).  Returns the
    exception annotated with the failing node, or None.
    """
    env: dict = dict(zip(fgraph.inputs, inputs))
    env.update(shared_values)
    for pos, node in enumerate(fgraph.toposort()):
        args = [env[v] if v in env else v.data for v in node.inputs]
        storage = [[None] for _ in node.outputs]
        try:
            node.op.perform(node, args, storage)
        except Exception as exc:  # noqa: BLE001 - re-raised with context
            return _annotate(exc, pos, node, args)
        for o, cell in zip(node.outputs, storage):
            env[o] = cell[0]
    return None


def _annotate(exc: BaseException, pos: int, node: Any, args: Sequence[Any]) -> BaseException:
    described = []
    for var, val in zip(node.inputs, args):
        shape = getattr(val, "shape", None)
        dtype = getattr(val, "dtype", type(val).__name__)
        label = var.name or (f"output of {var.owner.op}" if var.owner is not None else "constant")
        described.append(f"{label}: shape {tuple(shape) if shape is not None else '()'} dtype {dtype}")
    msg = (f"computing node {pos} ({node.op}) failed: {exc}\n  inputs: " + "; ".join(described)
           + "\n  check the shapes of the values you passed; the static types are "
           + ", ".join(str(v.type) for v in node.inputs))
    return NodeError(msg, node=node, original=exc)


def link(fgraph: Any, ctx: CodegenContext, filters: Sequence[str], shared_cells: Sequence[str], n_out: int,
         update_vars: Sequence[Variable], return_list: bool, name: Optional[str],
         borrow: Sequence[bool] = ()) -> tuple:
    """The whole compiled function of ``fgraph``: ``(callable, source)``.

    ``fgraph.inputs`` are the arguments (one ``filters`` line each, checking
    and converting the value) then the shared variables (read from
    ``shared_cells``); ``fgraph.outputs`` are the ``n_out`` results then the
    new values of ``update_vars``.  The generated function checks its
    arguments, runs the body inside a ``try`` (a failure names the node it
    happened in and that node's input values from the traceback, without
    running anything again, see ``codegen/oom.py``), then writes the
    updates — only after every value is computed — and returns the outputs
    as arrays, each the caller's own (:func:`outputs_to_copy`; ``borrow[i]``
    is ``Out(y, borrow=True)`` for output i).
    """
    f_inputs = fgraph.inputs[:len(filters)]
    f_shared = fgraph.inputs[len(filters):]
    args, body, outs = generate_body(fgraph, f_inputs, fgraph.outputs, filters, ctx, list(zip(f_shared, shared_cells)))
    fn_name = ctx.fresh(name if name and name.isidentifier() else "compiled")
    where: dict = {}
    explain = ctx.bind(_make_explainer(fgraph, f_shared, ctx, where), "explain")
    passthrough = f"({ctx.bind(NodeError, 'NodeError')}, {ctx.bind(InputError, 'InputError')})"
    lines = [f"def {fn_name}({', '.join(args)}):", "    try:"]
    lines += ["        " + line for line in body or ["pass"]]
    lines += [f"    except {passthrough}:", "        raise",
              "    except Exception as _exc:", f"        raise {explain}(_exc, [{', '.join(args)}]) from None"]
    exprs = []
    copies = outputs_to_copy(fgraph, borrow)
    for i, (var, expr) in enumerate(zip(fgraph.outputs, outs)):
        if var.ndim is None:  # not an array (a random generator): a copy, never the shared one itself
            exprs.append(f"{ctx.bind(copy.deepcopy, 'deepcopy')}({expr})")
            continue
        exprs.append(f"_asarray({expr}).copy()" if copies[i] else (f"_asarray({expr})" if var.ndim == 0 else expr))
    # updates: computed values first, then written together (all or nothing)
    for k in range(len(update_vars)):
        lines.append(f"    _u{k} = {exprs[n_out + k]}")
    for k, cell in enumerate(_update_cells(ctx, update_vars)):
        lines.append(f"    {cell}[0] = _u{k}")
    results = exprs[:n_out]
    if return_list:
        lines.append(f"    return [{', '.join(results)}]")
    else:
        lines.append(f"    return {results[0] if results else None}")
    source = "\n".join(lines) + "\n"
    where.update(source=source, fn_name=fn_name)
    return compile_source(source, ctx, fn_name), source


def memory_roots(var: Variable) -> set:
    """The variables whose buffer ``var``'s value may be: itself, or, through ``view_map``
    (views: transpose, reshape, slices …) and ``destroy_map`` (in-place ops), the
    buffers of the inputs it views or overwrites, followed back to where they are made."""
    roots: set = set()
    stack = [var]
    seen: set = set()
    while stack:
        var = stack.pop()
        if var in seen:
            continue
        seen.add(var)
        node = var.owner
        if node is None:
            roots.add(var)
            continue
        k = node.outputs.index(var)
        sources = list((getattr(node.op, "view_map", None) or {}).get(k, ())) + \
            list((getattr(node.op, "destroy_map", None) or {}).get(k, ()))
        if not sources:
            roots.add(var)
        stack.extend(node.inputs[j] for j in sources)
    return roots


def outputs_to_copy(fgraph: Any, borrow: Sequence[bool]) -> list:
    """Which of ``fgraph.outputs`` (the returned values, then the updates' new values) are
    copied so that each is the caller's (or the shared variable's) own array.

    A value is copied when its memory may be an argument's, a constant's or a shared
    variable's (writing into it would change them), or an earlier output's or update's
    (two results sharing memory: ``[y, y[::-1]]``, ``y`` returned twice, an update
    ``s: y.T`` next to the output ``y``).  ``Out(y, borrow=True)`` skips the second
    kind of copy (the caller promises not to write into it; values from arguments,
    constants and shared storage are still copied).
    """
    inputs = set(fgraph.inputs)
    claimed: set = set()
    result = []
    for i, var in enumerate(fgraph.outputs):
        roots = memory_roots(var)
        external = any(r in inputs or isinstance(r, Constant) for r in roots)
        shared_with_earlier = bool(roots & claimed)
        claimed |= roots
        lent = i < len(borrow) and borrow[i]
        result.append(external or (shared_with_earlier and not lent))
    return result


def _update_cells(ctx: CodegenContext, update_vars: Sequence[Variable]) -> list:
    return [ctx.bind(var.storage, f"cell_{var.name or 'shared'}") for var in update_vars]


def _make_explainer(fgraph: Any, f_shared: Sequence[Variable], ctx: CodegenContext, where: dict):
    def explain(exc: BaseException, args: Sequence[Any]) -> BaseException:
        if isinstance(exc, MemoryError):  # re-running would only run out of memory again
            return explain_memory_error(exc, where["source"], where["fn_name"], ctx.nodes, ctx.globals)
        stopped = where_it_stopped(exc, where["source"], where["fn_name"], ctx.nodes, ctx.globals)
        if stopped is not None:           # what the run recorded: no second run
            return _annotate(exc, *stopped)
        shared_values = {v: v.storage[0] for v in f_shared}
        found = interpret(fgraph, list(args) + [shared_values[v] for v in f_shared], {})
        return found if found is not None else exc
    return explain
