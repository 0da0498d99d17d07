"""``gradlab.tensor`` (imported as ``gt``): typed variables and every tensor op.

    import gradlab.tensor as gt
    x = gt.dscalar("x")
    y = gt.exp(x) * 2
"""
from gradlab.tensor.type import TensorType, tensor, scalar, vector, matrix, tensor3, tensor4, tensor5  # noqa: F401
from gradlab.tensor.type import (  # noqa: F401  (the dtype shorthands, one per dtype letter and rank)
    bscalar, bvector, bmatrix, btensor3, btensor4, wscalar, wvector, wmatrix, wtensor3, wtensor4,
    iscalar, ivector, imatrix, itensor3, itensor4, lscalar, lvector, lmatrix, ltensor3, ltensor4,
    fscalar, fvector, fmatrix, ftensor3, ftensor4, dscalar, dvector, dmatrix, dtensor3, dtensor4,
    cscalar, cvector, cmatrix, ctensor3, ctensor4, zscalar, zvector, zmatrix, ztensor3, ztensor4)
from gradlab.tensor.variable import (TensorConstant, TensorVariable, as_tensor, as_tensor_variable,  # noqa: F401
                                     constant)
from gradlab.tensor.api import *  # noqa: F401,F403


def __getattr__(name: str):
    # gt.grad is gradlab.gradient.grad itself, imported on first use (keeps `import gradlab` light)
    if name == "grad":
        from gradlab.gradient.reverse import grad
        globals()["grad"] = grad
        return grad
    if name in ("random", "special"):  # gt.random (the random draws), gt.special: loaded on first use
        import importlib
        return importlib.import_module(f"gradlab.tensor.{name}")
    raise AttributeError(f"module 'gradlab.tensor' has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | {"grad", "random", "special"})
