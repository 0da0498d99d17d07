"""A pytest plugin ``gradlab check`` loads next to nbval: it writes one JSON line per
notebook cell run (and per notebook that failed to load) to the file named by
``GRADLAB_CHECK_REPORT``, so the command can print one line per notebook.

Each record: ``path`` (absolute), ``cell`` (nbval's index among the code cells,
None for the notebook itself), ``outcome``, and for a failure ``kind``
(``"differs"``, ``"raised"``, ``"timeout"``, ``"died"`` or ``"error"``) with
``detail`` (what differs, or the exception's last line).

The notebook under test runs as the same user and can write any file, so the
report is not trusted for being there: every record carries ``sig``, an
HMAC-SHA256 of the record under a key the checker hands this process through an
inherited pipe (``GRADLAB_CHECK_KEY_FD``, read and closed before any kernel
starts; kernels are started with ``close_fds`` and never see it). A line
without a valid signature was written by someone else.

A kernel that dies is noticed within a second: the kernel's message wait is
cut into one-second slices, asking between them whether the process lives.
"""
from __future__ import annotations

import json
import os
import re
import time
from queue import Empty
from typing import Any, Dict, List, Optional

import pytest

from gradlab.classroom.report_signing import KEY_FD_ENV, signature

REPORT_ENV = "GRADLAB_CHECK_REPORT"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_POLL = 0.5                      # s between two looks at whether the kernel lives
_KEY: Dict[str, bytes] = {}      # the signing key, read once from the checker's pipe


class KernelDied(RuntimeError):
    """The notebook's kernel process ended while a cell ran."""


def _read_key(config: Any) -> None:
    """The signing key: from the checker's pipe, or (a pytest-xdist worker) over its channel."""
    worker = getattr(config, "workerinput", None)
    if worker is not None and "gradlab_check_key" in worker:
        _KEY["key"] = bytes.fromhex(worker["gradlab_check_key"])
        return
    fd = os.environ.pop(KEY_FD_ENV, None)
    if fd is not None and "key" not in _KEY:
        try:
            with os.fdopen(int(fd), "rb") as pipe:
                _KEY["key"] = pipe.read()
        except OSError:
            pass


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: hand the key to each worker over execnet (never the environment)."""
    if "key" in _KEY:
        node.workerinput["gradlab_check_key"] = _KEY["key"].hex()


def _write(record: Dict[str, Any]) -> None:
    path = os.environ.get(REPORT_ENV)
    if path:
        if "key" in _KEY:
            record = dict(record, sig=signature(_KEY["key"], record))
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")


def _watch(kernel: Any) -> None:
    """Make ``kernel.get_message`` wait in slices and raise :class:`KernelDied` when the process is gone."""
    if getattr(kernel, "_gradlab_watched", False):
        return
    wait = kernel.get_message

    def get_message(stream: str, timeout: Optional[float] = None) -> Any:
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            left = _POLL if end is None else min(_POLL, end - time.monotonic())
            try:
                return wait(stream, timeout=max(left, 0.0))
            except Empty:
                if not kernel.is_alive():
                    code = getattr(getattr(kernel.km, "provisioner", None), "exit_code", None)
                    raise KernelDied("the kernel died while the cell ran"
                                     + (f" (exit status {code})" if code is not None else "")) from None
                if end is not None and time.monotonic() >= end:
                    raise

    kernel.get_message = get_message
    kernel._gradlab_watched = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: Any):
    yield
    kernel = getattr(getattr(item, "parent", None), "kernel", None)
    if kernel is not None and hasattr(kernel, "get_message"):
        _watch(kernel)


def _plain(text: str) -> str:
    return _ANSI.sub("", text or "")


def _text_of(item: Any, outputs: Optional[List[Any]]) -> str:
    """The printed text of a cell's outputs (streams and text/plain), as nbval sanitizes it."""
    parts = []
    for out in outputs or []:
        kind = out.get("output_type")
        if kind == "stream":
            parts.append(out.get("text", ""))
        elif kind in ("execute_result", "display_data"):
            parts.append((out.get("data") or {}).get("text/plain", ""))
        elif kind == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}\n")
    text = "".join(p if isinstance(p, str) else "".join(p) for p in parts)
    return item.sanitize(text) if hasattr(item, "sanitize") else text


def _first_difference(expected: str, got: str) -> str:
    exp_lines, got_lines = expected.splitlines(), got.splitlines()
    for i in range(max(len(exp_lines), len(got_lines))):
        e = exp_lines[i] if i < len(exp_lines) else None
        g = got_lines[i] if i < len(got_lines) else None
        if e != g:
            where = f"line {i + 1}: " if max(len(exp_lines), len(got_lines)) > 1 else ""
            shown_e = "nothing" if e is None else repr(e)
            shown_g = "nothing" if g is None else repr(g)
            return f"{where}expected {shown_e}, got {shown_g}"
    return ""


