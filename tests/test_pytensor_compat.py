"""PyTensor 3.0 names (issue 14): docs/pytensor.md's table is true (every
gradlab name it lists imports), and Print, the modes, the dtype groups and
the scalar-level types behave as PyTensor documents them."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.compile.mode import FAST_COMPILE, Mode, get_default_mode, get_mode
from gradlab.printing import Print

DOC = Path(__file__).resolve().parent.parent / "docs" / "pytensor.md"


def _claimed_names() -> list:
    """The gradlab names in the right column of the doc's table."""
    names = []
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[1].startswith("`gradlab"):
            names += re.findall(r"`(gradlab[\w.]*)`", cells[1])
            first = re.match(r"`(gradlab[\w.]*)\.\w+`", cells[1])
            for extra in re.findall(r",\s*`(\w+)`", cells[1]):  # "`gradlab.gradient.Rop`, `Lop`"
                names.append(f"{first.group(1)}.{extra}")
    return names


def _resolve(dotted: str):
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def test_the_doc_lists_names():
    assert len(_claimed_names()) >= 25


@pytest.mark.parametrize("dotted", _claimed_names())
def test_every_name_the_doc_claims_exists_and_is_documented(dotted):
    obj = _resolve(dotted)
    if callable(obj) and not isinstance(obj, (tuple, gt.TensorType)):
        assert (obj.__doc__ or "").strip(), f"{dotted} has no docstring"


# -- Print ------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"])
def test_print_prints_when_the_function_runs_and_returns_its_input(mode, capsys):
    x = gt.dvector("x")
    y = Print("x is")(x) * 2
    f = gradlab.function([x], y, mode=mode)
    assert capsys.readouterr().out == ""  # building and compiling print nothing
    np.testing.assert_allclose(f([1.0, 2.0]), [2.0, 4.0])
    assert capsys.readouterr().out == "x is __str__ = [1. 2.]\n"


def test_print_attrs_and_global_fn(capsys):
    x = gt.dmatrix("x")
    gradlab.function([x], gt.sum(Print("m", attrs=("shape", "sum"))(x)))(np.ones((2, 3)))
    assert capsys.readouterr().out == "m shape = (2, 3)\nm sum = 6.0\n"
    seen = []
    gradlab.function([x], Print("q", global_fn=lambda op, v: seen.append((op.message, v.copy())))(x))(np.eye(2))
    assert seen[0][0] == "q" and np.array_equal(seen[0][1], np.eye(2))


def test_two_prints_are_two_nodes(capsys):
    x = gt.dvector("x")
    f = gradlab.function([x], Print("a")(x) + Print("a")(x))
    f([1.0])
    assert capsys.readouterr().out.count("a __str__") == 2


def test_print_is_an_identity_for_derivatives(capsys):
    from gradlab.gradient import Rop, verify_grad
    x, v = gt.dvector("x"), gt.dvector("v")
    quiet = dict(global_fn=lambda op, value: None)
    verify_grad(lambda a: gt.sum(gt.sin(Print("p", **quiet)(a)) ** 2), [np.array([0.3, -1.2, 2.0])],
                rng=np.random.default_rng(0))
    g = gt.grad(gt.sum(Print("p", **quiet)(x) ** 3), x)
    np.testing.assert_allclose(gradlab.function([x], g)([1.0, 2.0]), [3.0, 12.0])
    jv = Rop(Print("p", **quiet)(x) * 2, x, v)
    np.testing.assert_allclose(gradlab.function([x, v], jv)([1.0, 2.0], [1.0, -1.0]), [2.0, -2.0])


def test_print_does_not_let_inplace_rewrites_write_into_the_input():
    x = gt.dvector("x")
    f = gradlab.function([x], (Print("p", global_fn=lambda op, v: None)(x) * 2 + 1) * 3)
    a = np.array([1.0, 2.0])
    np.testing.assert_allclose(f(a), [9.0, 15.0])
    np.testing.assert_allclose(a, [1.0, 2.0])


# -- modes ------------------------------------------------------------------------------------
@pytest.mark.parametrize("linker", ["py", "cvm", "c", "vm", "c|py", None])
@pytest.mark.parametrize("optimizer, sets", [
    ("fast_run", get_mode("FAST_RUN").sets), ("fast_compile", FAST_COMPILE.sets), (None, ()),
    ("stabilize", ("merge", "constant_folding", "canonicalize", "stabilize"))])
