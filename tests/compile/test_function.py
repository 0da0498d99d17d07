"""gradlab.function: calling conventions, shared variables and updates,
givens, modes, eval caching, and clear errors on bad input."""
import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.compile import InputError, MissingInputError, NodeError, UnusedInputError


def test_seed_gradient_function_returns_arrays():
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.grad(x ** 2, x))
    out = f(4)
    assert isinstance(out, np.ndarray) and out.shape == () and out == 8.0
    assert np.allclose(f(94.2), 188.4)


def test_positional_keyword_and_list_outputs():
    x, y = gt.dscalar("x"), gt.dvector("y")
    f = gradlab.function([x, y], [x * y, y.sum()])
    a, b = f(2.0, y=[1.0, 2.0])
    np.testing.assert_array_equal(a, [2.0, 4.0])
    assert b == 3.0
    single = gradlab.function([x, y], x * y)
    assert isinstance(single(1, [1, 2]), np.ndarray)


def test_generated_source_is_kept_and_calls_numpy():
    x = gt.dvector("x")
    f = gradlab.function([x], gt.exp(x) + 1, mode="NO_REWRITE")
    assert "def " in f.maker.source and "_exp(" in f.maker.source
    assert f.maker.fgraph.outputs[0].owner is not None


def test_shared_variable_updates_after_outputs():
    w = gradlab.shared(np.array([1.0, 2.0]), name="w")
    x = gt.dvector("x")
    f = gradlab.function([x], (w * x).sum(), updates={w: w + x})
    assert f([1.0, 1.0]) == 3.0          # output computed with the old value
    np.testing.assert_array_equal(w.get_value(), [2.0, 3.0])
    assert f([1.0, 1.0]) == 5.0


def test_shared_get_set_value_copy_and_check():
    value = np.array([1.0, 2.0])
    w = gradlab.shared(value, name="w")
    value[0] = 100.0
    assert w.get_value()[0] == 1.0        # copied on the way in
    got = w.get_value()
    got[1] = 50.0
    assert w.get_value()[1] == 2.0        # and on the way out
    with pytest.raises(TypeError, match="w.*1 dimension.*got 2"):
        w.set_value(np.ones((2, 2)))
    assert w.get_value().tolist() == [1.0, 2.0]


def test_failed_call_leaves_shared_untouched():
    w = gradlab.shared(np.zeros(3), name="w")
    c = gradlab.shared(np.zeros(()), name="count")
    x = gt.dvector("x")
    f = gradlab.function([x], x * 2, updates=[(c, c + 1), (w, w + x)])
    f(np.ones(3))
    with pytest.raises(NodeError, match=r"shape \(3,\).*shape \(4,\)|shape \(4,\).*shape \(3,\)"):
        f(np.ones(4))
    assert c.get_value() == 1.0           # all or nothing: the first update did not happen
    np.testing.assert_array_equal(w.get_value(), np.ones(3))


def test_givens_substitute_before_compiling():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    f = gradlab.function([y], x * 3, givens={x: y + 1})
    assert f(1.0) == 6.0


def test_modes_compute_the_same_values():
    x = gt.dvector("x")
    out = gt.sum(1 / (1 + gt.exp(-x)))
    g = gt.grad(out, x)
    v = np.linspace(-3, 3, 7)
    results = [gradlab.function([x], g, mode=m)(v) for m in ("FAST_RUN", "FAST_COMPILE", "NO_REWRITE")]
    for r in results[1:]:
        np.testing.assert_allclose(r, results[0], rtol=1e-12)
    with pytest.raises(ValueError, match="unknown mode"):
        gradlab.function([x], g, mode="TURBO")


def test_config_change_is_local():
    with gradlab.config.change(floatX="float32"):
        assert gt.vector("v").dtype == "float32"
    assert gt.vector("v").dtype == "float64"
    with pytest.raises(AttributeError, match="unknown config"):
        with gradlab.config.change(nonsense=1):
            pass


def test_eval_compiles_once_per_variable():
    from gradlab.compile import eval_cache
    x = gt.dscalar("x")
    y = x * 2 + 1
    assert y.eval({x: 2.0}) == 5.0
    size = len(eval_cache._CACHE)
    assert y.eval({x: 3.0}) == 7.0 and y.eval({"x": 4.0}) == 9.0
    assert len(eval_cache._CACHE) <= size + 1
    assert gt.constant(3.0).eval() == 3.0
    with pytest.raises(ValueError, match="needs values for x"):
        y.eval({})


def test_on_unused_input_judged_on_the_users_graph():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    with pytest.raises(UnusedInputError, match=r"input 1 \(y\) is not used"):
        gradlab.function([x, y], x * 2)
    with pytest.warns(UserWarning, match="not used"):
        gradlab.function([x, y], x * 2, on_unused_input="warn")
    # y * 0 is rewritten away, but y is used in the graph the user built
    f = gradlab.function([x, y], x * 2 + y * 0)
    assert f(1.0, 5.0) == 2.0


# -- bad input: each names the input, the expected and the actual ---------
@pytest.fixture
def fxy():
    x, y = gt.dvector("x"), gt.dscalar("y")
    return gradlab.function([x, y], x * y)


