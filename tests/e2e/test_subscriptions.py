"""End-to-end: the subscriptions API (#16) against the real binary. Every change is checked in the
YAML file the API owns, by `hookrouter check`, and by deliveries to a loopback sink; a restart keeps
them; concurrent writers lose nothing; an edit by hand is picked up and never written over unseen;
untrusted targets cannot reach this machine or its networks, whatever their URL says."""
import hashlib
import hmac
import json
import os
import socket
import subprocess
import threading
import time
import unittest

from harness import BINARY, Router, fiscal_body, post, sign
from sink import Sink

# The sink listens on 127.0.0.2 (loopback too, on Linux), the one address the config allows; every
# other loopback, private or metadata address stays refused.
CONFIG = """
settings:
  subscriptions: { allow_http: true, allow_networks: [127.0.0.2/32] }
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: e2e-fiscal-secret, type: evento, id: { path: dados.chave } }
"""


class SubscriptionCase(unittest.TestCase):
    def setUp(self):
        self.sink = Sink(host="127.0.0.2").start()
        self.router = Router(config=CONFIG).start()
        self.file = os.path.join(self.router.config_dir, "90-subscriptions.yaml")

    def tearDown(self):
        self.router.stop()
        self.sink.stop()

    def api(self, method, path, body=None, headers=None):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.router.admin_port, timeout=20)
        try:
            c.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, r.getheader("ETag"), (json.loads(data) if data else None)
        finally:
            c.close()

    def create(self, **fields):
        status, etag, answer = self.api("POST", "/api/subscriptions", fields)
        self.assertEqual(status, 201, answer)
        return answer

    def post_event(self, chave, evento="nfe_importada"):
        body = fiscal_body(chave, evento)
        self.assertEqual(post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)

    def yaml(self):
        with open(self.file) as f:
            return f.read()

    def check(self):
        p = subprocess.run([BINARY, "check", self.router.config_dir], capture_output=True, env=dict(os.environ, SWIFT_BACKTRACE="enable=no"))
        return p.returncode, p.stdout.decode() + p.stderr.decode()


