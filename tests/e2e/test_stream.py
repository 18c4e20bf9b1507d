"""End-to-end: stream targets (#15). Real clients against the real binary: the Python `websockets`
library, raw sockets for what a library will not send (unmasked frames, a client that never reads),
http.client for Server-Sent Events and long-poll. Every event a client gets comes from a signed
webhook posted to the source, and is checked by id, order and group."""
import base64
import hashlib
import hmac
import http.client
import json
import os
import socket
import struct
import time
import unittest

from websockets.sync.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from harness import Router, post

SECRET = "e2e-shop-secret"
TOKEN_SECRET = "e2e-stream-token-secret-0123456789abcdef"
BEARER = "e2e-stream-bearer"

CONFIG = """
sources:
  shop: { adapter: hmac, path: /in/shop, secret: %(secret)s, type: topic, id: { path: id } }
targets:
  stock-ui:
    stream:
      path: /ws/stock
      group: '${{ data.loja }}'
      auth: { token_secret: "%(token)s", bearer: "%(bearer)s" }
      ping: 1s
      idle_timeout: 3s
      poll_timeout: 1s
  slow-ui:
    stream:
      path: /ws/slow
      auth: { bearer: "%(bearer)s" }
      queue: 16
  tiny-ui:
    stream: { path: /ws/tiny, auth: { bearer: "%(bearer)s" }, max_clients: 2 }
  recent-ui:
    stream:
      path: /ws/recent
      auth: { bearer: "%(bearer)s" }
      replay_window: 1s
routes:
  - name: stock
    from: shop
    events: [paid, cancelled, zero]
    to: [stock-ui]
    body: template
    template: { loja: '${{ data.loja }}', sku: '${{ data.sku }}', qty: '${{ data.qty }}' }
  - { name: zero-is-critical, from: shop, events: [zero], to: [stock-ui, slow-ui], priority: critical }
  - { name: bulk, from: shop, events: [bulk], to: [slow-ui] }
  - { name: recent, from: shop, events: [recent], to: [recent-ui] }
""" % {"secret": SECRET, "token": TOKEN_SECRET, "bearer": BEARER}


def token(groups, exp_in=60, secret=TOKEN_SECRET):
    """An HS256 JWT as the operator's backend mints it."""
    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64(json.dumps({"groups": groups, "exp": int(time.time()) + exp_in}).encode())
    mac = hmac.new(secret.encode(), (head + "." + claims).encode(), hashlib.sha256).digest()
    return head + "." + claims + "." + b64(mac)


class StreamCase(unittest.TestCase):
    config = CONFIG

    def setUp(self):
        self.router = Router(config=self.config).start()
        self.n = 0

    def tearDown(self):
        self.router.stop()

    def order(self, topic="paid", loja="1", qty=1, **extra):
        """Posts one signed event to the shop source; returns its provider id."""
        self.n += 1
        eid = "%s-%d-%s" % (topic, self.n, os.urandom(4).hex())
        body = json.dumps(dict({"id": eid, "topic": topic, "loja": loja, "sku": "SKU-%d" % self.n, "qty": qty}, **extra)).encode()
        sig = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        status, _, answer = post(self.router.port, "/in/shop", body, {"X-Webhook-Signature": sig, "Content-Type": "application/json"})
        self.assertEqual(status, 202, answer)
        return eid

    def url(self, path="/ws/stock", **query):
        q = "&".join("%s=%s" % kv for kv in query.items())
        return "ws://127.0.0.1:%d%s%s" % (self.router.port, path, "?" + q if q else "")

    def get(self, path, headers=None, timeout=10):
        c = http.client.HTTPConnection("127.0.0.1", self.router.port, timeout=timeout)
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return c, r

    def poll(self, query):
        c, r = self.get("/ws/stock?" + query)
        try:
            return r.status, json.loads(r.read())
        finally:
            c.close()

    def metrics(self):
        return self.router.admin("GET", "/metrics")[2].decode()


