"""The Zero to JupyterHub values file (``jupyter/hub/z2jh-values.yaml``), checked without
Kubernetes: merged over the chart's own defaults (``z2jh-chart-defaults.yaml``), as helm
does, it must validate against the chart's values schema (``z2jh-values.schema.json``,
the chart's ``values.schema.yaml`` without its descriptions, as the chart ships it: every
level refuses unknown keys), so a misspelt key fails here and not on the cluster.  Its
memory guarantee must hold what the hub test measured (``jupyter/hub/measurements.json``,
written by ``tests/classroom/test_hub.py``), and the README's sizing must quote it."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "jupyter" / "hub"
yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (pip install -e '.[test]')")
jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")

UNITS = {"": 1, "K": 10 ** 3, "M": 10 ** 6, "G": 10 ** 9, "Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30}


def kubernetes_bytes(quantity: str) -> int:
    """A Kubernetes memory quantity ("320M", "1G", "512Mi") in bytes."""
    number, unit = re.fullmatch(r"([0-9.]+)([KMG]i?)?", str(quantity)).groups()
    return int(float(number) * UNITS[unit or ""])


def merged(defaults: dict, values: dict) -> dict:
    """``values`` over ``defaults``, dictionaries merged key by key (helm's rule)."""
    out = dict(defaults)
    for key, value in values.items():
        out[key] = merged(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def errors_of(values: dict) -> list:
    schema = json.loads((HUB / "z2jh-values.schema.json").read_text(encoding="utf-8"))
    defaults = yaml.safe_load((HUB / "z2jh-chart-defaults.yaml").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(merged(defaults, values))]


def values() -> dict:
    return yaml.safe_load((HUB / "z2jh-values.yaml").read_text(encoding="utf-8"))


def test_the_values_file_validates_against_the_charts_schema():
    assert errors_of(values()) == []


def test_a_misspelt_or_mistyped_key_is_refused():
    wrong = values()
    wrong["singleuser"]["memroy"] = wrong["singleuser"].pop("memory")
    assert any("memroy" in e for e in errors_of(wrong))
    wrong = values()
    wrong["cull"]["timeout"] = "an hour"
    assert any(e.startswith("cull.timeout") for e in errors_of(wrong))


def test_the_sizes_hold_what_the_hub_test_measured_and_the_readme_says_so():
    measured = json.loads((HUB / "measurements.json").read_text(encoding="utf-8"))
    memory = values()["singleuser"]["memory"]
    guarantee, limit = kubernetes_bytes(memory["guarantee"]), kubernetes_bytes(memory["limit"])
    peak = measured["student_peak_with_kernel_mib"]["max"] * 2 ** 20
    assert peak <= guarantee < limit, (peak, guarantee, limit)
    assert measured["students"] >= 20
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Serving a class"):]
    section = section[:section.index("\n## ", 3)]
    assert f"{measured['student_peak_with_kernel_mib']['median']} MiB" in section
    assert f"guarantee: {memory['guarantee']}" in section or f"`{memory['guarantee']}`" in section
