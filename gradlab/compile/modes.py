"""Compilation modes: which rewrite sets run before linking."""
from __future__ import annotations

from typing import Iterable, Optional, Union

#: rewrite sets of each named mode, in the order they run
MODE_SETS: dict = {
    "FAST_RUN": ("merge", "constant_folding", "canonicalize", "stabilize", "specialize", "fusion", "inplace"),
    "FAST_COMPILE": ("merge", "constant_folding"),
    "NO_REWRITE": (),
}


class Mode:
    """A named choice of rewrite sets (``Mode("FAST_RUN").excluding("fusion")``)."""

    def __init__(self, name: str = "FAST_RUN", sets: Optional[Iterable[str]] = None):
        if sets is None:
            if name not in MODE_SETS:
                raise ValueError(f"unknown mode {name!r}; use one of {', '.join(MODE_SETS)} or a Mode")
            sets = MODE_SETS[name]
        self.name = name
        self.sets = tuple(sets)

    def including(self, *sets: str) -> "Mode":
        return Mode(self.name, self.sets + tuple(s for s in sets if s not in self.sets))

    def excluding(self, *sets: str) -> "Mode":
        return Mode(self.name, tuple(s for s in self.sets if s not in sets))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mode) and self.sets == other.sets

    def __hash__(self) -> int:
        return hash(self.sets)

    def __repr__(self) -> str:
        return f"Mode({self.name!r}, sets={self.sets})"


def get_mode(mode: Union[None, str, Mode]) -> Mode:
    """The Mode for a name, a Mode, or None (the configured default)."""
    if isinstance(mode, Mode):
        return mode
    if mode is None:
        from gradlab.configuration import config
        mode = config.mode
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a name ({', '.join(MODE_SETS)}) or a Mode, got {type(mode).__name__}")
    return Mode(mode)
