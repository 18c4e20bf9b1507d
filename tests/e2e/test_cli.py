"""End-to-end: `hookrouter deliveries`, `replay` and `send` against the real binary, a running server,
the real SQLite file and a loopback sink (tests/e2e/sink.py)."""
import hashlib
import hmac
import json
import os
import subprocess
import tempfile
import time
import unittest

from harness import BINARY, ON_POSTGRES, Router, command_env, fiscal_body, post, sign
from sink import Sink

OUT_SECRET = "e2e-outbound-secret"
# A marker inside every event body: it must never show up in `deliveries` output.
BODY_MARKER = "body-marker-c4f1"

CONFIG = """
sources:
  fiscal:
    adapter: hmac
    path: /in/fiscal
    secret: e2e-fiscal-secret
    type: evento
    id: { path: dados.chave }
targets:
  gone: { url: "%(sink)s/gone", sign: { scheme: hmac-sha256, secret: %(out)s } }
  flaky: { url: "%(sink)s/flaky", retry: { schedule: [250ms] } }
  receiver: { url: "%(sink)s/receiver", timeout: 2s, sign: { scheme: hmac-sha256, secret: %(out)s } }
  loose: { url: "%(sink)s/loose", sign: { scheme: hmac-sha256, secret: %(out)s } }
  closed: { url: "http://127.0.0.1:%(closed)d/nothing", timeout: 2s }
routes:
  - { name: to-gone, from: fiscal, events: [nfe_importada], to: [gone] }
  - { name: to-flaky, from: fiscal, events: [cte_importado], to: [flaky] }
  - name: to-receiver
    from: fiscal
    events: [never_sent]
    to: [receiver]
    body: template
    template: { evento: "${{ type }}", dados: "${{ data }}" }
"""


def closed_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(*args, expect=None):
    """Runs `hookrouter ARGS`; returns (exit code, stdout, stderr)."""
    p = subprocess.run([BINARY, *args], capture_output=True, env=command_env(*args), timeout=60)
    out, err = p.stdout.decode(), p.stderr.decode()
    if expect is not None and p.returncode != expect:
        raise AssertionError("hookrouter %s exited %d, not %d\nstdout:\n%s\nstderr:\n%s" % (" ".join(args), p.returncode, expect, out, err))
    return p.returncode, out, err


def signature(body):
    return hmac.new(OUT_SECRET.encode(), body, hashlib.sha256).hexdigest()


