"""Every run of graphviz's ``dot`` program, bounded in time and effort.

``dot``'s layout can take minutes on a picture of a few hundred edges (the
gradient of ``sin(sin(…(x)))`` 40 deep: network simplex on ~280 edges), and
it refuses attribute strings longer than 16,384 characters (the caller then
sees a bare ``BrokenPipeError``).  Here:

- :func:`render` lays out DOT source with a time bound and layout-effort
  bounds chosen from the picture's size (:func:`effort_attributes`: fewer
  network-simplex and crossing-minimisation iterations, straight edges for
  big pictures).  On overrun it tries once more with the cheapest layout
  (:data:`FALLBACK_ATTRIBUTES`), and past that shows the text form; either
  way the picture carries a one-line note saying what happened.  It never
  waits longer than ``seconds + fallback_seconds`` (plus the text form).
- :class:`BoundedDigraph` is the ``graphviz.Digraph`` gradlab's picture
  functions return: its ``pipe`` — and so its Jupyter display
  (``_repr_mimebundle_``, ``_repr_image_svg_xml``) — goes through
  :func:`render`, and every attribute it is given is clipped to
  :data:`ATTRIBUTE_CHARS` as it is added.
- :func:`pipe` lays out any Digraph (a plain one too) through :func:`render`.

``graphviz`` is imported lazily (``import gradlab`` needs numpy only).
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Callable, Optional

#: seconds the first layout may take
DOT_SECONDS = 8.0
#: seconds the cheapest layout may take after the first one overran
FALLBACK_SECONDS = 4.0
#: dot refuses attribute strings longer than this
DOT_ATTRIBUTE_LIMIT = 16384
#: the longest attribute value gradlab emits (well below dot's limit, after quoting)
ATTRIBUTE_CHARS = 4000
#: the longest tooltip (an op's full text: a fused Composite's formula)
TOOLTIP_CHARS = 600
#: lines and characters per line of the text form shown when no layout finished
TEXT_LINES = 60
TEXT_LINE_CHARS = 120

#: layout bounds for pictures with at least this many edges, smallest first; the
#: largest matching entry applies.  nslimit/nslimit1 cap dot's network-simplex
#: passes (ranking and x-coordinates: the slow phase for shared graphs) at that
#: factor times the node count; mclimit scales the crossing-minimisation passes;
#: searchsize caps the negative-cut-value edges searched; straight edges skip
#: spline routing (the second slowest phase on hundreds of edges).
EFFORT_TIERS = (
    (120, {"nslimit": "4", "nslimit1": "4", "mclimit": "0.5", "searchsize": "30"}),
    (250, {"nslimit": "1", "nslimit1": "1", "mclimit": "0.2", "searchsize": "20", "splines": "line"}),
    (400, {"nslimit": "0.3", "nslimit1": "0.3", "mclimit": "0.05", "searchsize": "10", "splines": "line",
           "remincross": "false"}),
)
#: the cheapest layout, tried when the first one overran
FALLBACK_ATTRIBUTES = {"nslimit": "0.05", "nslimit1": "0.05", "mclimit": "0.01", "searchsize": "5",
                       "splines": "false", "remincross": "false"}


class DotFailed(RuntimeError):
    """``dot`` exited with an error (its first message line is included)."""


class _Overrun(Exception):
    pass


@dataclass
class Rendered:
    """What :func:`render` made: the bytes, and the note when a fallback was used."""

    data: bytes
    note: Optional[str] = None


# ----------------------------------------------------------------------------
# sizes and attributes
_NODE_LINE = re.compile(r'^[ \t]+("(?:[^"\\]|\\.)*"|[\w.]+) \[', re.M)
_EDGE = re.compile(r" -[>-] ")


def graph_size(source: str) -> tuple:
    """``(nodes, edges)`` of DOT source as graphviz's Python package writes it (one statement a line)."""
    edges = len(_EDGE.findall(source))
    nodes = sum(1 for name in _NODE_LINE.findall(source) if name not in ("graph", "node", "edge"))
    return nodes, edges


def effort_attributes(nodes: int, edges: int) -> dict:
    """The layout bounds for a picture of this size (empty for small pictures: dot's defaults)."""
    chosen: dict = {}
    size = max(edges, nodes)
    for threshold, attrs in EFFORT_TIERS:
        if size >= threshold:
            chosen = attrs
    return dict(chosen)


