#!/usr/bin/env python3
"""Small probes used by tests/lab/lab.sh (standard library only, loopback only).

  labcheck.py wait TIMEOUT [smtp:ADDR:PORT ...] [dns:ADDR:PORT:NAME:MINANSWERS ...]
      Poll until every SMTP target sends a 220 banner and every DNS target
      answers an MX query for NAME with NOERROR and at least MINANSWERS
      records. Exits 1 after TIMEOUT seconds with one line per failing target.
  labcheck.py dns ADDR PORT NAME TYPE
      One query (TYPE: A, AAAA, MX, TXT or a number); prints the rcode and answers.
  labcheck.py smtp ADDR PORT
      Banner, EHLO, then MAIL FROM before any STARTTLS; prints every reply.

IPv6 addresses are written in brackets: smtp:[::1]:25.
"""
import random
import socket
import struct
import sys
import time

TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "MX": 15, "TXT": 16, "AAAA": 28}
RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def split_hostport(s):
    """'[::1]:25' -> ('::1', '25', rest); '127.0.0.1:25:x' -> ('127.0.0.1', '25', 'x')."""
    if s.startswith("["):
        host, _, rest = s[1:].partition("]:")
    else:
        host, _, rest = s.partition(":")
    port, _, tail = rest.partition(":")
    return host, int(port), tail


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def read_name(msg, off):
    labels, jumped, end = [], False, off
    for _ in range(128):
        n = msg[off]
        if n == 0:
            off += 1
            break
        if n & 0xC0 == 0xC0:
            ptr = struct.unpack("!H", msg[off:off + 2])[0] & 0x3FFF
            if not jumped:
                end = off + 2
            jumped, off = True, ptr
            continue
        labels.append(msg[off + 1:off + 1 + n].decode("ascii", "replace"))
        off += 1 + n
    return (".".join(labels) + "."), (end if jumped else off)


def dns_query(server, port, name, qtype, timeout=2.0):
    qid = random.randrange(65536)
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode("ascii")
    q += b"\0" + struct.pack("!HH", qtype, 1)
    with socket.socket(family(server), socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(q, (server, port))
        while True:
            msg, _ = s.recvfrom(4096)
            if len(msg) >= 12 and struct.unpack("!H", msg[:2])[0] == qid:
                break
    _, flags, qd, an, _, _ = struct.unpack("!HHHHHH", msg[:12])
    off = 12
    for _ in range(qd):
        _, off = read_name(msg, off)
        off += 4
    answers = []
    for _ in range(an):
        rname, off = read_name(msg, off)
        rtype, _, ttl, rdlen = struct.unpack("!HHIH", msg[off:off + 10])
        off += 10
        rdata = msg[off:off + rdlen]
        if rtype == 1:
            text = socket.inet_ntop(socket.AF_INET, rdata)
        elif rtype == 28:
            text = socket.inet_ntop(socket.AF_INET6, rdata)
        elif rtype == 15:
            pref = struct.unpack("!H", rdata[:2])[0]
            text = "%d %s" % (pref, read_name(msg, off + 2)[0])
        elif rtype == 16:
            text = repr(rdata[1:1 + rdata[0]].decode("utf-8", "replace"))
        else:
            text = rdata.hex()
        answers.append((rname, rtype, ttl, text))
        off += rdlen
    return flags & 0xF, answers


def smtp_reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("connection closed after %r" % lines)
        line = line.decode("utf-8", "replace").rstrip("\r\n")
        lines.append(line)
        if len(line) < 4 or line[3] != "-":
            return lines


def smtp_banner(addr, port, timeout=2.0):
    with socket.create_connection((addr, port), timeout=timeout) as s:
        f = s.makefile("rb")
        lines = smtp_reply(f)
        try:
            s.sendall(b"QUIT\r\n")
            smtp_reply(f)
        except OSError:
            pass
        return lines


def cmd_wait(args):
    timeout = float(args[0])
    pending = {t: "not tried yet" for t in args[1:]}
    deadline = time.monotonic() + timeout
    while True:
        for target in list(pending):
            kind, _, rest = target.partition(":")
            try:
                if kind == "smtp":
                    addr, port, _ = split_hostport(rest)
                    lines = smtp_banner(addr, port)
                    if not lines[0].startswith("220"):
                        raise RuntimeError("banner %r" % lines)
                elif kind == "dns":
                    addr, port, tail = split_hostport(rest)
                    name, _, minimum = tail.partition(":")
                    rcode, answers = dns_query(addr, port, name, TYPES["MX"], timeout=1.0)
                    mx = [a for a in answers if a[1] == 15]
                    if rcode != 0 or len(mx) < int(minimum or 1):
                        raise RuntimeError("MX %s: rcode %s, %d MX answers"
                                           % (name, RCODES.get(rcode, rcode), len(mx)))
                else:
                    raise RuntimeError("unknown target kind")
                del pending[target]
            except Exception as e:  # keep polling until the deadline
                pending[target] = "%s: %s" % (type(e).__name__, e)
        if not pending:
            return 0
        if time.monotonic() >= deadline:
            for target, why in sorted(pending.items()):
                print("NOT READY %s -- %s" % (target, why))
            return 1
        time.sleep(0.2)


def cmd_dns(args):
    server, port, name, qtype = args[0], int(args[1]), args[2], args[3].upper()
    rcode, answers = dns_query(server, port, name, TYPES.get(qtype) or int(qtype))
    print("%s %s rcode=%s answers=%d" % (name, qtype, RCODES.get(rcode, rcode), len(answers)))
    for rname, rtype, ttl, text in answers:
        tname = {v: k for k, v in TYPES.items()}.get(rtype, str(rtype))
        print("  %s %d %s %s" % (rname, ttl, tname, text))
    return 0


def cmd_smtp(args):
    addr, port = args[0], int(args[1])
    with socket.create_connection((addr, port), timeout=5) as s:
        f = s.makefile("rb")
        print("S: " + "\nS: ".join(smtp_reply(f)))
        for cmd in ("EHLO probe.lab.test", "MAIL FROM:<probe@lab.test>", "QUIT"):
            print("C: " + cmd)
            s.sendall(cmd.encode() + b"\r\n")
            print("S: " + "\nS: ".join(smtp_reply(f)))
    return 0


def main(argv):
    if len(argv) < 2 or argv[1] not in ("wait", "dns", "smtp"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return {"wait": cmd_wait, "dns": cmd_dns, "smtp": cmd_smtp}[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
