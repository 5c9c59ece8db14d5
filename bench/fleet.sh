#!/usr/bin/env bash
# Many connections: Governor beside nginx serving the same bytes, driven by gov_fleet
# (bench/fleet.cc) and gov_sse_fleet (bench/sse_fleet.cc). Prints a markdown table per part for
# docs/benchmarks.md:
#   fleet    FLEET_CONNS keep-alive clients, each polling GET /api/frontend every
#            FLEET_INTERVAL_MS (10,000 every 10 s: 1,000 req/s); latency from each request's
#            intended send time, errors, the server's CPU and RSS;
#   idle     FLEET_CONNS keep-alive connections idle for IDLE_SECONDS: the server's CPU, then
#            one more request on each to show they are still open;
#   open     OPEN_RATE req/s over OPEN_CONNS connections on /api/frontend and /healthz (open
#            loop);
#   streams  STREAMS subscribers of /api/client/streaming while a flag is turned off and on
#            CHANGES times through the admin API: share delivered within 1 s, delivery latency,
#            Governor's RSS. nginx has no equivalent, so Governor only.
# About 5 minutes with the defaults.
#
#   bench/fleet.sh                                  # all parts, 10,000 connections
#   PARTS="fleet idle" bench/fleet.sh               # some parts
#   FLEET_CONNS=1000 STREAMS=1000 bench/fleet.sh    # smaller
#
# Settings (environment): FLEET_CONNS=10000 FLEET_INTERVAL_MS=10000 FLEET_WARMUP=10
# FLEET_SECONDS=30 IDLE_SECONDS=30 OPEN_RATE=10000 OPEN_CONNS=100 OPEN_SECONDS=20 STREAMS=10000
# CHANGES=4 (even, so the flag ends as it began) CHANGE_GAP_MS=3000 CONNECT_RATE=2000
# (connections opened per second); BUILD and SKIP_BUILD as in bench/lib.sh, the tools build
# into BENCH_BUILD (build-bench).
#
# Governor runs its default config on a temp SQLite database with tests/e2e/flags.json, the
# evaluation and admin rate limits off and room for 20,000 streams
# (GOVERNOR_STREAMING_MAX_STREAMS). The script raises its open-file limit to the hard limit
# (ulimit -Hn), which Governor, nginx and the tools inherit; a tool stops with a message if its
# connections do not fit in one process.
# shellcheck disable=SC2016  # the $names in single quotes are jq's
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

PARTS="${PARTS:-fleet idle open streams}"
FLEET_CONNS="${FLEET_CONNS:-10000}"
FLEET_INTERVAL_MS="${FLEET_INTERVAL_MS:-10000}"
FLEET_WARMUP="${FLEET_WARMUP:-10}"
FLEET_SECONDS="${FLEET_SECONDS:-30}"
IDLE_SECONDS="${IDLE_SECONDS:-30}"
OPEN_RATE="${OPEN_RATE:-10000}"
OPEN_CONNS="${OPEN_CONNS:-100}"
OPEN_SECONDS="${OPEN_SECONDS:-20}"
STREAMS="${STREAMS:-10000}"
CHANGES="${CHANGES:-4}"
CHANGE_GAP_MS="${CHANGE_GAP_MS:-3000}"
CONNECT_RATE="${CONNECT_RATE:-2000}"

ulimit -n "$(ulimit -Hn)"
bench_build
bench_build_tools gov_fleet gov_sse_fleet
fleet="$BENCH_BUILD/bench/gov_fleet"
sse_fleet="$BENCH_BUILD/bench/gov_sse_fleet"
bench_workdir governor-fleet-bench
GOVERNOR_RATE_LIMITS_EVALUATION_REQUESTS_PER_SECOND=0 \
  GOVERNOR_RATE_LIMITS_ADMIN_REQUESTS_PER_SECOND=0 \
  GOVERNOR_STREAMING_MAX_STREAMS=20000 \
  GOVERNOR_SERVER_MAX_CONNECTIONS="$(($(ulimit -n) - 1000))" \
  start_governor --flags-file tests/e2e/flags.json
