"""``gradlab.viz`` sits below ``gradlab.widgets``: pictures never import widget code."""
from __future__ import annotations

import ast
from pathlib import Path

import gradlab.viz

VIZ = Path(gradlab.viz.__file__).parent


def _imported_modules(path: Path) -> list:
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def test_no_viz_module_imports_the_widgets_at_any_depth_of_its_functions():
    offenders = {path.name: [m for m in _imported_modules(path) if m.split(".")[:2] == ["gradlab", "widgets"]]
                 for path in sorted(VIZ.glob("*.py"))}
    assert {name: found for name, found in offenders.items() if found} == {}
    assert len(offenders) > 10                      # the scan did read the package


def test_backprop_steps_runs_without_loading_the_widgets():
    import subprocess
    import sys
    code = ("import sys\n"
            "import gradlab.tensor as gt\n"
            "from gradlab.viz.backprop_steps import backprop_steps\n"
            "x = gt.dscalar('x')\n"
            "steps = backprop_steps(gt.sin(x) * x, [x], [0.5])\n"
            "print(len(steps) > 0, sorted(m for m in sys.modules if m.startswith('gradlab.widgets') or m == 'ipywidgets'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                            cwd=str(VIZ.parent.parent))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True []"
