#!/usr/bin/env bash
# In-process flag evaluation: Governor's compiled evaluator (bench/flags_eval_benchmark.cc,
# Google Benchmark, median CPU time of REPS repetitions) beside the real Unleash Node SDK
# evaluating the same flags for the same contexts in the same run (bench/flags_eval_node.mjs).
#
#   bench/flags_eval.sh          # REPS=5
set -euo pipefail
cd "$(dirname "$0")/.."
REPS="${REPS:-5}"
BUILD="${BUILD:-build-bench}"

scripts/install-deps >/dev/null
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGOVERNOR_BUILD_TESTS=OFF \
  -DGOVERNOR_BUILD_BENCH=ON >/dev/null
ninja -C "$BUILD" flags_eval_benchmark controller_decide_benchmark >/dev/null

echo "Machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo '```'
"$BUILD"/bench/flags_eval_benchmark --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '_median|^Benchmark|^-'
"$BUILD"/bench/controller_decide_benchmark --benchmark_repetitions="$REPS" \
  --benchmark_report_aggregates_only=true 2>/dev/null | grep -E '_median'
echo '```'
echo
echo '```'
node bench/flags_eval_node.mjs
echo '```'
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
