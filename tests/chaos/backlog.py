"""Backlog: a burst far larger than what a lane takes straight from ingest (1000 deliveries) to a
target with concurrency 1. The excess waits in the store and is loaded by the engine's scan: every
acknowledged event must still arrive, once. Guards the engine's per-lane memory bound."""
import sys
import time

from common import LONG, Load, Router, config, event_id, quiet_sink, report, wait_until


def main():
    burst = 10000 if LONG else 3000
    sink = quiet_sink()
    sink.delay["/narrow"] = 0.005  # at most ~200/s on one connection: the lane falls far behind ingest
    router = Router(config=config({"narrow": '{ url: "%s", concurrency: 1 }' % sink.url("/narrow")},
                                  "  - { name: all-to-narrow, from: fiscal, to: [narrow] }")).start()
    load = Load(lambda: router.port, "backlog", threads=6).start()
    wait_until(lambda: load.acked_count() >= burst, timeout=120, step=0.05)
    load.stop()
    acked = set(load.acked)
    at_end_of_burst = len(sink.received("/narrow"))
    t0 = time.time()
    wait_until(lambda: acked <= {event_id(r) for r in sink.received("/narrow")}, timeout=120, step=0.5)
    drained = time.time() - t0
    ids = [event_id(r) for r in sink.received("/narrow")]
    missing = acked - set(ids)
    dupes = len(ids) - len(set(ids))
    code = router.stop()
    sink.stop()
    ok = report("backlog", not missing and dupes == 0,
                "%d acknowledged in a burst to a concurrency-1 target, %d delivered by the end of the burst, all %s %.1fs later; "
                "%d missing, %d duplicates; exit %s"
                % (len(acked), at_end_of_burst, "delivered" if not missing else "NOT delivered", drained, len(missing), dupes, code))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
