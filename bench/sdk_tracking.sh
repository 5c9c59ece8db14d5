#!/usr/bin/env bash
# What tracking SDK instances (GET /api/v1/applications) costs the Unleash client API: wrk
# against GET /api/client/features with the headers Unleash SDKs send (unleash-appname,
# unleash-instanceid, unleash-sdk: the request is recorded in memory) and with the same bytes
# but no unleash-appname (not recorded), alternating in the same run on the same server, at 8
# and 64 connections. Prints
# a markdown table (median of REPS runs) and the load average.
#
#   bench/sdk_tracking.sh     # defaults: DURATION=8s REPS=3 THREADS=2 (see bench/lib.sh)
#
# Every request of a wrk run carries the same instance (the worst case for the tracker's lock:
# one entry, all connections). Governor runs its default config on a temp SQLite database with
# tests/e2e/flags.json; the evaluation rate limit is off.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

start_flag_bench governor-sdk-tracking
# The same bytes, but no unleash-appname header: such a request is not recorded.
cat >"$work/plain.lua" <<LUA
wrk.headers["Authorization"] = "$client"
wrk.headers["unleash-appnamx"] = "bench-app"
wrk.headers["unleash-instanceid"] = "bench-instance-1"
wrk.headers["unleash-sdk"] = "unleash-client-node:6.12.1"
LUA
cat >"$work/sdk.lua" <<LUA
wrk.headers["Authorization"] = "$client"
wrk.headers["unleash-appname"] = "bench-app"
wrk.headers["unleash-instanceid"] = "bench-instance-1"
wrk.headers["unleash-sdk"] = "unleash-client-node:6.12.1"
LUA
url="$gov/api/client/features"

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "| conns | not recorded req/s | p50 ms | p99 ms | recorded req/s | p50 ms | p99 ms | recorded/not |"
echo "|---|---|---|---|---|---|---|---|"
for c in 8 64; do
  p_rps=(); p_p50=(); p_p99=(); s_rps=(); s_p50=(); s_p99=()
  for _ in $(seq 1 "$REPS"); do
    read -r a b d < <(run_wrk "$url" "$c" -s "$work/plain.lua"); p_rps+=("$a"); p_p50+=("$b"); p_p99+=("$d")
    read -r a b d < <(run_wrk "$url" "$c" -s "$work/sdk.lua"); s_rps+=("$a"); s_p50+=("$b"); s_p99+=("$d")
  done
  pr="$(printf '%s\n' "${p_rps[@]}" | median)"; sr="$(printf '%s\n' "${s_rps[@]}" | median)"
  printf '| %s | %.0f | %s | %s | %.0f | %s | %s | %s |\n' "$c" \
    "$pr" "$(printf '%s\n' "${p_p50[@]}" | median)" "$(printf '%s\n' "${p_p99[@]}" | median)" \
    "$sr" "$(printf '%s\n' "${s_p50[@]}" | median)" "$(printf '%s\n' "${s_p99[@]}" | median)" \
    "$(awk -v s="$sr" -v p="$pr" 'BEGIN{printf "%.1f%%", 100*s/p}')"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
curl -fsS "$gov/api/v1/applications" -H "Authorization: Bearer $admin" |
  python3 -c 'import json,sys; print("instances listed:", [i["appName"] + "/" + i["instanceId"] + " " + str(i["connectionMode"]) for i in json.load(sys.stdin)["items"]])'
