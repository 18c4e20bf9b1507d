"""End-to-end reload: saving a file in the config directory, `hookrouter reload` (SIGHUP through the
pid file), broken files that must leave the running table alone, editor-style saves and deletions."""
import os
import shutil
import subprocess
import time
import unittest

from harness import BINARY, Router, fiscal_body, sign, post

EXTRA = """
sources:
  extra: { adapter: hmac, path: /in/extra, secret: e2e-fiscal-secret, type: evento, id: { path: dados.chave } }
"""
BROKEN = """
routes:
  - { name: broken, from: fiscal, events: [nfe_importada], to: [nowhere] }
"""


class Reload(unittest.TestCase):
    def setUp(self):
        self.router = Router().start()
        self.n = 0

    def tearDown(self):
        self.router.stop()

    def status(self, path):
        self.n += 1
        body = fiscal_body("reload-%d-%f" % (self.n, time.time()))
        return post(self.router.port, path, body, {"X-Webhook-Signature": sign(body)})[0]

    def write(self, name, text):
        with open(os.path.join(self.router.config_dir, name), "w") as f:
            f.write(text)

    def wait_until(self, predicate, timeout=5.0):
        started = time.time()
        while time.time() - started < timeout:
            if predicate():
                return time.time() - started
            time.sleep(0.02)
        return None

    def reloads(self):
        return self.router.logs().count('"msg":"routes reloaded"')

    def reload_cli(self):
        return subprocess.run([BINARY, "reload", "--data", self.router.data], capture_output=True, text=True, timeout=20)

    def test_a_saved_file_is_taken_within_a_second_and_a_deleted_one_goes_away(self):
        self.assertEqual(self.status("/in/extra"), 404)
        saved = time.time()
        self.write("extra.yaml", EXTRA)
        took = self.wait_until(lambda: self.status("/in/extra") == 202)
        self.assertIsNotNone(took, self.router.logs())
        self.assertLess(time.time() - saved, 1.0)
        os.remove(os.path.join(self.router.config_dir, "extra.yaml"))
        self.assertIsNotNone(self.wait_until(lambda: self.status("/in/extra") == 404))

    def test_a_broken_file_keeps_the_running_table(self):
        before = self.reloads()
        self.write("zz-broken.yaml", BROKEN)
        self.assertIsNotNone(self.wait_until(lambda: '"msg":"reload rejected' in self.router.logs()))
        self.assertEqual(self.status("/in/fiscal"), 202, "the old routes still serve")
        self.assertIn("zz-broken.yaml:3:", self.router.logs(), "the diagnostic names the place")
        self.assertEqual(self.reloads(), before)
        r = self.reload_cli()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("zz-broken.yaml:3:", r.stderr)
        self.assertIn("unknown target 'nowhere'", r.stderr)
        self.assertIn("rejected", r.stderr)
        os.remove(os.path.join(self.router.config_dir, "zz-broken.yaml"))
        r = self.reload_cli()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("reloaded", r.stdout)

    def test_an_editor_style_save_is_seen_once(self):
        self.wait_until(lambda: False, timeout=0.6)  # let start-up settle
        before = self.reloads()
        temp = os.path.join(self.router.config_dir, ".extra.yaml.swp")
        with open(temp, "w") as f:
            f.write(EXTRA)
        os.rename(temp, os.path.join(self.router.config_dir, "extra.yaml"))
        self.assertIsNotNone(self.wait_until(lambda: self.status("/in/extra") == 202))
        time.sleep(0.8)
        self.assertEqual(self.reloads(), before + 1)

    def test_a_setting_applied_only_at_start_is_taken_with_a_warning(self):
        path = os.path.join(self.router.config_dir, "e2e.yaml")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("header_timeout: 1s", "header_timeout: 7s"))
        done = self.reload_cli()
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("settings.http differs from what the router started with; it takes effect when the router restarts", done.stderr)
        # Until the restart, every reload says so again.
        again = self.reload_cli()
        self.assertIn("settings.http differs", again.stderr)
        self.assertIn("reloaded", done.stdout)
        self.assertEqual(self.status("/in/fiscal"), 202)

    def test_a_replaced_config_directory_is_watched_again(self):
        # A deploy that swaps the directory: the old one moved away, a new one in its place.
        config_dir = self.router.config_dir
        os.rename(config_dir, config_dir + ".old")
        shutil.copytree(config_dir + ".old", config_dir)
        self.write("extra.yaml", EXTRA)
        self.assertIsNotNone(self.wait_until(lambda: self.status("/in/extra") == 202), self.router.logs())
        with open(os.path.join(config_dir + ".old", "zz.yaml"), "w") as f:
            f.write(BROKEN)  # the old directory is no longer watched: nothing happens
        os.remove(os.path.join(config_dir, "extra.yaml"))
        self.assertIsNotNone(self.wait_until(lambda: self.status("/in/extra") == 404), "the new directory is the one watched")
        # A symlink re-pointed from one release to the next (ln -sfn).
        releases = os.path.join(self.router.dir, "releases")
        shutil.copytree(config_dir, os.path.join(releases, "1"))
        shutil.copytree(config_dir, os.path.join(releases, "2"))
        with open(os.path.join(releases, "2", "extra.yaml"), "w") as f:
            f.write(EXTRA)
        shutil.rmtree(config_dir)
        os.symlink(os.path.join(releases, "1"), config_dir)
        self.assertIsNotNone(self.wait_until(lambda: self.reloads() >= 3 and self.status("/in/fiscal") == 202))
        self.assertEqual(self.status("/in/extra"), 404)
        os.symlink(os.path.join(releases, "2"), config_dir + ".new")
        os.rename(config_dir + ".new", config_dir)
        self.assertIsNotNone(self.wait_until(lambda: self.status("/in/extra") == 202), self.router.logs())

    def test_reload_without_a_server_says_so(self):
        r = subprocess.run([BINARY, "reload", "--data", os.path.join(self.router.dir, "nowhere")], capture_output=True, text=True, timeout=10)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no running server", r.stderr)


if __name__ == "__main__":
    unittest.main()
