#!/usr/bin/env bash
# HTTP benchmark: wrk against Governor's GET /healthz and an authenticated GET /api/v1/tokens at
# 8, 64 and 256 connections, with nginx serving a static body of the same size in the same run
# as the baseline. Prints a markdown table (median of REPS runs) for docs/benchmarks.md.
#
#   bench/http.sh            # defaults: DURATION=8s REPS=3 THREADS=2 (see bench/lib.sh)
#
# Governor runs its default config (config/governor.yaml) on a temp SQLite database, except
# that the admin rate limit is disabled (GOVERNOR_RATE_LIMITS_ADMIN_REQUESTS_PER_SECOND=0): at
# the default 100 req/s per token the benchmark would measure 429 answers.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

bench_build
bench_workdir governor-bench
# shellcheck disable=SC2119  # no extra serve arguments
GOVERNOR_RATE_LIMITS_ADMIN_REQUESTS_PER_SECOND=0 start_governor
# A few tokens so the list is a realistic response.
for i in 1 2 3 4; do
  curl -fsS -o /dev/null -X POST "$gov/api/v1/tokens" -H "Authorization: Bearer $admin" \
    -d "{\"type\":\"client\",\"name\":\"bench-$i\"}"
done

# nginx serves files with exactly the bodies Governor returns.
mkdir -p "$work/www"
curl -fsS "$gov/healthz" >"$work/www/healthz"
curl -fsS "$gov/api/v1/tokens" -H "Authorization: Bearer $admin" >"$work/www/tokens"
start_nginx

echo "Machine: $(nproc) cores, $(uname -r); wrk -t$THREADS -d$DURATION, median of $REPS runs;" \
  "governor $("$BUILD"/cli/governor version | awk '{print $2}'), nginx $(nginx -v 2>&1 | sed 's/.*\///')"
echo
print_table_header
for c in "${CONNS[@]}"; do
  measure "GET /healthz" "$gov/healthz" "$ngx/healthz" "$c"
done
for c in "${CONNS[@]}"; do
  measure "GET /api/v1/tokens (admin token)" "$gov/api/v1/tokens" "$ngx/tokens" "$c" \
    -H "Authorization: Bearer $admin"
done
