"""The compiled tier of a scalar loop: its step as a numba kernel, cached on disk.

The loops :mod:`gradlab.scan.scalar_loop` runs on Python floats are written a
second time as the source of one numba function (:func:`kernel_source`)::

    @njit((int64, readonly float64[:], float64, float64, float64[::1]), cache=True, error_model="numpy")
    def scan_kernel(n, seq0, init0, ns0, trace0):
        h = init0
        for t in range(n):
            x_t = seq0[t]
            h = _tanh(a * h + x_t)
            trace0[t] = h
        return (h,)

The step's lines are the scalar loop's own (``scalar_loop._step_code``, the
same templates and helpers: ``_tanh`` is ``math.tanh``, ``_sigmoid`` the
same Python function, compiled), so both tiers evaluate the same IEEE
operations in the same order; numba calls the C library's ``tanh``/``exp``
as CPython's ``math`` does, and without ``fastmath`` LLVM neither
reassociates nor contracts ``a * h + x`` into a fused multiply-add.  Where
Python's ``math`` raises (``log(0)``, ``exp(1000)``, ``1 / 0``) the scalar
loop re-runs the scan with numpy; ``error_model="numpy"`` makes the kernel
return numpy's inf/nan there directly.  Python-only spellings get numba
ones: ``round``/``_floor``/``_ceil``/``_trunc`` are numpy's ``rint``,
``floor``, ``ceil``, ``trunc`` (float results, also for inf and nan), and
``float(x)`` is ``1.0 * x`` (exact; numba's ``float`` refuses a bool).

The source is written to ``<cache dir>/gradlab_kernel_<sha256>.py`` and
imported from there, so numba's own disk cache (``cache=True``, next to the
file in ``__pycache__``) keys the machine code by the hash of the source:
a restarted kernel loads it instead of compiling.  The cache directory is
``gradlab.config.kernel_cache_dir``, else ``$GRADLAB_CACHE_DIR``, else
``$XDG_CACHE_HOME/gradlab/kernels`` (``~/.cache/gradlab/kernels``).

numba is imported only by :func:`load_kernel` (in the tier's background
thread, or when the compiled tier is forced): ``import gradlab`` never pays for it.
"""
from __future__ import annotations

import functools
import glob
import hashlib
import importlib.util
import inspect
import os
import sys
import tempfile
import threading
from typing import Any, Callable

import numpy as np

from gradlab.codegen.linker import CodegenContext, compile_source

#: bump when the generated text changes meaning without changing (the hash covers the text)
KERNEL_FORMAT = 1

#: Python-only names of the scalar loop's helpers and their numba spellings
_OVERRIDES = {"_floor": "np.floor", "_ceil": "np.ceil", "_trunc": "np.trunc", "round": "np.rint"}

_NUMBA_TYPE = {"float64": "types.float64", "bool": "types.boolean"}

_LOCK = threading.Lock()


def cache_dir() -> str:
    """Where kernels are kept (see the module docstring)."""
    from gradlab.configuration import config
    chosen = getattr(config, "kernel_cache_dir", None) or os.environ.get("GRADLAB_CACHE_DIR")
    if chosen:
        return os.path.abspath(os.path.expanduser(chosen))
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "gradlab", "kernels")


@functools.lru_cache(maxsize=1)
def _helper_source() -> tuple:
    """The scalar loop's helpers, for the kernel module: ``math`` functions by
    name, gradlab's own (``_sigmoid``, ``_maximum`` …) as their Python source under ``@njit``."""
    from gradlab.scan.scalar_loop import HELPERS
    lines = []
    for name, fn in sorted(HELPERS.items()):
        if name in _OVERRIDES:
            continue
        if getattr(fn, "__module__", None) == "math" or type(fn).__name__ == "builtin_function_or_method":
            lines.append(f"{name} = math.{fn.__name__}")
    for name, fn in sorted(HELPERS.items()):
        if name in _OVERRIDES or type(fn).__name__ == "builtin_function_or_method":
            continue
        text = inspect.getsource(fn)
        if not text.startswith(f"def {name}("):
            raise ValueError(f"helper {name} of the scalar loop is not a plain def: cannot compile it")
        lines.append("")
        lines.append('@njit(cache=True, error_model="numpy")')
        lines.extend(text.rstrip("\n").split("\n"))
    lines.append("")
    lines.extend(f"{name} = {spelling}" for name, spelling in sorted(_OVERRIDES.items()))
    lines += ["", "", "@njit(cache=True)", "def float(x):",
              '    """float(x) for a float or a bool (numba\'s float() refuses bools): exact, keeps -0.0."""',
              "    return 1.0 * x"]
    return tuple(lines)


