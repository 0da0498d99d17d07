"""Rich display in Jupyter: a variable or a compiled function shows its graph.

``variable_mimebundle`` / ``function_mimebundle`` return
``{"image/svg+xml": svg, "text/plain": dprint text}``; without graphviz (the
``dot`` program or the Python package) they return the text with a one-line
install hint.  They never raise: any failure falls back to text, so a
notebook cell never shows an error because of a picture.
"""
from __future__ import annotations

from typing import Any

INSTALL_HINT = "(install graphviz for pictures: apt-get install graphviz / pip install graphviz)"


def _text(obj: Any) -> str:
    try:
        from gradlab.printing import dprint
        return dprint(obj, file="str").rstrip("\n")
    except Exception:  # noqa: BLE001 - display must never raise
        try:
            return repr(obj)
        except Exception:  # noqa: BLE001
            return f"<{type(obj).__name__}>"


def svg_of(obj: Any, **graph_options: Any) -> str:
    """The SVG text of ``gradlab.viz.graph(obj)`` (raises if graphviz is missing)."""
    from gradlab.viz.dot_runner import svg_text
    from gradlab.viz.graph_picture import graph
    return svg_text(graph(obj, **graph_options))


def graphviz_missing(exc: BaseException) -> bool:
    """Is ``exc`` the graphviz package or its ``dot`` program being absent?"""
    if isinstance(exc, ImportError) and "graphviz" in str(exc):
        return True
    try:
        from graphviz import ExecutableNotFound
    except ImportError:  # without the graphviz package, exc cannot be its error
        return False
    return isinstance(exc, ExecutableNotFound)


def mimebundle(obj: Any, **graph_options: Any) -> dict:
    """``{"image/svg+xml": …, "text/plain": …}`` for ``obj``, or text alone."""
    text = _text(obj)
    try:
        svg = svg_of(obj, **graph_options)
    except Exception as exc:  # noqa: BLE001 - display must never raise
        if graphviz_missing(exc):
            return {"text/plain": f"{text}\n{INSTALL_HINT}"}
        return {"text/plain": text}
    return {"image/svg+xml": svg, "text/plain": text}


def variable_mimebundle(var: Any) -> dict:
    """What Jupyter shows for a symbolic variable: its graph."""
    return mimebundle(var)


def function_mimebundle(f: Any) -> dict:
    """What Jupyter shows for a compiled function: its compiled graph."""
    return mimebundle(f)
