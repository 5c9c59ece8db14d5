#!/usr/bin/env bash
# Flag evaluation HTTP benchmark: wrk against OFREP single evaluation
# (POST /ofrep/v1/evaluate/flags/{key}) and the Unleash frontend API (GET /api/frontend) at 8,
# 64 and 256 connections, with nginx serving a static body of the same size in the same run as
# the baseline (nginx answers GET; a POST to a static file would be 405). Prints a markdown
# table (median of REPS runs) for docs/benchmarks.md, plus the load average, since the machine
# may be shared.
#
#   bench/flags_http.sh       # defaults: DURATION=8s REPS=3 THREADS=2 (see bench/lib.sh)
#
# Governor runs its default config on a temp SQLite database with tests/e2e/flags.json as its
# flags file; the evaluation rate limit is disabled (it would otherwise measure 429 answers).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

start_flag_bench governor-flags-bench
frontend="$(token_of frontend)"
ofrep_body='{"context":{"targetingKey":"user-42","plan":"pro","country":"no"}}'
ofrep_path="/ofrep/v1/evaluate/flags/e2e.targeted"
frontend_path="/api/frontend?userId=user-42&properties%5Bplan%5D=pro&properties%5Bcountry%5D=no"
cat >"$work/ofrep.lua" <<LUA
wrk.method = "POST"
wrk.body = '$ofrep_body'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $client"
LUA
cat >"$work/frontend.lua" <<LUA
wrk.headers["Authorization"] = "$frontend"
LUA

# nginx serves files with exactly the bodies Governor returns.
mkdir -p "$work/www"
curl -fsS -X POST "$gov$ofrep_path" -H "Authorization: Bearer $client" -d "$ofrep_body" \
  >"$work/www/ofrep"
curl -fsS "$gov$frontend_path" -H "Authorization: $frontend" >"$work/www/frontend"
echo "bodies: OFREP $(wc -c <"$work/www/ofrep") bytes, frontend $(wc -c <"$work/www/frontend") bytes" >&2
start_nginx

echo "Machine: $(nproc) cores, $(uname -r); load average before: $(cut -d' ' -f1-3 /proc/loadavg);" \
  "wrk -t$THREADS -d$DURATION, median of $REPS runs; nginx $(nginx -v 2>&1 | sed 's/.*\///')"
echo
print_table_header
for c in "${CONNS[@]}"; do
  measure "POST $ofrep_path" "$gov$ofrep_path" "$ngx/ofrep" "$c" -s "$work/ofrep.lua"
done
for c in "${CONNS[@]}"; do
  measure "GET /api/frontend (3 context fields)" "$gov$frontend_path" "$ngx/frontend" "$c" \
    -s "$work/frontend.lua"
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
