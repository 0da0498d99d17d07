"""Keep freed array memory in the process between calls (glibc only).

A compiled function allocates its intermediate buffers with ``np.empty`` on
every call.  glibc's malloc gives a freed block at the top of the heap back
to the kernel once more than ``M_TRIM_THRESHOLD`` (dynamically about twice the
largest recent block, e.g. 1.6 MB after 800 KB arrays) is free, so the next
call's ``np.empty`` faults every page in again: for a 100,000-element float64
expression that is ~0.3 ms per buffer, more than the arithmetic.  Raising the
trim threshold (and pinning the mmap threshold at glibc's own dynamic maximum,
32 MB, since setting one option switches the dynamic adjustment off) keeps up to
``_TRIM_BYTES`` of freed heap for reuse.  Arrays of 32 MB and more are mmapped
either way.

Set ``gradlab.config.tune_malloc = False`` before the first compilation to
leave malloc alone (the setting changes the whole process's allocator).
"""
from __future__ import annotations

import sys

from gradlab.configuration import config

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
_TRIM_BYTES = 256 * 1024 * 1024
_MMAP_BYTES = 32 * 1024 * 1024

_tuned = False


def tune_malloc() -> bool:
    """Apply the settings above once per process; True when glibc accepted them."""
    global _tuned
    if _tuned or not config.tune_malloc or not sys.platform.startswith("linux"):
        return _tuned
    _tuned = True
    try:
        import ctypes
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_BYTES)) and bool(mallopt(_M_TRIM_THRESHOLD, _TRIM_BYTES))
