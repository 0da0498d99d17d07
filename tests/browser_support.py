"""What the end-to-end tests share (the workbench in JupyterLab, the course
website, ``gradlab lab``): Debian's chromium, a free local port, and stopping
a server started in its own process group."""
from __future__ import annotations

import os
import signal
import socket
import subprocess

import pytest


def chromium_path() -> str:
    """Debian's chromium (GRADLAB_CHROMIUM overrides); skip when there is none."""
    for candidate in (os.environ.get("GRADLAB_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    pytest.skip("no chromium here (looked for GRADLAB_CHROMIUM, /usr/bin/chromium, /usr/bin/chromium-browser): "
                "`bash dev.sh test` installs Debian's chromium when run as root (apt-get install chromium)")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process_group(process: subprocess.Popen, grace: float = 15) -> None:
    """SIGTERM the process group of ``process`` (started with ``start_new_session``),
    then SIGKILL it if it has not ended after ``grace`` seconds."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=grace)


def wait_until_answers(process: subprocess.Popen, answer, timeout: float, what: str, log_path) -> None:
    """Call ``answer()`` until it returns without an OSError (the server answers), for at
    most ``timeout`` seconds; fail with the end of the server's log if ``process`` exits
    or the time runs out."""
    import time
    from pathlib import Path
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with status {process.returncode}:\n"
                        + Path(log_path).read_text(errors="replace")[-3000:])
        try:
            answer()
            return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(f"{what} did not answer within {timeout} s:\n"
                            + Path(log_path).read_text(errors="replace")[-3000:])
            time.sleep(0.3)
