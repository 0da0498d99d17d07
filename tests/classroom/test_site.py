"""The course website: course order from the notebooks' names, the staged sources,
and the built pages (one per notebook, stored outputs, launch buttons)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from gradlab.classroom.course import ClassroomError, course_order, first_notebook
from gradlab.classroom.site import stage

ROOT = Path(__file__).resolve().parents[2]


def fake_notebook(path: Path, title: str) -> None:
    path.write_text(json.dumps({"cells": [{"cell_type": "markdown", "metadata": {}, "source": f"# {title}\n\ntext"}],
                                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")


def test_course_order_is_the_number_prefix_then_the_name(tmp_path):
    for name in ["10-ten", "2-two", "01-one", "intro", "02-deux"]:
        fake_notebook(tmp_path / f"{name}.ipynb", name)
    (tmp_path / "notes.txt").write_text("not a notebook")
    assert [p.stem for p in course_order(tmp_path)] == ["01-one", "02-deux", "2-two", "10-ten", "intro"]
    assert first_notebook(tmp_path).name == "01-one.ipynb"
    assert first_notebook(tmp_path / "nothing-here") is None


def test_stage_writes_the_table_of_contents_from_the_names(tmp_path):
    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    shutil.copytree(ROOT / "site", root / "site")
    for name, title in [("03-c", "Third"), ("01-a", "First"), ("02-b", "Second")]:
        fake_notebook(root / "notebooks" / f"{name}.ipynb", title)
    staged = stage(root, tmp_path / "staging")
    assert [p.stem for p in staged] == ["01-a", "02-b", "03-c"]
    index = (tmp_path / "staging" / "index.md").read_text(encoding="utf-8")
    toctree = index[index.index("```{toctree}"):]
    assert re.findall(r"^notebooks/\S+$", toctree, re.M) == ["notebooks/01-a", "notebooks/02-b", "notebooks/03-c"]
    assert "1. [First](notebooks/01-a.ipynb)\n2. [Second](notebooks/02-b.ipynb)\n3. [Third]" in index
    assert (tmp_path / "staging" / "conf.py").is_file()
    assert (tmp_path / "staging" / "_static" / "mathjax" / "MathJax.js").is_file()
    amd = (tmp_path / "staging" / "_static" / "widgets" / "anywidget.js").read_text(encoding="utf-8")
    assert 'define(["@jupyter-widgets/base"]' in amd      # what require.js loads for the graph views


def test_stage_without_notebooks_is_one_clear_error(tmp_path):
    (tmp_path / "notebooks").mkdir()
    with pytest.raises(ClassroomError, match="has no notebook to publish"):
        stage(tmp_path, tmp_path / "staging")


def notebook_pages(html: Path):
    return [html / "notebooks" / f"{p.stem}.html" for p in course_order(ROOT / "notebooks")]


WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def page_widget_state(text: str) -> dict:
    """The saved widget state a built page hands to the widget renderer (``{}`` when none)."""
    found = re.search(r'<script type="application/vnd\.jupyter\.widget-state\+json">(.*?)</script>', text, re.S)
    return {WIDGET_STATE: json.loads(found.group(1))} if found else {}


def image_buffers(widgets: dict) -> dict:
    """Each image widget's buffers (base64 data by path), by model id."""
    state = widgets.get(WIDGET_STATE, {}).get("state", {})
    return {model_id: {tuple(b["path"]): b["data"] for b in model.get("buffers", [])}
            for model_id, model in state.items() if model["model_name"] == "ImageModel"}


def test_the_built_site_has_every_notebook_with_its_outputs_and_launch_buttons(built_site):
    html = built_site
    index = (html / "index.html").read_text(encoding="utf-8")
    stems = [p.stem for p in course_order(ROOT / "notebooks")]
    positions = [index.index(f'href="notebooks/{stem}.html"') for stem in stems]
    assert positions == sorted(positions), "the table of contents follows the course order"
    conf = (ROOT / "site" / "conf.py").read_text(encoding="utf-8")
    hub = re.search(r'^jupyterhub_url = "([^"]+)"', conf, re.M).group(1)
    for stem, page in zip(stems, notebook_pages(html)):
        text = page.read_text(encoding="utf-8")
        nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
        pictures = sum(1 for c in nb["cells"] for o in c.get("outputs", [])
                       if {"image/png", "image/svg+xml"} & set(o.get("data", {})))
        assert text.count("<img") >= pictures, f"{stem}: every stored picture is on the page"
        links = [m.replace("&amp;", "&") for m in re.findall(r'href="(https://[^"]+)"', text)]
        binder = [u for u in links if u.startswith("https://mybinder.org/v2/gh/")]
        assert binder and parse_qs(urlparse(binder[0]).query)["urlpath"] == [f"lab/tree/notebooks/{stem}.ipynb"]
        jupyterhub = [u for u in links if u.startswith(f"{hub}/hub/user-redirect/git-pull?")]
        assert jupyterhub, f"{stem}: a JupyterHub launch button to {hub}"
        assert parse_qs(urlparse(jupyterhub[0]).query)["urlpath"][0].endswith(f"notebooks/{stem}.ipynb")
        assert image_buffers(page_widget_state(text)) == image_buffers(nb["metadata"].get("widgets", {})), (
            f"{stem}: the page carries each image widget's stored picture")
    for page in [html / "index.html", *notebook_pages(html)]:
        text = page.read_text(encoding="utf-8")
        remote = re.findall(r'<(?:script|link)[^>]*(?:src|href)="((?:https?:)?//[^"]+)"', text)
        assert remote == [], f"{page.name} loads {remote}: the site must work offline"
