"""End-to-end admin API (SPEC §8): bearer token, the config views, reload with diagnostics, events
injected by hand reaching a real sink, and a Prometheus scrape that the reference parser accepts."""
import json
import os
import subprocess
import time
import unittest

from harness import BINARY, CONFIG, Router, fiscal_body, sign, post, free_port
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
        got = self.sink.wait_for(1, "/acc")
        self.assertEqual(json.loads(got[0]["body"]), {"dados": {"chave": "by-hand"}})
        self.assertEqual(got[0]["headers"]["x-hookrouter-event-id"], answer["event_id"])
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


class AdminRefusal(unittest.TestCase):
    def test_non_loopback_admin_without_token_is_refused(self):
        r = Router()
        out = subprocess.run([BINARY, "serve", "--config", r.config_dir, "--data", r.data, "--listen", "127.0.0.1:%d" % free_port(),
                              "--admin", "0.0.0.0:%d" % free_port()], capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 1)
        self.assertIn("settings.admin.token", out.stderr)


if __name__ == "__main__":
    unittest.main()
