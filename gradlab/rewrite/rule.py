"""Named rules and rule sets.

A :class:`Rule` has a ``name``, a one-line ``doc``, a ``pattern_text``
(``"x * 1 -> x"``) and the ops it ``tracks`` (Op classes, or scalar ops of
the elementwise table: ``tracks=(Reshape,)``, ``tracks=(scalar("mul"),)``),
so the driver only tries it on nodes it could match; a misspelt op fails
when the rule is made, not by never matching.  Its ``transform(fgraph, node)`` returns ``None`` (no
change) or the replacements: a list with one new variable (or None) per
output of ``node``, or a dict ``{old_variable: new_variable}``.

Rules come two ways: :class:`PatternRule` from a pattern alone
(``PatternRule("log_exp", "log(exp(x)) -> x", "log undoes exp")``), or
:func:`node_rule` around a function with declared tracks.  A
:class:`RuleSet` is an explicit, ordered list of rules; each module builds
its own list (no registration by import side effect).
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Optional, Sequence, Union

from gradlab.graph.op import Op
from gradlab.rewrite.match import cast_to, fit_to
from gradlab.rewrite.pattern import build, match, parse_pattern, root_op
from gradlab.rewrite.rule_text import check_rule_text
from gradlab.tensor.scalar_ops import TABLE, ScalarOp

#: What a rule tracks: an Op class (``Reshape``: nodes of that op or a
#: subclass), a ScalarOp class (``Cast``: elementwise nodes whose scalar op is
#: one), or one scalar op of the table (``scalar("mul")``).  None = every node.
Track = Union[type, ScalarOp]


def scalar(name: str) -> ScalarOp:
    """The scalar op ``name`` of the elementwise table, for ``tracks``."""
    try:
        return TABLE[name]
    except KeyError:
        raise KeyError(f"there is no scalar op {name!r}; the table has {', '.join(sorted(TABLE))}") from None


def checked_tracks(rule_name: str, tracks: Optional[Sequence[Track]]) -> Optional[tuple]:
    """``tracks`` as a tuple, after checking each is an op class or a scalar op."""
    if tracks is None:
        return None
    for track in tracks:
        if isinstance(track, ScalarOp) or (isinstance(track, type) and issubclass(track, (Op, ScalarOp))):
            continue
        raise TypeError(f"rule {rule_name} tracks {track!r} ({type(track).__name__}); expected an Op class "
                        f"(tracks=(Reshape,)) or a scalar op of the table (tracks=(scalar('mul'),))")
    return tuple(tracks)


class Rule:
    """A named, documented rewrite ``lhs -> rhs`` applied to one node at a time."""

    def __init__(self, name: str, doc: str, pattern_text: str, tracks: Optional[Sequence[Track]],
                 transform: Callable[[Any, Any], Any]):
        self.name = name
        self.doc = doc
        self.pattern_text = pattern_text
        self.tracks = checked_tracks(name, tracks)
        self._transform = transform

    def transform(self, fgraph: Any, node: Any) -> Any:
        """The replacements for ``node`` (see the module doc), or None."""
        return self._transform(fgraph, node)

    def __repr__(self) -> str:
        return f"<Rule {self.name}: {self.pattern_text}>"

    def describe(self) -> str:
        """``name: lhs -> rhs  (doc)`` on one line."""
        return f"{self.name}: {self.pattern_text}" + (f"  ({self.doc})" if self.doc else "")


def node_rule(pattern: str, tracks: Optional[Sequence[Track]], name: Optional[str] = None
              ) -> Callable[[Callable], Rule]:
    """Decorator: a function ``fn(fgraph, node)`` becomes a :class:`Rule`.

    The rule's name is the function's name, its doc the docstring's first line.
    Each clause of ``pattern`` must start from an op the rule tracks
    (:func:`gradlab.rewrite.rule_text.check_rule_text`).
    """
    def wrap(fn: Callable) -> Rule:
        doc = (fn.__doc__ or "").strip().splitlines()
        rule = Rule(name or fn.__name__, doc[0].strip() if doc else "", pattern, tracks, fn)
        check_rule_text(rule.name, pattern, rule.tracks)
        return rule
    return wrap


class PatternRule(Rule):
    """A rule given by its pattern text alone (see :mod:`gradlab.rewrite.pattern`).

    ``when(bindings, node)`` may veto a match (e.g. "only for floats").  The
    right-hand side is built, then fitted to the replaced variable's type
    (a cast, or a fill from the matched node's inputs to keep its shape).
    With ``operands_in_output_dtype`` the bound variables are cast to the
    output's dtype first, so that the right side computes in the dtype the
    left side's first float op computed in (``1 - sigmoid(u)`` for an integer
    ``u`` becomes ``sigmoid(-float(u))``, never a wrapped-around integer ``-u``);
    use it only where every variable on the left sits directly under an op
    that turns it into the output's dtype.
    """

    def __init__(self, name: str, pattern_text: str, doc: str,
                 when: Optional[Callable[[dict, Any], bool]] = None, operands_in_output_dtype: bool = False):
        self.lhs, self.rhs = parse_pattern(pattern_text)
        op = root_op(self.lhs)
        if op is None:
            raise ValueError(f"rule {name}: the left side of {pattern_text!r} must be an operation")
        self.when = when
        self.operands_in_output_dtype = operands_in_output_dtype
        super().__init__(name, doc, pattern_text, (scalar(op),), self._apply)

    def _apply(self, fgraph: Any, node: Any) -> Any:
        out = node.outputs[0]
        bindings = match(self.lhs, out)
        if bindings is None:
            return None
        if self.when is not None and not self.when(bindings, node):
            return None
        if self.operands_in_output_dtype:
            bindings = {k: cast_to(v, out.dtype) for k, v in bindings.items()}
        new = build(self.rhs, bindings, out.dtype)
        if new is out:
            return None
        fitted = fit_to(new, out, list(node.inputs) + list(bindings.values()))
        if fitted is None:
            return None
        return [fitted]


class RuleSet:
    """An ordered, named list of rules (``CANONICALIZE = RuleSet("canonicalize", [...])``)."""

    def __init__(self, name: str, rules: Iterable[Rule], doc: str = "", consumers_first: bool = False):
        self.name = name
        self.rules = list(rules)
        self.doc = doc
        #: visit nodes from the outputs towards the inputs (fusion grows regions from their root)
        self.consumers_first = consumers_first
        seen = set()
        for rule in self.rules:
            if rule.name in seen:
                raise ValueError(f"rule set {name}: two rules are named {rule.name!r}")
            seen.add(rule.name)

    def __iter__(self):
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __getitem__(self, name: str) -> Rule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise KeyError(f"rule set {self.name} has no rule {name!r}; it has {[r.name for r in self.rules]}")

    def __repr__(self) -> str:
        return f"RuleSet({self.name!r}, {len(self.rules)} rules)"

    def describe(self) -> str:
        """One line per rule."""
        return "\n".join([f"{self.name}:"] + ["  " + r.describe() for r in self.rules])
