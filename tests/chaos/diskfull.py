"""Disk full: the data directory is a small tmpfs that fills up under load.

Checked: once full, every answer is 503 (never a 2xx for an event not stored), answers keep coming
(the store's writer does not wedge), every 2xx'd event id is in the database (read with Python's
sqlite3 after a SIGKILL, so only what was committed counts) with its deliveries, and after space is
freed — first by deleting a filler file, then by remounting the tmpfs bigger — the same process
accepts again and delivers every acknowledged event. Then, on a tmpfs of its own, the store fills the
disk with its own events under a long retention (256 KiB body log segments, a 1 MiB disk reserve)
while a reader holds a snapshot, so the WAL cannot restart and a purge has no byte to write to;
nobody frees anything: a reload to a short retention must release the reserve, purge, make the
reserve anew and accept again within seconds. Then the disk is filled again and the router killed:
it must start on the full disk (releasing the reserve), answer 503, and be freed the same way.
Needs root (mount); skipped otherwise."""
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from common import Load, Router, config, event_id, fiscal_body, kill9, post, quiet_sink, report, signed_headers, wait_until

MOUNT_SIZE = "3m"
PAD = 2000  # bytes of padding per event, so a few hundred events fill what is left
OWN_PAD = 60000  # round 3's: ~100 events fill its 8 MiB


def free_bytes(path):
    st = os.statvfs(path)
    return st.f_bavail * st.f_frsize


def probe(router, chave):
    body = fiscal_body(chave)
    t0 = time.time()
    try:
        status, _, answer = post(router.port, "/in/fiscal", body, signed_headers(body))
    except OSError as e:
        return None, time.time() - t0, str(e)
    return status, time.time() - t0, answer


def fill(router, prefix, errors, pad=PAD):
    """Posts until the store has answered 503 for a while; returns the Load (its acked ids and statuses)."""
    load = Load(lambda: router.port, prefix, threads=4, body_pad=pad, timeout=15).start()
    first_503 = [None]

    def full_for_a_while():
        n = load.statuses.get(503, 0)
        if n and first_503[0] is None:
            first_503[0] = time.time()
        return n >= 300 and time.time() - first_503[0] > 3

    filled = wait_until(full_for_a_while, timeout=120, step=0.05)
    load.stop()
    if not filled:
        errors.append("%s: never got 300 answers of 503 in 120s (statuses %s)" % (prefix, load.statuses))
    odd = {s: n for s, n in load.statuses.items() if s not in (202, 503)}
    if odd:
        errors.append("%s: answers other than 202/503 while filling: %s" % (prefix, odd))
    if load.slow_answers:
        errors.append("%s: %d requests got no answer within 15s (a wedged writer?)" % (prefix, load.slow_answers))
    return load


def still_full(router, prefix, errors):
    """While full: a new event gets 503 promptly. Once the load stops, SQLite may finish a checkpoint
    and restart its WAL, whose file already has the space: a small event can then be written and
    answered 202 — truthfully. Such ids are returned, so the caller checks them in the db too."""
    acked = []
    for i in range(5):
        chave = "%s-probe-%d" % (prefix, i)
        status, took, answer = probe(router, chave)
        if status == 202:
            acked.append(chave)
        elif status != 503:
            errors.append("%s: an event posted while the disk is full got %s (%s), not 503 or 202" % (prefix, status, answer))
        if took > 5:
            errors.append("%s: an answer while full took %.1fs" % (prefix, took))
    return acked


def accepts_again(router, prefix, errors, burst):
    """After space is freed: the same process answers 202 within 10 s; then `burst` seconds of load
    (or, with burst 0, 30 sequential events) are all 202. The burst is kept small after deleting the
    filler: SQLite's WAL grows to ~4 MiB before its first checkpoint, more than this tmpfs holds."""
    t0 = time.time()
    n = [0]

    def one():
        n[0] += 1
        status, _, _ = probe(router, "%s-after-%d" % (prefix, n[0]))
        return status == 202

    if not wait_until(one, timeout=10, step=0.1):
        errors.append("%s: still no 202 10s after space was freed" % prefix)
        return None, []
    recovered = time.time() - t0
    acked = ["%s-after-%d" % (prefix, n[0])]
    if burst:
        load = Load(lambda: router.port, prefix + "-again", threads=4, body_pad=200).start()
        time.sleep(burst)
        load.stop()
        if set(load.statuses) != {202}:
            errors.append("%s: after freeing space, answers were %s" % (prefix, load.statuses))
        return recovered, acked + load.acked
    answers = {}
    for i in range(30):
        status, _, _ = probe(router, "%s-seq-%d" % (prefix, i))
        answers[status] = answers.get(status, 0) + 1
        if status == 202:
            acked.append("%s-seq-%d" % (prefix, i))
    if set(answers) != {202}:
        errors.append("%s: after freeing space, answers were %s" % (prefix, answers))
    return recovered, acked


