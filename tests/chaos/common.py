"""Shared pieces of the chaos suites: the e2e harness and sink (imported, not copied), a config with
one healthy sink target, a keep-alive load generator, raw misbehaving targets, and /proc readings."""
import http.client
import os
import random
import selectors
import signal
import socket
import struct
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

from harness import Router, fiscal_body, sign, post, raw_exchange, responses, statuses, FISCAL_SECRET  # noqa: E402,F401
from sink import Sink  # noqa: E402,F401

LONG = "--long" in sys.argv


def quiet_sink(default_status=200):
    """A started Sink whose server does not print a traceback for every connection a killed router reset."""
    sink = Sink(default_status)
    sink.server.handle_error = lambda request, address: None
    # http.server writes the head and the body separately: with Nagle on, each answer waits ~40 ms for
    # libcurl's delayed ACK, which caps one connection at ~25 requests/s.
    sink.server.RequestHandlerClass.disable_nagle_algorithm = True
    return sink.start()


def config(targets, routes, settings="", max_body="1MiB"):
    """A config with the `fiscal` hmac source; `targets` maps name -> YAML flow mapping."""
    t = "\n".join("  %s: %s" % (k, v) for k, v in targets.items())
    return """
settings:
  http: { header_timeout: 1s, body_timeout: 2s, keepalive_timeout: 5s }
%s
sources:
  fiscal:
    adapter: hmac
    path: /in/fiscal
    secret: %s
    type: evento
    id: { path: dados.chave }
    max_body: %s
targets:
%s
routes:
%s
""" % (settings, FISCAL_SECRET, max_body, t, routes)


def signed_headers(body):
    return {"Content-Type": "application/json", "X-Webhook-Signature": sign(body)}


def event_id(request):
    return request["headers"].get("x-hookrouter-event-id")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def kill9(router):
    """SIGKILL the router and reap it; `router.start()` brings it back on the same ports and data."""
    router.proc.send_signal(signal.SIGKILL)
    router.proc.wait()
    router.proc = None
    router.log.close()


def percentile(values, p):
    if not values:
        return float("nan")
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


class Load:
    """Threads posting unique signed events over keep-alive connections until stopped.

    Every answer is recorded: `acked` holds the ids answered 2xx (202 stored, 200 duplicate),
    `statuses` counts status codes, `errors` counts requests that got no answer (connection refused,
    reset or closed by a killed router): those are unacknowledged, the provider would retry them."""

    def __init__(self, port_of, prefix, threads=4, body_pad=0, evento="nfe_importada", rate=None, timeout=10):
        self.port_of = port_of        # a callable: the router may move (it does not here, but be safe)
        self.prefix = prefix
        self.threads = threads
        self.pad = "x" * body_pad
        self.evento = evento
        self.rate = rate              # requests per second per thread, or None for as fast as possible
        self.timeout = timeout
        self.lock = threading.Lock()
        self.acked = []
        self.acked_at = {}
        self.statuses = {}
        self.errors = 0
        self.latencies = []
        self.slow_answers = 0         # answers slower than `timeout` (a wedged store would show here)
        self.stop_flag = threading.Event()
        self.workers = []
        self.seq = 0

    def next_id(self, n):
        with self.lock:
            self.seq += 1
            return "%s-%d-%06d" % (self.prefix, n, self.seq)

    def run_one(self, conn_box, n):
        chave = self.next_id(n)
        extra = ',"pad":"%s"' % self.pad if self.pad else ""
        body = fiscal_body(chave, evento=self.evento, extra=extra)
        started = time.time()
        try:
            if conn_box[0] is None:
                conn_box[0] = http.client.HTTPConnection("127.0.0.1", self.port_of(), timeout=self.timeout)
            c = conn_box[0]
            c.request("POST", "/in/fiscal", body=body, headers=signed_headers(body))
            r = c.getresponse()
            r.read()
            status = r.status
            if r.getheader("Connection", "").lower() == "close":
                c.close()
                conn_box[0] = None
        except (OSError, http.client.HTTPException) as e:
            if conn_box[0] is not None:
                conn_box[0].close()
                conn_box[0] = None
            with self.lock:
                self.errors += 1
                if isinstance(e, socket.timeout):
                    self.slow_answers += 1
            time.sleep(0.02)
            return
        took = time.time() - started
        with self.lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1
            self.latencies.append(took)
            if 200 <= status < 300:
                self.acked.append(chave)
                self.acked_at[chave] = time.time()

    def worker(self, n):
        conn_box = [None]
        while not self.stop_flag.is_set():
            t0 = time.time()
            self.run_one(conn_box, n)
            if self.rate:
                left = 1.0 / self.rate - (time.time() - t0)
                if left > 0:
                    time.sleep(left)
        if conn_box[0] is not None:
            conn_box[0].close()

    def start(self):
        for n in range(self.threads):
            t = threading.Thread(target=self.worker, args=(n,), daemon=True)
            t.start()
            self.workers.append(t)
        return self

    def stop(self):
        self.stop_flag.set()
        for t in self.workers:
            t.join(timeout=30)

    def acked_count(self):
        with self.lock:
            return len(self.acked)


class RawTarget:
    """A misbehaving target on a raw socket, one selector thread: `hang` accepts and reads forever
    without answering; `reset` accepts, reads the request's first bytes and closes with RST."""

    def __init__(self, mode):
        self.mode = mode
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(512)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.sock, selectors.EVENT_READ)
        self.accepted = 0
        self.open = 0
        self.max_open = 0
        self.stop_flag = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def loop(self):
        while not self.stop_flag.is_set():
            # Closes before accepts: the router closes a timed-out connection before it opens the next,
            # but one wake-up can see both, and counting the new one first made 9 of a cap of 8.
            events = sorted(self.sel.select(timeout=0.2), key=lambda e: e[0].fileobj is self.sock)
            for key, _ in events:
                s = key.fileobj
                if s is self.sock:
                    try:
                        c, _ = self.sock.accept()
                    except OSError:
                        continue
                    self.accepted += 1
                    c.setblocking(False)
                    self.sel.register(c, selectors.EVENT_READ)
                    self.open += 1
                    self.max_open = max(self.max_open, self.open)
                    continue
                try:
                    data = s.recv(65536)
                except OSError:
                    data = b""
                if data and self.mode == "hang":
                    continue
                if data and self.mode == "reset":
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.sel.unregister(s)
                s.close()
                self.open -= 1

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.stop_flag.set()
        self.thread.join()
        for key in list(self.sel.get_map().values()):
            key.fileobj.close()
        self.sel.close()


def wait_until(predicate, timeout, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def report(name, ok, line):
    print("%s %s: %s" % ("PASS" if ok else "FAIL", name, line), flush=True)
    return ok