def with_graph_attributes(source: str, attrs: dict, extra_lines: tuple = ()) -> str:
    """``source`` with graph attributes declared first in the root graph (so
    clusters inherit them, and the source's own settings still win), and
    statements added at its end.

    (Declared after the clusters instead, ``nslimit1`` leaves them with an empty
    value, and dot 2.43 then lays out a 500-edge side-by-side picture for
    minutes instead of 0.3 s.)
    """
    if attrs:
        start = source.find("{")
        if start >= 0:
            line = "\tgraph [" + " ".join(f'{k}="{v}"' for k, v in attrs.items()) + "]\n"
            cut = start + 1 + (source[start + 1] == "\n")
            source = source[:cut] + line + source[cut:]
    if extra_lines:
        end = source.rstrip().rfind("}")
        if end >= 0:
            source = source[:end] + "".join(f"\t{line}\n" for line in extra_lines) + source[end:]
    return source


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _note_statement(note: str) -> str:
    return f"gradlab_layout_note [label={_quote(note)} shape=plaintext fontsize=10 fontcolor=\"#D55E00\"]"


def clip_attribute(value: Any) -> Any:
    """An attribute value cut to :data:`ATTRIBUTE_CHARS` (``…`` at the end); an
    HTML-like label that long becomes a short plain-text one."""
    if not isinstance(value, str) or len(value) <= ATTRIBUTE_CHARS:
        return value
    if value.startswith("<") and value.endswith(">"):
        return "(label too long to draw)"
    cut = value[:ATTRIBUTE_CHARS - 1]
    if cut.endswith("\\") and not cut.endswith("\\\\"):
        cut = cut[:-1]                 # never end on half an escape sequence
    return cut + "…"


def op_tooltip(op: Any) -> str:
    """An op's tooltip: its text, built under :data:`TOOLTIP_CHARS`."""
    from gradlab.bounded_text import op_text
    return op_text(op, TOOLTIP_CHARS)


# ----------------------------------------------------------------------------
# running dot
def _dot_program() -> str:
    path = shutil.which("dot")
    if path is None:
        try:
            from graphviz import ExecutableNotFound
        except ImportError:  # pragma: no cover - the package is there whenever pictures are made
            raise RuntimeError("graphviz's dot program is not installed: apt-get install graphviz") from None
        raise ExecutableNotFound(["dot"])
    return path


def run_dot(source: str, fmt: str = "svg", seconds: float = DOT_SECONDS) -> bytes:
    """One run of ``dot -T<fmt>`` on ``source``: its output, :class:`DotFailed`
    on an error exit, ``_Overrun`` when it took longer than ``seconds`` (it is killed)."""
    try:
        done = subprocess.run([_dot_program(), f"-T{fmt}"], input=source.encode("utf-8"),
                              capture_output=True, timeout=seconds, check=False)
    except subprocess.TimeoutExpired:
        raise _Overrun() from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        first = message[0] if message else f"exit status {done.returncode}"
        raise DotFailed(f"graphviz's dot could not draw the picture: {first[:300]}")
    return done.stdout


def render(source: str, fmt: str = "svg", *, seconds: float = DOT_SECONDS,
           fallback_seconds: float = FALLBACK_SECONDS,
           text_form: Optional[Callable[[], str]] = None) -> Rendered:
    """Lay out DOT ``source`` as ``fmt`` (svg, png, pdf …) within the time bounds.

    First with :func:`effort_attributes` for its size and ``seconds``; on
    overrun with :data:`FALLBACK_ATTRIBUTES` and ``fallback_seconds``; then the
    text form (``text_form()``, e.g. dprint's text, else the node labels).
    Each fallback puts a one-line note in the picture (and in ``note``).
    """
    nodes, edges = graph_size(source)
    try:
        return Rendered(run_dot(with_graph_attributes(source, effort_attributes(nodes, edges)), fmt, seconds))
    except _Overrun:
        pass
    note = (f"layout took over {seconds:g} s ({nodes:,} nodes, {edges:,} edges): "
            "drawn with the quickest layout (straight edges, fewer crossings removed)")
    try:
        data = run_dot(with_graph_attributes(source, FALLBACK_ATTRIBUTES, (_note_statement(note),)), fmt,
                       fallback_seconds)
        return Rendered(data, note)
    except _Overrun:
        pass
    note = (f"no layout finished within {seconds + fallback_seconds:g} s ({nodes:,} nodes, {edges:,} edges): "
            "showing the graph as text")
    return Rendered(text_picture(note, _text_lines(source, text_form), fmt), note)


def _text_lines(source: str, text_form: Optional[Callable[[], str]]) -> list:
    text = None
    if text_form is not None:
        try:
            text = text_form()
        except Exception:  # noqa: BLE001 - the fallback of a fallback must not fail
            text = None
    if text is None:
        labels = re.findall(r'label="((?:[^"\\]|\\.)*)"', source)
        text = "\n".join(label.replace("\\n", " ").replace("\\l", " ") for label in labels if label)
    lines = text.splitlines()
    shown = [line if len(line) <= TEXT_LINE_CHARS else line[:TEXT_LINE_CHARS - 1] + "…"
             for line in lines[:TEXT_LINES]]
    if len(lines) > TEXT_LINES:
        shown.append(f"… {len(lines) - TEXT_LINES:,} more lines")
    return shown


