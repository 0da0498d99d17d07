"""``gradlab.compile.mode``: PyTensor's module path for compilation modes.

    >>> from gradlab.compile.mode import Mode, get_default_mode
    >>> get_default_mode().name                     # gradlab.config.mode
    'FAST_RUN'
    >>> Mode(linker="cvm", optimizer="fast_compile").sets
    ('merge', 'constant_folding')

The modes themselves live in :mod:`gradlab.compile.modes`.
"""
from __future__ import annotations

from gradlab.compile.modes import LINKERS, MODE_SETS, OPTIMIZERS, Mode, get_mode

__all__ = ["Mode", "get_mode", "get_default_mode", "FAST_RUN", "FAST_COMPILE", "NO_REWRITE", "LINKERS",
           "OPTIMIZERS", "MODE_SETS"]


def get_default_mode() -> Mode:
    """The mode ``gradlab.function`` uses when given none (``gradlab.config.mode``);
    e.g. ``gradlab.function([x], y, mode=get_default_mode().excluding("fusion"))``."""
    return get_mode(None)


FAST_RUN = Mode("FAST_RUN")
FAST_COMPILE = Mode("FAST_COMPILE")
NO_REWRITE = Mode("NO_REWRITE")
