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


def wait_until(predicate, timeout: float, what: str, interval: float = 0.25):
    """``predicate()``'s first truthy value, polled every ``interval`` s; fail after ``timeout`` s."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def lab_api(port: int, token: str, path: str, method: str = "GET") -> object:
    """One call of the Jupyter server's REST API on 127.0.0.1 (JSON answer, or None)."""
    import json
    import urllib.request
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def start_lab(notebooks, workdir, token: str, start_timeout: float = 90):
    """``gradlab lab`` serving ``notebooks`` on a free port of 127.0.0.1 (a generator:
    yields the port once the server answers; afterwards stops its kernels and
    its process group, whatever happened)."""
    import os
    import sys
    import urllib.error
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    port = free_port()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
               JUPYTER_RUNTIME_DIR=str(Path(workdir) / "runtime"),
               JUPYTERLAB_WORKSPACES_DIR=str(Path(workdir) / "workspaces"))
    log_path = Path(workdir) / "lab.log"
    log = open(log_path, "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gradlab.cli", "lab", "--notebooks", str(notebooks), "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", "--LabApp.expose_app_in_browser=True",
         "--ServerApp.disable_check_xsrf=True"],
        cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def answering():
            if server.poll() is not None:
                pytest.fail("JupyterLab exited:\n" + log_path.read_text(errors="replace")[-3000:])
            try:
                return lab_api(port, token, "/api/status") is not None
            except (urllib.error.URLError, ConnectionError, OSError):
                return False
        wait_until(answering, start_timeout, f"JupyterLab on 127.0.0.1:{port}")
        yield port
    finally:
        try:
            for kernel in lab_api(port, token, "/api/kernels") or []:
                lab_api(port, token, f"/api/kernels/{kernel['id']}", method="DELETE")
        except Exception:  # noqa: BLE001 - the server may already be gone
            pass
        stop_process_group(server)
        log.close()


def open_and_run_all(page, port: int, token: str, notebook: str, timeout: float = 90) -> None:
    """Open ``notebook`` in the JupyterLab on ``port`` (a Playwright page), wait for its
    kernel, and start running every cell (wait for what the cells show yourself)."""
    page.goto(f"http://127.0.0.1:{port}/lab/tree/{notebook}?token={token}", timeout=timeout * 1000)
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                           timeout=timeout * 1000)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.ready")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


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