def _constant_lines(ctx: CodegenContext) -> list:
    """Constants the step code bound to names (inf, nan): written as module globals,
    which numba freezes into the kernel."""
    lines = []
    for name, value in ctx.globals.items():
        if name in ("np", "_ndarray", "_asarray"):
            continue
        if type(value) is float:  # inf, -inf or nan
            lines.append(f"{name} = {'math.nan' if value != value else ('-' if value < 0 else '') + 'math.inf'}")
        elif type(value) is bool:
            lines.append(f"{name} = {value!r}")
        else:
            raise ValueError(f"the step binds {type(value).__name__} {name}, which a kernel cannot hold")
    return lines


def kernel_source(op: Any, fgraph: Any) -> str:
    """The text of the kernel module for ``op``'s loop over ``fgraph`` (the
    inner graph the scalar loop reads; see the module docstring).

    ``scan_kernel(n, *sequences, *initial_states, *non_sequences, *traces,
    *mapped) -> tuple of final states`` fills the trace and mapped arrays
    (length ``n``) in place.
    """
    from gradlab.scan.scalar_loop import HELPERS, _literal, _step_code
    spec = op.spec
    ctx = CodegenContext()
    ctx._used.update(HELPERS)
    ctx._used.update(_OVERRIDES)
    ctx._used.update({"math", "njit", "types", "SIGNATURE", "scan_kernel", "READONLY"})
    n_si, n_st = spec.n_seq_inputs, spec.n_states
    ins = list(fgraph.inputs)
    names = {v: ctx.fresh(v.name or "x") for v in ins}
    n, t = ctx.fresh("n"), ctx.fresh("t")
    seq_params = [ctx.fresh(f"seq{k}") for k in range(spec.n_seqs)]
    init_params = [ctx.fresh(f"init{k}") for k in range(n_st)]
    ns_params = [ctx.fresh(f"ns{j}") for j in range(spec.n_nonseqs)]
    trace_params = [ctx.fresh(f"trace{k}") if spec.keep_trace[k] else None for k in range(n_st)]
    map_params = [ctx.fresh(f"out{m}") for m in range(spec.n_maps)]
    signature = ["types.int64"]
    pos = 0
    for k, offsets in enumerate(spec.seq_taps):
        signature.append(f"READONLY({_NUMBA_TYPE[ins[pos].dtype]})")
        pos += len(offsets)
    for k in range(n_st):
        signature.append(_NUMBA_TYPE[ins[n_si + k].dtype])
    for j in range(spec.n_nonseqs):
        signature.append(_NUMBA_TYPE[ins[n_si + n_st + j].dtype])
    for k in range(n_st):
        if trace_params[k]:
            signature.append(f"types.Array({_NUMBA_TYPE[fgraph.outputs[k].dtype]}, 1, 'C')")
    for m in range(spec.n_maps):
        signature.append(f"types.Array({_NUMBA_TYPE[fgraph.outputs[n_st + m].dtype]}, 1, 'C')")
    body = [f"{names[ins[n_si + n_st + j]]} = {p}" for j, p in enumerate(ns_params)]
    body += [f"{names[ins[n_si + k]]} = {p}" for k, p in enumerate(init_params)]
    step = []
    pos = 0
    for k, offsets in enumerate(spec.seq_taps):
        for o in offsets:
            step.append(f"{names[ins[pos]]} = {seq_params[k]}[{t}{f' + {o}' if o else ''}]")
            pos += 1
    step += _step_code(fgraph, names, ctx)
    outs = [names[v] if v in names else _literal(v.data, ctx) for v in fgraph.outputs]
    for k in range(n_st):
        if trace_params[k]:
            step.append(f"{trace_params[k]}[{t}] = {outs[k]}")
    for m in range(spec.n_maps):
        step.append(f"{map_params[m]}[{t}] = {outs[n_st + m]}")
    if n_st:
        targets = [names[ins[n_si + k]] for k in range(n_st)]
        step.append(f"{', '.join(targets)}, = {', '.join(outs[:n_st])},")
    body.append(f"for {t} in range({n}):")
    body += ["    " + line for line in step or ["pass"]]
    finals = [names[ins[n_si + k]] for k in range(n_st)]
    body.append(f"return ({''.join(f + ', ' for f in finals)})" if finals else "return 0")
    params = [n] + seq_params + init_params + ns_params + [p for p in trace_params if p] + map_params
    lines = [f'"""A scan kernel generated by gradlab (format {KERNEL_FORMAT}); its file name is the sha256 of this text."""',
             "import math", "", "import numpy as np", "from numba import njit, types", ""]
    lines += _helper_source()
    lines += [""] + _constant_lines(ctx)
    lines += ["", "", "def READONLY(dtype):", "    return types.Array(dtype, 1, 'A', readonly=True)", "",
              "", f"SIGNATURE = ({', '.join(signature)},)", "", "",
              '@njit(SIGNATURE, cache=True, error_model="numpy", nogil=True)',
              f"def scan_kernel({', '.join(params)}):"]
    lines += ["    " + line for line in body]
    return "\n".join(lines) + "\n"