def test_mode_accepts_pytensor_linkers_and_optimizers(linker, optimizer, sets):
    mode = Mode(linker=linker, optimizer=optimizer)
    assert mode.sets == sets and mode.linker == linker
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.grad(x ** 2, x), mode=mode)
    assert float(f(4.0)) == 8.0


def test_mode_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown linker 'llvm'"):
        Mode(linker="llvm")
    with pytest.raises(ValueError, match="unknown optimizer"):
        Mode(optimizer="o9")


def test_get_default_mode_follows_the_configuration():
    assert get_default_mode() == get_mode("FAST_RUN")
    with gradlab.config.change(mode="FAST_COMPILE"):
        assert get_default_mode().sets == FAST_COMPILE.sets
        assert Mode(optimizer="default").sets == FAST_COMPILE.sets
    x = gt.dscalar("x")
    f = gradlab.function([x], x * 1.0, mode=get_default_mode().excluding("fusion"))
    assert "fusion" not in f.maker.mode.sets and float(f(2.0)) == 2.0
    assert get_mode("fast_run") == get_mode("FAST_RUN")  # PyTensor's lower-case spelling


# -- dtype groups and scalar types -------------------------------------------------------------
def test_dtype_groups_partition_the_dtypes():
    from gradlab.tensor import type as tt
    assert set(tt.discrete_dtypes) == {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                                       "uint64"}
    assert tt.continuous_dtypes == tt.float_dtypes + tt.complex_dtypes
    assert set(tt.discrete_dtypes) | set(tt.continuous_dtypes) == set(tt.all_dtypes) == set(tt.ALL_DTYPES)
    assert not set(tt.discrete_dtypes) & set(tt.continuous_dtypes)
    assert tt.integer_dtypes == tt.int_dtypes + tt.uint_dtypes
    assert gt.argmax(gt.dvector("v")).dtype in tt.discrete_dtypes
    assert gt.grad(gt.sum(gt.dvector("w") ** 2), gt.dvector("w2"), disconnected_inputs="ignore").dtype \
        in tt.continuous_dtypes


def test_scalar_level_types_are_0d_tensors():
    import gradlab.scalar as gs
    x = gs.float64("x")
    assert x.ndim == 0 and x.dtype == "float64" and gs.int32("i").dtype == "int32"
    assert gs.ScalarType("float32")("y").type == gt.fscalar("z").type
    assert gs.discrete_dtypes is gt.type.discrete_dtypes
    from gradlab.gradient import grad
    assert float(gradlab.function([x], grad(gt.exp(x), x))(0.0)) == 1.0
    with pytest.raises(TypeError, match="dimensions"):
        gs.as_scalar(np.ones(2))


# -- the docstring examples of the new names run as written ---------------------------------------
@pytest.mark.parametrize("module", ["gradlab.gradient.products", "gradlab.scalar", "gradlab.scan.utils",
                                    "gradlab.scan.builder", "gradlab.tensor.random.basic",
                                    "gradlab.tensor.random.stream", "gradlab.tensor.print_op",
                                    "gradlab.compile.mode", "gradlab.compile.modes",
                                    "gradlab.tensor.random.shared"])
def test_docstring_examples(module):
    import doctest
    result = doctest.testmod(importlib.import_module(module), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0 and result.attempted > 0


# -- issue 23 -----------------------------------------------------------------------------
def test_a_mode_object_set_in_the_config_is_the_default_mode():
    x = gt.dvector("x")
    with gradlab.config.change_flags(mode=Mode("cvm", optimizer=None)):
        assert get_mode(None).name == get_mode(Mode("cvm", optimizer=None)).name
        f = gradlab.function([x], gt.exp(x) * 2.0)
    np.testing.assert_allclose(f(np.array([0.0, 1.0])), [2.0, 2.0 * np.e])
    assert len(f.maker.fgraph.apply_nodes) == 2  # no rewriting: exp and mul stay two nodes


def test_the_gradient_vocabulary_is_at_graphs_path():
    from gradlab.graph import DisconnectedType, NullType
    from gradlab.gradient import grad
    assert isinstance(NullType()().type, NullType) and isinstance(DisconnectedType()().type, DisconnectedType)
    x, y = gt.iscalar("x"), gt.iscalar("y")
    cost = x + y
    with pytest.raises(gradlab.gradient.NullTypeGradError):
        grad(cost, [x, y], known_grads={cost: NullType()()})
