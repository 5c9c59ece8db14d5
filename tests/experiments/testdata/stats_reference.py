#!/usr/bin/python3
"""Reference values for the statistics engine (tests/experiments/stats_reference_test.cc).

Run with Debian's python3-scipy:  /usr/bin/python3 stats_reference.py > stats_reference.json

Each case draws raw per-unit data with a fixed seed, reduces it to the sufficient statistics
the engine takes (n, sum, sumSquares, crossSum), and computes the expected results from the raw
data with scipy: Welch's t-test (scipy.stats.ttest_ind, equal_var=False) for absolute effects,
scipy.stats.t / scipy.stats.norm quantiles for intervals, numerical integration (scipy.integrate)
for Bayesian risk, scipy.stats.chisquare for the sample-ratio-mismatch test. The relative effect's
delta-method variance, the confidence sequence and the corrections follow docs/statistics.md and
are written here independently of the C++ code.
"""
import json
import math

import numpy as np
from scipy import integrate, stats

ALPHA = 0.05


def sums(x):
    return {"sum": float(np.sum(x)), "sumSquares": float(np.sum(np.square(x)))}


def welch(va, na, vb, nb):
    a, b = va / na, vb / nb
    return (a + b) ** 2 / (a * a / (na - 1) + b * b / (nb - 1))


def freq_result(est, se, df, alternative, alpha, seq=None, n_total=None):
    if seq is not None:
        return seq_result(est, se, n_total, alternative, alpha, seq)
    t = est / se
    if alternative == "two-sided":
        q = stats.t.ppf(1 - alpha / 2, df)
        return {"expected": est, "ci": [est - q * se, est + q * se], "stdError": se,
                "pValue": 2 * stats.t.sf(abs(t), df)}
    q = stats.t.ppf(1 - alpha, df)
    if alternative == "greater":
        return {"expected": est, "ci": [est - q * se, None], "stdError": se,
                "pValue": stats.t.sf(t, df)}
    return {"expected": est, "ci": [None, est + q * se], "stdError": se,
            "pValue": stats.t.cdf(t, df)}


def cs_half_width(se, n, alpha, tuning):
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning
    return se * math.sqrt(n) * math.sqrt(
        2 * (n * rho2 + 1) * math.log(math.sqrt(n * rho2 + 1) / alpha) / (n * n * rho2))


def cs_p_value(est, se, n, alpha, tuning):
    # The smallest alpha' with |est| >= half-width, rho held at the configured alpha: solved
    # numerically here (brentq), not from the closed form the engine uses.
    rho2 = (-2 * math.log(alpha) + math.log(-2 * math.log(alpha) + 1)) / tuning

    def excess(a):
        w = se * math.sqrt(n) * math.sqrt(
            2 * (n * rho2 + 1) * math.log(math.sqrt(n * rho2 + 1) / a) / (n * n * rho2))
        return abs(est) - w

    upper = math.sqrt(n * rho2 + 1)  # the half-width is 0 here
    if excess(1.0) <= 0:
        return 1.0
    from scipy.optimize import brentq
    lo = 1e-300
    if excess(lo) >= 0:
        return 0.0
    return min(1.0, brentq(excess, lo, min(1.0, upper), xtol=1e-300, rtol=1e-13))


def seq_result(est, se, n, alternative, alpha, tuning):
    if alternative == "two-sided":
        w = cs_half_width(se, n, alpha, tuning)
        return {"expected": est, "ci": [est - w, est + w], "stdError": se,
                "pValue": cs_p_value(est, se, n, alpha, tuning)}
    w = cs_half_width(se, n, 2 * alpha, tuning)
    right = est > 0 if alternative == "greater" else est < 0
    p = min(1.0, cs_p_value(est, se, n, 2 * alpha, tuning) / 2) if right else 1.0
    ci = [est - w, None] if alternative == "greater" else [None, est + w]
    return {"expected": est, "ci": ci, "stdError": se, "pValue": p}


