#!/usr/bin/env python3
"""MTA-STS policy host of the tlscheck lab (HTTPS, standard library only, loopback only).

  mtasts_server.py ADDR PORT CHAIN KEY DIR PIDFILE DOMAIN...

Listens on ADDR:PORT (a loopback address) with the certificate chain CHAIN (leaf first) and
its key KEY, and answers GET/HEAD of /.well-known/mta-sts.txt (RFC 8461 section 3.3) for the
host mta-sts.DOMAIN of each DOMAIN given, routed by the Host header:

  DIR/DOMAIN.redirect   present: 301 with its first line as Location (no body)
  DIR/DOMAIN.txt        the policy, sent as it is (CRLF or LF, byte for byte)
  DIR/DOMAIN.type       Content-Type (default "text/plain; charset=utf-8")

Anything else (another host, another path, a domain not given) gets 404. The files are read on
every request, so a changed policy shows at once. One thread per connection; the TLS handshake
happens in that thread (with a timeout), so a silent client blocks nobody. Writes its pid to
PIDFILE once listening, drops to user nobody when started as root (after binding and loading
the key), and logs one line per request or failed handshake to stderr.
"""
import http.server
import os
import socketserver
import ssl
import sys
import time
import urllib.parse

POLICY_PATH = "/.well-known/mta-sts.txt"
DEFAULT_TYPE = "text/plain; charset=utf-8"


def log(msg):
    sys.stderr.write("%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), msg))
    sys.stderr.flush()


def is_loopback(addr):
    return addr == "::1" or addr.startswith("127.")


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, addr, ctx, domains, directory):
        self.ctx, self.domains, self.directory = ctx, domains, directory
        super().__init__(addr, Handler)

    def server_bind(self):
        if not is_loopback(self.server_address[0]):
            raise SystemExit("refusing to listen on non-loopback address %s" % self.server_address[0])
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        # Runs in the connection's thread: TLS handshake here, not in the accept loop.
        request.settimeout(10)
        try:
            tls = self.ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            log("%s TLS handshake failed: %s" % (client_address[0], e))
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        log("%s error: %s" % (client_address[0], sys.exc_info()[1]))


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "tlscheck-lab-mtasts/1"
    sys_version = ""

    def log_message(self, fmt, *args):
        log("%s host=%s %s" % (self.client_address[0], self.headers.get("Host", "-") if self.headers else "-",
                               fmt % args))

    def answer(self, head):
        host = (self.headers.get("Host") or "").strip().lower()
        if host.startswith("["):
            host = host.partition("]")[0] + "]"
        else:
            host = host.partition(":")[0]
        host = host.rstrip(".")
        path = urllib.parse.urlsplit(self.path).path
        domain = host[len("mta-sts."):] if host.startswith("mta-sts.") else None
        if domain not in self.server.domains or path != POLICY_PATH:
            self.send_error(404)
            return
        base = os.path.join(self.server.directory, domain)
        if os.path.isfile(base + ".redirect"):
            with open(base + ".redirect") as f:
                location = f.readline().strip()
            self.send_response(301)
            self.send_header("Location", location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            with open(base + ".txt", "rb") as f:
                body = f.read()
        except OSError:
            self.send_error(404)
            return
        ctype = DEFAULT_TYPE
        if os.path.isfile(base + ".type"):
            with open(base + ".type") as f:
                ctype = f.readline().strip()
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def do_GET(self):
        self.answer(False)

    def do_HEAD(self):
        self.answer(True)


def main(argv):
    if len(argv) < 8:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    addr, port, chain, key, directory, pidfile = argv[1], int(argv[2]), *argv[3:7]
    domains = {d.lower().rstrip(".") for d in argv[7:]}
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(chain, key)
    server = Server((addr, port), ctx, domains, os.path.abspath(directory))
    # The pid file once listening (as the lab's other servers), before dropping privileges.
    tmp = pidfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.replace(tmp, pidfile)
    if os.getuid() == 0:
        import pwd
        pw = pwd.getpwnam("nobody")
        os.setgroups([])
        os.setgid(pw.pw_gid)
        os.setuid(pw.pw_uid)
    log("listening on %s:%d (pid %d), domains: %s" % (addr, port, os.getpid(), " ".join(sorted(domains))))
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
