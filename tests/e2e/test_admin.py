"""End-to-end admin API (SPEC §8): bearer token, the config views, reload with diagnostics, events
injected by hand reaching a real sink, and a Prometheus scrape that the reference parser accepts."""
import json
import os
import subprocess
import time
import unittest

from harness import BINARY, CONFIG, ODOO_KEY, Router, fiscal_body, sign, post, free_port
from sink import Sink

TOKEN = "e2e-admin-token"


def config(sink):
    return CONFIG.replace("settings:\n", "settings:\n  admin: { token: %s }\n" % TOKEN).replace(
        'accounting: { url: "http://127.0.0.1:9/accounting" }', 'accounting: { url: "%s", headers: { Authorization: "Bearer target-secret-xyz" } }' % sink.url("/acc"))


class Admin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.sink = Sink().start()
        cls.router = Router(config=config(cls.sink)).start()

    @classmethod
    def tearDownClass(cls):
        cls.router.stop()
        cls.sink.stop()

    def get(self, path, token=TOKEN):
        status, headers, body = self.router.admin("GET", path, token=token)
        return status, (json.loads(body) if headers.get("Content-Type") == "application/json" else body.decode())

    def test_token_is_required(self):
        self.assertEqual(self.router.admin("GET", "/api/sources")[0], 401)
        self.assertEqual(self.router.admin("GET", "/api/sources", token="wrong")[0], 401)
        self.assertEqual(self.router.admin("GET", "/metrics", token="e2e-admin-tokeX")[0], 401)
        self.assertEqual(self.get("/api/sources")[0], 200)
        self.assertEqual(self.router.admin("GET", "/healthz")[0], 200, "health checks need no token")

    def test_config_views_show_no_secret(self):
        status, sources = self.get("/api/sources")
        self.assertEqual(status, 200)
        self.assertEqual([s["name"] for s in sources], ["fiscal", "odoo", "limited", "private"])
        self.assertEqual(sources[1]["require"], {"credentials_sync": ["data.account_id", "data.odoo_password"]})
        status, targets = self.get("/api/targets")
        acc = [t for t in targets if t["name"] == "accounting"][0]
        self.assertEqual(acc["headers"], ["Authorization"])
        self.assertEqual(acc["circuit"], "closed")
        status, routes = self.get("/api/routes")
        self.assertEqual(routes[0]["to"], ["accounting"])
        status, events = self.get("/api/events")
        self.assertIn("refunds/create", events["shopify"])
        everything = "".join(json.dumps(self.get(p)[1]) for p in ["/api/sources", "/api/targets", "/api/routes"])
        for secret in ["e2e-fiscal-secret", "e2e-odoo-key", "target-secret-xyz", TOKEN]:
            self.assertNotIn(secret, everything)

    def test_injected_event_is_stored_and_delivered(self):
        body = json.dumps({"source": "fiscal", "type": "nfe_importada", "data": {"dados": {"chave": "by-hand"}}})
        status, _, answer = self.router.admin("POST", "/api/events", body=body, token=TOKEN)
        answer = json.loads(answer)
        self.assertEqual((status, answer["status"], answer["deliveries"]), (202, "accepted", 2))
        deadline = time.time() + 10
        got = []
        while not got and time.time() < deadline:
            got = [r for r in self.sink.received("/acc") if r["headers"]["x-hookrouter-event-id"] == answer["event_id"]]
            time.sleep(0.05)
        self.assertEqual(len(got), 1, "the injected event reaches the sink once (other tests share this sink)")
        self.assertEqual(json.loads(got[0]["body"]), {"dados": {"chave": "by-hand"}})
        self.assertEqual(self.router.admin("POST", "/api/events", body=b'{"type": 1}', token=TOKEN)[0], 422)
        self.assertEqual(self.router.admin("POST", "/api/events", body=b'{"source":"nope","type":"x"}', token=TOKEN)[0], 422)

    def test_reload_returns_diagnostics_and_keeps_the_table(self):
        path = os.path.join(self.router.config_dir, "zz-broken.yaml")
        with open(path, "w") as f:
            f.write("routes:\n  - { name: bad, from: fiscal, to: [nowhere] }\n")
        try:
            status, _, body = self.router.admin("POST", "/api/reload", token=TOKEN)
            answer = json.loads(body)
            self.assertEqual(status, 200)
            self.assertFalse(answer["reloaded"])
            self.assertEqual(answer["diagnostics"][0]["line"], 2)
            self.assertTrue(answer["diagnostics"][0]["file"].endswith("zz-broken.yaml"))
            self.assertIn("nowhere", answer["diagnostics"][0]["message"])
        finally:
            os.remove(path)
        body = fiscal_body("after-bad-reload")
        self.assertEqual(post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)
        status, _, body = self.router.admin("POST", "/api/reload", token=TOKEN)
        self.assertEqual(json.loads(body), {"reloaded": True})

    def test_metrics_parse_with_prometheus_client(self):
        from prometheus_client.parser import text_string_to_metric_families
        body = fiscal_body("metrics-1")
        post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})
        post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": "bad"})
        self.sink.wait_for(1, "/acc")
        time.sleep(0.4)  # the engine publishes its gauges every 250 ms
        status, text = self.get("/metrics")
        self.assertEqual(status, 200)
        families = {f.name: f for f in text_string_to_metric_families(text)}
        requests = {(s.labels["source"], s.labels["status"]): s.value for s in families["hookrouter_requests"].samples}
        self.assertGreaterEqual(requests[("fiscal", "202")], 1)
        self.assertGreaterEqual(requests[("fiscal", "401")], 1)
        attempts = {(s.labels["target"], s.labels["outcome"]): s.value for s in families["hookrouter_delivery_attempts"].samples}
        self.assertGreaterEqual(attempts[("accounting", "delivered")], 1)
        self.assertIn("hookrouter_delivery_attempt_seconds", families)
        self.assertEqual(families["hookrouter_circuit_open"].type, "gauge")
        self.assertIn("hookrouter_config_generation", families)
        self.assertIn("hookrouter_delivery_oldest_due_seconds", families)
        if not self.router.store:  # SQLite's disk reserve; PostgreSQL's disk is the database's
            self.assertEqual(families["hookrouter_disk_reserve_released"].samples[0].value, 0)
        else:
            self.assertNotIn("hookrouter_disk_reserve_released", families)

    def deliveries_of(self, event_id):
        status, page = self.get("/api/deliveries?event=%s&limit=10" % event_id)
        self.assertEqual(status, 200)
        return page["items"]

    def wait_status(self, event_id, target, status, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            rows = [d for d in self.deliveries_of(event_id) if d["target"] == target]
            if rows and rows[0]["status"] == status:
                return rows[0]
            time.sleep(0.1)
        self.fail("delivery of %s to %s never became %s: %s" % (event_id, target, status, self.deliveries_of(event_id)))

    def test_new_endpoints_need_the_token(self):
        for method, path in [("GET", "/api/deliveries"), ("GET", "/api/deliveries/1"), ("POST", "/api/deliveries/1/replay"),
                             ("GET", "/api/targets/accounting/logs"), ("POST", "/api/targets/accounting/test"), ("GET", "/api/stats")]:
            self.assertEqual(self.router.admin(method, path)[0], 401, path)
            self.assertEqual(self.router.admin(method, path, token="wrong")[0], 401, path)
        self.assertEqual(self.router.admin("DELETE", "/api/deliveries/1", token=TOKEN)[0], 405)
        self.assertEqual(self.router.admin("GET", "/api/deliveries/x", token=TOKEN)[0], 404)
        self.assertEqual(self.router.admin("GET", "/api/deliveries/999999", token=TOKEN)[0], 404)
        self.assertEqual(self.router.admin("GET", "/api/deliveries?status=lost", token=TOKEN)[0], 400)
        self.assertEqual(self.router.admin("GET", "/api/deliveries?limit=0", token=TOKEN)[0], 400)

    def test_deliveries_paginate_without_gaps_or_repeats(self):
        for i in range(3):
            body = fiscal_body("page-%d" % i)
            self.assertEqual(post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)
        status, everything = self.get("/api/deliveries?limit=500")
        all_ids = [d["id"] for d in everything["items"]]
        self.assertGreaterEqual(len(all_ids), 6)
        self.assertIsNone(everything["next_cursor"])
        seen, cursor = [], None
        while True:
            status, page = self.get("/api/deliveries?limit=2" + ("&cursor=%s" % cursor if cursor else ""))
            self.assertEqual(status, 200)
            self.assertLessEqual(len(page["items"]), 2)
            seen += [d["id"] for d in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(seen, all_ids[:len(seen)])
        self.assertEqual(len(seen), len(set(seen)))
        self.assertGreaterEqual(len(seen), len(all_ids))
        status, warehouse = self.get("/api/deliveries?target=warehouse&limit=500")
        self.assertTrue(warehouse["items"] and all(d["target"] == "warehouse" for d in warehouse["items"]))
        status, future = self.get("/api/deliveries?since=2200-01-01T00:00:00Z")
        self.assertEqual((status, future["items"]), (200, []))
        self.assertEqual(self.get("/api/deliveries?since=2999-01-01T00:00:00Z")[0], 400, "a time past 2262 is refused, not a crash")

    def test_dead_delivery_detail_and_replay_through_the_api(self):
        self.sink.answer("/acc", 410)
        try:
            body = fiscal_body("replay-by-api")
            self.assertEqual(post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)
            dead = self.wait_status("replay-by-api", "accounting", "dead")
        finally:
            self.sink.answer("/acc", 200)
        status, detail = self.get("/api/deliveries/%d" % dead["id"])
        self.assertEqual(status, 200)
        self.assertEqual(detail["status"], "dead")
        self.assertEqual(len(detail["attempt_log"]), 1)
        first = detail["attempt_log"][0]
        self.assertEqual((first["attempt"], first["status"], first["response"]), (1, 410, '{"received":true}'))
        self.assertIsInstance(first["duration_ms"], int)
        before = len(self.sink.received("/acc"))
        status, _, answer = self.router.admin("POST", "/api/deliveries/%d/replay" % dead["id"], token=TOKEN)
        self.assertEqual((status, json.loads(answer)["replayed"]), (200, True))
        got = self.sink.wait_for(before + 1, "/acc", timeout=5)[-1]
        self.assertEqual(got["headers"]["x-hookrouter-delivery-id"], str(dead["id"]))
        self.assertEqual(got["headers"]["x-hookrouter-attempt"], "2")
        self.wait_status("replay-by-api", "accounting", "delivered")
        status, detail = self.get("/api/deliveries/%d" % dead["id"])
        self.assertEqual([a["status"] for a in detail["attempt_log"]], [410, 200])
        self.assertEqual(self.router.admin("POST", "/api/deliveries/%d/replay" % dead["id"], token=TOKEN)[0], 409)
        self.assertEqual(self.router.admin("POST", "/api/deliveries/999999/replay", token=TOKEN)[0], 404)
        status, _, answer = self.router.admin("POST", "/api/deliveries/%d/replay?force=true" % dead["id"], token=TOKEN)
        self.assertEqual((status, json.loads(answer)["replayed"]), (200, True))
        self.assertEqual(self.sink.wait_for(before + 2, "/acc", timeout=5)[-1]["headers"]["x-hookrouter-attempt"], "3")

    def test_target_logs_page_newest_first(self):
        for i in range(3):
            body = fiscal_body("logs-%d" % i)
            post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})
        self.wait_status("logs-2", "accounting", "delivered")
        items, cursor = [], None
        for _ in range(3):
            status, page = self.get("/api/targets/accounting/logs?limit=1" + ("&cursor=%s" % cursor if cursor else ""))
            self.assertEqual(status, 200)
            self.assertEqual(len(page["items"]), 1)
            items += page["items"]
            cursor = page["next_cursor"]
            self.assertIsNotNone(cursor)
        # RFC 3339 with as few fraction digits as needed does not sort as text ("…18.81Z" < "…18.815Z").
        from datetime import datetime
        keys = [(datetime.fromisoformat(a["started_at"].replace("Z", "+00:00")), a["delivery_id"], a["attempt"]) for a in items]
        self.assertEqual(keys, sorted(keys, reverse=True))
        self.assertEqual(len(set(keys)), 3)
        self.assertTrue(all(a["route"] == "nfe-to-accounting" and a["source"] == "fiscal" for a in items))
        status, failing = self.get("/api/targets/warehouse/logs")
        self.assertTrue(failing["items"])
        self.assertIsNone(failing["items"][0]["status"])
        self.assertIn("connect", failing["items"][0]["error"].lower())
        self.assertEqual(self.router.admin("GET", "/api/targets/acounting/logs", token=TOKEN)[0], 404)
        self.assertEqual(self.router.admin("GET", "/api/targets/accounting/logs?cursor=nonsense", token=TOKEN)[0], 400)

    def test_test_send_reaches_the_target_now(self):
        before = len(self.sink.received("/acc"))
        status, _, answer = self.router.admin("POST", "/api/targets/accounting/test", body=b'{"type":"cte_importado","data":{"hello":1}}', token=TOKEN)
        answer = json.loads(answer)
        self.assertEqual((status, answer["succeeded"], answer["status"], answer["route"]), (200, True, 200, "nfe-to-accounting"))
        self.assertEqual(answer["response"], '{"received":true}')
        got = self.sink.wait_for(before + 1, "/acc")[-1]
        self.assertEqual(got["headers"]["x-hookrouter-event-id"], answer["event_id"])
        self.assertEqual(got["headers"]["x-hookrouter-event-type"], "cte_importado")
        self.assertEqual(json.loads(got["body"]), {"hello": 1})
        self.assertNotIn("target-secret-xyz", json.dumps(answer))
        status, _, answer = self.router.admin("POST", "/api/targets/warehouse/test", token=TOKEN)
        answer = json.loads(answer)
        self.assertEqual((status, answer["succeeded"], answer["status"]), (200, False, None))
        self.assertIn("connect", answer["error"].lower())
        self.assertEqual(self.router.admin("POST", "/api/targets/nope/test", token=TOKEN)[0], 404)
        self.assertEqual(self.router.admin("POST", "/api/targets/accounting/test", body=b"[1]", token=TOKEN)[0], 400)
        self.assertEqual(len(self.sink.received("/acc")), before + 1, "refused test sends send nothing")


