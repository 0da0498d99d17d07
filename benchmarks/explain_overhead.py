"""What recording origins costs: build-and-compile time of every benchmark
workload (quick sizes, so the time is graph work, not arithmetic) and W1's call
time, for two checkouts of gradlab side by side in one run.

    python -m benchmarks.explain_overhead BASE_DIR NEW_DIR [--rounds 7]

Each checkout runs in its own child process (``PYTHONPATH=DIR``), the
children alternate round by round, and each number is the minimum over the
rounds and 15 repeats; the report is the ratio new / base.  ``calls`` counts the Python
function calls of one build (deterministic: the work, whatever the machine's load).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

CHILD = r'''
import sys
sys.path.insert(0, sys.argv[1])          # this checkout's gradlab before the current directory's
import cProfile, json, pstats, time
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
    profile = cProfile.Profile()       # the work, counted: Python function calls of one build
    profile.enable()
    build(inputs)
    profile.disable()
    out["calls " + case.name] = sum(stat[1] for stat in pstats.Stats(profile).stats.values())
    if case.workload.id == "W1":
        call()
        n = 20000
        start = time.perf_counter()
        for _ in range(n):
            call()
        out["call W1"] = (time.perf_counter() - start) / n
import gradlab
out["gradlab from"] = gradlab.__file__
print(json.dumps(out))
'''


def run(directory: str) -> dict:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([directory, os.getcwd()]))
    done = subprocess.run([sys.executable, "-c", CHILD, directory], env=env, capture_output=True, text=True, check=True,
                          cwd=os.getcwd())
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list) -> None:
    base, new = argv[0], argv[1]
    rounds = int(argv[argv.index("--rounds") + 1]) if "--rounds" in argv else 7
    best: dict = {"base": {}, "new": {}}
    for _ in range(rounds):
        for name, directory in (("base", base), ("new", new)):
            for key, value in run(directory).items():
                if key == "gradlab from":
                    assert value.startswith(directory), (value, directory)
                    continue
                best[name][key] = min(value, best[name].get(key, float("inf")))
    print(f"{'measure':32s} {'base':>10s} {'new':>10s} {'new/base':>9s}")
    for key in best["base"]:
        if key == "gradlab from":
            continue
        b, n = best["base"][key], best["new"][key]
        if key.startswith("calls"):
            print(f"{key:32s} {b:10,.0f} {n:10,.0f} {n / b:9.3f}")
            continue
        unit, scale = ("us", 1e6) if key.startswith("call W1") else ("ms", 1e3)
        print(f"{key:32s} {b * scale:8.3f}{unit} {n * scale:8.3f}{unit} {n / b:9.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
