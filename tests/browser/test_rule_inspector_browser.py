"""End to end, in a real browser: JupyterLab (through ``gradlab lab``, on
127.0.0.1) runs a small notebook showing a RuleInspector on the logistic's
stabilization; headless Debian chromium (Playwright) picks another rule in
the inspector's drop-down, and the picture and the list of reasons must
change to that rule's firings and near misses.

The server, its kernel and the browser are shut down whatever happens;
every wait is bounded.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from browser_support import chromium_path, open_and_run_all, start_lab, wait_until

TOKEN = "gradlab-inspector-test"
CELLS = [
    "import gradlab\nimport gradlab.tensor as gt\nfrom gradlab.widgets import RuleInspector",
    "x = gt.dvector('x')\ns = 1 / (1 + gt.exp(-x))\n"
    "cost = gt.log(s).sum() + gt.log(1 + 3.0 * gt.exp(2.0 * x)).sum()\nf = gradlab.function([x], cost)",
    "inspector = RuleInspector(f, 'sigmoid_from_exp')\ninspector",
]
SERVER_START_TIMEOUT = 90
RUN_TIMEOUT = 120
CHANGE_TIMEOUT = 30

pytestmark = [pytest.mark.browser, pytest.mark.timeout(360)]


def _notebook(folder: Path) -> Path:
    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": src}
             for src in CELLS]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                      "language": "python"}},
          "nbformat": 4, "nbformat_minor": 5}
    path = folder / "inspector.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@pytest.fixture
def lab(tmp_path):
    pytest.importorskip("jupyterlab", reason="JupyterLab is not installed (pip install -e '.[test]')")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks)
    yield from start_lab(notebooks, tmp_path, TOKEN, SERVER_START_TIMEOUT)


def _shown(page) -> dict:
    return page.evaluate("""() => {
        const box = document.querySelector('.gradlab-rule-inspector');
        if (!box) return null;
        const svg = box.querySelector('.gradlab-graph svg');
        const list = box.querySelector('.gradlab-verdicts');
        const rule = box.querySelector('.gradlab-rule');
        return {svg: svg ? svg.outerHTML : '', verdicts: list ? list.textContent : '',
                rule: rule ? rule.textContent : '',
                outlined: svg ? svg.querySelectorAll('g.node.highlight').length : 0};
    }""")


def test_the_rule_inspector_follows_the_chosen_rule_in_the_browser(lab):
    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright's Python package is not installed")
    executable = chromium_path()
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            errors: list = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            open_and_run_all(page, lab, TOKEN, "inspector.ipynb", SERVER_START_TIMEOUT)
            first = wait_until(lambda: (p := _shown(page)) and "<svg" in p["svg"] and "fired" in p["verdicts"] and p,
                               RUN_TIMEOUT, "the RuleInspector's picture and reasons")
            assert "sigmoid_from_exp" in first["rule"] and first["outlined"] >= 1
            page.locator(".gradlab-rule-choice select").select_option("softplus_from_log")
            after = wait_until(lambda: (p := _shown(page)) and "softplus_from_log" in p["rule"]
                               and p["svg"] != first["svg"] and p, CHANGE_TIMEOUT, "the inspector to show softplus_from_log")
            assert "near miss" in after["verdicts"] and "matched `log(1 + …)`" in after["verdicts"]
            assert after["outlined"] >= 1
            tracebacks = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
            assert tracebacks.count() == 0, tracebacks.first.inner_text()[:2000]
            assert not errors, errors
        finally:
            browser.close()
