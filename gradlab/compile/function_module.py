"""``gradlab.function``: compile symbolic outputs into a Python callable.

    f = gradlab.function([x], gy)      # f(4) -> array(8.)

The graph is cloned into a :class:`~gradlab.graph.FunctionGraph`, rewritten
by the mode's rule sets, and linked into one generated Python function
(``f.maker.source``).  Arguments are checked against the inputs' types;
shared variables are read from their storage and updated after every
output is computed — all or nothing.
"""
from __future__ import annotations

import threading
import time
import warnings
from typing import Any, Iterable, Mapping, Optional, Sequence, Union

import numpy as np

from gradlab.codegen.errors import InputError, UnusedInputError
from gradlab.codegen.linker import CodegenContext, link
from gradlab.compile.modes import Mode, get_mode
from gradlab.compile.rule_sets import resolve
from gradlab.compile.default_updates import with_default_updates
from gradlab.compile.memory import tune_malloc
from gradlab.tensor.shared import SharedVariable, lock_of
from gradlab.graph.basic import Constant, GraphBundle, Variable
from gradlab.graph.collector import collector_paused
from gradlab.graph.fgraph import FunctionGraph
from gradlab.graph.gradient_types import DisconnectedType, NullType
from gradlab.graph.traversal import ancestors, clone_graph, graph_inputs
from gradlab.rewrite.driver import rewrite_fgraph
from gradlab.scan.op import Scan
from gradlab.scan.tier import loop_tiers
from gradlab.tensor.variable import as_tensor_variable


class MissingInputError(ValueError):
    """An output needs a variable that is neither an input, a constant nor shared."""


class In:
    """An input with options: ``In(x, name="x", value=default)``."""

    def __init__(self, variable: Variable, name: Optional[str] = None, value: Any = None,
                 update: Optional[Variable] = None, mutable: bool = False, borrow: bool = False):
        if not isinstance(variable, Variable):
            raise TypeError(f"In() needs a symbolic variable, got {type(variable).__name__}")
        self.variable = variable
        self.name = name if name is not None else variable.name
        self.value = value
        self.has_default = value is not None
        self.update = update
        self.mutable = mutable
        self.borrow = borrow


class Out:
    """An output with options: ``borrow=True`` lets the returned array share memory with
    another output or the function's internals (no defensive copy; do not write into it)."""

    def __init__(self, variable: Variable, borrow: bool = False):
        self.variable = variable
        self.borrow = borrow


class FunctionMaker:
    """What compiling produced: the rewritten graph, its trace, the source."""

    def __init__(self, **fields: Any):
        self.__dict__.update(fields)

    def __repr__(self) -> str:
        return f"FunctionMaker(mode={self.mode.name}, nodes={len(self.fgraph.apply_nodes)})"

    @property
    def loop_tiers(self) -> dict:
        """Each scalar loop's tier: ``{name: {"state": "compiled", "ran": "compiled"}}``
        (``state``: python, waiting, compiling, compiled, failed, unavailable;
        ``ran``: the tier its last call used).  See ``gradlab/scan/tier.py``."""
        return loop_tiers(self.codegen.globals)

    @property
    def tier(self) -> str:
        """Which tier the loops ran on the last call: "python", "compiled" or "mixed"
        ("python" when the function has no scalar loop)."""
        ran = {info["ran"] or "python" for info in self.loop_tiers.values()} or {"python"}
        return ran.pop() if len(ran) == 1 else "mixed"


