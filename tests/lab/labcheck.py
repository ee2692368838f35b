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
  labcheck.py banner ADDR PORT SECONDS
      What the server sends first in plaintext: "banner LINE", or "silent after SECONDS s"
      (an SMTPS port waits for the client's TLS ClientHello), or "closed".
  labcheck.py fetch URL OUTFILE [POSTFILE]
      HTTP GET (or POST of POSTFILE as application/ocsp-request) without any proxy;
      writes the body to OUTFILE, prints "status CODE type TYPE bytes N". ocsp-get:URL
      sends the request in POSTFILE with GET instead (RFC 6960 A.1: base64 appended to
      URL). The URL's host must be a loopback address.
  labcheck.py connect ADDR PORT
      Prints "open", "refused" or "error: ..." for one TCP connection attempt.
  labcheck.py listeners PORT...
      Every TCP listener and UDP socket on one of these ports (from /proc/net), one a line:
      "loopback ADDR:PORT" or "EXPOSED ADDR:PORT"; exits 1 if any is not on loopback.
  labcheck.py serve-http ADDR PORT DIR PIDFILE
      Static loopback HTTP server for CRLs and CA certificates (GET/HEAD, flat DIR
      only, no listing). Drops to user nobody after binding when started as root.
  labcheck.py serve-ocsp ADDR PORT PIDFILE INDEX CA RSIGNER RKEY
      Loopback HTTP front for OpenSSL's OCSP responder: every request (POST, or GET
      with the base64 request in the path) is answered by one run of
      `openssl ocsp -index INDEX -CA CA -rsigner RSIGNER -rkey RKEY -reqin - -respout -`.
      `openssl ocsp -port` itself cannot be used: it listens on every interface.

