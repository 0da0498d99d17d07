"""``gradlab lab`` for a classroom: the repository's JupyterLab settings (no news or
update pop-ups), shared with Binder's start script, and the course's first notebook
opened.  The last test starts the real JupyterLab through ``gradlab lab`` and asks it."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from browser_support import free_port, stop_process_group

from gradlab.classroom.lab import SETTINGS_ENV, first_notebook_args, lab_environment, settings_dir

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "jupyter" / "lab" / "user-settings"
NOTIFICATION = "@jupyterlab/apputils-extension:notification"
TOKEN = "gradlab-lab-test"


def read_settings(path: Path) -> dict:
    """A .jupyterlab-settings file (JSON with // comments)."""
    text = "\n".join(re.sub(r"^\s*//.*$", "", line) for line in path.read_text(encoding="utf-8").splitlines())
    return json.loads(text)


def test_the_repository_settings_switch_off_news_and_update_checks():
    assert settings_dir() == SETTINGS
    values = read_settings(SETTINGS / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings")
    assert values == {"fetchNews": "false", "checkForUpdates": False}


def test_lab_environment_points_jupyterlab_at_them_unless_the_user_chose():
    assert lab_environment({"HOME": "/home/x"})[SETTINGS_ENV] == str(SETTINGS)
    assert lab_environment({SETTINGS_ENV: "/mine"})[SETTINGS_ENV] == "/mine"


def test_binder_start_uses_the_same_settings():
    out = subprocess.run(["bash", str(ROOT / "binder" / "start"), "env"], env={**os.environ, "REPO_DIR": str(ROOT)},
                         capture_output=True, text=True, check=True, timeout=30).stdout
    assert f"{SETTINGS_ENV}={SETTINGS}\n" in out


def test_the_first_notebook_in_course_order_is_opened(tmp_path):
    for name in ["10-later.ipynb", "02-next.ipynb", "01-three ways.ipynb"]:
        (tmp_path / name).write_text("{}")
    assert first_notebook_args(tmp_path, ["--port", "9999"]) == ["--LabApp.default_url=/lab/tree/01-three%20ways.ipynb"]
    assert first_notebook_args(tmp_path, ["other.ipynb"]) == []
    assert first_notebook_args(tmp_path, ["--LabApp.default_url=/lab"]) == []
    assert first_notebook_args(tmp_path / "empty", []) == []


def test_gradlab_lab_serves_the_settings_and_opens_the_first_notebook(tmp_path):
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (pip install -e '.[workbench]')")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for name in ["02-second.ipynb", "01-first.ipynb"]:
        (notebooks / name).write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != SETTINGS_ENV}
    env.update(PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "ws"))
    log = open(tmp_path / "lab.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gradlab.cli", "lab", "--notebooks", str(notebooks), "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={TOKEN}"],
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)

    def get(path: str):
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"token {TOKEN}"})
        try:
            return opener.open(request, timeout=10)
        except urllib.error.HTTPError as exc:     # a 302 arrives here once redirects are not followed
            return exc

    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, (tmp_path / "lab.log").read_text(errors="replace")[-3000:]
            try:
                if get("/api/status").status == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            assert time.monotonic() < deadline, "JupyterLab did not start within 90 s"
            time.sleep(0.3)
        home = get("/")
        assert home.status == 302 and home.headers["Location"].startswith("/lab/tree/01-first.ipynb")
        settings = json.loads(get(f"/lab/api/settings/{NOTIFICATION}").read())
        assert settings["settings"]["fetchNews"] == "false"
        assert settings["settings"]["checkForUpdates"] is False
    finally:
        stop_process_group(server)
        log.close()
