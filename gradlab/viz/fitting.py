"""Choosing how much to fold so a picture keeps the size budget.

:func:`fold_plans` lists the ways to draw a graph, least folded first;
:func:`fitted` draws them in turn and keeps the first that fits
(:mod:`gradlab.viz.budget`), laying static pictures out with ``dot`` to
measure them, and collapsing more ops as a last resort.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Union

from gradlab.viz import budget
from gradlab.viz.folding import find_repeats, is_scan, program_of

#: pictures with more ops than this are sized by the prediction alone (no trial layout)
MEASURE_AT_MOST = 150
#: ... and so are pictures of more DOT statements than this (an opened composite of
#: thousands of instructions is one op; ``dot`` would overrun its time bound on it)
MEASURE_STATEMENTS_AT_MOST = 1000


def fold_plans(fold: Union[bool, str], max_nodes: Optional[int]) -> list:
    """The plans tried in turn (``plan`` keyword arguments), least folded first.

    ``fold=False``: nothing folded (composites and loop bodies open, no
    repeat folded); ``True``: everything folded; ``"auto"``: open first, then
    repeats folded, then composites and loop bodies closed and wide fan-in
    bundled (``layout.plan``) — the first plan that fits the size budget is
    drawn."""
    if fold not in (True, False, "auto"):
        raise ValueError(f"fold must be 'auto', True or False, got {fold!r}")
    closed = dict(max_nodes=max_nodes, fold_repeats=True, open_composites=False, open_scans=False, bundle=True)
    if fold is True:
        return [closed]
    if fold is False:
        return [dict(max_nodes=max_nodes)]
    return [dict(max_nodes=max_nodes), dict(max_nodes=max_nodes, fold_repeats=True), closed]


def fitted(build: Callable, fold: Union[bool, str], max_nodes: Optional[int], fit: bool,
           rankdir: Optional[str] = None, directions: tuple = ("LR", "TB")) -> Any:
    """Draw with the first of :func:`fold_plans` whose picture fits the budget.

    ``build(plan_options, rankdir)`` returns ``(dot, predicted size, layouts)``.
    With ``fit`` (static pictures) each candidate is laid out by ``dot`` to
    measure it (when the direction is free, the other ``directions`` are
    tried too, in order, until one fits),
    and with ``fold`` not False a picture that still does not fit collapses
    more ops (``max_nodes`` halved, down to 4).  Without ``fit`` (a widget,
    which pans and zooms) the plans are judged by the prediction alone and
    nothing more is collapsed."""
    plans = fold_plans(fold, max_nodes)
    if fold is False:
        return build(plans[0], rankdir)[0]
    best: Optional[tuple] = None
    previous: Optional[list] = None

    def attempt(options: dict) -> bool:
        nonlocal best, previous
        dot, size, previous = build(options, rankdir)
        small = (sum(len(layout.nodes) for layout in previous) <= MEASURE_AT_MOST
                 and len(dot.body) <= MEASURE_STATEMENTS_AT_MOST)
        measured = measured_size(dot) if fit and small else None
        candidates = [(measured or size, dot)]
        if measured is not None and rankdir is None:
            for direction in directions:
                if candidates[-1][0].fits:
                    break
                if direction != dot.graph_attr["rankdir"]:
                    other, predicted, _ = build(options, direction)
                    candidates.append((measured_size(other) or predicted, other))
        size, dot = max(candidates, key=lambda c: c[0].score)
        if best is None or size.score > best[0].score + 1e-9:
            best = (size, dot)
        return size.fits

    for options in plans:
        if previous is not None and not _plan_changes(options, previous):
            continue
        if attempt(options):
            return best[1]
    if fit:
        limit = min(max_nodes or 10 ** 9, max(layout.total for layout in previous)) // 2
        while limit >= 4:
            if attempt(dict(plans[-1], max_nodes=limit)):
                return best[1]
            limit //= 2
    return best[1]


def measured_size(dot: Any) -> Optional[budget.Size]:
    """The natural size of ``dot``'s drawing (points), from a ``dot`` run
    (``-Tplain``); None when ``dot`` cannot run (missing, failed, out of
    time): the caller falls back to the prediction, and drawing the picture
    reports the problem."""
    try:
        head = dot.pipe(format="plain", encoding="utf-8").split("\n", 1)[0].split()
    except Exception:  # noqa: BLE001 - measuring is optional; rendering reports what is wrong
        return None
    return budget.Size(float(head[2]) * 72, float(head[3]) * 72)     # unscaled, in inches (head[1]: the scale)


def _plan_changes(options: dict, layouts: list) -> bool:
    """Would ``options`` draw something other than ``layouts`` did?"""
    if options.get("fold_repeats"):
        if any(not layout.repeats and find_repeats(layout.nodes) for layout in layouts):
            return True
    if options.get("bundle") and not all(layout.bundle for layout in layouts):
        return True
    closes = not options.get("open_composites", True)
    return closes and any(program_of(n.op) is not None or is_scan(n.op) for layout in layouts for n in layout.nodes)
