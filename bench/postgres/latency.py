"""Ingest-to-target latency: posts COUNT signed events (random UUID ids) at RATE per second, spread
round-robin over the routers' ports, to a target this script serves itself, and reports the time from
sending each event to its delivery arriving (p50, p90, p99, max, in ms). Every event must arrive.
Usage: latency.py TARGET_PORT COUNT RATE ROUTER_PORT...    (the routers deliver to 127.0.0.1:TARGET_PORT)"""
import hashlib
import hmac
import http.client
import http.server
import json
import sys
import threading
import time
import uuid

target_port, count, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
ports = [int(p) for p in sys.argv[4:]]
body = json.dumps({"evento": "nfe_importada", "dados": {"chave": "35261145678901000175550030000884171102938470"}}).encode()
signature = hmac.new(b"bench-secret", body, hashlib.sha256).hexdigest()
sent, arrived = {}, {}
lock = threading.Lock()


class Target(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        now = time.perf_counter()
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            arrived.setdefault(self.headers.get("X-Hookrouter-Event-Id"), now)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", target_port), Target)
threading.Thread(target=server.serve_forever, daemon=True).start()
connections = [http.client.HTTPConnection("127.0.0.1", p, timeout=10) for p in ports]
start = time.perf_counter()
for i in range(count):
    pause = start + i / rate - time.perf_counter()
    if pause > 0:
        time.sleep(pause)
    event_id = str(uuid.uuid4())
    c = connections[i % len(connections)]
    t = time.perf_counter()
    c.request("POST", "/in/fiscal", body, {"Content-Type": "application/json", "X-Webhook-Signature": signature, "X-Request-Id": event_id})
    r = c.getresponse()
    r.read()
    if r.status != 202:
        sys.exit("event %d answered %d" % (i, r.status))
    sent[event_id] = t
deadline = time.time() + 30
while time.time() < deadline:
    with lock:
        if len(arrived.keys() & sent.keys()) == count:
            break
    time.sleep(0.05)
missing = len(sent.keys() - arrived.keys())
if missing:
    sys.exit("%d of %d events never arrived" % (missing, count))
ms = sorted((arrived[k] - sent[k]) * 1000 for k in sent)
pick = lambda p: ms[min(len(ms) - 1, int(p * len(ms)))]
print("p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms" % (pick(0.5), pick(0.9), pick(0.99), ms[-1]))
