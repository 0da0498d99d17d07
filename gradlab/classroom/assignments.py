"""``gradlab assignments build``: nbgrader's student release of the course's assignments.

A course directory in nbgrader's layout holds ``source/<assignment>/*.ipynb``
(the teacher's notebooks: solution regions between ``### BEGIN SOLUTION`` and
``### END SOLUTION``, autograder test cells with points, hidden tests between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``).  ``build`` runs
``nbgrader generate_assignment`` on them, which writes ``release/<assignment>/``
(what students get: solutions replaced by ``raise NotImplementedError()``,
hidden tests removed) and records the graded cells in the course's gradebook
(``gradebook.db``, sqlite), which ``nbgrader autograde`` needs later.

Nothing is half-written: every notebook is read and checked first (valid
JSON, at least one graded cell), nbgrader runs in a scratch copy of the
course, and only when it succeeds are the new ``release/<assignment>/``
folders and the gradebook moved into the course directory.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from gradlab.classroom.course import ClassroomError, load_notebook, repository_root, tool_missing

__all__ = ["default_course", "assignment_names", "graded_cells", "validate_assignment", "build",
           "nbgrader_command", "nbgrader_env"]

GRADEBOOK = "gradebook.db"
NBGRADER_TIMEOUT = 600          # s, one nbgrader run


def default_course() -> Path:
    """``assignments/`` of the repository gradlab runs from, else ``./assignments``, else ``.``."""
    root = repository_root()
    for candidate in ([root / "assignments"] if root else []) + [Path.cwd() / "assignments"]:
        if (candidate / "source").is_dir():
            return candidate
    return Path.cwd()


def assignment_names(course: Path) -> List[str]:
    """The assignments in ``course/source`` (its sub-folders), sorted."""
    source = Path(course) / "source"
    if not source.is_dir():
        raise ClassroomError(f"{course} is not an nbgrader course directory: it has no source/ folder "
                             "(put each assignment in source/<name>/<name>.ipynb)", 2)
    return sorted(p.name for p in source.iterdir() if p.is_dir() and not p.name.startswith("."))


def graded_cells(notebook: Dict) -> List[str]:
    """The ``grade_id`` of every cell nbgrader gives points to (``nbgrader.grade`` true)."""
    ids = []
    for cell in notebook.get("cells", []):
        meta = (cell.get("metadata") or {}).get("nbgrader") or {}
        if meta.get("grade"):
            ids.append(str(meta.get("grade_id", "?")))
    return ids


def validate_assignment(course: Path, name: str) -> List[Path]:
    """The notebooks of assignment ``name``, each checked readable and graded;
    a :class:`ClassroomError` naming the problem otherwise."""
    folder = Path(course) / "source" / name
    if not folder.is_dir():
        known = assignment_names(course)
        listing = ", ".join(known) if known else "none yet"
        raise ClassroomError(f"no assignment {name!r} in {Path(course) / 'source'} (it has: {listing})", 2)
    notebooks = sorted(folder.glob("*.ipynb"))
    if not notebooks:
        raise ClassroomError(f"assignment {name!r} has no notebook: put {name}.ipynb in {folder}", 2)
    for path in notebooks:
        if not graded_cells(load_notebook(path)):
            raise ClassroomError(
                f"{path} has no graded cell, so nbgrader would give it no points: mark the test cells as "
                "'Autograder tests' (cell metadata nbgrader.grade = true, with points) in JupyterLab's "
                "nbgrader toolbar", 2)
    return notebooks


def nbgrader_env() -> Dict[str, str]:
    """The environment nbgrader runs in: this Python's scripts first on PATH (nbgrader
    calls ``alembic`` by name to set up the gradebook) and, from a source checkout,
    this gradlab importable by the kernels that autograde."""
    env = dict(os.environ)
    scripts = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([scripts, env.get("PATH", "")])
    root = repository_root()
    if root is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return env


def nbgrader_command(course: Path, *args: str) -> List[str]:
    """``nbgrader ARGS`` for the course directory ``course`` and its ``gradebook.db``."""
    course = Path(course).resolve()
    return [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}",
            f"--CourseDirectory.db_url=sqlite:///{course / GRADEBOOK}"]


def _last_lines(text: str, n: int = 6) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "ERROR" in line or "Error" in line]
    return "; ".join((errors or lines)[-n:])


def build(course: Path, names: Optional[Sequence[str]] = None) -> List[Path]:
    """Generate the student release of each assignment in ``names`` (default: all).

    Returns the ``release/<name>`` folders written.  Raises :class:`ClassroomError`
    with nothing changed in ``course`` when anything is wrong.
    """
    missing = tool_missing("nbgrader", "nbgrader")
    if missing:
        raise ClassroomError(missing)
    course = Path(course).resolve()
    if not course.is_dir():
        raise ClassroomError(f"{course}: no such course directory", 2)
    names = list(dict.fromkeys(names or assignment_names(course)))
    if not names:
        raise ClassroomError(f"{course / 'source'} has no assignment: put one in source/<name>/<name>.ipynb", 2)
    for name in names:
        validate_assignment(course, name)

    with tempfile.TemporaryDirectory(prefix=".gradlab-build-", dir=course) as scratch_name:
        scratch = Path(scratch_name)
        for name in names:
            shutil.copytree(course / "source" / name, scratch / "source" / name)
        if (course / GRADEBOOK).exists():
            shutil.copy2(course / GRADEBOOK, scratch / GRADEBOOK)
        if (course / "nbgrader_config.py").exists():
            shutil.copy2(course / "nbgrader_config.py", scratch / "nbgrader_config.py")
        for name in names:
            cmd = nbgrader_command(scratch, "generate_assignment", name, "--force")
            try:
                run = subprocess.run(cmd, cwd=scratch, env=nbgrader_env(), capture_output=True, text=True,
                                     timeout=NBGRADER_TIMEOUT)
            except subprocess.TimeoutExpired:
                raise ClassroomError(f"nbgrader generate_assignment {name} took more than {NBGRADER_TIMEOUT} s; "
                                     "nothing was changed") from None
            released = scratch / "release" / name
            if run.returncode != 0 or not released.is_dir():
                raise ClassroomError(f"nbgrader generate_assignment {name} failed, nothing was changed: "
                                     f"{_last_lines(run.stdout + run.stderr)}")
        # Everything built: move it into place (each a rename within one file system).
        written = []
        (course / "release").mkdir(exist_ok=True)
        for name in names:
            target = course / "release" / name
            if target.exists():
                target.rename(scratch / f"old-release-{name}")
            (scratch / "release" / name).rename(target)
            written.append(target)
        os.replace(scratch / GRADEBOOK, course / GRADEBOOK)
    return written
