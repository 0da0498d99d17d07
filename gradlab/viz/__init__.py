"""Pictures and plots of gradlab graphs (graphviz and matplotlib are imported
lazily, on first use; these functions only read graphs).

- ``graph(outputs, *, inputs, values, adjoints, show_types, rankdir, highlight, max_nodes)``
  -> ``graphviz.Digraph``
- ``compare(before, after)`` (or ``compare(f)``): the user's graph and the compiled one
- ``rewrite_steps(trace)`` / ``step_picture(trace, k)``: one picture per rewrite step
- ``plot_derivative(expr, wrt, domain, order, at)``, ``plot_matrix(M)``,
  ``plot_gradient_field(cost, (x, y))``: matplotlib figures
"""
from gradlab.viz.compare import compare
from gradlab.viz.graph import graph
from gradlab.viz.plots import plot_derivative, plot_gradient_field, plot_matrix
from gradlab.viz.steps import rewrite_steps, step_picture
from gradlab.viz.values import format_value

__all__ = ["graph", "compare", "rewrite_steps", "step_picture", "plot_derivative", "plot_matrix",
           "plot_gradient_field", "format_value"]
