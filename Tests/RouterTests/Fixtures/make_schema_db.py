"""Writes schema-vN.db: a store made by an older hookrouter at schema version N, for
StoreMigrationTests. Run it with that build's binary:
    HOOKROUTER_BIN=/path/to/old/hookrouter python3 Tests/RouterTests/Fixtures/make_schema_db.py N
schema-v4.db was made by main before the v5 store (commit 30a2c04), schema-v7.db by main before the
body log (commit 2a6a953). It holds three fiscal events: e-delivered (delivered at its first attempt), e-dead (one failed
attempt, dead: its target allows one attempt) and e-pending (pending: its target refuses)."""
import os
import shutil
import sqlite3
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "e2e"))
import harness  # noqa: E402
from sink import Sink  # noqa: E402

VERSION = int(sys.argv[1])
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema-v%d.db" % VERSION)
# From schema 6 a delivery made at its first attempt writes no attempt row.
ATTEMPTS = 3 if VERSION < 6 else 2

with Sink() as sink:
    sink.statuses["/dead"] = 500
    config = """
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: %s, type: evento, id: { path: dados.chave } }
targets:
  ok: { url: "%s" }
  once: { url: "%s", retry: { attempts: 1 } }
  refused: { url: "http://127.0.0.1:9/refused", retry: { schedule: [1h] } }
routes:
  - { name: to-ok, from: fiscal, events: [delivered], to: [ok] }
  - { name: to-once, from: fiscal, events: [dead], to: [once] }
  - { name: to-refused, from: fiscal, events: [pending], to: [refused] }
""" % (harness.FISCAL_SECRET, sink.url("/ok"), sink.url("/dead"))
    router = harness.Router(config=config).start()
    for kind in ["delivered", "dead", "pending"]:
        body = harness.fiscal_body("e-" + kind, evento=kind)
        status, _, _ = harness.post(router.port, "/in/fiscal", body, {"X-Webhook-Signature": harness.sign(body), "Content-Type": "application/json"})
        assert status == 202, status
    deadline = time.time() + 10
    while time.time() < deadline:
        db = router.db()
        rows = dict(db.execute("SELECT d.route, d.status FROM deliveries d").fetchall())
        attempts = db.execute("SELECT count(*) FROM attempts").fetchone()[0]
        db.close()
        if rows == {"to-ok": "delivered", "to-once": "dead", "to-refused": "pending"} and attempts == ATTEMPTS:
            break
        time.sleep(0.1)
    else:
        raise SystemExit("the deliveries did not settle: %r" % rows)
    assert router.stop() == 0
    db = sqlite3.connect(os.path.join(router.data, "hookrouter.db"))
    assert db.execute("PRAGMA user_version").fetchone()[0] == VERSION
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode = DELETE")
    db.execute("VACUUM")
    db.close()
    shutil.copy(os.path.join(router.data, "hookrouter.db"), OUT)
    print("wrote", OUT)
