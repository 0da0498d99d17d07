"""``graph(g, origin=True)``: a derivative graph grouped by where its nodes came from.

Each node a derivative sweep built carries an origin
(:mod:`gradlab.graph.origin`).  Grouping by it puts the nodes one forward
operation's rule built into one labelled cluster (``∂ of exp, node 3``): the
chain rule, one link per cluster.  The sum of the terms reaching a value read
more than once gets its own cluster of another colour (``sum for x (read 2×)``),
the seed another.  A compiled function's nodes are grouped by the origin of a
user node each one replaces (:mod:`gradlab.explain.rewriting`), so the
picture of the rewritten graph is coloured by the same clusters.
"""
from __future__ import annotations

from typing import Any, Optional

from gradlab.explain.origins import label
from gradlab.explain.rewriting import derivation
from gradlab.graph.origin import Origin


def _key(origin: Optional[Origin]) -> Optional[tuple]:
    """One group per forward node's rule (both inputs' terms together), per sum, seed, helper."""
    if origin is None:
        return None
    if origin.kind == "rule":
        return ("rule", origin.mode, id(origin.node))
    if origin.kind == "sum":
        return ("sum", id(origin.variable))
    if origin.kind == "seed":
        return ("seed", origin.mode)
    return ("helper", origin.helper)


def origin_groups(obj: Any, nodes: list) -> dict:
    """``{node: (group key, label, cluster kind)}`` for the drawn ``nodes`` that have an origin
    (a forward op a cluster names: ``(None, "node 3", None)``, its number written under it).

    ``obj`` is what :func:`gradlab.viz.graph` was given: for a compiled
    function the nodes are grouped by the origins of the user nodes each
    replaces, derived from its trace (``from ∂ of mul, node 2 · ∂ of sin, node 1``)."""
    if hasattr(obj, "maker"):
        return _compiled_groups(obj, nodes)
    groups: dict = {}
    numbers: dict = {}
    for node in nodes:
        origin = node.origin
        key = _key(origin)
        if key is not None:
            groups[node] = (key, label(origin), "sum" if origin.kind == "sum" else "origin")
            if origin.kind == "rule" and origin.number is not None:
                numbers[origin.node] = origin.number
    for node in nodes:   # the forward ops the clusters name get their number ("node 3") on them
        if node not in groups and node in numbers:
            groups[node] = (None, f"node {numbers[node]}", None)
    return groups


#: origins named in a compiled node's cluster title before ``+ N more``
SHOWN_ORIGINS = 3


def _compiled_groups(f: Any, nodes: list) -> dict:
    found = derivation(f)
    groups: dict = {}
    for node in nodes:
        origins = [u.origin for u in found.replaces(node) if u.origin is not None]
        labels = tuple(dict.fromkeys(label(o) for o in origins))
        if not labels:
            continue  # computes only what the user wrote
        more = len(labels) - SHOWN_ORIGINS
        text = "from " + " · ".join(labels[:SHOWN_ORIGINS]) + (f" + {more} more" if more > 0 else "")
        kind = "sum" if all(o.kind == "sum" for o in origins) else "origin"
        groups[node] = (("compiled",) + labels, text, kind)
    return groups


def place_in_groups(canvas: Any, container: Any, groups: dict, nodes: list, prefix: str, home: dict) -> None:
    """Make one cluster per group (numbered in drawing order) and put its nodes in ``home``."""
    clusters: dict = {}
    for node in nodes:
        found = groups.get(node)
        if found is None or found[0] is None or node in home:
            continue
        key, text, kind = found
        cluster = clusters.get(key)
        if cluster is None:
            cluster = clusters[key] = canvas.cluster(container, f"cluster_{prefix}origin{len(clusters)}", kind, [text])
        home[node] = cluster
