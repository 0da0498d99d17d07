"""The layer order of docs/internals.md, enforced on every import in gradlab/.

Each ``import``/``from ... import`` naming a gradlab module — at module level
or inside a function — is read with :mod:`ast` (nothing is imported).  An
import may only go to the same layer or one below, with exactly two
documented exceptions (the *hooks*: a variable's Jupyter display -> viz, and
``.eval`` -> compile).  No two packages may import each other, and at most
two imports may follow a module's first definition, each with a comment on
its line saying why.
"""
from __future__ import annotations

import ast
import pathlib
import re
from collections import defaultdict

ROOT = pathlib.Path(__file__).resolve().parents[2] / "gradlab"

# lowest first; a module sits in the layer of its top-level package/module name
LAYERS: list[set[str]] = [
    {"graph", "configuration", "bounded_text"},
    {"codegen"},
    {"tensor", "scalar"},
    {"printing"},  # the text form of a graph reads only graph and tensor (scan labels hoisted values with it)
    {"gradient"},
    {"rewrite"},
    {"scan"},
    {"compile"},
    {"calculus"},
    {"explain"},  # reads gradient records, rewrite traces and compiled functions (origins, why_not)
    {"viz", "parse"},
    {"widgets", "exercises", "classroom"},
    {"cli"},
    {"__init__"},  # the gradlab facade itself
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}

# (importing module, imported module): the two hooks, the only imports allowed to run upward
HOOKS = {
    # 1. display in Jupyter: a variable's (and a compiled function's) _repr_mimebundle_ draws it with viz
    ("gradlab.tensor.variable", "gradlab.viz.display"),
    ("gradlab.compile.function_module", "gradlab.viz.display"),
    # 2. ``var.eval()`` compiles (and caches) a function of the variable
    ("gradlab.tensor.variable", "gradlab.compile.eval_cache"),
}
# public namespaces that re-export, on first use, names defined above them (the
# PyTensor spellings gt.grad and gradlab.gradient.jacobian/verify_grad/...): not
# hooks (nothing of the package's own code runs upward), listed so each is seen
FACADE_REEXPORTS = {
    ("gradlab.tensor", "gradlab.gradient.reverse"),
    ("gradlab.gradient", "gradlab.calculus"),
}


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _targets(node, mod: str, is_pkg: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if node.level:
        base = mod.split(".") if is_pkg else mod.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        stem = ".".join(base + ([node.module] if node.module else []))
    else:
        stem = node.module or ""
    if node.module is None or stem == "gradlab":
        # `from gradlab import tensor` / `from . import x` name modules themselves
        return [f"{stem}.{a.name}" for a in node.names]
    return [stem]


def _layer_key(mod: str) -> str:
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def collect():
    """Yield (module, target, lineno, top_level, after_first_def, line_text)."""
    for path in sorted(ROOT.rglob("*.py")):
        mod = _module_name(path)
        text = path.read_text()
        lines = text.splitlines()
        tree = ast.parse(text)
        first_def = next((n.lineno for n in tree.body
                          if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))), None)
        top = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            for target in _targets(node, mod, path.name == "__init__.py"):
                if target != "gradlab" and not target.startswith("gradlab."):
                    continue
                late = id(node) in top and first_def is not None and node.lineno > first_def
                yield mod, target, node.lineno, id(node) in top, late, lines[node.lineno - 1]


def _known(target: str) -> str:
    # `from gradlab.x import name` may name a submodule or a name; the layer is the same
    return _layer_key(target)


def test_every_top_level_name_has_a_layer():
    names = {_layer_key(_module_name(p)) for p in ROOT.rglob("*.py")}
    assert names <= set(RANK), f"modules with no layer in LAYERS: {sorted(names - set(RANK))}"


def test_no_import_runs_upward():
    upward = []
    for mod, target, line, _top, _late, _text in collect():
        if target == "gradlab":
            key = "__init__"
        else:
            key = _known(target)
        src = _layer_key(mod)
        if key not in RANK:
            continue
        if RANK[key] > RANK[src] and (mod, target) not in HOOKS | FACADE_REEXPORTS:
            upward.append(f"{mod}:{line} imports {target} ({src} -> {key})")
    assert not upward, "imports against the layer order:\n" + "\n".join(upward)


def test_no_two_packages_reach_each_other():
    edges = defaultdict(set)
    for mod, target, line, *_ in collect():
        if (mod, target) in HOOKS | FACADE_REEXPORTS:
            continue
        src, dst = mod.split(".")[:2], target.split(".")[:2]
        if len(src) > 1 and len(dst) > 1 and src != dst:
            edges[src[1]].add(dst[1])
    both = sorted({tuple(sorted((a, b))) for a in edges for b in edges[a] if a in edges.get(b, ())})
    assert not both, f"packages importing each other: {both}"


def _says_why(line: str) -> bool:
    """Does the line carry a comment beyond linter codes (``# noqa: E402``)?"""
    if "#" not in line:
        return False
    comment = re.sub(r"noqa(:\s*[A-Z]+[0-9]+(,\s*[A-Z]+[0-9]+)*)?", "", line.split("#", 1)[1])
    return bool(comment.strip(" #"))


def test_at_most_two_commented_imports_after_definitions():
    # in all of gradlab/: today variable.py (the operators call api) and
    # elemwise.py (its gradients call api), each saying why on its line
    late = [(mod, line, text) for mod, _t, line, _top, after, text in collect() if after]
    assert len(late) <= 2, "imports after a module's first definition:\n" + "\n".join(
        f"{mod}:{line}: {text.strip()}" for mod, line, text in late)
    bare = [f"{mod}:{line}: {text.strip()}" for mod, line, text in late if not _says_why(text)]
    assert not bare, "late imports need a comment saying why:\n" + "\n".join(bare)


def test_the_checker_sees_function_level_imports():
    # the scan must see imports inside functions too, or it proves nothing
    assert any(not top for _m, _t, _l, top, _a, _x in collect())


def test_every_listed_exception_exists():
    # a hook or re-export that no longer exists must leave the lists (they are the documented exceptions)
    seen = {(mod, target) for mod, target, *_ in collect()}
    assert HOOKS | FACADE_REEXPORTS <= seen, sorted((HOOKS | FACADE_REEXPORTS) - seen)
