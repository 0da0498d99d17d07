"""autograd (HIPS): tracing numpy wrappers; no compilation, so every call
re-traces.  Its jacobian/hessian are loops of VJPs, so W4 has only the row-by-row
("scan") variant, and W7 is a plain Python loop."""

import autograd
import autograd.numpy as anp
from autograd.scipy.special import logsumexp


def build_w1(inp):
    f = autograd.grad(lambda x: x**2)
    xv = inp["x"]
    return lambda: f(xv)


def build_w2(inp):
    f = autograd.grad(lambda x: anp.sum(1 / (1 + anp.exp(-x))))
    xv = inp["x"]
    return lambda: f(xv)


def _mlp_loss(params, X, Y):
    W1, b1, W2, b2 = params
    H = anp.tanh(anp.dot(X, W1) + b1)
    Z = anp.dot(H, W2) + b2
    log_p = Z - logsumexp(Z, axis=1, keepdims=True)
    return -anp.mean(anp.sum(Y * log_p, axis=1))


def build_w3(inp):
    f = autograd.grad(_mlp_loss)  # with respect to the tuple of weights
    params = tuple(inp[k] for k in ("W1", "b1", "W2", "b2"))
    X, Y = inp["X"], inp["Y"]
    return lambda: f(params, X, Y)


def build_w4_scan(inp):
    W, xv = inp["W"], inp["x"]
    f = autograd.jacobian(lambda x: anp.tanh(anp.dot(W, x)))
    return lambda: f(xv)


def _cost(x):
    return anp.sum(anp.log(1 + anp.exp(x)) * x**2)


def build_w5(inp):
    f = autograd.hessian(_cost)
    xv = inp["x"]
    return lambda: f(xv)


def build_w6_grad(inp):
    f = autograd.hessian_vector_product(_cost)  # grad(vdot(grad(f)(x), v))
    xv, vv = inp["x"], inp["v"]
    return lambda: f(xv, vv)


def build_w6_rop(inp):
    jvp_of_grad = autograd.make_jvp(autograd.grad(_cost))  # forward over reverse
    xv, vv = inp["x"], inp["v"]
    return lambda: jvp_of_grad(xv)(vv)[1]


def _final_h(a, x, h0):
    h = h0
    for t in range(len(x)):
        h = anp.tanh(a * h + x[t])
    return h


def build_w7(inp):
    f = autograd.value_and_grad(_final_h)
    av, xv, h0v = inp["a"], inp["x"], inp["h0"]
    return lambda: f(av, xv, h0v)
