#!/usr/bin/env bash
# Builds the Debian package (.deb) of tlscheck with cargo-deb: the binary (/usr/bin/tlscheck), one
# man page per command, the bash, zsh and fish completions, the README and the licences (see
# [package.metadata.deb] in Cargo.toml). cargo-deb cannot run the binary, so this script builds it,
# generates the man pages, the completions and the Debian copyright file into
# <target>/<profile>/deb-assets/, then runs `cargo deb --no-build`. Its last line names the .deb
# and its size.
#
# Usage: scripts/build-deb.sh [--profile release|dev] [--target TRIPLE] [--out DIR]
#
#   --profile release  (the default) `cargo build --release`: what the release workflow
#                      (.github/workflows/release.yml) ships. A from-scratch release build takes
#                      about 6 minutes on the 2-core CI machine, too long to add to the test run.
#   --profile dev      no build: packages the debug binary <target>/debug/tlscheck as the last
#                      `cargo test` or `cargo build` left it (built only when missing), stripped.
#                      CI uses this (scripts/deb-check.sh from scripts/test-all.sh): the same
#                      files and layout in seconds. (A `cargo build` after `cargo test` would
#                      recompile about 30 crates, since the tests' dev-dependencies enable more
#                      features of shared dependencies: about 3 minutes here.)
#   --target TRIPLE    build for TRIPLE, e.g. x86_64-unknown-linux-musl (the release workflow's
#                      static binary: a package with no library dependencies); the binary must
#                      run on this machine, which generates the man pages and completions with it.
#   --out DIR          where to write the .deb (default: <target>/debian/).
#
# Needs cargo-deb; when it is missing the script installs it (`cargo install --locked cargo-deb`,
# about 2 minutes). Honours CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

# The cargo-deb release this script was written and tested with.
cargo_deb_version=3.8.0
profile=release
triple=
out=
while [ $# -gt 0 ]; do
  case $1 in
    --profile) profile=${2:?--profile needs a value}; shift 2 ;;
    --profile=*) profile=${1#*=}; shift ;;
    --target) triple=${2:?--target needs a target triple}; shift 2 ;;
    --target=*) triple=${1#*=}; shift ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --out=*) out=${1#*=}; shift ;;
    -h | --help) sed -n '2,26s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "build-deb: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

target=${CARGO_TARGET_DIR:-target}
out=${out:-$target/debian}
target_args=()
[ -n "$triple" ] && target_args=(--target "$triple")
products=$target${triple:+/$triple}
deb_env=()
deb_args=()
case $profile in
  release)
    echo "== build-deb: cargo build --release ${target_args[*]}" >&2
    cargo build --locked --release ${target_args[@]+"${target_args[@]}"} --bin tlscheck
    products=$products/release
    ;;
  dev | debug)
    profile=dev
    bin=$products/debug/tlscheck
    if [ ! -x "$bin" ]; then
      echo "== build-deb: $bin is missing; cargo build ${target_args[*]}" >&2
      cargo build --locked ${target_args[@]+"${target_args[@]}"} --bin tlscheck
    fi
    # cargo-deb warns that packaging the dev profile will become an error, so the debug binary is
    # handed to it as a release build: copied to <target>/deb-dev/release/ and that directory
    # given as the target directory (cargo-deb strips the binary it packages).
    stage=$target/deb-dev
    rm -rf "$stage"
    products=$stage${triple:+/$triple}/release
    mkdir -p "$products"
    cp "$bin" "$products/tlscheck"
    deb_env=(CARGO_TARGET_DIR="$stage")
    deb_args=(--strip)
    ;;
  *) echo "build-deb: --profile must be release or dev, not '$profile'" >&2; exit 2 ;;
esac
bin=$products/tlscheck

# The generated assets, where [package.metadata.deb] assets look for them ("target/release/" is
# cargo-deb's name for <target>/[<triple>/]release/).
assets=$products/deb-assets
rm -rf "$assets"
mkdir -p "$assets/man" "$assets/completions"
"$bin" man --out-dir "$assets/man"
"$bin" completions bash >"$assets/completions/tlscheck.bash"
"$bin" completions zsh >"$assets/completions/_tlscheck"
"$bin" completions fish >"$assets/completions/tlscheck.fish"
for f in "$assets/man/tlscheck.1" "$assets/man/tlscheck-mx.1" "$assets"/completions/*; do
  [ -s "$f" ] || { echo "build-deb: $f is missing or empty" >&2; exit 1; }
done
# Debian wants man pages gzipped (-n: no name or time stamp, so the bytes depend on the text only).
gzip -9n "$assets"/man/*.1

# /usr/share/doc/tlscheck/copyright in Debian's machine-readable format: the MIT text in full, the
# Apache licence by reference to /usr/share/common-licenses (and LICENSE-APACHE beside it).
{
  echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
  echo "Upstream-Name: tlscheck"
  echo
  echo "Files: *"
  echo "Copyright: $(sed -n 's/^Copyright (c) //p' LICENSE-MIT)"
  echo "License: MIT or Apache-2.0"
  echo
  echo "License: MIT"
  sed -e '1,/^Copyright/d' -e 's/^$/./' -e 's/^/ /' LICENSE-MIT | sed '1{/^ \.$/d}'
  echo
  echo "License: Apache-2.0"
  echo " On Debian systems, the full text of the Apache License, Version 2.0 is in"
  echo " /usr/share/common-licenses/Apache-2.0 and in /usr/share/doc/tlscheck/LICENSE-APACHE."
} >"$assets/copyright"

if ! cargo deb --version >/dev/null 2>&1; then
  echo "== build-deb: cargo-deb is missing; cargo install --locked cargo-deb --version $cargo_deb_version" >&2
  cargo install --locked cargo-deb --version "$cargo_deb_version"
fi

mkdir -p "$out"
echo "== build-deb: cargo deb --no-build ${target_args[*]}" >&2
# cargo-deb prints the path of the package it wrote on its last line of standard output.
deb=$(env ${deb_env[@]+"${deb_env[@]}"} cargo deb --locked --no-build ${target_args[@]+"${target_args[@]}"} \
  ${deb_args[@]+"${deb_args[@]}"} --output "$out" | tail -n 1)
if [ ! -f "$deb" ]; then
  echo "build-deb: cargo deb did not report the package it wrote (got '$deb')" >&2
  exit 1
fi
size=$(stat -c %s "$deb")
echo "built $deb ($size bytes, $(awk -v s="$size" 'BEGIN { printf "%.1f MiB", s / 1048576 }'), profile $profile)"
