#!/usr/bin/env bash
# The web app under load (docs/benchmarks.md, "Web app under load"): builds the release binary,
# then runs the load generator, which builds the large workbook, starts `amends serve` on it and
# measures each page beside the static asset with 8 concurrent clients.
# Options go to the generator, e.g. `scripts/bench-web.sh --seconds 30` or `--route /list`.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p amends
cargo run --release -p amends-web --example loadgen -- "$@"
