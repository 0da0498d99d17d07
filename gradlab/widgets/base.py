"""The skeleton every workbench widget is built on: controls, an error line,
a picture area, and ``refresh``.

A widget is a :class:`Workbench` (an ``ipywidgets.VBox``).  Its ``__init__``
makes what is its own (its numbers, its controls, its text boxes) and takes
the common parts from here, in the order it shows them:

- ``error_line()``: the ``message`` box (CSS ``gradlab-error``, hidden when
  empty) where a mistake is reported instead of raised; ``error_message``
  reads it.  Methods decorated with :func:`gradlab.widgets.render.guarded`
  clear it first and show their exception there;
- ``picture_area(css)`` (:class:`PictureWorkbench`): the ``picture`` that shows
  SVG text and pans and zooms (CSS ``gradlab-graph``); ``show_picture(svg)``
  puts a picture there and ``svg`` reads it back;
- ``step_controls(interval)`` (:class:`Stepper`): a step slider and a Play
  button linked in the browser; ``step`` reads and sets the slider;
- ``point_control``, ``parameter_slider`` and ``plot_area``
  (:class:`PlotWorkbench`): the point and parameter sliders of a plot of
  ``f, f′ …`` and the PNG image it is shown in;
- ``assemble(children, css, watch=controls)``: lays the children out, gives
  the root its CSS class, calls ``refresh`` when a watched control's value
  changes, and draws the first time.

What the widget adds is ``refresh`` (guarded): draw everything for the
controls' current values.
"""
from __future__ import annotations

from typing import Any, Iterable, Optional

import ipywidgets as widgets

from gradlab.widgets.render import (PLOT_DPI, LRUCache, MessageBox, graph_widget, guarded, plot_widget, show_svg)
from gradlab.widgets.validate import FiniteSlider, finite_number

#: how many positions a float slider has across its range
SLIDER_POSITIONS = 240


def make_slider(description: str, low: float, high: float, value: float) -> widgets.FloatSlider:
    """A continuous-update float slider with about ``SLIDER_POSITIONS`` positions (NaN refused)."""
    return FiniteSlider(value=value, min=low, max=high, step=(high - low) / SLIDER_POSITIONS,
                        description=description, continuous_update=True, readout_format=".3g")


def plain_text(widget: Any) -> str:
    """One line saying what ``widget`` is and that running its cell makes it work
    (what a notebook opened without a kernel, or a page of the website, shows)."""
    return (f"{type(widget).__name__}, an interactive gradlab widget: run this cell in Jupyter, with its "
            "kernel running, to see it and use it.")


class Workbench(widgets.VBox):
    """A widget with an error line that draws itself in ``refresh``."""

    message: MessageBox

    def error_line(self) -> MessageBox:
        """The ``message`` box (made here; place it among the children)."""
        self.message = MessageBox()
        return self.message

    def assemble(self, children: Iterable[widgets.Widget], css_class: str, *,
                 watch: Iterable[widgets.Widget] = ()) -> None:
        """Lay out ``children`` top to bottom, mark the root with ``css_class``,
        refresh when a control of ``watch`` changes value, and draw once."""
        super().__init__(list(children))
        self.add_class(css_class)
        for control in watch:
            control.observe(self._on_change, names="value")
        self.refresh()

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        """The widget's view, with one friendly line as its text: what the widget is
        and that it needs a running kernel (a notebook opened without one, or a page
        of the website, shows this line instead of ``GraphExplorer(children=(…``)."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if isinstance(bundle, dict):
            bundle["text/plain"] = plain_text(self)
        return bundle

    @property
    def error_message(self) -> str:
        """The message shown for the last failure ('' when all went well)."""
        return self.message.text

    def _on_change(self, change: Any) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Draw for the controls' current values (each widget defines it, ``@guarded``)."""
        raise NotImplementedError(f"{type(self).__name__} must define refresh()")


class PictureWorkbench(Workbench):
    """A workbench whose main output is one graph picture."""

    _svg = ""

    def picture_area(self, *classes: str) -> widgets.HTML:
        """The ``picture`` (CSS ``gradlab-graph`` and ``classes``), empty until ``show_picture``."""
        self._svg = ""
        self.picture = graph_widget(*classes)
        return self.picture

    @property
    def svg(self) -> str:
        """The SVG text of the picture shown."""
        return self._svg

    def show_picture(self, svg: str) -> None:
        """Show ``svg`` (SVG text) in the picture area, where it pans and zooms."""
        self._svg = svg
        show_svg(self.picture, svg)


