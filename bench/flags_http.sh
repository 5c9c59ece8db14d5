#!/usr/bin/env bash
# Flag evaluation HTTP benchmark: wrk against OFREP single evaluation
# (POST /ofrep/v1/evaluate/flags/{key}) and the Unleash frontend API (GET /api/frontend) at 8,
# 64 and 256 connections, with nginx serving a static body of the same size in the same run as
# the baseline (nginx answers GET; a POST to a static file would be 405). Prints a markdown
# table (median of REPS runs) for docs/benchmarks.md, plus the load average, since the machine
# may be shared.
#
#   bench/flags_http.sh       # defaults: DURATION=8s REPS=3 THREADS=2
#
# Governor runs its default config on a temp SQLite database with tests/e2e/flags.json as its
# flags file; the evaluation rate limit is disabled (it would otherwise measure 429 answers).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${DURATION:-8s}"
REPS="${REPS:-3}"
THREADS="${THREADS:-2}"
CONNS=(${CONNS:-8 64 256})
BUILD="${BUILD:-build-release}"

if [[ -z "${SKIP_BUILD:-}" ]]; then  # SKIP_BUILD=1 BUILD=dir: use an existing build as is
  scripts/install-deps >/dev/null
  cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DGOVERNOR_BUILD_TESTS=OFF \
    -DGOVERNOR_BUILD_BENCH=OFF >/dev/null
  ninja -C "$BUILD" governor >/dev/null
fi
work="$(mktemp -d /tmp/governor-flags-bench.XXXXXX)"
gov_pid=""
nginx_pid=""
cleanup() {
  [[ -n "$gov_pid" ]] && kill "$gov_pid" 2>/dev/null || true
  [[ -n "$nginx_pid" ]] && kill "$nginx_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

admin="bench-admin-token-0123456789abcdef"
GOVERNOR_RATE_LIMITS_EVALUATION_REQUESTS_PER_SECOND=0 \
  "$BUILD"/cli/governor serve --config config/governor.yaml --listen 127.0.0.1:0 \
  --database "sqlite://$work/gov.db" --admin-token "$admin" --flags-file tests/e2e/flags.json \
  >"$work/governor.log" 2>&1 &
gov_pid=$!
for _ in $(seq 1 100); do
  grep -q "listening on" "$work/governor.log" 2>/dev/null && break
  sleep 0.1
done
gov_port="$(sed -nE 's/.*listening on http:\/\/[^:]+:([0-9]+).*/\1/p' "$work/governor.log" | head -n1)"
gov="http://127.0.0.1:$gov_port"
token_of() {
  curl -fsS -X POST "$gov/api/v1/tokens" -H "Authorization: Bearer $admin" \
    -d "{\"type\":\"$1\",\"name\":\"bench-$1\",\"environment\":\"development\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])'
}
client="$(token_of client)"
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
mkdir -p "$work/www" "$work/nginx"
curl -fsS -X POST "$gov$ofrep_path" -H "Authorization: Bearer $client" -d "$ofrep_body" \
  >"$work/www/ofrep"
curl -fsS "$gov$frontend_path" -H "Authorization: $frontend" >"$work/www/frontend"
echo "bodies: OFREP $(wc -c <"$work/www/ofrep") bytes, frontend $(wc -c <"$work/www/frontend") bytes" >&2
# nginx's workers run as an unprivileged user: let them read the bodies.
chmod 755 "$work" "$work/www"
chmod 644 "$work/www/"*
nginx_port="$(free_port)"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes auto;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
daemon off;
events { worker_connections 4096; }
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

# run_wrk URL CONNS [lua script] -> "rps p50_ms p99_ms"
run_wrk() {
  local url=$1 c=$2 script=${3:-}
  local args=(-t"$THREADS" -c"$c" -d"$DURATION" --latency --timeout 5s)
  [[ -n "$script" ]] && args+=(-s "$script")
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

# Alternate Governor and nginx runs so machine noise hits both alike.
measure() {
  local name=$1 gurl=$2 nurl=$3 script=$4 c=$5
  local g_rps=() g_p50=() g_p99=() n_rps=() n_p50=() n_p99=()
  for _ in $(seq 1 "$REPS"); do
    read -r a b d < <(run_wrk "$gurl" "$c" "$script"); g_rps+=("$a"); g_p50+=("$b"); g_p99+=("$d")
    read -r a b d < <(run_wrk "$nurl" "$c"); n_rps+=("$a"); n_p50+=("$b"); n_p99+=("$d")
  done
  local gr np gp50 gp99 nr np50 np99
  gr="$(printf '%s\n' "${g_rps[@]}" | median)"; gp50="$(printf '%s\n' "${g_p50[@]}" | median)"
  gp99="$(printf '%s\n' "${g_p99[@]}" | median)"
  nr="$(printf '%s\n' "${n_rps[@]}" | median)"; np50="$(printf '%s\n' "${n_p50[@]}" | median)"
  np99="$(printf '%s\n' "${n_p99[@]}" | median)"
  local ratio
  ratio="$(awk -v g="$gr" -v n="$nr" 'BEGIN{printf "%.0f%%", 100*g/n}')"
  printf '| %s | %s | %.0f | %s | %s | %.0f | %s | %s | %s |\n' \
    "$name" "$c" "$gr" "$gp50" "$gp99" "$nr" "$np50" "$np99" "$ratio"
}

echo "Machine: $(nproc) cores, $(uname -r); load average before: $(cut -d' ' -f1-3 /proc/loadavg);" \
  "wrk -t$THREADS -d$DURATION, median of $REPS runs; nginx $(nginx -v 2>&1 | sed 's/.*\///')"
echo
echo "| endpoint | conns | Governor req/s | p50 ms | p99 ms | nginx req/s | p50 ms | p99 ms | Governor/nginx |"
echo "|---|---|---|---|---|---|---|---|---|"
for c in "${CONNS[@]}"; do
  measure "POST $ofrep_path" "$gov$ofrep_path" "$ngx/ofrep" "$work/ofrep.lua" "$c"
done
for c in "${CONNS[@]}"; do
  measure "GET /api/frontend (3 context fields)" "$gov$frontend_path" "$ngx/frontend" \
    "$work/frontend.lua" "$c"
done
echo
echo "Load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
