#!/usr/bin/env bash
# Benchmark: `tlscheck mx` over a loopback domain with 3 MX hosts x 2 addresses, each server
# waiting DELAY_MS before every reply (a stand-in for network round trips). Prints the wall and
# CPU time of the whole run, of a single-address probe for comparison, their ratio, and the
# connections the servers accepted. Every leaf names a CRL and an OCSP responder on a loopback
# HTTP server with the same delay: the full run is measured with and without --no-revocation, so
# the difference is the cost of revocation (one round of concurrent HTTP requests).
# Usage: bench/probe.sh [DELAY_MS] [RUNS]; BENCH_ARGS adds options to every run (e.g.
# BENCH_ARGS=--no-mail-probe to measure what the MAIL FROM probe costs).
set -euo pipefail
cd "$(dirname "$0")/.."
DELAY_MS=${1:-50}
RUNS=${2:-5}

cargo build --release --quiet --bin tlscheck --example loopback_lab
BIN=${BENCH_BIN:-target/release/tlscheck}  # BENCH_BIN: another build to compare

coproc LAB { target/release/examples/loopback_lab --delay-ms "$DELAY_MS"; }
trap 'kill "$LAB_PID" 2>/dev/null || true' EXIT
read -r ready dns port trust <&"${LAB[0]}"
[ "$ready" = READY ] || { echo "lab did not start" >&2; exit 1; }

measure() { # prints "wall_s user_s sys_s maxrss_kb" of one run of tlscheck "$@"; keeps its verdict
  # shellcheck disable=SC2086 # BENCH_ARGS: extra options, word-split on purpose
  /usr/bin/time -f "%e %U %S %M" -o /tmp/tlscheck-bench.time "$BIN" "$@" ${BENCH_ARGS:-} --format json -o /tmp/tlscheck-bench.json \
    --ehlo bench.tlscheck.test --trust "$trust" --allow-private-fetch || true
  python3 -c 'import json;print(json.load(open("/tmp/tlscheck-bench.json"))["verdict"])' >> /tmp/tlscheck-bench.verdicts
  tail -n 1 /tmp/tlscheck-bench.time
}
avg() { awk -v col="$1" '{ s += $col } END { printf "%.3f", s / NR }'; }

: > /tmp/tlscheck-bench.verdicts
: > /tmp/tlscheck-bench.full
: > /tmp/tlscheck-bench.one
: > /tmp/tlscheck-bench.norev
for _ in $(seq "$RUNS"); do
  measure mx bench.test --resolver "$dns" --port "$port" >> /tmp/tlscheck-bench.full
done
echo stats >&"${LAB[1]}"
read -r _ _ _ _ _ http <&"${LAB[0]}"
for _ in $(seq "$RUNS"); do
  measure host "127.0.77.11:$port" --resolver "$dns" >> /tmp/tlscheck-bench.one
done
echo stats >&"${LAB[1]}"
read -r _ conns _ shakes _ _ <&"${LAB[0]}"
for _ in $(seq "$RUNS"); do
  measure mx bench.test --resolver "$dns" --port "$port" --no-revocation >> /tmp/tlscheck-bench.norev
done

verdicts=$(sort /tmp/tlscheck-bench.verdicts | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')
addresses=6
full_wall=$(avg 1 < /tmp/tlscheck-bench.full); one_wall=$(avg 1 < /tmp/tlscheck-bench.one)
full_cpu=$(awk '{ s += $2 + $3 } END { printf "%.3f", s / NR }' < /tmp/tlscheck-bench.full)
one_cpu=$(awk '{ s += $2 + $3 } END { printf "%.3f", s / NR }' < /tmp/tlscheck-bench.one)
full_rss=$(avg 4 < /tmp/tlscheck-bench.full)
norev_wall=$(avg 1 < /tmp/tlscheck-bench.norev)
# Each run of the loop made one full run (6 addresses) and one single-address run.
per_address=$(awk -v c="$conns" -v r="$RUNS" -v a="$addresses" 'BEGIN { printf "%.2f", c / (r * (a + 1)) }')

echo "tlscheck probe benchmark: 3 MX hosts x 2 addresses, ${DELAY_MS} ms per server reply, ${RUNS} runs each"
echo "  full run (mx bench.test):    wall ${full_wall} s, cpu ${full_cpu} s, max rss ${full_rss} kB"
echo "  single address (host ...):   wall ${one_wall} s, cpu ${one_cpu} s"
echo "  ratio full/single wall:      $(awk -v a="$full_wall" -v b="$one_wall" 'BEGIN { printf "%.2f", a / b }')"
echo "  verdicts:                    ${verdicts}"
echo "  connections accepted:        ${conns} in all, ${per_address} per address per run (TLS handshakes: ${shakes})"
echo "  full run --no-revocation:    wall ${norev_wall} s; revocation adds $(awk -v a="$full_wall" -v b="$norev_wall" 'BEGIN { printf "%.3f", a - b }') s (${DELAY_MS} ms = one HTTP round)"
echo "  HTTP requests per full run:   $(awk -v h="$http" -v r="$RUNS" 'BEGIN { printf "%.1f", h / r }') (1 CRL shared by 3 leaves x 2 addresses + 1 OCSP query per distinct leaf = 4)"
