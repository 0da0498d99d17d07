"""The scalar table is the one owner of each elementwise op's facts: the
rewrites' commutativity, the fused loops' ufuncs and the scalar scan loop's
templates all follow its rows."""
from __future__ import annotations

import math

import numpy as np

from gradlab.rewrite.pattern import COMMUTATIVE
from gradlab.scan.scalar_loop import TEMPLATES
from gradlab.tensor.scalar_ops import TABLE

# rows the Python-float scan loop has no template for (a loop using one runs the numpy loop)
NOT_TEMPLATED = {"pow"}  # a ** b of Python floats raises or goes complex where numpy gives nan

_A = np.array([0.0, 1.0, 2.0, -3.0, 0.5, 7.0])
_B = np.array([1.0, 1.0, -2.0, 4.0, 0.25, 3.0])


def test_commutative_rows_are_the_patterns_commutative_ops():
    assert COMMUTATIVE == {"add", "mul", "maximum", "minimum", "eq", "neq", "and_", "or_", "xor"}
    for name in COMMUTATIVE:
        impl = TABLE[name].impl
        a, b = (_A.astype("int64"), _B.astype("int64")) if TABLE[name].kind == "logic" else (_A, _B)
        np.testing.assert_array_equal(impl(a, b), impl(b, a), err_msg=name)


def test_two_input_rows_not_marked_commutative_are_not():
    for name, row in TABLE.items():
        if row.nin == 2 and name not in COMMUTATIVE and row.kind not in ("shape",):
            with np.errstate(all="ignore"):
                assert not np.array_equal(row.impl(_A, _B), row.impl(_B, _A), equal_nan=True), name


def test_the_ufunc_column_computes_the_row():
    for name, row in TABLE.items():
        if row.ufunc is None or row.nin != 1:
            continue
        x = np.abs(_A) + 0.5 if row.kind == "math" else _A
        if row.kind == "logic":
            x = _A.astype("int64")
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(row.ufunc(x), row.impl(x), err_msg=name)
    assert TABLE["round"].ufunc is np.rint and TABLE["round"].ufunc(np.array([0.5, 1.5]))[0] == 0.0


def test_every_row_has_a_scalar_loop_template_or_is_listed():
    missing = set(TABLE) - set(TEMPLATES)
    assert missing == NOT_TEMPLATED, f"rows with no template in scan/scalar_loop.py: {sorted(missing)}"
    assert set(TEMPLATES) <= set(TABLE), sorted(set(TEMPLATES) - set(TABLE))
    assert math.isclose(eval(TEMPLATES["mul"].format("2.0", "3.0")), 6.0)
