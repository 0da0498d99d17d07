"""The ``gradlab`` command: ``--version``, ``render`` (three pictures of a
formula through the safe parser) and ``lab`` (JupyterLab on notebooks/), and
its errors: one ``gradlab: error:`` line and a non-zero status."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import gradlab
import gradlab.tensor as gt
from gradlab import cli, pp

ROOT = Path(__file__).resolve().parent.parent
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz's dot program is not installed")


def run(argv, capsys):
    """``(status, stdout, stderr)`` of ``gradlab ARGV`` run in this process."""
    status = cli.main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_error_line(err: str, fragment: str) -> None:
    lines = err.strip("\n").split("\n")
    assert len(lines) == 1, f"expected one line on stderr, got {err!r}"
    assert lines[0].startswith("gradlab: error: ")
    assert fragment in lines[0], f"{fragment!r} not in {lines[0]!r}"


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"gradlab {gradlab.__version__}\n"


def test_no_command_prints_help_and_fails(capsys):
    status, out, err = run([], capsys)
    assert status == 2 and "render" in err and "lab" in err


# ---------------------------------------------------------------- render

@needs_dot
@pytest.mark.parametrize("formula, build, wrt", [
    # the formula, the same expression built with gradlab.tensor, and --wrt
    ("x**2", lambda x: x ** 2, None),
    ("x^2 + 3*x", lambda x: x ** 2 + 3 * x, ["x"]),
    ("1/(1+exp(-x))", lambda x: 1 / (1 + gt.exp(-x)), None),
    ("x*y + sin(y)", lambda x, y: x * y + gt.sin(y), None),
    ("x*y + sin(y)", lambda x, y: x * y + gt.sin(y), ["y"]),
    ("x*y + sin(y)", lambda x, y: x * y + gt.sin(y), ["y,x"]),
    ("x*y + sin(y)", lambda x, y: x * y + gt.sin(y), ["y", "x"]),
])
def test_render_reports_the_gradient_the_library_compiles(tmp_path, capsys, formula, build, wrt):
    argv = ["render", formula, "-o", str(tmp_path / "g.svg")]
    for name in wrt or []:
        argv += ["--wrt", name]
    status, out, err = run(argv, capsys)
    assert status == 0, err
    names = build.__code__.co_varnames[:build.__code__.co_argcount]
    variables = {n: gt.dscalar(n) for n in names}
    order = [n for item in (wrt or names) for n in item.split(",")]
    f = gradlab.function(list(variables.values()), gt.grad(build(*variables.values()), [variables[n] for n in order]),
                         on_unused_input="ignore")
    expected = "; ".join(f"d/d{n} = {pp(o)}" for n, o in zip(order, f.maker.fgraph.outputs))
    assert out.splitlines()[2].endswith(f"op): {expected})")


@needs_dot
def test_render_writes_the_formula_its_gradient_and_the_rewritten_gradient(tmp_path, capsys):
    status, out, err = run(["render", "1/(1+exp(-x))", "--wrt", "x", "-o", str(tmp_path / "out.svg")], capsys)
    assert status == 0 and err == ""
    paths = [tmp_path / name for name in ("out.svg", "out-grad.svg", "out-rewritten.svg")]
    assert [line.split()[1] for line in out.splitlines()] == [str(p) for p in paths]
    svgs = [p.read_text() for p in paths]
    for svg in svgs:
        assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    ops = [svg.count('class="node"') for svg in svgs]
    assert ops[1] > ops[0] > ops[2]          # grad adds nodes; the rewrites fuse them into one
    assert ">exp<" in svgs[0] and ">composite<" in svgs[2]
    # the same graphs as the library builds them
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.grad(1 / (1 + gt.exp(-x)), x))
    assert f"d/dx = {pp(f.maker.fgraph.outputs[0])}" in out


@needs_dot
@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".pdf", b"%PDF"), (".SVG", b"<?xml")])
def test_render_format_follows_the_extension(tmp_path, capsys, suffix, magic):
    status, _, err = run(["render", "x**2", "-o", str(tmp_path / f"pic{suffix}")], capsys)
    assert status == 0, err
    for name in ("pic", "pic-grad", "pic-rewritten"):
        assert (tmp_path / f"{name}{suffix}").read_bytes().startswith(magic)


@needs_dot
def test_render_output_is_deterministic(tmp_path, capsys):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        assert run(["render", "tanh(x)*x", "-o", str(tmp_path / folder / "t.svg")], capsys)[0] == 0
    for name in ("t.svg", "t-grad.svg", "t-rewritten.svg"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


@pytest.mark.parametrize("argv, status, fragment", [
    (["render", "x +* 2"], 2, "formula 'x +* 2': syntax error"),
    (["render", "2x"], 2, "hint: write products with '*'"),
    (["render", "foo(x)"], 2, "unknown function 'foo'"),
    (["render", "__import__('os').system('echo pwned')"], 2, "is not allowed in a formula"),
    (["render", "open('PWNED', 'w')"], 2, "unknown function 'open'"),
    (["render", ""], 2, "empty formula"),
    (["render", "2 + 3"], 2, "has no variable"),
    (["render", "x**2", "--wrt", "y"], 2, "--wrt y: the formula 'x**2' has no variable 'y' (it uses x)"),
    (["render", "x**2", "-o", "picture.txt"], 2, ".txt is not a picture format"),
    (["render", "x**2", "-o", "picture"], 2, "no extension is not a picture format"),
    (["render", "x**2", "-o", "no/such/folder/p.svg"], 2, "the folder no/such/folder does not exist"),
    (["render", "x**2", "--mode", "FASTEST"], 2, "invalid choice: 'FASTEST'"),
    (["render"], 2, "the following arguments are required: formula"),
    (["render", "x**2", "--bogus"], 2, "unrecognized arguments: --bogus"),
    (["frobnicate"], 2, "invalid choice: 'frobnicate'"),
])
def test_errors_are_one_line_with_a_nonzero_status(tmp_path, monkeypatch, capsys, argv, status, fragment):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(argv, capsys)
    assert code == status
    assert_one_error_line(err, fragment)
    assert out == "" and list(tmp_path.iterdir()) == []     # nothing written, nothing run


def test_missing_graphviz_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))               # no `dot` on the PATH
    code, out, err = run(["render", "x**2", "-o", str(tmp_path / "p.svg")], capsys)
    assert code == 1
    assert_one_error_line(err, "graphviz's `dot` program is not installed")
    assert not (tmp_path / "p.svg").exists()


def test_unwritable_output_is_one_line(tmp_path, monkeypatch, capsys):
    if shutil.which("dot") is None:
        pytest.skip("graphviz's dot program is not installed")
    (tmp_path / "p.svg").mkdir()                              # a folder where the file should go
    code, _, err = run(["render", "x**2", "-o", str(tmp_path / "p.svg")], capsys)
    assert code == 1
    assert_one_error_line(err, f"cannot write {tmp_path / 'p.svg'}")


# ---------------------------------------------------------------- lab

class Launched(BaseException):
    """Raised by the fake os.execve: carries the command line and the environment."""


def fake_execve(path, argv, env):
    raise Launched(argv, env)


def test_lab_opens_jupyterlab_on_the_notebooks_and_passes_arguments_through(monkeypatch, capsys):
    monkeypatch.setattr(cli.os, "execve", fake_execve)
    with pytest.raises(Launched) as launched:
        cli.main(["lab", "--port", "9999", "--no-browser"])
    argv = launched.value.args[0]
    assert argv[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={ROOT / 'notebooks'}" in argv
    assert argv[-3:] == ["--port", "9999", "--no-browser"]
    assert ("--allow-root" in argv) == (os.geteuid() == 0)
    first = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))[0].name     # the course's first notebook
    assert f"--LabApp.default_url=/lab/tree/{first}" in argv
    assert launched.value.args[1]["JUPYTERLAB_SETTINGS_DIR"] == str(ROOT / "jupyter" / "lab" / "user-settings")
    assert "opening JupyterLab on" in capsys.readouterr().err


def test_lab_with_a_chosen_folder(monkeypatch, tmp_path):
    monkeypatch.setattr(cli.os, "execve", fake_execve)
    with pytest.raises(Launched) as launched:
        cli.main(["lab", "--notebooks", str(tmp_path)])
    assert f"--ServerApp.root_dir={tmp_path.resolve()}" in launched.value.args[0]


@pytest.mark.parametrize("setup, fragment", [
    ("missing_folder", "--notebooks"),
    ("no_notebooks", "cannot find the tutorial notebooks"),
])
def test_lab_errors(monkeypatch, tmp_path, capsys, setup, fragment):
    monkeypatch.setattr(cli.os, "execve", fake_execve)
    if setup == "missing_folder":
        argv = ["lab", "--notebooks", str(tmp_path / "nowhere")]
    else:
        monkeypatch.setattr(cli, "default_notebooks", lambda: None)
        argv = ["lab"]
    code, _, err = run(argv, capsys)
    assert code == 2
    assert_one_error_line(err, fragment)


# ---------------------------------------------------------------- as a program

def test_module_entry_point_runs_as_a_program(tmp_path):
    done = subprocess.run([sys.executable, "-m", "gradlab.cli", "render", "x +* 2"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2 and done.stdout == ""
    assert_one_error_line(done.stderr, "syntax error")


def test_console_script_is_installed():
    script = Path(sys.executable).parent / "gradlab"
    if not script.exists():
        pytest.skip("gradlab is not installed in this Python (pip install -e .)")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == f"gradlab {gradlab.__version__}\n"


# -- issue 17: argument handling and error formatting ------------------------------------------
@pytest.mark.parametrize("argv, formula, wrt, output", [
    (["render", "-x"], "-x", None, "graph.svg"),
    (["render", "-x**2", "-o", "p.svg"], "-x**2", None, "p.svg"),
    (["render", "-o", "p.svg", "-x*y", "--wrt", "x"], "-x*y", ["x"], "p.svg"),
    (["render", "--wrt=y", "-x*y"], "-x*y", ["y"], "graph.svg"),
    (["render", "-op.svg", "-sin(x)"], "-sin(x)", None, "p.svg"),
    (["render", "--out", "p.svg", "--mode", "NO_REWRITE", "-x"], "-x", None, "p.svg"),
    (["render", "--", "-x"], "-x", None, "graph.svg"),
    (["render", "x", "-o", "p.svg"], "x", None, "p.svg"),
])
def test_a_formula_starting_with_a_minus_is_a_formula(monkeypatch, capsys, argv, formula, wrt, output):
    seen = {}
    monkeypatch.setattr(cli, "run_render", lambda args: seen.update(vars(args)) or 0)
    assert cli.main(argv) == 0
    assert (seen["formula"], seen["wrt"], seen["output"]) == (formula, wrt, output)


@needs_dot
def test_render_minus_x_writes_its_pictures(tmp_path, capsys):
    code, out, err = run(["render", "-x", "-o", str(tmp_path / "neg.svg")], capsys)
    assert code == 0 and err == ""
    assert "the formula: (-x)" in out and "d/dx = -1.0" in out
    assert (tmp_path / "neg-rewritten.svg").read_text().startswith("<?xml")


@pytest.mark.parametrize("wrt", [[""], [" , "], ["", ""]])
def test_empty_wrt_is_a_usage_error(tmp_path, monkeypatch, capsys, wrt):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["render", "x**2"] + [a for w in wrt for a in ("--wrt", w)], capsys)
    assert code == 2
    assert_one_error_line(err, ": give a variable name (the formula uses x), or leave --wrt out to use them all")
    assert list(tmp_path.iterdir()) == []


def test_a_huge_formula_is_not_echoed_whole(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    formula = "x+" * 50000 + "("
    code, out, err = run(["render", formula], capsys)
    assert code == 2
    assert_one_error_line(err, "formula of 100001 characters ('...x+x+")
    assert "formula is too long: 100001 characters, the limit is 2000 at column 2001" in err
    assert len(err) < 400
    code, out, err = run(["render", "x+" * 500 + "$"], capsys)       # the excerpt is around the error
    assert_one_error_line(err, "+x+x+$'): ")
    assert "at column 1001" in err and len(err) < 400
    code, out, err = run(["render", "y" * 300 + "+ 1"], capsys)  # the parser's message names the name
    assert_one_error_line(err, "formula of 303 characters")
    assert "…yyyyyyyyyyy' (302 characters) at column 1" in err and len(err) < 1000
    code, out, err = run(["render", "x**2", "--wrt", "z" * 300], capsys)
    assert_one_error_line(err, "has no variable 'zzzzz")
    assert len(err) < 400
