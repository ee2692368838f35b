#!/usr/bin/env bash
# Benchmark: a batch run (`tlscheck mx -f FILE`) over a loopback lab of many domains on a few mail
# servers (examples/batch_lab.rs): by default 200 domains with their own MX host names, two
# addresses each out of 20 servers, and 200 more whose MX hosts are 10 names shared between them.
# Every server reply and every CRL/OCSP answer waits DELAY_MS (a stand-in for network round trips).
# Prints, per case, domains per second, CPU time per address probe, peak RSS, connections made and
# the most connections open at once to one server (the --per-ip cap, default 4, bounds it).
# Then the ceiling: the same own-names batch with --per-ip and --concurrency raised (RAISED, default
# "--per-ip 16 --concurrency 1024"), to see whether the per-IP cap or the CPU binds; and the
# batch in SHARDS shares (default 3) run one after another with --shard K/N, each with its
# domains/s, so a fleet can be sized per shard (the domains of one address pair are one group).
# Usage: bench/batch.sh [DOMAINS] [DELAY_MS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
DOMAINS=${1:-200}
DELAY_MS=${2:-20}
RUNS=${3:-3}
SERVERS=${SERVERS:-20}
RAISED=${RAISED:---per-ip 16 --concurrency 1024}
SHARDS=${SHARDS:-3}

cargo build --release --quiet --bin tlscheck --example batch_lab
BIN=target/release/tlscheck
TMP=$(mktemp -d)

coproc LAB { target/release/examples/batch_lab --domains "$DOMAINS" --servers "$SERVERS" --delay-ms "$DELAY_MS"; }
trap 'kill "$LAB_PID" 2>/dev/null || true; rm -rf "$TMP"' EXIT
read -r ready dns port trust own shared <&"${LAB[0]}"
[ "$ready" = READY ] || { echo "lab did not start" >&2; exit 1; }

# Sets CONNS and PEAK from the lab (coproc descriptors are not available in subshells).
connections() { echo stats >&"${LAB[1]}"; read -r _ CONNS _ PEAK _ _ <&"${LAB[0]}"; }

# One run: prints "wall_s user_s sys_s maxrss_kb addresses connections peak verdicts".
measure() { # measure FORMAT FILE [extra args...]
  local format=$1 file=$2; shift 2
  connections; local before=$CONNS
  /usr/bin/time -f "%e %U %S %M" -o "$TMP/time" "$BIN" mx -f "$file" --resolver "$dns" --port "$port" \
    --trust "$trust" --allow-private-fetch --ehlo bench.tlscheck.test --format "$format" \
    -o "$TMP/out" "$@" || true
  local addresses verdicts
  # Address probes made: distinct (ip, host name) pairs over all domains' reports.
  addresses=$(python3 - "$TMP/out" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
dec, i, reports = json.JSONDecoder(), 0, []
while i < len(text):
    while i < len(text) and text[i].isspace(): i += 1
    if i >= len(text): break
    obj, i = dec.raw_decode(text, i); reports.append(obj)
seen, verdicts = set(), {}
for r in reports:
    for t in r["targets"]:
        verdicts[t["verdict"]] = verdicts.get(t["verdict"], 0) + 1
        for h in t["hosts"]:
            for a in h["addresses"]:
                seen.add((a["ip"], h["name"].lower()))
print(len(seen), ",".join(f"{k}:{v}" for k, v in sorted(verdicts.items())))
EOF
)
  connections
  echo "$(tail -n 1 "$TMP/time") $addresses $((CONNS - before)) $PEAK"
}

report() { # report LABEL DOMAINS < runs
  awk -v label="$1" -v n="$2" '
    { wall += $1; cpu += $2 + $3; if ($4 > rss) rss = $4; addr = $5; verdicts = $6; conns += $7; peak = $8; runs++ }
    END {
      printf "  %-36s %6.1f domains/s  wall %5.2f s  cpu %5.2f s: %.2f ms per domain, %.2f ms per address probe (%d probes)\n",
        label, n * runs / wall, wall / runs, cpu / runs, 1000 * cpu / runs / n, 1000 * cpu / runs / addr, addr
      printf "  %-36s peak rss %.1f MB  %d connections per run  peak open at one server %d  verdicts %s\n",
        "", rss / 1024, conns / runs, peak, verdicts
    }'
}

for _ in $(seq "$RUNS"); do measure ndjson "$own"; done > "$TMP/own-ndjson"
for _ in $(seq "$RUNS"); do measure json "$own"; done > "$TMP/own-json"
for _ in $(seq "$RUNS"); do measure ndjson "$shared"; done > "$TMP/shared-ndjson"
for _ in $(seq "$RUNS"); do measure ndjson "$own" --no-revocation; done > "$TMP/own-norev"
for k in $(seq "$SHARDS"); do
  measure ndjson "$own" --shard "$k/$SHARDS" > "$TMP/shard-$k"
  # Domains this shard probed: the lines of its ndjson report.
  python3 -c 'import json, sys; print(sum(len(json.loads(l)["targets"]) for l in open(sys.argv[1]) if l.strip()))' \
    "$TMP/out" > "$TMP/shard-$k.n"
done

# After the shards: the lab's "most open at one server" is the highest since it started.
# shellcheck disable=SC2086 # RAISED is a list of options
for _ in $(seq "$RUNS"); do measure ndjson "$own" $RAISED; done > "$TMP/own-raised"
echo "tlscheck batch benchmark: $DOMAINS domains, $SERVERS loopback servers, ${DELAY_MS} ms per reply, $RUNS runs each, $(nproc) cores"
report "own MX names, --format ndjson" "$DOMAINS" < "$TMP/own-ndjson"
report "own MX names, --format json" "$DOMAINS" < "$TMP/own-json"
report "shared MX names, --format ndjson" "$DOMAINS" < "$TMP/shared-ndjson"
report "own MX names, ndjson, no revocation" "$DOMAINS" < "$TMP/own-norev"
report "own MX names, ndjson, $RAISED" "$DOMAINS" < "$TMP/own-raised"
for k in $(seq "$SHARDS"); do
  n=$(cat "$TMP/shard-$k.n")
  if [ "$n" -gt 0 ]; then
    report "shard $k/$SHARDS of own MX names ($n domains)" "$n" < "$TMP/shard-$k"
  else
    echo "  shard $k/$SHARDS of own MX names: no domains (its groups went to other shards)"
  fi
done
