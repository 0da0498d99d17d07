"""The loop for scalar recurrences, on Python floats.

A numpy call on a 0-d array costs about a microsecond; the same operation
on Python floats costs tens of nanoseconds.  When every value of the inner
graph is a 0-d float64 (or bool) and every node is an elementwise op with a
template below, the step is emitted as Python expressions (single-use
intermediates inlined), sequences are read from lists and traces collected
in lists.

Python's ``math`` raises where numpy returns inf or nan (``log(0)``,
``exp(1000)``, ``1/0``): the fast loop then re-runs the whole scan with the
numpy loop, so the values are numpy's in every case.  Functions of ``math``
may differ from numpy's in the last bit.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional

import numpy as np

from gradlab.codegen.linker import CodegenContext, compile_source
from gradlab.graph.basic import Constant
from gradlab.graph.op import literal_source

SCALAR_DTYPES = ("float64", "bool")


def _sigmoid(x: float) -> float:
    """1 / (1 + exp(-x)), as numpy's stable formula."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    """log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|))."""
    return (x if x > 0 else 0.0) + math.log1p(math.exp(-abs(x)))


def _maximum(a: float, b: float) -> float:
    """numpy.maximum: NaN wins."""
    return a if (a >= b or a != a) else b


def _minimum(a: float, b: float) -> float:
    """numpy.minimum: NaN wins."""
    return a if (a <= b or a != a) else b


def _sign(x: float) -> float:
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return x  # 0.0, -0.0 and nan map to themselves


def _clip(x: float, lo: float, hi: float) -> float:
    return _minimum(_maximum(x, lo), hi)


_F = {"exp": math.exp, "log": math.log, "log1p": math.log1p, "expm1": math.expm1, "sqrt": math.sqrt,
      "log2": math.log2, "log10": math.log10, "sin": math.sin, "cos": math.cos, "tan": math.tan,
      "arcsin": math.asin, "arccos": math.acos, "arctan": math.atan, "sinh": math.sinh, "cosh": math.cosh,
      "tanh": math.tanh, "arcsinh": math.asinh, "arccosh": math.acosh, "arctanh": math.atanh,
      "sigmoid": _sigmoid, "softplus": _softplus, "isnan": math.isnan, "isinf": math.isinf, "sign": _sign}

#: scalar op name -> Python expression ({0}, {1}, {2} are the operands)
TEMPLATES = {
    "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "true_div": "{0} / {1}",
    "floor_div": "{0} // {1}", "mod": "{0} % {1}", "neg": "-{0}", "reciprocal": "1.0 / {0}",
    "abs": "abs({0})", "sqr": "{0} * {0}", "exp2": "2.0 ** {0}",
    "maximum": "_maximum({0}, {1})", "minimum": "_minimum({0}, {1})", "clip": "_clip({0}, {1}, {2})",
    "lt": "{0} < {1}", "le": "{0} <= {1}", "gt": "{0} > {1}", "ge": "{0} >= {1}", "eq": "{0} == {1}",
    "neq": "{0} != {1}", "and_": "{0} & {1}", "or_": "{0} | {1}", "xor": "{0} ^ {1}", "invert": "not {0}",
    "switch": "{1} if {0} else {2}", "second": "{1}", "identity": "{0}",
    "floor": "float(_floor({0}))", "ceil": "float(_ceil({0}))", "trunc": "float(_trunc({0}))",
    "round": "float(round({0}))", "arctan2": "_atan2({0}, {1})",
}
TEMPLATES.update({name: f"_{name}({{0}})" for name in _F})

HELPERS = dict({f"_{name}": fn for name, fn in _F.items()}, _maximum=_maximum, _minimum=_minimum, _clip=_clip,
               _floor=math.floor, _ceil=math.ceil, _trunc=math.trunc, _atan2=math.atan2, _pow=math.pow)


