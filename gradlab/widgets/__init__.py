"""ipywidgets for the workbench — a thin layer over ``gradlab.viz`` and the core.

Each widget is an ``ipywidgets.VBox`` whose state can be set and read from
Python (so tests and notebooks drive it without a browser):

- ``GraphExplorer(outputs)``: a graph before/after rewriting, toggles for
  types, values and adjoints.
- ``RewriteStepper(function_or_outputs)``: a slider (and play button) through
  the rewrite trace: the step's picture, its rule, ``pp`` before and after.
- ``BackpropStepper(cost, inputs, values)``: the forward pass node by node,
  then the backward pass, each adjoint accumulating term by term.
- ``DerivativeExplorer(expr, wrt, params=None)``: sliders for the point and the
  parameters; live plot of f, f', f'' and the tangent; the graph with values.
- ``Playground(formula)``: type a formula (parsed safely, never ``eval``); see its
  graph, gradient graph, rewritten graph and plot.
- ``GradCheck(fn_or_op, point)``: analytic vs numeric gradient, entry by entry.
- ``RuleInspector(function_or_outputs, rule)``: pick a rewrite rule, see where it
  fired and its near misses highlighted, with the reason for each node
  (``gradlab.explain.why_not``).

Pictures are SVG text in a ``GraphView`` (an anywidget with its own bundled
front-end module that pans, zooms and explains a node on hover; CSS class
``gradlab-graph``),
plots PNG bytes in ``ipywidgets.Image`` (class ``gradlab-plot``: an ``<img>``),
user errors a message (class ``gradlab-error``), never a traceback.  Other
CSS hooks for browser tests: ``gradlab-point-slider``, ``gradlab-param-slider``,
``gradlab-step-slider``, ``gradlab-formula`` (the Playground's text box),
``gradlab-gradcheck`` (GradCheck's table); each widget's root has its own
(``gradlab-derivative-explorer``, ``gradlab-playground`` …).

The seven are built on one skeleton, :mod:`gradlab.widgets.base` (error line,
picture area, step or point controls, ``refresh``); each widget's module
holds only what is its own.  The numbers they show come from ``gradlab.viz``
(e.g. ``gradlab.viz.backprop_trace``), which never imports this package.

``import gradlab`` does not import this package, and importing it is cheap:
ipywidgets, graphviz and matplotlib load when a widget class is first used.
"""
from __future__ import annotations

import importlib
from typing import Any

_WIDGETS = {
    "GraphExplorer": "gradlab.widgets.graph_explorer",
    "RewriteStepper": "gradlab.widgets.rewrite_stepper",
    "BackpropStepper": "gradlab.widgets.backprop_stepper",
    "DerivativeExplorer": "gradlab.widgets.derivative_explorer",
    "Playground": "gradlab.widgets.playground",
    "GradCheck": "gradlab.widgets.gradcheck",
    "RuleInspector": "gradlab.widgets.rule_inspector",
}

__all__ = list(_WIDGETS)


def __getattr__(name: str) -> Any:
    if name in _WIDGETS:
        value = getattr(importlib.import_module(_WIDGETS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gradlab.widgets' has no attribute {name!r}; the widgets are {', '.join(_WIDGETS)}")


def __dir__() -> list:
    return sorted(set(globals()) | set(_WIDGETS))
