# shellcheck shell=bash disable=SC2034  # sets $gov, $ngx, $admin... for the scripts sourcing it
# Shared by bench/http.sh and bench/flags_http.sh (sourced; not run on its own): the settings,
# the Release build, a temp dir cleaned up on exit, Governor and an nginx baseline serving
# same-size bodies, and wrk runs reduced to a markdown table row (median of REPS runs).
#
# Settings (environment): DURATION=8s REPS=3 THREADS=2 CONNS="8 64 256"; BUILD=build-release;
# SKIP_BUILD=1 uses an existing $BUILD as is.
DURATION="${DURATION:-8s}"
REPS="${REPS:-3}"
THREADS="${THREADS:-2}"
# shellcheck disable=SC2206  # CONNS="8 64" is split on purpose
CONNS=(${CONNS:-8 64 256})
BUILD="${BUILD:-build-release}"

# bench_release_build DIR BENCH(ON|OFF) TARGET...: a Release build without tests into DIR
# (unless SKIP_BUILD=1).
bench_release_build() {
  local dir="$1" bench="$2"
  shift 2
  [[ -n "${SKIP_BUILD:-}" ]] && return 0
  scripts/install-deps >/dev/null
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGOVERNOR_BUILD_TESTS=OFF \
    -DGOVERNOR_BUILD_BENCH="$bench" >/dev/null
  ninja -C "$dir" "$@" >/dev/null
}

# Builds the governor binary into $BUILD (Release, no tests or benchmarks).
bench_build() { bench_release_build "$BUILD" OFF governor; }

# bench_workdir NAME: sets $work to a new temp dir, removed (with Governor and nginx stopped)
# on exit.
bench_workdir() {
  work="$(mktemp -d "/tmp/$1.XXXXXX")"
  gov_pid=""
  nginx_pid=""
  trap bench_cleanup EXIT
}
bench_cleanup() {
  if [[ -n "$gov_pid" ]]; then kill "$gov_pid" 2>/dev/null || true; fi
  if [[ -n "$nginx_pid" ]]; then kill "$nginx_pid" 2>/dev/null || true; fi
  wait 2>/dev/null || true
  rm -rf "$work"
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

admin="bench-admin-token-0123456789abcdef"

# start_flag_bench NAME: builds (unless SKIP_BUILD=1), makes the work dir NAME and starts
# Governor with tests/e2e/flags.json as its flags file and no evaluation rate limit (it would
# otherwise measure 429 answers); sets $client, a client token.
start_flag_bench() {
  bench_build
  bench_workdir "$1"
  GOVERNOR_RATE_LIMITS_EVALUATION_REQUESTS_PER_SECOND=0 \
    start_governor --flags-file tests/e2e/flags.json
  client="$(token_of client)"
}

# api METHOD PATH [JSON]: an admin call to the running Governor; fails the script on an error.
api() {
  curl -fsS -X "$1" "$gov$2" -H "Authorization: Bearer $admin" \
    -H 'Content-Type: application/json' -d "${3:-{\}}" >/dev/null
}

# start_exposure_bench NAME: start_flag_bench NAME, then a frontend token ($frontend) and the
# metric an experiment on e2e.color measures ("purchase"), for the exposure benchmarks.
start_exposure_bench() {
  start_flag_bench "$1"
  frontend="$(token_of frontend)"
  api POST /api/v1/metrics '{"name":"purchase","type":"proportion",
    "numerator":{"event":"purchase"},"direction":"higherIsBetter"}'
}

# start_color_experiment KEY: creates and starts experiment KEY on e2e.color (development).
start_color_experiment() {
  api POST /api/v1/experiments "{\"key\":\"$1\",\"name\":\"Color\",\"hypothesis\":\"h\",
    \"environment\":\"development\",\"feature\":\"e2e.color\",\"controlVariant\":\"red\",
    \"metrics\":[{\"metric\":\"purchase\",\"role\":\"goal\"}]}"
  api POST "/api/v1/experiments/$1/start"
}

# wrk Lua defining next_user(): "u<run>-<thread>-<n>", unique across wrk's threads and across
# runs (RUN_TAG in the environment), so every request is a unit no run has recorded.
# (math.random would repeat: each wrk thread starts from the same seed.)
new_users_lua='
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
function next_user()
  n = n + 1
  return "u" .. os.getenv("RUN_TAG") .. "-" .. tid .. "-" .. n
end
'

# write_frontend_new_lua FILE: a wrk script for GET /api/frontend with $frontend and a new user
# in every request.
write_frontend_new_lua() {
  cat >"$1" <<LUA
$new_users_lua
wrk.headers["Authorization"] = "$frontend"
request = function()
  return wrk.format("GET", "/api/frontend?userId=" .. next_user())
end
LUA
}

# drain_exposures [EXPERIMENT]: waits until every queued exposure is written (dropped ones, the
# queue being full, were never queued) and, given an experiment's key, its aggregation has
# caught up, so the background work one run caused does not fall into the next run.
drain_exposures() {
  for _ in $(seq 1 600); do
    local m queued finished pending=0
    m="$(curl -fsS "$gov/metrics")"
    queued="$(awk '/^governor_exposures_total\{outcome="queued"\}/ {print $2}' <<<"$m")"
    finished="$(awk '/^governor_exposures_total\{outcome="(written|failed)"\}/ {s+=$2} END {print s+0}' <<<"$m")"
    if [[ -n "${1:-}" ]]; then
      pending="$(curl -fsS "$gov/api/v1/experiments/$1/results" \
        -H "Authorization: Bearer $admin" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("pendingEvents", 0))')"
    fi
    [[ "${queued:-0}" == "$finished" && "$pending" == 0 ]] && return 0
    sleep 0.5
  done
  echo "  note: background work did not drain within 5 minutes" >&2
}