def _is_scalar(var: Any) -> bool:
    t = var.type
    return getattr(t, "ndim", None) == 0 and getattr(t, "dtype", None) in SCALAR_DTYPES


def _literal(value: Any, ctx: CodegenContext) -> str:
    """A 0-d constant as the Python bool or float the loop computes with."""
    v = np.asarray(value).item()
    return literal_source(v if isinstance(v, bool) else float(v), ctx)


def _template(node: Any) -> Optional[str]:
    sop = getattr(node.op, "scalar_op", None)
    if sop is None:
        return None
    if getattr(sop, "kind", "") == "cast":
        return {"float64": "float({0})", "bool": "bool({0})"}.get(getattr(sop, "dtype", None))
    if sop.name == "pow":
        exponent = node.inputs[1]
        if isinstance(exponent, Constant) and float(np.asarray(exponent.data)).is_integer():
            return "{0} ** {1}"  # an integer power of a float is always real
        return "_pow({0}, {1})"
    return TEMPLATES.get(sop.name)


def applicable(fgraph: Any) -> bool:
    """Is every value 0-d float64/bool and every node a templated elementwise op?"""
    if not all(_is_scalar(v) for v in list(fgraph.inputs) + list(fgraph.outputs)):
        return False
    for node in fgraph.toposort():
        if _template(node) is None:
            return False
        for v in node.outputs:
            if not _is_scalar(v):
                return False
        for v in node.inputs:
            if isinstance(v, Constant):
                if np.asarray(v.data).ndim != 0 or np.asarray(v.data).dtype.kind not in "biuf":
                    return False
            elif not _is_scalar(v):
                return False
    return True


def _step_code(fgraph: Any, names: dict, ctx: CodegenContext) -> list:
    """Lines computing every inner output from ``names`` (inputs -> identifiers);
    fills ``names`` with the outputs' expressions."""
    uses: dict = {}
    order = fgraph.toposort()
    for node in order:
        for v in node.inputs:
            uses[v] = uses.get(v, 0) + 1
    for v in fgraph.outputs:
        uses[v] = uses.get(v, 0) + 2  # outputs are read after the step: keep them in names
    lines = []
    for node in order:
        template = _template(node)
        args = []
        for v in node.inputs:
            if isinstance(v, Constant):
                args.append(_literal(v.data, ctx))
            else:
                args.append(names[v])
        repeated = any(template.count("{%d}" % i) > 1 for i in range(len(args)))
        if repeated:
            for i, v in enumerate(node.inputs):
                if args[i].startswith("(") and not isinstance(v, Constant):
                    tmp = ctx.fresh("s")
                    lines.append(f"{tmp} = {args[i]}")
                    args[i] = tmp
        expr = "(" + template.format(*args) + ")"
        out = node.outputs[0]
        if uses.get(out, 0) == 1:
            names[out] = expr
        else:
            name = ctx.fresh(out.name if out.name and out.name.isidentifier() else "s")
            lines.append(f"{name} = {expr}")
            names[out] = name
    return lines


