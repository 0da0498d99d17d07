"""Spawn one fresh process per (case, library), collect the JSON each prints.

The parent never imports a library under test.  Each child runs with one
thread everywhere (BLAS, OpenMP, numba, XLA, torch), JAX on CPU in float64,
and the repository root first on ``PYTHONPATH`` so the ``gradlab`` source tree
is what gets imported.  Before the first child, the tree's bytecode is
compiled (:func:`compile_gradlab_bytecode`), so gradlab is imported the way an
installed package is, like the peers in site-packages.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks import workloads
from benchmarks.child import MARKER
from benchmarks.libs import BY_NAME, LIBS, Lib, builder_for, installed

ROOT = Path(__file__).resolve().parent.parent

THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "NUMBA_NUM_THREADS": "1",
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "JAX_PLATFORMS": "cpu",
    "JAX_ENABLE_X64": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(THREAD_ENV)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p
    )
    return env


@dataclass
class Options:
    quick: bool = False
    libs: tuple[str, ...] = tuple(lib.name for lib in LIBS)
    only: frozenset[str] | None = None
    timeout: float | None = None  # per child; default depends on quick
    budget: float = 2.0  # seconds of timed repeats per case
    jobs: int = 1
    seed: int = 0
    cpu: int | None = None  # pin every child to this CPU (None: no pinning)
    clock: str = "cpu"  # what the tables report: "cpu" (process CPU time) or "wall"

    @property
    def child_timeout(self) -> float:
        if self.timeout is not None:
            return self.timeout
        return 30.0 if self.quick else 240.0


@dataclass
class Run:
    options: Options
    cases: list
    libs: list[Lib]  # the libraries that ran (installed, or always_run)
    skipped: list[str]  # "skipped: jax not installed"
    results: dict = field(default_factory=dict)  # (case.key, lib.name) -> dict
    started: float = 0.0
    elapsed: float = 0.0
    load_before: tuple = ()
    load_after: tuple = ()

    def get(self, case, lib_name: str) -> dict | None:
        return self.results.get((case.key, lib_name))


def _stats(samples: list[float]) -> dict:
    out = {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
           "iqr": None, "repeats": len(samples)}
    if len(samples) >= 2:
        q1, _, q3 = statistics.quantiles(samples, n=4, method="inclusive")
        out["iqr"] = q3 - q1
    return out


def summarize(res: dict, clock: str = "cpu") -> dict:
    """Add the statistics the report shows, on the chosen clock.

    ``median/iqr/min/max``, ``compile_s`` and ``fresh_s`` are on ``clock``;
    ``wall_median`` and ``cpu_median`` are both kept for the detail table.
    """
    res["clock"] = clock
    wall, cpu = res.get("samples") or [], res.get("cpu_samples") or []
    if wall:
        res["wall_median"] = statistics.median(wall)
    if cpu:
        res["cpu_median"] = statistics.median(cpu)
    if wall and cpu:
        res["cpu_per_wall"] = sum(cpu) / sum(wall) if sum(wall) > 0 else None
    chosen = cpu if clock == "cpu" else wall
    if chosen:
        res.update(_stats(chosen))
    suffix = "_cpu_s" if clock == "cpu" else "_s"
    if f"build{suffix}" in res and f"first_call{suffix}" in res:
        res["compile_s"] = res[f"build{suffix}"] + res[f"first_call{suffix}"]
    if f"rebuild{suffix}" in res:
        res["recompile_s"] = res[f"rebuild{suffix}"]
    if "first_result_wall" in res and "spawn_wall" in res:
        res["fresh_wall_s"] = (res["first_result_wall"] - res["spawn_wall"]
                               - res.get("inputs_s", 0.0))
    if "first_result_cpu" in res:
        res["fresh_cpu_s"] = res["first_result_cpu"] - res.get("inputs_cpu_s", 0.0)
    res["fresh_s"] = res.get("fresh_cpu_s" if clock == "cpu" else "fresh_wall_s")
    return res


def run_one(case, lib: Lib, opts: Options) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.child", "--lib", lib.name, "--case", case.key,
           "--seed", str(opts.seed), "--budget", str(opts.budget),
           "--cpu", "none" if opts.cpu is None else str(opts.cpu)]
    if opts.quick:
        cmd.append("--quick")
    spawn = time.time()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=child_env(), capture_output=True,
                              text=True, timeout=opts.child_timeout)
    except subprocess.TimeoutExpired:
        return {"lib": lib.name, "case": case.key, "status": "error",
                "error": f"timeout after {opts.child_timeout:g} s"}
    res = None
    for line in reversed(proc.stdout.splitlines()):
        if line.startswith(MARKER):
            res = json.loads(line[len(MARKER):])
            break
    if res is None:
        tail = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        why = tail[-1].strip() if tail else "no output"
        if proc.returncode < 0:
            why = f"killed by signal {-proc.returncode} ({why})"
        res = {"lib": lib.name, "case": case.key, "status": "error",
               "error": f"child exited {proc.returncode}: {why}"[:300]}
    res["spawn_wall"] = spawn
    if res.get("status") == "error":
        res["stderr_tail"] = proc.stderr.strip()[-2000:]
    return summarize(res, opts.clock)


def progress_line(case, lib: Lib, res: dict) -> str:
    from benchmarks.report import fmt_time  # no cycle at import time

    status = res.get("status")
    if status == "ok":
        iqr = res.get("iqr")
        spread = f" (IQR {100 * iqr / res['median']:.0f}%)" if iqr is not None and res["median"] else ""
        what = f"{fmt_time(res['median'])}{spread}"
    elif status == "wrong":
        what = f"WRONG: {res.get('check')}"
    elif status == "n/a":
        what = "n/a"
    else:
        what = f"error: {res.get('error')}"
    return f"{case.name:<28} {lib.name:<9} {what}"


def plan(opts: Options):
    libs, skipped = [], []
    for name in opts.libs:
        lib = BY_NAME[name]
        if lib.always_run or installed(lib):
            libs.append(lib)
        else:
            skipped.append(f"skipped: {name} not installed")
    return workloads.cases(opts.quick, opts.only), libs, skipped


def compile_gradlab_bytecode() -> bool:
    """Write ``__pycache__`` for the gradlab source tree (git ignores it).

    ``pip install`` compiles a package's bytecode, so the peers import from
    ``.pyc`` files; a source checkout run with ``PYTHONDONTWRITEBYTECODE=1``
    (as some sandboxes set) would instead recompile every gradlab module in
    every child, ~100 ms that no installed gradlab pays, counted in "fresh".
    ``py_compile`` writes the files whatever that variable says; children still
    read them.  Returns False if the tree is read-only.
    """
    import compileall
    try:
        return bool(compileall.compile_dir(str(ROOT / "gradlab"), quiet=1))
    except OSError:
        return False


def run_all(opts: Options, log=None) -> Run:
    lock = threading.Lock()
    compile_gradlab_bytecode()

    def log_stderr(msg):
        with lock:
            print(msg, file=sys.stderr, flush=True)

    log = log or log_stderr
    cases, libs, skipped = plan(opts)
    run = Run(opts, cases, libs, skipped, started=time.time(), load_before=os.getloadavg())
    for line in skipped:
        log(line)
    jobs = []
    for case in cases:
        for lib in libs:
            if builder_for(lib.name, case.builder_names) is None:
                run.results[(case.key, lib.name)] = {"lib": lib.name, "case": case.key,
                                                     "status": "n/a"}
            else:
                jobs.append((case, lib))

    t0 = time.perf_counter()
    total = len(jobs)

    def work(i_job):
        i, (case, lib) = i_job
        res = run_one(case, lib, opts)
        log(f"[{i + 1:>3}/{total}] " + progress_line(case, lib, res))
        return (case.key, lib.name), res

    if opts.jobs > 1:
        with ThreadPoolExecutor(max_workers=opts.jobs) as pool:
            for key, res in pool.map(work, enumerate(jobs)):
                run.results[key] = res
    else:
        for item in enumerate(jobs):
            key, res = work(item)
            run.results[key] = res
    run.elapsed = time.perf_counter() - t0
    run.load_after = os.getloadavg()
    return run


def default_cpu() -> int:
    """The last CPU this process may use (CPU 0 tends to take the interrupts)."""
    return max(os.sched_getaffinity(0))
