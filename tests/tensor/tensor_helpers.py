"""Shared checks for the tensor op tests: evaluate through ``perform`` or the
linker, finite-difference Jacobians, and the vjp/jvp/infer_shape checks
every op module's table runs."""
import numpy as np

import gradlab
import gradlab.tensor as gt
from gradlab.gradient import numeric_jacobian as library_numeric_jacobian
from gradlab.gradient.adapter import node_jvp, node_vjp
from gradlab.graph import Constant, toposort

RNG = np.random.default_rng(7)


def perform_run(outputs, inputs, values):
    """Evaluate through every op's ``perform`` (no code generation)."""
    env = {i: i.type.filter(v) for i, v in zip(inputs, values)}
    for node in toposort(outputs, inputs):
        args = [env[v] if v in env else v.data for v in node.inputs]
        storage = [[None] for _ in node.outputs]
        node.op.perform(node, args, storage)
        for o, s in zip(node.outputs, storage):
            env[o] = s[0]
    return [env[o] if o in env else o.data for o in outputs]


def compiled(inputs, outputs, mode="NO_REWRITE"):
    return gradlab.function(inputs, outputs, mode=mode, on_unused_input="ignore")


def sample(shape, dtype):
    if dtype == "bool":
        return RNG.random(shape) > 0.5
    if np.dtype(dtype).kind in "iu":
        return RNG.integers(-5, 6, size=shape).astype(dtype)
    return RNG.standard_normal(shape).astype(dtype)


def grad_dtype(var):
    return var.dtype if var.dtype.startswith("float") else "float64"


def _flat(arrays):
    return np.concatenate([np.ravel(np.asarray(a, dtype="float64")) for a in arrays])


def numeric_jacobian(f, values, i, eps=1e-6):
    """d f / d values[i] by central differences (the library's), as a (f.size, x.size) matrix; f returns a
    flat vector."""
    values = [np.array(v, dtype="float64") if k == i else v for k, v in enumerate(values)]
    return library_numeric_jacobian(f, values, eps, wrt=[i])[0]


def check_derivative_rules(outputs, inputs, values, rtol=1e-6, atol=1e-8):
    """The node computing ``outputs`` (from the free ``inputs``): its L_op gives the
    finite-difference vector-Jacobian product for every real input and zeros
    for every other input; its R_op gives the finite-difference Jacobian-vector
    product, with all tangents and with only the first (the rest None)."""
    node = outputs[0].owner
    forward = compiled(inputs, list(node.outputs) + list(node.inputs))
    computed = forward(*values)
    out_vals, in_vals = computed[:len(node.outputs)], computed[len(node.outputs):]
    n_out = len(node.outputs)

    def f_flat(*vals):
        return _flat(forward(*vals)[:n_out])

    real = [i for i, v in enumerate(inputs) if v.dtype.startswith("float") and v in node.inputs]
    jacs = {i: numeric_jacobian(f_flat, values, i) for i in real}
    # reverse mode
    gzs = [gt.tensor(grad_dtype(o), shape=o.type.shape, name=f"gz{k}") for k, o in enumerate(node.outputs)]
    gz_vals = [RNG.standard_normal(np.shape(v)) for v in out_vals]
    grads = node_vjp(node, gzs)
    assert len(grads) == len(node.inputs)
    got = compiled(inputs + gzs, grads)(*values, *gz_vals)
    got = got if isinstance(got, list) else [got]
    pattern = node.op.connection_pattern(node)
    for var, value, g_sym, g, connected in zip(node.inputs, in_vals, grads, got, pattern):
        assert g_sym.dtype == grad_dtype(var), (var, g_sym.dtype)
        assert np.shape(g) == np.shape(value)
        if var in inputs and inputs.index(var) in real:
            want = _flat(gz_vals) @ jacs[inputs.index(var)]
            np.testing.assert_allclose(np.ravel(g), want, rtol=rtol, atol=atol)
        elif not any(connected):
            # index/shape inputs, which the op marks unconnected, get zeros
            np.testing.assert_array_equal(g, np.zeros(np.shape(value)))
    # forward mode
    tangents = {i: gt.tensor(inputs[i].dtype, shape=inputs[i].type.shape, name=f"t{i}") for i in real}
    t_vals = {i: RNG.standard_normal(np.shape(values[i])) for i in real}
    for subset in (real, real[:1]):
        points = [tangents[inputs.index(v)] if v in inputs and inputs.index(v) in subset else None
                  for v in node.inputs]
        dzs = node_jvp(node, points)
        assert len(dzs) == n_out
        got = compiled(inputs + list(tangents.values()), list(dzs))(*values, *t_vals.values())
        got = got if isinstance(got, list) else [got]
        for dz, out in zip(got, out_vals):
            assert np.shape(dz) == np.shape(out)
        want = sum((jacs[i] @ np.ravel(t_vals[i]) for i in subset), np.zeros(_flat(out_vals).size))
        np.testing.assert_allclose(_flat(got), want, rtol=rtol, atol=atol)


