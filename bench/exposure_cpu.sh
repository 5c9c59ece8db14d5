#!/usr/bin/env bash
# Where the CPU goes when every request records a new exposure: wrk against the frontend API
# (GET /api/frontend, a new user each request) for e2e.color without and then with an
# experiment running on it, while `perf record -a` samples the whole machine. Prints req/s and
# each thread's share of all samples (request threads, wrk, Governor's background threads by
# the name they run under), so the cost of writing and aggregating exposures can be read
# beside what the requests lose. Needs perf (linux-perf) and root or perf_event_paranoid <= 0.
#
#   BUILD=build-bench SKIP_BUILD=1 bench/exposure_cpu.sh      # DURATION=5s by default
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-5s}"
source bench/lib.sh

start_exposure_bench governor-exposure-cpu
write_frontend_new_lua "$work/frontend_new.lua"
sleep_for="${DURATION%s}"
sleep_for=$((sleep_for > 1 ? sleep_for - 1 : 1))
for phase in none running; do
  if [[ $phase == running ]]; then
    start_color_experiment color
  fi
  perf record -q -F 499 -a -o "$work/perf.$phase" -- sleep "$sleep_for" >/dev/null 2>&1 &
  perf_pid=$!
  # run_wrk (bench/lib.sh) notes any non-2xx answers on stderr: a run of errors (a wrong
  # token, say) must not pass for a measurement.
  read -r rps _ _ < <(RUN_TAG=$phase run_wrk "$gov/api/frontend" 64 -s "$work/frontend_new.lua")
  wait "$perf_pid" || true
  echo "### $phase: $rps req/s"
  echo
  echo "| thread | share of all samples |"
  echo "|---|---|"
  perf report -i "$work/perf.$phase" --sort comm --stdio 2>/dev/null |
    awk '/^ +[0-9.]+%/ {printf "| %s | %s |\n", $2, $1}' | head -8
  echo
done
curl -fsS "$gov/metrics" | grep -E '^governor_exposures_total'
