"""Shared variables: values that live between calls of compiled functions.

A shared variable is an implicit input of every function that uses it; its
value sits in a one-element storage cell that ``updates`` replace after a
call has computed every output (all or nothing).
"""
from __future__ import annotations

import threading
from typing import Any, Optional, Sequence

import numpy as np

from gradlab.tensor.type import TensorType
from gradlab.tensor.variable import TensorVariable


class SharedVariable(TensorVariable):
    """A tensor variable with a value that persists (``get_value``/``set_value``)."""

    def __init__(self, type: TensorType, value: np.ndarray, name: Optional[str] = None):
        super().__init__(type, None, None, name)
        self.storage: list = [type.filter(value)]

    def get_value(self, borrow: bool = False) -> np.ndarray:
        """The current value (a copy unless ``borrow``)."""
        value = self.storage[0]
        return value if borrow else value.copy()

    def set_value(self, value: Any, borrow: bool = False) -> None:
        """Replace the value; it must fit the variable's type (dtype, ndim, static shape)."""
        try:
            new = self.type.filter(value)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"set_value of shared variable {self.name or '<unnamed>'}: {exc}") from None
        if not borrow and new is value:
            new = new.copy()
        with lock_of(self):  # not in the middle of a call that updates this variable
            self.storage[0] = new

    @property
    def value(self) -> np.ndarray:
        return self.get_value()

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_lock", None)  # a lock is of this process (made again on first use)
        return state

    def clone(self, name: Optional[str] = None) -> "SharedVariable":
        # the storage is what makes a shared variable itself: clones share it
        cp = type(self).__new__(type(self))
        TensorVariable.__init__(cp, self.type, None, None, self.name if name is None else name)
        cp.storage = self.storage
        cp.tag = dict(self.tag)
        cp.tag["shared_original"] = self.tag.get("shared_original", self)
        return cp


def shared(value: Any, name: Optional[str] = None, borrow: bool = False,
           shape: Optional[Sequence[Optional[int]]] = None, dtype: Any = None) -> SharedVariable:
    """A shared variable holding ``value`` (copied unless ``borrow``); a
    ``numpy.random.Generator`` gives a random generator variable.

    Its static shape leaves every length unknown (so later values may change
    size) unless ``shape`` says otherwise.
    """
    if isinstance(value, np.random.Generator):  # a random generator variable (see tensor/random/shared.py)
        from gradlab.tensor.random.shared import shared_generator
        return shared_generator(value, name=name, borrow=borrow)
    if isinstance(value, (str, bytes)) or value is None:
        raise TypeError(f"shared() needs a number or an array, got {type(value).__name__}")
    arr = np.array(value, copy=not borrow) if not isinstance(value, np.ndarray) or not borrow else value
    if dtype is not None:
        arr = arr.astype(dtype)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"shared() needs numeric values, got dtype {arr.dtype}")
    static = tuple(shape) if shape is not None else (None,) * arr.ndim
    return SharedVariable(TensorType(arr.dtype, static), arr, name=name)


def lock_of(var: SharedVariable) -> Any:
    """The lock that a call updating ``var`` holds (one per storage cell: clones share it).

    Made on first use; ``dict.setdefault`` is atomic, so two threads asking at
    once get the same lock."""
    original = var.tag.get("shared_original", var)   # a clone's storage is its original's
    return original.__dict__.setdefault("_lock", threading.RLock())
