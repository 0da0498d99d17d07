"""Bad input to scan: clear errors naming the output or sequence, raised
when the scan is built if the static types tell, else when it runs."""
import re

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.gradient import DisconnectedInputError
from gradlab.scan import ScanBuildError, ScanRuntimeError

x, y, h0 = gt.dvector("x"), gt.dvector("y"), gt.dscalar("h0")
x7 = gt.tensor("float64", shape=(7,), name="x7")

BUILD_ERRORS = {
    "fn returns fewer outputs than outputs_info":
        (lambda: gradlab.scan(lambda x_t, h: h + x_t, sequences=x, outputs_info=[h0, None]),
         ScanBuildError, r"fn returned 1 output but outputs_info describes 2: outputs_info\[0\] \(h0\), "
                         r"outputs_info\[1\] \(map-like\)"),
    "fn returns more outputs than outputs_info":
        (lambda: gradlab.scan(lambda x_t, h: [h + x_t, h], sequences=x, outputs_info=[h0]),
         ScanBuildError, r"returned 2 outputs but outputs_info describes 1"),
    "recurrent output changes dtype":
        (lambda: gradlab.scan(lambda x_t, h: h + x_t, sequences=x, outputs_info=0),
         TypeError, r"recurrent output outputs_info\[0\] changes type: .*int64 .* float64.*0\.0 rather than 0"),
    "recurrent output changes number of dimensions":
        (lambda: gradlab.scan(lambda x_t, h: h + y, sequences=x, outputs_info=h0),
         TypeError, r"recurrent output outputs_info\[0\] \(h0\) changes shape: .*0 dimensions.*returns 1"),
    "recurrent output changes static shape":
        (lambda: gradlab.scan(lambda h: gt.concatenate([h, h]), outputs_info=gt.zeros((2,)), n_steps=3),
         ScanBuildError, r"outputs_info\[0\] changes shape: .*\(2,\) but fn returns \(4,\)"),
    "negative n_steps":
        (lambda: gradlab.scan(lambda a: a, sequences=[x7], n_steps=-2),
         ScanBuildError, r"n_steps must be >= 0, got -2"),
    "n_steps larger than a sequence":
        (lambda: gradlab.scan(lambda a: a, sequences=[x7], n_steps=9),
         ScanBuildError, r"n_steps=9 is larger than sequence x7 allows \(7 steps"),
    "no sequences and no n_steps":
        (lambda: gradlab.scan(lambda h: h, outputs_info=h0),
         ScanBuildError, r"no sequences.*pass n_steps"),
    "a future tap of an output":
        (lambda: gradlab.scan(lambda h: h, outputs_info=dict(initial=h0, taps=[1]), n_steps=2),
         ScanBuildError, r"outputs_info\[0\] \(h0\) has tap 1.*must be negative"),
    "several taps with a scalar initial value":
        (lambda: gradlab.scan(lambda a, b: a + b, outputs_info=dict(initial=h0, taps=[-2, -1]), n_steps=2),
         ScanBuildError, r"taps \[-2, -1\].*2 values before the first step"),
    "update of a variable that is not shared":
        (lambda: gradlab.scan(lambda a: (a, {y: y + 1}), sequences=x),
         TypeError, r"update for y, which is not a shared variable"),
    "a scalar sequence":
        (lambda: gradlab.scan(lambda a: a, sequences=h0),
         TypeError, r"sequence h0 is a scalar"),
    "fn with the wrong number of parameters":
        (lambda: gradlab.scan(lambda a: a, sequences=dict(input=x, taps=[-1, 1])),
         TypeError, r"fn cannot be called with the 2 arguments .*x\[t-1\] \(sequence x, tap -1\), x\[t\+1\]"),
    "truncate_gradient of zero":
        (lambda: gradlab.scan(lambda a: a, sequences=x, truncate_gradient=0),
         ScanBuildError, r"truncate_gradient must be -1 .* got 0"),
}


@pytest.mark.parametrize("case", list(BUILD_ERRORS))
def test_build_time_errors(case):
    build, error, pattern = BUILD_ERRORS[case]
    with pytest.raises(error, match=pattern):
        build()


