"""A loopback HTTP target for delivery tests: records every request, answers what each path is told
to, can hang or sleep, and counts requests in flight (for concurrency limits)."""
import http.server
import threading
import time


class Sink:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []          # (time, path, headers dict lower-case, body)
        self.plans = {}             # path -> list of (status, headers) answered in turn; the last repeats
        self.delay = {}             # path -> seconds to sleep before answering
        self.hang = set()           # paths that never answer
        self.in_flight = {}         # path -> requests being answered now
        self.max_in_flight = {}     # path -> the most ever at once
        self.release = threading.Event()
        sink = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(n)
                with sink.lock:
                    sink.in_flight[self.path] = sink.in_flight.get(self.path, 0) + 1
                    sink.max_in_flight[self.path] = max(sink.max_in_flight.get(self.path, 0), sink.in_flight[self.path])
                    sink.requests.append((time.time(), self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    plan = sink.plans.get(self.path, [(200, {})])
                    status, headers = plan[0]
                    if len(plan) > 1:
                        sink.plans[self.path] = plan[1:]
                try:
                    if self.path in sink.hang:
                        sink.release.wait(30)
                        return
                    time.sleep(sink.delay.get(self.path, 0))
                    self.send_response(status)
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the router went away mid-answer (the crash tests kill it)
                finally:
                    with sink.lock:
                        sink.in_flight[self.path] -= 1

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def received(self, path=None):
        with self.lock:
            return [r for r in self.requests if path is None or r[1] == path]

    def wait_for(self, count, path=None, timeout=15):
        deadline = time.time() + timeout
        while time.time() < deadline:
            got = self.received(path)
            if len(got) >= count:
                return got
            time.sleep(0.02)
        return self.received(path)

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
