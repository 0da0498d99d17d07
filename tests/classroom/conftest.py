"""The course website, built once per test session from the repository's notebooks
into a temporary folder (``python -m gradlab.classroom.site --out DIR``, as ``bash dev.sh
site`` does into _build/)."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The folder holding the built site's index.html."""
    for module in ("sphinx", "myst_nb", "sphinx_book_theme", "jupyter_server_mathjax"):
        pytest.importorskip(module, reason=f"{module} is not installed (pip install -e '.[classroom]')")
    from gradlab.classroom.site import build
    return build(root=ROOT, out=tmp_path_factory.mktemp("site"))
