#!/usr/bin/env bash
# What a running experiment costs flag evaluation over HTTP: wrk against OFREP single
# evaluation (POST /ofrep/v1/evaluate/flags/e2e.color) and the Unleash frontend API
# (GET /api/frontend), with and without an experiment running on e2e.color. Runs alternate:
# each repetition measures without an experiment, then creates and starts one, measures, and
# stops it, so machine noise hits both alike. Two workloads:
#   - one user (the exposure is recorded once; later requests find it in the in-memory dedupe);
#   - a new random user on every request (every request records an exposure).
# Before each run the script waits until the exposures of earlier runs are written and
# aggregated, so each run measures its own work. Prints a markdown table (median of REPS runs)
# for docs/benchmarks.md.
#
#   bench/exposure_http.sh    # defaults: DURATION=8s REPS=3 THREADS=2 CONNS="64" (bench/lib.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
CONNS="${CONNS:-64}"
source bench/lib.sh

start_exposure_bench governor-exposure-bench
experiment=0
experiment_key=""  # the latest experiment, whose aggregation drain_exposures waits for
start_experiment() {
  experiment=$((experiment + 1))
  experiment_key="color-$experiment"
  start_color_experiment "$experiment_key"
}
stop_experiment() { api POST "/api/v1/experiments/$experiment_key/stop"; }

ofrep_path="/ofrep/v1/evaluate/flags/e2e.color"
cat >"$work/ofrep_one.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"context":{"targetingKey":"user-42"}}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $client"
LUA
cat >"$work/ofrep_new.lua" <<LUA
$new_users_lua
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $client"
request = function()
  return wrk.format("POST", nil, nil, '{"context":{"targetingKey":"' .. next_user() .. '"}}')
end
LUA
cat >"$work/frontend_one.lua" <<LUA
wrk.headers["Authorization"] = "$frontend"
wrk.path = "/api/frontend?userId=user-42"
LUA
write_frontend_new_lua "$work/frontend_new.lua"

echo "Machine: $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg);" \
  "wrk -t$THREADS -c${CONNS[0]} -d$DURATION, median of $REPS alternating runs"
echo
echo "| request | users | req/s, no experiment | p50 ms | p99 ms | req/s, experiment running | p50 ms | p99 ms | running/none |"
echo "|---|---|---|---|---|---|---|---|---|"
declare -A rps p50 p99
run=0
# One user first (a hit in the in-memory dedupe), then new users (every request records).
for group in one new; do
  for _ in $(seq 1 "$REPS"); do
    for phase in none running; do
      [[ $phase == running ]] && start_experiment
      for k in ofrep_$group frontend_$group; do
        url="$gov$ofrep_path"
        [[ $k == frontend_* ]] && url="$gov/api/frontend"
        drain_exposures "$experiment_key"
        run=$((run + 1))
        read -r a b d < <(RUN_TAG=$run run_wrk "$url" "${CONNS[0]}" -s "$work/$k.lua")
        rps[$k.$phase]+="$a "
        p50[$k.$phase]+="$b "
        p99[$k.$phase]+="$d "
      done
      [[ $phase == running ]] && stop_experiment
    done
  done
done
cases=(ofrep_one frontend_one ofrep_new frontend_new)
med() { tr ' ' '\n' <<<"$1" | grep -v '^$' | median; }
for k in "${cases[@]}"; do
  name="POST $ofrep_path"
  [[ $k == frontend_* ]] && name="GET /api/frontend"
  users="one"
  [[ $k == *_new ]] && users="new each request"
  rn="$(med "${rps[$k.none]}")"
  rr="$(med "${rps[$k.running]}")"
  printf '| %s | %s | %.0f | %s | %s | %.0f | %s | %s | %s |\n' "$name" "$users" \
    "$rn" "$(med "${p50[$k.none]}")" "$(med "${p99[$k.none]}")" \
    "$rr" "$(med "${p50[$k.running]}")" "$(med "${p99[$k.running]}")" \
    "$(awk -v r="$rr" -v n="$rn" 'BEGIN{printf "%.1f%%", 100*r/n}')"
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
events="$(curl -fsS "$gov/metrics" | awk '/^governor_exposures_total/ {print}' | tr '\n' ' ')"
echo "Exposure counters: $events"
