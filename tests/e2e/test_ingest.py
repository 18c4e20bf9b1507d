"""End-to-end: the real `hookrouter serve` on a loopback port, real clients (http.client, raw sockets,
curl), and the real SQLite file. Every row of SPEC §6, keep-alive, pipelining, chunked bodies, the
smuggling shapes, slow clients, SIGTERM and kill -9."""
import http.client
import os
import signal
import socket
import subprocess
import threading
import time
import unittest

from harness import ON_POSTGRES, Router, fiscal_body, sign, post, raw_exchange, statuses, ODOO_KEY


class IngestAnswers(unittest.TestCase):
    """SPEC §6, row by row."""

    @classmethod
    def setUpClass(cls):
        cls.router = Router().start()

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()

    def post_fiscal(self, body, signature=None, path="/in/fiscal"):
        return post(self.router.port, path, body, {"Content-Type": "application/json",
                                                   "X-Webhook-Signature": signature or sign(body)})

    def test_accepted_then_duplicate(self):
        body = fiscal_body("accept-1")
        status, _, answer = self.post_fiscal(body)
        self.assertEqual(status, 202)
        self.assertEqual(answer, {"status": "accepted", "event_id": "accept-1", "deliveries": 2})
        status, _, answer = self.post_fiscal(body)
        self.assertEqual(status, 200)
        self.assertEqual(answer, {"status": "duplicate", "event_id": "accept-1"})
        db = self.router.db()
        seq, = db.execute("select seq from events where source='fiscal' and event_id='accept-1'").fetchone()
        rows = db.execute("select route, target, status from deliveries where event_seq=? order by id", (seq,)).fetchall()
        self.assertEqual(rows, [("nfe-to-accounting", "accounting", "pending"), ("nfe-to-warehouse", "warehouse", "pending")])
        self.assertEqual(self.router.stored_body("fiscal", "accept-1"), body, "the raw body is kept byte-exact")

    def test_unrouted_event_is_stored_with_no_deliveries(self):
        status, _, answer = self.post_fiscal(fiscal_body("unrouted-1", evento="consulta_concluida"))
        self.assertEqual((status, answer["deliveries"]), (202, 0))

    def test_bad_signature_is_401_and_not_stored(self):
        body = fiscal_body("forged-1")
        status, _, answer = self.post_fiscal(body, signature=sign(body, "wrong-secret"))
        self.assertEqual(status, 401)
        self.assertEqual(answer["error"], "unauthorized")
        status, _, _ = post(self.router.port, "/in/fiscal", body, {"Content-Type": "application/json"})
        self.assertEqual(status, 401)
        self.assertIsNone(self.router.db().execute("select 1 from events where event_id='forged-1'").fetchone())

    def test_malformed_json_is_400(self):
        body = b'{"evento": "nfe_importada", "dados": {'
        status, _, answer = self.post_fiscal(body)
        self.assertEqual((status, answer["error"]), (400, "bad_request"))

    def test_unknown_path_404_and_wrong_method_405(self):
        self.assertEqual(post(self.router.port, "/in/nowhere", b"{}")[0], 404)
        c = http.client.HTTPConnection("127.0.0.1", self.router.port, timeout=5)
        c.request("GET", "/in/fiscal")
        r = c.getresponse()
        r.read()
        c.close()
        self.assertEqual(r.status, 405)
        self.assertEqual(r.getheader("Allow"), "POST")

    def test_body_over_max_body_is_413_before_the_body_is_sent(self):
        # Only the head is sent: the answer must come without waiting for 100 KiB that never arrive.
        head = b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"
        raw, closed = raw_exchange(self.router.port, head, read_timeout=3)
        self.assertEqual(statuses(raw), [413])
        self.assertTrue(closed)

    def test_chunked_body_over_max_body_is_413(self):
        chunk = b"x" * 40000
        payload = b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        payload += b"%x\r\n%s\r\n" % (len(chunk), chunk) * 2 + b"0\r\n\r\n"
        raw, closed = raw_exchange(self.router.port, payload)
        self.assertEqual(statuses(raw), [413])
        self.assertTrue(closed)

    def test_missing_required_fields_is_422_naming_each(self):
        body = b'{"event_type":"credentials_sync","token":"t"}'
        status, _, answer = post(self.router.port, "/in/odoo", body, {"X-API-Key": ODOO_KEY, "Content-Type": "application/json"})
        self.assertEqual(status, 422)
        self.assertEqual(answer, {"error": "invalid", "detail": "missing data.account_id, data.odoo_password"})

    def test_rate_limit_is_429_with_retry_after(self):
        answers = []
        for i in range(5):
            body = fiscal_body("rate-%d" % i)
            status, headers, _ = self.post_fiscal(body, path="/in/limited")
            answers.append((status, headers.get("Retry-After")))
        self.assertEqual([a[0] for a in answers], [202, 202, 202, 429, 429])
        self.assertTrue(int(answers[3][1]) >= 1)

    def test_allow_ips_is_403(self):
        body = fiscal_body("private-1")
        self.assertEqual(self.post_fiscal(body, path="/in/private")[0], 403)

    def test_healthz(self):
        c = http.client.HTTPConnection("127.0.0.1", self.router.port, timeout=5)
        c.request("GET", "/healthz")
        r = c.getresponse()
        answer = (r.status, r.read())
        c.close()
        self.assertEqual(answer, (200, b'{"status":"ok"}'))

    def test_head_gets_no_body(self):
        raw, _ = raw_exchange(self.router.port, b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        first, _, rest = raw.partition(b"\r\n\r\n")
        self.assertIn(b"Content-Length: 15", first)
        self.assertTrue(rest.startswith(b"HTTP/1.1 200 OK"), "the next answer follows the HEAD answer's head directly")
        self.assertTrue(rest.endswith(b'{"status":"ok"}'))

    def test_curl_with_expect_100_continue(self):
        # curl sends Expect: 100-continue for bodies over 1 MiB... force it for a small one.
        body = fiscal_body("curl-1")
        out = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-H", "Expect: 100-continue",
                              "-H", "Content-Type: application/json", "-H", "X-Webhook-Signature: " + sign(body),
                              "--data-binary", body, "http://127.0.0.1:%d/in/fiscal" % self.router.port],
                             capture_output=True, check=True, timeout=10).stdout.decode()
        self.assertTrue(out.endswith("\n202"), out)


