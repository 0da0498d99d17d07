"""Constant folding: a node whose inputs are all constants is computed now.

The result becomes a (non-weak) TensorConstant, so static dtypes stay what
they were.  Not folded: results with more than ``MAX_FOLD_SIZE`` entries
(a huge constant costs more than the computation), ops that say
``fold_constants = False``, in-place ops, and fills/allocs whose job is to
make a big array from a scalar (folding them would store the big array).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradlab.graph.basic import Constant
from gradlab.rewrite.match import scalar_name
from gradlab.rewrite.rule import Rule, RuleSet
from gradlab.tensor.alloc_ops import Alloc
from gradlab.tensor.type import TensorType

MAX_FOLD_SIZE = 100_000


def can_fold(node: Any) -> bool:
    """May ``node`` be computed at rewrite time?"""
    op = node.op
    if getattr(op, "fold_constants", True) is False:
        return False
    if getattr(op, "destroy_map", None):
        return False
    if not all(isinstance(v, Constant) for v in node.inputs):
        return False
    for out in node.outputs:
        shape = getattr(out.type, "shape", None)
        if shape is not None and None not in shape and math.prod(shape) > MAX_FOLD_SIZE:
            return False
    return True


def _constant_folding(fgraph: Any, node: Any) -> Any:
    """Nodes whose inputs are all constants are computed at rewrite time."""
    if not node.inputs or not can_fold(node):
        return None
    if scalar_name(node) == "second" or isinstance(node.op, Alloc):
        # fill(c1, c2) keeps only c2's values; folding would store the broadcast copy
        if any(np.asarray(v.data).size > 1 for v in node.inputs) and \
                np.asarray(node.inputs[-1].data).size == 1:
            return None
    storage = [[None] for _ in node.outputs]
    try:
        with np.errstate(all="ignore"):
            node.op.perform(node, [v.data for v in node.inputs], storage)
    except Exception:  # an op that cannot run on these constants is left for run time
        return None
    new = []
    for out, cell in zip(node.outputs, storage):
        value = cell[0]
        if value is None:
            return None
        value = np.asarray(value)
        if value.size > MAX_FOLD_SIZE or not isinstance(out.type, TensorType) or value.ndim != out.type.ndim:
            return None
        const = TensorType(out.type.dtype, value.shape).make_constant(value.astype(out.type.dtype, copy=False))
        new.append(const)
    return new


constant_folding = Rule("constant_folding", "operations on constants are computed at rewrite time",
                        "op(c1, c2) -> c", None, _constant_folding)

CONSTANT_FOLDING = RuleSet("constant_folding", [constant_folding], doc="compute what is known")