class Function:
    """A compiled function: call it with values for its inputs."""

    def __init__(self, fn: Any, maker: FunctionMaker, input_names: Sequence[Optional[str]],
                 defaults: Sequence[Any], name: Optional[str]):
        self._fn = fn
        self.maker = maker
        self.input_names = list(input_names)
        self._defaults = list(defaults)
        self._nin = len(input_names)
        self.name = name
        self.trust_input = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != self._nin:
            args = self._bind(args, kwargs)
        return self._fn(*args)

    def _bind(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list:
        label = f"function {self.name!r}" if self.name else "this function"
        names = ", ".join(n or f"<input {i}>" for i, n in enumerate(self.input_names))
        if len(args) > self._nin:
            raise TypeError(f"{label} takes {self._nin} input{'s' if self._nin != 1 else ''} ({names}), "
                            f"got {len(args)} positional values")
        values: list = list(args) + [_MISSING] * (self._nin - len(args))
        for key, value in kwargs.items():
            if key not in self.input_names:
                raise TypeError(f"{label} has no input named {key!r}; its inputs are ({names})")
            pos = self.input_names.index(key)
            if values[pos] is not _MISSING:
                raise TypeError(f"{label} got two values for input {key!r}")
            values[pos] = value
        for pos, value in enumerate(values):
            if value is _MISSING:
                if self._defaults[pos] is not _MISSING:
                    values[pos] = self._defaults[pos]
                else:
                    missing = self.input_names[pos] or f"<input {pos}>"
                    raise TypeError(f"{label} is missing a value for input {missing!r} (inputs: {names})")
        return values

    def __reduce__(self) -> tuple:
        """A compiled function pickles as what made it — the graph (one flat bundle:
        see ``graph/basic.py``), the options and the current defaults — and is compiled
        again when loaded (shared variables come back with their values)."""
        m = self.maker
        ins = list(m.inputs)
        variables = ([i.variable for i in ins] + [i.update for i in ins if i.update is not None]
                     + list(m.user_outputs) + [v for pair in m.updates for v in pair]
                     + [v for pair in m.givens.items() for v in pair])
        options = dict(names=[i.name for i in ins], defaults=[None if d is _MISSING else (d,) for d in self._defaults],
                       has_update=[i.update is not None for i in ins], n_out=len(m.user_outputs),
                       n_updates=len(m.updates), n_givens=len(m.givens), return_list=m.return_list,
                       borrow=list(m.borrow), mode=m.mode, name=self.name, downcast=m.allow_input_downcast)
        return (_load_function, (GraphBundle(variables), options))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict:
        from gradlab.viz.display import function_mimebundle
        return function_mimebundle(self)

    def __repr__(self) -> str:
        return f"<gradlab.Function {self.name or ''}({', '.join(n or '?' for n in self.input_names)})>"


_MISSING = object()


def _load_function(bundle: GraphBundle, o: dict) -> "Function":
    """A pickled :class:`Function` compiled again (see ``Function.__reduce__``)."""
    vs = iter(bundle.variables)
    in_vars = [next(vs) for _ in o["names"]]
    updates_of = [next(vs) if has else None for has in o["has_update"]]
    ins = [In(v, name=n, value=None if d is None else d[0], update=u)
           for v, n, d, u in zip(in_vars, o["names"], o["defaults"], updates_of)]
    outs = [next(vs) for _ in range(o["n_out"])]
    outs = [Out(v, borrow=True) if b else v for v, b in zip(outs, o["borrow"])]
    updates = [(next(vs), next(vs)) for _ in range(o["n_updates"])]
    givens = [(next(vs), next(vs)) for _ in range(o["n_givens"])]
    return function(ins, outs if o["return_list"] else outs[0], updates=updates, givens=givens or None,
                    mode=o["mode"], on_unused_input="ignore", name=o["name"],
                    allow_input_downcast=o["downcast"], no_default_updates=True)


# ---------------------------------------------------------------------------
def function(inputs: Sequence[Union[Variable, In]], outputs: Any = None, updates: Any = None,
             givens: Any = None, mode: Union[None, str, Mode] = None, on_unused_input: str = "raise",
             name: Optional[str] = None, allow_input_downcast: Optional[bool] = None,
             no_default_updates: Any = False) -> Function:
    """Compile ``outputs`` as a function of ``inputs``.

    ``updates`` maps shared variables to new values (applied after every
    output is computed); ``givens`` substitutes variables before compiling;
    ``mode`` is ``"FAST_RUN"`` (default), ``"FAST_COMPILE"``, ``"NO_REWRITE"``
    or a :class:`Mode`; shared variables with a ``default_update`` are
    updated with it unless ``no_default_updates`` (True, or a list of the
    variables to leave alone); ``on_unused_input`` is ``"raise"``, ``"warn"`` or
    ``"ignore"``, judged on the graph as given (before rewriting).
    """
    with collector_paused():   # many small objects, few freed: see graph/collector.py
        return _function(inputs, outputs, updates, givens, mode, on_unused_input, name, allow_input_downcast,
                         no_default_updates)


def _function(inputs: Any, outputs: Any, updates: Any, givens: Any, mode: Any, on_unused_input: str,
              name: Optional[str], allow_input_downcast: Optional[bool], no_default_updates: Any) -> Function:
    start = time.perf_counter()
    tune_malloc()  # intermediates are allocated per call: keep freed pages (see compile/memory.py)
    mode = get_mode(mode)
    if on_unused_input not in ("raise", "warn", "ignore"):
        raise ValueError(f"on_unused_input must be 'raise', 'warn' or 'ignore', got {on_unused_input!r}")
    ins = _normalize_inputs(inputs)
    in_vars = [i.variable for i in ins]
    out_vars, return_list = _normalize_outputs(outputs)
    update_pairs = _normalize_updates(with_default_updates(out_vars, _update_list(updates), no_default_updates))
    replacements = _normalize_givens(givens)
    user_outputs = list(out_vars)
    input_updates = _input_updates(ins)
    user_return_list = return_list
    if input_updates:  # In(x, value=v, update=e): e is computed as one more (hidden) output
        out_vars = out_vars + [expr for _, expr in input_updates]
        return_list = True
    user_updates = [expr for _, expr in update_pairs]
    if replacements:
        rebuilt, _ = clone_graph(out_vars + user_updates, replace=replacements)
        out_vars = rebuilt[:len(out_vars)]
        user_updates = rebuilt[len(out_vars):]
    graph_outputs = out_vars + user_updates
    _check_unused(in_vars, graph_outputs, on_unused_input)
    _check_no_null(graph_outputs)
    shared_vars = _collect_free(in_vars, graph_outputs)

    fgraph = FunctionGraph(in_vars + shared_vars, graph_outputs, clone=True)
    _check_loop_modes(fgraph)
    trace = _rewrite(fgraph, mode)
    rewrite_done = time.perf_counter()
    fn, source, ctx = _link(fgraph, ins, in_vars, shared_vars, len(out_vars), update_pairs,
                            return_list, allow_input_downcast, name, mode_sets=mode.sets,
                            borrow=_borrowed(outputs))
    maker = FunctionMaker(fgraph=fgraph, source=source, trace=trace, mode=mode, inputs=ins,
                          outputs=user_outputs, updates=update_pairs, givens=replacements,
                          user_outputs=user_outputs, shared=shared_vars, return_list=user_return_list,
                          borrow=_borrowed(outputs), allow_input_downcast=allow_input_downcast,
                          rewrite_time=rewrite_done - start, compile_time=time.perf_counter() - start,
                          codegen=ctx)
    defaults = [i.value if i.has_default else _MISSING for i in ins]
    names = [i.name for i in ins]
    if input_updates:
        return _StatefulFunction(fn, maker, names, defaults, name, [pos for pos, _ in input_updates],
                                 len(user_outputs), user_return_list,
                                 _Locks(shared_vars if update_pairs else [], own=True))
    if update_pairs:
        return _LockedFunction(fn, maker, names, defaults, name, _Locks(shared_vars))
    return Function(fn, maker, names, defaults, name)


def _input_updates(ins: Sequence[In]) -> list:
    """``(position, expression)`` of each ``In(x, value=v, update=e)``, checked."""
    found = []
    for pos, spec in enumerate(ins):
        if spec.update is None:
            continue
        label = spec.name or str(spec.variable)
        if not spec.has_default:
            raise TypeError(f"In({label}, update=...) needs a starting value: In({label}, value=..., update=...)")
        expr = as_tensor_variable(spec.update)
        var = spec.variable
        if expr.dtype != var.dtype or expr.ndim != var.ndim:
            raise TypeError(f"the update of input {label!r} has type {expr.type}, the input {var.type}; "
                            f"cast it (gt.cast(update, '{var.dtype}')) or give it the input's dimensions")
        found.append((pos, expr))
    return found


class _Locks:
    """The locks of the shared variables a call reads and updates (plus one of its own),
    taken in one global order (by ``id``) so that two functions never wait for each other."""

    def __init__(self, shared_vars: Sequence[SharedVariable], own: bool = False):
        own = [threading.RLock()] if own else []
        self.locks = sorted({id(lk): lk for lk in [lock_of(v) for v in shared_vars] + own}.values(), key=id)

    def __enter__(self) -> None:
        for lock in self.locks:
            lock.acquire()

    def __exit__(self, *exc: Any) -> None:
        for lock in reversed(self.locks):
            lock.release()


class _LockedFunction(Function):
    """A function with updates: each call's read-compute-write of its shared variables is
    atomic — a call holds the locks of every shared variable it reads (see docs/threads.md)."""

    def __init__(self, fn: Any, maker: FunctionMaker, input_names: Sequence[Optional[str]], defaults: Sequence[Any],
                 name: Optional[str], locks: _Locks):
        super().__init__(fn, maker, input_names, defaults, name)
        self._lock = locks.locks[0] if len(locks.locks) == 1 else locks

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != self._nin:
            args = self._bind(args, kwargs)
        with self._lock:
            return self._fn(*args)


class _StatefulFunction(Function):
    """A function with ``In(x, value=v, update=e)`` inputs: after each call, ``x``'s
    default becomes the value of ``e`` (PyTensor's stateful inputs).  The call and the
    change of defaults happen under the function's locks (see docs/threads.md)."""

    def __init__(self, fn: Any, maker: FunctionMaker, input_names: Sequence[Optional[str]], defaults: Sequence[Any],
                 name: Optional[str], updated: Sequence[int], n_visible: int, return_list: bool, locks: _Locks):
        super().__init__(fn, maker, input_names, defaults, name)
        self._updated = list(updated)
        self._n_visible = n_visible
        self._return_list = return_list
        self._lock = locks

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            results = self._fn(*self._bind(args, kwargs))
            for pos, value in zip(self._updated, results[self._n_visible:]):
                self._defaults[pos] = value
        visible = results[:self._n_visible]
        return visible if self._return_list else (visible[0] if visible else None)


def _normalize_inputs(inputs: Any) -> list:
    if isinstance(inputs, (Variable, In)):
        inputs = [inputs]
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(f"inputs must be a list of variables, got {type(inputs).__name__}")
    result = []
    seen: dict = {}
    for pos, item in enumerate(inputs):
        spec = item if isinstance(item, In) else None
        if spec is None:
            if not isinstance(item, Variable):
                raise TypeError(f"input {pos} must be a symbolic variable (e.g. gt.dscalar('x')), "
                                f"got {type(item).__name__} {item!r}"[:300])
            spec = In(item)
        var = spec.variable
        if isinstance(var, SharedVariable):
            raise TypeError(f"input {pos} ({var}) is a shared variable; shared variables are implicit inputs — "
                            "leave it out of the input list (use givens to substitute it)")
        if isinstance(var, Constant):
            raise TypeError(f"input {pos} ({var}) is a constant; inputs must be symbolic variables")
        if var in seen:
            raise ValueError(f"input {var} is listed twice (positions {seen[var]} and {pos}); list each input once")
        seen[var] = pos
        result.append(spec)
    return result


def _normalize_outputs(outputs: Any) -> tuple:
    if outputs is None:
        return [], True
    single = not isinstance(outputs, (list, tuple))
    outs = [outputs] if single else list(outputs)
    normalized = []
    for pos, out in enumerate(outs):
        if isinstance(out, Out):
            out = out.variable
        if not isinstance(out, Variable):
            raise TypeError(f"output {pos} must be a symbolic variable, got {type(out).__name__} {out!r}"[:300]
                            + "; build it from your inputs (e.g. x * 2) or wrap a value with gt.constant(...)")
        if isinstance(out.type, DisconnectedType):
            raise TypeError(f"output {pos} is a disconnected gradient; ask grad for return_disconnected='zero'")
        normalized.append(out)
    return normalized, not single


def _borrowed(outputs: Any) -> list:
    """``Out(y, borrow=True)`` flags, one per output."""
    outs = outputs if isinstance(outputs, (list, tuple)) else [] if outputs is None else [outputs]
    return [isinstance(out, Out) and bool(out.borrow) for out in outs]


def _update_list(updates: Any) -> list:
    if updates is None:
        return []
    return list(updates.items()) if isinstance(updates, Mapping) else list(updates)


def _normalize_updates(updates: Any) -> list:
    pairs = _update_list(updates)
    result = []
    seen: set = set()
    for pos, pair in enumerate(pairs):
        try:
            var, expr = pair
        except (TypeError, ValueError):
            raise TypeError(f"update {pos} must be a (shared_variable, new_value) pair, "
                            f"got {_short_repr(pair)}") from None
        if not isinstance(var, SharedVariable):
            raise TypeError(f"update {pos}: {var!r} is not a shared variable; only gradlab.shared(...) "
                            "variables can be updated")
        if var in seen:
            raise ValueError(f"shared variable {var} is updated twice; give one update per variable")
        seen.add(var)
        if var.ndim is None:  # not a tensor (a random generator): the new value must have its type
            if not isinstance(expr, Variable) or expr.type != var.type:
                raise TypeError(f"update of shared variable {var}: expected a {var.type} variable, got {expr!r}")
            result.append((var, expr))
            continue
        expr = as_tensor_variable(expr)
        if expr.type != var.type:
            if expr.dtype != var.dtype or expr.ndim != var.ndim or not var.type.is_super(
                    expr.type.clone(shape=[None if a is None or b is None else b
                                           for a, b in zip(var.type.shape, expr.type.shape)])):
                raise TypeError(
                    f"update of shared variable {var.name or '<unnamed>'}: expected {var.type}, got {expr.type}. "
                    f"Cast the new value (e.g. gt.cast(new, '{var.dtype}')) or make the shapes agree")
        result.append((var, expr))
    return result


def _normalize_givens(givens: Any) -> dict:
    if givens is None or (isinstance(givens, (Mapping, list, tuple)) and not givens):
        return {}
    if not isinstance(givens, (Mapping, list, tuple)):
        raise TypeError(f"givens must be a dict or a list of (variable, replacement) pairs, got "
                        f"{type(givens).__name__} {_short_repr(givens)}")
    pairs = list(givens.items()) if isinstance(givens, Mapping) else list(givens)
    result = {}
    for pos, pair in enumerate(pairs):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            got = (f"{len(pair)} value{'s' if len(pair) != 1 else ''}" if isinstance(pair, (list, tuple))
                   else type(pair).__name__)
            raise TypeError(f"givens entry {pos} must be a (variable, replacement) pair, got {got}: "
                            f"{_short_repr(pair)}. Write givens=[(x, new_x), ...] or givens={{x: new_x}}")
        var, repl = pair
        if not isinstance(var, Variable):
            raise TypeError(f"givens pair {pos}: the key must be a variable, got {type(var).__name__} "
                            f"{_short_repr(var)}; write givens=[(x, new_x), ...] with x a variable of the graph")
        repl = as_tensor_variable(repl) if not isinstance(repl, Variable) else repl
        if getattr(var.type, "dtype", None) != getattr(repl.type, "dtype", None) or \
                getattr(var.type, "ndim", None) != getattr(repl.type, "ndim", None):
            raise TypeError(f"givens: cannot replace {var} (type {var.type}) by {repl} (type {repl.type}); "
                            "the replacement needs the same dtype and number of dimensions (cast or reshape it)")
        result[var] = repl
    return result


def _short_repr(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _check_unused(in_vars: Sequence[Variable], outputs: Sequence[Variable], policy: str) -> None:
    if policy == "ignore":
        return
    used = set(ancestors(outputs, blockers=in_vars))
    for pos, var in enumerate(in_vars):
        if var not in used:
            msg = (f"input {pos} ({var}) is not used to compute any output. "
                   "Remove it from the inputs, or pass on_unused_input='ignore' (or 'warn')")
            if policy == "raise":
                raise UnusedInputError(msg)
            warnings.warn(msg, stacklevel=3)


def _collect_free(in_vars: Sequence[Variable], outputs: Sequence[Variable]) -> list:
    shared_vars = []
    known = set(in_vars)
    for var in graph_inputs(outputs, blockers=in_vars):
        if var in known or isinstance(var, Constant):
            continue
        if isinstance(var, SharedVariable):
            shared_vars.append(var)
            known.add(var)
            continue
        raise MissingInputError(
            f"the outputs depend on {var} (type {var.type}), which is not among the inputs; "
            "add it to the input list, give it a value with givens, or make it a gradlab.shared variable")
    return shared_vars


def _check_no_null(outputs: Sequence[Variable]) -> None:
    for var in ancestors(outputs):
        if isinstance(var.type, NullType):
            why = getattr(var.type, "why_null", "") or ""
            raise TypeError(f"cannot compile: {var} is an undefined gradient (NullType). {why}".strip())


def _check_loop_modes(fgraph: FunctionGraph) -> None:
    """A ``mode`` given to scan() must name a mode (scan sits below the modes)."""
    for node in fgraph.apply_nodes:
        if isinstance(node.op, Scan) and node.op.requested_mode is not None:
            get_mode(node.op.requested_mode)


def _rewrite(fgraph: FunctionGraph, mode: Mode) -> Any:
    if not mode.sets:
        return None
    return rewrite_fgraph(fgraph, sets=resolve(mode.sets), trace=True)


# ---------------------------------------------------------------------------
#: a function of more inputs checks each with one call (``x = _filter_x(x)``)
#: instead of inline ``if`` lines: thousands of branches make Python's
#: compiler slower than linear in the function's length
INLINE_CHECKS_UP_TO = 32


def _input_filter(ctx: CodegenContext, spec: In, var: Variable, allow_downcast: Optional[bool],
                  inline: bool = True) -> str:
    ttype = var.type
    label = spec.name or str(var)

    def convert(value: Any, _t=ttype, _label=label) -> np.ndarray:
        try:
            return _t.filter(value, strict=False, allow_downcast=allow_downcast)
        except (TypeError, ValueError) as exc:
            raise InputError(f"bad value for input {_label!r}: {exc}") from None

    fname = ctx.bind(convert, f"filter_{label}")
    if not inline:
        return f"{{name}} = {fname}({{name}})"
    dt = ctx.bind(np.dtype(ttype.dtype), "dt")
    checks = [f"{{name}}.__class__ is not _ndarray", f"{{name}}.dtype is not {dt}", f"{{name}}.ndim != {ttype.ndim}"]
    for axis, length in enumerate(ttype.shape):
        if length is not None:
            checks.append(f"{{name}}.shape[{axis}] != {length}")
    check = f"if {' or '.join(checks)}: {{name}} = {fname}({{name}})"
    if ttype.ndim == 0 and ttype.dtype == "float64":
        # the common case of a Python float for a float scalar, without the general filter
        return f"if {{name}}.__class__ is float: {{name}} = _asarray({{name}}, {dt})\nel" + check
    if ttype.ndim == 0 and np.dtype(ttype.dtype).kind == "f" and allow_downcast is None:
        # a narrower float: the fast way only for values in its range (overflow goes to the filter's message)
        top = float(np.finfo(ttype.dtype).max)
        return (f"if {{name}}.__class__ is float and -{top!r} <= {{name}} <= {top!r}: "
                f"{{name}} = _asarray({{name}}, {dt})\nel" + check)
    return check


def _link(fgraph: FunctionGraph, ins: Sequence[In], in_vars: Sequence[Variable], shared_vars: Sequence[Variable],
          n_out: int, update_pairs: Sequence[tuple], return_list: bool, allow_downcast: Optional[bool],
          name: Optional[str], mode_sets: tuple = (), borrow: Sequence[bool] = ()) -> tuple:
    """Generate, compile and return ``(callable, source, context)``: this
    function's part is what only ``function`` knows (the argument filters of
    its ``In`` specs, the shared cells, the rule sets); the linker writes the
    rest (:func:`gradlab.codegen.linker.link`)."""
    ctx = CodegenContext(mode_sets=resolve(mode_sets))
    f_inputs = fgraph.inputs[:len(in_vars)]
    cells = [ctx.bind(sv.storage, f"cell_{sv.name or 'shared'}") for sv in shared_vars]
    inline = len(f_inputs) <= INLINE_CHECKS_UP_TO
    filters = [_input_filter(ctx, spec, fv, allow_downcast, inline) for spec, fv in zip(ins, f_inputs)]
    fn, source = link(fgraph, ctx, filters, cells, n_out, [var for var, _ in update_pairs], return_list, name,
                      borrow=borrow)
    return fn, source, ctx
