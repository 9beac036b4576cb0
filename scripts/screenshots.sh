#!/usr/bin/env bash
# Takes the screenshots in docs/screenshots/: the main pages of the demo workbook in a headless
# Chromium, at phone (390x844) and desktop (1280x900) widths, whole pages.
# Needs chromium and chromedriver (./scripts/test.sh installs them when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -p amends-web --test integration -- --ignored --exact browser::screenshots --nocapture
ls -1 docs/screenshots/*.png
