"""Measure the prices behind the compiled loop tier's threshold (gradlab/scan/tier.py).

    python -m benchmarks.tier_costs            # prints one markdown table

Each figure is CPU time in a fresh process pinned to one CPU (like the benchmark
children), on W7's two loops:

- the Python-float loop's time per step and inner node (``PY_SECONDS_PER_OP``),
- ``import numba`` plus the first kernel load, which sets LLVM up (``NUMBA_IMPORT_SECONDS``),
- compiling one kernel with an empty cache (``COMPILE_SECONDS``),
- loading one from numba's disk cache once numba is imported (``LOAD_SECONDS``),
- the compiled loop's time per step, and so the break-even number of steps.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHILD = textwrap.dedent("""
    import json, os, sys, time
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    cpu = time.process_time
    import numpy as np, gradlab, gradlab.tensor as gt
    from gradlab.scan import kernel
    gradlab.config.kernel_cache_dir = sys.argv[1]
    a, h0, x = gt.dscalar("a"), gt.dscalar("h0"), gt.dvector("x")
    h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a)
    f = gradlab.function([a, x, h0], [h[-1], gt.grad(h[-1], a)])
    xv = np.random.default_rng(0).standard_normal(1000) * 0.5
    loops = [v for v in f.maker.codegen.globals.values() if hasattr(v, "tier")]
    out = {"ops": [t.tier.ops for t in loops]}
    gradlab.config.loop_tier = "python"
    f(0.7, xv, 0.0)
    c = cpu()
    for _ in range(200):
        f(0.7, xv, 0.0)
    out["python_call"] = (cpu() - c) / 200
    c = cpu()
    import numba
    out["import"] = cpu() - c
    gradlab.config.loop_tier = "compiled"
    times = []
    for t in loops:
        c = cpu()
        t.tier._prepare()
        t.tier.state = "compiling"
        t.tier._build()
        times.append(cpu() - c)
    out["kernels"] = times
    out["cached"] = [t.tier.cached for t in loops]
    f(0.7, xv, 0.0)
    c = cpu()
    for _ in range(2000):
        f(0.7, xv, 0.0)
    out["compiled_call"] = (cpu() - c) / 2000
    print(json.dumps(out))
""")

AUTO = textwrap.dedent("""
    import json, os, sys, time
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[-1]})
    import numpy as np, gradlab, gradlab.tensor as gt
    gradlab.config.kernel_cache_dir = sys.argv[1]
    a, h0, x = gt.dscalar("a"), gt.dscalar("h0"), gt.dvector("x")
    start = time.perf_counter()
    h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a)
    f = gradlab.function([a, x, h0], [h[-1], gt.grad(h[-1], a)])
    xv = np.random.default_rng(0).standard_normal(1000) * 0.5
    loops = [v.tier for v in f.maker.codegen.globals.values() if hasattr(v, "tier")]
    calls, python, compiling = 0, [], []
    while f.maker.tier != "compiled" and calls < 100000:
        busy = any(t.state == "compiling" for t in loops)
        t = time.perf_counter()
        f(0.7, xv, 0.0)
        (compiling if busy else python).append(time.perf_counter() - t)
        calls += 1
    print(json.dumps({"calls": calls, "warm": time.perf_counter() - start, "python": sorted(python)[len(python) // 2],
                      "compiling_max": max(compiling or [0]), "compiling_median": sorted(compiling)[len(compiling) // 2]
                      if compiling else 0, "compiling_calls": len(compiling)}))
""")


def auto(cache: str) -> dict:
    return run(cache, AUTO)


def run(cache: str, code: str = CHILD) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, cache], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=ROOT, NUMBA_NUM_THREADS="1", OMP_NUM_THREADS="1"),
                          timeout=600)
    if proc.returncode:
        raise SystemExit(proc.stderr[-3000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        cold, warm = run(cache), run(cache)
    with tempfile.TemporaryDirectory() as cache:
        auto_cold, auto_cached = auto(cache), auto(cache)
    steps = 1000
    ops = sum(cold["ops"])
    per_op = cold["python_call"] / (steps * ops)
    saved = cold["python_call"] - cold["compiled_call"]
    first_load = warm["kernels"][0]
    rows = [
        ("Python loop, per step and inner node (W7: %d nodes)" % ops, f"{per_op * 1e9:.0f} ns", "PY_SECONDS_PER_OP"),
        ("W7 call, Python tier", f"{cold['python_call'] * 1e6:.0f} µs", ""),
        ("W7 call, compiled tier", f"{cold['compiled_call'] * 1e6:.1f} µs", ""),
        ("import numba", f"{cold['import'] * 1e3:.0f} ms", "NUMBA_IMPORT_SECONDS (with the first load)"),
        ("first kernel load from the disk cache (LLVM set-up)", f"{first_load * 1e3:.0f} ms", ""),
        ("compile one kernel, empty cache", " / ".join(f"{t * 1e3:.0f} ms" for t in cold["kernels"]),
         "COMPILE_SECONDS"),
        ("load one more kernel from the disk cache", " / ".join(f"{t * 1e3:.1f} ms" for t in warm["kernels"][1:]),
         "LOAD_SECONDS"),
        ("break-even, fresh process, empty cache",
         f"{(cold['import'] + sum(cold['kernels'])) / saved:.0f} calls of W7", ""),
        ("break-even, fresh process, kernels on disk",
         f"{(warm['import'] + sum(warm['kernels'])) / saved:.0f} calls of W7", ""),
    ]
    print("| what | CPU time | constant |\n| :--- | ---: | :--- |")
    for what, value, const in rows:
        print(f"| {what} | {value} | {const} |")
    print("\nThe automatic tier on W7 in a fresh process, wall clock (function() to the first compiled call):\n")
    print("| kernel cache | calls until warm | time until warm | Python call (median) | "
          "calls while compiling | their median / longest |\n| :--- | ---: | ---: | ---: | ---: | ---: |")
    for label, r in (("empty", auto_cold), ("kernels on disk", auto_cached)):
        print(f"| {label} | {r['calls']} | {r['warm']:.2f} s | {r['python'] * 1e6:.0f} µs | {r['compiling_calls']} | "
              f"{r['compiling_median'] * 1e6:.0f} µs / {r['compiling_max'] * 1e3:.1f} ms |")


if __name__ == "__main__":
    main()
