"""Smoke test of the benchmark harness (issue 8): tiny sizes, one call each.

It runs `python -m benchmarks --quick` for the hand-written numpy references and
gradlab only, so the harness, the workloads and the numpy ground truth never
rot. It asserts no timing: only that every workload has a row, that the numpy
references agree with the ground truth, and that gradlab's column was filled
in (with numbers, WRONG, or an error line) without crashing the run.
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from benchmarks import runner, workloads

ROOT = Path(__file__).resolve().parent.parent

# The workloads, written out here so that the harness dropping one
# fails the test: (row label, variants).
EXPECTED = {
    "W1": [None],
    "W2": [None],
    "W3": [None],
    "W4": ["scan", "vectorized"],
    "W5": [None],
    "W6": ["grad", "rop"],
    "W7": ["off", "warm"],
    "BW": [None],
}
NUMPY_REFERENCES = {"W1", "W2", "W3", "W6", "BW"}


def test_quick_run_has_every_workload_and_correct_numpy_rows(tmp_path):
    out, raw = tmp_path / "RESULTS.md", tmp_path / "results.json"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--libs", "numpy,gradlab",
         "--jobs", "2", "--out", str(out), "--json", str(raw)],
        cwd=ROOT, capture_output=True, text=True, timeout=240,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = out.read_text()
    data = json.loads(raw.read_text())

    assert "## Machine" in text and "**CPU**" in text and "**Python**" in text
    for wid, variants in EXPECTED.items():
        for variant in variants:
            label = f"{wid} {variant}" if variant else wid
            assert re.search(rf"^\| {re.escape(label)} \| ", text, re.M), f"no row for {label}"

    by_key = {(r["case"], r["lib"]): r for r in data["results"]}
    cases = data["cases"]
    assert {c["workload"] for c in cases} == set(EXPECTED)
    for case in cases:
        numpy_res = by_key[(case["key"], "numpy")]
        if case["workload"] in NUMPY_REFERENCES:
            assert numpy_res["status"] == "ok", (case["name"], numpy_res)
            assert re.search(rf"^\| {re.escape(case['name'])} \| numpy \| ok \|", text, re.M)
        else:
            assert numpy_res["status"] == "n/a", (case["name"], numpy_res)
        # gradlab may not work yet; its row must still be there, as a result or an error
        gradlab_res = by_key[(case["key"], "gradlab")]
        if case["workload"] != "BW":
            assert gradlab_res["status"] in {"ok", "wrong", "error"}, gradlab_res
            if gradlab_res["status"] == "error":
                assert gradlab_res.get("error"), gradlab_res


def test_wrong_results_are_caught():
    case = workloads.find_case("W2::2x2", quick=True)
    inputs = case.make_inputs()
    truth = case.truth(inputs)
    assert workloads.check(truth, truth, 1e-7, 1e-10)[0]
    assert not workloads.check([truth[0] * (1 + 1e-4)], truth, 1e-7, 1e-10)[0]
    assert not workloads.check([truth[0].astype(np.float32)], truth, 1e-7, 1e-10)[0]
    assert not workloads.check([truth[0].ravel()], truth, 1e-7, 1e-10)[0]
    assert not workloads.check([truth[0], truth[0]], truth, 1e-7, 1e-10)[0]


def test_inputs_are_deterministic_and_shared_by_variants():
    a = workloads.find_case("W6:grad:n=50", quick=True).make_inputs()
    b = workloads.find_case("W6:rop:n=50", quick=True).make_inputs()
    assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["v"], b["v"])


def test_missing_peer_is_skipped_with_one_line(monkeypatch):
    monkeypatch.setattr(runner, "installed", lambda lib: False)
    _, libs, skipped = runner.plan(runner.Options(quick=True, libs=("numpy", "gradlab", "jax")))
    assert [lib.name for lib in libs] == ["numpy", "gradlab"]
    assert skipped == ["skipped: jax not installed"]
