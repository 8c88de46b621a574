#!/usr/bin/env bash
# The main job on a fresh machine: install what is missing, then run `atomik` on its embedded
# default (generate the core, build it with Verilator, co-simulate it against the model, run
# the conformance vectors). Extra arguments go to `atomik`, e.g. `scripts/run.sh sim --help`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
scripts/setup.sh
echo "[run] building atomik (release)"
cargo build --release --quiet -p atomik-host --bin atomik
exec target/release/atomik "$@"
