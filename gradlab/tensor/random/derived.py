"""Generators derived from a generator, for loops: a scan step that draws
random numbers reads ``step_generator(rng, t)`` — a generator determined by
``rng``'s state and the step index — and after the loop ``rng`` moves on to
``advance_generator(rng)``.

Both are pure functions of their inputs, so the backward pass of a scan,
which recomputes a step, recomputes the same draws, and two runs from the
same seed agree.  Neither changes its input generator.
"""
from __future__ import annotations

import copy
from typing import Any, Sequence

import numpy as np

from gradlab.graph.basic import Apply, Variable
from gradlab.graph.gradient_types import disconnected_type
from gradlab.graph.op import Op
from gradlab.tensor.random.type import random_generator_type

__all__ = ["StepGenerator", "AdvanceGenerator", "step_generator", "advance_generator"]


def _entropy(rng: np.random.Generator) -> int:
    """A number fixed by ``rng``'s state (drawn from a copy: ``rng`` is left as it is)."""
    return int(copy.deepcopy(rng).integers(2 ** 63))


def _check_generator(op: Op, rng: Variable) -> None:
    if not isinstance(rng, Variable) or rng.type != random_generator_type:
        raise TypeError(f"{op}: needs a random generator variable, got {rng!r}")


class StepGenerator(Op):
    """``(rng, t) -> generator``: the generator of step ``t`` of a loop reading ``rng``."""

    fold_constants = False

    def make_node(self, rng: Variable, t: Any) -> Apply:
        from gradlab.tensor.variable import as_tensor_variable
        _check_generator(self, rng)
        t = as_tensor_variable(t)
        if t.ndim != 0 or np.dtype(t.dtype).kind not in "iu":
            raise TypeError(f"{self}: the step index must be an integer scalar, got {t.type}")
        return Apply(self, [rng, t], [random_generator_type.make_variable()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        rng, t = inputs
        output_storage[0][0] = np.random.default_rng([_entropy(rng), int(t)])

    def connection_pattern(self, node: Apply) -> list:
        return [[True], [False]]

    def grad(self, inputs, output_grads):
        return [disconnected_type(), disconnected_type()]


class AdvanceGenerator(Op):
    """``rng -> generator``: ``rng`` after a loop that drew from its step generators."""

    fold_constants = False

    def make_node(self, rng: Variable) -> Apply:
        _check_generator(self, rng)
        return Apply(self, [rng], [random_generator_type.make_variable()])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        rng = copy.deepcopy(inputs[0])
        rng.integers(2 ** 63)  # one draw: the next call of the loop sees a new state
        output_storage[0][0] = rng

    def grad(self, inputs, output_grads):
        return [disconnected_type()]


def step_generator(rng: Variable, t: Any) -> Variable:
    """The generator of step ``t`` of a loop drawing from ``rng``."""
    return StepGenerator()(rng, t)


def advance_generator(rng: Variable) -> Variable:
    """``rng`` moved on after a loop that drew from it."""
    return AdvanceGenerator()(rng)
