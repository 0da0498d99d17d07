"""The widget skeleton (gradlab/widgets/base.py): what a widget gets by
building on it — the error line, the picture area, the step controls with
their cache, the point slider — checked on small widgets made here, and the
six widgets are built on it."""
from __future__ import annotations

import pytest

pytest.importorskip("ipywidgets")

import ipywidgets

from gradlab import widgets as gw
from gradlab.widgets.base import PictureWorkbench, PlotWorkbench, Stepper, Workbench
from gradlab.widgets.render import guarded
from widget_helpers import with_class

SVG = '<svg width="{w}pt" height="20pt" viewBox="0 0 {w} 20"><text>step {k}</text></svg>'


class Counter(Stepper):
    """Three steps; step k shows an SVG with "step k"; step 2 cannot be drawn."""

    def __init__(self):
        self.made = []
        play, slider = self.step_controls(interval=500)
        message, picture = self.error_line(), self.picture_area("test-picture")
        self.assemble([ipywidgets.HBox([play, slider]), message, picture], "test-counter", watch=[slider])

    @property
    def n_steps(self) -> int:
        return 3

    def render_step(self, k: int) -> str:
        self.made.append(k)
        if k == 2:
            raise ValueError("step 2 has no picture")
        return SVG.format(w=40 + k, k=k)

    @guarded
    def refresh(self) -> None:
        self.show_picture(self.rendered(self.step))


def test_a_stepper_draws_at_once_and_caches_each_step_it_renders():
    counter = Counter()
    assert counter.made == [0] and "step 0" in counter.svg and counter.error_message == ""
    assert "test-counter" in counter._dom_classes
    assert with_class(counter, "gradlab-step-slider") == [counter.slider]
    assert with_class(counter, "gradlab-graph") == [counter.picture] == with_class(counter, "test-picture")
    assert (counter.slider.min, counter.slider.max, counter.play.max, counter.play.interval) == (0, 2, 2, 500)
    counter.step = 1                               # the watched slider redraws
    assert counter.slider.value == 1 and "step 1" in counter.svg and "step 1" in counter.picture.svg
    counter.step = 0
    counter.step = 1
    assert counter.made == [0, 1]                  # steps 0 and 1 came from the cache the second time


def test_a_failure_goes_to_the_error_line_and_the_last_picture_stays():
    counter = Counter()
    counter.slider.value = 2
    assert counter.error_message == "ValueError: step 2 has no picture"
    assert "step 0" in counter.svg                 # the picture of step 0 is still shown
    assert with_class(counter, "gradlab-error") == [counter.message]
    counter.step = 1
    assert counter.error_message == "" and "step 1" in counter.svg


def test_a_step_out_of_range_is_an_index_error_naming_the_range():
    counter = Counter()
    with pytest.raises(IndexError, match=r"step 3 is out of range: there are 3 steps \(0 to 2\)"):
        counter.step = 3
    with pytest.raises(IndexError, match="step -1 is out of range"):
        counter.step = -1
    assert counter.step == 0


def test_a_widget_without_refresh_says_what_it_must_define():
    class Bare(Workbench):
        def __init__(self):
            self.assemble([self.error_line()], "test-bare")

    with pytest.raises(NotImplementedError, match="Bare must define refresh"):
        Bare()


class Line(PlotWorkbench):
    """A point slider over [0, 4] for ``t``, and nothing plotted."""

    def __init__(self):
        self.refreshed = 0
        point = self.point_control("t", 0.0, 4.0, 1.0)
        self.assemble([point, self.error_line(), self.plot_area("test-plot")], "test-line", watch=[point])

    def shown_plot(self):
        return None

    @guarded
    def refresh(self) -> None:
        self.refreshed += 1


def test_the_point_slider_is_checked_before_it_moves():
    line = Line()
    assert line.refreshed == 1 and line.point == 1.0
    assert line.point_slider.description == "t =" and "gradlab-point-slider" in line.point_slider._dom_classes
    assert line.point_slider.step == pytest.approx(4.0 / 240)
    line.point = 2.5
    assert line.point_slider.value == 2.5 and line.refreshed == 2
    line.point = 9.0
    assert line.error_message == "ValueError: the point t = 9 is outside its range [0, 4]; pick a value inside it"
    assert line.point == 2.5 and line.refreshed == 2
    line.point = float("nan")
    assert "the point t must be a finite number" in line.error_message and line.point == 2.5
    assert (line.figure, line.figure_data(), line.png) == (None, {}, b"")
    slider = PlotWorkbench.parameter_slider("k", -1.0, 1.0, 0.5)
    assert (slider.description, slider.value, "gradlab-param-slider" in slider._dom_classes) == ("k =", 0.5, True)


def test_the_six_widgets_are_built_on_the_skeleton():
    expected = {"GraphExplorer": PictureWorkbench, "RewriteStepper": Stepper, "BackpropStepper": Stepper,
                "DerivativeExplorer": PlotWorkbench, "Playground": PlotWorkbench, "GradCheck": Workbench}
    for name, base in expected.items():
        assert issubclass(getattr(gw, name), base), name
    assert issubclass(gw.DerivativeExplorer, PictureWorkbench)
    assert not issubclass(gw.Playground, PictureWorkbench)        # three pictures in tabs, no single svg
    assert not hasattr(gw.GradCheck, "svg") and not hasattr(gw.Playground, "svg")
