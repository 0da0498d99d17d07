"""Two tiers for scalar loops: Python floats at once, numba once it pays.

``function()`` links the Python-float loop (:mod:`gradlab.scan.scalar_loop`)
as today, wrapped in a :class:`LoopTier` that counts its calls.  The
compiled version (:mod:`gradlab.scan.kernel`) costs a one-time price ``C``
(importing numba, then compiling the kernel or loading it from the disk
cache) and saves almost all of the Python loop's time per step, so the tier
buys it the ski-rental way: once the Python loop has spent about ``C`` —
estimated as calls × steps × inner nodes × :data:`PY_SECONDS_PER_OP` — the kernel
is built in a background thread, and the loop switches to it on the first
call after it is ready.  Never worse than twice the better choice made in
hindsight, and a loop that runs a few times never pays anything.

Stages of one loop (``tier.state``)::

    "python"      counting; after PROBE_SECONDS of estimated work the kernel's
                  source is generated and the price looked up (cached on disk or not)
    "waiting"     counting towards the price
    "compiling"   the background thread is importing numba / compiling
    "compiled"    the kernel runs (its first result was checked against the
                  Python loop's, bit for bit)
    "failed"      compiling, loading or the check failed: the Python loop runs,
                  after one warning
    "unavailable" numba is not installed: the Python loop runs, silently

``gradlab.config.loop_tier`` forces a tier: ``"python"`` (never compile),
``"compiled"`` (compile now, blocking, on the first call; a missing numba
warns once and runs Python), ``"auto"`` (the default, above).  The
background thread never touches the loop in use: only the caller's thread
swaps tiers, between two calls, so a call runs one tier from start to end.
``f.maker.loop_tiers`` names the tier of each loop and the one that ran last.
"""
from __future__ import annotations

import importlib.util
import sys
import threading
import warnings
from typing import Any, Callable, Optional

import numpy as np

from gradlab.codegen.linker import CodegenContext, compile_source
from gradlab.configuration import config

# The prices, in CPU seconds, as `python -m benchmarks.tier_costs` measured them on the
# development machine (W7's two loops; see benchmarks/README.md):
#: Python-loop time per step and inner node (W7: 25 ns, its whole call divided by steps x nodes)
PY_SECONDS_PER_OP = 25e-9
#: first use of numba in a process: ``import numba`` (0.2 s) and LLVM's set-up on the first kernel (0.3 s)
NUMBA_IMPORT_SECONDS = 0.5
#: compiling one small kernel once numba is set up (W7's: 0.1 s)
COMPILE_SECONDS = 0.1
#: loading one from numba's disk cache once numba is set up (W7's: 7 ms)
LOAD_SECONDS = 0.01
#: work after which a loop looks at its price: generating the kernel's source takes ~1 ms
#: the first time in a process (0.15 ms after), so a loop must have run 20x that first
PROBE_SECONDS = 20e-3

TIERS = ("auto", "python", "compiled")

_NEVER = float("inf")
_numba_found: list = []


def numba_available() -> bool:
    """Is numba installed?  (Looked up once, without importing it.)"""
    if "numba" in sys.modules:
        return sys.modules["numba"] is not None
    if not _numba_found:
        try:
            _numba_found.append(importlib.util.find_spec("numba") is not None)
        except (ImportError, ValueError):
            _numba_found.append(False)
    return _numba_found[0]