class DeliveriesAndReplay(unittest.TestCase):
    """Deliveries go dead at the sink, are listed, replayed while the server runs, and arrive."""

    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().start()
        cls.sink.answer("/gone", 410)
        cls.sink.answer("/flaky", 500)
        cls.router = Router(config=CONFIG % {"sink": cls.sink.url("").rstrip("/"), "out": OUT_SECRET, "closed": closed_port()}).start()

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()
        cls.sink.stop()

    def ingest(self, chave, evento):
        body = fiscal_body(chave, evento=evento, extra=',"nota":"%s"' % BODY_MARKER)
        status, _, answer = post(self.router.port, "/in/fiscal", body, {"Content-Type": "application/json", "X-Webhook-Signature": sign(body)})
        self.assertEqual((status, answer["deliveries"]), (202, 1))
        return body

    def deliveries(self, *args):
        _, out, _ = cli("deliveries", "--data", self.router.data, "--format", "json", *args, expect=0)
        return json.loads(out)

    def wait_rows(self, count, *args, timeout=15):
        deadline = time.time() + timeout
        while True:
            rows = self.deliveries(*args)
            if len(rows) >= count or time.time() > deadline:
                return rows
            time.sleep(0.1)

    def test_dead_deliveries_are_listed_then_replayed_while_the_server_runs(self):
        bodies = {c: self.ingest(c, "nfe_importada") for c in ("gone-1", "gone-2")}
        self.sink.wait_for(2, "/gone")
        rows = self.wait_rows(2, "--status", "dead", "--target", "gone")
        self.assertEqual(len(rows), 2, rows)
        self.assertEqual([r["event_id"] for r in rows], ["gone-2", "gone-1"], "newest first")
        for r in rows:
            self.assertEqual((r["status"], r["attempts"], r["last_status"], r["source"], r["type"], r["route"], r["target"]),
                             ("dead", 1, 410, "fiscal", "nfe_importada", "to-gone", "gone"))
            self.assertIn("410", r["last_error"])
            self.assertIsNone(r["next_attempt_at"])
            self.assertRegex(r["last_attempt_at"], r"^\d{4}-\d\d-\d\dT")
        ids = {r["event_id"]: r["id"] for r in rows}

        # Text output: a heading, one aligned row per delivery, and never a body or a secret.
        _, text, _ = cli("deliveries", "--data", self.router.data, "--target", "gone", expect=0)
        lines = text.splitlines()
        self.assertTrue(lines[0].startswith("ID"), text)
        self.assertEqual(len(lines), 3, text)
        self.assertEqual(lines[1].index("dead"), lines[0].index("STATUS"), "columns are aligned")
        _, everything, _ = cli("deliveries", "--data", self.router.data, "--format", "json", "--limit", "1000", expect=0)
        for output in (text, everything):
            self.assertNotIn(BODY_MARKER, output)
            self.assertNotIn(OUT_SECRET, output)

        # The receiver changed its mind: replay while the server runs.
        self.sink.answer("/gone", 200)
        _, out, _ = cli("replay", "--data", self.router.data, "--status", "dead", "--target", "gone", expect=0)
        self.assertIn("replayed 2 dead deliveries to target 'gone': ", out)
        # On PostgreSQL no one server is "the" server: every router on the database is told.
        self.assertIn("routers on this database are told" if ON_POSTGRES else "running server", out)
        got = self.sink.wait_for(4, "/gone")[2:]
        by_event = {r["headers"]["x-hookrouter-event-id"]: r for r in got}
        self.assertEqual(set(by_event), {"gone-1", "gone-2"})
        for chave, r in by_event.items():
            self.assertEqual(r["headers"]["x-hookrouter-attempt"], "2")
            self.assertEqual(r["headers"]["x-hookrouter-delivery-id"], str(ids[chave]))
            self.assertEqual(r["body"], bodies[chave])
            self.assertEqual(r["headers"]["x-webhook-signature"], signature(r["body"]))
        rows = self.wait_rows(2, "--status", "delivered", "--target", "gone")
        self.assertEqual(sorted((r["id"], r["attempts"], r["last_status"]) for r in rows),
                         sorted((i, 2, 200) for i in ids.values()))

        # By id: a delivered one is refused without --force, an unknown id is named; both exit 1.
        code, out, err = cli("replay", "--data", self.router.data, str(ids["gone-1"]), "999999")
        self.assertEqual(code, 1, out + err)
        self.assertIn("delivery %d was delivered already; pass --force" % ids["gone-1"], err)
        self.assertIn("no delivery 999999", err)
        self.assertEqual(len(self.sink.received("/gone")), 4, "nothing was sent again")
        _, out, _ = cli("replay", "--data", self.router.data, "--force", str(ids["gone-1"]), expect=0)
        self.assertIn("replayed 1 delivery: %d" % ids["gone-1"], out)
        again = self.sink.wait_for(5, "/gone")[4]
        self.assertEqual((again["headers"]["x-hookrouter-delivery-id"], again["headers"]["x-hookrouter-attempt"]), (str(ids["gone-1"]), "3"))

    def test_replay_restarts_the_retry_budget(self):
        # Two attempts in all (schedule: [250ms]); a replay gets two more, numbered 3 and 4.
        self.ingest("flaky-1", "cte_importado")
        self.sink.wait_for(2, "/flaky")
        rows = self.wait_rows(1, "--status", "dead", "--target", "flaky")
        self.assertEqual([(r["event_id"], r["attempts"]) for r in rows], [("flaky-1", 2)])
        _, out, _ = cli("replay", "--data", self.router.data, str(rows[0]["id"]), expect=0)
        self.assertIn("replayed 1 delivery", out)
        got = self.sink.wait_for(4, "/flaky")
        self.assertEqual([r["headers"]["x-hookrouter-attempt"] for r in got], ["1", "2", "3", "4"])
        deadline = time.time() + 10
        while True:
            row = self.deliveries("--event", "flaky-1")[0]
            if row["status"] == "dead" or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual((row["status"], row["attempts"], row["last_status"]), ("dead", 4, 500))
        time.sleep(0.6)
        self.assertEqual(len(self.sink.received("/flaky")), 4, "no attempt beyond the budget")

    def test_usage_and_store_errors(self):
        code, _, err = cli("deliveries", "--data", self.router.data, "--status", "failed")
        self.assertEqual(code, 2)
        self.assertIn("pending, delivered, dead, orphaned", err)
        missing = os.path.join(tempfile.mkdtemp(), "nowhere")
        for command in ("deliveries", "replay"):
            args = [command, "--data", missing] + (["--status", "dead"] if command == "replay" else [])
            code, _, err = cli(*args)
            self.assertEqual(code, 1, err)
            self.assertIn(missing, err)
        self.assertFalse(os.path.exists(missing), "nothing is created")
        self.assertEqual(cli("replay", "--data", self.router.data)[0], 2)
        self.assertEqual(cli("replay", "--data", self.router.data, "--status", "delivered")[0], 2)
        self.assertEqual(cli("replay", "--data", self.router.data, "--status", "dead", "7")[0], 2)


