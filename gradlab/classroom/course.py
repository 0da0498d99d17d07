"""The course's notebooks: where they are, their order, and reading one safely.

Course order is the number prefix of the file name (``01-…``, ``02-…``,
``10-…``), compared as a number, then the name; notebooks without a number
come after the numbered ones, by name.  Nothing here hard-codes a notebook's
name, so renaming or adding notebooks changes the order by itself.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

__all__ = ["ClassroomError", "repository_root", "course_order", "first_notebook", "load_notebook", "cell_source",
           "notebook_title", "tool_missing"]

_NUMBER = re.compile(r"^(\d+)")


class ClassroomError(Exception):
    """A failure a teacher can act on, reported as one line; ``status`` is the exit status
    (2: bad input such as a missing path or a broken notebook, 1: a tool failed)."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def repository_root() -> Optional[Path]:
    """The source checkout gradlab runs from (the folder holding ``pyproject.toml``
    next to the package), or None for an installed package."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "gradlab").is_dir() else None


def _order_key(path: Path) -> Tuple[int, int, str]:
    match = _NUMBER.match(path.name)
    if match:
        return (0, int(match.group(1)), path.name)
    return (1, 0, path.name)


def course_order(folder: Path) -> List[Path]:
    """The ``*.ipynb`` files directly in ``folder``, in course order (number prefix, then name)."""
    return sorted((p for p in Path(folder).glob("*.ipynb") if p.is_file()), key=_order_key)


def first_notebook(folder: Path) -> Optional[Path]:
    """The course's first notebook in ``folder`` (None when it has none)."""
    notebooks = course_order(folder)
    return notebooks[0] if notebooks else None


def load_notebook(path: Path) -> Dict[str, Any]:
    """The notebook at ``path`` as a dict; a :class:`ClassroomError` (status 2) naming the
    file and the problem when it is missing, not JSON, or not a notebook."""
    path = Path(path)
    if not path.exists():
        raise ClassroomError(f"{path}: no such file", 2)
    if path.is_dir():
        raise ClassroomError(f"{path} is a folder, not a notebook", 2)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ClassroomError(f"{path} is not a notebook: it is not UTF-8 text", 2) from None
    except OSError as exc:
        raise ClassroomError(f"cannot read {path}: {exc.strerror or exc}", 2) from None
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ClassroomError(f"{path} is not a notebook: invalid JSON at line {exc.lineno}, column {exc.colno} "
                             f"({exc.msg}); was it saved completely, or edited by hand?", 2) from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ClassroomError(f"{path} is JSON but not a Jupyter notebook (no list of \"cells\")", 2)
    if notebook.get("nbformat") != 4:
        raise ClassroomError(f"{path} has nbformat {notebook.get('nbformat')!r}; gradlab reads version 4 notebooks "
                             "(open and save it in a current JupyterLab to upgrade it)", 2)
    return notebook


def cell_source(cell: Dict[str, Any]) -> str:
    """A cell's source as one string (notebooks store it as a string or a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_title(path: Path) -> str:
    """The first Markdown heading of the notebook, else its file name without extension."""
    for cell in load_notebook(path)["cells"]:
        if cell.get("cell_type") != "markdown":
            continue
        for line in cell_source(cell).splitlines():
            if line.startswith("#"):
                title = line.lstrip("#").strip()
                if title:
                    return title
    return Path(path).stem


def tool_missing(module: str, what: str) -> Optional[str]:
    """None when ``module`` can be imported here; otherwise the one-line install hint."""
    import importlib.util
    import sys
    if importlib.util.find_spec(module) is not None:
        return None
    return (f"{what} is not installed in this Python ({sys.executable}): "
            "pip install 'gradlab[classroom]' (bash dev.sh test installs it into .venv)")
