"""Every public function of gradlab.tensor is a name a reader can grep for.

The elementwise functions are one ``def`` each in ``tensor/math.py`` (their
docstring is the scalar table's maths), the dtype shorthands one line each in
``tensor/type.py``; no module carries a private lazy ``_api()`` accessor, and
``import gradlab`` still needs numpy only.
"""
import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.tensor import math as tmath
from gradlab.tensor import type as ttype
from gradlab.tensor.scalar_ops import TABLE

PACKAGE = Path(gradlab.__file__).parent
PUBLIC_ROWS = [name for name in TABLE if name != "identity"]


@pytest.mark.parametrize("name", PUBLIC_ROWS)
def test_each_table_row_is_a_def_in_math_with_the_rows_maths(name):
    source = Path(tmath.__file__).read_text()
    assert re.search(rf"^def {name}\(", source, re.M), f"no `def {name}(` in tensor/math.py"
    fn = getattr(gt, name)
    assert fn is getattr(tmath, name) and fn.__module__ == "gradlab.tensor.math" and fn.__name__ == name
    assert fn.__doc__ == f"Elementwise {TABLE[name].doc}."
    assert len(inspect.signature(fn).parameters) == TABLE[name].nin
    make = gt.lscalar if TABLE[name].kind == "logic" else gt.dscalar   # bitwise rows take integers
    out = fn(*[make(f"a{i}") for i in range(TABLE[name].nin)])
    assert out.owner.op.scalar_op is TABLE[name]


def test_every_public_name_of_math_is_defined_or_aliased_on_its_own_line():
    source = Path(tmath.__file__).read_text()
    for name in tmath.__all__:
        assert re.search(rf"^(def {name}\(|{name} = \w+$)", source, re.M), name
        assert getattr(gt, name) is getattr(tmath, name)


def test_the_spellings_are_the_same_functions():
    assert gt.true_divide is gt.divide is gt.true_div
    assert gt.where is gt.switch and gt.fill is gt.second and gt.expit is gt.sigmoid
    assert gt.power is gt.pow and gt.absolute is gt.abs and gt.square is gt.sqr and gt.inv is gt.reciprocal
    x = gt.dvector("x")
    np.testing.assert_allclose(gt.power(x, 3).eval({x: [2.0, -1.5]}), [8.0, -3.375])
    np.testing.assert_allclose(gt.where(gt.greater(x, 0), x, -x).eval({x: [2.0, -1.5]}), [2.0, 1.5])


def test_cast_and_the_fills_keep_their_values():
    x = gt.lvector("x")
    assert gt.cast(x, "int64") is x
    assert gt.cast(x, "float32").dtype == "float32"
    value = {x: np.array([3, 4])}
    np.testing.assert_array_equal(gt.zeros_like(x).eval(value), [0, 0])
    np.testing.assert_array_equal(gt.ones_like(x, dtype="float64").eval(value), [1.0, 1.0])
    np.testing.assert_array_equal(gt.full_like(x, 7).eval(value), [7, 7])


@pytest.mark.parametrize("name", ttype.__shorthand_names__)
def test_each_dtype_shorthand_is_its_own_line(name):
    source = Path(ttype.__file__).read_text()
    line = re.search(rf'^{name} = _shorthand\("{name}", "(\w+)", (\d)\)$', source, re.M)
    assert line, f"no `{name} = _shorthand(...)` line in tensor/type.py"
    dtype, ndim = line.group(1), int(line.group(2))
    assert dtype == {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32", "d": "float64",
                     "c": "complex64", "z": "complex128"}[name[0]]
    assert ndim == ("scalar", "vector", "matrix", "tensor3", "tensor4").index(name[1:])
    var = getattr(gt, name)("v")
    assert (var.dtype, var.ndim, var.name) == (dtype, ndim, "v")
    assert getattr(gt, name).__name__ == name


def test_no_module_carries_a_private_api_accessor():
    offenders = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                 if re.search(r"^\s*def _(api|m)\(\)", p.read_text(), re.M)]
    assert offenders == []


def test_import_gradlab_needs_numpy_only():
    code = ("import sys; before = set(sys.modules); import gradlab; "
            "new = {m.split('.')[0] for m in set(sys.modules) - before}; "
            "print(sorted(new - set(sys.stdlib_module_names)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent).stdout
    assert set(ast.literal_eval(out)) <= {"gradlab", "numpy"}, out
