"""End to end, in a real browser, in each Jupyter front-end we can run here:
JupyterLab (started through ``gradlab lab``), Notebook 7 and Voilà serve the
workbench notebook (``notebooks/*-workbench.ipynb``) on 127.0.0.1; headless
Debian chromium driven by Playwright runs every cell (Voilà runs them itself),
then a mouse drag moves the point slider of the DerivativeExplorer, and the
plot and the graph picture must both change.  A cell added to the copy shows a
picture far wider than the output area in a GraphExplorer: it must pan (drag)
and zoom (wheel, "fit", "1:1"), its right-most node must be brought on screen,
and hovering over a node shows what it says.  The graph views are anywidgets
(``gradlab.widgets.graph_view``): this is the test that their front-end module
loads and works in all three.

The notebook runs from a copy without outputs or saved widget state, so what
the browser shows was produced by this run.  The server, its kernel and the
browser are shut down whatever happens; every wait is bounded.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from browser_support import chromium_path, free_port, stop_process_group, wait_until, wait_until_answers

ROOT = Path(__file__).resolve().parents[2]
#: the workbench notebook, whatever its number in the course
NOTEBOOK = (sorted((ROOT / "notebooks").glob("*-workbench.ipynb")) or [ROOT / "notebooks" / "workbench.ipynb"])[0]
#: the cell added to the copy: a GraphExplorer whose picture is far wider than the output area
WIDE_CELL = """wide_x = gt.dscalar('wide_x')
wide_y = wide_x
for _ in range(10):
    wide_y = gt.exp(gt.sin(wide_y) * 1.5 + wide_x) - wide_x
wide = GraphExplorer(wide_y, rankdir='LR')
wide.fold_toggle.value = False
wide.add_class('gradlab-test-wide')
wide"""
TOKEN = "gradlab-browser-test"
SERVER_START_TIMEOUT = 90       # s, JupyterLab answering /api/status
RUN_ALL_TIMEOUT = 150           # s, every cell of the notebook executed
CHANGE_TIMEOUT = 30             # s, the pictures updating after the drag

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.timeout(420)]


def api(port: int, path: str, method: str = "GET", raw: bool = False) -> object:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                     headers={"Authorization": f"token {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    if raw:
        return body
    return json.loads(body) if body else None


def fresh_copy(folder: Path) -> Path:
    """The workbench notebook without outputs or saved widget state."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    nb["metadata"].pop("widgets", None)
    nb["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                        "source": WIDE_CELL})
    path = folder / NOTEBOOK.name
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return path


def lab_settings(folder: Path) -> Path:
    """JupyterLab user settings for the test: no news or update pop-ups, and
    every cell rendered (no windowing), so what was scrolled to stays put."""
    root = folder / "settings" / "@jupyterlab"
    for extension, name, values in [
        ("apputils-extension", "notification", {"fetchNews": "false", "checkForUpdates": False}),
        ("notebook-extension", "tracker", {"windowingMode": "none"}),
    ]:
        (root / extension).mkdir(parents=True, exist_ok=True)
        (root / extension / f"{name}.jupyterlab-settings").write_text(json.dumps(values))
    return folder / "settings"


FRONT_ENDS = ("lab", "notebook", "voila")


def server_command(front_end: str, notebooks: Path, port: int) -> list:
    """The command that serves ``notebooks`` with ``front_end`` on 127.0.0.1:``port``."""
    common = ["--no-browser", f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    if front_end == "voila":
        return [sys.executable, "-m", "voila", str(notebooks / NOTEBOOK.name), "--no-browser",
                "--Voila.ip=127.0.0.1", f"--Voila.port={port}", "--Voila.port_retries=0"]
    server = ["--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", "--ServerApp.disable_check_xsrf=True"]
    if front_end == "lab":
        return [sys.executable, "-m", "gradlab.cli", "lab", "--notebooks", str(notebooks), *common, *server,
                "--LabApp.expose_app_in_browser=True"]
    root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    return [sys.executable, "-m", "notebook", f"--ServerApp.root_dir={notebooks}", *common, *server, *root,
            "--JupyterNotebookApp.expose_app_in_browser=True"]


def page_url(front_end: str, port: int) -> str:
    return {"lab": f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK.name}?token={TOKEN}",
            "notebook": f"http://127.0.0.1:{port}/notebooks/{NOTEBOOK.name}?token={TOKEN}",
            "voila": f"http://127.0.0.1:{port}/"}[front_end]


@pytest.fixture(params=FRONT_ENDS)
def served(request, tmp_path):
    """The front-end of ``request.param`` serving a copy of the notebook; yields
    ``(front_end, port)``; always shuts down."""
    front_end = request.param
    pytest.importorskip({"lab": "jupyterlab", "notebook": "notebook", "voila": "voila"}[front_end],
                        reason=f"{front_end} is not installed (pip install -e '.[test]')")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    fresh_copy(notebooks)
    port = free_port()
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(lab_settings(tmp_path)),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / "workspaces"),
               MPLBACKEND="module://matplotlib_inline.backend_inline")
    log_path = tmp_path / f"{front_end}.log"
    log = open(log_path, "wb")
    server = subprocess.Popen(server_command(front_end, notebooks, port), cwd=tmp_path, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    status = "/" if front_end == "voila" else "/api/status"
    try:
        wait_until_answers(server, lambda: api(port, status, raw=front_end == "voila"), SERVER_START_TIMEOUT,
                           f"{front_end} on 127.0.0.1:{port}", log_path)
        yield front_end, port
    finally:
        if front_end != "voila":
            try:                                           # kernels run in their own sessions: stop them first
                for kernel in api(port, "/api/kernels") or []:
                    api(port, f"/api/kernels/{kernel['id']}", method="DELETE")
            except Exception:  # noqa: BLE001 - the server may already be gone
                pass
        stop_process_group(server)
        log.close()


def pictures(page) -> dict:
    """The DerivativeExplorer's plot (img src) and graph (SVG markup), as shown."""
    return page.evaluate("""() => {
        const box = document.querySelector('.gradlab-derivative-explorer');
        if (!box) return null;
        const img = box.querySelector('.gradlab-derivative-plot img, img.gradlab-derivative-plot');
        const svg = box.querySelector('.gradlab-derivative-graph svg');
        const readout = box.querySelector('.gradlab-point-slider .widget-readout');
        return {plot: img ? img.src : '', plot_width: img ? img.naturalWidth : 0,
                graph: svg ? svg.outerHTML : '', readout: readout ? readout.textContent.trim() : ''};
    }""")


def run_every_cell(page, front_end: str, port: int) -> None:
    """Open the notebook and run all its cells (Voilà has run them before it answers)."""
    page.goto(page_url(front_end, port), timeout=(SERVER_START_TIMEOUT + RUN_ALL_TIMEOUT) * 1000)
    if front_end == "voila":
        page.wait_for_selector(".gradlab-test-wide .gradlab-pan svg g.node", timeout=RUN_ALL_TIMEOUT * 1000)
        return
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session "
                           "&& window.jupyterapp.shell.currentWidget.sessionContext.session.kernel",
                           timeout=SERVER_START_TIMEOUT * 1000)
    page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.ready")
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    n_code = sum(c["cell_type"] == "code" for c in json.loads(NOTEBOOK.read_text())["cells"]) + 1

    def all_cells_ran():
        return page.evaluate("""(n) => {
            const nb = window.jupyterapp.shell.currentWidget.content;
            let done = 0;
            for (const cell of nb.widgets) {
                if (cell.model.type === 'code' && cell.model.executionCount !== null
                    && !cell.node.querySelector('.jp-InputPrompt').textContent.includes('*')) done++;
            }
            const busy = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status;
            return done === n && busy === 'idle';
        }""", n_code)

    wait_until(all_cells_ran, RUN_ALL_TIMEOUT, f"all {n_code} code cells of {NOTEBOOK.name} to run")


