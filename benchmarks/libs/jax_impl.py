"""JAX on CPU, float64 (the runner sets JAX_ENABLE_X64=1): jit of the usual
transformations; every call blocks until its result is ready."""

import jax
import jax.numpy as jnp
from jax import lax


def describe():
    return f"devices {jax.devices()}, x64 {jax.config.jax_enable_x64}"


def _ready(f, *args):
    return lambda: jax.block_until_ready(f(*args))


def build_w1(inp):
    f = jax.jit(jax.grad(lambda x: x**2))
    return _ready(f, inp["x"])  # a Python float each call


def build_w2(inp):
    f = jax.jit(jax.grad(lambda x: jnp.sum(1 / (1 + jnp.exp(-x)))))
    return _ready(f, jnp.asarray(inp["x"]))


def _mlp_loss(params, X, Y):
    W1, b1, W2, b2 = params
    H = jnp.tanh(X @ W1 + b1)
    Z = H @ W2 + b2
    return -jnp.mean(jnp.sum(Y * jax.nn.log_softmax(Z, axis=-1), axis=1))


def build_w3(inp):
    f = jax.jit(jax.grad(_mlp_loss))
    params = tuple(jnp.asarray(inp[k]) for k in ("W1", "b1", "W2", "b2"))
    return _ready(f, params, jnp.asarray(inp["X"]), jnp.asarray(inp["Y"]))


def _tanh_Wx(W, x):
    return jnp.tanh(W @ x)


def build_w4_scan(inp):
    """One VJP per row of the Jacobian, looped with lax.map (a scan)."""

    def jac(W, x):
        y, vjp = jax.vjp(lambda x: _tanh_Wx(W, x), x)
        return lax.map(lambda e: vjp(e)[0], jnp.eye(y.shape[0], dtype=y.dtype))

    return _ready(jax.jit(jac), jnp.asarray(inp["W"]), jnp.asarray(inp["x"]))


def build_w4_vectorized(inp):
    f = jax.jit(jax.jacrev(_tanh_Wx, argnums=1))  # vmap of the VJP
    return _ready(f, jnp.asarray(inp["W"]), jnp.asarray(inp["x"]))


def _cost(x):
    return jnp.sum(jnp.log(1 + jnp.exp(x)) * x**2)


def build_w5(inp):
    return _ready(jax.jit(jax.hessian(_cost)), jnp.asarray(inp["x"]))


def build_w6_grad(inp):
    f = jax.jit(lambda x, v: jax.grad(lambda x: jnp.vdot(jax.grad(_cost)(x), v))(x))
    return _ready(f, jnp.asarray(inp["x"]), jnp.asarray(inp["v"]))


def build_w6_rop(inp):
    f = jax.jit(lambda x, v: jax.jvp(jax.grad(_cost), (x,), (v,))[1])
    return _ready(f, jnp.asarray(inp["x"]), jnp.asarray(inp["v"]))


def _final_h(a, x, h0):
    def step(h, x_t):
        return jnp.tanh(a * h + x_t), None

    h, _ = lax.scan(step, h0, x)
    return h


def build_w7(inp):
    f = jax.jit(jax.value_and_grad(_final_h))  # with respect to a
    args = (jnp.asarray(inp["a"]), jnp.asarray(inp["x"]), jnp.asarray(inp["h0"]))
    return _ready(f, *args)