class AdminTokenRotation(unittest.TestCase):
    """`settings.admin.token` is the running config's: a reload rotates it (a leaked token stops working)."""

    def test_a_reload_rotates_the_token(self):
        sink = Sink().start()
        router = Router(config=config(sink)).start()
        try:
            path = os.path.join(router.config_dir, "e2e.yaml")
            with open(path) as f:
                text = f.read()
            with open(path, "w") as f:
                f.write(text.replace("token: %s" % TOKEN, "token: rotated-e2e-token"))
            status, _, body = router.admin("POST", "/api/reload", token=TOKEN)
            self.assertEqual((status, json.loads(body)), (200, {"reloaded": True}))
            self.assertEqual(router.admin("GET", "/api/sources", token=TOKEN)[0], 401, "the old token no longer opens the API")
            self.assertEqual(router.admin("GET", "/api/sources", token="rotated-e2e-token")[0], 200)
        finally:
            router.stop()
            sink.stop()


class AdminStats(unittest.TestCase):
    """Exact numbers: a router of its own, targets that answer at once and never retry within the test."""

    def test_stats_match_what_was_sent(self):
        sink = Sink().start()
        sink.answer("/wh", 503)
        cfg = config(sink).replace('warehouse: { url: "http://127.0.0.1:9/warehouse" }',
                                   'warehouse: { url: "%s", retry: { schedule: [1h] } }' % sink.url("/wh")).replace(
            'config-service: { url: "http://127.0.0.1:9/config" }', 'config-service: { url: "%s" }' % sink.url("/cfg"))
        router = Router(config=cfg).start()
        try:
            for i in range(3):
                body = fiscal_body("stats-%d" % i)
                self.assertEqual(post(router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)
            body = b'{"event_type":"credentials_sync","account_id":7,"odoo_password":"pw-stats-1"}'
            self.assertEqual(post(router.port, "/in/odoo", body, {"X-API-Key": ODOO_KEY, "Content-Type": "application/json"})[0], 202)
            sink.wait_for(3, "/acc")
            sink.wait_for(3, "/wh")
            sink.wait_for(1, "/cfg")
            deadline = time.time() + 10
            while time.time() < deadline:
                stats = json.loads(router.admin("GET", "/api/stats", token=TOKEN)[2])
                if stats["executions_24h"] >= 7:
                    break
                time.sleep(0.1)
            self.assertEqual((stats["webhooks"], stats["active"], stats["executions_24h"], stats["delivered_24h"]), (3, 3, 7, 4))
            self.assertEqual(stats["success_rate_24h"], 0.5714)
            self.assertEqual(stats["totals"]["events"], 4)
            self.assertEqual(stats["totals"]["deliveries"], {"pending": 3, "delivered": 4, "dead": 0, "orphaned": 0})
            targets = {t["name"]: t for t in stats["targets"]}
            self.assertEqual((targets["accounting"]["executions_24h"], targets["accounting"]["success_rate_24h"]), (3, 1.0))
            self.assertEqual((targets["warehouse"]["executions_24h"], targets["warehouse"]["success_rate_24h"]), (3, 0.0))
            self.assertEqual(targets["warehouse"]["deliveries_24h"]["pending"], 3)
            sources = {s["name"]: s for s in stats["sources"]}
            self.assertEqual((sources["fiscal"]["events_24h"], sources["odoo"]["events_24h"], sources["limited"]["events_24h"]), (3, 1, 0))
            self.assertEqual(sources["fiscal"]["deliveries_24h"], {"pending": 3, "delivered": 3, "dead": 0, "orphaned": 0})
            self.assertEqual(sources["odoo"]["deliveries_24h"]["delivered"], 1)
        finally:
            router.stop()
            sink.stop()


class Retention(unittest.TestCase):
    """settings.retention: 1s — finished events and old attempt rows go; pending work and new events stay."""

    def test_old_events_and_attempts_are_purged(self):
        sink = Sink().start()
        sink.answer("/wh", 503)
        cfg = config(sink).replace("settings:\n", "settings:\n  retention: 1s\n  dedup_window: 1s\n").replace(
            'warehouse: { url: "http://127.0.0.1:9/warehouse" }', 'warehouse: { url: "%s", retry: { schedule: [1h] } }' % sink.url("/wh"))
        router = Router(config=cfg).start()
        try:
            old = fiscal_body("old-one", evento="cte_importado")       # accounting only: delivered, finished
            pending = fiscal_body("pending-one")                         # warehouse fails: stays pending for 1 h
            for body in (old, pending):
                self.assertEqual(post(router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)
            sink.wait_for(2, "/acc")
            sink.wait_for(1, "/wh")
            db = router.db()
            deadline = time.time() + 10
            while time.time() < deadline:
                events = {r[0] for r in db.execute("SELECT event_id FROM events")}
                attempts = db.execute("SELECT count(*) FROM attempts").fetchone()[0]
                if "old-one" not in events and attempts == 0:
                    break
                time.sleep(0.2)
            self.assertNotIn("old-one", events, "a finished event older than retention is purged")
            self.assertIn("pending-one", events, "an event with a pending delivery stays")
            self.assertEqual(attempts, 0, "attempt rows older than retention are purged, even of a pending delivery")
            self.assertEqual(db.execute("SELECT status FROM deliveries d JOIN events e ON e.seq = d.event_seq WHERE e.event_id = 'pending-one' AND d.target = 'warehouse'").fetchone()[0], "pending")
            self.assertEqual(db.execute("SELECT count(*) FROM deliveries d LEFT JOIN events e ON e.seq = d.event_seq WHERE e.seq IS NULL").fetchone()[0], 0,
                             "no delivery outlives its event")
            fresh = fiscal_body("fresh-one", evento="cte_importado")
            self.assertEqual(post(router.port, "/in/fiscal", fresh, {"X-Webhook-Signature": sign(fresh)})[0], 202)
            self.assertIn("fresh-one", {r[0] for r in db.execute("SELECT event_id FROM events")}, "a new event is kept")
            # Past its dedup window (1s here) the purged id is a new event again.
            status, _, answer = post(router.port, "/in/fiscal", old, {"X-Webhook-Signature": sign(old)})
            self.assertEqual((status, answer["status"]), (202, "accepted"))
            db.close()
            self.assertIn("retention purged", router.logs())
        finally:
            router.stop()
            sink.stop()


    def test_the_dedup_window_outlives_the_retention(self):
        sink = Sink().start()
        cfg = config(sink).replace("settings:\n", "settings:\n  retention: 1s\n")
        router = Router(config=cfg).start()
        try:
            old = fiscal_body("kept-id", evento="cte_importado")
            self.assertEqual(post(router.port, "/in/fiscal", old, {"X-Webhook-Signature": sign(old)})[0], 202)
            sink.wait_for(1, "/acc")
            db = router.db()
            deadline = time.time() + 10
            while time.time() < deadline and db.execute("SELECT count(*) FROM events WHERE event_id = 'kept-id'").fetchone()[0]:
                time.sleep(0.2)
            self.assertEqual(db.execute("SELECT count(*) FROM events WHERE event_id = 'kept-id'").fetchone()[0], 0, "the event is purged")
            db.close()
            # The default window is 2 days: the provider's retry is still recognised.
            status, _, answer = post(router.port, "/in/fiscal", old, {"X-Webhook-Signature": sign(old)})
            self.assertEqual((status, answer["status"]), (200, "duplicate"))
            router.stop()
            router.start()
            status, _, answer = post(router.port, "/in/fiscal", old, {"X-Webhook-Signature": sign(old)})
            self.assertEqual((status, answer["status"]), (200, "duplicate"), "and after a restart")
        finally:
            router.stop()
            sink.stop()


class LogsHoldNoSecrets(unittest.TestCase):
    def test_credentials_event_to_a_failing_target(self):
        password = "Pa55-w0rd-never-logged-91"
        router = Router(config=CONFIG.replace("settings:\n", "settings:\n  admin: { token: %s }\n" % TOKEN)).start()
        try:
            body = ('{"event_type":"credentials_sync","account_id":42,"odoo_username":"ops@example.com","odoo_password":"%s"}' % password).encode()
            status, _, answer = post(router.port, "/in/odoo", body, {"X-API-Key": ODOO_KEY, "Content-Type": "application/json"})
            self.assertEqual(status, 202)
            wrong = post(router.port, "/in/odoo", body, {"X-API-Key": "wrong-key-also-secret", "Content-Type": "application/json"})
            self.assertEqual(wrong[0], 401)
            deadline = time.time() + 10
            while time.time() < deadline and "delivery attempt failed" not in router.logs():
                time.sleep(0.1)
            ids = json.loads(router.admin("GET", "/api/deliveries?event=%s" % answer["event_id"], token=TOKEN)[2])["items"]
            detail = router.admin("GET", "/api/deliveries/%d" % ids[0]["id"], token=TOKEN)[2].decode()
            logs = router.admin("GET", "/api/targets/config-service/logs", token=TOKEN)[2].decode()
        finally:
            router.stop()
        text = router.logs()
        for secret in [password, ODOO_KEY, "wrong-key-also-secret"]:
            self.assertNotIn(secret, text)
            self.assertNotIn(secret, detail + logs)
        failed = [json.loads(l) for l in text.splitlines() if '"delivery attempt failed"' in l]
        self.assertTrue(failed)
        for line in failed:
            self.assertEqual((line["source"], line["route"], line["target"], line["event_id"]), ("odoo", "odoo-config", "config-service", answer["event_id"]))
            self.assertTrue(line["delivery_id"].isdigit())


class AdminRefusal(unittest.TestCase):
    def test_non_loopback_admin_without_token_is_refused(self):
        r = Router()
        out = subprocess.run([BINARY, "serve", "--config", r.config_dir, "--data", r.data, "--listen", "127.0.0.1:%d" % free_port(),
                              "--admin", "0.0.0.0:%d" % free_port()], capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 1)
        self.assertIn("settings.admin.token", out.stderr)


if __name__ == "__main__":
    unittest.main()
