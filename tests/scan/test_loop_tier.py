"""The compiled tier of scalar loops (issue 27): numba kernels, swapped in once they pay.

Every comparison here is between the two tiers of one compiled function, so
the Python-float loop is the reference: the kernel must give the same bits
(the ops below are IEEE arithmetic and the same C library calls in both).
No timing is asserted; the thresholds are lowered to make the automatic tier
switch within a few calls.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import gradlab
import gradlab.tensor as gt
from gradlab.scan import kernel as kernel_module
from gradlab.scan import tier as tier_module
from gradlab.scan.tier import LoopTier, same_results

numba = pytest.importorskip("numba")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(autouse=True)
def kernel_cache(tmp_path):
    with gradlab.config.change(kernel_cache_dir=str(tmp_path / "kernels"), loop_tier="auto"):
        yield tmp_path / "kernels"


def w7(shift=0.0, trace=False):
    """W7's recurrence h = tanh(a h + x_t + shift): h_T and dh_T/da (or the trace h)."""
    a, h0, x = gt.dscalar("a"), gt.dscalar("h0"), gt.dvector("x")
    h, _ = gradlab.scan(lambda x_t, h_prev, a: gt.tanh(a * h_prev + x_t + shift), sequences=x, outputs_info=h0,
                        non_sequences=a, name="w7")
    return gradlab.function([a, x, h0], h if trace else [h[-1], gt.grad(h[-1], a)])


def tiers_of(f) -> list:
    return [v.tier for v in f.maker.codegen.globals.values() if isinstance(getattr(v, "tier", None), LoopTier)]


def run_tier(f, tier, *args):
    with gradlab.config.change(loop_tier=tier):
        out = f(*args)
    assert f.maker.tier == tier, f.maker.loop_tiers
    return out


def assert_same(a, b):
    a, b = list(a), list(b)
    assert same_results(tuple(a), tuple(b)), (a, b)
    for x, y in zip(a, b):  # and in numpy's words, for the failure message
        np.testing.assert_array_equal(x, y)


X = np.random.default_rng(0).standard_normal(200) * 0.5


def test_w7_compiled_equals_python_bit_for_bit():
    f = w7()
    py = run_tier(f, "python", 0.7, X, 0.1)
    compiled = run_tier(f, "compiled", 0.7, X, 0.1)
    assert_same(py, compiled)
    assert {t.state for t in tiers_of(f)} == {"compiled"}
    for a in (-1.3, 0.0, 2.5):  # more calls, other values: still the same bits
        assert_same(run_tier(f, "python", a, X[::-1], -0.4), run_tier(f, "compiled", a, X[::-1], -0.4))
    # the values are right, too (the numpy recurrence and its derivative by hand)
    h, dh = 0.1, 0.0
    for x_t in X:
        h_new = np.tanh(0.7 * h + x_t)
        dh = (1 - h_new ** 2) * (h + 0.7 * dh)
        h = h_new
    np.testing.assert_allclose(compiled[0], h, rtol=1e-13)
    np.testing.assert_allclose(compiled[1], dh, rtol=1e-12)


def many_ops_scan():
    """One loop reading most templates: states with and without traces, taps, a map, bools."""
    x, a, b = gt.dvector("x"), gt.dscalar("a"), gt.dscalar("b")

    def step(x0, x2, s, u, a, b):
        y = gt.sigmoid(x0 * a) + gt.softplus(x2 - s) - gt.sqr(gt.sin(u)) + gt.cos(x0) * gt.exp(-abs(x2))
        y = y + gt.log1p(abs(s)) - gt.expm1(-abs(u)) + gt.sqrt(abs(x0) + 1.0) / (1.0 + gt.arctan(b * x2))
        y = gt.switch(gt.gt(x0, 0.3), y, gt.maximum(y, s) - gt.minimum(u, x2))
        y = y + gt.clip(x2 * 3.0, -1.0, 1.0) + gt.sign(x0 - x2) * gt.tanh(u) + (x0 ** 3) - (x2 ** 2)
        y = y + gt.floor(x0 * 4.0) + gt.ceil(x2 * 3.0) + gt.round(x0 * 7.0) + gt.log(abs(x0) + 2.0) * gt.cosh(x2)
        u_new = gt.tanh(0.5 * u + 0.25 * y) + abs(x0) ** b
        s_new = 0.9 * s + 0.1 * y
        flag = gt.or_(gt.lt(s_new, 0.0), gt.isnan(x0))
        return [s_new, u_new, flag]

    (s, u, flag), _ = gradlab.scan(step, sequences=dict(input=x, taps=[0, 2]),
                                   outputs_info=[gt.as_tensor_variable(0.25), a, None], non_sequences=[a, b],
                                   name="many")
    return gradlab.function([x, a, b], [s, u[-1], flag, gt.grad(s.sum() + u[-1], a)])