def text_picture(note: str, lines: list, fmt: str = "svg") -> bytes:
    """The note and ``lines`` as a picture: SVG written directly, other formats
    by ``dot`` from a one-node graph (instant)."""
    rows = [note] + lines
    if fmt == "svg":
        height = 16 * len(rows) + 8
        width = 7 * max(len(r) for r in rows) + 16
        texts = "".join(
            f'<text x="8" y="{16 * (i + 1)}" fill="{"#D55E00" if i == 0 else "black"}">{html.escape(r)}</text>\n'
            for i, r in enumerate(rows))
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}pt" height="{height}pt" '
                f'viewBox="0 0 {width} {height}" font-family="monospace" font-size="11" xml:space="preserve">\n'
                f'<rect width="100%" height="100%" fill="white"/>\n{texts}</svg>\n').encode("utf-8")
    label = "".join(r.replace("\\", "\\\\").replace('"', '\\"') + "\\l" for r in rows)
    source = f'digraph gradlab_text {{ node [shape=plaintext fontname=monospace]; text [label="{label}"] }}\n'
    try:
        return run_dot(source, fmt, FALLBACK_SECONDS)
    except _Overrun:
        raise DotFailed(f"{note}; and dot could not even draw that text as {fmt} within "
                        f"{FALLBACK_SECONDS:g} s (try format='svg')") from None


def pipe(dot: Any, fmt: str = "svg", encoding: Optional[str] = None, **bounds: Any) -> Any:
    """Lay out any Digraph (``dot.source``) through :func:`render`: bytes, or
    text when ``encoding`` is given."""
    data = render(dot.source, fmt, text_form=getattr(dot, "text_form", None), **bounds).data
    return data.decode(encoding) if encoding is not None else data


def svg_text(dot: Any, **bounds: Any) -> str:
    """The SVG text of a Digraph, laid out through :func:`render`."""
    return pipe(dot, "svg", "utf-8", **bounds)


# ----------------------------------------------------------------------------
def _digraph_class() -> type:
    import graphviz

    class BoundedDigraph(graphviz.Digraph):
        """A ``graphviz.Digraph`` laid out only through :func:`render` (time- and
        effort-bounded, with fallbacks); attributes are clipped as they are added.
        ``text_form`` (a callable giving text, optional) is what the last fallback shows."""

        text_form: Optional[Callable[[], str]] = None
        #: ``(source, format, bytes)`` of the last layout (Jupyter asks for the picture more than once)
        _last: Optional[tuple] = None

        def pipe(self, format: Optional[str] = None, renderer: Optional[str] = None,  # noqa: A002
                 formatter: Optional[str] = None, neato_no_op: Any = None, quiet: bool = False, *,
                 engine: Optional[str] = None, encoding: Optional[str] = None) -> Any:
            if renderer is not None or formatter is not None or (engine or self.engine) != "dot":
                raise ValueError("gradlab pictures are laid out by dot with its default renderer; "
                                 "pass only format= and encoding=")
            source, fmt = self.source, format or self.format
            if self._last is None or self._last[:2] != (source, fmt):
                self._last = (source, fmt, render(source, fmt, text_form=self.text_form).data)
            data = self._last[2]
            return data.decode(encoding) if encoding is not None else data

        def node(self, name: str, label: Optional[str] = None, _attributes: Any = None, **attrs: Any) -> None:
            super().node(name, label=clip_attribute(label), _attributes=_attributes,
                         **{k: clip_attribute(v) for k, v in attrs.items()})

        def edge(self, tail_name: str, head_name: str, label: Optional[str] = None, _attributes: Any = None,
                 **attrs: Any) -> None:
            super().edge(tail_name, head_name, label=clip_attribute(label), _attributes=_attributes,
                         **{k: clip_attribute(v) for k, v in attrs.items()})

        def attr(self, kw: Optional[str] = None, _attributes: Any = None, **attrs: Any) -> None:
            super().attr(kw, _attributes=_attributes, **{k: clip_attribute(v) for k, v in attrs.items()})

    # made inside a function, yet named as the module-level class it is published as
    BoundedDigraph.__qualname__ = "BoundedDigraph"
    BoundedDigraph.__module__ = __name__
    return BoundedDigraph


def __getattr__(name: str) -> Any:
    """``BoundedDigraph`` is made on first use (graphviz is imported lazily)."""
    if name == "BoundedDigraph":
        cls = _digraph_class()
        globals()["BoundedDigraph"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def text_form_of(*graphs: Any) -> Callable[[], str]:
    """The text form a picture of ``graphs`` falls back to: their ``dprint`` text
    (anything dprint takes: variables, a list of them, a FunctionGraph, a function)."""
    def text() -> str:
        from gradlab.printing import dprint
        return "\n".join(dprint(g, file="str") for g in graphs)
    return text