class Lifecycle(SubscriptionCase):
    def test_create_deliver_update_test_logs_delete_and_restart(self):
        sub = self.create(name="ERP do cliente", url=self.sink.url("/erp"), events="nfe_importada,cte_importado",
                          secret="cliente-secret", timeout=10, retry_count=2, headers={"X-Tenant": "42"})
        sid = sub["id"]
        self.assertEqual((sub["active"], sub["has_secret"], sub["timeout_ms"], sub["retry_count"], sub["headers"]),
                         (True, True, 10000, 2, ["X-Tenant"]))
        self.assertNotIn("cliente-secret", json.dumps(sub))
        text = self.yaml()
        self.assertIn('id: "%s"' % sid, text)
        self.assertNotIn("cliente-secret", text)
        secret_file = [l.split('"')[1] for l in text.splitlines() if "file:" in l][0]
        self.assertEqual(os.stat(secret_file).st_mode & 0o777, 0o600)
        self.assertEqual(self.check()[0], 0, self.check()[1])

        # It delivers, signed with its secret, with its headers.
        self.post_event("sub-1")
        self.sink.wait_for(1, "/erp")
        req = self.sink.received("/erp")[0]
        self.assertEqual(req["headers"]["x-webhook-signature"], hmac.new(b"cliente-secret", req["body"], hashlib.sha256).hexdigest())
        self.assertEqual(req["headers"]["x-tenant"], "42")

        # Deactivated: stays in the file and the list, takes no events.
        status, _, changed = self.api("PUT", "/api/subscriptions/" + sid, {"active": False})
        self.assertEqual((status, changed["active"]), (200, False), changed)
        self.assertIn("active: false", self.yaml())
        self.post_event("sub-2")
        time.sleep(0.5)
        self.assertEqual(len(self.sink.received("/erp")), 1)

        # Test send and logs through the subscription's own paths.
        status, _, tested = self.api("POST", "/api/subscriptions/%s/test" % sid, {})
        self.assertEqual(status, 200, tested)
        self.assertEqual(len(self.sink.received("/erp")), 2)
        status, _, logs = self.api("GET", "/api/subscriptions/%s/logs" % sid)
        self.assertEqual(status, 200)
        self.assertGreaterEqual(len(logs["items"]), 1)
        status, _, listed = self.api("GET", "/api/subscriptions")
        self.assertEqual(listed["subscriptions"][0]["deliveries"]["delivered"], 1)

        # A restart keeps it as it was.
        self.router.stop()
        self.router.start()
        status, _, listed = self.api("GET", "/api/subscriptions")
        self.assertEqual([(s["id"], s["active"]) for s in listed["subscriptions"]], [(sid, False)])

        status, _, _ = self.api("DELETE", "/api/subscriptions/" + sid)
        self.assertEqual(status, 200)
        self.assertNotIn(sid, self.yaml())
        self.assertFalse(os.path.exists(secret_file), "its secret file goes with it")
        self.assertEqual(self.api("GET", "/api/subscriptions/" + sid)[0], 404)
        self.assertEqual(self.check()[0], 0)

    def test_a_bad_subscription_is_a_422_with_the_diagnostic_and_nothing_is_written(self):
        self.create(name="ok", url=self.sink.url("/ok"), events=["nfe_importada"])
        before = self.yaml()
        for fields, needle in [({"name": "x", "url": self.sink.url("/x"), "events": ["a"], "from": ["nope"]}, "unknown source 'nope'"),
                               ({"name": "x", "url": "ftp://h/x", "events": ["a"]}, "must start with http"),
                               ({"name": "x", "url": self.sink.url("/x")}, "needs 'name', 'url' and 'events'"),
                               ({"name": "x", "url": self.sink.url("/x"), "events": ["a"], "color": "blue"}, "unknown field 'color'"),
                               ({"name": "x", "url": self.sink.url("/x"), "events": ["a"], "when": [{"path": "data.x", "eq": 1, "oops": 2}]}, "oops")]:
            status, _, answer = self.api("POST", "/api/subscriptions", fields)
            self.assertEqual(status, 422, (fields, answer))
            self.assertIn(needle, json.dumps(answer))
        self.assertEqual(self.yaml(), before)
        self.assertEqual(len(os.listdir(self.router.config_dir)), 2, "no temp file left behind")

    def test_environment_variables_in_client_text_are_never_expanded(self):
        sub = self.create(name="${HOME}", url=self.sink.url("/env"), events=["nfe_importada"], headers={"X-Leak": "${HOME}"})
        self.post_event("env-1")
        self.sink.wait_for(1, "/env")
        self.assertEqual(self.sink.received("/env")[0]["headers"]["x-leak"], "${HOME}")
        self.assertEqual(sub["name"], "${HOME}", "shown as sent, not expanded")
        self.assertIn('name: "$${HOME}"', self.yaml(), "kept in the file in the config's literal form")


