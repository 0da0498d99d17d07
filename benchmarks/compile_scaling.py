"""Compile time at n and 4n, gradlab next to PyTensor, on the same graphs.

    python -m benchmarks.compile_scaling                 # every shape, both libraries
    python -m benchmarks.compile_scaling --only python_sum,damped_chain --libs gradlab
    python -m benchmarks.compile_scaling --chain 25000   # also the 100,000-node chain

Each measurement runs in a fresh process (no compile cache, no garbage from
the case before), builds the shape of :mod:`benchmarks.shapes` at ``n``,
and reports the CPU time of building (with the gradient) and of compiling.
The table gives ``compile(4n) / compile(n)``: linear is 4 (the goal is at
most 4.5).  A library that fails (PyTensor's RecursionError on deep graphs,
a time-out) is reported as such.  ``--chain N`` times ``y = sin(y)*0.5 +
y*0.5`` for N steps end to end: build, grad, compile and one call.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

from benchmarks import shapes

_CHILD = r"""
import json, sys, time
sys.setrecursionlimit(int(sys.argv[4]))
from benchmarks import shapes
lib = getattr(shapes, sys.argv[1] + "_lib")()
build = shapes.SHAPES[sys.argv[2]][0]
n = int(sys.argv[3])
t0 = time.process_time()
ins, outs = build(lib, n)
t1 = time.process_time()
f = lib.function(ins, outs)
t2 = time.process_time()
print(json.dumps({"build": t1 - t0, "compile": t2 - t1}))
"""

_CHAIN = r"""
import json, sys, time
sys.setrecursionlimit(int(sys.argv[3]))
from benchmarks import shapes
lib = getattr(shapes, sys.argv[1] + "_lib")()
n = int(sys.argv[2])
T = lib.T
t0 = time.process_time()
x = T.dscalar("x")
y = x
for _ in range(n):
    y = T.sin(y) * 0.5 + y * 0.5
t1 = time.process_time()
g = lib.grad(y, x)
t2 = time.process_time()
f = lib.function([x], [y, g])
t3 = time.process_time()
f(0.3)
t4 = time.process_time()
print(json.dumps({"build": t1 - t0, "grad": t2 - t1, "compile": t3 - t2, "run": t4 - t3, "total": t4 - t0}))
"""

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code: str, args: list, timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        done = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode or not lines:
        last = (done.stderr.strip().splitlines() or ["exit %d" % done.returncode])[-1]
        return {"error": last[:80]}
    return json.loads(lines[-1])


def measure(lib: str, shape: str, n: int, timeout: float, recursion: int = 10_000) -> dict:
    """``{"build": s, "compile": s}`` (CPU seconds) or ``{"error": text}``."""
    return _run(_CHILD, [lib, shape, n, recursion], timeout)


def measure_chain(lib: str, n: int, timeout: float, recursion: int = 10_000) -> dict:
    """The end-to-end chain of ``n`` steps: build, grad, compile, run, total."""
    return _run(_CHAIN, [lib, n, recursion], timeout)


def _cell(result: dict, key: str = "compile") -> str:
    return result["error"] if "error" in result else f"{result[key]:.2f}"


def main(argv: list = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="comma-separated shapes (default: all)")
    parser.add_argument("--libs", default="gradlab,pytensor")
    parser.add_argument("--timeout", type=float, default=300.0)
    parser.add_argument("--chain", type=int, default=0, help="also time the N-step chain end to end")
    parser.add_argument("--json", default="", help="write the raw results here")
    args = parser.parse_args(argv)
    names = [s for s in args.only.split(",") if s] or list(shapes.SHAPES)
    libs = [s for s in args.libs.split(",") if s]
    results: dict = {}
    print(f"compile CPU seconds at n and 4n (fresh process each), load {os.getloadavg()[0]:.1f}\n")
    print("| shape | n | " + " | ".join(f"{lib} n | {lib} 4n | {lib} 4n/n" for lib in libs) + " |")
    print("|---|---|" + "---|---|---|" * len(libs))
    for name in names:
        n = shapes.SHAPES[name][2]
        row = [name, str(n)]
        for lib in libs:
            a = measure(lib, name, n, args.timeout)
            b = measure(lib, name, 4 * n, args.timeout)
            results[(name, lib)] = (a, b)
            ratio = f"{b['compile'] / a['compile']:.2f}" if "error" not in a and "error" not in b and a["compile"] > 0 else "—"
            row += [_cell(a), _cell(b), ratio]
        print("| " + " | ".join(row) + " |", flush=True)
    if args.chain:
        print(f"\n{args.chain}-step chain y = sin(y)*0.5 + y*0.5 ({4 * args.chain:,} nodes), CPU seconds:\n")
        print("| library | build | grad | compile | run | total |\n|---|---|---|---|---|---|")
        for lib in libs:
            r = measure_chain(lib, args.chain, args.timeout)
            results[("chain", lib)] = r
            cells = [r["error"]] + [""] * 4 if "error" in r else [f"{r[k]:.2f}" for k in ("build", "grad", "compile", "run", "total")]
            print(f"| {lib} | " + " | ".join(cells) + " |", flush=True)
    if args.json:
        with open(args.json, "w") as out:
            json.dump({f"{k[0]}/{k[1]}": v for k, v in results.items()}, out, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
