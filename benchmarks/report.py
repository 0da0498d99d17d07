"""Turn a :class:`benchmarks.runner.Run` into markdown (and JSON).

Ratios are ``library time / gradlab time``: above 1 means gradlab is faster.
"vs numpy" is ``time / hand-written numpy time`` where such a reference exists.
"""

from __future__ import annotations

import collections
import datetime as _dt
import importlib.metadata
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

from benchmarks import workloads

ROOT = Path(__file__).resolve().parent.parent
NUMPY, GRADLAB = "numpy", "gradlab"


# --------------------------------------------------------------------------
# formatting


def fmt_time(s: float | None) -> str:
    if s is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if abs(s) >= scale or unit == "ns":
            v = s / scale
            return f"{v:.3g} {unit}" if v < 1000 else f"{v:.0f} {unit}"
    return f"{s:g} s"


def fmt_ratio(r: float | None) -> str:
    if r is None:
        return "—"
    if r < 1:
        return f"{r:.2g}×"
    return f"{r:.1f}×" if r < 10 else f"{r:.0f}×"


def _cell_text(text: str, limit: int | None = None) -> str:
    text = " ".join(str(text).split()).replace("|", "\\|")
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _ratio(a: dict | None, b: dict | None, key: str = "median") -> float | None:
    if not a or not b or a.get("status") != "ok" or b.get("status") != "ok":
        return None
    if not a.get(key) or not b.get(key):
        return None
    return a[key] / b[key]


def status_text(res: dict | None, limit: int | None = 80) -> str | None:
    """None for ok; otherwise the text that stands in for a number."""
    if res is None:
        return "—"
    status = res.get("status")
    if status == "ok":
        return None
    if status == "n/a":
        return "—"
    if status == "wrong":
        return _cell_text(f"WRONG ({res.get('check', '')})", limit)
    where = f" (in {res['stage']})" if limit is None and res.get("stage") else ""
    return _cell_text(f"error{where}: {res.get('error', 'unknown')}", limit)


