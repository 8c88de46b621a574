#!/usr/bin/env bash
# Every check on a fresh machine: install what is missing, then formatting, lints and the
# whole workspace's tests (unit, property, co-simulation, conformance, Verilog export).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
echo "[test] cargo fmt --check"
cargo fmt --all -- --check
echo "[test] cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "[test] cargo test --workspace"
cargo test --workspace
