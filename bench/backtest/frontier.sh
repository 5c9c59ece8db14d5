#!/usr/bin/env bash
# The predictive policy at its default setting (target 70%) against the reactive frontier at
# the same replica-hours, on each trace in TRACES (default: the shared NAB traces), with the
# configs in this directory (start-up 300 s, sync 300 s).
#
#   bench/backtest/frontier.sh [path/to/governor]   (default: $GOVERNOR_BIN, else build-bench/cli/governor)
#
# The reactive frontier is `governor backtest --sweep` (targets 50%..90%). When predictive's
# replica-hours fall outside the sweep, reactive is also run at lower targets (45%, 40%, ...)
# until they are bracketed, so the comparison is measured, not extrapolated.
# Goals: never worse (predictive <= 1.05 x reactive + 0.02 points on every trace), and a
# geometric mean of predictive / reactive <= 0.5 over traces where reactive is above 0.1%.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
governor="${1:-${GOVERNOR_BIN:-$here/../../build-bench/cli/governor}}"
traces="${TRACES:-/work/shared/data/traces}"
declare -A files=(
  [elb]=realAWSCloudwatch__elb_request_count_8c0756.csv
  [nyc_taxi]=realKnownCause__nyc_taxi.csv
  [twitter_amzn]=realTweets__Twitter_volume_AMZN.csv
  [twitter_goog]=realTweets__Twitter_volume_GOOG.csv
)
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for name in elb nyc_taxi twitter_amzn twitter_goog; do
  trace="$traces/${files[$name]}"
  config="$here/$name.yaml"
  "$governor" backtest --trace "$trace" --config "$config" --policies reactive --sweep --json \
    > "$tmp/$name.reactive.json"
  "$governor" backtest --trace "$trace" --config "$config" --policies predictive --json \
    > "$tmp/$name.predictive.json"
  # Extra reactive points below 50% while predictive costs more than reactive at 50%.
  python3 - "$tmp/$name" <<'PY' > "$tmp/$name.lower"
import json, sys
base = sys.argv[1]
r = json.load(open(base + ".reactive.json"))["policies"]
p = json.load(open(base + ".predictive.json"))["policies"][0]
print("yes" if p["replicaHours"] > max(x["replicaHours"] for x in r) else "no")
PY
  u=45
  while [ "$(cat "$tmp/$name.lower")" = yes ] && [ "$u" -ge 10 ]; do
    python3 - "$config" "$u" > "$tmp/$name.$u.yaml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
cap = float(re.search(r"capacityPerReplica: ([0-9.]+)", text).group(1))
target = cap * int(sys.argv[2]) / 100
print(re.sub(r"target: [0-9.]+", "target: %g" % target, text, count=1))
PY
    "$governor" backtest --trace "$trace" --config "$tmp/$name.$u.yaml" --policies reactive \
      --json > "$tmp/$name.extra.$u.json"
    python3 - "$tmp/$name" "$u" <<'PY' > "$tmp/$name.lower"
import json, sys
base, u = sys.argv[1], sys.argv[2]
r = json.load(open(base + ".reactive.json"))
extra = json.load(open(base + ".extra.%s.json" % u))["policies"][0]
r["policies"].append(extra)
json.dump(r, open(base + ".reactive.json", "w"))
p = json.load(open(base + ".predictive.json"))["policies"][0]
print("yes" if p["replicaHours"] > max(x["replicaHours"] for x in r["policies"]) else "no")
PY
    u=$((u - 5))
  done
done
python3 - "$tmp" <<'PY'
import json, math, sys
tmp = sys.argv[1]
rows, ratios, never_worse = [], [], True
print("%-13s %10s %10s %12s %12s %8s %8s %6s %s" % (
    "trace", "pred h", "pred %", "reactive %", "at target", "ratio", "limit", "ok", "forecast"))
for name in ["elb", "nyc_taxi", "twitter_amzn", "twitter_goog"]:
    r = json.load(open("%s/%s.reactive.json" % (tmp, name)))["policies"]
    doc = json.load(open("%s/%s.predictive.json" % (tmp, name)))
    p = doc["policies"][0]
    pts = sorted((x["replicaHours"], x["underProvisionedPercent"], x["targetUtilization"]) for x in r)
    h = p["replicaHours"]
    if h <= pts[0][0]:
        lo, hi = pts[0], pts[1]
    elif h >= pts[-1][0]:
        lo, hi = pts[-2], pts[-1]
    else:
        lo, hi = next((a, b) for a, b in zip(pts, pts[1:]) if a[0] <= h <= b[0])
    f = (h - lo[0]) / (hi[0] - lo[0]) if hi[0] != lo[0] else 0
    react = lo[1] + f * (hi[1] - lo[1])
    at = lo[2] + f * (hi[2] - lo[2])
    limit = 1.05 * react + 0.02
    ok = p["underProvisionedPercent"] <= limit
    never_worse = never_worse and ok
    ratio = p["underProvisionedPercent"] / react if react > 0 else float("nan")
    if react > 0.1:
        ratios.append(max(ratio, 1e-6))
    fc = doc["forecast"]
    print("%-13s %10.1f %10.3f %12.3f %12.2f %8.3f %8.3f %6s %s mase %s (sn %s)" % (
        name, h, p["underProvisionedPercent"], react, at, ratio, limit, "yes" if ok else "NO",
        fc["model"], fc["mase"], fc["seasonalNaiveMase"]))
gm = math.exp(sum(math.log(x) for x in ratios) / len(ratios)) if ratios else float("nan")
print("never worse on every trace: %s" % ("yes" if never_worse else "NO"))
print("geometric mean of predictive / reactive over %d traces with reactive > 0.1%%: %.3f (goal <= 0.5)" % (len(ratios), gm))
PY
