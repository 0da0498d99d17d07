"""A 100,000-node chain builds, differentiates, compiles, runs and prints at
Python's default recursion limit (every traversal is iterative)."""
import sys

import numpy as np

import gradlab
import gradlab.tensor as gt
from gradlab import dprint, pp

N = 100_000


def test_long_chain_at_default_recursion_limit():
    assert sys.getrecursionlimit() <= 3000
    x = gt.dscalar("x")
    y = x
    for _ in range(N // 2):        # two nodes per step
        y = y * 1.0 + 0.5
    f = gradlab.function([x], y, mode="NO_REWRITE")
    assert f(1.0) == 1.0 + 0.5 * (N // 2)
    g = gt.grad(y, x)
    fg = gradlab.function([x], g, mode="NO_REWRITE")
    assert fg(2.0) == 1.0
    assert len(pp(y, max_chars=None)) > N     # all of it, asked for: no recursion
    assert len(pp(y)) < 10_200                   # by default bounded (issue 21), saying how to get more
    assert dprint(y, file="str").count("\n") > N
