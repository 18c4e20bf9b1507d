"""End-to-end in a real browser: the operator console (#17) served by the admin listener, driven in
headless Chromium over the DevTools protocol (test_stream_browser.DevTools). A store of 100,000
deliveries (bench/workload/preload.py), a target that fails once so a delivery dies; the test signs
in (a wrong token first), finds the dead letter, replays it and sees it delivered, opens every page
within a second and with no console error, and saves a screenshot of each to $HOOKROUTER_TEST_OUTPUT."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from harness import ROOT, Router, fiscal_body, post, sign
from sink import Sink
from test_stream_browser import DevTools, chromium

TOKEN = "e2e-console-token"
PAGES = ["overview", "deliveries", "dead", "targets", "sources", "config", "live"]


class ConsoleInChromium(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.binary = chromium()
        if cls.binary is None:
            if os.environ.get("CI"):
                raise AssertionError("CI needs chromium for the browser tests (.ci/run installs it)")
            raise unittest.SkipTest("chromium is not installed (apt-get install chromium); CI runs this test")

    def setUp(self):
        self.sink = Sink().start()
        self.sink.answer_in_turn("/sink", [(500, {}), (200, {})])  # the first attempt fails: dead (1 attempt allowed)
        config = """
settings:
  admin: { token: %s }
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: e2e-fiscal-secret, type: evento, id: { path: dados.chave } }
targets:
  sink: { url: "%s", retry: { attempts: 1 } }
routes:
  - { name: to-sink, from: fiscal, to: [sink] }
""" % (TOKEN, self.sink.url("/sink"))
        self.router = Router(config=config)
        # A store already holding 100,000 delivered events, as a week of traffic leaves it.
        self.router.start()
        self.router.stop()
        body = os.path.join(self.router.dir, "body.json")
        with open(body, "wb") as f:
            f.write(fiscal_body("preloaded"))
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "workload", "preload.py"), self.router.store or os.path.join(self.router.data, "hookrouter.db"),
                        "100000", body], check=True, capture_output=True)
        self.router.start()
        self.profile = tempfile.mkdtemp(prefix="hookrouter-chromium-")
        self.browser = DevTools(self.binary, self.profile)
        self.output = os.environ.get("HOOKROUTER_TEST_OUTPUT", self.router.dir)
        os.makedirs(self.output, exist_ok=True)

    def tearDown(self):
        self.browser.close()
        self.router.stop()
        self.sink.stop()
        shutil.rmtree(self.profile, ignore_errors=True)

    def open(self, page):
        """Shows a page; returns the seconds until it was drawn."""
        start = time.time()
        self.browser.eval("location.hash = %r" % ("#" + page))
        self.browser.wait_for("!!document.getElementById('page-%s') || !!document.querySelector('#view .bad')" % page.split("?")[0])
        took = time.time() - start
        self.assertIsNone(self.browser.eval("(e => e && e.textContent)(document.querySelector('#view .bad'))"), page)
        return took

    def test_sign_in_replay_a_dead_letter_and_every_page(self):
        chave = "35261145678901000175550010000012341000012399"
        body = fiscal_body(chave)
        self.assertEqual(post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)
        self.sink.wait_for(1, "/sink")

        self.browser.call("Page.navigate", url="http://127.0.0.1:%d/" % self.router.admin_port)
        self.browser.wait_for("!document.getElementById('login').hidden")
        # A wrong token is refused and not kept.
        self.browser.eval("document.getElementById('token').value = 'wrong'; document.getElementById('login').requestSubmit()")
        self.browser.wait_for("document.getElementById('login-error').textContent === 'Wrong token.'")
        self.assertIsNone(self.browser.eval("sessionStorage.getItem('hookrouter.admin.token')"))
        self.assertNotIn("wrong", self.browser.eval("location.href"))
        self.browser.eval("document.getElementById('token').value = %r; document.getElementById('login').requestSubmit()" % TOKEN)
        self.browser.wait_for("!!document.getElementById('page-overview')")
        self.assertNotIn(TOKEN, self.browser.eval("location.href"), "the token never goes in a URL")

        # The failed delivery is among the dead letters; replayed, it is delivered.
        self.open("dead")
        self.browser.wait_for("document.querySelectorAll('#page-dead tbody tr.click').length === 1")
        self.browser.screenshot(os.path.join(self.output, "console-dead.png"))
        self.browser.eval("document.querySelector('#page-dead tbody tr.click').click()")
        self.browser.wait_for("!!document.getElementById('replay-one')")
        self.assertIn(chave, self.browser.eval("document.getElementById('page-delivery').textContent"))
        self.browser.eval("document.getElementById('replay-one').click()")
        self.browser.wait_for("!document.getElementById('dialog').hidden")
        self.browser.eval("document.getElementById('dialog-yes').click()")
        self.sink.wait_for(2, "/sink")
        deadline = time.time() + 10
        while True:
            # Shown again (what a reload of the page does) once drawn, until the engine has recorded the attempt.
            self.browser.wait_for("!!document.getElementById('delivery-status')")
            if self.browser.eval("document.getElementById('delivery-status').textContent") == "delivered":
                break
            self.assertLess(time.time(), deadline, "the replayed delivery never showed delivered")
            time.sleep(0.3)
            self.browser.eval("window.dispatchEvent(new HashChangeEvent('hashchange'))")
        self.browser.screenshot(os.path.join(self.output, "console-delivery.png"))

        # Every page, against the 100,000-delivery store: drawn within a second, no console error.
        for page in PAGES:
            took = self.open(page)
            self.assertLess(took, 1.0, "%s took %.2f s" % (page, took))
            text = self.browser.eval("document.getElementById('view').textContent")
            self.assertNotIn("NaN", text, page)
            self.assertNotIn("undefined", text, page)
            self.browser.screenshot(os.path.join(self.output, "console-%s.png" % page))
        # The live tail: an event stored now shows up, over the admin listener's event stream.
        self.open("live")
        self.browser.wait_for("document.getElementById('live-state').textContent === 'live'")
        live = fiscal_body("35261145678901000175550010000012341000012400")
        self.assertEqual(post(self.router.port, "/in/fiscal", live, {"X-Webhook-Signature": sign(live)})[0], 202)
        row = self.browser.wait_for("(r => r && r.textContent)(document.querySelector('#live-rows tr'))")
        self.assertIn("35261145678901000175550010000012341000012400", row)
        self.assertIn("sink", row)
        self.browser.screenshot(os.path.join(self.output, "console-live.png"))
        self.browser.call("Emulation.setDeviceMetricsOverride", width=390, height=844, deviceScaleFactor=1, mobile=True)
        self.open("deliveries")
        self.browser.screenshot(os.path.join(self.output, "console-phone.png"))
        self.assertEqual(self.browser.console_errors, [])
        print("\nscreenshots: " + self.output)


class LiveFeed(unittest.TestCase):
    """GET /api/events/live on the admin listener: behind the token, summaries only, resumable."""

    def setUp(self):
        self.router = Router(config="""