class Stepper(PictureWorkbench):
    """A picture per step of a sequence, chosen with a slider that a Play button advances.

    The widget defines ``n_steps`` and ``render_step(k)`` (what step ``k``
    shows); :meth:`rendered` keeps the last ``CACHE_SIZE`` renderings, so
    stepping back is instant.
    """

    #: how many steps' renderings are kept
    CACHE_SIZE = 64

    @property
    def n_steps(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define n_steps")

    def step_controls(self, interval: int, *, disabled: bool = False) -> tuple:
        """``(play, slider)`` over the steps ``0 … n_steps - 1``, linked in the browser
        (the slider has CSS ``gradlab-step-slider``); Play advances every ``interval`` ms."""
        last = max(self.n_steps - 1, 0)
        self._cache = LRUCache(self.CACHE_SIZE)          # step -> what render_step made
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="step", disabled=disabled,
                                        continuous_update=True)
        self.play = widgets.Play(value=0, min=0, max=last, interval=interval, disabled=disabled, description="play")
        self._link = widgets.jslink((self.play, "value"), (self.slider, "value"))
        self.slider.add_class("gradlab-step-slider")
        return self.play, self.slider

    @property
    def step(self) -> int:
        """The step shown (0-based; also ``slider.value``)."""
        return self.slider.value

    @step.setter
    def step(self, k: int) -> None:
        if not 0 <= k < self.n_steps:
            raise IndexError(self._range_error(k))
        self.slider.value = k

    def _range_error(self, k: int) -> str:
        return f"step {k} is out of range: there are {self.n_steps} steps (0 to {self.n_steps - 1})"

    def render_step(self, k: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define render_step(k)")

    def rendered(self, k: int) -> Any:
        """What step ``k`` shows: ``render_step(k)``, made once and kept."""
        found = self._cache.get(k)
        if found is None:
            found = self.render_step(k)
            self._cache.put(k, found)
        return found


class PlotWorkbench(Workbench):
    """A plot of ``f, f′ …`` (a :class:`~gradlab.widgets.derivative_plot.DerivativePlot`)
    with its tangent at the point of ``point_slider`` and a slider per parameter.

    The widget defines ``shown_plot()``: the plot on show (None before any).
    """

    _png = b""

    def point_control(self, name: str, low: float, high: float, value: float) -> widgets.FloatSlider:
        """``point_slider`` for the variable ``name`` (CSS ``gradlab-point-slider``)."""
        self._point_name = name
        self.point_slider = make_slider(f"{name} =", low, high, value)
        self.point_slider.add_class("gradlab-point-slider")
        return self.point_slider

    @staticmethod
    def parameter_slider(name: str, low: float, high: float, value: float) -> widgets.FloatSlider:
        """A slider for the parameter ``name`` (CSS ``gradlab-param-slider``)."""
        slider = make_slider(f"{name} =", low, high, value)
        slider.add_class("gradlab-param-slider")
        return slider

    def plot_area(self, *classes: str) -> widgets.Image:
        """``plot_image``: the PNG of the plot (CSS ``gradlab-plot`` and ``classes``)."""
        self._png = b""
        self.plot_image = plot_widget(*classes)
        return self.plot_image

    @property
    def point(self) -> float:
        """The point ``a`` of the tangent (also ``point_slider.value``)."""
        return self.point_slider.value

    @point.setter
    @guarded
    def point(self, value: float) -> None:
        slider = self.point_slider
        slider.value = finite_number(f"the point {self._point_name}", value, slider.min, slider.max)

    @property
    def png(self) -> bytes:
        """The PNG bytes of the plot shown."""
        return self._png

    def shown_plot(self) -> Optional[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define shown_plot()")

    @property
    def figure(self) -> Any:
        """The matplotlib figure of the plot."""
        plot = self.shown_plot()
        return plot.figure if plot is not None else None

    def figure_data(self) -> dict:
        """The plotted numbers: ``{"x", "f", "f'", ("f''" …), "tangent", "point": (a, f(a))}``."""
        plot = self.shown_plot()
        return plot.data() if plot is not None else {}

    def show_plot(self, plot: Any, param_values: list) -> None:
        """Draw ``plot`` at the point with ``param_values`` and show its PNG."""
        plot.draw(self.point, param_values)
        self._png = plot.png(PLOT_DPI)
        self.plot_image.value = self._png