client="$(token_of client)"
frontend="$(token_of frontend)"
frontend_path="/api/frontend?userId=user-42&properties%5Bplan%5D=pro&properties%5Bcountry%5D=no"
toggle="/api/v1/flags/e2e.static/environments/development"

# nginx serves files with exactly the bodies Governor returns.
mkdir -p "$work/www"
curl -fsS "$gov$frontend_path" -H "Authorization: $frontend" >"$work/www/frontend"
curl -fsS "$gov/healthz" >"$work/www/healthz"
echo "bodies: frontend $(wc -c <"$work/www/frontend") bytes, healthz" \
  "$(wc -c <"$work/www/healthz") bytes" >&2
NGINX_WORKER_CONNECTIONS="$(ulimit -n)" start_nginx

gov_port="${gov##*:}"
ngx_port="${ngx##*:}"
# tool COMMAND...: runs a load tool, shows its report on stderr, prints its JSON summary line.
tool() {
  local out
  out="$("$@")"
  sed '$d' <<<"$out" >&2
  tail -n1 <<<"$out"
}
# target SERVER ENDPOINT: sets $args to gov_fleet's options for GET of ENDPOINT (frontend or
# healthz) on SERVER (Governor or nginx), and $route to Governor's path for it.
target() {
  route="/$2"
  [[ $2 == frontend ]] && route="/api/frontend"
  if [[ $1 == nginx ]]; then
    args=(--port "$ngx_port" --path "/$2" --server-pid "$nginx_pid")
  elif [[ $2 == frontend ]]; then
    args=(--port "$gov_port" --path "$frontend_path" --header "Authorization: $frontend"
      --server-pid "$gov_pid")
  else
    args=(--port "$gov_port" --path "$route" --server-pid "$gov_pid")
  fi
}
has_part() { [[ " $PARTS " == *" $1 "* ]]; }
# table_header COLUMN...: a markdown table's header and separator rows.
table_header() {
  local names="|" rule="|" column
  for column in "$@"; do
    names+=" $column |"
    rule+="---|"
  done
  printf '%s\n%s\n' "$names" "$rule"
}
# row JSON FIELDS [jq args...]: a markdown table row of FIELDS, a comma-separated jq list over
# the tool's JSON summary; `ms` shows a missing latency as "-", `mb` turns kB into MB, `pct`
# rounds a percentage to one decimal.
row() {
  local json=$1 fields=$2
  shift 2
  jq -r "$@" 'def ms: if . == null then "-" else . end;
    def mb: if . == null then "-" else (. / 102.4 | round / 10) end;
    def pct: if . == null then "-" else (. * 10 | round / 10) end;
    ['"$fields"'] | map(tostring) | "| " + join(" | ") + " |"' <<<"$json"
}

echo "Machine: $(nproc) cores, $(uname -r);" \
  "load average before: $(cut -d' ' -f1-3 /proc/loadavg);" \
  "open files per process: $(ulimit -n); nginx $(nginx -v 2>&1 | sed 's/.*\///')"

if has_part fleet; then
  echo
  echo "Fleet: $FLEET_CONNS keep-alive clients, each GET /api/frontend every" \
    "$FLEET_INTERVAL_MS ms (${FLEET_SECONDS} s measured after ${FLEET_WARMUP} s of warm-up;" \
    "latency from the intended send time)"
  echo
  table_header server clients "target req/s" req/s "p50 ms" "p99 ms" "p99.9 ms" "max ms" errors \
    "server CPU %" "server RSS MB"
  for server in Governor nginx; do
    target "$server" frontend
    json="$(tool "$fleet" "${args[@]}" --connections "$FLEET_CONNS" \
      --interval-ms "$FLEET_INTERVAL_MS" --warmup-s "$FLEET_WARMUP" --duration-s "$FLEET_SECONDS" \
      --connect-rate "$CONNECT_RATE")"
    row "$json" '$s, .connections, .target_rps, .achieved_rps,
      (.latency_ms | .p50, .p99, .p999, .max | ms), .errors, (.server.cpu_percent | pct),
      (.server.rss_kb_end | mb)' --arg s "$server"
  done
