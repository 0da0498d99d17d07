"""Helpers for the viz tests: read a graphviz.Digraph's DOT source back into
nodes and edges, so tests check what a picture contains, not how it looks."""
from __future__ import annotations

import re
from typing import Any

_STATEMENT = re.compile(r"^\s*(?P<a>[\w]+)(?:\s*->\s*(?P<b>[\w]+))?\s*(?:\[(?P<attrs>.*)\])?\s*$", re.S)


def _attrs(text: str) -> dict:
    """``key=value`` pairs of a DOT attribute list (quoted, <html> or bare values)."""
    out: dict = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\n,":
            i += 1
        if i >= n:
            break
        j = text.index("=", i)
        key = text[i:j].strip()
        i = j + 1
        if text[i] == '"':
            k = i + 1
            buf = []
            while text[k] != '"':
                if text[k] == "\\" and text[k + 1] == '"':
                    buf.append('"')
                    k += 2
                    continue
                buf.append(text[k])
                k += 1
            out[key] = "".join(buf)
            i = k + 1
        elif text[i] == "<":
            depth, k = 0, i
            while True:
                if text[k] == "<":
                    depth += 1
                elif text[k] == ">":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            out[key] = text[i:k + 1]
            i = k + 1
        else:
            k = i
            while k < n and text[k] not in " \t\n,":
                k += 1
            out[key] = text[i:k]
            i = k
    return out


def parse(dot: Any) -> tuple:
    """``(nodes, edges)``: ``{id: attrs}`` and ``[(tail, head, attrs)]``, in source order.

    Works on a Digraph with clusters too (their statements are in the body)."""
    nodes: dict = {}
    edges: list = []
    for line in dot.body:
        stripped = line.strip()
        if not stripped or stripped.startswith(("subgraph", "}", "graph", "node ", "edge ", "label=", "style=",
                                                "color=", "labeljust=", "labelloc=")):
            continue
        match = _STATEMENT.match(stripped)
        if match is None:
            continue
        attrs = _attrs(match.group("attrs") or "")
        if match.group("b"):
            edges.append((match.group("a"), match.group("b"), attrs))
        else:
            nodes[match.group("a")] = attrs
    return nodes, edges


def label_lines(attrs: dict) -> list:
    """A plain label split into its lines."""
    text = attrs.get("label", "").replace("\\l", "\\n")
    if text.endswith("\\n"):
        text = text[:-2]
    return text.split("\\n")


def ops(nodes: dict) -> dict:
    """The op nodes (ids ``n<k>``, or ``<prefix>n<k>``)."""
    return {k: v for k, v in nodes.items() if re.fullmatch(r"(?:[ab]_)?n\d+", k)}


def variables(nodes: dict) -> dict:
    """The variable nodes (ids ``v<k>``, ``<prefix>v<k>``; a leaf drawn once per use: ``v<k>_<use>``)."""
    return {k: v for k, v in nodes.items() if re.fullmatch(r"(?:[ab]_)?v\d+(?:_\d+)?", k)}


def highlighted(nodes: dict, kind: str = None) -> dict:
    """Nodes outlined as ``kind`` (any highlight when None)."""
    out = {}
    for k, v in nodes.items():
        classes = v.get("class", "").split()
        if "highlight" in classes and (kind is None or kind in classes):
            out[k] = v
    return out


def by_first_line(nodes: dict, text: str) -> list:
    return [k for k, v in nodes.items() if label_lines(v)[0] == text]


def graph_label(dot: Any) -> str:
    """The root graph's caption text (``\\l`` line ends turned into newlines)."""
    for line in dot.body:
        if line.startswith("\tlabel="):          # one tab: the root graph, not a cluster
            value = _attrs(line.strip())["label"]
            return value.replace("\\l", "\n").replace("\\n", "\n")
    return ""
