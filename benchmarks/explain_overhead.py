"""What recording origins costs: build-and-compile time of every benchmark
workload (quick sizes, so the time is graph work, not arithmetic) and W1's call
time, for two checkouts of gradlab side by side in one run.

    python -m benchmarks.explain_overhead BASE_DIR NEW_DIR [--rounds 7]

Each checkout runs in its own child process (``PYTHONPATH=DIR``), the
children alternate round by round, and each number is the minimum over the
rounds and 15 repeats; the report is the ratio new / base.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

CHILD = r'''
import json, statistics, sys, time
from benchmarks.workloads import cases
from benchmarks.libs import gradlab_impl as impl
out = {}
for case in cases(quick=True):
    if case.workload.id == "BW":
        continue
    build = next((getattr(impl, n) for n in case.builder_names if hasattr(impl, n)), None)
    if build is None:
        continue
    inputs = case.make_inputs()
    times = []
    for _ in range(15):
        start = time.perf_counter()
        call = build(inputs)
        times.append(time.perf_counter() - start)
    out["compile " + case.name] = min(times)
    if case.workload.id == "W1":
        call()
        n = 20000
        start = time.perf_counter()
        for _ in range(n):
            call()
        out["call W1"] = (time.perf_counter() - start) / n
print(json.dumps(out))
'''


def run(directory: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([directory, os.getcwd()]))
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True,
                          cwd=os.getcwd())
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list) -> None:
    base, new = argv[0], argv[1]
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 7
    best: dict = {"base": {}, "new": {}}
    for _ in range(rounds):
        for name, directory in (("base", base), ("new", new)):
            for key, value in run(directory).items():
                best[name][key] = min(value, best[name].get(key, float("inf")))
    print(f"{'measure':32s} {'base':>10s} {'new':>10s} {'new/base':>9s}")
    for key in best["base"]:
        b, n = best["base"][key], best["new"][key]
        unit, scale = ("us", 1e6) if key.startswith("call") else ("ms", 1e3)
        print(f"{key:32s} {b * scale:8.3f}{unit} {n * scale:8.3f}{unit} {n / b:9.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
