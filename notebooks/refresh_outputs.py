"""Re-execute tutorial notebooks in place, storing their outputs for nbval.

    .venv/bin/python notebooks/refresh_outputs.py                 # every NN-*.ipynb
    .venv/bin/python notebooks/refresh_outputs.py 02-rewrites     # some of them

Run it after a change in gradlab alters what a notebook prints (nbval then
fails on a ``# NBVAL_CHECK_OUTPUT`` cell), and read the diff before committing.
Each notebook runs in this Python's kernel, from notebooks/.  Pictures keep
their SVG/PNG and lose only their useless text fallback
(``<graphviz.graphs.Digraph at 0x7f...>``).  The script then refuses outputs
that would make the notebooks machine-dependent: an error, text on stderr, a
memory address in text, or a path of this machine.
"""
from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OBJECT_REPR = re.compile(r"<[\w.]+ (object )?at 0x[0-9a-fA-F]+>")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def machine_paths() -> list:
    """Paths whose appearance in an output would tie it to this machine."""
    paths = {str(HERE.parent), sys.prefix, str(Path.home())}
    return sorted(p for p in paths if p not in ("", "/"))


def clean(nb) -> None:
    """Drop the text fallback of pictures (an object repr with an address)."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if ("image/svg+xml" in data or "image/png" in data) and OBJECT_REPR.fullmatch(data.get("text/plain", "")):
                del data["text/plain"]


def problems(nb) -> list:
    found = []
    paths = machine_paths()
    for number, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            where = f"cell {number} ({cell.get('id', '?')})"
            if output.get("output_type") == "error":
                found.append(f"{where}: {output.get('ename')}: {output.get('evalue')}")
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                found.append(f"{where}: writes to stderr: {output.get('text', '')[:200]!r}")
            texts = [output.get("text", "")] + [v for k, v in output.get("data", {}).items() if k.startswith("text/")]
            if any(ADDRESS.search("".join(t) if isinstance(t, list) else t) for t in texts):
                found.append(f"{where}: a memory address in a text output")
            blob = json.dumps(output)
            found += [f"{where}: contains the path {p}" for p in paths if p in blob]
    return found


def refresh(path: Path) -> list:
    import nbformat
    from nbclient import NotebookClient
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(HERE)}}).execute()
    clean(nb)
    found = problems(nb)
    if not found:
        nbformat.write(nb, path)
    return found


def main(names: list) -> int:
    os.chdir(HERE)
    paths = [HERE / (n if n.endswith(".ipynb") else n + ".ipynb") for n in names] or sorted(HERE.glob("[0-9][0-9]-*.ipynb"))
    status = 0
    for path in paths:
        found = refresh(path)
        if found:
            status = 1
            print(f"{path.name}: not written:")
            for line in found:
                print("   ", line)
        else:
            print(f"{path.name}: outputs stored")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