fi

if has_part idle; then
  echo
  echo "Idle: $FLEET_CONNS keep-alive connections, one request each, then idle for" \
    "$IDLE_SECONDS s, then one more request on each"
  echo
  table_header server connections "server CPU % while idle" "RSS MB before" \
    "RSS MB with the connections" "closed while idle" "failed second requests"
  for server in Governor nginx; do
    target "$server" frontend
    json="$(tool "$fleet" "${args[@]}" --idle --connections "$FLEET_CONNS" \
      --duration-s "$IDLE_SECONDS" --connect-rate "$CONNECT_RATE")"
    row "$json" '$s, .connections, (.server.cpu_percent | pct), (.server.rss_kb_before | mb),
      (.server.rss_kb_end | mb), .idle_closes, .probe.errors' --arg s "$server"
  done
fi

if has_part open; then
  echo
  echo "Open loop: $OPEN_RATE req/s over $OPEN_CONNS connections, $OPEN_SECONDS s measured" \
    "after 2 s of warm-up (latency from the intended send time)"
  echo
  table_header endpoint server req/s "p50 ms" "p90 ms" "p99 ms" "p99.9 ms" "max ms" errors \
    "server CPU %" "client CPU %"
  interval_ms="$(awk -v c="$OPEN_CONNS" -v r="$OPEN_RATE" 'BEGIN{print 1000 * c / r}')"
  for endpoint in frontend healthz; do
    for server in Governor nginx; do
      target "$server" "$endpoint"
      json="$(tool "$fleet" "${args[@]}" --connections "$OPEN_CONNS" --interval-ms "$interval_ms" \
        --warmup-s 2 --duration-s "$OPEN_SECONDS" --connect-rate "$CONNECT_RATE")"
      row "$json" '$e, $s, .achieved_rps, (.latency_ms | .p50, .p90, .p99, .p999, .max | ms),
        .errors, (.server.cpu_percent, .client_cpu_percent | pct)' \
        --arg s "$server" --arg e "GET $route"
    done
  done
fi

if has_part streams; then
  echo
  echo "Streams: $STREAMS subscribers of /api/client/streaming (client token); flag e2e.static" \
    "switched $CHANGES times (off, on, ...), $CHANGE_GAP_MS ms apart, through the admin API" \
    "(POST $toggle/off|on); delivery from the start of the admin request to the stream's next event"
  echo
  table_header server streams open changes "admin request p50 ms" "within 1 s" "p50 ms" \
    "p99 ms" "max ms" never dropped "RSS MB before" "RSS MB with the streams" "server CPU %"
  json="$(tool "$sse_fleet" --port "$gov_port" --path /api/client/streaming \
    --header "Authorization: $client" --connections "$STREAMS" --connect-rate "$CONNECT_RATE" \
    --initial-event unleash-connected --change-event unleash-updated --changes "$CHANGES" \
    --change-gap-ms "$CHANGE_GAP_MS" --trigger-method POST --trigger-path "$toggle/off" \
    --trigger-path "$toggle/on" --trigger-header "Authorization: Bearer $admin" \
    --server-pid "$gov_pid")"
  row "$json" '"Governor", .streams, .connected, .changes,
    (.triggers | map(.ms) | sort | .[(length - 1) / 2 | floor] | ms),
    "\(.delivery.within_fraction * 100 | pct)%",
    (.delivery | .p50_ms, .p99_ms, .max_ms, .never), .dropped, (.server.rss_kb_before | mb),
    (.server.rss_kb_connected | mb), (.server.cpu_percent | pct)'
  echo
  echo "nginx serves no event stream; it has no row here."
fi

echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
