"""``gradlab.scan``: loops in symbolic graphs.

    h, updates = gradlab.scan(lambda x_t, h_prev, a: gt.tanh(a * h_prev + x_t),
                              sequences=x, outputs_info=h0, non_sequences=a)

- :mod:`.builder` — :func:`scan`, which turns a step function into a node;
- :mod:`.utils` — :class:`until`, the stop condition of a while loop;
- :mod:`.step` — what fn returned, taken apart (outputs, updates, until),
  and its random draws rewired to one generator per step;
- :mod:`.op` — the :class:`Scan` op (:class:`ScanSpec` describes its loop);
- :mod:`.loop` / :mod:`.scalar_loop` — the compiled loop (numpy values, or
  Python floats for scalar recurrences);
- :mod:`.tier` / :mod:`.kernel` — the scalar loops' compiled tier: a numba kernel
  built in the background once a loop has run long enough to pay for it;
- :mod:`.grad` — reverse mode: a scan running backwards in time;
- :mod:`.rop` — forward mode: a scan carrying tangents;
- :mod:`.analysis` — connection pattern and shape inference;
- :mod:`.inner` — how every Scan node is assembled (closures, hoisting).

This package's ``__init__`` imports nothing heavy, so ``import gradlab``
can bind ``gradlab.scan`` to the function :func:`scan` eagerly (the
attribute ``gradlab.scan`` is that function; the module is
``sys.modules["gradlab.scan"]``, and ``from gradlab.scan import X`` reads it).
"""
from __future__ import annotations

from typing import Any

__all__ = ["scan", "until", "Scan", "ScanSpec", "ScanBuildError", "ScanRuntimeError"]


def scan(fn: Any, sequences: Any = None, outputs_info: Any = None, non_sequences: Any = None,
         n_steps: Any = None, go_backwards: bool = False, truncate_gradient: int = -1,
         name: Any = None, return_list: bool = False, mode: Any = None, return_updates: bool = True,
         strict: bool = False) -> Any:
    """Loop ``fn`` over ``sequences`` (or ``n_steps`` times), feeding back the
    outputs that ``outputs_info`` gives initial values; returns ``(outputs,
    updates)`` (the outputs alone with ``return_updates=False``).  Step ``t``
    computes ``out[t] = fn(seq[t], ..., out[t-1], ..., *non_sequences)``; a
    step returning ``(outputs, until(cond))`` stops early.  Full description:
    :func:`gradlab.scan.builder.scan`."""
    from gradlab.scan.builder import scan as build
    return build(fn, sequences=sequences, outputs_info=outputs_info, non_sequences=non_sequences,
                 n_steps=n_steps, go_backwards=go_backwards, truncate_gradient=truncate_gradient, name=name,
                 return_list=return_list, mode=mode, return_updates=return_updates, strict=strict)


def __getattr__(name: str) -> Any:
    if name in ("Scan", "ScanSpec"):
        from gradlab.scan import op
        return getattr(op, name)
    if name == "until":
        from gradlab.scan.utils import until
        return until
    if name in ("ScanBuildError", "ScanRuntimeError"):
        from gradlab.scan import errors
        return getattr(errors, name)
    raise AttributeError(f"module 'gradlab.scan' has no attribute {name!r}")
