"""A heat map shown in Jupyter is the 2× PNG that ``plot_matrix`` drew, with the
width and height of the figure: the inline backend's own PNG printer (cropped,
1×) must not replace it while the size stays (the picture came out stretched)."""
from __future__ import annotations

import base64
import io
import struct

import numpy as np
import pytest

IPython = pytest.importorskip("IPython")
pytest.importorskip("matplotlib")


def png_size(png: bytes) -> tuple:
    """(width, height) from a PNG's IHDR chunk."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", png[16:24])


@pytest.fixture
def shell_with_inline_printer():
    """An IPython shell whose PNG formatter has a printer for every Figure, as the
    inline backend registers one (here: a tiny PNG that must never be shown)."""
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib.figure import Figure
    shell = InteractiveShell.instance()
    png = shell.display_formatter.formatters["image/png"]
    buf = io.BytesIO()
    Figure(figsize=(0.5, 0.5)).savefig(buf, format="png", dpi=10)
    png.for_type(Figure, lambda fig: buf.getvalue())
    yield shell
    png.pop(Figure, None)


def test_plot_matrix_is_shown_as_its_own_png_with_matching_size(shell_with_inline_printer):
    from IPython.utils.capture import capture_output
    from gradlab import viz
    fig = viz.plot_matrix(np.array([[1.0, 2.0], [2.0, 12.0]]), title="a Hessian")
    with capture_output() as captured:
        from IPython.display import display
        display(fig)
    (output,) = captured.outputs
    png = base64.b64decode(output.data["image/png"])
    width, height = png_size(png)
    size = output.metadata["image/png"]
    assert abs(width - 2 * size["width"]) <= 1 and abs(height - 2 * size["height"]) <= 1, (width, height, size)
    inches = fig.get_size_inches()
    assert abs(size["width"] - inches[0] * 100) <= 1 and abs(size["height"] - inches[1] * 100) <= 1