def test_many_ops_compiled_equals_python_bit_for_bit():
    f = many_ops_scan()
    rng = np.random.default_rng(1)
    for xs in (rng.standard_normal(60), rng.standard_normal(60)[::-1] * 3, np.zeros(3)):
        py = run_tier(f, "python", xs, 0.3, 0.7)
        assert_same(py, run_tier(f, "compiled", xs, 0.3, 0.7))
    assert len(tiers_of(f)) >= 2 and {t.state for t in tiers_of(f)} == {"compiled"}


@pytest.mark.parametrize("fn", [
    lambda h, x: 1.0 / (h + x),          # 1/0: Python raises, numpy and the kernel give inf
    lambda h, x: gt.log(h * x),          # log(0) and log(<0)
    lambda h, x: gt.exp(h * x * 1000.0),  # overflow to inf
    lambda h, x: gt.sqrt(h - x),         # sqrt(<0): nan
    lambda h, x: (h + x) // (x - h),     # floor division by zero
    lambda h, x: (h + x) % x,            # modulo by zero: nan
])
def test_special_values_as_numpy_gives_them(fn):
    h0, x = gt.dscalar("h0"), gt.dvector("x")
    h, _ = gradlab.scan(lambda x_t, h: fn(h, x_t), sequences=x, outputs_info=h0)
    f = gradlab.function([x, h0], h)
    xs = np.array([0.0, -1.0, 2.0, 0.0, np.inf, np.nan, 3.0])
    with np.errstate(all="ignore"):
        for h_start in (0.0, 1.0, -2.0):
            py = run_tier(f, "python", xs, h_start)
            assert_same([py], [run_tier(f, "compiled", xs, h_start)])


def test_zero_steps_and_readonly_strided_sequences():
    f = w7(trace=True)
    empty = np.zeros(0)
    assert_same([run_tier(f, "python", 0.5, empty, 0.3)], [run_tier(f, "compiled", 0.5, empty, 0.3)])
    f = w7()
    ro = X.copy()[::3]
    ro.flags.writeable = False
    assert_same(run_tier(f, "python", 0.5, ro, 0.3), run_tier(f, "compiled", 0.5, ro, 0.3))


def test_errors_are_the_python_loops():
    k, h0 = gt.lscalar("k"), gt.dscalar("h0")
    x = gt.dvector("x")
    h, _ = gradlab.scan(lambda x_t, h: h * x_t, sequences=x, outputs_info=h0, n_steps=k)
    f = gradlab.function([x, h0, k], h)
    for tier in ("python", "compiled"):
        with gradlab.config.change(loop_tier=tier):
            with pytest.raises(Exception, match="n_steps=5 is larger than sequence"):
                f(np.ones(3), 1.0, 5)
            np.testing.assert_array_equal(f(np.full(3, 2.0), 1.0, 2), [2.0, 4.0])
    y = gt.dvector("y")
    h, _ = gradlab.scan(lambda x_t, y_t, h: h * x_t + y_t, sequences=[x, y], outputs_info=h0)
    g = gradlab.function([x, y, h0], h)
    for tier in ("python", "compiled"):
        with gradlab.config.change(loop_tier=tier):
            np.testing.assert_array_equal(g(np.full(3, 2.0), np.ones(4), 1.0), [3.0, 7.0, 15.0])  # the shorter
            np.testing.assert_array_equal(g(np.full(2, 2.0), np.ones(2), 1.0), [3.0, 7.0])
        assert g.maker.tier == tier


