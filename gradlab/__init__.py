"""gradlab: see how derivatives are computed.

A symbolic tensor library with PyTensor's tutorial-level API — graphs,
reverse and forward mode, scan, rewrites, compilation to one numpy
callable — plus pictures, plots and widgets for Jupyter.  Importing gradlab
needs numpy only.
"""
from gradlab.configuration import config  # noqa: F401
from gradlab import graph, tensor  # noqa: F401
from gradlab.scan import scan  # noqa: F401  (the package's __init__ is light; binds gradlab.scan to the function)

__version__ = "0.1.0"


def __getattr__(name):
    # heavier subpackages load on first use, keeping `import gradlab` fast
    import importlib
    lazy = {
        "function": ("gradlab.compile", "function"),
        "shared": ("gradlab.compile", "shared"),
        "Mode": ("gradlab.compile", "Mode"),
        "In": ("gradlab.compile", "In"),
        "Out": ("gradlab.compile", "Out"),
        "grad": ("gradlab.gradient", "grad"),
        "pp": ("gradlab.printing", "pp"),
        "dprint": ("gradlab.printing", "dprint"),
        "gradient": ("gradlab.gradient", None),
        "compile": ("gradlab.compile", None),
        "printing": ("gradlab.printing", None),
        "rewrite": ("gradlab.rewrite", None),
        "viz": ("gradlab.viz", None),
        "explain": ("gradlab.explain", None),
        "widgets": ("gradlab.widgets", None),
        "parse": ("gradlab.parse", None),
        "scalar": ("gradlab.scalar", None),
    }
    if name in lazy:
        module_name, attr = lazy[name]
        module = importlib.import_module(module_name)
        value = module if attr is None else getattr(module, attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'gradlab' has no attribute {name!r}")


__all__ = ["config", "function", "shared", "scan", "grad", "pp", "dprint", "graph", "tensor", "gradient",
           "compile", "printing", "rewrite", "explain", "viz", "widgets", "parse"]
