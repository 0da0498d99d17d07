"""Regenerate every picture in assets/ from gradlab itself.

    python assets/make_assets.py          # needs graphviz (the dot program) and matplotlib

- ``dlogistic.png``: the logistic s(x) = 1/(1+exp(-x)) and its derivative
  s(1-s), computed by gradlab's grad (``gradlab.viz.plot_derivative``);
- ``grad_x2_before.svg`` / ``grad_x2_after.svg``: the gradient of x**2 as
  built by ``grad``, and after compilation rewrote it to ``2.0 * x``;
- ``rewrite_step.svg``: the first rewrite step of that compilation.

The outputs are deterministic: running the script twice gives the same bytes.
"""
from __future__ import annotations

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import gradlab  # noqa: E402
import gradlab.tensor as gt  # noqa: E402
from gradlab import viz  # noqa: E402


def write(name: str, data: bytes) -> str:
    path = os.path.join(HERE, name)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def logistic_plot() -> str:
    x = gt.dscalar("x")
    s = 1 / (1 + gt.exp(-x))
    fig = viz.plot_derivative(s, x, domain=(-6, 6), label="1 / (1 + exp(-x))")
    ax = fig.axes[0]
    ax.lines[1].set_label("f′(x) = s(x)(1 − s(x))")
    ax.legend(loc="upper left", fontsize="small")
    ax.set_title("the logistic function and its derivative, from gradlab.grad", fontsize="medium")
    path = os.path.join(HERE, "dlogistic.png")
    fig.savefig(path, dpi=110, metadata={"Software": None})
    return path


def gradient_pair() -> list:
    x = gt.dscalar("x")
    gy = gt.grad(x ** 2, x)
    f = gradlab.function([x], gy)
    before = viz.graph(f.maker.user_outputs, title="gt.grad(x**2, x) as built")
    after = viz.graph(f, title="after compiling (FAST_RUN): " + gradlab.pp(f.maker.fgraph.outputs[0]))
    return [write("grad_x2_before.svg", before.pipe(format="svg")),
            write("grad_x2_after.svg", after.pipe(format="svg"))]


def rewrite_step() -> str:
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.grad(x ** 2, x))
    picture = viz.step_picture(f, 0)
    return write("rewrite_step.svg", picture.pipe(format="svg"))


def main() -> None:
    made = [logistic_plot()] + gradient_pair() + [rewrite_step()]
    for path in made:
        print(os.path.relpath(path, os.path.dirname(HERE)))


if __name__ == "__main__":
    main()
