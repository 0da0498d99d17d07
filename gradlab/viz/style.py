"""How a graph picture looks: the colour-blind-safe palette, node labels, and
the legend.

Colours are Okabe–Ito (distinguishable with every common colour-vision
deficiency).  Every distinction is carried by a second cue as well: variables
are boxes and operations ellipses, outputs have a double border, and the two
highlight kinds differ in line style (solid vs dashed), so a picture still reads
in greyscale.
"""
from __future__ import annotations

import html
from typing import Any, Optional

#: the Okabe–Ito palette
OKABE_ITO = {
    "orange": "#E69F00", "sky_blue": "#56B4E9", "bluish_green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "reddish_purple": "#CC79A7", "black": "#000000",
}
GREY = "#BBBBBB"
LIGHT_GREY = "#E8E8E8"

#: variable roles: (legend text, node attributes)
VARIABLE_STYLES = {
    "input": ("input", {"shape": "box", "style": "filled,rounded", "fillcolor": OKABE_ITO["sky_blue"]}),
    "shared": ("shared variable", {"shape": "box", "style": "filled,rounded", "fillcolor": OKABE_ITO["yellow"]}),
    "constant": ("constant", {"shape": "box", "style": "filled", "fillcolor": LIGHT_GREY}),
    "output": ("output", {"shape": "box", "style": "filled,bold", "fillcolor": "white", "peripheries": "2"}),
    "intermediate": ("intermediate", {"shape": "box", "style": "filled", "fillcolor": "white"}),
    # the inputs of a loop body (a Scan's step function)
    "sequence": ("sequence entry x[t] (loop body)", {"shape": "box", "style": "filled,rounded,dashed",
                                                     "fillcolor": OKABE_ITO["sky_blue"]}),
    "state": ("carried state s[t-1] (loop body)", {"shape": "box", "style": "filled,rounded,bold",
                                                   "fillcolor": OKABE_ITO["yellow"], "penwidth": "2"}),
    "nonsequence": ("non-sequence, same every step", {"shape": "box", "style": "filled,rounded",
                                                      "fillcolor": LIGHT_GREY}),
}
#: an unnamed intermediate variable with nothing to show is a small dot
POINT_STYLE = {"shape": "point", "width": "0.08", "fillcolor": "#555555", "color": "#555555"}

#: op kinds: (legend text, node attributes)
OP_STYLES = {
    "elementwise": ("elementwise op", {"shape": "ellipse", "style": "filled", "fillcolor": OKABE_ITO["orange"]}),
    "reduction": ("reduction", {"shape": "ellipse", "style": "filled", "fillcolor": OKABE_ITO["bluish_green"],
                                "fontcolor": "white"}),
    "linalg": ("linear algebra", {"shape": "ellipse", "style": "filled", "fillcolor": OKABE_ITO["blue"],
                                  "fontcolor": "white"}),
    "shape": ("shape / indexing", {"shape": "ellipse", "style": "filled",
                                   "fillcolor": OKABE_ITO["reddish_purple"]}),
    "other": ("other op", {"shape": "ellipse", "style": "filled", "fillcolor": GREY}),
}
SUMMARY_STYLE = ("collapsed ops", {"shape": "box3d", "style": "filled,dashed", "fillcolor": LIGHT_GREY,
                                   "margin": "0.15,0.08"})

#: clusters that open a folded thing: (legend text, cluster attributes)
CLUSTER_STYLES = {
    "composite": ("fused composite: one node when run, opened", {"style": "rounded,filled", "color": OKABE_ITO["orange"],
                                                                "fillcolor": "#FFF6E0", "penwidth": "1.5"}),
    "loop": ("loop body: one step of the Scan", {"style": "rounded,dashed", "color": OKABE_ITO["blue"],
                                                 "penwidth": "1.5"}),
    "repeat": ("× N: the same step N times, drawn once", {"style": "rounded,dashed", "color": OKABE_ITO["reddish_purple"],
                                                         "penwidth": "2"}),
    "origin": ("built by one op's derivative rule", {"style": "rounded,filled", "color": OKABE_ITO["sky_blue"],
                                                     "fillcolor": "#EEF6FC", "penwidth": "1.5"}),
    "sum": ("sum of the terms for a value read twice or more", {"style": "rounded,filled",
                                                                "color": OKABE_ITO["vermillion"],
                                                                "fillcolor": "#FDEEE6", "penwidth": "2"}),
}