settings:
  admin: { token: %s }
sources:
  fiscal: { adapter: hmac, path: /in/fiscal, secret: e2e-fiscal-secret, type: evento, id: { path: dados.chave } }
targets:
  sink: { url: "http://127.0.0.1:9/sink" }
routes:
  - { name: to-sink, from: fiscal, to: [sink] }
""" % TOKEN).start()

    def tearDown(self):
        self.router.stop()

    def events(self, response, n):
        out, data = [], []
        while len(out) < n:
            line = response.fp.readline().decode().rstrip("\n")
            if line.startswith("data: "):
                data.append(line[6:])
            elif line == "" and data:
                out.append(json.loads("\n".join(data)))
                data = []
        return out

    def post(self, chave):
        body = fiscal_body(chave, extra=',"senha":"segredo-no-corpo"')
        self.assertEqual(post(self.router.port, "/in/fiscal", body, {"X-Webhook-Signature": sign(body)})[0], 202)

    def test_the_feed_needs_the_token_shows_no_body_and_resumes(self):
        import http.client
        c = http.client.HTTPConnection("127.0.0.1", self.router.admin_port, timeout=10)
        c.request("GET", "/api/events/live")
        self.assertEqual(c.getresponse().status, 401)
        c.close()
        c = http.client.HTTPConnection("127.0.0.1", self.router.admin_port, timeout=10)
        c.request("GET", "/api/events/live", headers={"Authorization": "Bearer " + TOKEN})
        r = c.getresponse()
        self.assertEqual((r.status, r.getheader("Content-Type")), (200, "text/event-stream"))
        self.post("feed-1")
        self.post("feed-2")
        got = self.events(r, 2)
        c.close()
        self.assertEqual([(m["event_id"], m["targets"]) for m in got], [("feed-1", ["sink"]), ("feed-2", ["sink"])])
        self.assertNotIn("segredo", json.dumps(got))
        self.post("feed-3")
        c = http.client.HTTPConnection("127.0.0.1", self.router.admin_port, timeout=10)
        c.request("GET", "/api/events/live", headers={"Authorization": "Bearer " + TOKEN, "Last-Event-ID": got[-1]["id"]})
        resumed = self.events(c.getresponse(), 1)
        c.close()
        self.assertEqual(resumed[0]["event_id"], "feed-3")

        # The deliveries list filters by source too (the console's filter).
        _, _, body = self.router.admin("GET", "/api/deliveries?source=fiscal", token=TOKEN)
        self.assertEqual(sorted(d["event_id"] for d in json.loads(body)["items"]), ["feed-1", "feed-2", "feed-3"])
        _, _, body = self.router.admin("GET", "/api/deliveries?source=other", token=TOKEN)
        self.assertEqual(json.loads(body)["items"], [])


if __name__ == "__main__":
    unittest.main()
