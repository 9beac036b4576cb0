#!/usr/bin/env bash
# Fuzzes Amends' readers of outside input with libFuzzer, on the stable toolchain.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Builds fuzz/ (its own workspace) with the coverage flags cargo-fuzz uses, minus the sanitizer
# (which needs nightly), into fuzz/target. Then runs each target (all of them unless named) for
# SECONDS_PER_TARGET (default 15): the checked-in seeds in fuzz/corpus/<target>/ are read but never
# written; what a run finds goes to a scratch corpus, fuzz/scratch/<target>/, kept between runs and
# ignored by git. Prints the executions per target. On a crash, exits non-zero and says where the
# input was written: copy it into fuzz/regressions/<target>/ and fix the bug, so the ordinary
# tests (cargo test -p amends-fuzzing) replay it from then on.
#
# Long runs: scripts/fuzz.sh 600. With a nightly toolchain and cargo-fuzz, `cargo fuzz run coach`
# in fuzz/ works too.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${1:-15}"
shift || true
all=(json_import csv_import bundle_open contact_code relay_request coach)
targets=("${all[@]}")
if [ $# -gt 0 ]; then targets=("$@"); fi

host="$(rustc -vV | sed -n 's/^host: //p')"
# --target keeps build scripts and proc macros out of the instrumentation, as cargo-fuzz does.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
export CARGO_TARGET_DIR="$PWD/target"
unset CARGO_BUILD_TARGET
start=$SECONDS
cargo build --release --target "$host" --bins
echo "fuzz targets built in $((SECONDS - start)) s"
bin="$CARGO_TARGET_DIR/$host/release"

mkdir -p artifacts
failed=()
for t in "${targets[@]}"; do
  if [ ! -x "$bin/$t" ]; then
    echo "No fuzz target named $t; the targets are: ${all[*]}" >&2
    exit 2
  fi
  mkdir -p "scratch/$t" "artifacts/$t"
  log="artifacts/$t/last-run.log"
  # The first corpus folder is the one libFuzzer writes to: the scratch one, never the seeds.
  status=0
  "$bin/$t" "scratch/$t" "corpus/$t" \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  cov="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1)"
  echo "$t: ${execs:-?} executions in ${seconds} s; ${cov:-no coverage reported}; scratch corpus $(find "scratch/$t" -type f | wc -l) files"
  if [ "$status" -ne 0 ]; then
    crash="$(grep -Eo "Test unit written to [^ ]+" "$log" | tail -1 | sed 's/Test unit written to //')"
    tail -n 40 "$log" >&2
    echo "The $t target failed (exit $status). Its log: fuzz/$log." >&2
    if [ -n "$crash" ]; then
      echo "The input that failed: fuzz/$crash. Copy it into fuzz/regressions/$t/, fix the bug, and run cargo test -p amends-fuzzing." >&2
    fi
    failed+=("$t")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "Fuzzing found failures in: ${failed[*]}" >&2
  exit 1
fi
echo "Fuzzing done in $((SECONDS - start)) s."