def test_wrong_number_of_arguments(fxy):
    with pytest.raises(TypeError, match=r"takes 2 inputs \(x, y\), got 3"):
        fxy([1.0], 2.0, 3.0)
    with pytest.raises(TypeError, match="missing a value for input 'y'"):
        fxy([1.0])


def test_unknown_keyword(fxy):
    with pytest.raises(TypeError, match="no input named 'z'; its inputs are \\(x, y\\)"):
        fxy([1.0], z=2.0)


def test_wrong_ndim(fxy):
    with pytest.raises(InputError, match=r"input 'x'.*expected 1 dimension.*got 2"):
        fxy(np.ones((2, 2)), 1.0)


def test_non_numeric_value(fxy):
    with pytest.raises(InputError, match="input 'x'.*str"):
        fxy("abc", 1.0)
    with pytest.raises(InputError, match="input 'y'.*numeric"):
        fxy([1.0], object())


def test_float64_for_float32_needs_allow_input_downcast():
    x = gt.fvector("x")
    f = gradlab.function([x], x * 2)
    with pytest.raises(InputError, match="input 'x'.*float32.*float64.*allow_input_downcast"):
        f(np.ones(2, dtype="float64"))
    g = gradlab.function([x], x * 2, allow_input_downcast=True)
    assert g(np.ones(2)).dtype == np.float32
    assert f([1.5, 2.5]).dtype == np.float32   # Python floats carry no precision of their own


def test_input_listed_twice():
    x = gt.dscalar("x")
    with pytest.raises(ValueError, match="input x is listed twice"):
        gradlab.function([x, x], x * 2)


def test_output_not_a_variable():
    x = gt.dscalar("x")
    with pytest.raises(TypeError, match="output 0 must be a symbolic variable, got float"):
        gradlab.function([x], 3.0)


def test_givens_of_different_types():
    x, v = gt.dscalar("x"), gt.dvector("v")
    with pytest.raises(TypeError, match="givens: cannot replace x .* by v"):
        gradlab.function([v], x * 2, givens={x: v})


def test_update_of_a_different_type():
    w = gradlab.shared(np.zeros(3), name="w")
    x = gt.dmatrix("x")
    with pytest.raises(TypeError, match="update of shared variable w: expected .*float64.*got .*"):
        gradlab.function([x], x, updates={w: x})
    with pytest.raises(TypeError, match="update of shared variable w.*Cast"):
        gradlab.function([x], x, updates={w: gt.cast(w, "float32")})


def test_missing_input_is_named():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    with pytest.raises(MissingInputError, match="depend on y"):
        gradlab.function([x], x * y)


def test_shared_variable_as_explicit_input_is_refused():
    w = gradlab.shared(1.0, name="w")
    with pytest.raises(TypeError, match="shared variable"):
        gradlab.function([w], w * 2)


def test_static_shape_checked_at_call():
    x = gt.tensor("float64", shape=(3,), name="x")
    f = gradlab.function([x], x * 2)
    with pytest.raises(InputError, match="input 'x'.*length 3 on axis 0.*shape \\(4,\\)"):
        f(np.ones(4))


def test_outputs_do_not_alias_inputs_or_constants():
    x = gt.dvector("x")
    f = gradlab.function([x], [x, gt.constant(np.ones(2))])
    v = np.zeros(2)
    a, c = f(v)
    a[0] = 5.0
    assert v[0] == 0.0
    c[0] = 7.0
    assert f(v)[1][0] == 1.0


def test_outputs_that_are_views_are_copied():
    x = gt.dmatrix("x")
    f = gradlab.function([x], [x.T, x[0], x.reshape((4,))])
    v = np.arange(4.0).reshape(2, 2)
    for out in f(v):
        out[...] = -1.0
    np.testing.assert_array_equal(v, np.arange(4.0).reshape(2, 2))


# -- issue 17: a malformed givens entry names the expected pair and the bad entry ------------
@pytest.mark.parametrize("givens,message", [
    ("three", r"givens entry 0 must be a \(variable, replacement\) pair, got 3 values: \(x, 1\.0, 2\)\. "
              r"Write givens=\[\(x, new_x\), \.\.\.\] or givens=\{x: new_x\}"),
    ("one", r"givens entry 1 must be a \(variable, replacement\) pair, got 1 value: \(y,\)"),
    ("bare", r"givens entry 0 must be a \(variable, replacement\) pair, got TensorVariable: x\."),
    ("key", r"givens pair 0: the key must be a variable, got float 1\.0; write givens=\[\(x, new_x\)"),
    ("scalar", r"givens must be a dict or a list of \(variable, replacement\) pairs, got TensorVariable x"),
])
def test_malformed_givens_entries_are_named(givens, message):
    x, y = gt.dscalar("x"), gt.dscalar("y")
    value = {"three": [(x, 1.0, 2)], "one": [(x, 1.0), (y,)], "bare": [x], "key": [(1.0, x)], "scalar": x}[givens]
    with pytest.raises(TypeError, match=message):
        gradlab.function([], x + y, givens=value)


def test_givens_pairs_as_lists_and_dicts_work():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    assert gradlab.function([y], x * y, givens=[[x, 2.0]])(3.0) == 6.0
    assert gradlab.function([y], x * y, givens={x: y + 1})(3.0) == 12.0
