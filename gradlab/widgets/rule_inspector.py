"""``RuleInspector``: pick a rewrite rule, see where it fired and where it nearly did.

The picture is the graph before rewriting with every node the rule tracks
outlined by what happened to it (:func:`gradlab.explain.why_not`): fired
(blue, dashed), a near miss or a refusal (red), rewritten first by another
rule or dropped (red, dotted); below it, one line per node with the reason.
"""
from __future__ import annotations

import html
from typing import Any, Optional, Sequence

import ipywidgets as widgets

from gradlab.compile.rule_sets import RULE_SETS
from gradlab.explain import why_not
from gradlab.graph.basic import Variable
from gradlab.viz.graph_picture import MAX_NODES
from gradlab.widgets.base import PictureWorkbench
from gradlab.widgets.render import LRUCache, guarded, svg_text
from gradlab.widgets.rewrite_stepper import resolve_trace

#: how many verdict lines the list shows (the rest are counted)
SHOWN_VERDICTS = 40


def rule_choices(function: Any) -> list:
    """The rules of the function's mode, the ones that fired first, each once."""
    sets = RULE_SETS
    fired = list(dict.fromkeys(step.rule for step in function.maker.trace.steps)) if function.maker.trace else []
    names = list(fired)
    for set_name in function.maker.mode.sets:
        for rule in sets[set_name].rules:
            if rule.name not in names:
                names.append(rule.name)
    return names


class RuleInspector(PictureWorkbench):
    """Inspect one rule of the rewrite of ``function_or_outputs``.

    Controls: ``rule_dropdown`` (the mode's rules, those that fired first).
    State: ``rule_name`` (settable), ``report`` (the :class:`gradlab.explain.WhyNot`),
    ``fired``, ``near_misses`` (verdict lists), ``lines`` (the reasons shown),
    ``svg``, ``error_message``.
    """

    def __init__(self, function_or_outputs: Any, rule: Optional[str] = None, *,
                 inputs: Optional[Sequence[Variable]] = None, mode: Any = "FAST_RUN",
                 max_nodes: Optional[int] = MAX_NODES, rankdir: Optional[str] = None):
        _, self.function = resolve_trace(function_or_outputs, inputs, mode)
        self.max_nodes = max_nodes
        self.rankdir = rankdir
        self.report: Any = None
        self._reports = LRUCache(16)
        choices = rule_choices(self.function)
        if rule is not None and rule not in choices:
            raise ValueError(f"RuleInspector: {rule!r} is not a rule of mode {self.function.maker.mode.name}; "
                             f"the rules are {', '.join(choices)}")
        self.rule_dropdown = widgets.Dropdown(options=choices, value=rule or choices[0], description="rule")
        self.rule_dropdown.add_class("gradlab-rule-choice")
        self.summary = widgets.HTML(value="")
        self.summary.add_class("gradlab-rule")
        self.verdict_box = widgets.HTML(value="")
        self.verdict_box.add_class("gradlab-verdicts")
        message, picture = self.error_line(), self.picture_area("gradlab-rule-inspector-graph")
        self.assemble([self.rule_dropdown, self.summary, message, picture, self.verdict_box],
                      "gradlab-rule-inspector", watch=[self.rule_dropdown])

    @property
    def rule_name(self) -> str:
        return self.rule_dropdown.value

    @rule_name.setter
    def rule_name(self, name: str) -> None:
        if name not in self.rule_dropdown.options:
            raise ValueError(f"{name!r} is not a rule of this mode; choose one of {list(self.rule_dropdown.options)}")
        self.rule_dropdown.value = name

    @property
    def fired(self) -> list:
        return self.report.fired if self.report is not None else []

    @property
    def near_misses(self) -> list:
        return self.report.near_misses if self.report is not None else []

    @property
    def lines(self) -> list:
        return [str(v) for v in self.report.verdicts] if self.report is not None else []

    @guarded
    def refresh(self) -> None:
        """Explain the chosen rule and draw its verdicts."""
        from gradlab import viz
        name = self.rule_name
        found = self._reports.get(name)
        if found is None:
            report = why_not(self.function, name)
            before, marks = report.graph_before()
            dot = viz.graph(before, highlight=marks, rankdir=self.rankdir, max_nodes=self.max_nodes, fit=False,
                            title=f"{name}: {len(report.fired)} fired, {len(report.near_misses)} near misses")
            found = (report, svg_text(dot))
            self._reports.put(name, found)
        self.report, svg = found
        rule = self.report.rule
        self.summary.value = (f"<b>{html.escape(rule.name)}</b> <small>[{html.escape(self.report.rule_set)}]</small> "
                              f"<code>{html.escape(rule.pattern_text)}</code> — {len(self.fired)} fired, "
                              f"{len(self.near_misses)} near misses, of {len(self.report.verdicts)} nodes it tracks")
        shown = self.lines[:SHOWN_VERDICTS]
        rest = len(self.lines) - len(shown)
        items = "".join(f"<li>{html.escape(line)}</li>" for line in shown)
        self.verdict_box.value = f"<ul>{items}</ul>" + (f"<small>and {rest} more</small>" if rest > 0 else "")
        self.show_picture(svg)