class WebSocketStreams(StreamCase):
    def test_a_client_gets_its_groups_events_in_order_as_json(self):
        with connect(self.url(token=BEARER, group="1")) as ws:
            ids = [self.order(loja="1", qty=5), self.order(loja="2"), self.order(loja="1", qty=0, topic="zero")]
            got = [json.loads(ws.recv(timeout=5)) for _ in range(2)]
            self.assertEqual([m["event_id"] for m in got], [ids[0], ids[2]])
            self.assertEqual(got[0]["kind"], "event")
            self.assertEqual(got[0]["data"], {"loja": "1", "sku": "SKU-1", "qty": 5})
            self.assertEqual(got[0]["group"], "1")
            self.assertEqual([m["priority"] for m in got], ["normal", "critical"])
            self.assertLess(int(got[0]["id"]), int(got[1]["id"]))
            with self.assertRaises(TimeoutError):
                ws.recv(timeout=0.5)  # group 2's event is not sent to group 1
        m = self.metrics()
        self.assertIn('hookrouter_stream_messages_total{stream="stock-ui",outcome="pushed"} 2', m)

    def test_tokens_grant_groups_and_wrong_ones_are_refused_before_the_upgrade(self):
        for query, status in [({}, 401), ({"token": "nope"}, 401), ({"token": token(["1"], secret="other-secret-0123456789abcdef-xx")}, 401),
                              ({"token": token(["1"], exp_in=-3600)}, 401), ({"token": token(["1"]), "group": "2"}, 403)]:
            with self.assertRaises(InvalidStatus) as caught:
                connect(self.url(**query)).close()
            self.assertEqual(caught.exception.response.status_code, status, query)
        # A token for groups 2 and 3, asking for none: gets both, and not group 1.
        with connect(self.url(token=token(["2", "3"]))) as ws:
            self.order(loja="1")
            two = self.order(loja="2")
            three = self.order(loja="3")
            self.assertEqual([json.loads(ws.recv(timeout=5))["event_id"] for _ in range(2)], [two, three])
        self.assertIn('hookrouter_stream_refused_total{stream="stock-ui",status="403"} 1', self.metrics())

    def test_a_reconnecting_client_gets_what_it_missed_then_live_events_exactly_once(self):
        with connect(self.url(token=BEARER)) as ws:
            self.order()
            first = json.loads(ws.recv(timeout=5))
        missed = [self.order(qty=i) for i in range(5)]
        with connect(self.url(token=BEARER, after=first["id"])) as ws:
            got = [json.loads(ws.recv(timeout=5)) for _ in range(5)]
            # Posted once the replay is out, so it is pushed live (posted during the replay it may be
            # replayed instead: the same order and once, but another count below).
            live = self.order(qty=99)
            got.append(json.loads(ws.recv(timeout=5)))
            self.assertEqual([m["event_id"] for m in got], missed + [live])
            ids = [int(m["id"]) for m in got]
            self.assertEqual(ids, sorted(set(ids)))
            with self.assertRaises(TimeoutError):
                ws.recv(timeout=0.5)
        self.assertIn('hookrouter_stream_messages_total{stream="stock-ui",outcome="replayed"} 5', self.metrics())

    def test_a_backlog_larger_than_the_queue_is_replayed_whole(self):
        # slow-ui holds 16 messages per client. 100 events of 60 KB (6 MB, more than the kernel's
        # buffers take) replayed to a client that reads late: read in queue-sized steps, none dropped.
        sent = [self.order(topic="bulk", pad="x" * 60000) for _ in range(100)]
        s = raw_upgrade(self.router.port, "/ws/slow?after=0&token=" + BEARER, rcvbuf=4096)
        time.sleep(1)
        s.settimeout(3)
        got = [json.loads(p) for op, p in read_frames(s, until_close=False) if op == 0x1]
        s.close()
        self.assertEqual([m["kind"] for m in got], ["event"] * 100)
        self.assertEqual([m["event_id"] for m in got], sent)

    def test_an_idle_client_is_closed_and_pings_keep_a_live_one(self):
        # The library answers pings: a 1 s ping keeps it past the 3 s idle timeout.
        with connect(self.url(token=BEARER)) as ws:
            time.sleep(4)
            self.order()
            self.assertEqual(json.loads(ws.recv(timeout=5))["kind"], "event")
        # A raw client that never answers is closed with 1001 after idle_timeout.
        s = raw_upgrade(self.router.port, "/ws/stock?token=" + BEARER)
        s.settimeout(8)
        frames = read_frames(s, until_close=True)
        close = [f for f in frames if f[0] == 0x8][0]
        self.assertEqual(struct.unpack("!H", close[1][:2])[0], 1001)
        self.assertIn(b"idle", close[1])
        self.assertTrue(any(f[0] == 0x9 for f in frames))  # it was pinged first
        s.close()

    def test_malformed_frames_get_their_close_codes_and_webhooks_keep_flowing(self):
        cases = [
            (bytes([0x81, 0x05]) + b"hello", 1002),                                     # unmasked
            (bytes([0x81, 0xFF]) + struct.pack("!Q", 1 << 20) + b"\0\0\0\0", 1009),     # 1 MiB frame: refused from its header
            (bytes([0xC1, 0x80]) + b"\0\0\0\0", 1002),                                  # reserved bit
            (bytes([0x80, 0x80]) + b"\0\0\0\0", 1002),                                  # continuation with nothing to continue
        ]
        for payload, code in cases:
            s = raw_upgrade(self.router.port, "/ws/stock?token=" + BEARER)
            s.sendall(payload)
            s.settimeout(5)
            frames = read_frames(s, until_close=True)
            close = [f for f in frames if f[0] == 0x8]
            self.assertTrue(close, payload)
            self.assertEqual(struct.unpack("!H", close[0][1][:2])[0], code, payload)
            s.close()
        # A bad handshake version: 426 with the version we speak.
        raw = socket.create_connection(("127.0.0.1", self.router.port))
        raw.sendall(("GET /ws/stock?token=%s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n" % BEARER).encode())
        head = raw.recv(4096).decode()
        raw.close()
        self.assertTrue(head.startswith("HTTP/1.1 426"), head)
        self.assertIn("Sec-WebSocket-Version: 13", head)
        self.order()  # ingest is unharmed

    def test_a_client_that_never_reads_loses_ordinary_events_first_and_is_told(self):
        s = raw_upgrade(self.router.port, "/ws/slow?token=" + BEARER, rcvbuf=4096)
        big = "x" * 60000  # 200 of these (12 MB) overflow the kernel's buffers (4 MB) and then ours
        critical = []
        for i in range(200):
            if i % 25 == 24:
                critical.append(self.order(topic="zero", loja="1", qty=0))
            else:
                self.order(topic="bulk", pad=big)
        # Ingest never waited on the client; now it reads everything that was kept.
        s.settimeout(3)
        messages = [json.loads(p) for op, p in read_frames(s, until_close=False) if op == 0x1]
        s.close()
        kinds = [m["kind"] for m in messages]
        self.assertIn("dropped", kinds)
        got_critical = [m["event_id"] for m in messages if m["kind"] == "event" and m["priority"] == "critical"]
        self.assertEqual(got_critical, critical)
        dropped = sum(m["count"] for m in messages if m["kind"] == "dropped")
        delivered = sum(1 for m in messages if m["kind"] == "event")
        self.assertEqual(delivered + dropped, 200)
        self.assertIn('hookrouter_stream_messages_total{stream="slow-ui",outcome="dropped"} %d' % dropped, self.metrics())

    def test_a_full_stream_answers_503_and_frees_its_place_when_a_client_leaves(self):
        first = connect(self.url("/ws/tiny", token=BEARER))
        second = connect(self.url("/ws/tiny", token=BEARER))
        with self.assertRaises(InvalidStatus) as caught:
            connect(self.url("/ws/tiny", token=BEARER)).close()
        self.assertEqual(caught.exception.response.status_code, 503)
        first.close()
        deadline = time.time() + 5
        while True:
            try:
                connect(self.url("/ws/tiny", token=BEARER)).close()
                break
            except InvalidStatus:
                self.assertLess(time.time(), deadline, "the closed client's place was never freed")
                time.sleep(0.05)
        second.close()
        self.order()  # webhooks were served throughout

    def test_events_older_than_the_replay_window_are_reported_as_a_gap(self):
        self.order(topic="recent")  # older than the window by the time the client asks
        time.sleep(1.3)
        new = self.order(topic="recent")
        with connect(self.url("/ws/recent", token=BEARER, after=0)) as ws:
            gap = json.loads(ws.recv(timeout=5))
            self.assertEqual(gap["kind"], "gap")
            self.assertIn("replay window (1s)", gap["detail"])
            self.assertEqual(json.loads(ws.recv(timeout=5))["event_id"], new)
            with self.assertRaises(TimeoutError):
                ws.recv(timeout=0.5)  # the event older than the window is not sent after the gap either


