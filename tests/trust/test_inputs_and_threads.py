"""Issue 22, items 8 and 9: concurrent calls, and inputs that used to be accepted and ignored
or mangled.  The right answers: arithmetic (4 threads x 20,000 increments = 80,000),
PyTensor's documented behaviour (In(update=) updates the input's stored value after each
call; a complex value for a real input is a TypeError), and errors naming the input."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.codegen.errors import InputError
from gradlab.compile.function_module import In


def run_in_threads(fn, threads=4, calls=20_000):
    def work():
        for _ in range(calls):
            fn()
    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()


def test_concurrent_calls_updating_one_shared_variable_lose_no_update():
    s = gradlab.shared(0.0, name="s")
    f = gradlab.function([], updates={s: s + 1})
    run_in_threads(f)
    assert s.get_value() == 80_000


def test_two_functions_updating_two_shared_variables_stay_consistent():
    """f moves one unit from a to b, g from b to a: a + b is constant; each moves 10,000 times."""
    a = gradlab.shared(0.0, name="a")
    b = gradlab.shared(0.0, name="b")
    f = gradlab.function([], a + b, updates={a: a - 1, b: b + 1})
    g = gradlab.function([], a + b, updates={b: b - 1, a: a + 1})
    totals = []
    workers = [threading.Thread(target=lambda h=h: [totals.append(float(h())) for _ in range(10_000)])
               for h in (f, g, f, g)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert a.get_value() == 0.0 and b.get_value() == 0.0
    assert set(totals) == {0.0}          # no call saw a half-applied update


def test_stateful_input_is_updated_after_every_call():
    x = gt.dscalar("x")
    f = gradlab.function([In(x, value=0.0, update=x + 1)], x * 10)
    assert [float(f()) for _ in range(3)] == [0.0, 10.0, 20.0]
    assert float(f(5.0)) == 50.0              # an explicit value is used, then updated
    assert float(f()) == 60.0
    run_in_threads(f, threads=4, calls=2_000)
    assert float(f()) == 10.0 * (7 + 8_000)


def test_stateful_input_errors():
    x = gt.dscalar("x")
    with pytest.raises(TypeError, match="needs a starting value"):
        gradlab.function([In(x, update=x + 1)], x)
    with pytest.raises(TypeError, match="update of input 'x'"):
        gradlab.function([In(x, value=0.0, update=gt.cast(x, "int64"))], x)


@pytest.mark.parametrize("var,value,words", [
    (gt.dscalar("x"), 1 + 5j, "complex"),
    (gt.dvector("x"), np.array([1 + 5j, 2]), "complex"),
    (gt.fscalar("x"), 2 + 0j, "complex"),
    (gt.dscalar("x"), 10 ** 400, "does not fit float64"),
    (gt.dvector("x"), [1.0, 10 ** 400], "does not fit float64"),
    (gt.lscalar("x"), 10 ** 400, "does not fit int64"),
    (gt.lvector("x"), [3, -10 ** 400], "does not fit int64"),
])
def test_values_that_do_not_fit_the_input_are_refused_naming_it(var, value, words):
    f = gradlab.function([var], var * 1)
    with pytest.raises(InputError, match=words) as info:
        f(value)
    assert "input 'x'" in str(info.value)
    assert isinstance(info.value, TypeError)        # as PyTensor: a TypeError


def test_eval_with_givens():
    x = gt.dvector("x")
    y = gt.dvector("y")
    a = gt.dscalar("a")
    np.testing.assert_allclose((x * 2).eval(givens={x: gt.constant(np.ones(2))}), [2.0, 2.0])
    np.testing.assert_allclose((x * 2).eval({y: np.ones(2), a: 3.0}, givens={x: y * a}), [6.0, 6.0])
    np.testing.assert_allclose((x * 2).eval({y: np.ones(2)}, givens=[(x, y + 1)]), [4.0, 4.0])
    with pytest.raises(ValueError, match="needs values for y"):
        (x * 2).eval(givens={x: y})
