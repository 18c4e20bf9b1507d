"""End-to-end: what the store keeps of a delivery (schema 6). A delivery made at its first attempt
writes no row and is listed as delivered; one that waits (here behind a slow target with
concurrency 1) gets a pending row after 2 s, so the settled cursor moves past it; everything is
delivered once. Read through the CLI and the store file, as an operator would."""
import json
import os
import sqlite3
import subprocess
import time
import unittest

from harness import BINARY, ON_POSTGRES, Router, command_env, fiscal_body, post, sign
from sink import Sink


def cli(*args):
    p = subprocess.run([BINARY, *args], capture_output=True, env=command_env(*args), timeout=60)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode()


@unittest.skipIf(ON_POSTGRES, "SQLite's layout: deliveries derived from their events; on PostgreSQL every delivery has a row")
class DeliveriesWithoutRows(unittest.TestCase):
    def setUp(self):
        self.sink = Sink().start()
        self.sink.delay["/slow"] = 2.5
        config = """
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: e2e-fiscal-secret, type: evento, id: { path: dados.chave } }
targets:
  fast: { url: "%s" }
  slow: { url: "%s", concurrency: 1, timeout: 10s }
routes:
  - { name: to-both, from: fiscal, to: [fast, slow] }
""" % (self.sink.url("/fast"), self.sink.url("/slow"))
        self.router = Router(config=config).start()

    def tearDown(self):
        self.router.stop()
        self.sink.stop()

    def db(self):
        return sqlite3.connect("file:%s?mode=ro" % os.path.join(self.router.data, "hookrouter.db"), uri=True)

    def listed(self, target):
        return json.loads(cli("deliveries", "--data", self.router.data, "--target", target, "--format", "json"))

    def test_first_attempt_successes_write_nothing_and_waiting_deliveries_get_rows(self):
        chaves = ["rows-%d" % i for i in range(3)]
        for c in chaves:
            body = fiscal_body(c)
            self.assertEqual(post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)
        self.sink.wait_for(3, "/fast")

        # The fast target's deliveries are listed delivered at once, while the slow ones hold the cursor
        # back (the engine lists them as made above it), with no row and no attempt logged.
        deadline = time.time() + 1.5
        while time.time() < deadline and [r["status"] for r in self.listed("fast")] != ["delivered"] * 3:
            time.sleep(0.05)
        fast = self.listed("fast")
        self.assertEqual([(r["status"], r["attempts"], r["last_status"]) for r in fast], [("delivered", 1, None)] * 3)
        self.assertEqual([r["event_id"] for r in fast], list(reversed(chaves)), "newest first")
        with self.db() as db:
            self.assertEqual(db.execute("SELECT count(*) FROM delivery_rows WHERE target = 'fast'").fetchone()[0], 0)
            self.assertEqual(db.execute("SELECT count(*) FROM attempts").fetchone()[0], 0)

        # The slow target answers one every 2.5 s: after 2 s (and the next scan) the ones still waiting,
        # and the one in flight, have pending rows, and the cursor is past all three events.
        deadline = time.time() + 5
        rows = 0
        while time.time() < deadline and rows < 2:
            with self.db() as db:
                rows = db.execute("SELECT count(*) FROM delivery_rows WHERE target = 'slow'").fetchone()[0]
            time.sleep(0.1)
        self.assertGreaterEqual(rows, 2, "deliveries waiting over 2 s get rows")
        with self.db() as db:
            settled = db.execute("SELECT settled_seq FROM delivery_state").fetchone()[0]
            last = db.execute("SELECT max(seq) FROM events").fetchone()[0]
        self.assertEqual(settled, last, "nothing holds the cursor back any more")

        # All of them arrive once, and end delivered, each with its one attempt logged.
        self.sink.wait_for(3, "/slow", timeout=20)
        deadline = time.time() + 5
        while time.time() < deadline and [r["status"] for r in self.listed("slow")] != ["delivered"] * 3:
            time.sleep(0.1)
        slow = self.listed("slow")
        self.assertEqual([r["status"] for r in slow], ["delivered"] * 3)
        self.assertTrue(all(r["attempts"] == 1 for r in slow))
        time.sleep(0.5)
        self.assertEqual(len(self.sink.received("/slow")), 3, "none sent twice")
        self.assertEqual(len(self.sink.received("/fast")), 3, "none sent twice")
        ids = {r["headers"]["x-hookrouter-delivery-id"] for r in self.sink.received()}
        self.assertEqual(ids, {str(r["id"]) for r in fast + slow}, "the ids the targets saw are the ids listed")


if __name__ == "__main__":
    unittest.main()
