#!/usr/bin/env bash
# Latency benchmark: a whole `tlscheck mx` diagnosis measured in round trips. Every loopback
# packet (DNS, SMTP, HTTP, TCP handshakes) is held DELAY_MS once by an NFQUEUE delayer
# (bench/nfq_delay.py; this kernel has no netem), so one round trip (RTT) is 2 x DELAY_MS. All of
# it runs in a network namespace of its own, so nothing else on the machine is slowed: the lab
# (examples/loopback_lab.rs, servers answering at once), the delayer and tlscheck.
#
# Packets are held on the way in (INPUT), after the loopback device has released them from the
# sending socket. Held on the way out (OUTPUT) they would still count against the sender's TCP
# small-queue budget, and a second segment sent within DELAY_MS (the EHLO right after the TLS
# Finished) would wait for the first to be let through: a round trip no real network adds (netem
# detaches its packets from the socket for the same reason).
#
# The wall time is taken inside the namespace, around the tlscheck process alone (not `ip netns
# exec`), so it includes the process's start and exit.
#
# Prints, per case, the wall time of the run in RTT multiples (the median, the mean and each
# run's) and, from the JSON report, the phases of the slowest address (connect, banner, EHLO,
# STARTTLS, handshake, session total) and the time outside that session, in RTT, averaged over
# RUNS runs. The CPU work of a run (tlscheck, the lab's servers and the delayer share the
# machine) is 15-25 ms on the 2-core build VM and varies with the host: at 40 ms RTT that moves a
# run by up to half an RTT, so the median is the figure to quote, and a larger DELAY_MS shows the
# round trips more plainly.
# Cases: the one-MX domain one.bench.test, with and without revocation, and bench.test (3 MX
# hosts x 2 addresses). BENCH_BIN measures another build.
#
# Needs root, iptables and the Python NetfilterQueue module (apt-get install iptables
# libnetfilter-queue-dev python3-dev; pip install NetfilterQueue).
# Usage: sudo bench/latency.sh [DELAY_MS] [RUNS]   (default 20 ms per packet = 40 ms RTT, 5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
DELAY_MS=${1:-20}
RUNS=${2:-5}
NS=tlscheck-latency-$$
QUEUE=7

[ "$(id -u)" = 0 ] || { echo "latency: needs root (network namespace, iptables)" >&2; exit 1; }
command -v iptables >/dev/null || { echo "latency: needs iptables (apt-get install iptables)" >&2; exit 1; }
python3 -c 'import netfilterqueue' 2>/dev/null ||
  { echo "latency: needs the Python NetfilterQueue module (pip install NetfilterQueue)" >&2; exit 1; }

