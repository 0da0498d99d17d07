"""What a teacher runs: nbgrader assignments, the course website, and
notebook checks for their own CI.

* :mod:`gradlab.classroom.course` — finding and reading the course's notebooks
  (course order from the number prefix of their names), one clear error for a
  missing path or a file that is not a notebook.
* :mod:`gradlab.classroom.assignments` — ``gradlab assignments build``: nbgrader's
  student release of ``assignments/source/<name>/``.
* :mod:`gradlab.classroom.check` — ``gradlab check PATH...``: nbval over a
  teacher's notebooks with gradlab's sanitizers, one line per notebook.
* :mod:`gradlab.classroom.site` — ``bash dev.sh site``: the static course website.
* :mod:`gradlab.classroom.lab` — the repository's JupyterLab settings that
  ``gradlab lab`` and Binder share.

Nothing here is imported by ``import gradlab``; each tool (nbgrader, nbval,
Sphinx) is imported or run only when its command is.
"""
