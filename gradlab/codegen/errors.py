"""Errors raised when compiling or calling a function."""
from __future__ import annotations

from typing import Any, Optional


class NodeError(ValueError):
    """A node of a compiled function failed at call time (``.node`` says which)."""

    def __init__(self, message: str, node: Any = None, original: Optional[BaseException] = None):
        super().__init__(message)
        self.node = node
        self.original = original


class UnusedInputError(ValueError):
    """An input does not influence any output or update."""


class InputError(TypeError):
    """A value handed to a compiled function does not fit its input."""


class RuntimeBroadcastError(NodeError):
    """An axis not declared broadcastable had length 1 at run time against a longer one
    (refused in every mode, as PyTensor does: see ``tensor/elemwise.py: broadcast_checks``)."""
