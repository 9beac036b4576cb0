#!/usr/bin/env bash
# Measures the relay on this machine: complete deliveries (post, fetch, acknowledge) of 4 KiB
# bundles per second and their latency, beside the health endpoint's requests per second, on
# SQLite and on PostgreSQL. The relay and the load generator share the machine over loopback.
#
#   ./scripts/bench-relay.sh [seconds] [concurrency]
#
# The relay runs with its default limits except requests per key per minute: each load worker
# is one sender and one recipient making thousands of requests a minute, far beyond a person's
# client, so the limit is raised to measure the relay's work rather than its rate limiter.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
concurrency="${2:-32}"

cargo build --release --quiet -p amends -p amends-relay-load
amends=target/release/amends
load=target/release/relay-load
work="$(mktemp -d)"
chmod 755 "$work"
relay_pid=""
cleanup() {
  [ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

admin_url="$(./scripts/postgres.sh)"
database="amends_bench_$$"
psql -q -d "$admin_url" -c "DROP DATABASE IF EXISTS $database" -c "CREATE DATABASE $database"
pg_url="${admin_url%/*}/$database"

run() {
  local label="$1" url="$2"
  "$amends" relay serve --listen 127.0.0.1:0 --database "$url" \
    --requests-per-minute 1000000 >"$work/out" 2>"$work/err" &
  relay_pid=$!
  local address=""
  for _ in $(seq 1 100); do
    address="$(sed -n 's/^amends relay listening on //p' "$work/out" | head -n1)"
    [ -n "$address" ] && break
    sleep 0.1
  done
  if [ -z "$address" ]; then
    echo "the relay did not start:" >&2
    cat "$work/err" >&2
    exit 1
  fi
  "$load" --url "$address" --label "$label" --seconds "$seconds" --concurrency "$concurrency" \
    | tail -n1
  kill -TERM "$relay_pid"
  wait "$relay_pid" || true
  relay_pid=""
}

echo "| backend | bundle | workers | deliveries/s | p50 | p99 | errors | health req/s | health p99 |"
echo "|---|---|---|---|---|---|---|---|---|"
run SQLite "sqlite://$work/relay.sqlite"
run PostgreSQL "$pg_url"
psql -q -d "$admin_url" -c "DROP DATABASE IF EXISTS $database"
