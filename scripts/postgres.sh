#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for the relay's tests (installing it when missing) and prints its
# admin URL. Idempotent: when the cluster is already running it only prints the URL.
#   PGPORT      port on 127.0.0.1 (default 55432)
#   PGDATA_DIR  data directory (default /tmp/amends-test-pg)
#   PG_DURABLE  1 to keep PostgreSQL's own durability settings (fsync, synchronous commit, full
#               page writes); by default they are off, which is fine for tests and wrong for
#               measuring. The benchmark sets it, on its own data directory and port.
#   postgres.sh stop   stops the cluster of PGDATA_DIR instead.
# Trust authentication on 127.0.0.1 only: never use this cluster for anything but tests.
set -euo pipefail

port="${PGPORT:-55432}"
data="${PGDATA_DIR:-/tmp/amends-test-pg}"
url="postgres://postgres@127.0.0.1:${port}/postgres"

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
      echo "$dir"
      return 0
    fi
  done
  return 1
}

bin="$(find_bin || true)"
if [ -z "$bin" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing PostgreSQL for the relay's tests" >&2
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
  bin="$(find_bin)"
fi

# As root, the cluster belongs to the postgres user (initdb and postgres refuse to run as root).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ ! -s "$data/PG_VERSION" ]; then
  rm -rf "$data"
  mkdir -p "$data"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$data"
  chmod 700 "$data"
  as_owner "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --no-locale >/dev/null
fi

if [ "${1:-}" = stop ]; then
  as_owner "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
  exit 0
fi

if ! as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
  # Sockets in the data directory, so nothing else on the machine is needed or touched.
  options="-h 127.0.0.1 -p ${port} -k ${data} -c max_connections=300"
  if [ "${PG_DURABLE:-0}" != 1 ]; then
    options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_owner "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 -o "$options" start >/dev/null
fi

# Wait until it answers (pg_ctl -w waits too; this covers a cluster started by someone else).
for _ in $(seq 1 60); do
  if as_owner "$bin/pg_isready" -q -h 127.0.0.1 -p "$port"; then
    echo "$url"
    exit 0
  fi
  sleep 0.5
done
echo "PostgreSQL did not start on 127.0.0.1:${port}; see ${data}/server.log" >&2
exit 1
