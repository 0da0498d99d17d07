"""JupyterLab for a classroom: the repository's settings and the course's first notebook.

The settings live in the repository, in ``jupyter/lab/user-settings/`` (JupyterLab's
user-settings layout: ``@jupyterlab/<extension>/<plugin>.jupyterlab-settings``), not in
the user's home: they switch off the news and update pop-ups.  ``gradlab lab`` points
JupyterLab at them through ``JUPYTERLAB_SETTINGS_DIR``, and so does ``binder/start``
on Binder and on hubs built from the repository with repo2docker.  (A setting a user
changes in JupyterLab is saved there too.)

The course's first notebook (the first in course order, see
:func:`gradlab.classroom.course.first_notebook`) is opened by making it
JupyterLab's default URL, ``/lab/tree/<name>``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence
from urllib.parse import quote

from gradlab.classroom.course import first_notebook, repository_root

__all__ = ["SETTINGS_ENV", "settings_dir", "lab_environment", "first_notebook_args"]

SETTINGS_ENV = "JUPYTERLAB_SETTINGS_DIR"


def settings_dir(root: Optional[Path] = None) -> Optional[Path]:
    """The repository's JupyterLab settings folder, or None when there is none."""
    root = root if root is not None else repository_root()
    if root is None:
        return None
    folder = Path(root) / "jupyter" / "lab" / "user-settings"
    return folder if folder.is_dir() else None


def lab_environment(env: Mapping[str, str], root: Optional[Path] = None) -> Dict[str, str]:
    """``env`` with JupyterLab reading the repository's settings (a value the user set wins)."""
    out = dict(env)
    folder = settings_dir(root)
    if folder is not None and not out.get(SETTINGS_ENV):
        out[SETTINGS_ENV] = str(folder)
    return out


def first_notebook_args(notebooks: Path, extra: Sequence[str]) -> List[str]:
    """Arguments that open the course's first notebook, unless ``extra`` already
    chooses a default URL or a file to open."""
    if any(a.endswith(".ipynb") or "default_url" in a for a in extra):
        return []
    first = first_notebook(notebooks)
    if first is None:
        return []
    return [f"--LabApp.default_url=/lab/tree/{quote(first.name)}"]