@pytest.fixture
def fast_thresholds(monkeypatch):
    """Make the automatic tier look at its price after one step and pay at once."""
    monkeypatch.setattr(tier_module, "PROBE_SECONDS", 0.0)
    monkeypatch.setattr(tier_module, "NUMBA_IMPORT_SECONDS", 0.0)
    monkeypatch.setattr(tier_module, "COMPILE_SECONDS", 0.0)
    monkeypatch.setattr(tier_module, "LOAD_SECONDS", 0.0)


def call_until_compiled(f, args, expected):
    for _ in range(50):
        assert_same(f(*args), expected)  # every call, whichever tier ran it, gives the same bits
        tiers = tiers_of(f)
        for t in tiers:
            if t._thread is not None:
                t._thread.join(60)
        if f.maker.tier == "compiled":
            return
    raise AssertionError(f"never warm: {f.maker.loop_tiers}")


def test_auto_tier_compiles_in_the_background_and_swaps(fast_thresholds, kernel_cache):
    f = w7(shift=0.375)  # kernels no other test loaded in this process: they are written to this cache
    expected = run_tier(f, "python", 0.7, X, 0.1)
    assert f.maker.tier == "python" and {t.state for t in tiers_of(f)} == {"python"}
    call_until_compiled(f, (0.7, X, 0.1), expected)
    assert {info["state"] for info in f.maker.loop_tiers.values()} == {"compiled"}
    # the forward kernel is on disk (the gradient's does not depend on the shift: another test
    # loaded it into this process already), named by the hash of its source, with numba's code
    written = {p for p in os.listdir(kernel_cache) if p.endswith(".py")}
    sources = {os.path.basename(kernel_module.kernel_path(t.source)): t.source for t in tiers_of(f)}
    assert written and written <= set(sources)
    for name in written:
        assert (kernel_cache / name).read_text() == sources[name]
        assert name == f"gradlab_kernel_{hashlib.sha256(sources[name].encode()).hexdigest()[:32]}.py"
        assert kernel_module.is_cached(sources[name])
    # a teacher can still show the Python loop, on the same function
    assert_same(run_tier(f, "python", 0.7, X, 0.1), expected)


def test_default_thresholds_do_not_compile_a_few_calls():
    f = w7()
    for _ in range(3):
        f(0.7, X, 0.1)
    assert f.maker.tier == "python"
    assert {t.state for t in tiers_of(f)} == {"python"}
    assert all(t._thread is None for t in tiers_of(f))