class EventStreamsAndPolling(StreamCase):
    def read_events(self, response, n, deadline=10):
        """The next n SSE events (id, data) from a streaming response."""
        out, current = [], {}
        end = time.time() + deadline
        while len(out) < n and time.time() < end:
            line = response.fp.readline().decode().rstrip("\n")
            if line == "":
                if "data" in current:
                    out.append(current)
                current = {}
            elif line.startswith(":") or line.startswith("retry:"):
                continue
            else:
                k, _, v = line.partition(": ")
                current[k] = current[k] + "\n" + v if k == "data" and "data" in current else v
        return out

    def test_sse_resumes_with_last_event_id_across_a_restart_exactly_once(self):
        c, r = self.get("/ws/stock", {"Accept": "text/event-stream", "Authorization": "Bearer " + BEARER})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "text/event-stream")
        sent = [self.order(qty=i) for i in range(3)]
        got = self.read_events(r, 3)
        c.close()
        self.assertEqual([json.loads(e["data"])["event_id"] for e in got], sent)
        last = got[-1]["id"]

        # Events while the client is away, across a restart of the router.
        away = [self.order(qty=10 + i) for i in range(2)]
        self.router.stop()
        self.router.start()
        away += [self.order(qty=20 + i) for i in range(2)]

        c, r = self.get("/ws/stock", {"Accept": "text/event-stream", "Authorization": "Bearer " + BEARER, "Last-Event-ID": last})
        got = self.read_events(r, 4)
        live = self.order(qty=30)
        got += self.read_events(r, 1)
        c.close()
        self.assertEqual([json.loads(e["data"])["event_id"] for e in got], away + [live])
        ids = [int(e["id"]) for e in got]
        self.assertEqual(ids, sorted(set(ids)))
        self.assertTrue(all(i > int(last) for i in ids))

    def test_long_poll_returns_missed_events_or_waits_then_answers_empty(self):
        first = self.order()
        status, answer = self.poll("token=%s&after=0" % BEARER)
        self.assertEqual(status, 200)
        self.assertEqual([m["event_id"] for m in answer["messages"]], [first])
        cursor = answer["next"]

        start = time.time()
        status, answer = self.poll("token=%s&after=%s" % (BEARER, cursor))
        self.assertEqual((status, answer["messages"], answer["next"]), (200, [], cursor))
        self.assertGreaterEqual(time.time() - start, 0.9)  # held for poll_timeout

        second = self.order()
        status, answer = self.poll("token=%s&after=%s&group=1" % (BEARER, cursor))
        self.assertEqual([m["event_id"] for m in answer["messages"]], [second])
        self.assertEqual(self.poll("after=0")[0], 401)


