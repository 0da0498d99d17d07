"""The workloads: their sizes, their inputs and their numpy ground truth.

Everything here is plain numpy and deterministic: the inputs of a case come
from ``numpy.random.default_rng([seed, crc32(workload/size)])``, so every
library, every variant and every run sees the same numbers.  The ground truth
is written in closed form (or, for W7, as an explicit forward-mode loop), not
with any of the libraries under test.

A *case* is one row of the results table: a workload at one size and, where a
workload is measured two ways (W4 scan/vectorized, W6 grad/Rop), one variant.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

# --------------------------------------------------------------------------
# ground truth, one function per workload; each returns a list of arrays


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def truth_w1(inp):
    return [np.asarray(2.0 * inp["x"])]


def truth_w2(inp):
    s = _sigmoid(inp["x"])
    return [s * (1.0 - s)]


def truth_w3(inp):
    X, Y = inp["X"], inp["Y"]
    W1, b1, W2, b2 = inp["W1"], inp["b1"], inp["W2"], inp["b2"]
    H = np.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    dZ = (P - Y) / X.shape[0]
    dA = (dZ @ W2.T) * (1.0 - H**2)
    return [X.T @ dA, dA.sum(axis=0), H.T @ dZ, dZ.sum(axis=0)]


def truth_w4(inp):
    W, x = inp["W"], inp["x"]
    y = np.tanh(W @ x)
    return [(1.0 - y**2)[:, None] * W]


def _w56_hessian_diagonal(x):
    # f(x) = sum(log(1 + exp(x)) * x**2) is separable, so its Hessian is
    # diagonal: d2/dx2 [sp(x) x^2] = s(1-s) x^2 + 4 x s + 2 sp, with
    # s = sigmoid(x) and sp = log(1 + exp(x)).
    s = _sigmoid(x)
    sp = np.log1p(np.exp(x))
    return s * (1.0 - s) * x**2 + 4.0 * x * s + 2.0 * sp


def truth_w5(inp):
    return [np.diag(_w56_hessian_diagonal(inp["x"]))]


def truth_w6(inp):
    return [_w56_hessian_diagonal(inp["x"]) * inp["v"]]


def truth_w7(inp):
    # h_t = tanh(a h_{t-1} + x_t); carry dh/da forward alongside h.
    a, h, dh = float(inp["a"]), float(inp["h0"]), 0.0
    for x_t in inp["x"].tolist():
        h_prev = h
        h = math.tanh(a * h_prev + x_t)
        dh = (1.0 - h * h) * (h_prev + a * dh)
    return [np.asarray(h), np.asarray(dh)]


def truth_bw(inp):
    return [inp["x"]]


# --------------------------------------------------------------------------
# inputs


def inputs_w1(size, rng):
    return {"x": 4.0}  # a Python float, as in the seed tutorial: f(4) -> 8.0


def inputs_w2(size, rng):
    return {"x": rng.standard_normal((size, size))}


def inputs_w3(size, rng):
    n_in, n_hidden, n_out, batch = size
    X = rng.standard_normal((batch, n_in))
    Y = np.zeros((batch, n_out))
    Y[np.arange(batch), rng.integers(0, n_out, size=batch)] = 1.0
    return {
        "X": X,
        "Y": Y,  # one-hot labels
        "W1": rng.standard_normal((n_in, n_hidden)) / math.sqrt(n_in),
        "b1": 0.1 * rng.standard_normal(n_hidden),
        "W2": rng.standard_normal((n_hidden, n_out)) / math.sqrt(n_hidden),
        "b2": 0.1 * rng.standard_normal(n_out),
    }


def inputs_w4(size, rng):
    return {
        "W": rng.standard_normal((size, size)) / math.sqrt(size),
        "x": rng.standard_normal(size),
    }


def inputs_w5(size, rng):
    return {"x": rng.standard_normal(size)}


def inputs_w6(size, rng):
    return {"x": rng.standard_normal(size), "v": rng.standard_normal(size)}


def inputs_w7(size, rng):
    return {"a": 0.9, "h0": 0.0, "x": 0.5 * rng.standard_normal(size)}


def inputs_bw(size, rng):
    return {"x": rng.standard_normal((size, size))}


# --------------------------------------------------------------------------
# the catalogue


def _square(n):
    return f"{n}x{n}"


@dataclass(frozen=True)
class Workload:
    id: str
    title: str
    sizes: tuple  # full run
    quick_sizes: tuple  # --quick: tiny
    make_inputs: Callable[[Any, np.random.Generator], dict]
    truth: Callable[[dict], list]
    size_label: Callable[[Any], str] = str
    variants: tuple = (None,)
    rtol: float = 1e-7
    atol: float = 1e-10  # scaled by max(1, max |truth|)
    doc: str = ""


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        "W1", "d(x**2)/dx on a Python float", (None,), (None,),
        inputs_w1, truth_w1, size_label=lambda s: "scalar",
        doc="The seed tutorial's first gradient: build grad(x**2, x), compile, call with 4.0.",
    ),
    Workload(
        "W2", "grad of sum(1/(1+exp(-x)))", (2, 1000, 4000), (2, 16),
        inputs_w2, truth_w2, size_label=_square,
        doc="Elementwise logistic and its gradient s*(1-s); memory-bound at large n.",
    ),
    Workload(
        "W3", "MLP tanh + softmax-xent, grad all weights",
        ((784, 256, 10, 128),), ((20, 8, 3, 4),),
        inputs_w3, truth_w3,
        size_label=lambda s: f"{s[0]}-{s[1]}-{s[2]}, batch {s[3]}",
        doc="Mean cross-entropy of softmax(tanh(X W1 + b1) W2 + b2) against one-hot Y; "
        "gradient with respect to W1, b1, W2, b2.",
    ),
    Workload(
        "W4", "Jacobian of tanh(W @ x)", (100, 500), (6,),
        inputs_w4, truth_w4, size_label=lambda n: f"n={n}",
        variants=("scan", "vectorized"),
        doc="Full n x n Jacobian: row by row (scan / loop of VJPs) and vectorized (vmap / batched graph).",
    ),
    Workload(
        "W5", "Hessian of sum(log(1+exp(x)) * x**2)", (200,), (8,),
        inputs_w5, truth_w5, size_label=lambda n: f"n={n}",
        doc="Dense n x n Hessian (the true one is diagonal).",
    ),
    Workload(
        "W6", "Hessian-vector product of W5's cost", (100_000,), (50,),
        inputs_w6, truth_w6, size_label=lambda n: f"n={n:,}",
        variants=("grad", "rop"),
        doc="H v two ways: grad(sum(grad(f) * v)) (reverse over reverse) and "
        "Rop(grad(f), x, v) / jvp of grad (forward over reverse).",
    ),
    Workload(
        "W7", "recurrence h = tanh(a*h + x_t): value, d/da", (1000,), (20,),
        inputs_w7, truth_w7, size_label=lambda n: f"T={n}",
        variants=("off", "warm"),
        doc="Scalar recurrence over T steps from h0 = 0; returns h_T and dh_T/da. gradlab twice: its "
        "compiled loop tier off (Python floats) and warm (numba, after the automatic tier swapped it "
        "in; its build time is the time until warm); the peers run the same code in both rows.",
    ),
    Workload(
        "BW", "memory bandwidth: np.copyto", (1000, 4000), (16,),
        inputs_bw, truth_bw, size_label=_square,
        doc="Copy of an n x n float64 array: the floor for any elementwise pass over W2's input.",
    ),
)
BY_ID = {w.id: w for w in WORKLOADS}


@dataclass(frozen=True)
class Case:
    workload: Workload
    variant: str | None
    size: Any
    quick: bool = False

    @property
    def key(self) -> str:
        return f"{self.workload.id}:{self.variant or ''}:{self.size_label}"

    @property
    def data_key(self) -> str:  # variants of one size share inputs
        return f"{self.workload.id}:{self.size_label}"

    @property
    def size_label(self) -> str:
        return self.workload.size_label(self.size)

    @property
    def name(self) -> str:
        v = f" {self.variant}" if self.variant else ""
        return f"{self.workload.id}{v} {self.size_label}"

    @property
    def builder_names(self) -> tuple[str, ...]:
        base = f"build_{self.workload.id.lower()}"
        if self.variant:
            return (f"{base}_{self.variant}", base)
        return (base,)

    def make_inputs(self, seed: int = 0) -> dict:
        rng = np.random.default_rng([seed, zlib.crc32(self.data_key.encode())])
        return self.workload.make_inputs(self.size, rng)

    def truth(self, inputs: dict) -> list:
        return self.workload.truth(inputs)


def cases(quick: bool = False, only: set[str] | None = None) -> list[Case]:
    out = []
    for w in WORKLOADS:
        if only and w.id not in only:
            continue
        for size in w.quick_sizes if quick else w.sizes:
            for variant in w.variants:
                out.append(Case(w, variant, size, quick))
    return out


def find_case(key: str, quick: bool) -> Case:
    for case in cases(quick):
        if case.key == key:
            return case
    raise KeyError(f"no case {key!r} (quick={quick})")


# --------------------------------------------------------------------------
# correctness


def to_numpy_list(result) -> list[np.ndarray]:
    """Flatten a library's result into a list of numpy arrays (not timed)."""
    items = list(result) if isinstance(result, (list, tuple)) else [result]
    out = []
    for item in items:
        if hasattr(item, "detach"):  # torch
            item = item.detach().cpu().numpy()
        out.append(np.array(item, copy=True))  # copy: numpy_ref reuses buffers
    return out


