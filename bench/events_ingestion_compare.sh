#!/usr/bin/env bash
# Event ingestion (bench/experiments_events_ingestion_benchmark) of two builds, alternating run
# by run so machine noise hits both alike. Each case runs in its own process, so each starts
# from an empty database and the table grows only during its own run. Prints the median
# events/s of REPS runs per case and build: events committed per second of wall time (the
# benchmark's wall_events_per_s), or Google Benchmark's items_per_second for a build whose
# benchmark predates that counter.
#   bench/events_ingestion_compare.sh OLD_BUILD [NEW_BUILD]    (default NEW_BUILD: build-bench)
# Each build needs the benchmark (Release, -DGOVERNOR_BUILD_BENCH=ON). PostgreSQL: the server in
# GOVERNOR_TEST_PG_URL, or one started here (scripts/lib/pg.sh). Settings: REPS=3, MIN_TIME=3,
# CASES (benchmark names without the BM_ prefix).
set -euo pipefail
cd "$(dirname "$0")/.."
OLD="$1"
NEW="${2:-build-bench}"
REPS="${REPS:-3}"
MIN_TIME="${MIN_TIME:-3}"
# shellcheck disable=SC2206  # split on purpose
CASES=(${CASES:-IngestSqlite/real_time/threads:1 IngestSqlite/real_time/threads:4
  IngestSqlite/real_time/threads:16 IngestSqliteSequentialIds/real_time/threads:4
  IngestPostgres/real_time/threads:1 IngestPostgres/real_time/threads:4
  IngestPostgres/real_time/threads:16 IngestPostgresSequentialIds/real_time/threads:4})
if [[ -z "${GOVERNOR_TEST_PG_URL:-}" ]]; then
  source scripts/lib/pg.sh
  pg_start >/dev/null
  trap pg_stop EXIT
fi

rate() {  # rate BUILD CASE -> events/s
  "$1"/bench/experiments_events_ingestion_benchmark --benchmark_min_time="$MIN_TIME" \
    --benchmark_filter="^BM_$2\$" --benchmark_format=csv 2>/dev/null |
    awk -F, '/^name,/ {for (i = 1; i <= NF; i++) col[$i] = i}
             /^"BM_/ {print ("wall_events_per_s" in col) ? $col["wall_events_per_s"] : $7}'
}
median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); median of $REPS runs, events/s"
echo
echo "| case | $OLD | $NEW | ratio |"
echo "|---|---|---|---|"
for c in "${CASES[@]}"; do
  old=() new=()
  for _ in $(seq 1 "$REPS"); do
    old+=("$(rate "$OLD" "$c")")
    new+=("$(rate "$NEW" "$c")")
  done
  o="$(printf '%s\n' "${old[@]}" | median)"
  n="$(printf '%s\n' "${new[@]}" | median)"
  printf '| %s | %.0f | %.0f | %s |\n' "$c" "$o" "$n" \
    "$(awk -v o="$o" -v n="$n" 'BEGIN{printf "%.2f", n/o}')"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
