#!/usr/bin/env bash
# Measures two versions of Governor in one run, alternating: in-process evaluation and Decide
# (Google Benchmark, medians of 5), then wrk against each version's server at CONNS (default
# 64) with nginx as the baseline (bench/http.sh, bench/flags_http.sh).
#   bench/compare_versions.sh OLD_CHECKOUT [NEW_CHECKOUT]
# Each checkout needs a Release build in build-bench with the benchmarks, e.g. for an older commit:
#   git worktree add /tmp/gov-old <commit>
#   cmake -S /tmp/gov-old -B /tmp/gov-old/build-bench -G Ninja -DCMAKE_BUILD_TYPE=Release \
#     -DGOVERNOR_BUILD_TESTS=OFF -DGOVERNOR_BUILD_BENCH=ON
#   ninja -C /tmp/gov-old/build-bench governor flags_eval_benchmark controller_decide_benchmark
set -uo pipefail
OLD="$(cd "$1" && pwd)"
NEW="$(cd "${2:-$(dirname "$0")/..}" && pwd)"
export CONNS="${CONNS:-64}"
for v in NEW OLD; do
  d=${!v}
  echo "=== in-process evaluation and decide: $v ($(git -C "$d" rev-parse --short HEAD)); load $(cut -d' ' -f1-3 /proc/loadavg)"
  "$d"/build-bench/bench/flags_eval_benchmark --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '_median'
  "$d"/build-bench/bench/controller_decide_benchmark --benchmark_repetitions=5 \
    --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '_median'
done
for s in http.sh flags_http.sh; do
  for v in NEW OLD; do
    d=${!v}
    echo "=== $s: $v; load $(cut -d' ' -f1-3 /proc/loadavg)"
    (cd "$d" && SKIP_BUILD=1 BUILD=build-bench bash "bench/$s")
  done
done