def _describe(item: Any, exc: BaseException) -> Dict[str, str]:
    message = str(exc)
    inner = _plain(getattr(exc, "inner_traceback", "") or "")
    if isinstance(exc, KernelDied) or "Kernel dead" in message:
        return {"kind": "died", "detail": message if isinstance(exc, KernelDied) else "the kernel had died"}
    timeout = re.match(r"Timeout of ([0-9.]+) seconds exceeded", message)
    if timeout:
        return {"kind": "timeout", "detail": f"did not finish within {float(timeout.group(1)):g} s"}
    if "outputs differ" in message:
        detail = _first_difference(_text_of(item, item.cell.get("outputs")), _text_of(item, item.test_outputs))
        if not detail:
            keys = re.findall(r"mismatch '([^']+)'", _plain("\n".join(getattr(item, "comparison_traceback", []))))
            missing = re.findall(r"missing keys?:? *([^\n]*)", _plain("\n".join(getattr(item, "comparison_traceback",
                                                                                     []))), re.IGNORECASE)
            if keys:
                detail = f"the {keys[0]} output differs"
            elif missing:
                detail = f"outputs appear or disappear ({missing[0].strip()})"
            else:
                detail = "the outputs differ"
        return {"kind": "differs", "detail": detail}
    if inner:
        lines = [line.strip() for line in inner.splitlines() if line.strip()]
        return {"kind": "raised", "detail": lines[-1] if lines else message}
    return {"kind": "error", "detail": message.splitlines()[0] if message else type(exc).__name__}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: Any, call: Any):
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" and not report.failed:
        return
    record: Dict[str, Any] = {"path": str(item.path), "cell": getattr(item, "cell_num", None),
                              "outcome": report.outcome, "when": report.when}
    if report.failed and call.excinfo is not None:
        record.update(_describe(item, call.excinfo.value))
    _write(record)


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        lines = [line for line in _plain(report.longreprtext).splitlines() if line.strip()]
        _write({"path": str(getattr(report, "fspath", report.nodeid)), "nodeid": report.nodeid, "cell": None,
                "outcome": "failed", "when": "collect", "kind": "error",
                "detail": lines[-1].strip() if lines else "could not be read"})


# ---------------------------------------------------------------- numbers within a tolerance
RTOL_ENV = "GRADLAB_CHECK_RTOL"
ATOL_ENV = "GRADLAB_CHECK_ATOL"
#: the text fields of an output whose numbers are compared within the tolerance (nbval
#: keys a stream's text by the stream's name)
_TEXT_FIELDS = ("text/plain", "stdout", "stderr")


def _aligned_fields(new: Any, old: Any, rtol: float, atol: float) -> Any:
    """``new`` (a dict of an output's fields) with each text that matches ``old``'s
    within the tolerance replaced by ``old``'s."""
    from gradlab.classroom.tolerance import texts_match
    copy = type(new)(new)
    for key in _TEXT_FIELDS:
        if isinstance(copy.get(key), str) and isinstance(old.get(key), str) \
                and texts_match(old[key], copy[key], rtol, atol):
            copy[key] = old[key]
    if isinstance(copy.get("data"), dict) and isinstance(old.get("data"), dict):
        copy["data"] = _aligned_fields(copy["data"], old["data"], rtol, atol)
    return copy


def _align(test: List[Any], ref: List[Any], rtol: float, atol: float) -> List[Any]:
    """``test`` (outputs as nbval compares them) with each text that matches its stored
    counterpart within the tolerance replaced by the stored text, so that nbval's exact
    comparison passes it."""
    aligned = [_aligned_fields(new, old, rtol, atol) if new.get("output_type") == old.get("output_type") else new
               for new, old in zip(test, ref)]
    return aligned + list(test[len(ref):])


def pytest_configure(config: Any) -> None:
    """Read the signing key (see the module doc).  With ``GRADLAB_CHECK_RTOL`` (or ``_ATOL``)
    set, nbval's cells compare numbers in their text outputs within that tolerance
    (:mod:`gradlab.classroom.tolerance`)."""
    _read_key(config)
    rtol, atol = float(os.environ.get(RTOL_ENV) or 0), float(os.environ.get(ATOL_ENV) or 0)
    if not (rtol or atol):
        return
    from nbval import plugin
    exact = plugin.IPyNbCell.compare_outputs
    if getattr(exact, "gradlab_tolerance", None) == (rtol, atol):
        return
    transform = plugin.transform_streams_for_comparison

    def transform_once(outputs: Any) -> list:
        # a stream nbval has transformed is a plain dict keyed by the stream's name
        return [o if o.get("output_type") == "stream" and "name" not in o else transform([o])[0] for o in outputs]

    def compare_outputs(self: Any, test: Any, ref: Any, skip_compare: Any = None) -> bool:
        test, ref = transform_once(test), transform_once(ref)
        return exact(self, _align(test, ref, rtol, atol), ref, skip_compare)

    compare_outputs.gradlab_tolerance = (rtol, atol)  # type: ignore[attr-defined]
    plugin.transform_streams_for_comparison = transform_once
    plugin.IPyNbCell.compare_outputs = compare_outputs