class StreamConfigChecks(unittest.TestCase):
    def test_check_reports_stream_mistakes_with_their_place(self):
        import subprocess
        import tempfile
        from harness import BINARY
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "bad.yaml"), "w") as f:
            f.write("""
sources:
  shop: { adapter: hmac, path: /in/shop, secret: s }
targets:
  a: { stream: { path: /in/shop, auth: none } }
  b: { stream: { path: /ws/b } }
  c: { stream: { path: /ws/c, auth: { bearer: t }, ping: 30s, idle_timeout: 10s } }
routes:
  - { name: r, from: shop, to: [a], priority: urgent }
""")
        p = subprocess.run([BINARY, "check", "--config", d], capture_output=True, env=dict(os.environ, SWIFT_BACKTRACE="enable=no"))
        out = p.stdout.decode() + p.stderr.decode()
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("already taken by source 'shop'", out)
        self.assertIn("needs 'auth'", out)
        self.assertIn("must be longer than 'ping'", out)
        self.assertIn("has 'auth: none'", out)
        self.assertIn("'priority'", out)


def raw_upgrade(port, path, rcvbuf=None):
    """A WebSocket opened by hand (so tests can send what a library will not)."""
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    accept = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    assert ("Sec-WebSocket-Accept: " + accept).encode() in head, head
    return s


def read_frames(s, until_close):
    """(opcode, payload) of server frames until a close frame (or the socket's timeout)."""
    buf, frames = b"", []
    try:
        while True:
            while True:
                if len(buf) >= 2:
                    n = buf[1] & 0x7F
                    off = 2
                    if n == 126:
                        n, off = (struct.unpack("!H", buf[2:4])[0], 4) if len(buf) >= 4 else (None, 0)
                    elif n == 127:
                        n, off = (struct.unpack("!Q", buf[2:10])[0], 10) if len(buf) >= 10 else (None, 0)
                    if n is not None and len(buf) >= off + n:
                        frames.append((buf[0] & 0x0F, buf[off:off + n]))
                        buf = buf[off + n:]
                        if frames[-1][0] == 0x8:
                            return frames
                        continue
                break
            chunk = s.recv(65536)
            if not chunk:
                return frames
            buf += chunk
    except (socket.timeout, ConnectionResetError):
        return frames


if __name__ == "__main__":
    unittest.main()
