"""python -m benchmarks: run the workloads for gradlab and every installed peer.

Prints the markdown table and writes it, with the machine description, to
benchmarks/RESULTS.md (a full run with every library and workload writes there
by default; --quick, --only or --libs runs write only where --out says).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

from benchmarks import report, workloads
from benchmarks.libs import LIBS
from benchmarks.runner import Options, default_cpu, run_all

DEFAULT_OUT = Path(__file__).resolve().parent / "RESULTS.md"


def _csv(valid, what):
    def parse(text):
        items = [t.strip() for t in text.split(",") if t.strip()]
        bad = [t for t in items if t not in valid]
        if bad:
            raise argparse.ArgumentTypeError(
                f"unknown {what} {', '.join(bad)}; choose from {', '.join(valid)}")
        return items
    return parse


def main(argv=None) -> int:
    workload_ids = [w.id for w in workloads.WORKLOADS]
    lib_names = [lib.name for lib in LIBS]
    p = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes, one call timed: a smoke run (what the test suite uses)")
    p.add_argument("--only", type=_csv(workload_ids, "workload"), metavar="W2,W3",
                   help=f"workloads to run (default all: {','.join(workload_ids)})")
    p.add_argument("--libs", type=_csv(lib_names, "library"), metavar="gradlab,jax",
                   help=f"libraries to run (default all: {','.join(lib_names)})")
    p.add_argument("--out", type=Path, default=None,
                   help=f"markdown file to write (default {DEFAULT_OUT} for a full run)")
    p.add_argument("--json", type=Path, default=None, help="also write the raw results as JSON")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds per child process (default 240, or 30 with --quick)")
    p.add_argument("--budget", type=float, default=2.0,
                   help="seconds of timed repeats per case and library (default 2)")
    p.add_argument("--jobs", type=int, default=1,
                   help="children run at once (default 1; >1 skews timings, fine for --quick)")
    p.add_argument("--seed", type=int, default=0, help="seed of the generated inputs")
    p.add_argument("--clock", choices=("cpu", "wall"), default="cpu",
                   help="what the tables report: the pinned child's CPU time (default; robust "
                        "on a shared machine) or wall time (use on an idle machine)")
    p.add_argument("--cpu", default=None, metavar="N|none",
                   help="pin every child process to CPU N (default: the last usable CPU for a "
                        "timed run, none for --quick)")
    args = p.parse_args(argv)

    if args.cpu is None:
        cpu = None if args.quick else default_cpu()
    else:
        cpu = None if args.cpu == "none" else int(args.cpu)
    opts = Options(
        quick=args.quick,
        libs=tuple(args.libs or lib_names),
        only=frozenset(args.only) if args.only else None,
        timeout=args.timeout,
        budget=args.budget,
        jobs=max(1, args.jobs),
        seed=args.seed,
        cpu=cpu,
        clock=args.clock,
    )
    run = run_all(opts)
    command = "python -m benchmarks" + "".join(
        " " + shlex.quote(a) for a in (sys.argv[1:] if argv is None else argv))
    text = report.markdown(run, command)
    print(text)

    out = args.out
    full_run = not (args.quick or args.only or args.libs)
    if out is None and full_run:
        out = DEFAULT_OUT
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        print(f"wrote {out}", file=sys.stderr)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(report.to_json(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