class RefusalLogging(unittest.TestCase):
    def test_a_flood_of_bad_signatures_is_counted_in_full_but_logged_ten_times(self):
        router = Router().start()
        try:
            body = fiscal_body("forged-flood")
            statuses = [post(router.port, "/in/fiscal", body, {"Content-Type": "application/json",
                                                               "X-Webhook-Signature": sign(body, "rotated-secret")})[0] for _ in range(30)]
            metrics = router.admin("GET", "/metrics")[2].decode()
        finally:
            router.stop()
        self.assertEqual(statuses, [401] * 30)
        self.assertIn('hookrouter_requests_total{source="fiscal",status="401"} 30', metrics)
        lines = [l for l in router.logs().splitlines() if '"webhook refused"' in l]
        self.assertGreater(len(lines), 0)
        self.assertLessEqual(len(lines), 10, "a line per refused request: %d" % len(lines))


class Connections(unittest.TestCase):
    """Keep-alive, pipelining, chunked bodies and the smuggling shapes."""

    @classmethod
    def setUpClass(cls):
        cls.router = Router().start()

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()

    def request_bytes(self, chave, extra_headers=b""):
        body = fiscal_body(chave)
        return (b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Webhook-Signature: %s\r\n"
                b"Content-Length: %d\r\n%s\r\n" % (sign(body).encode(), len(body), extra_headers)) + body

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        c = http.client.HTTPConnection("127.0.0.1", self.router.port, timeout=5)
        for i in range(5):
            body = fiscal_body("keepalive-%d" % i)
            c.request("POST", "/in/fiscal", body=body, headers={"X-Webhook-Signature": sign(body)})
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 202)
        c.close()

    def test_pipelined_requests_are_answered_in_order(self):
        payload = (self.request_bytes("pipe-1") + self.request_bytes("pipe-2") + self.request_bytes("pipe-1")
                   + b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" + self.request_bytes("pipe-3", b"Connection: close\r\n"))
        raw, closed = raw_exchange(self.router.port, payload)
        self.assertEqual(statuses(raw), [202, 202, 200, 404, 202])
        self.assertTrue(closed, "Connection: close is honoured after the last answer")
        self.assertLess(raw.index(b'"event_id":"pipe-1"'), raw.index(b'"event_id":"pipe-2"'))

    def test_chunked_body(self):
        body = fiscal_body("chunked-1")
        head = b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nX-Webhook-Signature: %s\r\nConnection: close\r\n\r\n" % sign(body).encode()
        chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7))
        raw, _ = raw_exchange(self.router.port, head + chunks + b"0\r\nX-Trailer: t\r\n\r\n")
        self.assertEqual(statuses(raw), [202], raw)
        self.assertEqual(self.router.stored_body("fiscal", "chunked-1"), body)

    def test_smuggling_shapes_get_400_and_the_connection_closed(self):
        body = fiscal_body("smuggle")
        sig = sign(body).encode()
        shapes = {
            "CL and TE": b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "duplicate CL": b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            "invalid CL": b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\nabc",
            "obs-fold": b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nX-Webhook-Signature: " + sig + b"\r\n continued\r\nContent-Length: 0\r\n\r\n",
            "bare LF": b"POST /in/fiscal HTTP/1.1\nHost: x\nContent-Length: 0\n\n",
            "space before colon": b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
            "bad chunk": b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
        }
        for name, payload in shapes.items():
            # A valid request follows each shape: it must never be answered (the stream is abandoned).
            raw, closed = raw_exchange(self.router.port, payload + self.request_bytes("after-" + name.replace(" ", "-")))
            self.assertEqual(statuses(raw), [400], name)
            self.assertTrue(closed, name)
        rows = self.router.db().execute("select count(*) from events where event_id like 'after-%'").fetchone()[0]
        self.assertEqual(rows, 0, "nothing behind a smuggling shape is processed")

    def test_oversized_start_line_and_headers(self):
        raw, closed = raw_exchange(self.router.port, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual((statuses(raw), closed), ([414], True))
        many = b"".join(b"X-%d: v\r\n" % i for i in range(101))
        raw, closed = raw_exchange(self.router.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
        self.assertEqual((statuses(raw), closed), ([431], True))

    def test_slowloris_is_cut_off_while_others_are_served(self):
        slow = socket.create_connection(("127.0.0.1", self.router.port))
        slow.sendall(b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\n")
        started = time.time()
        served = []

        def trickle():
            try:
                for _ in range(20):
                    slow.sendall(b"X-Slow: 1\r\n")
                    time.sleep(0.25)
            except OSError:
                pass

        t = threading.Thread(target=trickle)
        t.start()
        for i in range(3):  # other clients are served while the slow one trickles
            body = fiscal_body("beside-slow-%d" % i)
            status, _, _ = post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})
            served.append(status)
        slow.settimeout(5)
        data = b""
        try:
            while True:
                b = slow.recv(4096)
                if not b:
                    break
                data += b
        except OSError:
            pass
        elapsed = time.time() - started
        t.join()
        slow.close()
        self.assertEqual(served, [202, 202, 202])
        self.assertIn(b" 408 ", data)
        self.assertLess(elapsed, 3.5, "header_timeout is 1s; the sweep runs every 250 ms")


class BodyMemoryBudget(unittest.TestCase):
    """settings.http.max_buffered_bodies caps the bodies held at once, all connections together."""

    def test_a_body_that_does_not_fit_is_503_and_fits_again_once_the_others_are_answered(self):
        from harness import CONFIG
        config = CONFIG.replace("keepalive_timeout: 5s }", "keepalive_timeout: 5s, max_buffered_bodies: 100KiB }")
        router = Router(config=config).start()
        try:
            first = fiscal_body("budget-1", extra=',"pad":"%s"' % ("a" * 60000))
            second = fiscal_body("budget-2", extra=',"pad":"%s"' % ("b" * 60000))

            def head(body):
                return ("POST /in/fiscal HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Webhook-Signature: %s\r\n"
                        "Content-Length: %d\r\nConnection: close\r\n\r\n" % (sign(body), len(body))).encode()

            # The first client declares 60 KB and sends half: its whole declared body is held.
            holder = socket.create_connection(("127.0.0.1", router.port), timeout=5)
            holder.sendall(head(first) + first[:30000])
            time.sleep(0.3)
            # A second 60 KB body would make 120 KB > 100 KiB: refused before any of it is read.
            raw, closed = raw_exchange(router.port, head(second))
            self.assertEqual(statuses(raw), [503], raw[:300])
            self.assertIn(b"Retry-After: 5", raw)
            self.assertTrue(closed)
            # A chunked body is counted as it grows: refused once it would not fit.
            chunked_head = ("POST /in/fiscal HTTP/1.1\r\nHost: x\r\nX-Webhook-Signature: %s\r\n"
                            "Transfer-Encoding: chunked\r\n\r\n" % sign(second)).encode()
            chunk = b"%x\r\n%s\r\n" % (len(second), second)
            raw, closed = raw_exchange(router.port, chunked_head + chunk + b"0\r\n\r\n")
            self.assertEqual(statuses(raw), [503], raw[:300])
            # The holder finishes and is answered: its bytes leave the budget, and the second fits.
            holder.sendall(first[30000:])
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = holder.recv(4096)
                if not chunk:
                    break
                answer += chunk
            holder.close()
            self.assertTrue(answer.startswith(b"HTTP/1.1 202 "), answer[:200])
            status, _, _ = post(router.port, "/in/fiscal", second, {"X-Webhook-Signature": sign(second)})
            self.assertEqual(status, 202)
        finally:
            self.assertEqual(router.stop(), 0)


class OutOfDescriptors(unittest.TestCase):
    def test_connections_waiting_while_out_of_descriptors_are_accepted_once_some_close(self):
        # With 64 descriptors, 80 clients exhaust them: accept4 fails with EMFILE and the rest wait in
        # the backlog. The edge-triggered listener will not report them again, so without a retry they
        # would hang until some new client connected.
        router = Router(nofile=64).start()
        clients = []
        try:
            for _ in range(80):
                clients.append(socket.create_connection(("127.0.0.1", router.port), timeout=5))
            time.sleep(0.5)
            for c in clients[:60]:  # the first ones were accepted: closing them frees descriptors
                c.close()
            last = clients[-1]
            body = fiscal_body("after-emfile")
            request = ("POST /in/fiscal HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       "X-Webhook-Signature: %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % (sign(body), len(body))).encode() + body
            started = time.time()
            last.sendall(request)
            answer = b""
            while True:
                chunk = last.recv(4096)
                if not chunk:
                    break
                answer += chunk
            self.assertTrue(answer.startswith(b"HTTP/1.1 202 "), answer[:200])
            self.assertLess(time.time() - started, 3, "accepts resume from the 250 ms sweep")
            self.assertIn("cannot accept connections", router.logs())
        finally:
            for c in clients:
                c.close()
            self.assertEqual(router.stop(), 0)


class Durability(unittest.TestCase):
    def test_kill_9_right_after_202_loses_nothing(self):
        router = Router().start()
        accepted = []
        for i in range(50):
            body = fiscal_body("durable-%d" % i)
            status, _, answer = post(router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})
            self.assertEqual(status, 202)
            accepted.append(answer["event_id"])
        router.proc.send_signal(signal.SIGKILL)
        router.proc.wait()
        router.proc = None
        router.log.close()
        router.start()  # same data directory: the stale pid file must not block the restart
        db = router.db()
        found = {r[0] for r in db.execute("select event_id from events")}
        self.assertEqual(set(accepted) - found, set())
        deliveries = db.execute("select count(*) from deliveries d join events e on e.seq = d.event_seq where e.event_id like 'durable-%'").fetchone()[0]
        self.assertEqual(deliveries, 100)
        body = fiscal_body("durable-0")
        self.assertEqual(post(router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 200, "dedup survives the restart")
        self.assertEqual(router.stop(), 0)

    def test_sigterm_drains_and_exits_0(self):
        router = Router().start()
        body = fiscal_body("drain-1")
        self.assertEqual(post(router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)
        self.assertEqual(router.stop(signal.SIGTERM), 0)
        self.assertFalse(os.path.exists(os.path.join(router.data, "hookrouter.pid")))
        self.assertEqual(os.stat(router.data).st_mode & 0o777, 0o700)
        if not ON_POSTGRES:  # the store is the database's there: no file of ours
            self.assertEqual(os.stat(os.path.join(router.data, "hookrouter.db")).st_mode & 0o777, 0o600)


if __name__ == "__main__":
    unittest.main()
