#!/usr/bin/env bash
# The install step of the GitHub Action (action.yml): puts tlscheck on the job's PATH.
#
# When the version is a release tag (v1.2.3), it downloads that release's archive for the
# runner (RUNNER_OS, RUNNER_ARCH -> the target triple in the asset name, as release.yml names
# them), checks it against the release's SHA256SUMS, and unpacks the binary: a few seconds. When
# the version is no release tag (a branch such as main, a commit), or the release has no archive
# for this runner, it builds tlscheck from the action's own sources with
# `cargo install --locked --path ACTION_PATH` instead (installing Rust first when cargo is
# missing): several minutes. A checksum that does not match fails the step; it never falls back.
#
# Environment:
#   TLSCHECK_VERSION            the version to install (the action's `version` input); when empty,
#                               TLSCHECK_ACTION_REF (github.action_ref, e.g. v1.2.3 or main)
#   TLSCHECK_ACTION_REPOSITORY  owner/name whose releases to use (github.action_repository)
#   ACTION_PATH                 the action's checkout (github.action_path). When the two above are
#                               empty (GitHub leaves them empty in some composite-action contexts),
#                               they are read from its layout, .../_actions/OWNER/NAME/REF.
#   RUNNER_OS, RUNNER_ARCH      Linux|macOS|Windows, X64|ARM64
#   RUNNER_TEMP, GITHUB_PATH    where to install (RUNNER_TEMP/tlscheck/bin) and the PATH file
#   TLSCHECK_RELEASE_BASE_URL   default https://github.com/OWNER/NAME/releases/download (tests
#                               point it at a file:// directory)
#   TLSCHECK_FALLBACK_CMD       replaces the cargo install fallback (for tests); it gets the
#                               install root in TLSCHECK_ROOT and must put the binary in its bin/
set -euo pipefail

say() { echo "tlscheck install: $*"; }
die() { echo "::error::tlscheck install: $*"; exit 1; }

root=${RUNNER_TEMP:-${TMPDIR:-/tmp}}/tlscheck
bin_dir=$root/bin
action_path=${ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}
repository=${TLSCHECK_ACTION_REPOSITORY:-}
version=${TLSCHECK_VERSION:-${TLSCHECK_ACTION_REF:-}}
if [[ $action_path =~ /_actions/([^/]+)/([^/]+)/([^/]+)/?$ ]]; then
  repository=${repository:-${BASH_REMATCH[1]}/${BASH_REMATCH[2]}}
  version=${version:-${BASH_REMATCH[3]}}
fi
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+ ]] && version=v$version

exe=tlscheck
case ${RUNNER_OS:-}/${RUNNER_ARCH:-} in
  Linux/X64) triple=x86_64-unknown-linux-musl ;;
  Linux/ARM64) triple=aarch64-unknown-linux-musl ;;
  macOS/X64) triple=x86_64-apple-darwin ;;
  macOS/ARM64) triple=aarch64-apple-darwin ;;
  Windows/X64) triple=x86_64-pc-windows-msvc exe=tlscheck.exe ;;
  *) triple= ;;
esac
case $triple in
  *windows*) ext=zip ;;
  *) ext=tar.gz ;;
esac

sha256() {
  if command -v sha256sum >/dev/null; then
    sha256sum "$1" | awk '{ print $1 }'
  else
    shasum -a 256 "$1" | awk '{ print $1 }'
  fi
}

# Downloads the release archive and installs the binary; returns 1 (after saying why) when there
# is nothing to download, so that the caller builds from source. Dies on a checksum mismatch.
install_release() {
  if ! [[ $version =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.+-]*)?$ ]]; then
    say "version '${version:-(none)}' is not a release tag such as v1.2.3"
    return 1
  fi
  if [ -z "$repository" ]; then
    say "the action's repository is unknown (github.action_repository is empty)"
    return 1
  fi
  if [ -z "$triple" ]; then
    say "no released binary for ${RUNNER_OS:-this OS} on ${RUNNER_ARCH:-this architecture}"
    return 1
  fi
  local base=${TLSCHECK_RELEASE_BASE_URL:-https://github.com/$repository/releases/download}
  local name=tlscheck-$version-$triple
  local asset=$name.$ext
  local tmp
  tmp=$(mktemp -d)
  say "downloading $base/$version/$asset"
  if ! curl -fsSL --retry 3 --retry-delay 2 -o "$tmp/SHA256SUMS" "$base/$version/SHA256SUMS"; then
    say "release $version has no SHA256SUMS at $base/$version/"
    return 1
  fi
  local want
  want=$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$tmp/SHA256SUMS")
  if [ -z "$want" ]; then
    say "release $version has no $asset (SHA256SUMS does not list it)"
    return 1
  fi
  if ! curl -fsSL --retry 3 --retry-delay 2 -o "$tmp/$asset" "$base/$version/$asset"; then
    say "could not download $asset from release $version"
    return 1
  fi
  local got
  got=$(sha256 "$tmp/$asset")
  if [ "$got" != "$want" ]; then
    die "$asset does not match release $version's SHA256SUMS (SHA-256 $got, expected $want); not installing it"
  fi
  # (set -e does not apply in a function called in a condition: every step is checked.)
  case $ext in
    zip)
      if command -v unzip >/dev/null; then
        unzip -q "$tmp/$asset" -d "$tmp" || die "could not unpack $asset"
      else
        powershell -NoProfile -Command "Expand-Archive -LiteralPath '$tmp/$asset' -DestinationPath '$tmp'" ||
          die "could not unpack $asset"
      fi
      ;;
    *) tar -xzf "$tmp/$asset" -C "$tmp" || die "could not unpack $asset" ;;
  esac
  [ -f "$tmp/$name/$exe" ] || die "$asset holds no $name/$exe"
  mkdir -p "$bin_dir" && cp "$tmp/$name/$exe" "$bin_dir/$exe" && chmod +x "$bin_dir/$exe" ||
    die "could not install $exe into $bin_dir"
  rm -rf "$tmp"
  local printed
  printed=$("$bin_dir/$exe" --version) || die "the downloaded $exe does not run on this runner"
  [ "$printed" = "tlscheck ${version#v}" ] ||
    die "the downloaded $exe says '$printed', not 'tlscheck ${version#v}'"
  say "installed $asset (SHA-256 checked)"
}

build_from_source() {
  say "building tlscheck from the action's sources with cargo install (takes several minutes)"
  if [ -n "${TLSCHECK_FALLBACK_CMD:-}" ]; then
    TLSCHECK_ROOT=$root bash -c "$TLSCHECK_FALLBACK_CMD"
    return
  fi
  if ! command -v cargo >/dev/null; then
    curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    [ -n "${GITHUB_PATH:-}" ] && echo "$HOME/.cargo/bin" >>"$GITHUB_PATH"
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
  cargo install --locked --path "$action_path" --root "$root"
}

install_release || build_from_source
[ -x "$bin_dir/$exe" ] || die "$bin_dir/$exe is missing after the install"
[ -n "${GITHUB_PATH:-}" ] && echo "$bin_dir" >>"$GITHUB_PATH"
say "$("$bin_dir/$exe" --version) in $bin_dir"
