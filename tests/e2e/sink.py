"""A webhook receiver for end-to-end tests: a threaded HTTP server on a free loopback port that
records every request (time, method, path, headers, body), answers the status set for its path (or a
sequence of answers), can sleep or hang, and counts requests in flight per path (concurrency limits).
Standard library only; self-contained."""
import http.server
import sys
import threading
import time


class Sink:
    """`with Sink() as sink:` or `start()`/`stop()`. `sink.url(path)` is what a target points at."""

    def __init__(self, default_status=200, host="127.0.0.1"):
        self.default_status = default_status
        self.host = host
        self.statuses = {}          # path -> status answered from now on
        self.sequences = {}         # path -> [(status, headers)] answered in turn; the last one repeats
        self.delay = {}             # path -> seconds to sleep before answering
        self.hang = set()           # paths that never answer (until stop)
        self.in_flight = {}         # path -> requests being answered now
        self.max_in_flight = {}     # path -> the most ever at once
        self.requests = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        self.released = threading.Event()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                path = self.path
                with sink.lock:
                    status, extra = sink._next_answer(path)
                    sink.requests.append({"time": time.time(), "method": self.command, "path": path,
                                          "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    sink.in_flight[path] = sink.in_flight.get(path, 0) + 1
                    sink.max_in_flight[path] = max(sink.max_in_flight.get(path, 0), sink.in_flight[path])
                    sink.arrived.notify_all()
                try:
                    if path in sink.hang:
                        sink.released.wait(60)
                        return
                    time.sleep(sink.delay.get(path, 0))
                    answer = b'{"received":true}'
                    self.send_response(status)
                    for k, v in extra.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the router went away mid-answer (the crash tests kill it)
                finally:
                    with sink.lock:
                        sink.in_flight[path] -= 1

            do_PUT = do_POST

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                # A router killed mid-delivery resets its connection: expected in the kill tests, not a traceback.
                if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                    super().handle_error(request, client_address)

        self.server = Server((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = None

    def _next_answer(self, path):
        seq = self.sequences.get(path)
        if seq:
            if len(seq) > 1:
                self.sequences[path] = seq[1:]
            return seq[0]
        return self.statuses.get(path, self.default_status), {}

    def url(self, path="/"):
        return "http://%s:%d%s" % (self.host, self.port, path)

    def answer(self, path, status):
        """From now on, requests to `path` are answered `status`."""
        with self.lock:
            self.statuses[path] = status
            self.sequences.pop(path, None)

    def answer_in_turn(self, path, answers):
        """Requests to `path` get these (status, headers) answers in turn; the last one repeats."""
        with self.lock:
            self.sequences[path] = list(answers)

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def wait_for(self, count, path=None, timeout=15):
        """Blocks until `count` requests (to `path`) arrived; returns them. Raises on timeout."""
        deadline = time.time() + timeout
        with self.lock:
            while True:
                got = [r for r in self.requests if path is None or r["path"] == path]
                if len(got) >= count:
                    return got
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("sink got %d of %d requests to %s in %ss" % (len(got), count, path, timeout))
                self.arrived.wait(left)

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()
        if self.thread:
            self.thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
