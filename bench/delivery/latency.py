"""Ingest-to-target latency at a fixed rate: posts signed events (unique ids) to hookrouter at RATE/s
for SECONDS from a few keep-alive connections; a loopback sink notes when each arrives. Prints p50/p99."""
import hashlib, hmac, http.client, http.server, sys, threading, time
port, sink_port, rate, seconds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
body = open(sys.argv[5], "rb").read()
sig = hmac.new(b"bench-secret", body, hashlib.sha256).hexdigest()
sent, arrived, lock = {}, {}, threading.Lock()

class Sink(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        t = time.time()
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock:
            arrived[self.headers["X-Hookrouter-Event-Id"]] = t
        self.send_response(200); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *a): pass

srv = http.server.ThreadingHTTPServer(("127.0.0.1", sink_port), Sink); srv.daemon_threads = True
threading.Thread(target=srv.serve_forever, daemon=True).start()

threads = 8
def client(k):
    c = http.client.HTTPConnection("127.0.0.1", port)
    interval = threads / rate
    start = time.time()
    i = 0
    while time.time() - start < seconds:
        due = start + i * interval
        wait = due - time.time()
        if wait > 0: time.sleep(wait)
        eid = "lat-%d-%d" % (k, i)
        t = time.time()
        c.request("POST", "/in/fiscal", body=body, headers={"X-Webhook-Signature": sig, "X-Request-Id": eid})
        r = c.getresponse(); r.read()
        if r.status == 202:
            with lock: sent[eid] = t
        i += 1

ts = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
[t.start() for t in ts]; [t.join() for t in ts]
deadline = time.time() + 10
while time.time() < deadline and len(arrived) < len(sent): time.sleep(0.1)
lat = sorted((arrived[e] - sent[e]) * 1000 for e in sent if e in arrived)
pct = lambda p: lat[min(len(lat) - 1, int(len(lat) * p / 100))]
print("latency    %d events at %d/s: ingest->target p50 %.2f ms  p99 %.2f ms  (lost %d)" % (len(sent), rate, pct(50), pct(99), len(sent) - len(lat)))
