#!/usr/bin/python3
"""Writes hw_reference.json: Holt-Winters fits by statsmodels' ExponentialSmoothing.

Run with Debian's python3-statsmodels (0.13.5): /usr/bin/python3 make_hw_reference.py
The C++ test (tests/predictors/holt_winters_reference_test.cc) reruns the same fits.

Each case fixes the initial state (fix_params) to the one Governor computes
(HoltWintersInitialState, ported below), so both fits optimize the same smoothing parameters on
the same objective: the sum of squared one-step errors. statsmodels' default bounds apply
(alpha in (0, 1), beta <= alpha, gamma <= 1 - alpha); phi is bounded to Governor's [0.8, 0.98].
"""
import csv
import json
import math
import os

import numpy as np
from statsmodels.tsa.holtwinters import ExponentialSmoothing

HERE = os.path.dirname(os.path.abspath(__file__))


def initial_state(y, m, seasonal, trend):
    """Governor's HoltWintersInitialState for a series without gaps."""
    means = [float(np.mean(y[k * m:(k + 1) * m])) for k in range(2)]
    level = means[0]
    slope = (means[1] - means[0]) / m if trend else 0.0
    s = []
    for j in range(m):
        if seasonal == "add":
            s.append(sum(y[k * m + j] - means[k] for k in range(2)) / 2)
        else:
            s.append(sum(y[k * m + j] / means[k] for k in range(2)) / 2)
    avg = sum(s) / m
    s = [v - avg for v in s] if seasonal == "add" else [v / avg for v in s]
    return level, slope, s


def synthetic():
    """Hourly: daily sine, a slow trend and Gaussian noise, 21 days, fixed seed."""
    rng = np.random.default_rng(20240601)
    t = np.arange(21 * 24)
    return list(100 + 0.05 * t + 20 * np.sin(2 * math.pi * t / 24) + rng.normal(0, 3, t.size))


def trace(name, rows):
    with open(os.path.join(HERE, name)) as f:
        values = [float(r["value"]) for r in csv.DictReader(f)]
    return values[:rows]


def fit_case(name, y, m, seasonal, trend, damped):
    level, slope, s = initial_state(y, m, seasonal, trend)
    kwargs = dict(trend="add" if trend else None, damped_trend=damped, seasonal=seasonal,
                  seasonal_periods=m, initialization_method="estimated")
    if damped:
        kwargs["bounds"] = {"damping_trend": (0.8, 0.98)}
    model = ExponentialSmoothing(np.asarray(y), **kwargs)
    # statsmodels 0.13 treats "known" initial values as starting points and still estimates
    # them; fixing them (fix_params, which "estimated" initialization allows for every initial
    # value) leaves only the smoothing parameters to optimize, as in Governor. The assertions
    # check that the initial state stayed as given.
    fixed = {"initial_level": level}
    if trend:
        fixed["initial_trend"] = slope
    fixed.update({f"initial_seasonal.{i}": v for i, v in enumerate(s)})
    # The default optimizer (a brute-force start, then SLSQP) sometimes stops early on these
    # flat surfaces; basinhopping searches further. The better of the two is the reference.
    fits = []
    for method in ("default", "basinhopping"):
        with model.fix_params(fixed):
            fits.append((method, model.fit(method=None if method == "default" else method)))
    method, res = min(fits, key=lambda f: f[1].sse)
    assert abs(res.params["initial_level"] - level) <= 1e-9 * abs(level), "level moved"
    assert max(abs(a - b) for a, b in zip(res.params["initial_seasons"], s)) < 1e-9, "moved"
    if trend:
        assert abs(res.params["initial_trend"] - slope) <= 1e-9 * (1 + abs(slope)), "moved"
    p = res.params
    horizon = min(2 * m, 96)
    return {
        "name": name,
        "period": m,
        "seasonality": "additive" if seasonal == "add" else "multiplicative",
        "trend": "damped" if damped else ("additive" if trend else "none"),
        "values": y,
        "initial": {"level": level, "trend": slope, "seasonal": s},
        "params": {
            "alpha": float(p["smoothing_level"]),
            "beta": float(p["smoothing_trend"]) if trend else 0.0,
            "gamma": float(p["smoothing_seasonal"]),
            "phi": float(p["damping_trend"]) if damped else 1.0,
        },
        "sse": float(res.sse),
        "optimizer": method,
        "forecast": [float(v) for v in res.forecast(horizon)],
    }


def main():
    synth = synthetic()
    elb = trace("elb_request_count.csv", 7 * 288)      # 7 days of 5-minute counts
    taxi = trace("nyc_taxi_6w.csv", 6 * 336)            # 6 weeks of 30-minute counts
    cases = [
        fit_case("synthetic additive, additive trend", synth, 24, "add", True, False),
        fit_case("synthetic additive, damped trend", synth, 24, "add", True, True),
        fit_case("synthetic multiplicative, no trend", synth, 24, "mul", False, False),
        fit_case("elb additive, no trend", elb, 288, "add", False, False),
        fit_case("elb multiplicative, damped trend", elb, 288, "mul", True, True),
        fit_case("taxi weekly additive, no trend", taxi, 336, "add", False, False),
        fit_case("taxi weekly multiplicative, damped trend", taxi, 336, "mul", True, True),
    ]
    doc = {
        "generator": "tests/predictors/testdata/make_hw_reference.py",
        "statsmodels": __import__("statsmodels").__version__,
        "cases": cases,
    }
    with open(os.path.join(HERE, "hw_reference.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    for c in cases:
        print(c["name"], c["params"], "sse=%.6g" % c["sse"])


if __name__ == "__main__":
    main()