class FiscalSystemMount(SubscriptionCase):
    """/api/webhooks/ with the fiscal system's own field names, as its clients send them."""

    def test_the_portuguese_mount_creates_lists_updates_tests_logs_counts_and_deletes(self):
        status, _, made = self.api("POST", "/api/webhooks/", {
            "nome": "ERP Contábil", "url": self.sink.url("/fiscal"), "eventos": "nfe_importada,cte_importado", "ativo": True,
            "secret_key": "chave-do-cliente", "headers_customizados": {"X-Empresa": "77"}})
        self.assertEqual(status, 201, made)
        wid = made["id"]
        self.assertEqual((made["nome"], made["eventos"], made["ativo"], made["timeout"], made["retry_count"]),
                         ("ERP Contábil", "nfe_importada,cte_importado", True, 30, 3))
        self.assertEqual(made["headers_customizados"], {"X-Empresa": "<oculto>"})
        self.assertNotIn("secret_key", made)
        self.assertEqual((made["ultima_execucao"], made["total_execucoes"], made["total_erros"]), (None, 0, 0))
        self.assertIn('"X-Empresa": "77"', self.yaml().replace("X-Empresa:", '"X-Empresa":'))

        self.post_event("compat-1", "cte_importado")
        self.sink.wait_for(1, "/fiscal")
        req = self.sink.received("/fiscal")[0]
        self.assertEqual(req["headers"]["x-webhook-signature"], hmac.new(b"chave-do-cliente", req["body"], hashlib.sha256).hexdigest())
        deadline = time.time() + 5  # the attempt is in the log once the engine has settled it (milliseconds)
        while True:
            status, _, listed = self.api("GET", "/api/webhooks/")
            if listed[0]["ultima_execucao"] is not None or time.time() > deadline:
                break
            time.sleep(0.1)
        self.assertEqual(status, 200)
        self.assertEqual([(w["id"], w["total_execucoes"], w["total_erros"]) for w in listed], [(wid, 1, 0)])
        self.assertIsNotNone(listed[0]["ultima_execucao"])

        # A client sends the whole object back, read-only fields and hidden header values included.
        back = dict(listed[0], ativo=False, timeout=12)
        status, _, changed = self.api("PUT", "/api/webhooks/%s/" % wid, back)
        self.assertEqual((status, changed["ativo"], changed["timeout"]), (200, False, 12), changed)
        self.assertIn('"77"', self.yaml(), "the hidden header value was kept")

        status, _, tested = self.api("POST", "/api/webhooks/%s/testar/" % wid)
        self.assertEqual((status, tested["sucesso"], tested["status_code"]), (200, True, 200), tested)
        status, _, logs = self.api("GET", "/api/webhooks/%s/logs/" % wid)
        self.assertEqual(status, 200)
        self.assertTrue(any(l["sucesso"] for l in logs))
        self.assertTrue(all(set(l) >= {"data_execucao", "status_code", "sucesso", "tempo_resposta_ms", "erro", "tentativa"} for l in logs))
        status, _, stats = self.api("GET", "/api/webhooks/estatisticas/")
        self.assertEqual((status, stats["total_webhooks"], stats["webhooks_ativos"], stats["total_execucoes"], stats["taxa_sucesso"]),
                         (200, 1, 0, 1, 100))
        status, _, _ = self.api("DELETE", "/api/webhooks/%s/" % wid)
        self.assertEqual(status, 204)
        self.assertEqual(self.api("GET", "/api/webhooks/")[2], [])
        status, _, answer = self.api("POST", "/api/webhooks/", {"nome": "x", "url": self.sink.url("/x"), "eventos": "a", "cor": "azul"})
        self.assertEqual(status, 422)
        self.assertIn("cor", answer["detail"])


class Concurrency(SubscriptionCase):
    def test_ten_concurrent_writers_lose_nothing(self):
        results = []

        def writer(i):
            status, _, answer = self.api("POST", "/api/subscriptions", {"name": "w%d" % i, "url": self.sink.url("/w%d" % i), "events": ["nfe_importada"]})
            results.append((status, answer and answer.get("id")))

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(sorted(s for s, _ in results), [201] * 10)
        status, _, listed = self.api("GET", "/api/subscriptions")
        self.assertEqual(sorted(s["id"] for s in listed["subscriptions"]), sorted(i for _, i in results))
        self.assertEqual(self.yaml().count("- id:"), 10)
        self.assertEqual(self.check()[0], 0)
        self.post_event("many-1")
        self.sink.wait_for(10)

    def test_a_hand_edit_is_picked_up_and_a_stale_write_is_refused(self):
        sub = self.create(name="first", url=self.sink.url("/a"), events=["nfe_importada"])
        status, etag, _ = self.api("GET", "/api/subscriptions")
        # An operator edits the file by hand: renames it.
        with open(self.file) as f:
            text = f.read()
        with open(self.file, "w") as f:
            f.write(text.replace('name: "first"', 'name: "edited by hand"'))
        deadline = time.time() + 5
        while self.api("GET", "/api/subscriptions/" + sub["id"])[2]["name"] != "edited by hand":
            self.assertLess(time.time(), deadline, "the hand edit was never picked up")
            time.sleep(0.1)
        # A client that read before the edit is refused; one that reads again succeeds and keeps the edit.
        status, _, answer = self.api("PATCH", "/api/subscriptions/" + sub["id"], {"retry_count": 5}, {"If-Match": etag})
        self.assertEqual(status, 409, answer)
        _, fresh, _ = self.api("GET", "/api/subscriptions")
        status, _, answer = self.api("PATCH", "/api/subscriptions/" + sub["id"], {"retry_count": 5}, {"If-Match": fresh})
        self.assertEqual((status, answer["name"], answer["retry_count"]), (200, "edited by hand", 5))

    def test_a_file_holding_more_than_subscriptions_is_never_rewritten(self):
        with open(self.file, "w") as f:
            f.write('targets:\n  hand: { url: "http://127.0.0.1:9/hand" }\nsubscriptions: []\n')
        before = self.yaml()
        status, _, answer = self.api("POST", "/api/subscriptions", {"name": "x", "url": self.sink.url("/x"), "events": ["a"]})
        self.assertEqual(status, 409, answer)
        self.assertIn("targets", answer["detail"])
        self.assertEqual(self.yaml(), before)


