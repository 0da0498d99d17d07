"""Checking what a user hands a widget, before any state changes.

A widget setter (``point``, ``params``, ``eps``, ``values``) checks the new
value with these helpers before it changes anything, and runs ``guarded``:
a bad value is reported in the widget's message line and the old state stays.  Sliders made
here refuse NaN and infinities outright (ipywidgets would store NaN and
clamp infinities silently).
"""
from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Optional, Sequence

import ipywidgets as widgets
import traitlets

from gradlab.bounded_text import clip

#: the widest x-range plotted: matplotlib pads and ticks a range with arithmetic that overflows beyond
MAX_WIDTH = 1e306


def finite_number(what: str, value: Any, low: Optional[float] = None, high: Optional[float] = None) -> float:
    """``value`` as a float, or a ValueError naming ``what``, the value and the allowed range."""
    span = f" in [{low:g}, {high:g}]" if low is not None and high is not None else ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number{span}, got {type(value).__name__} "
                         f"{clip(repr(value), 40)}") from None
    if not math.isfinite(number):
        raise ValueError(f"{what} must be a finite number{span}, got {number!r}")
    if (low is not None and number < low) or (high is not None and number > high):
        raise ValueError(f"{what} = {number:g} is outside its range [{low:g}, {high:g}]; "
                         "pick a value inside it")
    return number


def finite_domain(domain: Any, what: str = "domain") -> tuple:
    """``(low, high)`` of a plot's x-range: finite ends, ``low < high``, a width
    that is a finite float and resolves into distinct sample points."""
    try:
        low, high = (float(v) for v in domain)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a pair of numbers (low, high) such as (-6, 6), "
                         f"got {clip(repr(domain), 40)}") from None
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"{what} {(low, high)} has an infinite or NaN end; a plot needs finite limits "
                         "such as (-6, 6)")
    if not low < high:
        raise ValueError(f"{what} must be (low, high) with low < high, got {(low, high)}")
    width = high - low
    if not math.isfinite(width) or width > MAX_WIDTH:
        raise ValueError(f"{what} {(low, high)} is too wide to plot (its width is over {MAX_WIDTH:g} or overflows); "
                         "use a range such as (-1e6, 1e6)")
    if width <= 1e-9 * max(abs(low), abs(high)):
        raise ValueError(f"{what} {(low, high)} is too narrow for its magnitude: its sample points would "
                         "round to the same floats; widen it or shift it towards 0")
    return low, high


def scalar_parameters(params: Sequence[Any], widget: str) -> None:
    """A slider sets one number: refuse parameters that are not scalars, saying what to do."""
    for var in params:
        if getattr(var, "ndim", 0) != 0:
            name = var.name or str(var)
            raise TypeError(f"{widget}: the parameter {name} is {var.type}, not a scalar; each parameter gets "
                            f"one slider, which sets one number. Give {name} a fixed value first "
                            f"(gradlab.graph.clone_replace(expr, {{{name}: gt.constant([...])}})) "
                            "or make it a scalar")


def set_slider_values(sliders: Mapping[str, Any], values: Mapping[str, Any], handler: Callable,
                      known: Optional[Sequence[str]] = None) -> None:
    """Set ``sliders[name].value`` for each ``name: value`` of ``values`` — after
    checking them all (a name in ``known``, default every slider; a finite
    number in the slider's range) — without calling the value observer
    ``handler``: the caller redraws once."""
    known = list(sliders) if known is None else list(known)
    unknown = [k for k in values if k not in known]
    if unknown:
        raise KeyError(f"params: {unknown} are not parameters; the parameters are {known}")
    checked = {name: finite_number(f"the parameter {name}", value, sliders[name].min, sliders[name].max)
               for name, value in values.items()}
    for name, value in checked.items():
        sliders[name].unobserve(handler, names="value")
        sliders[name].value = value
        sliders[name].observe(handler, names="value")


class _FiniteValue:
    """Mixin for ipywidgets float sliders: NaN and infinities are refused (TraitError)."""

    @traitlets.validate("value")
    def _validate_value(self, proposal: Any) -> Any:
        value = proposal["value"]
        if not math.isfinite(value):
            raise traitlets.TraitError(f"{(self.description or 'the slider').rstrip(' =')} must be a finite number, "
                                       f"got {value!r}")
        return super()._validate_value(proposal)  # type: ignore[misc]


class FiniteSlider(_FiniteValue, widgets.FloatSlider):
    """A FloatSlider that refuses NaN and infinities."""


class FiniteLogSlider(_FiniteValue, widgets.FloatLogSlider):
    """A FloatLogSlider that refuses NaN and infinities."""


def checked_values(values: dict) -> dict:
    """``{variable: value}`` with each value converted to its variable's type,
    or a ValueError naming the variable, its type and the value."""
    checked = {}
    for var, value in values.items():
        try:
            checked[var] = var.type.filter(value)
        except (TypeError, ValueError) as exc:
            name = var.name or str(var.type)
            raise ValueError(f"values: {name} needs a {var.type} value, got {clip(repr(value), 40)}: {exc}") \
                from None
    return checked

