"""The errors scan raises.

Build-time mistakes (what ``fn`` returns, how ``outputs_info`` and the
sequences fit together) are :class:`ScanBuildError` (a ``ValueError``) or a
``TypeError`` when a dtype or a number of dimensions is wrong.  Call-time
mistakes that only the values reveal (a sequence that is too short, a state
whose shape changes between steps) are :class:`ScanRuntimeError`, which the
compiled function lets through unchanged.  Every message names the sequence
or output concerned and says what to do.
"""
from __future__ import annotations

from gradlab.codegen.errors import NodeError


class ScanBuildError(ValueError):
    """``scan`` was called with arguments that cannot describe a loop."""


class ScanRuntimeError(NodeError):
    """A compiled scan met values it cannot loop over (raised at call time)."""