#: highlight kinds: (legend text, attributes added to the node)
HIGHLIGHT_STYLES = {
    "highlight": ("highlighted", {"color": OKABE_ITO["vermillion"], "penwidth": "3.5"}),
    "matched": ("matched by the rule", {"color": OKABE_ITO["vermillion"], "penwidth": "3.5"}),
    "removed": ("removed by the rule (dotted)", {"color": OKABE_ITO["vermillion"], "penwidth": "2", "style_extra": "dotted"}),
    "new": ("put in by the rule (dashed)", {"color": OKABE_ITO["blue"], "penwidth": "3.5", "style_extra": "dashed"}),
    # the rule inspector's verdicts (gradlab.explain.why_not)
    "fired": ("the rule fired here (dashed)", {"color": OKABE_ITO["blue"], "penwidth": "3.5", "style_extra": "dashed"}),
    "near_miss": ("nearly matched, or refused", {"color": OKABE_ITO["vermillion"], "penwidth": "3.5"}),
    "taken": ("another rule got there first (dotted)", {"color": OKABE_ITO["vermillion"], "penwidth": "2",
                                                        "style_extra": "dotted"}),
}

GRAPH_ATTRS = {"fontname": "Helvetica", "fontsize": "11", "bgcolor": "white", "nodesep": "0.25",
               "ranksep": "0.3"}
NODE_ATTRS = {"fontname": "Helvetica", "fontsize": "11", "height": "0.3", "margin": "0.06,0.03"}
EDGE_ATTRS = {"color": "#555555", "arrowsize": "0.6", "fontsize": "10", "fontname": "Helvetica"}
#: the size of the legend's text (the smallest text of a picture, see ``gradlab.viz.budget``)
LEGEND_FONTSIZE = "10"
#: caption lines longer than this are wrapped
CAPTION_WRAP = 96

_LINALG = {"Dot", "Matmul", "TensorDot", "BatchedDot", "Outer"}
_SHAPE = {"Shape", "Shape_i", "SpecifyShape", "MakeVector", "Reshape", "DimShuffle", "Alloc", "Join", "Split",
          "ARange", "Eye", "Subtensor", "IncSubtensor", "AdvancedSubtensor", "AdvancedSubtensor1",
          "AdvancedIncSubtensor", "AdvancedIncSubtensor1", "Flatten", "Squeeze", "Stack"}
#: reductions that print with a big-operator symbol
_REDUCE_SYMBOLS = {"Sum": "Σ sum", "Prod": "Π prod"}
#: scalar ops shown under another name
SCALAR_NAMES = {"second": "fill", "true_div": "/"}


def op_kind(op: Any) -> str:
    """``elementwise``, ``reduction``, ``linalg``, ``shape`` or ``other``."""
    names = {cls.__name__ for cls in type(op).__mro__}
    scalar = getattr(op, "scalar_op", None)
    if scalar is not None:
        return "shape" if getattr(scalar, "kind", "") == "shape" else "elementwise"
    if "Reduce" in names or names & {"Sum", "Prod", "Max", "Min", "Argmax", "Argmin", "All", "Any"}:
        return "reduction"
    if names & _LINALG:
        return "linalg"
    if names & _SHAPE:
        return "shape"
    return "other"


