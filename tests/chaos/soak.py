"""Soak: mixed load for a long while with reloads, watching for leaks.

Load: valid signed events (answered 202, or 200 for the re-sent duplicates mixed in), bad signatures
(401), malformed JSON (400) and raw smuggling shapes (400), over keep-alive connections. Targets: a
healthy sink and a flaky one (every other answer 500, so deliveries retry and then succeed; a target
failing forever is badtargets.py's: its backlog grows by design, bounded by the engine's memory cap). Every 3 s a second route file is rewritten; every
fourth rewrite is invalid (the running table must be kept). Checked: no valid request fails (never a
non-2xx because of a reload), every acknowledged event reaches the healthy target, RSS after warm-up
grows by at most 10% by the end, and open fds do not grow.

Long form (--long): 600 s. By hand: `soak.py --seconds 60`."""
import os
import random
import sys
import threading
import time

from common import (LONG, Router, config, event_id, fiscal_body, open_fds, post, quiet_sink, raw_exchange, report, rss_kib,
                    sign, signed_headers, wait_until)
import http.client

EXTRA_VALID = [
    "routes:\n  - { name: extra-%d, from: fiscal, events: [nfe_importada], to: [failing] }\n",
    "routes:\n  - { name: extra-%d, from: fiscal, events: [cte_importado], to: [failing] }\n"
    "  - { name: extra-b-%d, from: fiscal, events: ['nfe_*'], when: [{ path: data.dados.chave, matches: '^soak-1' }], to: [failing] }\n",
]
EXTRA_INVALID = "routes:\n  - { name: broken, from: fiscal, to: [no-such-target] }\n  - [ this is not yaml\n"


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def main():
    seconds = int(arg("--seconds", 600 if LONG else 60))
    sink = quiet_sink()
    flaky = [0]
    plain = sink._next_answer

    def next_answer(path):
        if path != "/fail":
            return plain(path)
        flaky[0] += 1
        return (500 if flaky[0] % 2 else 200), {}

    sink._next_answer = next_answer
    router = Router(config=config({
        "healthy": '{ url: "%s" }' % sink.url("/healthy"),
        "failing": '{ url: "%s", retry: { attempts: 5, backoff: 1s, max: 4s } }' % sink.url("/fail"),
    }, "  - { name: all-to-healthy, from: fiscal, to: [healthy] }")).start()
    pid = router.proc.pid
    stop = threading.Event()
    lock = threading.Lock()
    acked, failures, counts = set(), [], {}
    samples = []

    def count(kind, status):
        with lock:
            counts[(kind, status)] = counts.get((kind, status), 0) + 1

    def poster(n):
        rnd = random.Random(n)
        conn = None
        i = 0
        recent = []
        while not stop.is_set():
            i += 1
            roll = rnd.random()
            if roll < 0.05 and recent:
                kind, chave = "duplicate", rnd.choice(recent)
                body = fiscal_body(chave)
                headers = signed_headers(body)
            elif roll < 0.10:
                kind, chave = "badsig", None
                body = fiscal_body("soak-bad-%d-%d" % (n, i))
                headers = {"X-Webhook-Signature": "0" * 64}
            elif roll < 0.13:
                kind, chave = "malformed", None
                body = b'{"evento":"nfe_importada","dados":{"chave":'
                headers = signed_headers(body)
            else:
                kind, chave = "valid", "soak-%d-%d" % (n, i)
                body = fiscal_body(chave, evento=rnd.choice(["nfe_importada", "cte_importado"]))
                headers = signed_headers(body)
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", router.port, timeout=10)
                conn.request("POST", "/in/fiscal", body=body, headers=headers)
                r = conn.getresponse()
                r.read()
                status = r.status
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as e:
                if conn:
                    conn.close()
                conn = None
                status = "error"
                with lock:
                    failures.append("%s request failed: %s" % (kind, e))
            count(kind, status)
            if kind in ("valid", "duplicate"):
                if status in (200, 202):
                    with lock:
                        acked.add(chave)
                    if kind == "valid":
                        recent.append(chave)
                        recent[:] = recent[-50:]
                else:
                    with lock:
                        failures.append("%s event %s answered %s" % (kind, chave, status))
            time.sleep(0.02)
        if conn:
            conn.close()

    def smuggler():
        while not stop.is_set():
            raw, _ = raw_exchange(router.port, b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 2)
            count("smuggle", raw[9:12].decode() if raw else "none")
            stop.wait(0.5)

    reloads = {"valid": 0, "invalid": 0}

    def reloader():
        k = 0
        path = os.path.join(router.config_dir, "extra.yaml")
        every = float(arg("--reload-every", 3))
        while every > 0 and not stop.wait(every):
            k += 1
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                if k % 4 == 0:
                    f.write(EXTRA_INVALID)
                    reloads["invalid"] += 1
                else:
                    variant = EXTRA_VALID[k % 2]
                    f.write(variant.replace("%d", str(k)))
                    reloads["valid"] += 1
            os.rename(tmp, path)  # the way editors save

    def queued():
        _, _, text = router.admin("GET", "/metrics")
        return sum(int(float(l.split()[-1])) for l in text.decode().splitlines() if l.startswith("hookrouter_delivery_queue_depth{"))

    def sampler():
        t0 = time.time()
        while not stop.is_set():
            samples.append((time.time() - t0, rss_kib(pid), open_fds(pid), queued()))
            stop.wait(5)

    threads = [threading.Thread(target=poster, args=(n,), daemon=True) for n in range(3)]
    threads += [threading.Thread(target=f, daemon=True) for f in (smuggler, reloader, sampler)]
    started = time.time()
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join(timeout=15)
    delivered = wait_until(lambda: acked <= {event_id(r) for r in sink.received("/healthy")}, timeout=30, step=0.5)
    missing = acked - {event_id(r) for r in sink.received("/healthy")}
    time.sleep(6)  # idle keep-alive connections close (keepalive_timeout 5s)
    idle = (rss_kib(pid), open_fds(pid))
    status, _, body = router.admin("GET", "/metrics")
    reload_lines = [l for l in body.decode().splitlines() if l.startswith("hookrouter_reload")]
    alive = router.proc.poll() is None
    code = router.stop()
    sink.stop()

    warm_end = max(20.0, seconds * 0.2)
    after_warm = [s for s in samples if s[0] >= warm_end] or samples
    rss_warm, fds_warm = after_warm[0][1], max(s[2] for s in samples if s[0] <= warm_end)
    queue_warm, queue_end = after_warm[0][3], samples[-1][3]
    rss_end, fds_end = samples[-1][1], samples[-1][2]
    growth = (rss_end - rss_warm) / float(rss_warm)
    errors = list(failures[:10])
    if missing:
        errors.append("%d acknowledged events not delivered" % len(missing))
    if growth > 0.10:
        errors.append("RSS grew %.1f%% after warm-up (%d -> %d KiB)" % (growth * 100, rss_warm, rss_end))
    # Connections to targets stay in libcurl's cache and clients' keep-alive connections come and go,
    # so fds are compared with the most seen during warm-up, not with the idle start.
    if fds_end > fds_warm + 4 or idle[1] > fds_warm:
        errors.append("open fds grew: max %d during warm-up, %d at the end, %d when idle after: a leak" % (fds_warm, fds_end, idle[1]))
    took = {m.split('"')[1]: int(float(m.split()[-1])) for m in reload_lines if m.startswith("hookrouter_reloads_total{")}
    if took.get("ok") != reloads["valid"] or took.get("failed") != reloads["invalid"]:
        errors.append("reloads taken %s, expected ok=%d failed=%d" % (took, reloads["valid"], reloads["invalid"]))
    if not alive:
        errors.append("the router died")
    smuggles = {k[1]: v for k, v in counts.items() if k[0] == "smuggle"}
    if set(smuggles) - {"400"}:
        errors.append("smuggling shapes answered %s" % smuggles)
    summary = {"%s %s" % k: v for k, v in sorted(counts.items(), key=str)}
    ok = report("soak", not errors,
                "%ds (%.0fs wall), %d acknowledged, %d missing; answers %s; reloads %d valid + %d invalid; "
                "RSS start %d KiB, after warm-up (%.0fs) %d KiB, end %d KiB (%+.1f%%), idle at end %d KiB; "
                "fds start %d, max in warm-up %d, end %d, idle at end %d; deliveries held in memory after warm-up %d, at the end %d; "
                "flaky target answered %d requests; exit %s"
                % (seconds, time.time() - started, len(acked), len(missing), summary, reloads["valid"], reloads["invalid"],
                   samples[0][1], warm_end, rss_warm, rss_end, growth * 100, idle[0], samples[0][2], fds_warm, fds_end, idle[1], queue_warm, queue_end, flaky[0], code))
    print("  " + "; ".join(reload_lines))
    if "--trace" in sys.argv:  # the RSS curve: a leak climbs steadily, a cache filling up flattens out
        print("  samples (s, RSS KiB, fds, held): " + " ".join("%d:%d/%d/%d" % s for s in samples[::6]))
    for e in errors:
        print("  " + e)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