class OutboundSafety(SubscriptionCase):
    def test_loopback_private_and_metadata_addresses_are_refused(self):
        for url in ["http://127.0.0.1:%d/x" % self.sink.port, "http://169.254.169.254/latest/meta-data", "https://10.0.0.1/x",
                    "https://[::1]/x", "http://localhost:%d/x" % self.sink.port]:
            status, _, answer = self.api("POST", "/api/subscriptions", {"name": "x", "url": url, "events": ["nfe_importada"]})
            self.assertEqual(status, 422, (url, answer))
            self.assertIn("may not send", answer["detail"])

    def test_a_name_that_resolves_to_loopback_is_refused_at_connect_time(self):
        name = loopback_name()
        sub = self.create(name="dns", url="http://%s:%d/dns" % (name, self.sink.port), events=["nfe_importada"])
        self.post_event("dns-1")
        deadline = time.time() + 10
        while True:
            _, _, logs = self.api("GET", "/api/subscriptions/%s/logs" % sub["id"])
            errors = [i.get("error") for i in logs["items"] if i.get("error")]
            if errors:
                break
            self.assertLess(time.time(), deadline, "no attempt logged")
            time.sleep(0.2)
        self.assertIn("refused to connect: 127.0.0.1 is a loopback address", errors[0])
        self.assertEqual(self.sink.received("/dns"), [])

    def test_a_redirect_to_loopback_is_not_followed(self):
        self.sink.answer_in_turn("/redirect", [(302, {"Location": "http://127.0.0.1:%d/inner" % self.sink.port})])
        sub = self.create(name="redir", url=self.sink.url("/redirect"), events=["nfe_importada"])
        self.post_event("redir-1")
        self.sink.wait_for(1, "/redirect")
        time.sleep(0.5)
        self.assertEqual(self.sink.received("/inner"), [])
        _, _, logs = self.api("GET", "/api/subscriptions/%s/logs" % sub["id"])
        self.assertEqual(logs["items"][0]["status"], 302)


def loopback_name():
    """A name other than localhost that this machine resolves to a loopback address (its hostname,
    on most Debian machines; else any /etc/hosts alias of 127.x)."""
    candidates = [socket.gethostname()]
    with open("/etc/hosts") as f:
        for line in f:
            parts = line.split("#")[0].split()
            if parts and parts[0].startswith("127."):
                candidates += parts[1:]
    for name in candidates:
        if name != "localhost" and not name.endswith(".localhost"):
            try:
                if socket.gethostbyname(name) == "127.0.0.1":
                    return name
            except OSError:
                continue
    raise AssertionError("no name resolves to 127.0.0.1 besides localhost; add one to /etc/hosts")


if __name__ == "__main__":
    unittest.main()
