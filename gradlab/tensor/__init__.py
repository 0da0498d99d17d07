"""``gradlab.tensor`` (imported as ``gt``): typed variables and every tensor op.

    import gradlab.tensor as gt
    x = gt.dscalar("x")
    y = gt.exp(x) * 2
"""
from gradlab.tensor.type import TensorType, tensor, scalar, vector, matrix, tensor3, tensor4, tensor5  # noqa: F401
from gradlab.tensor.type import __shorthand_names__ as _shorthands
from gradlab.tensor import type as _type_module
from gradlab.tensor.variable import (TensorConstant, TensorVariable, as_tensor, as_tensor_variable,  # noqa: F401
                                     constant)
from gradlab.tensor.api import *  # noqa: F401,F403
from gradlab.tensor import api as _api

for _n in _shorthands:
    globals()[_n] = getattr(_type_module, _n)
for _n in dir(_api):
    if not _n.startswith("_") and _n not in globals():
        globals()[_n] = getattr(_api, _n)



def __getattr__(name: str):
    # gt.grad is gradlab.gradient.grad itself, imported on first use (keeps `import gradlab` light)
    if name == "grad":
        from gradlab.gradient.reverse import grad
        globals()["grad"] = grad
        return grad
    if name == "random":  # gt.random: the random draws, loaded on first use
        import importlib
        return importlib.import_module("gradlab.tensor.random")
    raise AttributeError(f"module 'gradlab.tensor' has no attribute {name!r}")


def __dir__() -> list:
    return sorted(set(globals()) | {"grad", "random"})