def op_label(node: Any) -> str:
    """What an op node shows: its pp symbol (``*``, ``exp``, ``fill``, ``Σ sum`` …)."""
    op = node.op
    scalar = getattr(op, "scalar_op", None)
    if scalar is not None:
        inner = getattr(scalar, "inner_text", None)
        if inner is not None:                       # a fused chain
            return f"{op}{{{inner()}}}"
        if getattr(scalar, "kind", "") == "cast":
            return f"cast {getattr(scalar, 'dtype', '')}".strip()
        if scalar.name in SCALAR_NAMES:
            return SCALAR_NAMES[scalar.name]
        if getattr(scalar, "symbol", None) is not None and scalar.nin == 2:
            return scalar.symbol
        return scalar.name
    name = type(op).__name__
    if op_kind(op) == "reduction" and hasattr(op, "axis"):
        axis = getattr(op, "axis", None)
        extra = "" if axis is None else f" axis={list(axis)}"
        return _REDUCE_SYMBOLS.get(name, name.lower()) + extra + (" keepdims" if getattr(op, "keepdims", False) else "")
    if name == "Matmul":
        return "@"
    if name == "Dot":
        return "dot"
    return str(op)


def is_commutative(node: Any) -> bool:
    scalar = getattr(node.op, "scalar_op", None)
    return bool(getattr(scalar, "commutative", False))


def variable_attrs(role: str) -> dict:
    return dict(VARIABLE_STYLES[role][1])


def op_attrs(kind: str) -> dict:
    return dict(OP_STYLES[kind][1])


