#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a fixed time each and reports executions and crashes.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#   FUZZ_JOBS=2 scripts/fuzz.sh 600                      (two targets at a time)
#
# Needs the nightly toolchain (rustup toolchain install nightly) and cargo-fuzz (installed here
# with `cargo install cargo-fuzz` when missing). Each target's corpus lives in fuzz/corpus/TARGET
# (not committed; seeded from fuzz/seeds/TARGET); findings land in fuzz/artifacts/TARGET and the
# libFuzzer log in fuzz/logs/TARGET.log. Exits 1 when any target has a crash, leak, timeout or
# out-of-memory artifact. Commit each regression input as a unit test next to the parser.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
shift || true
all=(smtp_reply ehlo_keywords server_hello cert_summary)
targets=("${@:-${all[@]}}")
jobs=${FUZZ_JOBS:-1}

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "fuzz.sh: the nightly toolchain is needed (rustup toolchain install nightly)" >&2
  exit 2
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install --locked cargo-fuzz
fi

# Limits per target: input length and memory (MB). The parsers must stay far below 2 GB.
max_len() {
  case $1 in
    server_hello | cert_summary) echo 16384 ;;
    *) echo 8192 ;;
  esac
}

echo "building fuzz targets (nightly, sanitizer=address) ..."
cargo +nightly fuzz build

mkdir -p fuzz/logs
run_one() {
  local t=$1
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
  cp -n fuzz/seeds/"$t"/* "fuzz/corpus/$t/" 2>/dev/null || true
  cargo +nightly fuzz run "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$secs" -max_len="$(max_len "$t")" -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 >"fuzz/logs/$t.log" 2>&1 || true
}

running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait || true

failed=0
printf '%-15s %8s %14s %10s %8s %8s\n' target seconds executions exec/s corpus crashes
for t in "${targets[@]}"; do
  log="fuzz/logs/$t.log"
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  crashes=$(find "fuzz/artifacts/$t" -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf '%-15s %8s %14s %10s %8s %8s\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" "$corpus" "$crashes"
  if [ -z "$execs" ] || [ "$crashes" -ne 0 ]; then
    failed=1
    [ -z "$execs" ] && echo "  $t did not finish; see $log" >&2
    find "fuzz/artifacts/$t" -type f | sed 's/^/  artifact: /' >&2
  fi
done
exit $failed
