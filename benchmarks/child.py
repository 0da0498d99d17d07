"""Run one case for one library in this (fresh) process; print one JSON line.

    python -m benchmarks.child --lib jax --case 'W2::1000x1000' [--quick] [--budget 2] [--cpu 1]

The parent (:mod:`benchmarks.runner`) sets the one-thread environment before
this process starts.  Order of work, so the fresh-process time means something:

1. make the inputs (deterministic; timed and subtracted from "fresh"),
2. import the library's implementation module (and so the library),
3. build (graph construction, gradients, compilation where it is ahead of time),
4. first call -> the wall-clock moment of the first result,
5. check that first result against the numpy truth; a wrong one is reported
   WRONG and not timed,
6. warm up, find a loop count timeit-style, time N repeats with GC off, each
   sample on two clocks (wall, and this process's CPU time),
7. build and call once more: the compile cost without one-time set-up.

Whatever happens, the last line on stdout is ``MARKER + json``.
"""

import os
import sys
import time

T0_WALL = time.time()  # noqa: E402  (as early as possible)


def _pin_from_argv() -> None:
    """Pin this process to one CPU before any library starts a thread pool.

    Environment variables do not bound every runtime (recent XLA sizes its CPU
    pool from the usable CPUs); the affinity mask bounds them all.
    """
    if "--cpu" in sys.argv:
        value = sys.argv[sys.argv.index("--cpu") + 1]
        if value != "none":
            os.sched_setaffinity(0, {int(value)})


_pin_from_argv()

import argparse  # noqa: E402
import gc  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import traceback  # noqa: E402

MARKER = "@@gradlab-bench@@"
perf = time.perf_counter


def one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    return first[:300]


def autorange(call, target: float) -> tuple[int, float]:
    """Smallest loop count in 1, 2, 5, 10, 20, 50, ... taking >= target seconds."""
    loops = 1
    while True:
        for mult in (1, 2, 5):
            n = loops * mult
            t = perf()
            for _ in range(n):
                call()
            dt = perf() - t
            if dt >= target:
                return n, dt
        loops *= 10


def measure(call, quick: bool, budget: float) -> dict:
    """Per-call samples on two clocks: wall time and this process's CPU time
    (user + sys of all its threads, which the pinning puts on one core)."""
    cpu = time.process_time
    if quick:  # one call: proves the path works, times nothing useful
        c, t = cpu(), perf()
        call()
        return {"samples": [perf() - t], "cpu_samples": [cpu() - c], "loops": 1}

    # warm-up: at least two calls and 0.1 s (one call if a call takes > 1 s)
    t_start = perf()
    n = 0
    while True:
        t = perf()
        call()
        n += 1
        last = perf() - t
        if last > 1.0 or (n >= 2 and perf() - t_start >= 0.1):
            break

    gc.collect()
    gc.disable()
    try:
        if last > 0.05:
            loops, sample = 1, last
        else:
            loops, sample = autorange(call, target=0.02)
        repeats = int(budget / max(sample, 1e-9))
        repeats = max(5 if sample < 0.5 else 3, min(25, repeats))
        samples, cpu_samples = [], []
        for _ in range(repeats):
            c, t = cpu(), perf()
            for _ in range(loops):
                call()
            samples.append((perf() - t) / loops)
            cpu_samples.append((cpu() - c) / loops)
    finally:
        gc.enable()
    return {"samples": samples, "cpu_samples": cpu_samples, "loops": loops}


def run(args, res: dict) -> dict:
    """Fill ``res`` in place, so a failure still shows how far the case got."""
    res["stage"] = "setup"
    from benchmarks import workloads
    from benchmarks.libs import BY_NAME

    case = workloads.find_case(args.case, args.quick)
    lib = BY_NAME[args.lib]

    res["stage"] = "inputs"
    c, t = time.process_time(), perf()
    inputs = case.make_inputs(args.seed)
    res["inputs_s"], res["inputs_cpu_s"] = perf() - t, time.process_time() - c

    res["stage"] = "import"
    t = perf()
    module = importlib.import_module(f"benchmarks.libs.{lib.module}")
    res["import_s"] = perf() - t

    builder = next((getattr(module, n) for n in case.builder_names if hasattr(module, n)), None)
    if builder is None:  # the parent normally knows this already and does not spawn us
        res.update(status="n/a", stage="done")
        return res

    res["stage"] = "build"
    c, t = time.process_time(), perf()
    call = builder(inputs)
    res["build_s"], res["build_cpu_s"] = perf() - t, time.process_time() - c

    res["stage"] = "first call"
    c, t = time.process_time(), perf()
    out = call()
    res["first_call_s"], res["first_call_cpu_s"] = perf() - t, time.process_time() - c
    res["first_result_wall"] = time.time()
    # CPU time of the whole process so far, interpreter start-up included
    res["first_result_cpu"] = time.process_time()

    res["stage"] = "check"
    truth = case.truth(inputs)
    ok, msg = workloads.check(out, truth, case.workload.rtol, case.workload.atol)
    res["check"] = msg
    del out
    if not ok:
        res.update(status="wrong", stage="done")
        return res

    res["stage"] = "timing"
    res.update(measure(call, args.quick, args.budget))
    del call

    if not args.quick:  # build + first call again: compile cost without one-time imports
        res["stage"] = "rebuild"
        try:
            c, t = time.process_time(), perf()
            builder(inputs)()
            res["rebuild_s"], res["rebuild_cpu_s"] = perf() - t, time.process_time() - c
        except Exception as exc:  # the timings stand; note it and go on
            res["rebuild_error"] = one_line(exc)
    if hasattr(module, "describe"):
        try:
            res["lib_info"] = module.describe()
        except Exception as exc:  # informational only
            res["lib_info"] = f"describe() failed: {one_line(exc)}"
    res.update(status="ok", stage="done")
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lib", required=True)
    p.add_argument("--case", required=True)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--budget", type=float, default=2.0, help="seconds of timed repeats")
    p.add_argument("--cpu", default="none", help="CPU to pin to (read before the imports)")
    args = p.parse_args(argv)
    res = {"lib": args.lib, "case": args.case, "status": "error"}
    try:
        run(args, res)
    except BaseException as exc:  # report, never crash the parent's run
        res.update(status="error", error=one_line(exc))
        traceback.print_exc(file=sys.stderr)
    res["child_start_wall"] = T0_WALL
    res["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.flush()
    print(MARKER + json.dumps(res), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
