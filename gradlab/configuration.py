"""``gradlab.config``: the only global, mutable settings, with a context
manager (``with config.change(floatX="float32"):``) for local changes."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, fields
from typing import Any, Iterator, Optional


@dataclass
class Config:
    """Settings read at graph-build and compile time."""

    floatX: str = "float64"            #: dtype of float constructors with dtype="floatX"
    mode: str = "FAST_RUN"             #: default compilation mode
    max_rewrite_steps: int = 100_000   #: fixpoint limit of the rewrite driver
    eval_cache_size: int = 64          #: compiled functions kept by Variable.eval
    tune_malloc: bool = True           #: keep freed heap pages for reuse (glibc; see compile/memory.py)
    loop_tier: str = "auto"            #: scalar scans: "auto" (numba once it pays), "python", "compiled" (scan/tier.py)
    kernel_cache_dir: Optional[str] = None  #: compiled loops' disk cache (None: $GRADLAB_CACHE_DIR or ~/.cache/gradlab)

    @contextlib.contextmanager
    def change(self, **settings: Any) -> Iterator["Config"]:
        """Change settings inside a ``with`` block, restoring them afterwards."""
        known = {f.name for f in fields(self)}
        unknown = set(settings) - known
        if unknown:
            raise AttributeError(f"unknown config setting(s) {sorted(unknown)}; known: {sorted(known)}")
        saved = {name: getattr(self, name) for name in settings}
        for name, value in settings.items():
            setattr(self, name, value)
        try:
            yield self
        finally:
            for name, value in saved.items():
                setattr(self, name, value)

    # PyTensor spelling
    change_flags = change


config = Config()