def plural(n: int, word: str) -> str:
    """``1 op``, ``2 ops``, ``1,000 ops``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def wrap_line(line: str, width: int = CAPTION_WRAP) -> list:
    """``line`` broken at spaces into pieces of at most about ``width`` characters."""
    if len(line) <= width:
        return [line]
    pieces, current = [], ""
    for word in line.split(" "):
        if current and len(current) + 1 + len(word) > width:
            pieces.append(current)
            current = "    " + word
        else:
            current = f"{current} {word}" if current else word
    return pieces + [current]


def caption_lines(title: Optional[str], notes: list) -> list:
    """The caption's lines: the title's, then the notes', wrapped to the budget's width."""
    lines = (title.split("\n") if title else []) + [line for note in notes for line in note.split("\n")]
    return [piece for line in lines for piece in wrap_line(line)]


def set_caption(dot: Any, title: Optional[str], notes: list) -> None:
    """The picture's caption: the title (top left) and the notes (under it, or
    at the bottom when there is no title); long lines are wrapped."""
    lines = caption_lines(title, notes)
    if lines:
        dot.attr(label=text_label(lines, left=True), labelloc="t" if title else "b", labeljust="l")


def apply_highlight(attrs: dict, kind: str) -> dict:
    """``attrs`` with the border of highlight ``kind`` (and a ``class`` for the SVG)."""
    extra = dict(HIGHLIGHT_STYLES[kind][1])
    style_extra = extra.pop("style_extra", None)
    out = dict(attrs)
    out.update(extra)
    if style_extra and out.get("shape") != "point":
        out["style"] = ",".join(filter(None, [out.get("style", ""), style_extra]))
    out["class"] = f"highlight {kind}"
    return out


def text_label(lines: list, left: bool = False) -> str:
    """Lines of plain text as one DOT label (backslashes escaped; lines centred,
    or left-aligned with ``left``)."""
    escaped = [str(line).replace("\\", "\\\\") for line in lines]
    text = "".join(line + "\\l" for line in escaped) if left else "\\n".join(escaped)
    # <...> would be read as an HTML-like label: a trailing space keeps it plain text
    return text + " " if text.startswith("<") and text.endswith(">") else text


def legend_label(used_roles: list, used_kinds: list, used_highlights: list, extras: tuple = ()) -> str:
    """An HTML-like DOT label: one swatch row per style the picture uses (empty
    if none), each swatch drawn with the real fill and outline (dashed, dotted,
    double).  ``extras`` may hold ``"numbered"`` (edge labels 0, 1 are argument
    positions), ``"points"`` (the small dots) and cluster kinds (``CLUSTER_STYLES``)."""
    rows = legend_rows(used_roles, used_kinds, used_highlights, extras)
    if not rows:
        return ""
    return ('<<table border="0" cellborder="0" cellspacing="2" cellpadding="1">'
            '<tr><td colspan="2" align="left"><b>legend</b></td></tr>' + "".join(r for r, _ in rows) + "</table>>")


def _swatch(text: str, fill: str, border: str = "#555555", width: int = 1, line: str = "") -> tuple:
    outline = f' style="{line}"' if line else ""
    return (f'<tr><td bgcolor="{fill}" color="{border}" border="{width}"{outline} width="22" height="14" '
            f'fixedsize="true"></td><td align="left">{html.escape(text)}</td></tr>', text)


def _text_row(symbol: str, text: str) -> tuple:
    return f'<tr><td>{html.escape(symbol)}</td><td align="left">{html.escape(text)}</td></tr>', text


def _line_style(style: str) -> str:
    return "dashed" if "dashed" in style else "dotted" if "dotted" in style else ""


def legend_rows(used_roles: list, used_kinds: list, used_highlights: list, extras: tuple = ()) -> list:
    """The rows of :func:`legend_label` as ``(html, text)``, in a fixed order."""
    rows: list = []
    for role in VARIABLE_STYLES:
        if role in used_roles:
            text, attrs = VARIABLE_STYLES[role]
            bold = role in ("output", "state")
            rows.append(_swatch(f"{text} (box)" if role == "input" else
                                f"{text} (double border)" if role == "output" else text,
                                attrs["fillcolor"], width=2 if bold else 1, line=_line_style(attrs["style"])))
    if "points" in extras:
        rows.append(_text_row("•", "an unnamed intermediate value"))
    for kind in OP_STYLES:
        if kind in used_kinds:
            text, attrs = OP_STYLES[kind]
            rows.append(_swatch(f"{text} (ellipse)" if kind == "elementwise" else text, attrs["fillcolor"]))
    if "summary" in used_kinds:
        rows.append(_swatch(SUMMARY_STYLE[0], SUMMARY_STYLE[1]["fillcolor"], line="dashed"))
    for kind, (text, attrs) in CLUSTER_STYLES.items():
        if kind in extras:
            rows.append(_swatch(text, attrs.get("fillcolor", "white"), border=attrs["color"], width=2,
                                line=_line_style(attrs["style"])))
    for kind in HIGHLIGHT_STYLES:
        if kind in used_highlights:
            text, attrs = HIGHLIGHT_STYLES[kind]
            rows.append(_swatch(text, "white", border=attrs["color"], width=3, line=attrs.get("style_extra", "")))
    if "numbered" in extras:
        rows.append(_text_row("0, 1", "on an edge: the argument's position (in a - b, a is 0)"))
    if "next" in extras:
        rows.append(_text_row("- ->", "dashed edge: into the next step / after the loop"))
    return rows


def legend_size(used: dict) -> tuple:
    """The legend's ``(width, height)`` in points (0, 0 without one)."""
    rows = legend_rows(sorted(used["roles"]), sorted(used["kinds"]), sorted(used["highlights"]),
                       tuple(used.get("extras", ())))
    if not rows:
        return (0.0, 0.0)
    longest = max(len(text) for _, text in rows)
    return (40 + longest * 0.56 * float(LEGEND_FONTSIZE), 18 + 17.0 * len(rows))


def add_legend(target: Any, used: dict, prefix: str = "", sinks: tuple = ()) -> None:
    """Add the legend of what ``used`` lists (``roles``, ``kinds``,
    ``highlights``, ``extras``) to ``target`` as one plain node
    (``{prefix}legend``): below the graph (in a top-to-bottom graph, hung
    under ``sinks`` by invisible edges)."""
    label = legend_label(sorted(used["roles"]), sorted(used["kinds"]), sorted(used["highlights"]),
                         tuple(sorted(used.get("extras", ()))))
    if not label:
        return
    start = len(target.body)
    target.node(f"{prefix}legend", label=label, shape="plaintext", fontsize=LEGEND_FONTSIZE)
    if target.graph_attr.get("rankdir", "LR") in ("LR", "RL"):
        # dot stacks unconnected pieces bottom-up in the order they are declared:
        # declared first, the legend sits below the graph instead of above it
        target.body[:] = target.body[start:] + target.body[:start]
    else:
        for sink in sinks:
            target.edge(sink, f"{prefix}legend", style="invis")