def scalar_loop(op: Any, fgraph: Any, fallback: Callable) -> Optional[Callable]:
    """The Python-float loop of ``op``, or None when the graph does not qualify."""
    if not applicable(fgraph):
        return None
    from gradlab.scan.loop import step_checker
    spec = op.spec
    ctx = CodegenContext()
    ctx.globals.update(HELPERS)
    ctx._used.update(HELPERS)
    n_si, n_st = spec.n_seq_inputs, spec.n_states
    check = ctx.bind(step_checker(spec), "check_steps")
    fb = ctx.bind(fallback, "numpy_loop")
    arr = ctx.bind(np.array, "array")
    n_steps, n = ctx.fresh("n_steps"), ctx.fresh("n")
    seq_params = [ctx.fresh(f"seq{k}") for k in range(spec.n_seqs)]
    init_params = [ctx.fresh(f"init{k}") for k in range(n_st)]
    ns_params = [ctx.fresh(f"ns{j}") for j in range(spec.n_nonseqs)]
    params = [n_steps] + seq_params + init_params + ns_params
    names: dict = {}
    ins = list(fgraph.inputs)
    for v in ins:
        names[v] = ctx.fresh(v.name or "x")
    body = [f"{n} = {check}({n_steps}, ({''.join(p + ', ' for p in seq_params)}))", "try:"]
    pre = []
    for j, p in enumerate(ns_params):
        v = ins[n_si + n_st + j]
        pre.append(f"{names[v]} = {'bool' if v.dtype == 'bool' else 'float'}({p})")
    for k, p in enumerate(init_params):
        v = ins[n_si + k]
        pre.append(f"{names[v]} = {'bool' if v.dtype == 'bool' else 'float'}({p})")
    iters = []
    pos = 0
    for k, offsets in enumerate(spec.seq_taps):
        lst = ctx.fresh(f"list{k}")
        span = spec.span(k)
        pre.append(f"{lst} = {seq_params[k]}[:{n}{f' + {span}' if span else ''}].tolist()")
        for o in offsets:
            iters.append((names[ins[pos]], f"{lst}[{o}:{o} + {n}]" if o else (f"{lst}[:{n}]" if spec.span(k) else lst)))
            pos += 1
    collect = []
    for k in range(n_st):
        if spec.keep_trace[k]:
            lst, app = ctx.fresh(f"trace{k}"), ctx.fresh(f"push{k}")
            pre.append(f"{lst} = []; {app} = {lst}.append")
            collect.append((lst, app))
        else:
            collect.append(None)
    for m in range(spec.n_maps):
        lst, app = ctx.fresh(f"out{m}"), ctx.fresh(f"push_out{m}")
        pre.append(f"{lst} = []; {app} = {lst}.append")
        collect.append((lst, app))
    if not iters:
        loop_head = f"for _ in range({n}):"
    elif len(iters) == 1:
        loop_head = f"for {iters[0][0]} in {iters[0][1]}:"
    else:
        loop_head = f"for {', '.join(a for a, _ in iters)} in zip({', '.join(b for _, b in iters)}):"
    step = _step_code(fgraph, names, ctx)
    outs = [names[v] if not isinstance(v, Constant) else _literal(v.data, ctx) for v in fgraph.outputs]
    for i, item in enumerate(collect):
        if item is not None:
            step.append(f"{item[1]}({outs[i]})")
    if n_st:
        targets = [names[ins[n_si + k]] for k in range(n_st)]
        step.append(f"{', '.join(targets)}, = {', '.join(outs[:n_st])},")
    if not step:
        step.append("pass")
    body += ["    " + line for line in pre]
    body.append("    " + loop_head)
    body += ["        " + line for line in step]
    body.append("except (ArithmeticError, ValueError):  # math raised where numpy gives inf/nan: use numpy")
    body.append(f"    return {fb}({', '.join(params)})")
    results = []
    for k in range(n_st):
        v = fgraph.outputs[k]
        dt = ctx.bind(np.dtype(v.dtype), "dt")
        if spec.keep_trace[k]:
            results.append(f"{arr}({collect[k][0]}, {dt})")
        else:
            results.append(f"{arr}({names[ins[n_si + k]]}, {dt})")
    for m in range(spec.n_maps):
        v = fgraph.outputs[n_st + m]
        dt = ctx.bind(np.dtype(v.dtype), "dt")
        results.append(f"{arr}({collect[n_st + m][0]}, {dt})")
    body.append(f"return ({''.join(r + ', ' for r in results)})")
    source = f"def scan_loop_scalar({', '.join(params)}):\n" + "".join("    " + line + "\n" for line in body)
    fn = compile_source(source, ctx, "scan_loop_scalar", filename=f"<gradlab-scan-{spec.name or 'loop'}-scalar>")
    fn.source = source
    fn.fallback = fallback
    return fn