def _runtime(build_fn, inputs):
    out, _ = build_fn()
    return gradlab.function(inputs, out)


n = gt.lscalar("n")
h0v = gt.dvector("h0v")
idx = gt.lvector("idx")

RUNTIME_ERRORS = {
    "negative n_steps":
        (lambda: _runtime(lambda: gradlab.scan(lambda a: a * 2, sequences=x, n_steps=n), [x, n]),
         ([1.0, 2.0], -1), r"n_steps must be >= 0, got -1"),
    "n_steps larger than the sequence":
        (lambda: _runtime(lambda: gradlab.scan(lambda a: a * 2, sequences=x, n_steps=n), [x, n]),
         ([1.0, 2.0], 3), r"n_steps=3 is larger than sequence x allows: it has 2 entries"),
    "a sequence too short for its taps":
        (lambda: _runtime(lambda: gradlab.scan(lambda a, b: a + b, sequences=dict(input=x, taps=[-1, 1])), [x]),
         ([1.0],), r"sequence x has 1 entry but its taps need at least 3"),
    "a recurrent output changes shape":
        (lambda: _runtime(lambda: gradlab.scan(lambda h: gt.concatenate([h, h]), outputs_info=h0v, n_steps=3),
                          [h0v]),
         ([1.0],), r"recurrent output outputs_info\[0\] \(h0v\) changed shape at step 0: .*\(1,\).*\(2,\)"),
    "a map-like output changes shape":
        (lambda: _runtime(lambda: gradlab.scan(lambda k: gt.arange(k), sequences=idx), [idx]),
         ([1, 2],), r"output 0 of fn changed shape at step 1: shape \(1,\) at step 0 but \(2,\)"),
}


@pytest.mark.parametrize("mode", ["FAST_RUN", "NO_REWRITE"])
@pytest.mark.parametrize("case", list(RUNTIME_ERRORS))
def test_call_time_errors(case, mode):
    compile_fn, values, pattern = RUNTIME_ERRORS[case]
    with gradlab.config.change(mode=mode):
        f = compile_fn()
    with pytest.raises(ScanRuntimeError, match=pattern):
        f(*values)


def test_the_tutorial_pitfall_explains_itself():
    """grad of a sequence entry: the entry is a new variable, not a function of x."""
    xv = gt.dvector("x")
    yv = xv ** 2
    yv.name = "y"
    with pytest.raises(DisconnectedInputError) as info:
        gradlab.scan(lambda y_i, x: gt.grad(y_i, x), sequences=yv, non_sequences=xv)
    message = str(info.value)
    assert "y[t] (an entry of y)" in message
    assert "new symbolic variable" in message and "not computed from your other variables" in message
    assert re.search(r"sequences=gt\.arange\(y\.shape\[0\]\), non_sequences=\[y, x\]", message)
    # ... and the fix it proposes works
    J, _ = gradlab.scan(lambda i, y, x: gt.grad(y[i], x), sequences=gt.arange(yv.shape[0]), non_sequences=[yv, xv])
    np.testing.assert_allclose(gradlab.function([xv], J)([1.0, 3.0]), [[2.0, 0.0], [0.0, 6.0]])


def test_a_disconnected_gradient_over_an_index_sequence_keeps_grads_own_message():
    a, b = gt.dvector("a"), gt.dvector("b")
    with pytest.raises(DisconnectedInputError) as info:
        gradlab.scan(lambda i, a, b: gt.grad(a[i], b), sequences=gt.arange(2), non_sequences=[a, b])
    assert "sequence entry" not in str(info.value)


def test_bad_values_leave_shared_variables_untouched():
    total = gradlab.shared(np.asarray(0.0), name="total")
    out, updates = gradlab.scan(lambda a: (a * 2, {total: total + a}), sequences=[x], n_steps=n)
    f = gradlab.function([x, n], out, updates=updates)
    with pytest.raises(ScanRuntimeError):
        f([1.0, 2.0], 3)
    assert total.get_value() == 0.0
