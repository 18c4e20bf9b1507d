"""A webhook receiver for end-to-end tests: a threaded HTTP server on a free loopback port that
records every request (method, path, headers, body) and answers the status set for its path.
Standard library only; self-contained."""
import http.server
import threading
import time


class Sink:
    """`with Sink() as sink:` or `start()`/`stop()`. `sink.url(path)` is what a target points at."""

    def __init__(self, default_status=200):
        self.default_status = default_status
        self.statuses = {}
        self.requests = []
        self.lock = threading.Lock()
        self.arrived = threading.Condition(self.lock)
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with sink.lock:
                    status = sink.statuses.get(self.path, sink.default_status)
                    sink.requests.append({"method": self.command, "path": self.path,
                                          "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    sink.arrived.notify_all()
                answer = b'{"received":true}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            do_PUT = do_POST

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = None

    def url(self, path="/"):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def answer(self, path, status):
        """From now on, requests to `path` are answered `status`."""
        with self.lock:
            self.statuses[path] = status

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
        self.server.shutdown()
        self.server.server_close()
        if self.thread:
            self.thread.join()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
