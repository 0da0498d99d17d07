"""Constants in generated code (issue 17): every kind of number, every code path.

``inf``, ``nan`` and friends have no Python literal: the code generators
write them through ``gradlab.graph.op.literal_source``, which binds them to a
global of the generated module.  Each case computes ``maximum(u, k)`` for a
constant ``k`` and compares with numpy, bit for bit (signs of zeros included).
"""
from __future__ import annotations

import math

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.graph.op import literal_source
from gradlab.parse import parse

KINDS = {
    "inf": math.inf,
    "-inf": -math.inf,
    "nan": math.nan,
    "-0.0": -0.0,
    "huge": 1.7976931348623157e308,
    "-huge": -1e300,
    "tiny": 2.2250738585072014e-308,
    "subnormal": 5e-324,
    "-subnormal": -5e-324,
    "int64-max": 2**63 - 1,
    "int64-min": -2**63,
    "bool": True,
    "complex": 1.5 - 2j,
    "complex-inf": complex(math.inf, -1.0),
    "complex-nan": complex(0.0, math.nan),
}
MODES = ["FAST_RUN", "FAST_COMPILE", "NO_REWRITE"]
U = np.array([-1.0, 1.0])


def _same(got, want) -> None:
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    np.testing.assert_array_equal(got, want)  # nan == nan here
    real = np.real(want)
    np.testing.assert_array_equal(np.signbit(np.real(got)), np.signbit(real))


def _op_names(f) -> set:
    return {type(n.op).__name__ for n in f.maker.fgraph.apply_nodes}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("kind", list(KINDS))
def test_elementwise_constant(kind, mode):
    """A lone elementwise node with a weak Python constant (the NameError of the issue)."""
    k = KINDS[kind]
    v = gt.dvector("v")
    f = gradlab.function([v], gt.maximum(v, k), mode=mode)
    _same(f(U), np.maximum(U, k))


@pytest.mark.parametrize("kind", list(KINDS))
def test_fused_composite_constant(kind):
    k = KINDS[kind]
    v = gt.dvector("v")
    f = gradlab.function([v], gt.maximum(v * 2.0 - 1.0, k))
    if not isinstance(k, complex):
        assert "FusedElemwise" in _op_names(f)
    x = np.array([0.0, 1.0])
    _same(f(x), np.maximum(x * 2.0 - 1.0, k))


@pytest.mark.parametrize("kind", list(KINDS))
def test_inplace_elemwise_constant(kind):
    """The result of a dot is written over in place (InplaceElemwise's own code generation)."""
    k = KINDS[kind]
    m, v = gt.dmatrix("m"), gt.dvector("v")
    f = gradlab.function([m, v], gt.maximum(gt.dot(m, v), k))
    if not isinstance(k, complex):
        assert "InplaceElemwise" in _op_names(f)
    _same(f(np.eye(2), U), np.maximum(U, k))


@pytest.mark.filterwarnings("ignore:invalid value encountered")
@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
@pytest.mark.parametrize("kind", list(KINDS))
def test_constant_folding(kind, mode):
    k = KINDS[kind]
    v = gt.dvector("v")
    f = gradlab.function([v], gt.maximum(gt.constant(U), k) * v, mode=mode)
    assert "maximum" not in {str(n.op) for n in f.maker.fgraph.apply_nodes}
    _same(f([1.0, 1.0]), np.maximum(U, k) * 1.0)


@pytest.mark.parametrize("kind", list(KINDS))
def test_scan_body_constant(kind):
    """The scalar (Python-float) loop and the numpy loop of scan."""
    k = KINDS[kind]
    v = gt.dvector("v")
    scalar_out, _ = gradlab.scan(lambda s: gt.maximum(s, k), sequences=[v])
    _same(gradlab.function([v], scalar_out)(U), np.maximum(U, k))
    m = gt.dmatrix("m")
    rows_out, _ = gradlab.scan(lambda row: gt.maximum(row, k), sequences=[m])
    _same(gradlab.function([m], rows_out)(np.stack([U, -U])), np.maximum(np.stack([U, -U]), k))


@pytest.mark.parametrize("mode", MODES)
def test_issue_examples(mode):
    v, x = gt.dvector("v"), gt.dscalar("x")
    _same(gradlab.function([v], gt.clip(v, 0, np.inf), mode=mode)([1.0]), np.array([1.0]))
    _same(gradlab.function([x], x * np.inf, mode=mode)(2.0), np.array(np.inf))
    _same(gradlab.function([v], gt.maximum(v, -np.inf), mode=mode)([1.0]), np.array([1.0]))
    _same(gradlab.function([v], gt.fill(v, np.nan), mode=mode)([1.0, 2.0]), np.array([np.nan, np.nan]))
    _same(gradlab.function([v], gt.fill(v, -0.0), mode=mode)([1.0]), np.array([-0.0]))
    typed = parse("maximum(x, -1e999)")
    f = gradlab.function(list(typed.variables.values()), typed.expr, mode=mode)
    _same(f(2.0), np.array(2.0))


def test_integer_beyond_int64_is_a_clear_error():
    x = gt.dscalar("x")
    with pytest.raises(ValueError, match=r"1180591620717411303424 does not fit in int64.*1\.18059162071741\d*e\+21"):
        x + 2**70
    with pytest.raises(ValueError, match=r"2\*\*1328-ish \(1329 bits\).*too large for float64"):
        gt.constant(10**400)
    with pytest.raises(ValueError, match="300 does not fit in int8"):
        gt.constant(300, dtype="int8")
    big = gradlab.function([x], x + 2**62)(0.5)  # still fits: exact in Python, rounded once to float64
    assert big == np.float64(2**62) + 0.5


class _Ctx:
    def __init__(self):
        self.globals = {}

    def bind(self, obj, hint="g"):
        name = f"_{hint}{len(self.globals)}"
        self.globals[name] = obj
        return name


@pytest.mark.parametrize("kind", list(KINDS))
def test_literal_source_reads_back(kind):
    """The helper every code generator uses: the source evaluates to the very same number."""
    k = KINDS[kind]
    ctx = _Ctx()
    text = literal_source(k, ctx)
    got = eval(text, dict(ctx.globals))  # noqa: S307 - our own generated text
    assert type(got) is type(k)
    _same(np.asarray(got), np.asarray(k))
    assert text.startswith("(") or not text.startswith("-")
