#!/usr/bin/env bash
# The whole test suite, from a fresh Debian/Ubuntu machine with a Rust toolchain (rustup, with
# rustfmt and clippy): installs what the tests need, checks formatting and lints, runs every test,
# then checks what `cargo package` would ship and builds, installs and tries the Debian package.
# `.ci/run` calls exactly this script; so should you.
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
apt_install() {
  if [ "$(id -u)" = 0 ] && need apt-get; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@"
  else
    echo "test-all: missing $*; install them (apt-get install $*) and rerun" >&2
    exit 1
  fi
}

# Build tools: aws-lc-sys needs a C compiler; the lab installs its own packages below.
need cc || apt_install build-essential
need cargo || { echo "test-all: cargo not found: install Rust with rustup" >&2; exit 1; }
cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
cargo clippy --version >/dev/null 2>&1 || rustup component add clippy

# The real-peer lab (Postfix, dnsmasq): installed and started here, stopped on exit. It needs root;
# if it cannot start, the run fails with the reason (the lab suite never passes by skipping).
echo "== lab: install and start (tests/lab/lab.sh)"
bash tests/lab/lab.sh install
log=$(mktemp)
trap 'bash tests/lab/lab.sh stop >/dev/null 2>&1 || true; rm -f "$log"' EXIT
bash tests/lab/lab.sh start

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --locked --all-targets --features lab -- -D warnings
echo "== cargo test"
cargo test --locked --all-targets --features lab 2>&1 | tee "$log"
# One closing line over every test binary (cargo prints one "test result" line per binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
     END { printf "tests: %d passed, %d failed\n", p, f; if (p == 0) exit 1 }' "$log"

# Packaging, once the tests passed (the lab still runs: deb-check uses it).
echo "== cargo package --list (scripts/package-check.sh)"
bash scripts/package-check.sh
# The .deb of the debug binary the tests just built (the release workflow builds the release
# one). build-deb installs cargo-deb when missing (about 2 minutes, once per machine).
echo "== Debian package: build, install, run against the lab, remove (scripts/deb-check.sh)"
bash scripts/deb-check.sh --profile dev