def check_infer_shape(outputs, inputs, values):
    """The node's ``infer_shape`` evaluates to the actual output shapes."""
    node = outputs[0].owner
    in_shapes = [tuple(v.shape[i] for i in range(v.ndim)) for v in node.inputs]
    shapes = node.op.infer_shape(None, node, in_shapes)
    actual = [np.shape(o) for o in compiled(inputs, list(node.outputs))(*values)]
    assert len(shapes) == len(actual)
    for shape, want in zip(shapes, actual):
        entries = [e for e in shape if not isinstance(e, (int, np.integer))]
        got = iter(compiled(inputs, entries)(*values) if entries else [])
        resolved = tuple(int(e) if isinstance(e, (int, np.integer)) else int(next(got)) for e in shape)
        assert resolved == want


def fd_jacobian(f, values, i, eps=1e-6):
    """d f / d values[i] by central differences (the library's): shape f.shape + x.shape."""
    out_shape = np.shape(f(*values))
    jac = numeric_jacobian(lambda *args: np.asarray(f(*args), "float64"), values, i, eps)
    return jac.reshape(out_shape + np.shape(values[i]))


def check_rules(z, values, rtol=1e-6, atol=1e-8):
    """The op of ``z`` (one node on free inputs): its L_op equals the
    numeric vector-Jacobian product and its R_op the numeric Jacobian-vector
    product (all tangents, then the first tangent alone)."""
    node = z.owner
    free = [v for v in node.inputs if not isinstance(v, Constant)]
    forward = compiled(free, z)
    jacs = [fd_jacobian(forward, values, i) for i in range(len(free))]
    gz = z.type()
    gz_val = RNG.standard_normal(z.type.shape if None not in z.type.shape else np.shape(forward(*values)))
    grads = node_vjp(node, [gz])
    free_grads = [g for v, g in zip(node.inputs, grads) if not isinstance(v, Constant)]
    got = compiled(free + [gz], free_grads)(*values, gz_val)
    for x, g_sym, g, jac in zip(free, free_grads, got, jacs):
        assert g_sym.dtype == (x.dtype if x.dtype.startswith("float") else "float64")
        np.testing.assert_allclose(g, np.tensordot(gz_val, jac, axes=z.ndim), rtol=rtol, atol=atol)
    tangents = [x.type() for x in free]
    t_vals = [RNG.standard_normal(np.shape(v)) for v in values]
    it = iter(tangents)
    points = [None if isinstance(v, Constant) else next(it) for v in node.inputs]
    for keep in (len(free), 1):
        pts = [p if p is None or tangents.index(p) < keep else None for p in points]
        (dz,) = node_jvp(node, pts)
        got = compiled(free + tangents, dz)(*values, *t_vals)
        want = sum(np.tensordot(j, t, axes=np.ndim(t)) for j, t in list(zip(jacs, t_vals))[:keep])
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def check_through_gradient(build, values, rtol=1e-6, atol=1e-8, mode="FAST_RUN"):
    """``gradlab.gradient.Lop`` / ``Rop`` of ``build(*inputs)`` (a graph of
    several ops, rewritten by ``mode``) against finite differences."""
    from gradlab.gradient import Lop, Rop
    xs = [gt.tensor("float64", shape=(None,) * np.ndim(v), name=f"x{i}") for i, v in enumerate(values)]
    y = build(*xs)
    forward = compiled(xs, y, mode)
    jacs = [fd_jacobian(forward, values, i) for i in range(len(xs))]
    v = y.type()
    v_val = RNG.standard_normal(np.shape(forward(*values)))
    got = compiled(xs + [v], Lop(y, xs, v), mode)(*values, v_val)
    for g, jac in zip(got, jacs):
        np.testing.assert_allclose(g, np.tensordot(v_val, jac, axes=y.ndim), rtol=rtol, atol=atol)
    ts = [x.type() for x in xs]
    t_vals = [RNG.standard_normal(np.shape(val)) for val in values]
    got = compiled(xs + ts, Rop(y, xs, ts), mode)(*values, *t_vals)
    want = sum(np.tensordot(j, t, axes=np.ndim(t)) for j, t in zip(jacs, t_vals))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
