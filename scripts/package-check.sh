#!/usr/bin/env bash
# Checks what `cargo package` (and so crates.io) would ship: everything the build needs (the
# sources, Cargo.lock, the README, the licences, and every file the sources include_str! or
# include_bytes!, such as profiles/*.toml and docs/*.md) and nothing it does not (no tests, lab,
# examples, fuzz corpora, benchmarks, scripts, CI files or build output). The list comes from
# `include` in Cargo.toml.
#
# Usage: scripts/package-check.sh [--verify]
#
#   --verify  also run `cargo package --locked`, which builds the packaged crate on its own (lib and
#             binary, debug) the way `cargo install tlscheck` will. Measured on the 2-core CI
#             machine: 50 s when the dependencies are already built for a plain `cargo build`, but
#             after the test run about 3 minutes more, since some 30 crates are rebuilt without
#             the features the dev-dependencies enable. So CI (scripts/test-all.sh) runs only the
#             list check, and the release workflow runs --verify.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "package-check: $*" >&2; exit 1; }

verify=
case ${1:-} in
  "") ;;
  --verify) verify=yes ;;
  -h | --help) sed -n '2,15s/^# \{0,1\}//p' "$0"; exit 0 ;;
  *) echo "package-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

# --allow-dirty: list what a package made from this working copy would hold, committed or not.
list=$(cargo package --locked --list --allow-dirty 2>/dev/null) || {
  cargo package --locked --list --allow-dirty >/dev/null
  fail "cargo package --list failed"
}

bad=$(grep -E '^(tests|fuzz|bench|examples|scripts|target|\.github|\.ci)/|^action\.yml$|(^|/)__pycache__/' <<<"$list" || true)
[ -z "$bad" ] || fail "the package holds files it must not (adjust include in Cargo.toml):
$bad"

required=(Cargo.toml Cargo.lock README.md LICENSE LICENSE-MIT LICENSE-APACHE src/main.rs src/lib.rs)
# Every include_str!/include_bytes! path, relative to the file that names it.
while IFS=: read -r file _ path; do
  required+=("$(realpath -m --relative-to=. "$(dirname "$file")/$path")")
done < <(grep -rnoE 'include_(str|bytes)!\("[^"]+"\)' src | sed -E 's/include_(str|bytes)!\("([^"]+)"\)/\2/')
missing=()
for f in "${required[@]}"; do
  grep -qxF "$f" <<<"$list" || missing+=("$f")
done
[ "${#missing[@]}" = 0 ] || fail "the package lacks files the build needs (adjust include in Cargo.toml): ${missing[*]}"
echo "package-check: $(wc -l <<<"$list") files; none forbidden; the ${#required[@]} required ones are there"

if [ -n "$verify" ]; then
  echo "== package-check: cargo package --locked (builds the packaged crate)"
  cargo package --locked --allow-dirty
fi
