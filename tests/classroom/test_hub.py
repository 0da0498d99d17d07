"""A class on one server, end to end: ``gradlab hub``'s configuration
(``jupyter/hub/jupyterhub_config.py``) runs JupyterHub with configurable-http-proxy on
127.0.0.1; the test creates 20 students through the hub's REST API, starts their
servers, and in each server runs the course's notebook 02 to the end through that
server's API (a kernel and its websocket, as JupyterLab does), comparing the outputs
of its checked cells with the stored ones.  It measures the memory of each student
(server + kernel, resident set) and of the whole, and the time per notebook, writes
them to ``measurements.json`` (in the test's folder, or GRADLAB_HUB_MEASUREMENTS:
``jupyter/hub/measurements.json`` is such a run, the one the README and the Zero to
JupyterHub values quote), checks that a student fits in the memory those values
reserve, and shuts everything down.  Then, on the same hub: an nbgitpuller pull that
keeps a student's edit, and nbgrader's release, fetch, submit, collect and autograde
through the hub's exchange.  Loopback only; every wait is bounded.

The notebooks run in batches of ``PARALLEL`` at a time (the machine has 2 cores);
the servers all start at once, as at the beginning of a class.
"""
from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import time
from pathlib import Path

import pytest
from browser_support import free_port, stop_process_group, wait_until_answers

from gradlab.classroom.course import ClassroomError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "02-backprop-by-hand.ipynb"
STUDENTS = int(os.environ.get("GRADLAB_HUB_STUDENTS", "20"))
PARALLEL = 4                    # notebooks running at once
HUB_START_TIMEOUT = 90          # s
SPAWN_TIMEOUT = 240             # s, every server ready
NOTEBOOK_TIMEOUT = 240          # s, one notebook

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


def tree_rss(process) -> int:
    """Resident memory of a process and its descendants (bytes)."""
    import psutil
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.Error:
            pass
    return total


