"""Pictures and plots of gradlab graphs (graphviz and matplotlib are imported
lazily, on first use; these functions only read graphs).

- ``graph(outputs, *, inputs, values, adjoints, show_types, rankdir, highlight, max_nodes, fold, fit)``
  -> ``graphviz.Digraph``, kept within the size budget (:mod:`gradlab.viz.budget`:
  at most 900 px wide with text of at least 11 px): the direction is chosen
  from the graph, fused composites and Scan loop bodies are opened as
  clusters, repeated steps fold into one ``× N`` (:mod:`gradlab.viz.folding`)
- ``compare(before, after)`` (or ``compare(f)``): the user's graph and the compiled one
- ``rewrite_steps(trace)`` / ``step_picture(trace, k)``: one picture per rewrite step
- ``plot_derivative(expr, wrt, domain, order, at)``, ``plot_matrix(M, scale, clip)``
  (:mod:`gradlab.viz.heatmap`),
  ``plot_gradient_field(cost, (x, y))``: matplotlib figures
"""
from gradlab.viz.comparison import compare
from gradlab.viz.graph_picture import graph
from gradlab.viz.plots import plot_derivative, plot_gradient_field, plot_matrix
from gradlab.viz.steps import rewrite_steps, step_picture
from gradlab.viz.values import format_value

__all__ = ["graph", "compare", "rewrite_steps", "step_picture", "plot_derivative", "plot_matrix",
           "plot_gradient_field", "format_value"]