def test_workbench_runs_and_a_slider_changes_the_plot_and_the_graph(served, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed")
    executable = chromium_path()
    front_end, port = served
    shots = tmp_path
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors = []
            page.on("pageerror", lambda exc: errors.append(f"{exc}\n{exc.stack}"[:6000]))
            run_every_cell(page, front_end, port)
            tracebacks = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            assert tracebacks.count() == 0, tracebacks.first.inner_text()[:2000]

            explorer = page.locator(".gradlab-derivative-explorer")
            explorer.scroll_into_view_if_needed(timeout=10_000)
            before = wait_until(lambda: (p := pictures(page)) and p["plot"] and p["plot_width"] > 0
                              and "<svg" in p["graph"] and p, 30, "the DerivativeExplorer's plot and graph")

            # drag the point slider's handle (x) to the left
            handle = explorer.locator(".gradlab-point-slider .noUi-handle")
            handle.scroll_into_view_if_needed(timeout=10_000)
            box = handle.bounding_box()
            assert box is not None and 0 <= box["y"] <= page.viewport_size["height"] - box["height"], \
                f"the point slider's handle is not in view: {box}"
            x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x0, y0)
            page.mouse.down()
            page.mouse.move(x0 - 20, y0, steps=4)
            page.mouse.move(x0 - 40, y0, steps=4)
            page.mouse.up()

            try:
                after = wait_until(lambda: (p := pictures(page)) and p["plot"] != before["plot"]
                                 and p["graph"] != before["graph"] and p["plot_width"] > 0 and p,
                                 CHANGE_TIMEOUT, "the plot and the graph to change after moving the slider")
            except BaseException:
                now = pictures(page) or {}
                page.screenshot(path=str(shots / "after-drag.png"))
                print(f"slider readout {before['readout']!r} -> {now.get('readout')!r}; plot changed: "
                      f"{now.get('plot') != before['plot']}; graph changed: {now.get('graph') != before['graph']}; "
                      f"screenshot: {shots / 'after-drag.png'}")
                raise
            assert after["readout"] != before["readout"], (before["readout"], after["readout"])
            number = lambda text: float(text.replace("\u2212", "-"))      # the readout writes a real minus sign
            assert -6.0 <= number(after["readout"]) < number(before["readout"])
            assert "<svg" in after["graph"]
            check_a_wide_picture_pans_and_zooms(page, shots)
            check_hover_explains_a_node(page)
            assert [e for e in errors if not front_ends_own(front_end, e)] == [], errors
        finally:
            browser.close()