def effect(ma, va, na, mb, vb, nb, difference, base_a=None, base_b=None):
    if difference == "absolute":
        return mb - ma, math.sqrt(vb / nb + va / na)
    base_a = ma if base_a is None else base_a
    base_b = mb if base_b is None else base_b
    var = vb / (nb * base_a ** 2) + va * base_b ** 2 / (na * base_a ** 4)
    return (mb - ma) / abs(base_a), math.sqrt(var)


def bayes_result(est, se, alpha, prior, inverse, scale):
    mean, var = est, se * se
    if prior is not None:
        pm, pv = prior["mean"] * scale, prior["variance"] * scale * scale
        prec = 1 / var + 1 / pv
        mean, var = (est / var + pm / pv) / prec, 1 / prec
    sd = math.sqrt(var)
    z = stats.norm.ppf(1 - alpha / 2)
    post = stats.norm(mean, sd)
    lo, hi = mean - 12 * sd, mean + 12 * sd
    gain = integrate.quad(lambda x: x * post.pdf(x), 0, max(hi, 0), limit=200,
                          epsabs=1e-14, epsrel=1e-12)[0] if hi > 0 else 0.0
    loss = integrate.quad(lambda x: -x * post.pdf(x), min(lo, 0), 0, limit=200,
                          epsabs=1e-14, epsrel=1e-12)[0] if lo < 0 else 0.0
    ctw = post.sf(0)
    risk = [gain, loss]
    if inverse:
        ctw, risk = 1 - ctw, [loss, gain]
    return {"expected": mean, "ci": [mean - z * sd, mean + z * sd], "stdError": sd,
            "chanceToWin": ctw, "risk": risk}


def analyze(case_name, request, raw):
    """`raw`: per variant a dict of numpy arrays (x; or num/den; or post/pre)."""
    metric = request["metricType"]
    diff = request.get("difference", "relative")
    alpha = request.get("alpha", ALPHA)
    alt = request.get("alternative", "two-sided")
    seq = request.get("sequential")
    tuning = seq["tuningParameter"] if seq else None
    engine = request.get("engine", "frequentist")
    cuped = request.get("cuped", False)

    def moments(r):
        if cuped:
            post = r["post"]
            var = post.mean() * (1 - post.mean()) if metric == "proportion" else post.var(ddof=1)
            return post.mean(), var, len(post)
        if metric == "ratio":
            x, y = r["num"], r["den"]
            mx, my = x.mean(), y.mean()
            c = np.cov(x, y, ddof=1)
            var = c[0, 0] / my**2 - 2 * c[0, 1] * mx / my**3 + c[1, 1] * mx**2 / my**4
            return mx / my, var, len(x)
        x = r["x"]
        if metric == "proportion":
            p = x.mean()
            return p, p * (1 - p), len(x)
        return x.mean(), x.var(ddof=1), len(x)

    out = []
    ctrl = raw[0]
    for i, trt in enumerate(raw[1:], start=1):
        ma, va, na = moments(ctrl)
        mb, vb, nb = moments(trt)
        base_a, base_b = ma, mb
        if cuped:
            def pooled(r):
                c = np.cov(r["post"], r["pre"], ddof=1)
                return c[0, 1], c[1, 1]
            ca, pa = pooled(ctrl)
            cb, pb = pooled(trt)
            theta = (ca * na + cb * nb) / (pa * na + pb * nb)
            va = va + theta**2 * pa - 2 * theta * ca
            vb = vb + theta**2 * pb - 2 * theta * cb
            ma, mb = ma - theta * ctrl["pre"].mean(), mb - theta * trt["pre"].mean()
        est, se = effect(ma, va, na, mb, vb, nb, diff, base_a, base_b)
        if engine == "bayesian":
            res = bayes_result(est, se, alpha, request.get("prior"), request.get("inverse", False),
                               abs(base_a) if diff == "absolute" else 1.0)
        else:
            df = welch(va, na, vb, nb)
            res = freq_result(est, se, df, alt, alpha, tuning, na + nb)
            if diff == "absolute" and not cuped and metric == "mean" and seq is None:
                # Cross-check against scipy's own Welch test on the raw data.
                ref = stats.ttest_ind(trt["x"], ctrl["x"], equal_var=False, alternative=alt)
                assert abs(ref.pvalue - res["pValue"]) < 1e-12, case_name
        res["name"] = request["variants"][i]["name"]
        out.append(res)
    return out


