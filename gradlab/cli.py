"""The ``gradlab`` command.

    gradlab lab [--notebooks DIR] [JUPYTER ARGS...]   JupyterLab on the tutorial notebooks
    gradlab render "FORMULA" [--wrt x] [-o out.svg]    pictures of a formula and its gradient
    gradlab --version

``render`` reads the formula with the safe parser (``gradlab.parse``: never
``eval``), differentiates it with ``gradlab.gradient.grad`` and writes three
pictures, named after ``-o``: ``out.svg`` (the formula's graph),
``out-grad.svg`` (the gradient as ``grad`` builds it) and
``out-rewritten.svg`` (the gradient after compilation's rewrites).  The
extension picks the format (svg, png, pdf).

Every failure is one line on stderr, ``gradlab: error: ...``, and a non-zero
exit status: 2 for a bad command line or formula, 1 for anything else.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path
from typing import Any, List, Optional, Sequence

FORMATS = ("svg", "png", "pdf")
MODES = ("FAST_RUN", "FAST_COMPILE", "NO_REWRITE")
PROG = "gradlab"
#: the longest formula ``render`` prints or puts in a title (pp stops building there)
PP_CHARS = 200


class CommandError(Exception):
    """A failure to report as one line; ``status`` is the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


#: a run of characters without a space longer than this is shortened in messages
LONGEST_WORD = 80


def one_line(text: str) -> str:
    """``text`` with its lines joined by ``"; "``, runs of spaces collapsed and
    any word longer than ``LONGEST_WORD`` characters (a pasted formula, a huge
    name) cut to its ends: ``yyyy…yyyy (300 characters)``."""
    parts = [" ".join(_short_word(w) for w in line.split()) for line in str(text).splitlines()]
    return "; ".join(p for p in parts if p)


def _short_word(word: str) -> str:
    if len(word) <= LONGEST_WORD:
        return word
    return f"{word[:50]}…{word[-12:]} ({len(word)} characters)"


# ---------------------------------------------------------------- gradlab lab

def default_notebooks() -> Optional[Path]:
    """The tutorials: ``notebooks/`` next to the package (a clone or an
    editable install), else ``./notebooks``; None when neither exists."""
    for candidate in (Path(__file__).resolve().parent.parent / "notebooks", Path.cwd() / "notebooks"):
        if candidate.is_dir():
            return candidate
    return None


