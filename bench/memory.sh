#!/usr/bin/env bash
# Memory benchmark: the peak RSS of `tlscheck mx <case>.mem.test` against the hostile loopback
# servers of examples/hostile_lab.rs (huge lines, endless replies, dripping banners, huge chains
# and certificates, an endless CRL), and its growth with the number of addresses probed (1, 16
# and 64 addresses of the `endless`, of the 100,000-line greeting and of the `fat` behaviour, a
# complete session whose 64 KB greeting and EHLO reply are kept in the report), so the docs can
# state a bound per address. Every run uses --timeout 3.
# Prints one row per case: addresses probed, mean wall time, max RSS over the runs, verdict and
# first finding code; then the growth per address and the baseline (the `good` case).
# Usage: bench/memory.sh [RUNS]   (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
TIMEOUT=3

cargo build --release --quiet --bin tlscheck --example hostile_lab
BIN=target/release/tlscheck
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tlscheck-memory.XXXXXX")

coproc LAB { exec target/release/examples/hostile_lab; }
LAB_PID_SAVED=$!  # bash unsets LAB_PID (and LAB) once the coprocess has exited
cleanup() {
  # Closing its standard input stops the lab (it removes its trust directory); kill it if not.
  local fd=${LAB[1]:-}
  if [ -n "$fd" ]; then exec {fd}>&-; fi
  for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$LAB_PID_SAVED" 2>/dev/null || break; sleep 0.1; done
  kill "$LAB_PID_SAVED" 2>/dev/null || true
  wait "$LAB_PID_SAVED" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ready=""
lab_out=${LAB[0]:-}
if [ -n "$lab_out" ]; then read -r -t 60 ready dns port trust <&"$lab_out" || true; fi
[ "$ready" = READY ] || { echo "lab did not start" >&2; exit 1; }

CASES=(good line10mb lines100k endless drip chain100 chain200 cert5mb crlendless
       scale1 scale16 scale64 bigscale1 bigscale16 bigscale64 fat fatscale16 fatscale64)

# One run of one case: appends "wall_s maxrss_kb" to $WORK/<case>.time, keeps the JSON report.
run() {
  local case=$1 extra
  if [ "$case" = crlendless ]; then extra=--allow-private-fetch; else extra=--no-revocation; fi
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" mx "$case.mem.test" --resolver "$dns" \
    --port "$port" --trust "$trust" --timeout "$TIMEOUT" "$extra" \
    --format json -o "$WORK/$case.json" >/dev/null 2>"$WORK/$case.stderr" || true
  tail -n 1 "$WORK/time" >> "$WORK/$case.time"
}

# "addresses verdict first-finding" from a JSON report.
summary() {
  python3 - "$1" <<'EOF'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print("? no-report -")
    sys.exit(0)
n = sum(len(h.get("addresses") or []) for t in r.get("targets", []) for h in t.get("hosts") or [])
findings = r.get("findings") or []
print(n, r.get("verdict", "?"), findings[0].get("code", "?") if findings else "-")
EOF
}

declare -A RSS
printf '%-11s %9s %7s %11s  %-12s %s\n' case addresses wall_s max_rss_MB verdict first_finding
for case in "${CASES[@]}"; do
  : > "$WORK/$case.time"
  for _ in $(seq "$RUNS"); do run "$case"; done
  read -r addresses verdict finding < <(summary "$WORK/$case.json")
  wall=$(awk '{ s += $1 } END { printf "%.2f", s / NR }' "$WORK/$case.time")
  rss=$(awk '$2 > m { m = $2 } END { print m + 0 }' "$WORK/$case.time")
  RSS[$case]=$rss
  printf '%-11s %9s %7s %11s  %-12s %s\n' "$case" "$addresses" "$wall" \
    "$(awk -v k="$rss" 'BEGIN { printf "%.1f", k / 1024 }')" "$verdict" "$finding"
done

growth() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 63 }'; }
echo
echo "runs per case: $RUNS, --timeout $TIMEOUT; RSS is the max over the runs (GNU time %M)"
echo "growth, endless EHLO reply:    $(growth "${RSS[scale1]}" "${RSS[scale64]}") kB per address ((scale64 - scale1) / 63)"
echo "growth, 100k-line greeting:    $(growth "${RSS[bigscale1]}" "${RSS[bigscale64]}") kB per address ((bigscale64 - bigscale1) / 63)"
echo "growth, fat complete session:  $(growth "${RSS[fat]}" "${RSS[fatscale64]}") kB per address ((fatscale64 - fat) / 63; 99-line 64 KB greeting and EHLO kept)"
echo "baseline (good, 1 address):    $(awk -v k="${RSS[good]}" 'BEGIN { printf "%.1f", k / 1024 }') MB"