def variants_json(metric, cuped, raw, weights=None):
    out = []
    for i, r in enumerate(raw):
        v = {"name": "control" if i == 0 else f"treatment{i}"}
        if cuped:
            v["n"] = len(r["post"])
            v["post"] = sums(r["post"])
            v["pre"] = sums(r["pre"])
            v["crossSum"] = float(np.sum(r["post"] * r["pre"]))
        elif metric == "ratio":
            v["n"] = len(r["num"])
            v["numerator"] = sums(r["num"])
            v["denominator"] = sums(r["den"])
            v["crossSum"] = float(np.sum(r["num"] * r["den"]))
        else:
            v["n"] = len(r["x"])
            v.update(sums(r["x"]))
        if weights:
            v["weight"] = weights[i]
        out.append(v)
    return out


def main():
    rng = np.random.default_rng(20240601)
    mean_raw = [{"x": rng.gamma(2.0, 5.0, 800)}, {"x": rng.gamma(2.1, 5.0, 900)},
                {"x": rng.gamma(1.9, 5.0, 850)}]
    prop_raw = [{"x": (rng.random(5000) < 0.10).astype(float)},
                {"x": (rng.random(5100) < 0.115).astype(float)}]
    den_a = rng.poisson(4, 600) + 1.0
    den_b = rng.poisson(4, 650) + 1.0
    ratio_raw = [{"num": rng.binomial(den_a.astype(int), 0.3).astype(float), "den": den_a},
                 {"num": rng.binomial(den_b.astype(int), 0.33).astype(float), "den": den_b}]
    pre_a = rng.normal(50, 10, 1000)
    pre_b = rng.normal(50, 10, 1000)
    cuped_raw = [{"pre": pre_a, "post": 0.8 * pre_a + rng.normal(12, 5, 1000)},
                 {"pre": pre_b, "post": 0.8 * pre_b + rng.normal(12.6, 5, 1000)}]

    cases = []

    def add(name, request, raw):
        cases.append({"name": name, "request": request, "expected": analyze(name, request, raw)})

    for diff in ["relative", "absolute"]:
        for alt in ["two-sided", "greater", "less"]:
            req = {"metricType": "mean", "difference": diff, "alternative": alt,
                   "variants": variants_json("mean", False, mean_raw)}
            add(f"mean_{diff}_{alt}", req, mean_raw)
    req = {"metricType": "mean", "alpha": 0.1, "variants": variants_json("mean", False, mean_raw)}
    add("mean_relative_alpha_0.1", req, mean_raw)
    for diff in ["relative", "absolute"]:
        req = {"metricType": "proportion", "difference": diff,
               "variants": variants_json("proportion", False, prop_raw)}
        add(f"proportion_{diff}", req, prop_raw)
        req = {"metricType": "ratio", "difference": diff,
               "variants": variants_json("ratio", False, ratio_raw)}
        add(f"ratio_{diff}", req, ratio_raw)
        req = {"metricType": "mean", "difference": diff, "cuped": True,
               "variants": variants_json("mean", True, cuped_raw)}
        add(f"cuped_mean_{diff}", req, cuped_raw)
    for alt in ["two-sided", "greater", "less"]:
        for tuning in [5000, 500]:
            req = {"metricType": "proportion", "alternative": alt,
                   "sequential": {"tuningParameter": tuning},
                   "variants": variants_json("proportion", False, prop_raw)}
            add(f"sequential_proportion_{alt}_{tuning}", req, prop_raw)
    req = {"metricType": "mean", "sequential": {"tuningParameter": 5000},
           "variants": variants_json("mean", False, mean_raw)}
    add("sequential_mean_two-sided", req, mean_raw)
    for diff in ["relative", "absolute"]:
        for prior in [None, {"mean": 0.0, "variance": 0.0025}, {"mean": 0.05, "variance": 0.01}]:
            for inverse in [False, True]:
                req = {"metricType": "proportion", "engine": "bayesian", "difference": diff,
                       "inverse": inverse, "prior": prior,
                       "variants": variants_json("proportion", False, prop_raw)}
                tag = "flat" if prior is None else f"prior{prior['variance']}"
                add(f"bayesian_{diff}_{tag}_{'inverse' if inverse else 'direct'}", req, prop_raw)
    req = {"metricType": "mean", "engine": "bayesian",
           "variants": variants_json("mean", False, mean_raw)}
    add("bayesian_mean_three_arms", req, mean_raw)

    # Sample-ratio mismatch: scipy.stats.chisquare against the weights.
    srm = []
    for units, weights in [([5000, 5100], [1, 1]), ([1000, 1100, 980], [500, 250, 250]),
                           ([10000, 10500], [50, 50]), ([4000, 6000], [400, 600])]:
        total = sum(units)
        expected = [total * w / sum(weights) for w in weights]
        chi2, p = stats.chisquare(units, expected)
        srm.append({"units": units, "weights": weights, "chiSquare": float(chi2),
                    "pValue": float(p)})

    # Corrections by their definitions (independent of the engine's sorted single pass).
    def holm(p):
        m = len(p)
        order = sorted(range(m), key=lambda i: p[i])
        rank = {i: r for r, i in enumerate(order)}
        return [max(min(1.0, (m - rank[j]) * p[j]) for j in range(m) if rank[j] <= rank[i])
                for i in range(m)]

    def bh(p):
        m = len(p)
        order = sorted(range(m), key=lambda i: p[i])
        rank = {i: r + 1 for r, i in enumerate(order)}
        return [min(min(1.0, m * p[j] / rank[j]) for j in range(m) if rank[j] >= rank[i])
                for i in range(m)]

    corr_rng = np.random.default_rng(7)
    corrections = []
    for p in [[0.01, 0.04, 0.03, 0.005], list(corr_rng.uniform(0, 0.2, 9)),
              [0.2, 0.001, 0.5, 0.049, 0.02, 0.8]]:
        p = [float(v) for v in p]
        corrections.append({"p": p, "holm": holm(p), "bh": bh(p)})

    # Power and MDE with scipy.stats.norm.
    power = []
    for effect_, se, alpha, alt, target in [(0.05, 0.02, 0.05, "two-sided", 0.8),
                                            (0.03, 0.02, 0.05, "greater", 0.9),
                                            (-0.04, 0.015, 0.1, "less", 0.8),
                                            (0.01, 0.02, 0.05, "two-sided", 0.8)]:
        z = stats.norm.ppf(1 - (alpha / 2 if alt == "two-sided" else alpha))
        if alt == "two-sided":
            pw = stats.norm.cdf(abs(effect_) / se - z) + stats.norm.cdf(-abs(effect_) / se - z)
        elif alt == "greater":
            pw = stats.norm.cdf(effect_ / se - z)
        else:
            pw = stats.norm.cdf(-effect_ / se - z)
        mde = (z + stats.norm.ppf(target)) * se
        # Units needed: the N at which the standard error se*sqrt(10000/N) makes `effect` the
        # MDE, found by root finding on the power curve.
        from scipy.optimize import brentq
        need = brentq(lambda n: (z + stats.norm.ppf(target)) * se * math.sqrt(10000 / n)
                      - abs(effect_), 1, 1e12, rtol=1e-14)
        power.append({"effect": effect_, "stdError": se, "alpha": alpha, "alternative": alt,
                      "targetPower": target, "power": float(pw), "mde": float(mde),
                      "currentUnits": 10000, "unitsNeeded": float(need)})

    print(json.dumps({"generatedBy": "tests/experiments/testdata/stats_reference.py",
                      "scipy": __import__("scipy").__version__,
                      "cases": cases, "srm": srm, "corrections": corrections, "power": power},
                     indent=1, default=float))


if __name__ == "__main__":
    main()
