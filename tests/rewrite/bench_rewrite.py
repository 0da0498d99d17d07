"""Rewrite speed and fused-code speed (a benchmark, not a test: pytest does not collect it).

    python3 tests/rewrite/bench_rewrite.py            # everything
    python3 tests/rewrite/bench_rewrite.py --quick    # skip the 4000x4000 logistic
    python3 tests/rewrite/bench_rewrite.py --wall     # wall-clock instead of CPU time

Prints: FAST_RUN rewrite time (with the trace) of the seed's examples, of a
3-layer MLP gradient, of elementwise graphs of 1k..10k nodes (cost should
grow about linearly), and the compiled logistic gradient against
hand-written numpy with preallocated buffers.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np  # noqa: E402

import gradlab  # noqa: E402
import gradlab.tensor as gt  # noqa: E402
from gradlab.gradient import Rop, grad  # noqa: E402
from gradlab.compile.rule_sets import MODE_SETS  # noqa: E402
from gradlab.rewrite import rewrite_graph  # noqa: E402


#: "cpu" (time.process_time: this process only, steady on a busy machine) or "wall"
CLOCK = "wall" if "--wall" in sys.argv else "cpu"


def _time(fn, repeat: int = 7, number: int = 1) -> float:
    clock = time.perf_counter if CLOCK == "wall" else time.process_time
    times = []
    for _ in range(repeat):
        t0 = clock()
        for _ in range(number):
            fn()
        times.append((clock() - t0) / number)
    return statistics.median(times)


def seed_examples() -> dict:
    x = gt.dscalar("x")
    v, w = gt.dvector("v"), gt.dvector("w")
    g = grad(gt.sum(v ** 2), v)
    return {
        "grad(x**2)": grad(x ** 2, x),
        "grad(sum(logistic))": grad(gt.sum(1 / (1 + gt.exp(-v))), v),
        "grad(sum(softplus))": grad(gt.sum(gt.log(1 + gt.exp(v))), v),
        "Hv reverse-over-reverse": grad(gt.sum(g * w), v),
        "Hv forward-over-reverse": Rop(g, v, w),
    }


def mlp_gradient(layers: int = 3) -> list:
    X, Y = gt.dmatrix("X"), gt.dmatrix("Y")
    h = X
    params = []
    for k in range(layers):
        W, b = gt.dmatrix(f"W{k}"), gt.dvector(f"b{k}")
        params += [W, b]
        z = h @ W + b
        h = gt.tanh(z) if k < layers - 1 else z
    loss = -gt.mean(gt.sum(Y * gt.log_softmax(h, axis=-1), axis=1))
    return grad(loss, params)


def elementwise_graph(n_nodes: int):
    """About ``n_nodes`` nodes: a chain mixing the table's ops, constants and reductions."""
    x, y = gt.dvector("x"), gt.dvector("y")
    out = x
    ops = [lambda a: a * 2 + y, lambda a: gt.exp(-a) * 1, lambda a: gt.tanh(a) - 0,
           lambda a: a / (1 + gt.sqr(y)), lambda a: -(-a) + x * 1, lambda a: gt.log(1 + gt.exp(a))]
    from gradlab.graph import toposort
    k = 0
    while True:
        out = ops[k % len(ops)](out)
        k += 1
        if k % 40 == 0 and len(toposort([out])) >= n_nodes:
            return out


def bench_rewrites() -> None:
    print(f"FAST_RUN rewrite (trace on), median of 7, {CLOCK} time:")
    for name, out in seed_examples().items():
        t = _time(lambda: rewrite_graph(out, sets=MODE_SETS["FAST_RUN"]), number=5)
        r = rewrite_graph(out)
        print(f"  {name:28s} {t * 1e3:7.2f} ms   {len(r.graph.apply_nodes)} node(s), {r.n_steps} steps")
    grads = mlp_gradient()
    from gradlab.graph import toposort
    n = len(toposort(grads))
    t = _time(lambda: rewrite_graph(grads, sets=MODE_SETS["FAST_RUN"]), repeat=5)
    r = rewrite_graph(grads)
    print(f"  {'3-layer MLP gradient':28s} {t * 1e3:7.2f} ms   {n} -> {len(r.graph.apply_nodes)} nodes")
    print("scaling (FAST_RUN, trace on):")
    for size in (1000, 3000, 10000):
        out = elementwise_graph(size)
        n = len(toposort([out]))
        t = _time(lambda: rewrite_graph(out, sets=MODE_SETS["FAST_RUN"]), repeat=3)
        t_off = _time(lambda: rewrite_graph(out, sets=MODE_SETS["FAST_RUN"], trace=False), repeat=3)
        print(f"  {n:6d} nodes  {t * 1e3:8.1f} ms  ({t / n * 1e6:5.1f} us/node; trace off {t_off * 1e3:.1f} ms)")


def numpy_logistic_gradient(x: np.ndarray):
    """Hand-written: s = 1/(1+exp(-x)); g = s*(1-s); every buffer preallocated."""
    s = np.empty_like(x)
    g = np.empty_like(x)

    def call():
        np.negative(x, out=s)
        np.exp(s, out=s)
        np.add(s, 1.0, out=s)
        np.reciprocal(s, out=s)
        np.subtract(1.0, s, out=g)
        np.multiply(g, s, out=g)
        return g
    return call


def bench_logistic(sizes) -> None:
    xv = gt.dmatrix("x")
    f = gradlab.function([xv], grad(gt.sum(1 / (1 + gt.exp(-xv))), xv))
    print(f"logistic gradient, compiled FAST_RUN vs hand-written numpy (median, {CLOCK} time):")
    print("  " + " | ".join(line.strip() for line in f.maker.source.splitlines()
                          if "out=" in line or "copyto" in line))
    rng = np.random.default_rng(0)
    for n in sizes:
        x = rng.standard_normal((n, n))
        ref = numpy_logistic_gradient(x)
        np.testing.assert_allclose(f(x), ref(), rtol=1e-12, atol=1e-300)
        number = 5 if n <= 1000 else 1
        # interleaved, so a change in the machine's load hits both sides alike
        pairs = [(_time(ref, repeat=1, number=number), _time(lambda: f(x), repeat=1, number=number))
                 for _ in range(15)]
        t_ref = statistics.median(p[0] for p in pairs)
        t_fn = statistics.median(p[1] for p in pairs)
        ratio = statistics.median(p[1] / p[0] for p in pairs)
        print(f"  {n}x{n}: gradlab {t_fn * 1e3:7.2f} ms, numpy {t_ref * 1e3:7.2f} ms, ratio {ratio:.2f}x")


if __name__ == "__main__":
    bench_rewrites()
    bench_logistic((1000,) if "--quick" in sys.argv else (1000, 4000))