def same_results(a: tuple, b: tuple) -> bool:
    """Bit-for-bit equal outputs (NaN equals NaN; the sign of a NaN is not compared)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        x, y = np.asarray(x), np.asarray(y)
        if x.shape != y.shape or x.dtype != y.dtype:
            return False
        if x.dtype.kind == "f":
            nan = np.isnan(x)
            if not np.array_equal(nan, np.isnan(y)):
                return False
            x, y = np.where(nan, 0.0, x), np.where(nan, 0.0, y)
            if x.tobytes() != y.tobytes():  # also tells 0.0 from -0.0
                return False
        elif not np.array_equal(x, y):
            return False
    return True


class LoopTier:
    """The tiers of one scalar loop (see the module docstring)."""

    def __init__(self, op: Any, fgraph: Any, python_loop: Callable):
        self.op, self.fgraph, self.python_loop = op, fgraph, python_loop
        self.name = op.spec.who()
        self.ops = max(1, len(fgraph.apply_nodes))
        self.state = "python"
        self.last: Optional[str] = None
        self.calls = 0              # calls run by the Python loop in the auto tier
        self.threshold = 1.0        # the call count at which _advance looks next
        self.source: Optional[str] = None
        self.cached = False
        self.error: Optional[BaseException] = None
        self.compiled: Optional[Callable] = None
        self._ready: Optional[Callable] = None
        self._thread: Optional[threading.Thread] = None
        #: the loop that runs in the auto tier once counting is over (None: count, run Python)
        self.current: Optional[Callable] = None

    def describe(self) -> str:
        text = self.state
        if self.state == "failed" and self.error is not None:
            text += f" ({type(self.error).__name__}: {str(self.error).splitlines()[0][:120] if str(self.error) else ''})"
        return text

    def _calls_for(self, seconds: float, args: tuple) -> float:
        """Calls of this loop (with this call's number of steps) that take ``seconds`` in Python."""
        return seconds / (PY_SECONDS_PER_OP * self.ops * max(1, int(args[0])))

    # -- the auto tier ------------------------------------------------------
    def _advance(self, args: tuple) -> Optional[tuple]:
        """The next stage, in the caller's thread; returns the call's results when
        the compiled loop was swapped in (and checked) on this call."""
        if self.state == "python":
            probe = self._calls_for(PROBE_SECONDS, args)
            if self.calls < probe:
                self.threshold = probe
                return None
            if not numba_available():
                return self._give_up("unavailable", None)
            if not self._prepare():
                return None
            self.state = "waiting"
        if self.state == "waiting":
            # the price falls once another loop has set numba up: look again after each
            # quarter of what is left, so a loop never waits for an import already paid
            need = self._calls_for(self._price(), args)  # every Python call so far counts
            if self.calls < need:
                self.threshold = self.calls + max(1.0, (need - self.calls) / 4)
                return None
            self.state, self.threshold = "compiling", _NEVER
            self._thread = threading.Thread(target=self._build, name=f"gradlab-compile {self.name}", daemon=True)
            self._thread.start()
            return None
        if self.state == "compiling" and (self._ready is not None or self.error is not None):
            return self._swap(args)
        return None

    def _price(self) -> float:
        """Seconds the kernel would cost now (see the constants above)."""
        ready = sys.modules.get("numba") is not None and getattr(sys.modules["numba"], "njit", None) is not None
        return (0.0 if ready else NUMBA_IMPORT_SECONDS) + (LOAD_SECONDS if self.cached else COMPILE_SECONDS)

    def _prepare(self) -> bool:
        """Generate the kernel's source (once) and see whether it is cached."""
        if self.source is not None:
            return True
        from gradlab.scan.kernel import is_cached, kernel_source
        try:
            self.source = kernel_source(self.op, self.fgraph)
            self.cached = is_cached(self.source)
        except Exception as exc:  # a graph the kernel writer cannot spell
            self.error = exc
            self._give_up("failed", exc)
            return False
        return True

    def _build(self) -> None:
        """Background thread: import numba, compile or load the kernel.  Touches
        nothing the running loop reads; the caller's thread swaps it in."""
        try:
            from gradlab.scan.kernel import compiled_loop, load_kernel
            kernel = load_kernel(self.source)
            self._ready = compiled_loop(self.op, self.fgraph, kernel, self)
        except BaseException as exc:  # noqa: BLE001 - any failure means: stay with Python
            self.error = exc
        finally:
            self.threshold = 0  # the next call looks

    def _swap(self, args: tuple) -> Optional[tuple]:
        if self._ready is None:
            return self._give_up("unavailable" if isinstance(self.error, ImportError) else "failed", self.error)
        expected = self.python_loop(*args)
        try:
            got = self._ready(*args)
        except Exception as exc:  # noqa: BLE001
            self.error = exc
            self._give_up("failed", exc)
            return expected
        if not same_results(got, expected):
            self.error = ValueError("its results differ from the Python loop's on the first call")
            self._give_up("failed", self.error)
            return expected
        self.compiled = self.current = self._ready
        self.state, self.last = "compiled", "compiled"
        return got

    def _give_up(self, state: str, exc: Optional[BaseException]) -> None:
        self.state, self.threshold, self.current, self.last = state, _NEVER, self.python_loop, "python"
        if state == "failed":
            warnings.warn(f"{self.name}: the compiled loop is not used, the Python loop runs instead "
                          f"({type(exc).__name__}: {exc})", RuntimeWarning, stacklevel=4)
        return None

    # -- forced tiers -------------------------------------------------------
    def forced(self, choice: str, args: tuple) -> tuple:
        if choice == "python":
            self.last = "python"
            return self.python_loop(*args)
        if choice != "compiled":
            raise ValueError(f"gradlab.config.loop_tier must be one of {', '.join(map(repr, TIERS))}, "
                             f"got {choice!r}")
        if self.state == "compiled":
            return self.compiled(*args)
        if self.state in ("failed", "unavailable"):
            self.last = "python"
            return self.python_loop(*args)
        if not numba_available():
            self._give_up("failed", ImportError("numba is not installed (pip install 'gradlab[compiled]')"))
            self.state = "unavailable"
            return self.python_loop(*args)
        if self.state in ("python", "waiting"):
            if not self._prepare():
                return self.python_loop(*args)
            self.state = "compiling"
            self._build()
        elif self._thread is not None:
            self._thread.join()  # forced: wait for the background compile
        return self._swap(args) or self.python_loop(*args)


def tiered(op: Any, fgraph: Any, python_loop: Callable) -> Callable:
    """``python_loop`` behind the tiers: the function the Scan node calls.

    Generated with the loop's own parameters, one call deep, since it runs on
    every call of a loop however small: in the auto tier it runs ``tier.current``
    (the compiled loop) once there is one, and until then counts the call and
    runs the Python loop (``tier.last`` stays None there: "python").
    """
    tier = LoopTier(op, fgraph, python_loop)
    spec = op.spec
    params = ", ".join(["n_steps"] + [f"seq{k}" for k in range(spec.n_seqs)] + [f"init{k}" for k in
                       range(spec.n_states)] + [f"ns{j}" for j in range(spec.n_nonseqs)])
    source = (f"def scan_loop_tiered({params}):\n"
              f"    choice = _config.loop_tier\n"
              f"    if choice == 'auto':\n"
              f"        run = _tier.current\n"
              f"        if run is not None:\n"
              f"            return run({params})\n"
              f"        _tier.calls += 1\n"
              f"        if _tier.calls >= _tier.threshold:\n"
              f"            picked = _tier._advance(({params},))\n"
              f"            if picked is not None:\n"
              f"                return picked\n"
              f"        return _python_loop({params})\n"
              f"    return _tier.forced(choice, ({params},))\n")
    ctx = CodegenContext()
    ctx.globals.update(_config=config, _tier=tier, _python_loop=python_loop)
    scan_loop_tiered = compile_source(source, ctx, "scan_loop_tiered",
                                      filename=f"<gradlab-scan-{spec.name or 'loop'}-tiered>")
    scan_loop_tiered.tier = tier
    scan_loop_tiered.source = python_loop.source
    scan_loop_tiered.fallback = getattr(python_loop, "fallback", None)
    return scan_loop_tiered


def loop_tiers(globals_: dict) -> dict:
    """``{loop name: "stage, ran: tier"}`` for the tiered loops bound in a generated module."""
    found = {}
    for name, value in globals_.items():
        tier = getattr(value, "tier", None)
        if isinstance(tier, LoopTier):
            found[name.lstrip("_")] = {"state": tier.describe(), "ran": tier.last}
    return found
