"""PyTorch CPU, float64, one thread: eager autograd (torch.autograd.grad) where
a plain backward pass is the idiom, torch.func for jacrev/hessian/jvp."""

import torch
import torch.func

torch.set_num_threads(1)
try:
    torch.set_num_interop_threads(1)
except RuntimeError:  # already set, or parallel work has started
    pass

_f64 = torch.float64


def describe():
    return (
        f"threads {torch.get_num_threads()}, "
        f"mkl {torch.backends.mkl.is_available()}, "
        f"mkldnn {torch.backends.mkldnn.is_available()}"
    )


def _t(a, requires_grad=False):
    return torch.tensor(a, dtype=_f64, requires_grad=requires_grad)


def build_w1(inp):
    xv = inp["x"]

    def call():  # on a Python float: the tensor is made in the call
        x = torch.tensor(xv, dtype=_f64, requires_grad=True)
        (g,) = torch.autograd.grad(x**2, x)
        return g

    return call


def build_w2(inp):
    x = _t(inp["x"], requires_grad=True)

    def call():
        (g,) = torch.autograd.grad(torch.sum(1 / (1 + torch.exp(-x))), x)
        return g

    return call


def build_w3(inp):
    X, Y = _t(inp["X"]), _t(inp["Y"])
    params = [_t(inp[k], requires_grad=True) for k in ("W1", "b1", "W2", "b2")]
    W1, b1, W2, b2 = params

    def call():
        H = torch.tanh(X @ W1 + b1)
        Z = H @ W2 + b2
        loss = -torch.mean(torch.sum(Y * torch.log_softmax(Z, dim=-1), dim=1))
        return torch.autograd.grad(loss, params)

    return call


def build_w4_scan(inp):
    """One backward pass per row (torch.autograd.functional.jacobian's loop)."""
    W, x = _t(inp["W"]), _t(inp["x"])
    f = lambda x: torch.tanh(W @ x)  # noqa: E731
    return lambda: torch.autograd.functional.jacobian(f, x, vectorize=False)


def build_w4_vectorized(inp):
    W, x = _t(inp["W"]), _t(inp["x"])
    jac = torch.func.jacrev(lambda x: torch.tanh(W @ x))  # vmap of the VJP
    return lambda: jac(x)


def _cost(x):
    return torch.sum(torch.log(1 + torch.exp(x)) * x**2)


def build_w5(inp):
    x = _t(inp["x"])
    hess = torch.func.hessian(_cost)  # jacfwd(jacrev)
    return lambda: hess(x)


def build_w6_grad(inp):
    x, v = _t(inp["x"], requires_grad=True), _t(inp["v"])

    def call():
        (g,) = torch.autograd.grad(_cost(x), x, create_graph=True)
        (hv,) = torch.autograd.grad(torch.sum(g * v), x)
        return hv

    return call


def build_w6_rop(inp):
    x, v = _t(inp["x"]), _t(inp["v"])
    grad = torch.func.grad(_cost)
    return lambda: torch.func.jvp(grad, (x,), (v,))[1]


def build_w7(inp):
    a = _t(inp["a"], requires_grad=True)
    xs = _t(inp["x"]).unbind(0)  # the sequence as 0-d tensors, made once
    h0 = _t(inp["h0"])

    def call():
        h = h0
        for x_t in xs:
            h = torch.tanh(a * h + x_t)
        (g,) = torch.autograd.grad(h, a)
        return h.detach(), g

    return call