def test_a_failed_compile_warns_once_and_keeps_python(fast_thresholds, monkeypatch):
    def broken(source):
        raise RuntimeError("LLVM exploded")
    monkeypatch.setattr(kernel_module, "load_kernel", broken)
    f = w7()
    expected = run_tier(f, "python", 0.7, X, 0.1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(10):
            for t in tiers_of(f):
                if t._thread is not None:
                    t._thread.join(60)
            assert_same(f(0.7, X, 0.1), expected)
    messages = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert len(messages) == len(tiers_of(f)) == 2  # one per loop, not one per call
    assert all("LLVM exploded" in m and "Python loop runs instead" in m for m in messages)
    assert {t.state for t in tiers_of(f)} == {"failed"}
    assert "LLVM exploded" in next(iter(f.maker.loop_tiers.values()))["state"]


def test_a_kernel_that_disagrees_is_never_used(fast_thresholds, monkeypatch):
    real = kernel_module.compiled_loop

    def off_by_one(op, fgraph, kernel, tier):
        fn = real(op, fgraph, kernel, tier)
        return lambda *args: tuple(v + 1.0 for v in fn(*args))
    monkeypatch.setattr(kernel_module, "compiled_loop", off_by_one)
    f = w7()
    expected = run_tier(f, "python", 0.7, X, 0.1)
    with pytest.warns(RuntimeWarning, match="differ from the Python loop"):
        with gradlab.config.change(loop_tier="compiled"):
            assert_same(f(0.7, X, 0.1), expected)
    assert f.maker.tier == "python"
    assert_same(f(0.7, X, 0.1), expected)


def test_without_numba_everything_runs_python(fast_thresholds, monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` raises ImportError
    monkeypatch.setattr(tier_module, "_numba_found", [])
    f = w7()
    expected = run_tier(f, "python", 0.7, X, 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the automatic tier is silent about a missing numba
        for _ in range(5):
            assert_same(f(0.7, X, 0.1), expected)
    assert {t.state for t in tiers_of(f)} == {"unavailable"}
    assert f.maker.tier == "python"
    g = w7()
    with pytest.warns(RuntimeWarning, match="numba is not installed") as caught:
        with gradlab.config.change(loop_tier="compiled"):
            for _ in range(3):
                assert_same(g(0.7, X, 0.1), expected)
    assert len(caught) == 2  # one per loop, when forced
    assert g.maker.tier == "python"


def test_bad_tier_name_says_which_are_known():
    f = w7()
    with gradlab.config.change(loop_tier="fast"):
        with pytest.raises(ValueError, match="'auto', 'python', 'compiled'"):
            f(0.7, X, 0.1)


def test_non_scalar_loops_have_no_tier():
    x = gt.dmatrix("x")
    h, _ = gradlab.scan(lambda r, h: h + r, sequences=x, outputs_info=gt.zeros((3,)))
    f = gradlab.function([x], h[-1])
    np.testing.assert_array_equal(f(np.ones((4, 3))), np.full(3, 4.0))
    assert f.maker.loop_tiers == {} and f.maker.tier == "python"


def _python(code: str, cache: str) -> str:
    env = dict(os.environ, PYTHONPATH=ROOT, GRADLAB_CACHE_DIR=cache)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          env=env, timeout=240, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_import_and_first_calls_never_import_numba(tmp_path):
    out = _python("""
        import sys, numpy as np, gradlab, gradlab.tensor as gt
        assert "numba" not in sys.modules
        a, h0, x = gt.dscalar("a"), gt.dscalar("h0"), gt.dvector("x")
        h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a)
        f = gradlab.function([a, x, h0], [h[-1], gt.grad(h[-1], a)])
        for _ in range(20):
            f(0.7, np.ones(1000), 0.0)
        print("numba" in sys.modules, f.maker.tier)
    """, str(tmp_path))
    assert out.split() == ["False", "python"]


def test_a_restarted_kernel_loads_from_the_disk_cache(tmp_path):
    code = """
        import numpy as np, gradlab, gradlab.tensor as gt
        a, h0, x = gt.dscalar("a"), gt.dscalar("h0"), gt.dvector("x")
        h, _ = gradlab.scan(lambda x_t, h, a: gt.tanh(a * h + x_t), sequences=x, outputs_info=h0, non_sequences=a)
        f = gradlab.function([a, x, h0], h[-1])
        with gradlab.config.change(loop_tier="compiled"):
            out = f(0.7, np.linspace(-1, 1, 50), 0.0)
        (loop,) = [v for v in f.maker.codegen.globals.values() if hasattr(v, "tier")]
        stats = loop.tier.compiled.__globals__["_kernel"].stats
        print(loop.tier.cached, sum(stats.cache_hits.values()), sum(stats.cache_misses.values()), repr(float(out)))
    """
    first = _python(code, str(tmp_path)).split()
    again = _python(code, str(tmp_path)).split()
    assert first[:3] == ["False", "0", "1"]  # compiled, and stored
    assert again[:3] == ["True", "1", "0"]  # found on disk, loaded, not compiled
    assert first[3] == again[3]
    assert [p for p in os.listdir(tmp_path) if p.endswith(".py")]  # the kernel's source, named by its hash