def take_the_rest(path):
    """Writes to PATH until the file system has no byte left."""
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError:
            pass
        try:
            while True:
                f.write(b"\0")
        except OSError:
            pass


def reserve_gauge(router):
    """hookrouter_disk_reserve_released from /metrics (None when absent)."""
    from prometheus_client.parser import text_string_to_metric_families
    for family in text_string_to_metric_families(router.admin("GET", "/metrics")[2].decode()):
        if family.name == "hookrouter_disk_reserve_released":
            return family.samples[0].value
    return None


def start_with_knobs(router):
    """Starts ROUTER with round 3's store knobs: 256 KiB body log segments, a 1 MiB disk reserve."""
    knobs = {"HOOKROUTER_SEGMENT_BYTES": str(256 << 10), "HOOKROUTER_RESERVE_BYTES": str(1 << 20)}
    os.environ.update(knobs)
    try:
        return router.start()
    finally:
        for k in knobs:
            os.environ.pop(k)


def own_events(base, sink, errors):
    """Rounds 3 and 4: a disk full of the store's own events, freed by shortening the retention (SIGHUP);
    then full again and the router killed: it must start on the full disk and free it the same way."""
    data = os.path.join(base, "own")
    os.mkdir(data)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", data], check=True)
    route = "  - { name: all-to-ledger, from: fiscal, to: [ledger] }"
    targets = {"ledger": '{ url: "%s" }' % sink.url("/ledger")}
    router = start_with_knobs(Router(config=config(targets, route, settings="  retention: 1h"), data=data))
    reserve = os.path.join(data, "disk-reserve")

    def retention(value):
        with open(os.path.join(router.config_dir, "e2e.yaml"), "w") as f:
            f.write(config(targets, route, settings="  retention: %s\n  dedup_window: %s" % (value, value)))
        router.proc.send_signal(signal.SIGHUP)

    def events_left():
        try:
            with sqlite3.connect(os.path.join(data, "hookrouter.db"), isolation_level=None) as c:
                return c.execute("SELECT count(*) FROM events").fetchone()[0]
        except sqlite3.Error:
            return None

    def freed_and_accepting(prefix, t0, reader=None, stored=0):
        """After a reload to a short retention: with the snapshot still held, the purge must take most of
        the `stored` events within 15 s (only the reserve gives it room to write; an event whose delivery
        is still unsettled stays, as retention keeps it); then, the snapshot let go (until then the WAL
        cannot restart, and how much of the small disk it keeps varies with how the fill went), the
        reserve back with 3 MiB free within 15 s, then 2 s of load all 202."""
        if reader and not wait_until(lambda: (left := events_left()) is not None and left <= stored // 2, timeout=15, step=0.1):
            errors.append("%s: with a snapshot held, the purge left %s of %d events 15s after the retention was "
                          "shortened (%d bytes free)" % (prefix, events_left(), stored, free_bytes(data)))
            return None, None
        if reader:
            reader.execute("COMMIT")
        if not wait_until(lambda: os.path.exists(reserve) and free_bytes(data) > 3 << 20 and reserve_gauge(router) == 0,
                          timeout=15, step=0.1):
            errors.append("%s: the store's own events still fill the disk 15s after the retention was shortened "
                          "(%d bytes free, reserve %s)" % (prefix, free_bytes(data), "made" if os.path.exists(reserve) else "missing"))
            return None, None
        freed = time.time() - t0
        again = Load(lambda: router.port, prefix + "-again", threads=2, body_pad=200).start()
        time.sleep(2)
        again.stop()
        if set(again.statuses) != {202}:
            errors.append("%s: after the purge freed space, answers were %s" % (prefix, again.statuses))
        return freed, again

    reader = None
    try:
        if os.path.getsize(reserve) != 1 << 20:
            errors.append("own: the disk reserve is %d bytes, not 1 MiB" % os.path.getsize(reserve))
        # A snapshot held open (as a long admin query would) keeps the checkpointer from restarting the
        # WAL: once the disk is full, a purge has nowhere to write but the reserve.
        reader = sqlite3.connect(os.path.join(data, "hookrouter.db"), isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM events").fetchone()
        # Big bodies, so the body log, not the pinned WAL, is what fills the disk.
        filled = fill(router, "own", errors, pad=OWN_PAD)
        # A body's worth of room may be left (the last one did not fit): take it, so the purge has none.
        take_the_rest(os.path.join(data, "crumbs"))
        stored = events_left() or 0
        if stored < 20:
            errors.append("own: only %d events stored before the disk was full (the fill went wrong?)" % stored)
        t0 = time.time()
        retention("1s")
        freed, again = freed_and_accepting("own", t0, reader, stored)
        if freed is None:
            return "own events: not freed"
        if "disk reserve is released for the retention purge" not in router.logs():
            errors.append("own: the purge never needed the disk reserve (the held snapshot did not pin the WAL?)")
        third = ("round 3 (own events, 8m, retention 1h -> 1s by reload, a snapshot held): %d x 202 then %d x 503, "
                 "reserve released and made anew, %.1fs to free 3 MiB, then %d x 202"
                 % (filled.statuses.get(202, 0), filled.statuses.get(503, 0), freed, again.statuses.get(202, 0)))

        # Round 4: full again, and the router killed: it must start on the full disk (the reserve gives
        # the room its pid file and its store need), keep new events out, and free the disk as before.
        retention("1h")
        time.sleep(0.5)
        refilled = fill(router, "own4", errors, pad=OWN_PAD)
        take_the_rest(os.path.join(data, "crumbs4"))
        kill9(router)
        try:
            start_with_knobs(router)
        except RuntimeError as e:
            errors.append("own4: the router did not start on a full disk: %s" % str(e)[-300:])
            return third + "; round 4: no restart"
        if "released so the router can start" not in router.logs() and "released so the store can open" not in router.logs():
            errors.append("own4: the restart on a full disk did not say it released the disk reserve")
        status, _, answer = probe(router, "%044d" % 4)
        if status != 503:
            errors.append("own4: a new event on the full disk after the restart got %s, not 503 (%s)" % (status, answer))
        if reserve_gauge(router) != 1:
            errors.append("own4: /metrics does not say the disk reserve is released (%s)" % reserve_gauge(router))
        t0 = time.time()
        retention("1s")
        # Where the room goes on so small a disk varies (the WAL keeps the size round 3 gave it): the
        # reserve made anew (so twice its size was free) and a few events taken are the check here.
        if not wait_until(lambda: os.path.exists(reserve), timeout=15, step=0.1):
            errors.append("own4: the disk reserve was not made anew 15s after the retention was shortened (%d bytes free)" % free_bytes(data))
            return third + "; round 4: not freed"
        freed4 = time.time() - t0
        # The file appears as its making starts; the state follows within the same writer turn.
        if not wait_until(lambda: reserve_gauge(router) == 0, timeout=2, step=0.05):
            errors.append("own4: /metrics still says the disk reserve is released once it is made again")
        answers = [probe(router, "%044d" % (400 + i))[0] for i in range(20)]
        if answers != [202] * 20:
            errors.append("own4: after the purge made room, 20 new events got %s" % answers)
        return third + ("; round 4 (full again, kill -9, restart): %d x 202 then %d x 503, restarted, new events 503, "
                        "reserve made anew %.1fs after the reload, then %d of 20 x 202"
                        % (refilled.statuses.get(202, 0), refilled.statuses.get(503, 0), freed4, answers.count(202)))
    finally:
        if reader:
            reader.close()
        router.stop()
        subprocess.run(["umount", data])


def main():
    if os.geteuid() != 0 or shutil.which("mount") is None:
        print("SKIP diskfull: needs root to mount a tmpfs")
        return 0
    base = tempfile.mkdtemp(prefix="hookrouter-diskfull-")
    data = os.path.join(base, "data")
    os.mkdir(data)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % MOUNT_SIZE, "tmpfs", data],
                             stderr=subprocess.PIPE, text=True)
    if mounted.returncode != 0:
        shutil.rmtree(base, ignore_errors=True)
        print("SKIP diskfull: cannot mount a tmpfs here (%s)" % mounted.stderr.strip())
        return 0
    sink = quiet_sink()
    errors = []
    router = None
    try:
        router = Router(config=config(
            {"ledger": '{ url: "%s", retry: { attempts: 30, backoff: 200ms, max: 1s } }' % sink.url("/ledger")},
            "  - { name: all-to-ledger, from: fiscal, to: [ledger] }"), data=data).start()
        # The default 16 MiB disk reserve does not fit on this tmpfs: the router runs without one, and says so.
        if os.path.exists(os.path.join(data, "disk-reserve")) or "no disk reserve" not in router.logs():
            errors.append("a disk reserve too big for the disk was not refused, with a warning, at start")
        # Round 1: a filler file takes all but ~600 KiB; the store fills the rest; the filler is deleted.
        filler = os.path.join(data, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * max(0, free_bytes(data) - 600 * 1024))
        one = fill(router, "full1", errors)
        probes1 = still_full(router, "full1", errors)
        os.unlink(filler)
        rec1, after1 = accepts_again(router, "full1", errors, burst=0)
        # Round 2: no filler; the database itself fills the tmpfs; then the tmpfs is remounted bigger.
        two = fill(router, "full2", errors)
        probes2 = still_full(router, "full2", errors)
        subprocess.run(["mount", "-o", "remount,size=16m", data], check=True)
        rec2, after2 = accepts_again(router, "full2", errors, burst=1.5)

        acked = set(one.acked) | set(two.acked) | set(after1) | set(after2) | set(probes1) | set(probes2)
        delivered_all = wait_until(lambda: acked <= {event_id(r) for r in sink.received("/ledger")}, timeout=60, step=0.5)
        undelivered = acked - {event_id(r) for r in sink.received("/ledger")}
        # Thousands of failed batches, but a line at first and one per 10 s, and one once writes succeed again.
        log_lines = [l for l in router.logs().splitlines() if '"msg":"store write' in l]
        recoveries = sum('store writes succeed again' in l for l in log_lines)
        if len(log_lines) > 20 or recoveries < 1:
            errors.append("%d log lines about failed store writes for %d answers of 503 (%d recovery lines; at least one expected)"
                          % (len(log_lines), one.statuses.get(503, 0) + two.statuses.get(503, 0), recoveries))
        pid = router.proc.pid
        kill9(router)
        db = router.db()
        stored = {row[0] for row in db.execute("select event_id from events")}
        without_deliveries = db.execute(
            "select count(*) from events e where not exists (select 1 from deliveries d where d.event_seq = e.seq)").fetchone()[0]
        integrity = db.execute("pragma integrity_check").fetchone()[0]
        db.close()
        missing = acked - stored
        if missing:
            errors.append("%d events answered 2xx are not in the database: %s" % (len(missing), sorted(missing)[:10]))
        if without_deliveries:
            errors.append("%d stored events have no delivery rows" % without_deliveries)
        if integrity != "ok":
            errors.append("integrity_check: %s" % integrity)
        if not delivered_all:
            errors.append("%d acknowledged events not delivered 60s after space was freed" % len(undelivered))
        third = own_events(base, sink, errors)
        ok = report("diskfull", not errors,
                    "tmpfs %s; round 1 (filler deleted): %d x 202 then %d x 503, accepting again after %ss; "
                    "round 2 (remount 16m): %d x 202 then %d x 503, accepting again after %ss; "
                    "%d acknowledged in all, %d missing from the db, %d undelivered, integrity %s, max answer while full %.2fs; "
                    "%d log lines about failed writes; pid %d; %s"
                    % (MOUNT_SIZE, one.statuses.get(202, 0), one.statuses.get(503, 0), rec1 and "%.2f" % rec1,
                       two.statuses.get(202, 0), two.statuses.get(503, 0), rec2 and "%.2f" % rec2,
                       len(acked), len(missing), len(undelivered), integrity,
                       max(one.latencies + two.latencies or [0]), len(log_lines), pid, third))
        for e in errors:
            print("  " + e)
        return 0 if ok else 1
    finally:
        if router and router.proc:
            router.stop()
        sink.stop()
        subprocess.run(["umount", data])
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
