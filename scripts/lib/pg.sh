# shellcheck shell=bash
# A throwaway PostgreSQL 15 cluster for tests. Source this file, then:
#
#   pg_start              # fresh cluster on a free 127.0.0.1 port, database governor_test;
#                         # exports GOVERNOR_TEST_PG_URL and GOVERNOR_TEST_PG_DIR
#   trap pg_stop EXIT     # the caller owns cleanup; pg_stop stops the server and removes the dir
#   url=$(pg_create_db other_db)   # an extra empty database; prints its URL
#
# Safe under `set -euo pipefail`; pg_start and pg_stop are idempotent. When run as root, the
# cluster runs as the `postgres` OS user (initdb refuses to run as root).

PG_BIN_DIR="${PG_BIN_DIR:-/usr/lib/postgresql/15/bin}"

# Runs a command as the OS user that owns the cluster.
_pg_as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Prints a TCP port on 127.0.0.1 that the kernel reports free (bind to port 0).
_pg_free_port() {
  if command -v python3 >/dev/null 2>&1 &&
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null; then
    return 0
  fi
  # Fallback: probe random high ports until one refuses connections.
  local port attempt
  for attempt in $(seq 1 200); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
      echo "${port}"
      return 0
    fi
  done
  echo "pg.sh: no free port found" >&2
  return 1
}

_pg_server_running() {
  [[ -n "${GOVERNOR_TEST_PG_DIR:-}" && -f "${GOVERNOR_TEST_PG_DIR}/data/postmaster.pid" ]] &&
    _pg_as_owner "${PG_BIN_DIR}/pg_ctl" status -D "${GOVERNOR_TEST_PG_DIR}/data" >/dev/null 2>&1
}

# Starts a fresh cluster (or does nothing if this shell already started one).
pg_start() {
  if _pg_server_running; then
    return 0
  fi
  if [[ ! -x "${PG_BIN_DIR}/initdb" ]]; then
    echo "pg.sh: PostgreSQL binaries not found in ${PG_BIN_DIR}" >&2
    return 1
  fi
  local dir
  dir="$(mktemp -d /tmp/governor-pg.XXXXXX)"
  export GOVERNOR_TEST_PG_DIR="${dir}"
  if [[ "$(id -u)" == 0 ]]; then
    chown postgres: "${dir}"
  fi
  chmod 700 "${dir}"
  if ! _pg_as_owner "${PG_BIN_DIR}/initdb" -D "${dir}/data" -U postgres -A trust -E UTF8 \
    --locale=C --no-sync >"${dir}/initdb.log" 2>&1; then
    echo "pg.sh: initdb failed:" >&2
    cat "${dir}/initdb.log" >&2 || true
    return 1
  fi

  # The port is free when the kernel hands it out, but another process may take it before the
  # server binds; retry with a new port in that case.
  local port="" attempt started=0
  for attempt in 1 2 3 4 5; do
    port="$(_pg_free_port)"
    if _pg_as_owner "${PG_BIN_DIR}/pg_ctl" start -D "${dir}/data" -l "${dir}/server.log" -w -t 60 \
      -o "-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off \
          -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      >/dev/null 2>&1; then
      started=1
      break
    fi
    echo "pg.sh: start on port ${port} failed (attempt ${attempt})" >&2
  done
  if [[ "${started}" != 1 ]]; then
    echo "pg.sh: could not start PostgreSQL; server log:" >&2
    tail -n 40 "${dir}/server.log" >&2 || true
    return 1
  fi

  local ready=0
  for attempt in $(seq 1 100); do
    if "${PG_BIN_DIR}/pg_isready" -q -h 127.0.0.1 -p "${port}" -U postgres; then
      ready=1
      break
    fi
    sleep 0.1
  done
  if [[ "${ready}" != 1 ]]; then
    echo "pg.sh: PostgreSQL on port ${port} never became ready" >&2
    return 1
  fi
  export GOVERNOR_TEST_PG_PORT="${port}"
  "${PG_BIN_DIR}/createdb" -h 127.0.0.1 -p "${port}" -U postgres governor_test
  export GOVERNOR_TEST_PG_URL="postgresql://postgres@127.0.0.1:${port}/governor_test"
}

# Creates an empty database NAME in the running cluster and prints its URL.
pg_create_db() {
  local name="${1:-}"
  if [[ ! "${name}" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    echo "pg.sh: pg_create_db needs a database name matching [A-Za-z_][A-Za-z0-9_]*" >&2
    return 1
  fi
  if [[ -z "${GOVERNOR_TEST_PG_PORT:-}" ]]; then
    echo "pg.sh: pg_create_db called before pg_start" >&2
    return 1
  fi
  "${PG_BIN_DIR}/createdb" -h 127.0.0.1 -p "${GOVERNOR_TEST_PG_PORT}" -U postgres "${name}"
  echo "postgresql://postgres@127.0.0.1:${GOVERNOR_TEST_PG_PORT}/${name}"
}

# Stops the cluster started by pg_start and removes its directory. Never fails.
pg_stop() {
  local dir="${GOVERNOR_TEST_PG_DIR:-}"
  if [[ -z "${dir}" ]]; then
    return 0
  fi
  if [[ -f "${dir}/data/postmaster.pid" ]]; then
    # The postmaster's pid is the first line of postmaster.pid.
    local pid
    pid="$(head -n 1 "${dir}/data/postmaster.pid" 2>/dev/null || true)"
    _pg_as_owner "${PG_BIN_DIR}/pg_ctl" stop -D "${dir}/data" -m fast -w -t 30 >/dev/null 2>&1 ||
      _pg_as_owner "${PG_BIN_DIR}/pg_ctl" stop -D "${dir}/data" -m immediate -w -t 30 \
        >/dev/null 2>&1 || true
    if [[ "${pid}" =~ ^[0-9]+$ ]]; then
      if [[ -f "${dir}/data/postmaster.pid" ]]; then
        kill -KILL "${pid}" 2>/dev/null || true  # last resort
      fi
      # Wait until the postmaster has exited (gone, or a zombie awaiting its reaper).
      local attempt state
      for attempt in $(seq 1 100); do
        state="$(awk '{print $3}' "/proc/${pid}/stat" 2>/dev/null || true)"
        if [[ -z "${state}" || "${state}" == Z ]]; then
          break
        fi
        sleep 0.1
      done
    fi
  fi
  rm -rf "${dir}"
  unset GOVERNOR_TEST_PG_DIR GOVERNOR_TEST_PG_URL GOVERNOR_TEST_PG_PORT
  return 0
}
