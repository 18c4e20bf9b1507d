"""Bad targets: every event goes to five targets; four misbehave — one hangs (accepts, never answers),
one resets every connection, one answers after 2 s, one answers 500 forever — while the healthy one
must keep receiving promptly. Measured: the healthy target's latency from the 202 to its arrival,
the router's RSS (VmRSS) over the run, and connections held by the hanging target (concurrency cap).

Short form (CI): 30 s at ~100 events/s. Long form (--long): 180 s."""
import sys
import threading
import time

from common import (LONG, Load, RawTarget, Router, config, event_id, open_fds, percentile, quiet_sink, report,
                    rss_kib, wait_until)

def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


RETRY = "retry: { attempts: 100, backoff: 100ms, max: 500ms }"


def main():
    seconds = int(arg("--seconds", 180 if LONG else 30))
    rate = float(arg("--rate", 25))          # per load thread (4 threads)
    pad = int(arg("--pad", 0))               # extra body bytes per event
    sink = quiet_sink()
    sink.delay["/slow"] = 2.0
    sink.answer("/fail", 500)
    hang = RawTarget("hang").start()
    reset = RawTarget("reset").start()
    targets = {
        "healthy": '{ url: "%s" }' % sink.url("/healthy"),
        "hanging": '{ url: "%s", timeout: 1s, %s }' % (hang.url("/hang"), RETRY),
        "resetting": '{ url: "%s", %s }' % (reset.url("/reset"), RETRY),
        "slow": '{ url: "%s", timeout: 5s, %s }' % (sink.url("/slow"), RETRY),
        "failing": '{ url: "%s", %s }' % (sink.url("/fail"), RETRY),
    }
    fan_out = "[healthy]" if "--baseline" in sys.argv else "[healthy, hanging, resetting, slow, failing]"
    router = Router(config=config(targets, "  - { name: fan-out, from: fiscal, to: %s }" % fan_out)).start()
    pid = router.proc.pid
    samples = []  # (t, rss KiB, fds)
    stop = threading.Event()

    def sample():
        t0 = time.time()
        while not stop.is_set():
            samples.append((time.time() - t0, rss_kib(pid), open_fds(pid)))
            stop.wait(1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    load = Load(lambda: router.port, "bad", threads=4, rate=rate, body_pad=pad).start()
    time.sleep(seconds)
    load.stop()
    acked = dict(load.acked_at)
    arrived_all = wait_until(lambda: set(acked) <= {event_id(r) for r in sink.received("/healthy")}, timeout=15, step=0.2)
    stop.set()
    sampler.join()
    arrival = {}
    for r in sink.received("/healthy"):
        arrival.setdefault(event_id(r), r["time"])
    lat = [max(0.0, arrival[i] - t) for i, t in acked.items() if i in arrival]
    missing = len(set(acked) - set(arrival))
    attempts = {p: len(sink.received(p)) for p in ("/slow", "/fail")}
    breaker = router.admin("GET", "/metrics")[2].decode()
    router_ok = router.proc.poll() is None
    code = router.stop()
    hang.stop()
    reset.stop()
    sink.stop()

    warm = [s for s in samples if s[0] >= seconds / 3.0]
    rss_warm = warm[0][1] if warm else samples[0][1]
    rss_end = samples[-1][1]
    rss_max = max(s[1] for s in samples)
    growth = (rss_max - rss_warm) / float(rss_warm)
    p50, p99, pmax = percentile(lat, 50), percentile(lat, 99), max(lat or [0])
    errors = []
    if missing or not arrived_all:
        errors.append("%d acknowledged events never reached the healthy target" % missing)
    if p99 > 1.0:
        errors.append("healthy target p99 latency %.3fs > 1s" % p99)
    if growth > 0.25:
        errors.append("RSS grew %.0f%% after warm-up (%d -> max %d KiB)" % (growth * 100, rss_warm, rss_max))
    if hang.max_open > 8:
        errors.append("the hanging target held %d connections at once (concurrency is 8)" % hang.max_open)
    if not router_ok:
        errors.append("the router died")
    ok = report("badtargets", not errors,
                "%ds, %d acknowledged, statuses %s; healthy target latency p50 %.0fms p99 %.0fms max %.0fms, %d missing; "
                "hanging target: %d connections, at most %d at once; resetting: %d connections; slow: %d requests; failing(500): %d requests; "
                "RSS start %d KiB, after warm-up %d KiB, max %d KiB, end %d KiB (%+.1f%% after warm-up); fds %d -> %d; exit %s"
                % (seconds, len(acked), dict(load.statuses), p50 * 1000, p99 * 1000, pmax * 1000, missing,
                   hang.accepted, hang.max_open, reset.accepted, attempts["/slow"], attempts["/fail"],
                   samples[0][1], rss_warm, rss_max, rss_end, growth * 100, samples[0][2], samples[-1][2], code))
    for e in errors:
        print("  " + e)
    if "--metrics" in sys.argv:
        print("\n".join(l for l in breaker.splitlines() if "circuit" in l or "inflight" in l))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
