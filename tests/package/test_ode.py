"""gentheory_utils.ode: the one integrator of chapters 7 and 8."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gentheory_utils import ode


def _decay(x, t):
    return -x


def _end_error(steps: int, method: str) -> float:
    x0 = torch.ones(1, 1, dtype=torch.float64)
    times = torch.linspace(0.0, 1.0, steps + 1, dtype=torch.float64)
    x1 = ode.integrate(lambda x, t: -x * (1 + t), x0, times, method=method)
    return abs(float(x1) - math.exp(-1.5))


@pytest.mark.parametrize("method", list(ode.METHODS))
def test_integrate_has_the_order_of_its_method(method):
    order = ode.METHODS[method][1]
    errors = [_end_error(s, method) for s in (8, 16, 32, 64)]
    slope = np.polyfit(np.log([8, 16, 32, 64]), np.log(errors), 1)[0]
    assert abs(slope + order) < 0.15, slope
    for other in {o for _, o in ode.METHODS.values()} - {order}:
        assert abs(slope + other) > 0.8  # the other orders are visibly off


def test_integrate_one_step_formulas_and_time_dependence():
    x = torch.tensor([[2.0, -1.0]], dtype=torch.float64)

    def v(y, t):
        return t * torch.ones_like(y)

    euler = ode.integrate(v, x, [0.5, 1.5], method="euler")
    heun = ode.integrate(v, x, [0.5, 1.5])
    rk4 = ode.integrate(v, x, [0.5, 1.5], method="rk4")
    torch.testing.assert_close(euler, x + 0.5)  # h v(t0)
    torch.testing.assert_close(heun, x + 1.0)  # h (v(t0) + v(t1)) / 2, exact here
    torch.testing.assert_close(rk4, x + 1.0)  # Simpson's rule, exact here
    backwards = ode.integrate(v, x, [1.5, 0.5])
    torch.testing.assert_close(backwards, x - 1.0)


def test_integrate_euler_last_and_zero_steps():
    x = torch.zeros(3, 2, dtype=torch.float64)
    calls = []

    def v(y, t):
        calls.append(t)
        return torch.ones_like(y)

    ode.integrate(v, x, [0.0, 0.5, 1.0], euler_last=True)
    assert calls == [0.0, 0.5, 0.5]  # the last step does not look at t = 1
    assert len(calls) == ode.evaluations(2, euler_last=True)
    calls.clear()
    ode.integrate(v, x, [0.0, 0.5, 1.0], method="rk4", euler_last=True)
    assert calls == [0.0, 0.25, 0.25, 0.5, 0.5]
    assert len(calls) == ode.evaluations(2, "rk4", euler_last=True)
    out = ode.integrate(v, x, [0.3])
    assert out.dtype == torch.float64 and torch.equal(out, x)


def test_evaluations():
    assert ode.evaluations(40) == 80
    assert ode.evaluations(40, euler_last=True) == 79
    assert ode.evaluations(40, "euler") == 40
    assert ode.evaluations(10, "rk4") == 40
    assert ode.evaluations(0, euler_last=True) == 0
    with pytest.raises(ValueError, match="method"):
        ode.evaluations(3, "midpoint")
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="steps"):
            ode.evaluations(bad)


def test_integrate_rejects_bad_input():
    x = torch.zeros(2, 2)
    with pytest.raises(TypeError, match="velocity"):
        ode.integrate("f", x, [0.0, 1.0])
    with pytest.raises(ValueError, match="strictly"):
        ode.integrate(_decay, x, [0.0, 1.0, 0.5])
    with pytest.raises(ValueError, match="method"):
        ode.integrate(_decay, x, [0.0, 1.0], method="rk5")
    with pytest.raises(ValueError, match="times"):
        ode.integrate(_decay, x, [])
    with pytest.raises(ValueError, match="times"):
        ode.integrate(_decay, x, [0.0, float("nan")])
    with pytest.raises(ValueError, match="shape"):
        ode.integrate(lambda y, t: y[:, :1], x, [0.0, 1.0])
    with pytest.raises(ValueError, match="x"):
        ode.integrate(_decay, torch.zeros(3), [0.0, 1.0])
