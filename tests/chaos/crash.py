"""Crash consistency: keep-alive load posts unique signed events while the router is SIGKILLed at
random moments and restarted on the same data directory. Every event answered 2xx must reach the
sink (deduplicated by X-Hookrouter-Event-Id) and be in the store: lost must be 0.

Short form (CI): ~1,500 acknowledged, 3 kills. Long form (--long): >= 20,000 acknowledged, 5 kills."""
import random
import sys
import time

from common import LONG, Load, Router, config, quiet_sink, event_id, kill9, report, wait_until


def main():
    target_acked = 20000 if LONG else 1500
    kills = 5 if LONG else 3
    seed = int(time.time())
    rnd = random.Random(seed)
    sink = quiet_sink()
    router = Router(config=config(
        {"ledger": '{ url: "%s", timeout: 5s, retry: { attempts: 30, backoff: 200ms, max: 2s } }' % sink.url("/ledger")},
        "  - { name: all-to-ledger, from: fiscal, to: [ledger] }")).start()
    load = Load(lambda: router.port, "crash", threads=6).start()
    started = time.time()
    restart_times = []
    try:
        # Kill at random points spread over the run: each kill waits for a random share of the events.
        marks = sorted(rnd.uniform(0.1, 0.9) * target_acked for _ in range(kills))
        for mark in marks:
            wait_until(lambda: load.acked_count() >= mark, timeout=600, step=0.01)
            time.sleep(rnd.uniform(0, 0.2))  # and a random moment, not just after an answer
            kill9(router)
            t0 = time.time()
            router.start()
            restart_times.append(time.time() - t0)
        wait_until(lambda: load.acked_count() >= target_acked, timeout=900, step=0.05)
    finally:
        load.stop()
    load_seconds = time.time() - started
    acked = set(load.acked)

    def delivered():
        return {event_id(r) for r in sink.received("/ledger")}

    wait_until(lambda: acked <= delivered(), timeout=120, step=0.5)
    requests = [event_id(r) for r in sink.received("/ledger")]
    got = set(requests)
    lost = acked - got
    stored = {row[0] for row in router.db().execute("select event_id from events")}
    missing_in_store = acked - stored
    deliveries_missing = router.db().execute(
        "select count(*) from events e where not exists (select 1 from deliveries d where d.event_seq = e.seq)").fetchone()[0]
    code = router.stop()
    sink.stop()
    unacked_delivered = len(got - acked)
    ok = not lost and not missing_in_store and deliveries_missing == 0 and len(restart_times) == kills
    report("crash", ok,
           "%d kills (SIGKILL), %d acknowledged (2xx), %d delivered (unique), %d duplicate requests, %d lost, "
           "%d acked missing from the store, %d stored events without deliveries; %d requests unanswered by a dying router "
           "(%d of those delivered anyway); statuses %s; load %.0fs (%.0f acked/s); restart to listening max %.2fs; seed %d; exit %s"
           % (kills, len(acked), len(got & acked), len(requests) - len(got), len(lost), len(missing_in_store), deliveries_missing,
              load.errors, unacked_delivered, dict(sorted(load.statuses.items())), load_seconds, len(acked) / load_seconds,
              max(restart_times or [0]), seed, code))
    if lost:
        print("  lost ids (first 10): %s" % sorted(lost)[:10])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
