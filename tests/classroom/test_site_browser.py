"""The built course website in a real browser: headless Debian chromium (Playwright)
reads it from a local HTTP server on 127.0.0.1, with every request off this machine
refused (the site must work offline).  Every page loads without a console error or a
failed request, every picture renders (loaded, non-zero size), the formulas are
typeset, saved widgets render (each displayed image widget shows its stored PNG, each
saved graph view — an anywidget, ``gradlab.widgets.graph_view`` — drew its SVG in its
pan-and-zoom area through anywidget's front-end, served by the site itself), and following
"next" from the home page reaches every notebook in course order, as the sidebar lists
them."""
from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from pathlib import Path

import pytest
from browser_support import chromium_path

from gradlab.classroom.course import course_order

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]
LOAD_TIMEOUT = 30_000           # ms, one page and its scripts


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # noqa: D401 - keep the test output clean
        pass


@pytest.fixture
def site_url(built_site):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(built_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


PAGE_STATE = r"""() => {
    const displayedGraphViews = () => document.querySelectorAll('.gradlab-graph .gradlab-pan').length;
    const content = document.querySelector('article') || document.body;
    const shown = img => img.complete && img.naturalWidth > 0;
    const panContents = Array.from(document.querySelectorAll('.gradlab-pan')).map(
        area => area.querySelector('.gradlab-pan-content'));
    const images = Array.from(document.images).map(img => ({
        src: img.currentSrc || img.src, inContent: content.contains(img),
        loaded: shown(img),
        width: img.getBoundingClientRect().width, height: img.getBoundingClientRect().height}));
    return {
        images,
        formulas: document.querySelectorAll('.math.notranslate').length,
        untypeset: Array.from(document.querySelectorAll('.math.notranslate')).filter(el =>
            !el.querySelector('.MathJax, .MathJax_Display') || /\\[(\[]/.test(el.textContent)).length,
        widgets: document.querySelectorAll('.jupyter-widgets').length,
        widgetImages: Array.from(document.querySelectorAll('img.widget-image')).filter(shown).length,
        panAreas: panContents.length,
        panReady: panContents.filter(c => c && c.style.transform !== '' && c.querySelector('svg g.node')).length,
        graphViews: displayedGraphViews(),
        next: (document.querySelector('a.right-next') || {}).href || null,
        sidebar: Array.from(document.querySelectorAll('nav.bd-docs-nav a.reference.internal')).map(a => a.href),
        launch: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))
                 .filter(h => h.includes('mybinder.org') || h.includes('/hub/user-redirect/')).length,
    };
}"""

MATHJAX_DONE = """() => !window.MathJax || !window.MathJax.Hub ||
    (window.MathJax.Hub.queue.pending === 0 && window.MathJax.Hub.queue.running === 0
     && document.querySelectorAll('.MathJax_Processing, .MathJax_Preview:not(:empty)').length === 0)"""


def test_every_page_loads_renders_its_pictures_and_next_reaches_every_notebook(site_url):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed")
    executable = chromium_path()
    notebooks = course_order(ROOT / "notebooks")
    expected = [f"{site_url}/notebooks/{p.stem}.html" for p in notebooks]
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    problems: list = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        try:
            context = browser.new_context(viewport={"width": 1300, "height": 900})
            # Offline: anything not served by the test server is refused (and would be reported).
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(site_url)
                          else route.abort())
            page = context.new_page()
            page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
                    if msg.type == "error" else None)
            page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
            page.on("requestfailed", lambda req: problems.append(
                f"request failed: {req.url} ({req.failure}, on {page.url})"))
            page.on("response", lambda resp: problems.append(f"HTTP {resp.status}: {resp.url}")
                    if resp.status >= 400 else None)

            page.goto(f"{site_url}/index.html", wait_until="load", timeout=LOAD_TIMEOUT)
            # as for every page: its late requests (the favicon) end before "next" leaves it
            page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT)
            state = page.evaluate(PAGE_STATE)
            assert state["sidebar"] == expected, "the sidebar lists every notebook, in course order"
            visited = []
            url = state["next"]
            while url:
                assert len(visited) <= len(expected), f"'next' goes round in circles: {visited}"
                page.goto(url, wait_until="load", timeout=LOAD_TIMEOUT)
                page.wait_for_load_state("networkidle", timeout=LOAD_TIMEOUT)
                page.wait_for_function(MATHJAX_DONE, timeout=LOAD_TIMEOUT)
                state = page.evaluate(PAGE_STATE)
                visited.append(page.url.split("#")[0])
                stem = Path(urlparse_path(page.url)).stem
                nb = json.loads((ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
                check_page(stem, nb, state)
                url = state["next"]
            assert visited == expected, "following 'next' from the home page reaches every notebook in order"
        finally:
            browser.close()
    assert problems == [], "\n".join(problems)


def urlparse_path(url: str) -> str:
    from urllib.parse import urlparse
    return urlparse(url).path


def check_page(stem: str, nb: dict, state: dict) -> None:
    pictures = sum(1 for c in nb["cells"] for o in c.get("outputs", [])
                   if {"image/png", "image/svg+xml"} & set(o.get("data", {})))
    content = [img for img in state["images"] if img["inContent"]]
    broken = [img["src"] for img in state["images"] if not img["loaded"]]
    assert broken == [], f"{stem}: broken pictures {broken}"
    empty = [img["src"][:80] for img in content if img["width"] <= 0 or img["height"] <= 0]
    assert empty == [], f"{stem}: pictures drawn with no size {empty}"
    assert len(content) >= pictures, f"{stem}: {pictures} stored pictures, {len(content)} shown"
    assert state["untypeset"] == 0, f"{stem}: {state['untypeset']} of {state['formulas']} formulas left untypeset"
    if nb["metadata"].get("widgets"):
        assert state["widgets"] > 0, f"{stem}: the saved widgets did not render"
    images = displayed_models(nb, "ImageModel")
    assert state["widgetImages"] >= len(images), (
        f"{stem}: {len(images)} image widgets are displayed, {state['widgetImages']} show a picture")
    assert state["panReady"] == state["panAreas"], (
        f"{stem}: {state['panReady']} of {state['panAreas']} graph views drew their picture")
    views = displayed_models(nb, "AnyModel")
    assert state["graphViews"] >= len(views), (
        f"{stem}: {len(views)} graph views are displayed, {state['graphViews']} rendered")
    assert state["launch"] >= 2, f"{stem}: Binder and JupyterHub launch buttons"


def displayed_models(nb: dict, model_name: str) -> list:
    """The ids of the stored widgets of ``model_name`` (``ImageModel``, ``AnyModel``) that a displayed widget shows:
    the models reachable from the notebook's widget outputs through ``IPY_MODEL_`` references."""
    state = nb["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    todo = [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
            for c in nb["cells"] for o in c.get("outputs", [])
            if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    seen = set()
    while todo:
        model = todo.pop()
        if model in seen or model not in state:
            continue
        seen.add(model)
        todo += re.findall(r"IPY_MODEL_([0-9a-f]+)", json.dumps(state[model]["state"]))
    return sorted(m for m in seen if state[m]["model_name"] == model_name)
