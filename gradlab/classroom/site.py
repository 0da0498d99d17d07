"""The course website: the notebooks with their stored outputs as static HTML.

``python -m gradlab.classroom.site`` (what ``bash dev.sh site`` runs) builds
``_build/html/index.html`` from a clean clone, offline:

1. *stage* — ``_build/site-src/`` gets a copy of ``site/conf.py`` and
   ``site/_static/``, the notebooks under ``notebooks/`` (and ``assets/``, which
   they may show), MathJax from the ``jupyter-server-mathjax`` package, the
   front-end of anywidget (``_static/widgets/anywidget.js``: the AMD module the
   ``anywidget`` package ships, which the widget manager loads for the workbench's
   graph views instead of asking a CDN), and a
   generated ``index.md`` whose table of contents lists the notebooks in course
   order (the number prefix of their names: no name is written down anywhere);
2. *build* — Sphinx with myst-nb (``nb_execution_mode = "off"``: the stored
   outputs are shown, nothing runs) and the sphinx-book-theme, whose launch
   buttons open each page on Binder or on the JupyterHub set in ``site/conf.py``.

The staged sources mirror the repository (``notebooks/NAME.ipynb``), so the
launch buttons point at the notebook's real path in the repository.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Optional, Sequence

from gradlab.classroom.course import ClassroomError, course_order, notebook_title, repository_root, tool_missing

__all__ = ["index_text", "stage", "build", "main"]

SPHINX_TIMEOUT = 600        # s


def index_text(title: str, notebooks: Sequence[Path]) -> str:
    """The home page: a short welcome and the table of contents in course order."""
    entries = "\n".join(f"notebooks/{p.stem}" for p in notebooks)
    listing = "\n".join(f"{i}. [{notebook_title(p)}](notebooks/{p.stem}.ipynb)" for i, p in enumerate(notebooks, 1))
    return (f"# {title}\n\n"
            "The course's notebooks, with the outputs stored in them. Each page has a launch button "
            "(the rocket at the top) that opens it, ready to run, on Binder or on the class's JupyterHub.\n\n"
            f"{listing}\n\n"
            "```{toctree}\n:maxdepth: 1\n:caption: The course\n:hidden:\n\n"
            f"{entries}\n```\n")


def _mathjax_dir() -> Path:
    missing = tool_missing("jupyter_server_mathjax", "jupyter-server-mathjax (MathJax for offline formulas)")
    if missing:
        raise ClassroomError(missing)
    import jupyter_server_mathjax
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def _anywidget_amd() -> Path:
    """The AMD build of anywidget's front-end (``define(["@jupyter-widgets/base"], …)``)
    that the ``anywidget`` package ships for the classic notebook."""
    missing = tool_missing("anywidget", "anywidget (the front-end of the workbench's graph views)")
    if missing:
        raise ClassroomError(missing)
    import anywidget
    return Path(anywidget.__file__).parent / "nbextension" / "index.js"


def stage(root: Path, staging: Path) -> List[Path]:
    """Lay out the Sphinx sources of the site in ``staging`` (emptied first); returns the
    notebooks in course order."""
    notebooks = course_order(root / "notebooks")
    if not notebooks:
        raise ClassroomError(f"{root / 'notebooks'} has no notebook to publish", 2)
    conf = root / "site" / "conf.py"
    if not conf.is_file():
        raise ClassroomError(f"{conf}: no such file (the site's configuration)", 2)
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "notebooks").mkdir(parents=True)
    for name in ("conf.py", "favicon.svg"):
        if (root / "site" / name).is_file():
            shutil.copy2(root / "site" / name, staging / name)
    if (root / "site" / "_static").is_dir():
        shutil.copytree(root / "site" / "_static", staging / "_static")
    shutil.copytree(_mathjax_dir(), staging / "_static" / "mathjax", dirs_exist_ok=True)
    (staging / "_static" / "widgets").mkdir(parents=True, exist_ok=True)
    shutil.copy2(_anywidget_amd(), staging / "_static" / "widgets" / "anywidget.js")
    for path in notebooks:
        shutil.copy2(path, staging / "notebooks" / path.name)
    if (root / "assets").is_dir():
        shutil.copytree(root / "assets", staging / "assets")
    (staging / "index.md").write_text(index_text("gradlab: a course on automatic differentiation", notebooks),
                                      encoding="utf-8")
    return notebooks


def build(root: Optional[Path] = None, out: Optional[Path] = None, *, quiet: bool = True) -> Path:
    """Build the site into ``out`` (default ``ROOT/_build``); returns ``out/html``."""
    for module, what in (("sphinx", "Sphinx"), ("myst_nb", "myst-nb"), ("sphinx_book_theme", "sphinx-book-theme")):
        missing = tool_missing(module, what)
        if missing:
            raise ClassroomError(missing)
    root = Path(root or repository_root() or Path.cwd()).resolve()
    out = Path(out or root / "_build").resolve()
    staging = out / "site-src"
    stage(root, staging)
    html = out / "html"
    if html.exists():
        shutil.rmtree(html)
    cmd = [sys.executable, "-m", "sphinx", "-b", "html", "-E", "-d", str(out / "doctrees"), str(staging), str(html)]
    if quiet:
        cmd.append("-q")
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=SPHINX_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise ClassroomError(f"sphinx-build took more than {SPHINX_TIMEOUT} s") from None
    if run.stderr.strip():
        sys.stderr.write(run.stderr)
    if run.returncode != 0 or not (html / "index.html").is_file():
        tail = "; ".join(line.strip() for line in run.stderr.splitlines()[-5:] if line.strip())
        raise ClassroomError(f"sphinx-build failed (exit status {run.returncode}): {tail}")
    return html


def main(argv: Optional[Sequence[str]] = None) -> int:
    """``python -m gradlab.classroom.site [--out DIR]``: build the site, print where it is."""
    parser = argparse.ArgumentParser(prog="python -m gradlab.classroom.site",
                                     description="build the course website from notebooks/ (stored outputs, offline)")
    parser.add_argument("--out", type=Path, help="the build folder (default: _build/ of the repository)")
    args = parser.parse_args(argv)
    try:
        html = build(out=args.out)
    except ClassroomError as exc:
        print(f"gradlab: error: {exc}", file=sys.stderr)
        return exc.status
    print(f"the course website is in {html}: open {html / 'index.html'} in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())