def memory_by_student(hub_pid: int) -> tuple:
    """``({user: bytes}, hub_and_proxy_bytes)``: each student's server with its kernels,
    and the hub, its proxy and services."""
    import psutil
    hub = psutil.Process(hub_pid)
    students, own = {}, 0
    servers = set()
    for p in hub.children(recursive=True):
        try:
            user = p.environ().get("JUPYTERHUB_USER")
            parent_user = p.parent().environ().get("JUPYTERHUB_USER") if p.parent() else None
        except psutil.Error:
            continue
        if user and parent_user != user:
            servers.add(p.pid)
            students[user] = tree_rss(p)
    for p in [hub, *hub.children(recursive=True)]:
        try:
            if p.pid in servers or any(a.pid in servers for a in p.parents()):
                continue
            own += p.memory_info().rss
        except psutil.Error:
            pass
    return students, own


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    """The hub, started once for this module's tests: ``(url, token, process, data folder)``."""
    tmp_path = tmp_path_factory.mktemp("hub")
    pytest.importorskip("jupyterhub", reason="JupyterHub is not installed (pip install -e '.[classroom]')")
    pytest.importorskip("psutil", reason="psutil is not installed")
    from gradlab.classroom import hub as hub_module
    try:
        proxy = hub_module.proxy_command()
    except ClassroomError as exc:
        pytest.skip(str(exc))
    token = secrets.token_hex(24)
    port = free_port()
    env = hub_module.hub_environment(port=port, data=tmp_path / "hub", auth="none", api_token=token,
                                     internal_port=free_port(), proxy_api_port=free_port(), cull_idle=0)
    assert env["GRADLAB_HUB_PROXY"] == proxy
    log_path = tmp_path / "jupyterhub.log"
    log = open(log_path, "wb")
    process = subprocess.Popen(hub_module.hub_command(), cwd=tmp_path, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        import urllib.request
        wait_until_answers(process, lambda: urllib.request.urlopen(f"{base}/hub/api/", timeout=5).read(),
                           HUB_START_TIMEOUT, f"jupyterhub on {base}", log_path)
        yield base, token, process, tmp_path / "hub"
    finally:
        stop_process_group(process, grace=30)
        log.close()


async def class_of(base: str, token: str, hub_pid: int, n: int) -> dict:
    from hub_client import Hub, run_notebook
    hub = Hub(base, token)
    notebook = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    names = [f"student{i:02d}" for i in range(1, n + 1)]
    await hub.api("POST", "/hub/api/users", {"usernames": names})
    t0 = time.monotonic()
    for name in names:                                  # the spawns run concurrently in the hub
        await hub.api("POST", f"/hub/api/users/{name}/server")
    await asyncio.gather(*(hub.wait_ready(name, SPAWN_TIMEOUT) for name in names))
    spawn_seconds = time.monotonic() - t0
    tokens = {name: (await hub.api("POST", f"/hub/api/users/{name}/tokens",
                                   {"expires_in": 1800, "note": "gradlab hub test"}))["token"] for name in names}
    idle_students, _ = memory_by_student(hub_pid)
    gate = asyncio.Semaphore(PARALLEL)
    peak = {"students": {}, "hub": 0}

    async def one(name: str):
        async with gate:
            run = await asyncio.wait_for(run_notebook(hub, name, tokens[name], notebook), NOTEBOOK_TIMEOUT)
            return run

    async def watch():
        while True:                                     # the largest memory seen while the notebooks run
            students, own = memory_by_student(hub_pid)
            for user, rss in students.items():
                peak["students"][user] = max(rss, peak["students"].get(user, 0))
            peak["hub"] = max(peak["hub"], own)
            await asyncio.sleep(1.0)

    watching = asyncio.ensure_future(watch())
    t1 = time.monotonic()
    try:
        runs = await asyncio.gather(*(one(name) for name in names))
    finally:
        watching.cancel()
        await asyncio.gather(watching, return_exceptions=True)
    run_seconds = time.monotonic() - t1
    await asyncio.gather(*(hub.api("DELETE", f"/hub/api/users/{name}/server") for name in names))
    return {"students": n, "parallel": PARALLEL, "spawn_seconds": spawn_seconds, "run_seconds": run_seconds,
            "runs": runs, "idle_students": idle_students, "peak": peak}


def test_twenty_students_each_run_notebook_02_on_one_hub(hub, tmp_path):
    base, token, process, _ = hub
    measured = asyncio.run(class_of(base, token, process.pid, STUDENTS))
    runs = measured["runs"]
    problems = [f"{r.user}: {e}" for r in runs for e in r.errors + r.mismatches]
    assert problems == [], "\n".join(problems)
    assert all(r.cells == sum(c["cell_type"] == "code" for c in json.loads(NOTEBOOK.read_text())["cells"])
               for r in runs)
    assert all(r.compared >= 5 for r in runs), [r.compared for r in runs]
    mib = 1024 * 1024
    idle = sorted(v / mib for v in measured["idle_students"].values())
    peak = sorted(v / mib for v in measured["peak"]["students"].values())
    assert len(idle) == STUDENTS and len(peak) == STUDENTS, (len(idle), len(peak))
    seconds = sorted(r.seconds for r in runs)
    summary = {
        "students": STUDENTS, "notebook": NOTEBOOK.name, "parallel_notebooks": PARALLEL,
        "cpu_cores": os.cpu_count(),
        "spawn_all_seconds": round(measured["spawn_seconds"], 1),
        "run_all_seconds": round(measured["run_seconds"], 1),
        "notebook_seconds": {"min": round(seconds[0], 1), "median": round(seconds[len(seconds) // 2], 1),
                             "max": round(seconds[-1], 1)},
        "student_idle_server_mib": {"min": round(idle[0]), "median": round(idle[len(idle) // 2]),
                                    "max": round(idle[-1])},
        "student_peak_with_kernel_mib": {"min": round(peak[0]), "median": round(peak[len(peak) // 2]),
                                         "max": round(peak[-1])},
        "hub_and_proxy_mib": round(measured["peak"]["hub"] / mib),
        "total_peak_mib": round((sum(measured["peak"]["students"].values()) + measured["peak"]["hub"]) / mib),
    }
    out = Path(os.environ.get("GRADLAB_HUB_MEASUREMENTS") or tmp_path / "measurements.json")
    out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    # a student's server with a kernel that ran the notebook: real numbers, not zeros, and
    # within the memory the Zero to JupyterHub values reserve for a student
    assert 30 <= summary["student_peak_with_kernel_mib"]["median"], summary
    import yaml
    from test_z2jh_values import kubernetes_bytes
    guarantee = yaml.safe_load((ROOT / "jupyter" / "hub" / "z2jh-values.yaml").read_text())["singleuser"]["memory"]
    assert max(measured["peak"]["students"].values()) <= kubernetes_bytes(guarantee["guarantee"]), summary


# ---------------------------------------------------------------- the course and the assignments

def git(folder: Path, *args: str) -> str:
    run = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=60,
                         env=dict(os.environ, GIT_AUTHOR_NAME="teacher", GIT_AUTHOR_EMAIL="t@example.org",
                                  GIT_COMMITTER_NAME="teacher", GIT_COMMITTER_EMAIL="t@example.org"))
    assert run.returncode == 0, run.stderr
    return run.stdout


def teacher_repository(folder: Path) -> Path:
    """A course repository (a local git repository: no network) with one notebook and a README."""
    folder.mkdir()
    git(folder, "init", "-q", "-b", "main")
    (folder / "notebooks").mkdir()
    (folder / "notebooks" / "01-intro.ipynb").write_text(json.dumps(
        {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5, "version": 1}), encoding="utf-8")
    (folder / "README.md").write_text("week 1\n", encoding="utf-8")
    git(folder, "add", "-A")
    git(folder, "commit", "-q", "-m", "week 1")
    return folder


async def one_student(api, name: str) -> str:
    """Create the student ``name``, start their server, and return a token of theirs."""
    await api.api("POST", "/hub/api/users", {"usernames": [name]})
    await api.api("POST", f"/hub/api/users/{name}/server")
    await api.wait_ready(name, SPAWN_TIMEOUT)
    return (await api.api("POST", f"/hub/api/users/{name}/tokens", {"expires_in": 600}))["token"]


async def git_pull(hub, user: str, token: str, repository: Path) -> list:
    """What a student's click on the nbgitpuller link does: the server's ``git-pull/api``
    (an event stream), to its last event."""
    from urllib.parse import urlencode
    query = urlencode({"repo": repository.as_uri(), "branch": "main", "targetpath": "course"})
    from tornado.httpclient import HTTPRequest
    response = await hub.http.fetch(HTTPRequest(f"{hub.base}/user/{user}/git-pull/api?{query}",
                                                headers={"Authorization": f"token {token}"}, request_timeout=120))
    events = [json.loads(line[len("data: "):]) for line in response.body.decode().splitlines()
              if line.startswith("data: ")]
    assert events and events[-1]["phase"] == "finished", events[-3:]
    return events


async def contents(hub, user: str, token: str, path: str, body: dict = None) -> dict:
    """The student's server's contents API: read ``path`` (or write ``body`` there)."""
    method = "PUT" if body is not None else "GET"
    return await hub.api(method, f"/user/{user}/api/contents/{path}", body, token=token)


async def student_runs(hub, user: str, token: str, code: str) -> str:
    """Run ``code`` in a new kernel of the student's server; its printed text."""
    from hub_client import run_notebook
    cell = {"cell_type": "code", "metadata": {}, "outputs": [], "source": code}
    run = await run_notebook(hub, user, token, {"cells": [cell]}, cell_timeout=300)
    assert run.errors == [], run.errors
    return run


def test_nbgitpuller_copies_the_course_then_pulls_without_overwriting_edits(hub, tmp_path):
    base, token, _, _ = hub
    upstream = teacher_repository(tmp_path / "course")

    async def scenario():
        from hub_client import Hub
        api = Hub(base, token)
        user_token = await one_student(api, "puller")
        try:
            await git_pull(api, "puller", user_token, upstream)               # first click: a copy
            readme = await contents(api, "puller", user_token, "course/README.md")
            assert readme["content"] == "week 1\n"
            # the student edits the README (through their server), the teacher adds week 2
            await contents(api, "puller", user_token, "course/README.md",
                           {"type": "file", "format": "text", "content": "week 1\nmy notes\n"})
            (upstream / "README.md").write_text("week 1\nweek 2\n", encoding="utf-8")
            (upstream / "notebooks" / "02-next.ipynb").write_text(
                (upstream / "notebooks" / "01-intro.ipynb").read_text(), encoding="utf-8")
            git(upstream, "add", "-A")
            git(upstream, "commit", "-q", "-m", "week 2")
            await git_pull(api, "puller", user_token, upstream)               # a later click: a pull
            readme = await contents(api, "puller", user_token, "course/README.md")
            assert readme["content"] == "week 1\nmy notes\n", "the student's edit is kept"
            listing = await contents(api, "puller", user_token, "course/notebooks")
            assert sorted(item["name"] for item in listing["content"]) == ["01-intro.ipynb", "02-next.ipynb"]
        finally:
            await api.api("DELETE", "/hub/api/users/puller/server")

    asyncio.run(scenario())
    from gradlab.classroom.hub import nbgitpuller_link
    link = nbgitpuller_link("https://hub.example.edu", "https://github.com/gradlab/gradlab", "main")
    assert link == ("https://hub.example.edu/hub/user-redirect/git-pull?repo=https%3A//github.com/gradlab/gradlab"
                    "&branch=main&urlpath=lab/tree/gradlab/notebooks")


def test_nbgrader_release_fetch_submit_collect_autograde_on_the_hub(hub, tmp_path):
    """The teacher releases ``gradients`` into the hub's exchange; a student fetches it in
    their server, answers and submits it there; the teacher collects and autogrades it."""
    pytest.importorskip("nbgrader", reason="nbgrader is not installed (pip install -e '.[classroom]')")
    from test_assignments import RIGHT, make_course, nbgrader

    from gradlab import cli
    base, token, _, data = hub
    exchange = data / "exchange"
    course_dir = make_course(tmp_path)
    assert cli.main(["assignments", "build", "--course", str(course_dir)]) == 0
    exchange_args = ("--CourseDirectory.course_id=gradlab", f"--Exchange.root={exchange}")
    nbgrader(course_dir, "release_assignment", "gradients", *exchange_args)
    answer = json.dumps(RIGHT)
    student_code = f"""
import json, subprocess, sys
def nbgrader(*args):
    run = subprocess.run([sys.executable, '-m', 'nbgrader', *args], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
nbgrader('fetch_assignment', 'gradients')
path = 'gradients/gradients.ipynb'
nb = json.load(open(path))
answers = json.loads({answer!r})
for cell in nb['cells']:
    grade_id = cell['metadata'].get('nbgrader', {{}}).get('grade_id')
    if grade_id in answers:
        cell['source'] = answers[grade_id]
json.dump(nb, open(path, 'w'))
nbgrader('submit', 'gradients')
print('submitted')
"""

    async def scenario():
        from hub_client import Hub
        api = Hub(base, token)
        user_token = await one_student(api, "ada")
        try:
            await student_runs(api, "ada", user_token, student_code)
            fetched = await contents(api, "ada", user_token, "gradients")
            assert [item["name"] for item in fetched["content"]] == ["gradients.ipynb"]
        finally:
            await api.api("DELETE", "/hub/api/users/ada/server")

    asyncio.run(scenario())
    inbound = list((exchange / "gradlab" / "inbound").iterdir())
    assert len(inbound) == 1 and inbound[0].name.startswith("ada+gradients+"), inbound
    nbgrader(course_dir, "collect", "gradients", *exchange_args)
    assert (course_dir / "submitted" / "ada" / "gradients" / "gradients.ipynb").is_file()
    nbgrader(course_dir, "autograde", "gradients", "--CourseDirectory.course_id=gradlab")
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        assert gb.find_submission("gradients", "ada").score == 10