wait also takes smtps:ADDR:PORT (TLS at once, then the 220 banner), http:ADDR:PORT:PATH
(GET must answer 200 with a body) and ocsp:ADDR:PORT:REQFILE (POST of REQFILE must answer
200 with a successful OCSP response).
Both servers write their pid to PIDFILE once listening and log one line per request to stderr.
IPv6 addresses are written in brackets: smtp:[::1]:25.
"""
import base64
import http.client
import http.server
import os
import random
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import time
import urllib.parse

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


def smtp_banner(addr, port, timeout=2.0, implicit_tls=False):
    with socket.create_connection((addr, port), timeout=timeout) as s:
        if implicit_tls:
            # SMTPS: TLS at once. Readiness only: the certificate is checked by `check`.
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s)
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
                if kind in ("smtp", "smtps"):
                    addr, port, _ = split_hostport(rest)
                    lines = smtp_banner(addr, port, implicit_tls=(kind == "smtps"))
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
                elif kind == "http":
                    addr, port, path = split_hostport(rest)
                    status, ctype, body = http_request(addr, port, "GET", path or "/", timeout=1.0)
                    if status != 200 or not body:
                        raise RuntimeError("GET %s: HTTP %s, %d bytes" % (path, status, len(body)))
                elif kind == "ocsp":
                    addr, port, reqfile = split_hostport(rest)
                    with open(reqfile, "rb") as f:
                        req = f.read()
                    status, ctype, body = http_request(addr, port, "POST", "/", req,
                                                       "application/ocsp-request", timeout=2.0)
                    if status != 200 or ctype != OCSP_RESPONSE_TYPE or ocsp_response_status(body) != 0:
                        raise RuntimeError("POST: HTTP %s, %s, OCSP responseStatus %s"
                                           % (status, ctype, ocsp_response_status(body)))
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


def cmd_banner(args):
    addr, port, seconds = args[0], int(args[1]), float(args[2])
    with socket.create_connection((addr, port), timeout=5) as s:
        s.settimeout(seconds)
        try:
            data = s.recv(512)
        except socket.timeout:
            print("silent after %gs" % seconds)
            return 0
    if not data:
        print("closed")
    else:
        print("banner " + data.decode("utf-8", "replace").splitlines()[0])
    return 0


# ---------------------------------------------------------------------------- HTTP

OCSP_RESPONSE_TYPE = "application/ocsp-response"
# OCSPResponse { responseStatus malformedRequest(1) }, what a responder answers to garbage.
OCSP_MALFORMED = bytes.fromhex("3003 0a01 01")
MAX_BODY = 1 << 20


def http_request(addr, port, method, path, body=None, ctype=None, timeout=5.0, host=None):
    """One plain HTTP request straight to addr:port (never through a proxy)."""
    conn = http.client.HTTPConnection(addr, port, timeout=timeout)
    try:
        headers = {"Host": host or addr, "Connection": "close"}
        if ctype:
            headers["Content-Type"] = ctype
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.getheader("Content-Type", ""), resp.read(MAX_BODY)
    finally:
        conn.close()


def ocsp_response_status(der):
    """responseStatus of a DER OCSPResponse (0 = successful), None if it is not one."""
    try:
        if der[0] != 0x30:
            return None
        off = 2 + (der[1] & 0x7F if der[1] & 0x80 else 0)
        if der[off:off + 2] != b"\x0a\x01":
            return None
        return der[off + 2]
    except IndexError:
        return None


def cmd_fetch(args):
    url, out = args[0], args[1]
    post = None
    if len(args) > 2:
        with open(args[2], "rb") as f:
            post = f.read()
    method, ctype = ("POST", "application/ocsp-request") if post is not None else ("GET", None)
    if url.startswith("ocsp-get:"):
        url = url[len("ocsp-get:"):]
        with open(args[2], "rb") as f:
            req = f.read()
        url = url.rstrip("/") + "/" + urllib.parse.quote(base64.b64encode(req).decode(), safe="")
        method, post, ctype = "GET", None, None
    u = urllib.parse.urlsplit(url)
    if u.scheme != "http" or not u.hostname or not ip_is_loopback(u.hostname):
        print("error: only http:// URLs with a loopback address", file=sys.stderr)
        return 2
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    try:
        status, rtype, body = http_request(u.hostname, u.port or 80, method, path, post, ctype,
                                           host=u.netloc)
    except OSError as e:
        print("error: %s: %s" % (type(e).__name__, e))
        return 1
    with open(out, "wb") as f:
        f.write(body)
    print("status %d type %s bytes %d" % (status, rtype or "-", len(body)))
    return 0 if status == 200 else 1


def cmd_connect(args):
    addr, port = args[0], int(args[1])
    try:
        with socket.create_connection((addr, port), timeout=3):
            print("open")
    except ConnectionRefusedError:
        print("refused")
    except OSError as e:
        print("error: %s: %s" % (type(e).__name__, e))
    return 0


def proc_net_sockets(kind):
    """(address, port, state) of every socket in /proc/net/<kind> (tcp, tcp6, udp, udp6)."""
    out = []
    try:
        with open("/proc/net/" + kind) as f:
            rows = f.read().splitlines()[1:]
    except OSError:
        return out
    for row in rows:
        local, state = row.split()[1], row.split()[3]
        hexaddr, hexport = local.split(":")
        raw = bytes.fromhex(hexaddr)
        if len(raw) == 4:
            addr = socket.inet_ntop(socket.AF_INET, raw[::-1])
        else:  # four host-order 32-bit words
            addr = socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4)))
        out.append((addr, int(hexport, 16), state))
    return out


def cmd_listeners(args):
    ports = {int(p) for p in args}
    exposed = 0
    for kind in ("tcp", "tcp6", "udp", "udp6"):
        for addr, port, state in proc_net_sockets(kind):
            if port not in ports or (kind.startswith("tcp") and state != "0A"):  # 0A = LISTEN
                continue
            ok = ip_is_loopback(addr) or addr.startswith("::ffff:127.")
            exposed += not ok
            print("%s %s %s:%d" % ("loopback" if ok else "EXPOSED", kind, addr, port))
    return 1 if exposed else 0


class LabHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def server_bind(self):
        # Loopback only, and never an IPv4-mapped dual-stack wildcard.
        if not ip_is_loopback(self.server_address[0]):
            raise SystemExit("refusing to listen on non-loopback address %s" % self.server_address[0])
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]


def ip_is_loopback(addr):
    return addr == "::1" or addr.startswith("127.")


class Quiet:
    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"),
                                          self.client_address[0], fmt % args))
        sys.stderr.flush()


CONTENT_TYPES = {".crl": "application/pkix-crl", ".crt": "application/pkix-cert",
                 ".cer": "application/pkix-cert", ".der": "application/pkix-cert",
                 ".pem": "application/x-pem-file", ".p7c": "application/pkcs7-mime"}


def file_handler(directory):
    class Handler(Quiet, http.server.BaseHTTPRequestHandler):
        server_version = "tlscheck-lab-pki/1"
        sys_version = ""

        def send_file(self, head):
            name = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
            path = os.path.join(directory, name)
            if not name or "/" in name or name.startswith(".") or not os.path.isfile(path):
                self.send_error(404)
                return
            with open(path, "rb") as f:
                data = f.read()
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPES.get(os.path.splitext(name)[1],
                                                               "application/octet-stream"))
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Last-Modified", self.date_time_string(int(os.path.getmtime(path))))
            self.end_headers()
            if not head:
                self.wfile.write(data)

        def do_GET(self):
            self.send_file(False)

        def do_HEAD(self):
            self.send_file(True)

    return Handler


def ocsp_handler(openssl_cmd):
    class Handler(Quiet, http.server.BaseHTTPRequestHandler):
        server_version = "tlscheck-lab-ocsp/1"
        sys_version = ""

        def answer(self, req):
            resp, why = OCSP_MALFORMED, "malformed request"
            if req:
                try:
                    p = subprocess.run(openssl_cmd, input=req, capture_output=True, timeout=10)
                    if p.returncode == 0 and ocsp_response_status(p.stdout) is not None:
                        resp, why = p.stdout, "openssl ocsp answered"
                    else:
                        why = "openssl ocsp: " + p.stderr.decode("utf-8", "replace").strip().split("\n")[0]
                except subprocess.TimeoutExpired:
                    why = "openssl ocsp timed out"
            self.log_message("%s (%d bytes)", why, len(resp))
            self.send_response(200)
            self.send_header("Content-Type", OCSP_RESPONSE_TYPE)
            self.send_header("Content-Length", str(len(resp)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(resp)

        def do_POST(self):
            try:
                n = int(self.headers.get("Content-Length", "0"))
            except ValueError:
                n = -1
            if n < 0 or n > 65536:
                self.send_error(413 if n > 0 else 411)
                return
            self.answer(self.rfile.read(n))

        def do_GET(self):
            enc = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
            try:
                req = base64.b64decode(enc, validate=True) if enc else b""
            except ValueError:
                req = b""
            self.answer(req)

        do_HEAD = do_GET

    return Handler


def serve(addr, port, pidfile, handler, drop_to=None):
    server = LabHTTPServer((addr, port), handler)
    tmp = pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(tmp, pidfile)
    if drop_to and os.getuid() == 0:
        import pwd
        pw = pwd.getpwnam(drop_to)
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    sys.stderr.write("%s listening on %s:%d (pid %d)\n"
                     % (time.strftime("%Y-%m-%dT%H:%M:%S"), addr, port, os.getpid()))
    sys.stderr.flush()
    server.serve_forever()


def cmd_serve_http(args):
    addr, port, directory, pidfile = args[0], int(args[1]), os.path.abspath(args[2]), args[3]
    serve(addr, port, pidfile, file_handler(directory), drop_to="nobody")


def cmd_serve_ocsp(args):
    addr, port, pidfile, index, ca, rsigner, rkey = args[0], int(args[1]), *args[2:7]
    cmd = ["openssl", "ocsp", "-index", index, "-CA", ca, "-rsigner", rsigner, "-rkey", rkey,
           "-nmin", "60", "-reqin", "-", "-respout", "-"]
    serve(addr, port, pidfile, ocsp_handler(cmd))


COMMANDS = {"wait": cmd_wait, "dns": cmd_dns, "smtp": cmd_smtp, "banner": cmd_banner, "fetch": cmd_fetch,
            "connect": cmd_connect, "listeners": cmd_listeners, "serve-http": cmd_serve_http, "serve-ocsp": cmd_serve_ocsp}


def main(argv):
    if len(argv) < 2 or argv[1] not in COMMANDS:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return COMMANDS[argv[1]](argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
