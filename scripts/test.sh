#!/usr/bin/env bash
# Runs every check and test of Amends. Installs what the build needs when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# SQLCipher and its OpenSSL are built from source: they need a C compiler, make and perl.
need=()
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v make >/dev/null 2>&1 || need+=(make)
command -v perl >/dev/null 2>&1 || need+=(perl)
# The web app's browser tests drive a real headless Chromium through chromedriver.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# The sharing tests check that the standard age tool opens a bundle's outer layer.
command -v age >/dev/null 2>&1 || need+=(age)
# The export tests read the PDF worksheets back with pdftotext and pdfinfo.
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing build and test tools: ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^$component"; then
    rustup component add "$component"
  fi
done

# The relay's tests run against a real PostgreSQL too: start a throwaway one (installing it when
# missing) unless AMENDS_TEST_POSTGRES already names one.
if [ -z "${AMENDS_TEST_POSTGRES:-}" ]; then
  echo "== PostgreSQL for the relay's tests"
  AMENDS_TEST_POSTGRES="$(./scripts/postgres.sh)"
fi
export AMENDS_TEST_POSTGRES

echo "== format (at ${SECONDS} s)"
cargo fmt --all -- --check
# The fuzz targets are their own workspace, which `--all` does not reach.
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
echo "== lints (at ${SECONDS} s)"
# With every feature on, so the benchmarks (which need a feature the application never enables)
# are linted too; no code is compiled only without a feature, so this one pass covers it all.
cargo clippy --all-targets --all-features -- -D warnings
echo "== licences (at ${SECONDS} s)"
# Offline: every crate's licence against licenses.toml (the same test runs again below; the
# build it needs is the one the tests use, so this costs no extra compilation).
cargo test -p amends --test integration -- licenses::
echo "== tests (at ${SECONDS} s)"
cargo test --workspace
echo "== fuzzing (at ${SECONDS} s)"
# Each fuzz target for a few seconds with coverage (libFuzzer on the stable toolchain); the seeds
# and the crashes found so far were replayed by the tests above. Longer: scripts/fuzz.sh 600.
./scripts/fuzz.sh 10
echo "All checks passed in ${SECONDS} s."
