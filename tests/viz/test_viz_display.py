"""Rich display: variables and compiled functions show their graph as SVG,
with dprint text; without graphviz, the text and an install hint; never an
error.  Also: importing stays lazy."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.printing import dprint
from gradlab.viz import display

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _expr():
    x = gt.dscalar("x")
    return x, gt.exp(x) * 2.0


def test_variable_and_function_bundles_hold_svg_and_dprint_text():
    pytest.importorskip("graphviz")
    x, y = _expr()
    bundle = y._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"}
    assert bundle["image/svg+xml"].lstrip().startswith("<?xml") and "<svg" in bundle["image/svg+xml"]
    assert ">exp</text>" in bundle["image/svg+xml"]
    assert bundle["text/plain"] == dprint(y, file="str").rstrip("\n")
    f = gradlab.function([x], y)
    fbundle = f._repr_mimebundle_()
    assert fbundle["text/plain"] == dprint(f, file="str").rstrip("\n")
    assert "<svg" in fbundle["image/svg+xml"]


def test_missing_dot_program_gives_text_and_install_hint(monkeypatch, tmp_path):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))               # no `dot` on the PATH (dot_runner looks it up)
    _, y = _expr()
    bundle = display.variable_mimebundle(y)
    assert list(bundle) == ["text/plain"]
    assert bundle["text/plain"] == dprint(y, file="str").rstrip("\n") + "\n" + display.INSTALL_HINT
    assert "apt-get install graphviz" in display.INSTALL_HINT and "pip install graphviz" in display.INSTALL_HINT


def test_missing_graphviz_package_gives_text_and_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)        # import graphviz -> ImportError
    x, y = _expr()
    bundle = display.function_mimebundle(gradlab.function([x], y))
    assert list(bundle) == ["text/plain"] and bundle["text/plain"].endswith(display.INSTALL_HINT)


def test_any_other_failure_falls_back_to_text_without_raising(monkeypatch):
    pytest.importorskip("graphviz")
    import importlib
    graph_module = importlib.import_module("gradlab.viz.graph_picture")   # the module (the package exports a function of that name)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(graph_module, "graph", broken)
    _, y = _expr()
    assert display.variable_mimebundle(y) == {"text/plain": dprint(y, file="str").rstrip("\n")}
    # even an object dprint cannot print still gets a text
    assert display.mimebundle(object())["text/plain"].startswith("<object object")


_LAZY = """
import sys
import gradlab, gradlab.tensor as gt
x = gt.dscalar("x"); y = x * 2
assert "gradlab.viz" not in sys.modules, "import gradlab imported gradlab.viz"
import gradlab.viz
bad = [m for m in ("graphviz", "matplotlib") if m in sys.modules]
assert not bad, f"import gradlab.viz imported {bad}"
print("ok")
"""


def test_imports_stay_lazy():
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run([sys.executable, "-c", _LAZY], capture_output=True, text=True, env=env, cwd=ROOT,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
