#!/usr/bin/env bash
# Builds the Debian package (scripts/build-deb.sh), installs it with dpkg, checks what it
# installed, runs one real check with the installed /usr/bin/tlscheck against the lab's modern
# Postfix (tests/lab), and removes the package again, also when a step fails.
#
# Usage: sudo scripts/deb-check.sh [--profile dev|release]
#
# The default profile is dev: the debug binary the last cargo test or build left, stripped (see
# build-deb.sh; a release build takes about 6 minutes on the 2-core CI machine).
# scripts/test-all.sh runs this after the test suite, while the lab still runs.
#
# Needs root (dpkg -i, dpkg -r) and a running lab (sudo tests/lab/lab.sh start). Without either it
# fails with the reason: it never passes by skipping. It refuses to run when a tlscheck package or
# a /usr/bin/tlscheck is already there, so it never replaces or removes someone's installation.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "deb-check: $*" >&2; exit 1; }

profile=dev
while [ $# -gt 0 ]; do
  case $1 in
    --profile) profile=${2:?--profile needs a value}; shift 2 ;;
    --profile=*) profile=${1#*=}; shift ;;
    -h | --help) sed -n '2,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "deb-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

[ "$(id -u)" = 0 ] || fail "needs root to install and remove the package (dpkg -i, dpkg -r); run it with sudo"
command -v dpkg >/dev/null || fail "dpkg not found: this check needs Debian or Ubuntu"
if dpkg-query -W -f='${Status}' tlscheck 2>/dev/null | grep -q 'install ok'; then
  fail "a tlscheck package is already installed; remove it first (dpkg -r tlscheck)"
fi
[ ! -e /usr/bin/tlscheck ] || fail "/usr/bin/tlscheck exists and belongs to no tlscheck package; move it away first"
bash tests/lab/lab.sh status >/dev/null ||
  fail "the lab is not (fully) running: start it with 'sudo tests/lab/lab.sh install && sudo tests/lab/lab.sh start' (status: tests/lab/lab.sh status)"

out=$(mktemp -d)
installed=
cleanup() {
  if [ -n "$installed" ]; then
    echo "== deb-check: dpkg -r tlscheck"
    dpkg -r tlscheck >/dev/null || echo "deb-check: dpkg -r tlscheck failed; remove the package by hand" >&2
  fi
  rm -rf "$out"
}
trap cleanup EXIT

bash scripts/build-deb.sh --profile "$profile" --out "$out"
debs=("$out"/tlscheck_*.deb)
[ "${#debs[@]}" = 1 ] && [ -f "${debs[0]}" ] || fail "expected one tlscheck_*.deb in $out, found: ${debs[*]}"
deb=${debs[0]}

echo "== deb-check: contents of $(basename "$deb")"
contents=$(dpkg-deb -c "$deb" | awk '{ print $NF }')
for f in ./usr/bin/tlscheck ./usr/share/man/man1/tlscheck.1.gz ./usr/share/man/man1/tlscheck-mx.1.gz \
  ./usr/share/man/man1/tlscheck-host.1.gz ./usr/share/bash-completion/completions/tlscheck \
  ./usr/share/zsh/vendor-completions/_tlscheck ./usr/share/fish/vendor_completions.d/tlscheck.fish \
  ./usr/share/doc/tlscheck/README.md ./usr/share/doc/tlscheck/copyright ./usr/share/doc/tlscheck/LICENSE \
  ./usr/share/doc/tlscheck/LICENSE-MIT ./usr/share/doc/tlscheck/LICENSE-APACHE; do
  grep -qxF "$f" <<<"$contents" || fail "the package lacks $f"
done
[ "$(dpkg-deb -f "$deb" Section)" = net ] || fail "the package's Section is not net"

echo "== deb-check: dpkg -i $(basename "$deb")"
installed=yes
dpkg -i "$deb"

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
got=$(/usr/bin/tlscheck --version)
[ "$got" = "tlscheck $version" ] || fail "/usr/bin/tlscheck --version printed '$got', not 'tlscheck $version' (Cargo.toml)"
echo "/usr/bin/tlscheck --version: $got"

# dpkg may be configured to leave out documentation (path-exclude in /etc/dpkg/dpkg.cfg.d, as in
# some container images); the package's contents are checked above, so only check what dpkg kept.
if dpkg -L tlscheck | grep -qx /usr/share/man/man1/tlscheck.1.gz; then
  [ -f /usr/share/man/man1/tlscheck.1.gz ] || fail "dpkg lists /usr/share/man/man1/tlscheck.1.gz but it is not there"
  if command -v man >/dev/null; then
    page=$(man -w tlscheck) || fail "man -w tlscheck found no page"
    echo "man -w tlscheck: $page"
  fi
else
  echo "deb-check: dpkg did not install the man pages (path-exclude in /etc/dpkg/dpkg.cfg.d?); the package holds them"
fi
[ -f /usr/share/bash-completion/completions/tlscheck ] && bash -n /usr/share/bash-completion/completions/tlscheck ||
  fail "the bash completion is missing or is not valid bash"

echo "== deb-check: /usr/bin/tlscheck mx against the lab's modern Postfix"
eval "$(bash tests/lab/lab.sh env)"
/usr/bin/tlscheck mx "$LAB_MODERN_DOMAIN" --resolver "$LAB_DNS" --trust "$LAB_TRUST" --allow-private-fetch \
  --ehlo probe.tlscheck.test --timeout 5 ||
  fail "the installed tlscheck did not pass the lab's modern server (exit code $?)"

cleanup
installed=
trap - EXIT
[ ! -e /usr/bin/tlscheck ] || fail "/usr/bin/tlscheck is still there after dpkg -r tlscheck"
echo "deb-check: passed ($(basename "$deb"), profile $profile)"
