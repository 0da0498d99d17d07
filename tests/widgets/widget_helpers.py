"""Helpers for the widget tests: read the SVG text a widget produced back into
nodes (id, CSS classes, text lines), and find widgets by CSS class."""
from __future__ import annotations

import html
import re
from typing import Any

_NODE = re.compile(r'<g id="(?:node|clust)\d+" class="(?P<cls>[^"]*)">\s*<title>(?P<title>[^<]*)</title>'
                   r'(?P<body>.*?)</g>', re.S)
_TEXT = re.compile(r"<text[^>]*>(?P<text>[^<]*)</text>")


def svg_nodes(svg: str) -> dict:
    """``{id: {"classes": [...], "lines": [...]}}`` for every node of a dot SVG
    (ids as in the DOT source: ``n3``, ``v5``, ``b_n0`` …)."""
    nodes = {}
    for match in _NODE.finditer(svg):
        title = html.unescape(match.group("title"))
        lines = [html.unescape(t.group("text")) for t in _TEXT.finditer(match.group("body"))]
        nodes[title] = {"classes": match.group("cls").split(), "lines": lines}
    return nodes


def op_ids(nodes: dict) -> list:
    return [k for k in nodes if re.fullmatch(r"(?:[ab]_)?n\d+", k)]


def var_ids(nodes: dict) -> list:
    return [k for k in nodes if re.fullmatch(r"(?:[ab]_)?v\d+", k)]


def highlighted(svg: str, kind: str = None, ops_only: bool = False) -> list:
    """Ids of the nodes outlined (as ``kind`` when given), in picture order."""
    nodes = svg_nodes(svg)
    found = [k for k, v in nodes.items() if "highlight" in v["classes"] and (kind is None or kind in v["classes"])]
    return [k for k in found if k in op_ids(nodes)] if ops_only else found


def line_value(lines: list, title: str) -> str:
    """The text after ``title`` on a node (``value 2.5`` -> ``"2.5"``), or None."""
    for line in lines:
        if line.startswith(title + " "):
            return line[len(title) + 1:]
    return None


def node_by_first_line(svg: str, first: str) -> dict:
    """The node whose first text line is ``first`` (its name, for a named variable)."""
    found = [v for v in svg_nodes(svg).values() if v["lines"] and v["lines"][0] == first]
    assert len(found) == 1, f"{len(found)} nodes start with {first!r}"
    return found[0]


def svg_texts(svg: str) -> list:
    """Every text line of the picture."""
    return [html.unescape(t.group("text")) for t in _TEXT.finditer(svg)]


def walk(widget: Any):
    """The widget and all its descendants (iteratively)."""
    stack = [widget]
    while stack:
        w = stack.pop()
        yield w
        stack.extend(getattr(w, "children", ()))


def with_class(widget: Any, cls: str) -> list:
    return [w for w in walk(widget) if cls in getattr(w, "_dom_classes", ())]


def as_float(text: str) -> float:
    """A number as the picture prints it (4 significant digits)."""
    return float(text.replace("−", "-"))
