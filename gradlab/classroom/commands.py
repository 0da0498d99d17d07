"""The teacher's sub-commands of ``gradlab``: ``assignments build``, ``check`` and ``hub``.

:func:`add_commands` registers them on the ``gradlab`` parser; :func:`run`
carries one out and returns the exit status, printing every failure as one
``gradlab: error: ...`` line.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from gradlab.classroom.course import ClassroomError

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("assignments", "check", "hub")


def add_commands(commands: Any) -> None:
    """Add ``assignments`` and ``check`` to ``commands`` (an argparse sub-parsers object)."""
    assignments = commands.add_parser("assignments", help="nbgrader assignments: `gradlab assignments build` "
                                                          "writes the student release")
    actions = assignments.add_subparsers(dest="assignments_action", metavar="ACTION",
                                         parser_class=type(assignments))
    build = actions.add_parser("build", help="run nbgrader generate_assignment: source/NAME -> release/NAME")
    build.add_argument("names", nargs="*", metavar="NAME", help="the assignments to build (default: all in source/)")
    build.add_argument("--course", metavar="DIR",
                       help="the nbgrader course directory (default: the repository's assignments/)")

    check = commands.add_parser("check", help="run notebooks under nbval with gradlab's sanitizers; "
                                              "one PASS/FAIL line per notebook")
    check.add_argument("paths", nargs="+", metavar="PATH", help="notebooks, or folders of notebooks")
    check.add_argument("--lax", action="store_true", help="compare only cells tagged nbval-check-output "
                                                          "(nbval's --nbval-lax); default: every cell")
    check.add_argument("--sanitize-with", metavar="FILE", type=Path,
                       help="more nbval sanitizers (regex:/replace: sections), applied after gradlab's")
    check.add_argument("--cell-timeout", type=int, default=300, metavar="SECONDS",
                       help="the longest one cell may run (default 300)")
    _add_hub(commands)
    check.add_argument("-n", "--workers", type=int, default=1, metavar="N",
                       help="run the notebooks in N processes (pytest-xdist, one notebook per process at a "
                            "time); default 1")
    check.add_argument("--rtol", type=float, default=0.0, metavar="R",
                       help="numbers in text outputs match when |stored - new| <= atol + R * max(|stored|, |new|) "
                            "(default 0: exact text, as nbval)")
    check.add_argument("--atol", type=float, default=0.0, metavar="A",
                       help="the absolute part of the tolerance (default 0)")


def _add_hub(commands: Any) -> None:
    hub = commands.add_parser("hub", help="serve the class with JupyterHub on this machine "
                                          "(jupyter/hub/jupyterhub_config.py)")
    hub.add_argument("--ip", default="127.0.0.1", help="where students connect (default 127.0.0.1; put TLS in "
                                                       "front before opening it to a network)")
    hub.add_argument("--port", type=int, default=8000, help="the public port (default 8000)")
    hub.add_argument("--data", type=Path, default=Path("hub-data"),
                     help="the hub's database, secrets and the students' homes (default ./hub-data)")
    hub.add_argument("--homes", type=Path, help="the folder of the students' homes (default DATA/homes)")
    hub.add_argument("--auth", default="firstuse", choices=("firstuse", "shared", "none"),
                     help="firstuse: each student picks a password at first login (default); shared: one "
                          "password for a workshop; none: no login (REST API only, for tests)")
    hub.add_argument("--admin", action="append", default=[], metavar="NAME", help="a teacher (admin on the hub)")
    hub.add_argument("--shared-password", default=os.environ.get("GRADLAB_HUB_SHARED_PASSWORD", ""),
                     help="the workshop's password (--auth shared)")
    hub.add_argument("--cull-idle", type=int, default=3600, metavar="SECONDS",
                     help="stop a server idle this long, freeing its memory (0: never; default 3600)")


def _run_hub(args: argparse.Namespace) -> int:
    import subprocess
    from gradlab.classroom import hub
    env = hub.hub_environment(ip=args.ip, port=args.port, data=args.data, homes=args.homes, auth=args.auth,
                              admins=tuple(args.admin), shared_password=args.shared_password,
                              cull_idle=args.cull_idle)
    command = hub.hub_command()
    print(f"gradlab hub: http://{args.ip}:{args.port}/ ({' '.join(command)}; Ctrl-C stops it)", file=sys.stderr)
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 130


def _run_assignments(args: argparse.Namespace) -> int:
    from gradlab.classroom import assignments
    if args.assignments_action != "build":
        raise ClassroomError("say what to do: gradlab assignments build [NAME...] [--course DIR]", 2)
    course = Path(args.course).expanduser() if args.course else assignments.default_course()
    for folder in assignments.build(course, args.names):
        print(f"released {folder}")
    print(f"gradebook: {course.resolve() / assignments.GRADEBOOK}")
    return 0


def _run_check(args: argparse.Namespace) -> int:
    from gradlab.classroom import check
    results = check.check(args.paths, lax=args.lax, sanitize_with=args.sanitize_with,
                          cell_timeout=args.cell_timeout, workers=args.workers, rtol=args.rtol, atol=args.atol)
    for result in results:
        print(check.format_result(result))
    failed = sum(not r.ok for r in results)
    print(f"gradlab check: {failed} of {len(results)} notebook{'s' if len(results) != 1 else ''} failed"
          if failed else f"gradlab check: all {len(results)} notebook{'s' if len(results) != 1 else ''} passed",
          file=sys.stderr)
    return 1 if failed else 0


def run(args: argparse.Namespace) -> int:
    """Carry out ``args.command``; a :class:`ClassroomError` becomes one error line and its status."""
    try:
        if args.command == "assignments":
            return _run_assignments(args)
        if args.command == "hub":
            return _run_hub(args)
        return _run_check(args)
    except ClassroomError as exc:
        print(f"gradlab: error: {exc}", file=sys.stderr)
        return exc.status
