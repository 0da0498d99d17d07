"""PyTensor, written as its tutorial writes it; pytensor.function's default mode."""

import pytensor
import pytensor.tensor as pt


def describe():
    from pytensor.compile.mode import get_default_mode

    linker = type(get_default_mode().linker).__name__
    return f"default mode, linker {linker}, floatX {pytensor.config.floatX}"


def build_w1(inp):
    x = pt.dscalar("x")
    f = pytensor.function([x], pt.grad(x**2, x))
    xv = inp["x"]
    return lambda: f(xv)


def build_w2(inp):
    x = pt.dmatrix("x")
    cost = pt.sum(1 / (1 + pt.exp(-x)))
    f = pytensor.function([x], pt.grad(cost, x))
    xv = inp["x"]
    return lambda: f(xv)


def build_w3(inp):
    X, Y = pt.dmatrix("X"), pt.dmatrix("Y")
    W1, b1 = pt.dmatrix("W1"), pt.dvector("b1")
    W2, b2 = pt.dmatrix("W2"), pt.dvector("b2")
    H = pt.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    loss = -pt.mean(pt.sum(Y * pt.special.log_softmax(Z, axis=-1), axis=1))
    params = [W1, b1, W2, b2]
    f = pytensor.function([X, Y, *params], pt.grad(loss, params))
    args = [inp[k] for k in ("X", "Y", "W1", "b1", "W2", "b2")]
    return lambda: f(*args)


def _w4(inp, vectorize):
    W, x = pt.dmatrix("W"), pt.dvector("x")
    y = pt.tanh(W @ x)
    J = pytensor.gradient.jacobian(y, x, vectorize=vectorize)
    f = pytensor.function([W, x], J)
    Wv, xv = inp["W"], inp["x"]
    return lambda: f(Wv, xv)


def build_w4_scan(inp):
    return _w4(inp, vectorize=False)


def build_w4_vectorized(inp):
    return _w4(inp, vectorize=True)


def _cost(x):
    return pt.sum(pt.log(1 + pt.exp(x)) * x**2)


def build_w5(inp):
    x = pt.dvector("x")
    f = pytensor.function([x], pytensor.gradient.hessian(_cost(x), x))
    xv = inp["x"]
    return lambda: f(xv)


def build_w6_grad(inp):
    x, v = pt.dvector("x"), pt.dvector("v")
    g = pt.grad(_cost(x), x)
    f = pytensor.function([x, v], pt.grad(pt.sum(g * v), x))
    xv, vv = inp["x"], inp["v"]
    return lambda: f(xv, vv)


def build_w6_rop(inp):
    x, v = pt.dvector("x"), pt.dvector("v")
    g = pt.grad(_cost(x), x)
    f = pytensor.function([x, v], pytensor.gradient.Rop(g, x, v))
    xv, vv = inp["x"], inp["v"]
    return lambda: f(xv, vv)


def build_w7(inp):
    a, h0, x = pt.dscalar("a"), pt.dscalar("h0"), pt.dvector("x")
    h, _ = pytensor.scan(
        lambda x_t, h_prev, a: pt.tanh(a * h_prev + x_t),
        sequences=x,
        outputs_info=h0,
        non_sequences=a,
    )
    f = pytensor.function([a, x, h0], [h[-1], pt.grad(h[-1], a)])
    av, xv, h0v = inp["a"], inp["x"], inp["h0"]
    return lambda: f(av, xv, h0v)
