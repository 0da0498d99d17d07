"""Value formatting on picture nodes: scalars as numbers, small arrays in
full, large ones as shape + min/max."""
from __future__ import annotations

import numpy as np
import pytest

from gradlab.viz.values import format_number, format_value

FORMAT_TABLE = [
    (np.float64(2.0), ["2"]),
    (np.float64(0.25), ["0.25"]),
    (np.float64(-0.0), ["0"]),
    (np.float64(1 / 3), ["0.3333"]),
    (np.float64(123456.0), ["1.235e+05"]),
    (np.float64(np.nan), ["nan"]),
    (np.float64(-np.inf), ["-inf"]),
    (np.int64(7), ["7"]),
    (np.bool_(True), ["True"]),
    (np.array([1.0, 0.5, -2.0]), ["[1, 0.5, -2]"]),
    (np.array([1, 2, 3]), ["[1, 2, 3]"]),
    (np.array([[1.0, 2.0], [3.0, 4.0]]), ["[[1, 2],", " [3, 4]]"]),
    (np.arange(13.0), ["shape 13", "min 0 max 12"]),
    (np.arange(60.0).reshape(3, 4, 5) - 0.5, ["shape 3×4×5", "min -0.5 max 58.5"]),
    (np.full(20, np.nan), ["shape 20", "all nan"]),
    (np.zeros((0, 20)), ["shape 0×20 (empty)"]),
    (np.array([np.nan] + [1.0] * 19), ["shape 20", "min 1 max 1"]),
]


@pytest.mark.parametrize("value,lines", FORMAT_TABLE, ids=[str(i) for i in range(len(FORMAT_TABLE))])
def test_format_value(value, lines):
    assert format_value(value) == lines


def test_small_size_threshold_is_adjustable():
    assert format_value(np.arange(4.0), small_size=3) == ["shape 4", "min 0 max 3"]
    assert format_value(np.arange(4.0), small_size=4) == ["[0, 1, 2, 3]"]


def test_format_number_accepts_python_numbers():
    assert [format_number(v) for v in (3, 2.5, False, 1e-7)] == ["3", "2.5", "False", "1e-07"]
