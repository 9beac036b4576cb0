#!/usr/bin/env bash
# Times the release binary in one run: `amends --version` (starting the program at all), a read
# command with the passphrase (derives the key: Argon2id), and the same read after
# `amends unlock` (the key held in memory; no derivation). Figures: docs/benchmarks.md.
#
#   scripts/bench-cli.sh            # 40 runs of each fast command, 10 with the passphrase
#   RUNS=200 scripts/bench-cli.sh
#
# Needs python3 (the timing loop). Uses a throwaway vault and runtime folder in a temporary
# folder; nothing of yours is read or touched.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p amends --quiet
bin="${CARGO_TARGET_DIR:-$PWD/target}/release/amends"
tmp="$(mktemp -d)"
export XDG_RUNTIME_DIR="$tmp/run"
mkdir -m 700 "$XDG_RUNTIME_DIR"
vault="$tmp/bench.amends"
export AMENDS_VAULT="$vault"
trap '"$bin" lock >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
unset AMENDS_PASSPHRASE
pass="four ordinary words for a benchmark"
AMENDS_PASSPHRASE="$pass" "$bin" init >/dev/null
for i in $(seq 1 20); do
  AMENDS_PASSPHRASE="$pass" "$bin" party add "Person $i" >/dev/null
  AMENDS_PASSPHRASE="$pass" "$bin" harm add "Person $i" --did "Something I did, number $i" >/dev/null
done
BIN="$bin" PASS="$pass" RUNS="${RUNS:-40}" python3 - <<'PY'
import os, statistics, subprocess, time
bin, runs = os.environ["BIN"], int(os.environ["RUNS"])
env = {k: v for k, v in os.environ.items() if k != "AMENDS_PASSPHRASE"}
def timed(args, n, extra=None):
    e = dict(env, **(extra or {}))
    out = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run([bin, *args], env=e, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        out.append((time.perf_counter() - t) * 1000)
    return out
rows = []
rows.append(("amends --version", timed(["--version"], runs)))
rows.append(("amends status (passphrase in AMENDS_PASSPHRASE)", timed(["status"], max(runs // 4, 5), {"AMENDS_PASSPHRASE": os.environ["PASS"]})))
subprocess.run([bin, "unlock", "--for", "10m"], env=dict(env, AMENDS_PASSPHRASE=os.environ["PASS"]), check=True, stdout=subprocess.DEVNULL)
rows.append(("amends status after amends unlock", timed(["status"], runs)))
rows.append(("amends show 'Person 7' after amends unlock", timed(["show", "Person 7"], runs)))
subprocess.run([bin, "lock"], env=env, check=True, stdout=subprocess.DEVNULL)
print(f"{'command':<50} {'runs':>5} {'median':>10} {'p90':>10} {'min':>10}")
for name, xs in rows:
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(len(xs) * 0.9))]
    print(f"{name:<50} {len(xs):>5} {statistics.median(xs):>8.2f}ms {p90:>8.2f}ms {xs[0]:>8.2f}ms")
PY