def table(header: list[str], rows: list[list[str]], align: list[str] | None = None) -> str:
    align = align or ["l"] + ["r"] * (len(header) - 1)
    sep = ["---:" if a == "r" else ":---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join(sep) + " |"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------
# the machine


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _cpu_flags() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                return ", ".join(f for f in ("avx2", "fma", "avx512f") if f in flags) or "none"
    except OSError:
        pass
    return "unknown"


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                kb = int(line.split()[1])
                return f"{kb / 2**20:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _load(values) -> str:
    return "/".join(f"{v:.2f}" for v in values) if values else "?"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _numpy_blas() -> str:
    try:
        import numpy as np

        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name')} {blas.get('version', '')}".strip()
    except Exception:
        return "unknown"


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() if out.returncode == 0 else "no commit yet"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _dirty() -> str:
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--", "gradlab"], cwd=ROOT,
                             capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return ""
    return " plus uncommitted changes under gradlab/" if out.stdout.strip() else ""


def _smt() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
        siblings = int(re.search(r"^siblings\s*:\s*(\d+)", text, re.M).group(1))
        cores = int(re.search(r"^cpu cores\s*:\s*(\d+)", text, re.M).group(1))
        return f"{siblings // max(cores, 1)} thread(s) per core"
    except (OSError, AttributeError, ValueError):
        return "threads per core unknown"


def machine_info(run) -> list[tuple[str, str]]:
    from benchmarks.runner import THREAD_ENV

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    started = _dt.datetime.fromtimestamp(run.started, _dt.timezone.utc)
    info = [
        ("Date", started.strftime("%Y-%m-%d %H:%M UTC")),
        ("CPU", f"{_cpu_model()} ({_cpu_flags()})"),
        ("Cores", f"{os.cpu_count()} logical ({_smt()}), {usable} usable; " + (
            f"every child process pinned to CPU {run.options.cpu} (sched_setaffinity) and "
            "told to use one thread" if run.options.cpu is not None
            else "children not pinned, told to use one thread")),
        ("Load average (1/5/15 min)", "before " + _load(run.load_before) + ", after "
         + _load(run.load_after) + " — anything above 0 is other work sharing the machine"),
        ("RAM", _ram()),
        ("OS", platform.platform()),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("numpy", f"{_version('numpy')} ({_numpy_blas()})"),
    ]
    lib_info = {}
    for res in run.results.values():
        if res.get("lib_info") and res["lib"] not in lib_info:
            lib_info[res["lib"]] = res["lib_info"]
    for lib in run.libs:
        if lib.name == NUMPY:
            continue
        versions = ", ".join(f"{d} {_version(d)}" for d in lib.dists)
        extra = f" — {lib_info[lib.name]}" if lib.name in lib_info else ""
        info.append((lib.name, versions + extra))
    info.append(("gradlab tree", f"commit {_git_commit()}{_dirty()}"))
    info.append(("Environment", ", ".join(f"{k}={v}" for k, v in THREAD_ENV.items()
                                          if k != "TF_CPP_MIN_LOG_LEVEL")))
    return info


# --------------------------------------------------------------------------
# the tables


def _lib_names(run) -> list[str]:
    return [lib.name for lib in run.libs]


def _floor_for(run, case) -> dict | None:
    """The copy of the same array size, for W2's memory-bound rows."""
    if case.workload.id != "W2":
        return None
    for other in run.cases:
        if other.workload.id == "BW" and other.size == case.size:
            return run.get(other, NUMPY)
    return None


def summary_table(run) -> str:
    names = _lib_names(run)
    header = ["case", "size"]
    header += [("numpy (hand-written)" if n == NUMPY else n) for n in names]
    have_numpy = NUMPY in names
    if have_numpy and GRADLAB in names:
        header.append("gradlab vs numpy")
    header.append("copy floor")
    rows = []
    for case in run.cases:
        g = run.get(case, GRADLAB)
        row = [f"{case.workload.id} {case.variant or ''}".strip(), case.size_label]
        for name in names:
            res = run.get(case, name)
            text = status_text(res)
            if text is None:
                text = fmt_time(res["median"])
                if case.workload.id == "BW":
                    gbps = 2 * case.size * case.size * 8 / res["median"] / 1e9
                    text += f" ({gbps:.1f} GB/s)"
                elif name != GRADLAB:
                    r = _ratio(res, g)
                    if r is not None:
                        text += f" ({fmt_ratio(r)})"
            row.append(text)
        if have_numpy and GRADLAB in names:
            row.append(fmt_ratio(_ratio(g, run.get(case, NUMPY))))
        floor = _floor_for(run, case)
        row.append(fmt_time(floor["median"]) if floor and floor.get("status") == "ok" else "—")
        rows.append(row)
    return table(header, rows, ["l", "l"] + ["r"] * (len(header) - 2))


def compile_table(run) -> str:
    names = [n for n in _lib_names(run) if n != NUMPY]
    rows = []
    for case in run.cases:
        if case.workload.id == "BW":
            continue
        row = [case.name]
        for name in names:
            res = run.get(case, name)
            text = status_text(res, 30)
            if text is None:
                text = fmt_time(res.get("compile_s"))
                if res.get("recompile_s") is not None:
                    text += f" / {fmt_time(res['recompile_s'])}"
            row.append(text)
        rows.append(row)
    return table(["case"] + names, rows)


def fresh_table(run, workload_ids=("W1", "W3")) -> str:
    names = _lib_names(run)
    rows = []
    for case in run.cases:
        if case.workload.id not in workload_ids:
            continue
        row = [case.name]
        for name in names:
            res = run.get(case, name)
            text = status_text(res, 30)
            row.append(fmt_time(res.get("fresh_s")) if text is None else text)
        rows.append(row)
    return table(["case"] + names, rows)


def _goal_cases(run, goal):
    return [c for c in run.cases if c.workload.id == goal.workload
            and (goal.variant is None or c.variant == goal.variant)]


def goals_table(run) -> str:
    rows = []
    for goal in workloads.GOALS:
        for case in _goal_cases(run, goal):
            g = run.get(case, GRADLAB)
            if g is None:
                measured, verdict = "—", "not run"
            elif g.get("status") != "ok":
                measured = status_text(g, 40)
                verdict = "WRONG" if g.get("status") == "wrong" else "not measured"
            else:
                key = {"per_call": "median", "compile": "recompile_s", "fresh": "fresh_s"}[goal.metric]
                if goal.versus is None:
                    value = g.get(key)
                    measured = fmt_time(value)
                    if goal.metric == "compile" and value is not None:
                        measured += f" (1st: {fmt_time(g.get('compile_s'))})"
                else:
                    vs_lib, vs_variant = goal.versus
                    base = next((c for c in run.cases if c.workload.id == case.workload.id
                                 and c.size == case.size
                                 and (vs_variant is None or c.variant == vs_variant)), None)
                    value = _ratio(g, run.get(base, vs_lib) if base else None, key)
                    measured = f"{value:.2f}× {vs_lib}" if value is not None else "no baseline"
                verdict = "not measured" if value is None else "met" if value <= goal.limit else "missed"
            rows.append([case.name, goal.text, measured, verdict])
    return table(["case", "goal (issue 8)", "gradlab", "verdict"], rows, ["l", "l", "r", "l"])


def detail_table(run) -> str:
    header = ["case", "library", "status", "median", "IQR", "min", "max", "repeats×loops",
              "wall median", "cpu median", "on-CPU", "build+1st call", "fresh", "fresh wall",
              "peak RSS", "÷ gradlab", "÷ numpy"]
    rows = []
    for case in run.cases:
        g, n = run.get(case, GRADLAB), run.get(case, NUMPY)
        for name in _lib_names(run):
            res = run.get(case, name)
            if res is None or res.get("status") == "n/a":
                continue
            text = status_text(res, None)
            status = "ok" if text is None else text
            if res.get("status") != "ok":
                rows.append([case.name, name, status] + [""] * (len(header) - 3))
                continue
            iqr = res.get("iqr")
            on_cpu = res.get("cpu_per_wall")
            rows.append([
                case.name, name, "ok", fmt_time(res["median"]),
                f"{100 * iqr / res['median']:.1f}%" if iqr is not None and res["median"] else "—",
                fmt_time(res["min"]), fmt_time(res["max"]),
                f"{res['repeats']}×{res['loops']}",
                fmt_time(res.get("wall_median")), fmt_time(res.get("cpu_median")),
                f"{100 * on_cpu:.0f}%" if on_cpu is not None else "—",
                fmt_time(res.get("compile_s")), fmt_time(res.get("fresh_s")),
                fmt_time(res.get("fresh_wall_s")),
                f"{res['max_rss_mb']:.0f} MB" if res.get("max_rss_mb") else "—",
                fmt_ratio(_ratio(res, g)) if name != GRADLAB else "1×" if g else "—",
                fmt_ratio(_ratio(res, n)) if name != NUMPY else "—",
            ])
    return table(header, rows, ["l", "l", "l"] + ["r"] * (len(header) - 3))


def gradlab_status(run) -> str:
    if GRADLAB not in _lib_names(run):
        return "gradlab was not part of this run."
    counts = collections.Counter()
    errors = collections.Counter()
    for case in run.cases:
        res = run.get(case, GRADLAB)
        if not res or res.get("status") == "n/a":
            continue
        counts[res["status"]] += 1
        if res["status"] == "error":
            errors[res.get("error", "?")] += 1
    total = sum(counts.values())
    if counts["ok"] == total:
        return f"gradlab ran all {total} cases correctly."
    parts = [f"gradlab: {counts['ok']} of {total} cases ran correctly"]
    if counts["wrong"]:
        parts.append(f"{counts['wrong']} gave WRONG results")
    if counts["error"]:
        common, k = errors.most_common(1)[0]
        parts.append(f"{counts['error']} failed (most common: `{_cell_text(common, 120)}`, {k}×)")
    text = "; ".join(parts) + "."
    if counts["ok"] == 0:
        text += (" The library is not usable in this tree yet, so its column shows the error "
                 "and every ratio to gradlab is empty; the peer numbers stand on their own.")
    return text


CLOCK_TEXT = {
    "cpu": "CPU time of the child process (user + sys over all its threads, which the pinning "
           "keeps on one core). On an idle machine it equals wall time; on a shared one it "
           "leaves out the time other work held the core",
    "wall": "wall-clock time",
}


def load_caveat(run) -> list[str]:
    """A warning paragraph when other work shared the machine during the run."""
    loads = [v for v in (run.load_before[:1] + run.load_after[:1])]
    cores = os.cpu_count() or 1
    if not loads or max(loads) < 0.5:
        return []
    return [
        f"**Shared machine.** The 1-minute load average was {min(loads):.1f}–{max(loads):.1f} "
        f"on {cores} cores while this ran, so other work competed for the CPU, caches and "
        "memory bandwidth. CPU time leaves out pre-emption but not that interference. "
        "Memory-bound rows (BW, large W2) suffer most; compare the BW GB/s with an idle "
        "run before reading their ratios. Per-call ratios between libraries are more robust "
        "than absolute times, and the `min` column in the last table is the least disturbed "
        "figure.",
        "",
    ]


def markdown(run, command: str) -> str:
    opts = run.options
    mode = "quick (tiny sizes, one call: a smoke run, the times mean nothing)" if opts.quick \
        else (f"full (per case: warm-up, timeit-style loop count, about {opts.budget:g} s of "
              "samples, 3–25 samples)")
    clock = CLOCK_TEXT[opts.clock]
    parts = [
        "# gradlab benchmarks",
        "",
        f"Generated by `{command}`: {mode}. Whole run: {run.elapsed / 60:.1f} min. "
        "See `benchmarks/README.md` for what each workload is and how to read this.",
        "",
        f"**Clock**: unless a column says wall, every time below is {clock}.",
        "",
        "## Machine",
        "",
        "\n".join(f"- **{k}**: {v}" for k, v in machine_info(run)),
        "",
    ]
    if run.skipped:
        parts += ["\n".join(f"- {line}" for line in run.skipped), ""]
    parts += [
        "## Status",
        "",
        gradlab_status(run),
        "",
        *load_caveat(run),
        "## Per-call time (median)",
        "",
        "Each cell is the median time of one call in a warm process: float64, one thread. "
        "`(r×)` after a peer's time is *peer time / gradlab time*, so above 1 means gradlab is "
        "faster. `gradlab vs numpy` is gradlab time / hand-written numpy time. `copy floor` is "
        "`np.copyto` of an array of the same size (one read + one write), the memory-bandwidth "
        "limit for W2. `—` means the library has no such variant (or there is no numpy "
        "reference). `WRONG` means the first result disagreed with the numpy ground truth, so it "
        "was not timed.",
        "",
        summary_table(run),
        "",
        "## Goals (issue 8), gradlab column",
        "",
        goals_table(run),
        "",
        "## Compile: build + first call",
        "",
        "Graph construction, gradient, `function()`/`jit` and the first call, in a process "
        "that has already imported the library: `first / again`. *first* is the first build in "
        "the process, so it includes whatever the library sets up or imports lazily; *again* "
        "is the same build repeated later in that process (what a notebook pays on each edit). "
        "JAX compiles on the first call. PyTorch and autograd have nothing to compile. "
        "PyTensor's numba kernels come from its on-disk cache when an earlier run compiled "
        "them.",
        "",
        compile_table(run),
        "",
        "## Fresh process: start to first result",
        "",
        "From the start of `python` to the first result: interpreter start, imports (numpy and "
        "the library), build, first call. The time spent generating the benchmark inputs is "
        "subtracted; the harness's own small imports are not. The numpy column is the floor "
        "(`python`, `import numpy`, `2.0 * x`). The wall-clock version is in the last table.",
        "",
        fresh_table(run),
        "",
        "## Every measurement",
        "",
        "`median`/`IQR`/`min`/`max` are on the clock above (IQR relative to the median). "
        "`on-CPU` is CPU time / wall time while timing: with the pinning it cannot exceed "
        "100%, and well under 100% means other work pre-empted the process. `÷ gradlab` "
        "and `÷ numpy` are this row's median divided by theirs.",
        "",
        detail_table(run),
        "",
    ]
    return "\n".join(parts)


def to_json(run) -> str:
    return json.dumps({
        "options": {k: (sorted(v) if isinstance(v, frozenset) else v)
                    for k, v in vars(run.options).items()},
        "skipped": run.skipped,
        "elapsed_s": run.elapsed,
        "python": sys.version,
        "cases": [{"key": c.key, "name": c.name, "workload": c.workload.id,
                   "variant": c.variant, "size": c.size_label} for c in run.cases],
        "libs": [lib.name for lib in run.libs],
        "results": [res for res in run.results.values()],
    }, indent=1, default=str)