def kernel_path(source: str) -> str:
    """The file the kernel with this source is kept in."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:32]
    return os.path.join(cache_dir(), f"gradlab_kernel_{digest}.py")


def is_cached(source: str) -> bool:
    """Has numba already stored machine code for this source (no compiling needed)?"""
    path = kernel_path(source)
    stem = os.path.splitext(os.path.basename(path))[0]
    return os.path.exists(path) and bool(glob.glob(os.path.join(os.path.dirname(path), "__pycache__",
                                                               f"{stem}.scan_kernel-*.nbi")))


def load_kernel(source: str) -> Callable:
    """The numba dispatcher of the kernel: compiled now, or loaded from the disk
    cache.  Imports numba (ImportError when it is not installed)."""
    import numba  # noqa: F401  - the ImportError names what is missing
    path = kernel_path(source)
    name = os.path.splitext(os.path.basename(path))[0]
    with _LOCK:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "scan_kernel", None) is not None:
            return module.scan_kernel
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.exists(path):
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".tmp")
            with os.fdopen(fd, "w") as fh:
                fh.write(source)
            os.replace(tmp, path)  # atomic: another process writes the same text
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # numba's cached code finds its module by name when it is loaded
        try:
            spec.loader.exec_module(module)  # compiles (or loads) the eager signature
        except BaseException:
            del sys.modules[name]
            raise
        return module.scan_kernel


def compiled_loop(op: Any, fgraph: Any, kernel: Callable, tier: Any) -> Callable:
    """The loop function around ``kernel``, with the scalar loop's signature and
    results: ``f(n_steps, *sequences, *initial_states, *non_sequences) -> tuple``
    (traces and mapped outputs as fresh arrays, final states as 0-d arrays)."""
    spec = op.spec
    ctx = CodegenContext()
    n_si, n_st = spec.n_seq_inputs, spec.n_states
    ins = list(fgraph.inputs)
    run = ctx.bind(kernel, "kernel")
    empty, arr = ctx.bind(np.empty, "empty"), ctx.bind(np.array, "array")
    who = ctx.bind(tier, "tier")
    n_steps, n, final = ctx.fresh("n_steps"), ctx.fresh("n"), ctx.fresh("final")
    seq_params = [ctx.fresh(f"seq{k}") for k in range(spec.n_seqs)]
    init_params = [ctx.fresh(f"init{k}") for k in range(n_st)]
    ns_params = [ctx.fresh(f"ns{j}") for j in range(spec.n_nonseqs)]
    params = [n_steps] + seq_params + init_params + ns_params
    # the kernel reads without bounds checks: anything but well-formed lengths goes to the
    # Python loop, which raises the error (step_checker's) or runs what the lengths allow
    irregular = [f"{n} < 0"] + [f"len({p}) < {n} + {spec.span(k)}" for k, p in enumerate(seq_params)]
    if spec.strict_lengths:
        irregular += [f"len({p}) - {spec.span(k)} != {n}" for k, p in enumerate(seq_params) if k]
    lines = [f"{n} = int({n_steps})",
             f"if {' or '.join(irregular)}: return {ctx.bind(tier.python_loop, 'python_loop')}({', '.join(params)})"]

    def convert(var: Any, p: str) -> str:
        return f"{'bool' if var.dtype == 'bool' else 'float'}({p})"
    args = [n] + seq_params
    args += [convert(ins[n_si + k], p) for k, p in enumerate(init_params)]
    args += [convert(ins[n_si + n_st + j], p) for j, p in enumerate(ns_params)]
    results = []
    for k in range(n_st):
        dt = ctx.bind(np.dtype(fgraph.outputs[k].dtype), "dt")
        if spec.keep_trace[k]:
            buf = ctx.fresh(f"trace{k}")
            lines.append(f"{buf} = {empty}({n}, {dt})")
            args.append(buf)
            results.append(buf)
        else:
            results.append(f"{arr}({final}[{k}], {dt})")
    for m in range(spec.n_maps):
        dt = ctx.bind(np.dtype(fgraph.outputs[n_st + m].dtype), "dt")
        buf = ctx.fresh(f"out{m}")
        lines.append(f"{buf} = {empty}({n}, {dt})")
        args.append(buf)
        results.append(buf)
    lines.append(f"{final} = {run}({', '.join(args)})")
    lines.append(f"{who}.last = 'compiled'")
    lines.append(f"return ({''.join(r + ', ' for r in results)})")
    source = f"def scan_loop_compiled({', '.join(params)}):\n" + "".join("    " + ln + "\n" for ln in lines)
    fn = compile_source(source, ctx, "scan_loop_compiled", filename=f"<gradlab-scan-{spec.name or 'loop'}-compiled>")
    fn.source = source
    return fn
