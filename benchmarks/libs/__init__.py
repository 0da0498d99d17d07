"""The libraries under test: one implementation module per library.

Each module defines, for every workload it supports, a builder
``build_<workload>`` or ``build_<workload>_<variant>`` (e.g. ``build_w2``,
``build_w4_scan``) taking the dict of numpy inputs from
:mod:`benchmarks.workloads` and returning a zero-argument callable.  Calling it
computes the workload once and returns the result (an array-like or a
tuple/list of them); it must block until the result is ready.  The builder does
all graph construction and compilation it can do ahead of time; converting the
numpy inputs to the library's own arrays also happens there, outside the timed
call.

Which builders a module has is read from its source with :mod:`ast`, so the
parent process never imports a peer library.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Lib:
    name: str  # the name used on the command line and in the table
    module: str  # the implementation module in this package
    import_name: str  # the top-level package whose presence decides "installed"
    dists: tuple[str, ...]  # distributions whose versions the report lists
    always_run: bool = False  # never "skipped": a failure to import is an error row

    @property
    def path(self) -> Path:
        return HERE / f"{self.module}.py"


LIBS: tuple[Lib, ...] = (
    Lib("numpy", "numpy_ref", "numpy", ("numpy",), always_run=True),
    Lib("gradlab", "gradlab_impl", "gradlab", ("gradlab",), always_run=True),
    Lib("pytensor", "pytensor_impl", "pytensor", ("pytensor", "numba")),
    Lib("jax", "jax_impl", "jax", ("jax", "jaxlib")),
    Lib("autograd", "autograd_impl", "autograd", ("autograd",)),
    Lib("torch", "torch_impl", "torch", ("torch",)),
)
BY_NAME = {lib.name: lib for lib in LIBS}


def installed(lib: Lib) -> bool:
    """True when the library can be found, without importing it."""
    return importlib.util.find_spec(lib.import_name) is not None


@functools.lru_cache(maxsize=None)
def builders(lib_name: str) -> frozenset[str]:
    """Names of the ``build_*`` functions defined at the top of a lib module."""
    import ast  # only the parent needs it; children stay lean

    tree = ast.parse(BY_NAME[lib_name].path.read_text())
    return frozenset(
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("build_")
    )


def builder_for(lib_name: str, candidates: tuple[str, ...]) -> str | None:
    """The first of ``candidates`` that the module defines, or None (n/a)."""
    have = builders(lib_name)
    for name in candidates:
        if name in have:
            return name
    return None
