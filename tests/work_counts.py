"""Count the work a piece of gradlab does, not its seconds.

``count_work(fn)`` runs ``fn()`` under a profile hook and returns a
:class:`Work`: how many times each gradlab function was called, grouped into
the counts the scaling tests compare at ``n`` and ``2n`` — every gradlab call,
rule attempts (``Rule.transform``), matcher visits (the functions of
``rewrite/match.py`` and ``rewrite/pattern.py``) and nodes created
(``Apply.__init__``).  Counts are exact and do not depend on the machine's
load, so a test can say "doubling the graph at most doubles the work".
With ``lines=True`` the lines of gradlab code executed are counted too (a
loop inside one call, e.g. rejoining n labels for each of n edges, shows
there), at about twice the cost of counting calls.
"""
from __future__ import annotations

import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import gradlab

_ROOT = os.path.dirname(gradlab.__file__) + os.sep
_MATCHERS = (os.path.join("rewrite", "match.py"), os.path.join("rewrite", "pattern.py"))


@dataclass
class Work:
    """Calls per gradlab function (``"path:name"``) and the grouped counts."""

    calls: Counter = field(default_factory=Counter)
    result: Any = None
    lines: int = 0

    def total(self) -> int:
        return sum(self.calls.values())

    def rule_attempts(self) -> int:
        return sum(c for k, c in self.calls.items() if k.endswith("rewrite/rule.py:transform"))

    def matcher_visits(self) -> int:
        return sum(c for k, c in self.calls.items() if k.split(":")[0].endswith(_MATCHERS))

    def nodes_created(self) -> int:
        return sum(c for k, c in self.calls.items() if k.endswith("graph/basic.py:__init__@Apply"))

    def groups(self) -> dict:
        found = {"gradlab calls": self.total(), "rule attempts": self.rule_attempts(),
                 "matcher visits": self.matcher_visits(), "nodes created": self.nodes_created()}
        if self.lines:
            found["gradlab lines"] = self.lines
        return found


def count_work(fn: Callable[[], Any], lines: bool = False) -> Work:
    """Run ``fn()`` counting every call of a function defined in gradlab
    (and, with ``lines``, every line of gradlab code executed)."""
    work = Work()
    calls = work.calls
    names: dict = {}
    executed = [0]

    def line_hook(frame: Any, event: str, arg: Any) -> Any:
        if event == "line":
            executed[0] += 1
        return line_hook

    def trace_hook(frame: Any, event: str, arg: Any) -> Any:
        hook(frame, event, arg)
        return line_hook if names.get(frame.f_code) else None

    def hook(frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        code = frame.f_code
        key = names.get(code)
        if key is None:
            path = code.co_filename
            if not path.startswith(_ROOT):
                key = names[code] = ""
            else:
                key = path[len(_ROOT):].replace(os.sep, "/") + ":" + code.co_name
                if code.co_name == "__init__" and "self" in frame.f_locals:
                    key += "@" + type(frame.f_locals["self"]).__name__
                names[code] = key
        if key:
            calls[key] += 1

    install, current = (sys.settrace, sys.gettrace) if lines else (sys.setprofile, sys.getprofile)
    old = current()
    install(trace_hook if lines else hook)
    try:
        work.result = fn()
    finally:
        install(old)
    work.lines = executed[0]
    return work


def growth(small: Work, large: Work) -> dict:
    """Each grouped count's ratio large / small (1.0 when both are 0)."""
    a, b = small.groups(), large.groups()
    return {k: (b[k] / a[k] if a[k] else (1.0 if not b[k] else float("inf"))) for k in a}


def worst_functions(small: Work, large: Work, top: int = 5) -> list:
    """The functions whose calls grew most (for a failing test's message)."""
    rows = []
    for key, c in large.calls.items():
        s = small.calls.get(key, 0)
        if c > 50:
            rows.append((c / max(s, 1), key, s, c))
    rows.sort(reverse=True)
    return rows[:top]