def pan_state(page) -> dict:
    """The wide picture's area and its right-most node (client rectangles)."""
    return page.evaluate("""() => {
        const area = document.querySelector('.gradlab-test-wide .gradlab-pan');
        if (!area) return null;
        const rect = (r) => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width});
        const nodes = [...area.querySelectorAll('svg g.node')].map(n => n.getBoundingClientRect());
        if (!nodes.length) return null;
        const right = nodes.reduce((a, b) => (b.right > a.right ? b : a));
        return {area: rect(area.getBoundingClientRect()), right: rect(right), n: nodes.length};
    }""")


def check_a_wide_picture_pans_and_zooms(page, shots) -> None:
    """Drag moves the picture, the wheel zooms it, "fit" shows all of it, and
    at natural size a drag brings the right-most node on screen."""
    wide = page.locator(".gradlab-test-wide .gradlab-pan")
    wide.scroll_into_view_if_needed(timeout=10_000)
    start = wait_until(lambda: pan_state(page), 30, "the wide picture in its pan-and-zoom area")
    area = start["area"]
    try:
        assert start["right"]["right"] > area["right"] + 50, f"the picture is not wider than its area: {start}"
        # drag to the left: everything moves with the pointer
        cx, cy = (area["left"] + area["right"]) / 2, (area["top"] + area["bottom"]) / 2
        page.mouse.move(cx, cy)
        page.mouse.down()
        page.mouse.move(cx - 150, cy, steps=5)
        page.mouse.move(cx - 300, cy, steps=5)
        page.mouse.up()
        dragged = pan_state(page)
        assert abs((start["right"]["left"] - dragged["right"]["left"]) - 300) < 5, (start, dragged)
        # the wheel zooms out around the pointer
        page.mouse.move(cx, cy)
        page.mouse.wheel(0, 400)
        zoomed = wait_until(lambda: (p := pan_state(page)) and p["right"]["width"] < 0.8 * dragged["right"]["width"]
                          and p, 10, "the wheel to zoom out")
        assert zoomed["n"] == start["n"]
        # "fit": the whole picture, right-most node included, inside the area
        wide.locator(".gradlab-pan-fit").click()
        fitted = wait_until(lambda: (p := pan_state(page)) and p["right"]["right"] <= p["area"]["right"] + 1 and p,
                          10, "'fit' to bring the right-most node into the area")
        assert fitted["right"]["left"] >= fitted["area"]["left"] - 1
        assert fitted["area"]["top"] - 1 <= fitted["right"]["top"] <= fitted["right"]["bottom"] <= fitted["area"]["bottom"] + 1
        # back to natural size, then drag the right-most node into view: readable and on screen
        wide.locator(".gradlab-pan-actual").click()
        actual = wait_until(lambda: (p := pan_state(page)) and abs(p["right"]["width"] - start["right"]["width"]) < 1
                          and p, 10, "'1:1' to restore the natural size")
        shift = actual["right"]["right"] - actual["area"]["right"] + 40
        page.mouse.move(cx, cy)
        page.mouse.down()
        steps = max(2, int(shift // 200) + 1)
        for k in range(1, steps + 1):
            page.mouse.move(cx - shift * k / steps, cy, steps=3)
        page.mouse.up()
        reached = pan_state(page)
        assert reached["area"]["left"] <= reached["right"]["left"] and reached["right"]["right"] <= reached["area"]["right"], \
            reached
    except BaseException:
        page.screenshot(path=str(shots / "wide-picture.png"))
        print(f"wide picture: {pan_state(page)}; screenshot: {shots / 'wide-picture.png'}")
        raise


def front_ends_own(front_end: str, error: str) -> bool:
    """Whether a page error is Notebook 7's own, raised wholly inside its core bundle
    while it activates its plugins (``reading 'schema'``: a settings schema it looks up;
    it happens without any widget on the page and changes nothing we test)."""
    frames = [line.strip() for line in error.splitlines()[1:] if line.strip().startswith("at ")]
    return (front_end == "notebook" and "reading 'schema'" in error and bool(frames)
            and all("/static/notebook/" in f or f.startswith("at async Promise") for f in frames))


def check_hover_explains_a_node(page) -> None:
    """Hovering over the input node ``wide_x`` shows its name and type in the tip."""
    wide = page.locator(".gradlab-test-wide .gradlab-pan")
    wide.locator(".gradlab-pan-fit").click()               # the whole picture in the area
    node = wide.locator("svg g.node", has_text="wide_x").first
    box, area = node.bounding_box(), wide.bounding_box()
    assert area["x"] <= box["x"] and box["x"] + box["width"] <= area["x"] + area["width"], (box, area)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tip = page.locator(".gradlab-test-wide .gradlab-pan-tip")
    tip.wait_for(state="visible", timeout=10_000)
    text = tip.inner_text()
    assert "wide_x" in text and "Scalar(float64)" in text, text