def lab_command(notebooks: Path, extra: Sequence[str]) -> List[str]:
    """The command line that opens JupyterLab on ``notebooks`` (this Python's jupyterlab)."""
    cmd = [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={notebooks}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in extra:
        cmd.append("--allow-root")        # containers and fresh VMs run as root; jupyter refuses without it
    return cmd + list(extra)


def run_lab(args: argparse.Namespace, extra: Sequence[str]) -> int:
    """Open JupyterLab on the notebooks (replaces this process on POSIX)."""
    import importlib.util
    if args.notebooks is not None:
        notebooks = Path(args.notebooks).expanduser()
        if not notebooks.is_dir():
            raise CommandError(f"--notebooks {args.notebooks}: no such directory", 2)
    else:
        notebooks = default_notebooks()
        if notebooks is None:
            raise CommandError("cannot find the tutorial notebooks (no notebooks/ next to the gradlab package "
                               "or in the current directory): run from a clone of the repository, "
                               "or pass --notebooks DIR", 2)
    if importlib.util.find_spec("jupyterlab") is None:
        raise CommandError("JupyterLab is not installed in this Python: pip install 'gradlab[workbench]'")
    from gradlab.classroom.lab import first_notebook_args, lab_environment
    cmd = lab_command(notebooks.resolve(), [*first_notebook_args(notebooks, extra), *extra])
    env = lab_environment(os.environ)     # the repository's JupyterLab settings: no news pop-up
    print(f"{PROG}: opening JupyterLab on {notebooks.resolve()} (Ctrl-C stops it)", file=sys.stderr)
    sys.stderr.flush()
    if os.name == "posix":
        os.execve(cmd[0], cmd, env)       # Ctrl-C goes straight to jupyter
    import subprocess                     # pragma: no cover - Windows
    return subprocess.call(cmd, env=env)  # pragma: no cover


# ---------------------------------------------------------------- gradlab render

def output_paths(output: str) -> tuple:
    """``(format, [formula, gradient, rewritten paths])`` for ``-o output``."""
    path = Path(output)
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        shown = path.suffix or "no extension"
        raise CommandError(f"-o {output}: {shown} is not a picture format gradlab writes; "
                           f"end the name with {', '.join('.' + f for f in FORMATS)}", 2)
    folder = path.parent
    if not folder.is_dir():
        raise CommandError(f"-o {output}: the folder {folder} does not exist; create it first", 2)
    stem = path.with_suffix("")
    return fmt, [path, Path(f"{stem}-grad{path.suffix}"), Path(f"{stem}-rewritten{path.suffix}")]


#: the longest formula an error message repeats whole
SHOWN_FORMULA = 80


def shown_formula(formula: str, position: Optional[int] = None) -> str:
    """The formula as an error message quotes it: whole when short, else its
    length and an excerpt around ``position``."""
    if len(formula) <= SHOWN_FORMULA:
        return repr(formula)
    from gradlab.parse import excerpt
    text, _ = excerpt(formula, position, width=SHOWN_FORMULA - 20)
    return f"of {len(formula)} characters ({text!r})"


def parse_formula(formula: str) -> Any:
    """The parsed formula (``gradlab.parse.Parsed``), or a CommandError."""
    from gradlab.parse import FormulaError, parse
    try:
        parsed = parse(formula)
    except FormulaError as exc:
        where = f" at column {exc.position + 1}" if exc.position is not None else ""
        hint = f"; hint: {exc.hint}" if exc.hint else ""
        raise CommandError(f"formula {shown_formula(formula, exc.position)}: {one_line(exc.message)}{where}{hint}",
                           2) from None
    if not parsed.variables:
        raise CommandError(f"formula {shown_formula(formula)} has no variable, so there is nothing to "
                           "differentiate; use a name such as x: \"x**2 + 1\"", 2)
    return parsed


def wrt_variables(parsed: Any, wrt: Optional[Sequence[str]]) -> list:
    """The variables named by ``--wrt`` (all of the formula's, in order, by default)."""
    known = parsed.variables
    if not wrt:
        return list(known.values())
    names = [n.strip() for item in wrt for n in item.split(",") if n.strip()]
    if not names:
        raise CommandError(f"--wrt {' '.join(repr(w) for w in wrt)[:40]}: give a variable name "
                           f"(the formula uses {', '.join(known)}), or leave --wrt out to use them all", 2)
    for name in names:
        if name not in known:
            raise CommandError(f"--wrt {name[:40]}: the formula {shown_formula(parsed.formula)} has no variable "
                               f"{name[:40]!r} (it uses {', '.join(known)})", 2)
    return [known[n] for n in dict.fromkeys(names)]


def render_pictures(formula: str, wrt: Optional[Sequence[str]], mode: str = "FAST_RUN",
                    rankdir: str = "LR") -> list:
    """``[(label, graphviz.Digraph)]`` for the formula, its gradient as built,
    and the gradient after ``mode``'s rewrites."""
    from gradlab import viz
    from gradlab.compile import function
    from gradlab.gradient import grad
    from gradlab.printing import pp
    parsed = parse_formula(formula)
    expr = parsed.expr
    variables = wrt_variables(parsed, wrt)
    grads = grad(expr, variables, disconnected_inputs="ignore")
    names = ", ".join(v.name for v in variables)
    f = function(list(parsed.variables.values()), grads, mode=mode, on_unused_input="ignore")
    n_ops = len(f.maker.fgraph.apply_nodes)
    rewritten = "; ".join(f"d/d{v.name} = {pp(o, max_chars=PP_CHARS)}"
                          for v, o in zip(variables, f.maker.fgraph.outputs))
    return [
        (f"the formula: {pp(expr, max_chars=PP_CHARS)}", viz.graph(expr, title=f"f = {formula}", rankdir=rankdir)),
        (f"its gradient with respect to {names}, as grad builds it",
         viz.graph(grads, title=f"gradient of f = {formula} with respect to {names}, as built", rankdir=rankdir)),
        (f"the gradient after {mode} ({n_ops} op{'s' if n_ops != 1 else ''}): {rewritten}",
         viz.graph(f, title=f"gradient after {mode}: {rewritten}", rankdir=rankdir)),
    ]


def run_render(args: argparse.Namespace) -> int:
    """Write the three pictures; print one line per file written."""
    fmt, paths = output_paths(args.output)
    pictures = render_pictures(args.formula, args.wrt, args.mode, args.rankdir)
    if shutil.which("dot") is None:
        raise CommandError("graphviz's `dot` program is not installed, so no picture can be drawn: "
                           "sudo apt-get install graphviz (or brew install graphviz, conda install graphviz)")
    from gradlab.viz import dot_runner
    for (label, picture), path in zip(pictures, paths):
        try:
            data = dot_runner.pipe(picture, fmt)
        except Exception as exc:  # noqa: BLE001 - graphviz reports a missing or failing `dot` in several ways
            raise CommandError(f"graphviz could not draw {path}: {one_line(exc)}") from None
        try:
            path.write_bytes(data)
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
        print(f"wrote {path}  ({label})")
    return 0


# ---------------------------------------------------------------- entry point

class _Parser(argparse.ArgumentParser):
    """argparse with usage errors as one ``gradlab: error:`` line (status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise CommandError(f"{one_line(message)} (see {PROG} --help)", 2)


def build_parser() -> argparse.ArgumentParser:
    from gradlab import __version__
    parser = _Parser(prog=PROG, description="gradlab: see how derivatives are computed.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    lab = commands.add_parser("lab", help="open JupyterLab on the tutorial notebooks (other arguments go to "
                                          "jupyter lab, e.g. --port 9999)")
    lab.add_argument("--notebooks", metavar="DIR", help="the folder to open (default: the repository's notebooks/)")
    render = commands.add_parser("render", help="write pictures of a formula, its gradient and the rewritten "
                                                "gradient")
    render.add_argument("formula", help='a formula such as "1/(1+exp(-x))" (numbers, names, + - * / ** ^ and '
                                        'functions like exp, log, sin, tanh, sigmoid)')
    render.add_argument("--wrt", action="append", metavar="NAME",
                        help="differentiate with respect to NAME (repeat, or separate with commas; "
                             "default: every variable of the formula)")
    render.add_argument("-o", "--output", default="graph.svg", metavar="FILE",
                        help="the formula's picture (default graph.svg); FILE-grad and FILE-rewritten are "
                             "written next to it; the extension picks the format: .svg, .png or .pdf")
    render.add_argument("--mode", default="FAST_RUN", choices=MODES, help="the compilation mode whose rewrites "
                                                                          "to show (default FAST_RUN)")
    render.add_argument("--rankdir", default="LR", choices=("LR", "TB"),
                        help="draw left to right (LR, default) or top to bottom (TB)")
    parser.render_parser = render  # type: ignore[attr-defined]  (protect_formula reads its options)
    from gradlab.classroom.commands import add_commands
    add_commands(commands)                # assignments, check: the teacher's commands
    return parser


def protect_formula(parser: argparse.ArgumentParser, argv: Sequence[str]) -> tuple:
    """``(argv, formula)``: a ``render`` formula that starts with ``-`` (``"-x"``,
    ``"-x**2"``) is not an option: it gets a leading space argparse does not
    read as an option (the formula parser drops it), and is returned as
    typed.  ``-h``, ``--help`` and the options render knows stay options;
    after ``--`` nothing is touched."""
    argv = list(argv)
    if not argv or argv[0] != "render":
        return argv, None
    options = parser.render_parser._option_string_actions  # type: ignore[attr-defined]
    k = 1
    while k < len(argv):
        token = argv[k]
        if token == "--" or not token.startswith("-") or token == "-":
            return argv, None  # the formula comes plainly (or after --)
        action = _render_option(options, token)
        if action is None:
            argv[k] = " " + token
            return argv, token
        attached = "=" in token if token.startswith("--") else len(token) > 2
        k += 1 if attached or action.nargs == 0 else 2
    return argv, None


def _render_option(options: dict, token: str) -> Any:
    """The argparse action ``token`` names (``--wrt=x``, ``-ofile``, ``--out`` for ``--output``), or None."""
    if token.startswith("--"):
        name = token.split("=", 1)[0]
        matches = [o for o in options if o.startswith("--") and o.startswith(name)]
        return options[name] if name in options else options[matches[0]] if len(matches) == 1 else None
    return options.get(token[:2])


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the ``gradlab`` command; returns the exit status (0: success)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        argv, dashed = protect_formula(parser, argv)
        args, extra = parser.parse_known_args(argv)
        if dashed is not None and getattr(args, "formula", None) == " " + dashed:
            args.formula = dashed
        if args.command != "lab" and extra:
            raise CommandError(f"unrecognized arguments: {' '.join(extra)} (see {PROG} --help)", 2)
        if args.command is None:
            parser.print_help(sys.stderr)
            return 2
        if args.command == "lab":
            return run_lab(args, extra)
        if args.command in ("assignments", "check", "hub"):
            from gradlab.classroom.commands import run as run_classroom
            return run_classroom(args)
        return run_render(args)
    except CommandError as exc:
        print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the command reports, it never dumps a traceback
        print(f"{PROG}: error: {type(exc).__name__}: {one_line(exc)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