class ReplayWithoutServer(unittest.TestCase):
    def test_replayed_while_stopped_is_delivered_at_the_next_start(self):
        with Sink() as sink:
            sink.answer("/gone", 410)
            config = CONFIG % {"sink": sink.url("").rstrip("/"), "out": OUT_SECRET, "closed": closed_port()}
            router = Router(config=config).start()
            try:
                body = fiscal_body("offline-1")
                self.assertEqual(post(router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)
                sink.wait_for(1, "/gone")
                deadline = time.time() + 10
                while router.db().execute("select count(*) from deliveries where status='dead'").fetchone()[0] < 1:
                    self.assertLess(time.time(), deadline, "the delivery did not go dead")
                    time.sleep(0.1)
            finally:
                self.assertEqual(router.stop(), 0)
            _, out, _ = cli("replay", "--data", router.data, "--status", "dead", expect=0)
            self.assertIn("routers on this database are told" if ON_POSTGRES else "no server is running", out)
            sink.answer("/gone", 200)
            router.start()
            try:
                got = sink.wait_for(2, "/gone")[1]
                self.assertEqual(got["headers"]["x-hookrouter-attempt"], "2")
            finally:
                router.stop()


class Send(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().start()
        cls.port = closed_port()
        cls.dir = tempfile.mkdtemp(prefix="hookrouter-send-")
        cls.config = os.path.join(cls.dir, "routes.d")
        os.mkdir(cls.config)
        with open(os.path.join(cls.config, "e2e.yaml"), "w") as f:
            f.write(CONFIG % {"sink": cls.sink.url("").rstrip("/"), "out": OUT_SECRET, "closed": cls.port})

    @classmethod
    def tearDownClass(cls):
        cls.sink.stop()

    def test_send_renders_through_the_route_and_signs(self):
        payload = os.path.join(self.dir, "payload.json")
        with open(payload, "wb") as f:
            f.write(b'{"chave":"35261112345678000199550010000012341000012345","valor":12.5}')
        code, out, err = cli("send", "--config", self.config, "--target", "receiver", "--type", "nfe_importada", payload)
        self.assertEqual(code, 0, out + err)
        self.assertIn("via route 'to-receiver'", out)
        self.assertIn("answered 200 in ", out)
        self.assertIn('{"received":true}', out, "the start of the answer is printed")
        r = self.sink.received("/receiver")[-1]
        self.assertEqual(json.loads(r["body"]), {"evento": "nfe_importada",
                                                 "dados": {"chave": "35261112345678000199550010000012341000012345", "valor": 12.5}})
        self.assertEqual(r["headers"]["x-webhook-signature"], signature(r["body"]))
        self.assertEqual(r["headers"]["x-hookrouter-event-type"], "nfe_importada")
        self.assertRegex(r["headers"]["x-hookrouter-event-id"], r"^test-[0-9a-f]{16}$")
        self.assertEqual(r["headers"]["x-hookrouter-attempt"], "1")

    def test_send_without_a_route_sends_the_default_body_raw(self):
        code, out, err = cli("send", "--config", self.config, "--target", "loose")
        self.assertEqual(code, 0, out + err)
        r = self.sink.received("/loose")[-1]
        body = json.loads(r["body"])
        self.assertEqual((body["test"], body["type"]), (True, "hookrouter.test"))
        self.assertEqual(body["id"], r["headers"]["x-hookrouter-event-id"])
        self.assertEqual(r["headers"]["x-webhook-signature"], signature(r["body"]))

    def test_send_fails_on_non_2xx_and_on_no_answer(self):
        self.sink.answer("/loose", 503)
        try:
            code, out, _ = cli("send", "--config", self.config, "--target", "loose")
            self.assertEqual(code, 1)
            self.assertIn("answered 503", out)
        finally:
            self.sink.answer("/loose", 200)
        code, out, _ = cli("send", "--config", self.config, "--target", "closed")
        self.assertEqual(code, 1)
        self.assertIn("no answer after", out)
        code, _, err = cli("send", "--config", self.config, "--target", "recevier")
        self.assertEqual(code, 2)
        self.assertIn("did you mean 'receiver'", err)


if __name__ == "__main__":
    unittest.main()
