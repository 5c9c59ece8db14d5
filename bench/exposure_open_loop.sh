#!/usr/bin/env bash
# Does recording exposures slow evaluation below saturation? gov_fleet (open loop: latency from
# each request's intended send time) sends GET /api/frontend for e2e.color at fixed rates, a
# user no run has seen in every request, without and with an experiment running on it
# (every request then records an exposure, written and aggregated in the background).
# Runs alternate (none, running, none, running, ...) so machine noise hits both alike, and
# before each run the script waits until earlier exposures are written and aggregated. Prints
# a markdown table (median of REPS runs per rate and phase): latency percentiles, errors, the
# server's CPU over the window (its request and background threads together) and the
# exposures dropped during the runs.
#
#   BUILD=build-bench SKIP_BUILD=1 bench/exposure_open_loop.sh
#   # defaults: RATES="10000 20000" CONNECTIONS=100 SECONDS_MEASURED=10 WARMUP=2 REPS=3
set -euo pipefail
cd "$(dirname "$0")/.."
RATES="${RATES:-10000 20000}"
CONNECTIONS="${CONNECTIONS:-100}"
SECONDS_MEASURED="${SECONDS_MEASURED:-10}"
WARMUP="${WARMUP:-2}"
source bench/lib.sh

bench_build_tools gov_fleet
fleet="$BENCH_BUILD/bench/gov_fleet"
start_exposure_bench governor-exposure-open-loop
gov_port="${gov##*:}"

experiment=0
experiment_key=""  # the latest experiment, whose aggregation drain_exposures waits for
exposure_count() {
  curl -fsS "$gov/metrics" | awk -v o="$1" '$1 == "governor_exposures_total{outcome=\"" o "\"}" {print $2}'
}

echo "Machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg);" \
  "gov_fleet -c $CONNECTIONS, ${SECONDS_MEASURED} s measured after ${WARMUP} s of warm-up," \
  "median of $REPS alternating runs"
echo
echo "| target req/s | experiment | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | errors | server CPU % | exposures queued | dropped |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
declare -A col
run=0
for rate in $RATES; do
  interval_ms="$(awk -v c="$CONNECTIONS" -v r="$rate" 'BEGIN {printf "%.6f", 1000 * c / r}')"
  for _ in $(seq 1 "$REPS"); do
    for phase in none running; do
      if [[ $phase == running ]]; then
        experiment=$((experiment + 1))
        experiment_key="color-$experiment"
        start_color_experiment "$experiment_key"
      fi
      drain_exposures "$experiment_key"
      run=$((run + 1))
      queued_before="$(exposure_count queued)"
      dropped_before="$(exposure_count dropped)"
      out="$("$fleet" --port "$gov_port" --path "/api/frontend?userId=r$run-{n}" \
        --header "Authorization: $frontend" --server-pid "$gov_pid" \
        --connections "$CONNECTIONS" --interval-ms "$interval_ms" \
        --warmup-s "$WARMUP" --duration-s "$SECONDS_MEASURED")"
      json="$(tail -n1 <<<"$out")"
      values="$(jq -r '[.achieved_rps, .latency_ms.p50, .latency_ms.p90, .latency_ms.p99,
        .latency_ms.p999, .errors, .server.cpu_percent] | map(tostring) | join(" ")' <<<"$json")"
      values+=" $(($(exposure_count queued) - queued_before))"
      values+=" $(($(exposure_count dropped) - dropped_before))"
      col[$rate.$phase]+="$values
"
      if [[ $phase == running ]]; then
        api POST "/api/v1/experiments/$experiment_key/stop"
      fi
    done
  done
  for phase in none running; do
    row="| $rate | $phase |"
    for field in 1 2 3 4 5 6 7 8 9; do
      row+=" $(awk -v f="$field" 'NF {print $f}' <<<"${col[$rate.$phase]}" | median) |"
    done
    echo "$row"
  done
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Exposure counters: $(curl -fsS "$gov/metrics" | awk '/^governor_exposures_total/' | tr '\n' ' ')"