def check(result, truth: list, rtol: float, atol: float) -> tuple[bool, str]:
    """(ok, message): same count, shapes, float64, and allclose to the truth."""
    got = to_numpy_list(result)
    if len(got) != len(truth):
        return False, f"{len(got)} outputs, expected {len(truth)}"
    worst = 0.0
    for i, (g, t) in enumerate(zip(got, truth)):
        t = np.asarray(t)
        if g.shape != t.shape:
            return False, f"output {i}: shape {g.shape}, expected {t.shape}"
        if g.dtype != np.float64:
            return False, f"output {i}: dtype {g.dtype}, expected float64"
        scale = max(1.0, float(np.max(np.abs(t)))) if t.size else 1.0
        if not np.allclose(g, t, rtol=rtol, atol=atol * scale):
            err = float(np.max(np.abs(g - t) / (atol * scale + rtol * np.abs(t))))
            return False, f"output {i}: max |err|/tol = {err:.3g}"
        if t.size:
            worst = max(worst, float(np.max(np.abs(g - t))) / scale)
    return True, f"max abs err / scale = {worst:.1e}"


# --------------------------------------------------------------------------
# goals from issue 8, evaluated on the gradlab column by the report


@dataclass(frozen=True)
class Goal:
    workload: str
    metric: str  # "per_call" | "compile" (a second build in the process) | "fresh"
    limit: float  # seconds, or a ratio when `versus` is set
    versus: tuple | None = None  # ("numpy", None) or ("pytensor", "vectorized")
    text: str = field(default="")
    variant: str | None = None  # only the cases of this variant (None: every case of the workload)


GOALS: tuple[Goal, ...] = (
    Goal("W1", "per_call", 2e-6, text="<= 2 us per call"),
    Goal("W1", "compile", 2e-3, text="<= 2 ms compile (build + first call, 2nd time in the process)"),
    Goal("W1", "fresh", 0.2, text="<= 200 ms fresh process to first result"),
    Goal("W2", "per_call", 1.1, ("numpy", None), text="<= 1.1x hand-written numpy"),
    Goal("W3", "per_call", 1.05, ("numpy", None), text="<= 1.05x hand-written numpy"),
    Goal("W4", "per_call", 2.0, ("pytensor", "vectorized"),
         text="<= 2x PyTensor's vectorized jacobian"),
    Goal("W5", "per_call", 100e-6, text="<= 100 us"),
    Goal("W6", "per_call", 2e-3, text="<= 2 ms"),
    Goal("W7", "per_call", 1e-3, text="<= 1 ms"),
    Goal("W7", "per_call", 1.0, ("jax", "warm"), text="<= JAX (issue 27: compiled tier warm)", variant="warm"),
    Goal("W7", "per_call", 40e-6, text="<= 40 us (issue 27: compiled tier warm)", variant="warm"),
)
