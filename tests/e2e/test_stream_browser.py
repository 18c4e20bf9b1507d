"""End-to-end in a real browser: headless Chromium opens examples/stock-ui/index.html against the real
binary running routes.d's Shopify stream, an order is posted to the Shopify source, and the page's
DOM shows it; a stock-out comes as a critical alert. Chromium is driven over the DevTools protocol
with the `websockets` library (no Selenium needed), and a screenshot of the page is saved to
$HOOKROUTER_TEST_OUTPUT (default: the router's temp directory) for people to look at."""
import base64
import contextlib
import hashlib
import hmac
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.request

from websockets.sync.client import connect

from harness import ROOT, Router, free_port, post

TOKEN_SECRET = "stock-ui-test-token-secret-0123456789"  # routes.d/shopify.yaml's default
SHOPIFY_SECRET = "shpss_test_secret"
SHOP = "loja-aurora.myshopify.com"


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def mint(groups, secret=TOKEN_SECRET, exp_in=600):
    def b64(b):
        return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
    head = b64(b'{"alg":"HS256","typ":"JWT"}')
    claims = b64(json.dumps({"groups": groups, "exp": int(time.time()) + exp_in}).encode())
    return head + "." + claims + "." + b64(hmac.new(secret.encode(), (head + "." + claims).encode(), hashlib.sha256).digest())


class DevTools:
    """One page of a headless Chromium, driven over the DevTools protocol."""

    def __init__(self, binary, profile):
        self.port = free_port()
        self.proc = subprocess.Popen([binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                      "--user-data-dir=" + profile, "--remote-debugging-port=%d" % self.port,
                                      "--window-size=1280,800", "about:blank"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            try:
                pages = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % self.port, timeout=1))
                page = [p for p in pages if p.get("type") == "page"][0]
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        self.exits = contextlib.ExitStack()
        self.ws = self.exits.enter_context(connect(page["webSocketDebuggerUrl"], max_size=None))
        self.next_id = 0
        self.console_errors = []
        self.call("Runtime.enable")
        self.call("Page.enable")

    def call(self, method, **params):
        self.next_id += 1
        my = self.next_id
        self.ws.send(json.dumps({"id": my, "method": method, "params": params}))
        while True:
            m = json.loads(self.ws.recv(timeout=30))
            if m.get("method") == "Runtime.exceptionThrown":
                self.console_errors.append(m["params"]["exceptionDetails"].get("text"))
            if m.get("method") == "Runtime.consoleAPICalled" and m["params"]["type"] == "error":
                self.console_errors.append(str(m["params"]["args"]))
            if m.get("id") == my:
                if "error" in m:
                    raise RuntimeError(m["error"])
                return m.get("result", {})

    def eval(self, expression):
        return self.call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def wait_for(self, expression, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError("page never showed: %s" % expression)

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))

    def close(self):
        self.exits.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)


class StockPageInChromium(unittest.TestCase):
    def setUp(self):
        binary = chromium()
        if binary is None:
            if os.environ.get("CI"):
                self.fail("CI needs chromium for the browser tests (.ci/run installs it)")
            self.skipTest("chromium is not installed (apt-get install chromium); CI runs this test")
        # The shipped Shopify config, alone: the stream target and routes the example page is for.
        with open(os.path.join(ROOT, "routes.d", "shopify.yaml")) as f:
            self.router = Router(config=f.read()).start()
        self.profile = tempfile.mkdtemp(prefix="hookrouter-chromium-")
        self.browser = DevTools(binary, self.profile)
        self.output = os.environ.get("HOOKROUTER_TEST_OUTPUT", self.router.dir)
        os.makedirs(self.output, exist_ok=True)

    def tearDown(self):
        self.browser.close()
        self.router.stop()
        shutil.rmtree(self.profile, ignore_errors=True)

    def shopify(self, topic, body, webhook_id):
        raw = json.dumps(body).encode() if not isinstance(body, bytes) else body
        mac = base64.b64encode(hmac.new(SHOPIFY_SECRET.encode(), raw, hashlib.sha256).digest()).decode()
        status, _, answer = post(self.router.port, "/in/shopify", raw, {
            "Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Hmac-Sha256": mac,
            "X-Shopify-Shop-Domain": SHOP, "X-Shopify-Webhook-Id": webhook_id})
        self.assertEqual(status, 202, answer)

    def test_the_example_page_shows_a_paid_order_and_a_stock_out_alert_live(self):
        page = "file://%s/examples/stock-ui/index.html?server=ws://127.0.0.1:%d&shop=%s&token=%s" % (
            ROOT, self.router.port, SHOP, mint([SHOP]))
        self.browser.call("Page.navigate", url=page)
        self.browser.wait_for("document.getElementById('status').dataset.state === 'live'")

        with open(os.path.join(ROOT, "examples", "shopify", "orders-paid.json"), "rb") as f:
            self.shopify("orders/paid", f.read(), "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
        row = self.browser.wait_for("(r => r && r.innerText)(document.querySelector('#orders tr[data-order=\"#1042\"]'))")
        self.assertIn("pago", row)
        self.assertIn("2× CAM-ORG-AZ-P", row)
        self.assertIn("229.60 BRL", row)

        self.shopify("inventory_levels/update", {"inventory_item_id": 45120098762801, "location_id": 72391548213, "available": 0},
                     "5f0e2c1a-0b8d-4d3e-9a61-2f7c4b8e9d10")
        alert = self.browser.wait_for("(a => a && a.innerText)(document.querySelector('#alerts .alert'))")
        self.assertIn("45120098762801", alert)

        shot = os.path.join(self.output, "stock-ui.png")
        self.browser.screenshot(shot)
        self.assertGreater(os.path.getsize(shot), 5000)
        print("\nscreenshot: " + shot)
        self.assertEqual(self.browser.console_errors, [])


if __name__ == "__main__":
    unittest.main()
