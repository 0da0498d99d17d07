"""Compilation modes: which rewrite sets run before linking (the sets of each
named mode are ``MODE_SETS``, assembled in :mod:`gradlab.compile.rule_sets`)."""
from __future__ import annotations

from typing import Iterable, Optional, Union

from gradlab.compile.rule_sets import MODE_SETS
from gradlab.configuration import config

#: PyTensor's linkers: gradlab has one (the generated Python function), which stands for all of them
LINKERS = ("py", "c", "c|py", "c|py_nogc", "cvm", "cvm_nogc", "vm", "vm_nogc", "numba", "jax", "pytorch")

#: PyTensor's optimizer names, as gradlab modes (None: no rewriting)
OPTIMIZERS: dict = {
    None: "NO_REWRITE", "None": "NO_REWRITE", "fast_run": "FAST_RUN", "fast_compile": "FAST_COMPILE",
    "merge": ("merge",), "canonicalize": ("merge", "constant_folding", "canonicalize"),
    "stabilize": ("merge", "constant_folding", "canonicalize", "stabilize"),
}

_UNSET = object()


class Mode:
    """A named choice of rewrite sets (``Mode("FAST_RUN").excluding("fusion")``).

    PyTensor's spelling works too: ``Mode(linker="cvm", optimizer="fast_run")``.
    Every linker (``"py"``, ``"c"``, ``"cvm"``, ``"vm"``, ``None`` …) is
    gradlab's one linker; the optimizer picks the rewrite sets: ``"fast_run"``,
    ``"fast_compile"``, ``None`` (none), ``"default"`` (the configured mode),
    ``"merge"``, ``"canonicalize"``, ``"stabilize"`` (the sets up to it).

        >>> Mode(linker="py", optimizer=None).sets
        ()
    """

    def __init__(self, name: str = "FAST_RUN", sets: Optional[Iterable[str]] = None, *,
                 linker: Optional[str] = None, optimizer: object = _UNSET):
        if isinstance(name, str) and name.lower() in LINKERS and sets is None:  # Mode("py", ...): PyTensor's order
            linker, name = name.lower(), "FAST_RUN"
        if linker is not None and (not isinstance(linker, str) or linker.lower() not in LINKERS):
            raise ValueError(f"unknown linker {linker!r}; gradlab has one linker and accepts PyTensor's names "
                             f"for it: {', '.join(LINKERS)} (or None)")
        self.linker = linker
        if optimizer is not _UNSET:
            name, sets = _from_optimizer(optimizer)
        if sets is None:
            if name not in MODE_SETS:
                raise ValueError(f"unknown mode {name!r}; use one of {', '.join(MODE_SETS)} or a Mode")
            sets = MODE_SETS[name]
        self.name = name
        self.sets = tuple(sets)
        self.optimizer = optimizer if optimizer is not _UNSET else name

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


def _from_optimizer(optimizer: object) -> tuple:
    """``(name, sets)`` for one of PyTensor's optimizer names."""
    key = optimizer.lower() if isinstance(optimizer, str) and optimizer != "None" else optimizer
    if key == "default":
        return config.mode, None
    found = OPTIMIZERS.get(key) if isinstance(key, (str, type(None))) else None
    if found is None:
        names = ", ".join(repr(k) for k in OPTIMIZERS if k != "None")
        raise ValueError(f"unknown optimizer {optimizer!r}; use one of {names}, 'default' or a Mode")
    return (found, None) if isinstance(found, str) else (str(optimizer), found)


def get_mode(mode: Union[None, str, Mode]) -> Mode:
    """The Mode for a name, a Mode, or None (the configured default)."""
    if isinstance(mode, Mode):
        return mode
    if mode is None:
        mode = config.mode  # a name, or a Mode (config.change_flags(mode=Mode("cvm", optimizer=None)))
        if isinstance(mode, Mode):
            return mode
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a name ({', '.join(MODE_SETS)}) or a Mode, got {type(mode).__name__}")
    if mode not in MODE_SETS and mode.lower() in OPTIMIZERS:  # "fast_run" as PyTensor writes it
        return Mode(optimizer=mode)
    return Mode(mode)
