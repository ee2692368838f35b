#!/usr/bin/env python3
"""Holds every packet of an NFQUEUE queue for a fixed time, then lets it through, in order.

The latency benchmark (bench/latency.sh) runs it inside a network namespace of its own, with
`iptables -A OUTPUT -o lo -j NFQUEUE --queue-num Q`: every loopback packet there (DNS, SMTP,
HTTP, TCP handshakes and ACKs alike) waits DELAY_MS once, so a request and its answer take
2 x DELAY_MS, one round trip. This kernel has no netem; this is its stand-in.

Usage: nfq_delay.py DELAY_MS QUEUE_NUM   (prints READY when bound; runs until killed)
"""
import collections
import select
import sys
import time

from netfilterqueue import COPY_META, NetfilterQueue


def main() -> None:
    delay = float(sys.argv[1]) / 1000.0
    queue_num = int(sys.argv[2])
    held = collections.deque()  # (due, packet): a fixed delay keeps them in order

    def hold(packet) -> None:
        held.append((time.monotonic() + delay, packet))

    nfq = NetfilterQueue()
    # Only the metadata is copied: the packets pass unchanged. A long queue, so a burst of
    # connections is held, not dropped.
    nfq.bind(queue_num, hold, max_len=65536, mode=COPY_META)
    fd = nfq.get_fd()
    print("READY", flush=True)
    while True:
        now = time.monotonic()
        while held and held[0][0] <= now:
            held.popleft()[1].accept()
        timeout = max(0.0, held[0][0] - now) if held else 1.0
        ready, _, _ = select.select([fd], [], [], timeout)
        if ready:
            nfq.run(block=False)


if __name__ == "__main__":
    main()