cargo build --release --quiet --bin tlscheck --example loopback_lab
BIN=$(realpath "${BENCH_BIN:-target/release/tlscheck}")
TMP=$(mktemp -d)
ip netns add "$NS"
cleanup() {
  # Every process in the namespace (the lab, the delayer under `ip netns exec`), then it.
  ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns delete "$NS" 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT
in_ns() { ip netns exec "$NS" "$@"; }
in_ns ip link set lo up
in_ns iptables -A INPUT -i lo -j NFQUEUE --queue-num "$QUEUE"

# The network and the servers on one CPU, tlscheck on the other: on a 2-core machine, sharing
# both made a run wait for the delayer and the lab's servers (they all wake at the same moments),
# which says nothing about tlscheck. With more cores each side keeps the same split.
NCPU=$(nproc)
SERVER_CPUS=$((NCPU / 2))-$((NCPU - 1))
CLIENT_CPUS=0-$((NCPU / 2 - 1))
[ "$NCPU" -ge 2 ] || { SERVER_CPUS=0; CLIENT_CPUS=0; }
coproc DELAY { in_ns taskset -c "$SERVER_CPUS" python3 bench/nfq_delay.py "$DELAY_MS" "$QUEUE"; }
read -r ready <&"${DELAY[0]}"
[ "$ready" = READY ] || { echo "latency: the delayer did not start" >&2; exit 1; }
coproc LAB { in_ns taskset -c "$SERVER_CPUS" target/release/examples/loopback_lab --delay-ms 0; }
read -r ready dns port trust <&"${LAB[0]}"
[ "$ready" = READY ] || { echo "latency: the lab did not start" >&2; exit 1; }

rtt_ms=$((2 * DELAY_MS))
run_once() { # run_once DOMAIN [args...]: one diagnosis into $TMP/r.json; prints its wall ms
  local domain=$1; shift
  in_ns taskset -c "$CLIENT_CPUS" python3 -c 'import subprocess, sys, time
t = time.monotonic(); subprocess.run(sys.argv[1:], check=False); print((time.monotonic() - t) * 1000)' \
    "$BIN" mx "$domain" --resolver "$dns" --port "$port" --trust "$trust" \
    --allow-private-fetch --no-policy --ehlo bench.tlscheck.test --format json -o "$TMP/r.json" "$@"
}

measure() { # measure LABEL DOMAIN [args...]: prints one line of RTT multiples
  local label=$1 domain=$2; shift 2
  : > "$TMP/lines"
  for _ in $(seq "$RUNS"); do
    local wall
    wall=$(run_once "$domain" "$@")
    python3 - "$TMP/r.json" "$wall" "$rtt_ms" >> "$TMP/lines" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); wall = float(sys.argv[2]); rtt = float(sys.argv[3])
addrs = [a for t in r["targets"] for h in t["hosts"] for a in h["addresses"]]
slow = max(addrs, key=lambda a: a["timings_ms"].get("total") or 0)
t = slow["timings_ms"]
phases = [t.get(k) for k in ("connect", "banner", "ehlo", "starttls", "handshake", "total")]
print(wall / rtt, *[(p or 0) / rtt for p in phases], r["verdict"], len(addrs))
PY
  done
  python3 - "$label" "$rtt_ms" "$TMP/lines" <<'PY'
import statistics, sys
label, rtt, path = sys.argv[1], float(sys.argv[2]), sys.argv[3]
rows = [line.split() for line in open(path) if line.strip()]
col = lambda i: [float(r[i]) for r in rows]
mean = lambda i: statistics.mean(col(i))
walls = col(0)
print(f"  {label:<36} {statistics.median(walls):5.2f} RTT whole run, median ({rtt * statistics.median(walls):4.0f} ms;"
      f" mean {statistics.mean(walls):.2f}; runs: {' '.join(f'{w:.2f}' for w in walls)})")
print(f"  {'':<36} slowest address: connect {mean(1):.2f}, banner {mean(2):.2f}, EHLO {mean(3):.2f},"
      f" STARTTLS {mean(4):.2f}, handshake {mean(5):.2f}, session {mean(6):.2f} RTT; outside it (start, DNS,"
      f" revocation after the session, exit) {mean(0) - mean(6):.2f} RTT   [{rows[-1][8]} addresses, {rows[-1][7]}]")
PY
}

echo "tlscheck latency benchmark: ${DELAY_MS} ms per packet (RTT $rtt_ms ms), $RUNS runs each, $(basename "$BIN") $("$BIN" --version | cut -d' ' -f2)"
echo "  network floor: --no-revocation 8 RTT (DNS 2, connect and banner 2, EHLO, STARTTLS, TLS 1.3, EHLO after TLS); full 9 RTT (+ CRL/OCSP connect and request from the handshake on)"
# Warm-up, not measured: whichever case came first read 0.5-0.8 RTT slower over its first few
# seconds on the 2-core VM (the lab, the delayer and the CPUs settling), whatever the case was.
for _ in 1 2 3 4 5 6 7 8; do run_once bench.test > /dev/null; done
measure "one MX, full" one.bench.test
measure "one MX, --no-revocation" one.bench.test --no-revocation
measure "3 MX x 2 addresses, full" bench.test
measure "3 MX x 2 addresses, --no-revocation" bench.test --no-revocation
