"""Interactive figures that also leave their default state in the static book.

:func:`interactive_figure` draws the default state once as an ordinary
figure output and redraws it in place (through an IPython display handle)
whenever a control changes. So

* the rendered HTML book shows the default figure even without JavaScript,
  as a plain image with the cell's alt text;
* in Jupyter, JupyterLab and Colab the sliders redraw the same figure;
* only core ipywidgets controls and ``observe`` are used, which behave the same
  in ipywidgets 7.7 (Colab) and 8.x.

Introduced in chapter 1 (the dimension-estimate widget).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import ipywidgets as W
import matplotlib.pyplot as plt
from IPython.display import display
from matplotlib.figure import Figure

from ._validate import check_float, check_int

__all__ = ["float_slider", "int_slider", "dropdown", "interactive_figure"]

_STYLE = {"description_width": "initial"}


def float_slider(
    description: str, value: float, min: float, max: float, step: float
) -> W.FloatSlider:
    """A ``FloatSlider`` that only fires when released (keeps redraws cheap).

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.
    """
    value, min, max, step = (
        check_float(v, n)
        for v, n in ((value, "value"), (min, "min"), (max, "max"), (step, "step"))
    )
    if not (min <= value <= max) or step <= 0:
        raise ValueError(
            f"need min <= value <= max and step > 0, got {min}, {value}, {max}, {step}"
        )
    return W.FloatSlider(
        value=value,
        min=min,
        max=max,
        step=step,
        description=description,
        continuous_update=False,
        style=_STYLE,
    )


def int_slider(
    description: str, value: int, min: int, max: int, step: int = 1
) -> W.IntSlider:
    """An ``IntSlider`` that only fires when released.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.
    """
    value, min, max, step = (
        check_int(v, n)
        for v, n in ((value, "value"), (min, "min"), (max, "max"), (step, "step"))
    )
    if not (min <= value <= max) or step <= 0:
        raise ValueError(
            f"need min <= value <= max and step > 0, got {min}, {value}, {max}, {step}"
        )
    return W.IntSlider(
        value=value,
        min=min,
        max=max,
        step=step,
        description=description,
        continuous_update=False,
        style=_STYLE,
    )


def dropdown(description: str, options: list, value=None) -> W.Dropdown:
    """A ``Dropdown`` over ``options`` (first option by default).

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.
    """
    if not options:
        raise ValueError("options must be a non-empty list")
    value = options[0] if value is None else value
    if value not in options:
        raise ValueError(f"value {value!r} is not among options {options!r}")
    return W.Dropdown(
        options=options, value=value, description=description, style=_STYLE
    )


def interactive_figure(
    draw: Callable[..., Figure], controls: Mapping[str, W.ValueWidget]
) -> dict:
    """Show ``controls`` above a figure that ``draw(**values)`` redraws on change.

    Taught in Chapter 1, *Unsupervised learning and the manifold assumption*.

    Parameters
    ----------
    draw : callable
        Called with one keyword argument per control (its current value);
        must return a matplotlib ``Figure``.
    controls : mapping of str to ipywidgets value widget
        Keyword name -> control, in display order.

    Returns
    -------
    dict
        ``{"controls": VBox, "handle": DisplayHandle, "redraw": callable}``;
        ``redraw()`` redraws with the current values (handy in tests).
    """
    if not callable(draw):
        raise TypeError(f"draw must be callable, got {type(draw).__name__}")
    if not isinstance(controls, Mapping) or not controls:
        raise ValueError("controls must be a non-empty mapping of name -> widget")
    for name, widget in controls.items():
        if not isinstance(widget, W.ValueWidget):
            raise TypeError(
                f"controls[{name!r}] must be an ipywidgets value widget, "
                f"got {type(widget).__name__}"
            )

    def render() -> Figure:
        fig = draw(**{name: w.value for name, w in controls.items()})
        if not isinstance(fig, Figure):
            raise TypeError(
                f"draw must return a matplotlib Figure, got {type(fig).__name__}"
            )
        plt.close(fig)  # displayed through the handle only
        return fig

    box = W.VBox(list(controls.values()))
    display(box)
    handle = display(render(), display_id=True)

    def redraw(_change=None) -> None:
        if handle is None:  # not in IPython: nothing to update in place
            display(render())
        else:
            handle.update(render())

    for widget in controls.values():
        widget.observe(redraw, names="value")
    return {"controls": box, "handle": handle, "redraw": redraw}
