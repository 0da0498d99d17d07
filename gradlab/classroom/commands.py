"""The teacher's sub-commands of ``gradlab``: ``assignments build`` and ``check``.

:func:`add_commands` registers them on the ``gradlab`` parser; :func:`run`
carries one out and returns the exit status, printing every failure as one
``gradlab: error: ...`` line.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from gradlab.classroom.course import ClassroomError

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("assignments", "check")


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
                          cell_timeout=args.cell_timeout)
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
        return _run_check(args)
    except ClassroomError as exc:
        print(f"gradlab: error: {exc}", file=sys.stderr)
        return exc.status