# start_governor [serve args...]: Governor on its default config, a temp SQLite database and
# the admin token $admin; sets $gov_pid and $gov (its base URL). Environment set before the
# call (e.g. a rate limit of 0) reaches the server.
start_governor() {
  "$BUILD"/cli/governor serve --config config/governor.yaml --listen 127.0.0.1:0 \
    --database "sqlite://$work/gov.db" --admin-token "$admin" "$@" >"$work/governor.log" 2>&1 &
  gov_pid=$!
  for _ in $(seq 1 100); do
    grep -q "listening on" "$work/governor.log" 2>/dev/null && break
    sleep 0.1
  done
  local gov_port
  gov_port="$(sed -nE 's/.*listening on http:\/\/[^:]+:([0-9]+).*/\1/p' "$work/governor.log" | head -n1)"
  gov="http://127.0.0.1:$gov_port"
}

# token_of TYPE: a new token of TYPE (client, frontend) for the development environment,
# created with $admin on the running Governor; prints its secret.
token_of() {
  curl -fsS -X POST "$gov/api/v1/tokens" -H "Authorization: Bearer $admin" \
    -d "{\"type\":\"$1\",\"name\":\"bench-$1\",\"environment\":\"development\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])'
}

# start_nginx: nginx serving the files in $work/www (write them first); sets $nginx_pid and
# $ngx (its base URL). NGINX_WORKER_CONNECTIONS (default 4096) is each worker's limit.
start_nginx() {
  mkdir -p "$work/nginx"
  # nginx's workers run as an unprivileged user: let them read the bodies.
  chmod 755 "$work" "$work/www"
  chmod 644 "$work/www/"*
  local nginx_port
  nginx_port="$(free_port)"
  cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
daemon off;
events { worker_connections ${NGINX_WORKER_CONNECTIONS:-4096}; }
http {
  access_log off;
  keepalive_requests 100000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $work/www;
    default_type application/json;
  }
}
NGINX
  nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
  nginx_pid=$!
  sleep 0.5
  ngx="http://127.0.0.1:$nginx_port"
}

# run_wrk URL CONNS [wrk args...] -> "rps p50_ms p99_ms"
run_wrk() {
  local url=$1 c=$2
  shift 2
  local args=(-t"$THREADS" -c"$c" -d"$DURATION" --latency --timeout 5s "$@")
  local out
  out="$(wrk "${args[@]}" "$url")"
  local rps p50 p99 errors
  rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  p50="$(awk '$1=="50%" {print $2}' <<<"$out")"
  p99="$(awk '$1=="99%" {print $2}' <<<"$out")"
  errors="$(grep -E 'Non-2xx|Socket errors' <<<"$out" | tr '\n' ' ' || true)"
  [[ -n "$errors" ]] && echo "  note: $url c=$c: $errors" >&2
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() {
  local v=$1
  case "$v" in
    *us) awk -v x="${v%us}" 'BEGIN{printf "%.3f", x/1000}' ;;
    *ms) awk -v x="${v%ms}" 'BEGIN{printf "%.3f", x}' ;;
    *s) awk -v x="${v%s}" 'BEGIN{printf "%.3f", x*1000}' ;;
    *) echo "$v" ;;
  esac
}
median() { sort -g | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }

print_table_header() {
  echo "| endpoint | conns | Governor req/s | p50 ms | p99 ms | nginx req/s | p50 ms | p99 ms | Governor/nginx |"
  echo "|---|---|---|---|---|---|---|---|---|"
}

# measure NAME GOV_URL NGINX_URL CONNS [wrk args for Governor...]: one table row. Governor and
# nginx runs alternate so machine noise hits both alike.
measure() {
  local name=$1 gurl=$2 nurl=$3 c=$4
  shift 4
  local g_rps=() g_p50=() g_p99=() n_rps=() n_p50=() n_p99=()
  for _ in $(seq 1 "$REPS"); do
    read -r a b d < <(run_wrk "$gurl" "$c" "$@"); g_rps+=("$a"); g_p50+=("$b"); g_p99+=("$d")
    read -r a b d < <(run_wrk "$nurl" "$c"); n_rps+=("$a"); n_p50+=("$b"); n_p99+=("$d")
  done
  local gr gp50 gp99 nr np50 np99
  gr="$(printf '%s\n' "${g_rps[@]}" | median)"; gp50="$(printf '%s\n' "${g_p50[@]}" | median)"
  gp99="$(printf '%s\n' "${g_p99[@]}" | median)"
  nr="$(printf '%s\n' "${n_rps[@]}" | median)"; np50="$(printf '%s\n' "${n_p50[@]}" | median)"
  np99="$(printf '%s\n' "${n_p99[@]}" | median)"
  local ratio
  ratio="$(awk -v g="$gr" -v n="$nr" 'BEGIN{printf "%.0f%%", 100*g/n}')"
  printf '| %s | %s | %.0f | %s | %s | %.0f | %s | %s | %s |\n' \
    "$name" "$c" "$gr" "$gp50" "$gp99" "$nr" "$np50" "$np99" "$ratio"
}

# bench_build_tools TARGET...: builds the named bench/ executables (e.g. gov_fleet) in Release
# into $BENCH_BUILD (default build-bench, as bench/flags_eval.sh), which is configured with the
# benchmarks on. SKIP_BUILD=1 uses the existing ones.
BENCH_BUILD="${BENCH_BUILD:-build-bench}"
bench_build_tools() { bench_release_build "$BENCH_BUILD" ON "$@"; }
