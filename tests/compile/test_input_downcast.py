"""Issue 17: values that do not survive the conversion to an input's dtype are
refused (naming the input, the dtype, the value and the fix) unless the
function was compiled with ``allow_input_downcast=True`` (PyTensor's semantics)."""
from __future__ import annotations

import re

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.codegen.errors import InputError

REFUSED = [  # dtype, value, what the message says, what the value would have become
    ("float32", 1e300, r"overflows float32 \(largest finite 3\.40282346\d*e\+38\)", "inf"),
    ("float32", -1e300, "overflows float32", "-inf"),
    ("float32", 2**30 + 1, "cannot be stored exactly in float32", "1073741824.0"),
    ("float16", 70000.0, "overflows float16", "inf"),
    ("int8", 300, r"does not fit int8 \(from -128 to 127\)", "44"),
    ("int32", 2**40, "does not fit int32", "0"),
    ("uint8", -1, r"does not fit uint8 \(from 0 to 255\)", "255"),
    ("int8", 2.5, "is not a whole number int8 can hold", "2"),
    ("bool", 2, "cannot be stored exactly in bool", "True"),
    ("float32", [1.0, 1e300], r"1e\+300 \(entry \[1\] of the value passed\) overflows float32", "inf"),
    ("int8", [[1, 2], [3, 300]], r"300 \(entry \[1, 1\] of the value passed\) does not fit int8", "44"),
]


def _input(dtype, value, name="speed"):
    return gt.tensor(dtype, shape=(None,) * np.ndim(value), name=name)


@pytest.mark.parametrize("dtype,value,why,became", REFUSED)
def test_values_broken_by_the_conversion_are_refused(dtype, value, why, became):
    x = _input(dtype, value)
    for allow in (None, False):
        f = gradlab.function([x], x, allow_input_downcast=allow)
        with pytest.raises(InputError) as info:
            f(value)
        msg = str(info.value)
        assert "input 'speed'" in msg and dtype in msg
        if np.ndim(value) == 0:
            assert f"value {value!r} " in msg
        assert re.search(why, msg), msg
        assert f"it would become {became}" in msg
        assert "allow_input_downcast=True" in msg and "wider dtype" in msg


@pytest.mark.parametrize("dtype,value,why,became", REFUSED)
def test_allow_input_downcast_converts_anyway(dtype, value, why, became):
    x = _input(dtype, value)
    f = gradlab.function([x], x, allow_input_downcast=True)
    with np.errstate(over="ignore"):
        want = np.asarray(value).astype(dtype)
    got = f(value)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("dtype,value", [
    ("float32", 0.1), ("float32", 3e38), ("float32", float("inf")), ("float32", float("nan")),
    ("float32", 2**24), ("float32", [0.1, -2.5]), ("int8", 127), ("int8", -128), ("int8", 2.0),
    ("uint8", [0, 255]), ("float16", 1.5), ("bool", 1), ("float64", 1e300), ("float64", 2**60),
])
def test_values_that_fit_are_accepted_by_default(dtype, value):
    x = _input(dtype, value)
    got = gradlab.function([x], x)(value)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(got, np.asarray(value).astype(dtype))


def test_allow_input_downcast_false_accepts_only_exact_python_numbers():
    x = gt.fscalar("x")
    f = gradlab.function([x], x, allow_input_downcast=False)
    assert f(0.5) == 0.5 and f(2**24) == 2**24
    with pytest.raises(InputError, match=r"value 0\.1 cannot be stored exactly in float32: it would become 0\.1000000"):
        f(0.1)
    assert gradlab.function([x], x)(0.1) == np.float32(0.1)  # default: a Python float may round


def test_shared_set_value_refuses_overflow_too():
    w = gradlab.shared(np.zeros(2, dtype="float32"), name="w")
    with pytest.raises(TypeError, match="1e\\+300 .*overflows float32"):
        w.set_value([1.0, 1e300])
    np.testing.assert_array_equal(w.get_value(), [0.0, 0.0])


def test_the_float64_scalar_fast_path_is_unchanged():
    """W1's call path: a Python float for a float64 scalar skips the filter (no range check needed)."""
    x = gt.dscalar("x")
    f = gradlab.function([x], x * 2)
    assert "if x.__class__ is float: x = _asarray(x, " in f.maker.source
    assert f(1e300) == 2e300
    y = gt.fscalar("y")
    g = gradlab.function([y], y * 2)
    assert "-3.4028234663852886e+38 <= y <= 3.4028234663852886e+38" in g.maker.source
    assert g(1.5) == 3.0
