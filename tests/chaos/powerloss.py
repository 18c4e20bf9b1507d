"""Power loss, which SIGKILL cannot show (the page cache survives a killed process): the router runs
under an LD_PRELOAD shim (powerloss_shim.c) that logs every write and flush to its data directory.
Under load it is SIGKILLed; the store is then rebuilt from the log keeping, for each file, only what
its last fsync/fdatasync covered, as a power cut that drops every unflushed write would leave it.
The store is then opened by the router, as after a real power cut: it indexes what the body log holds
beyond SQLite's rows (the writer's connection runs with synchronous=NORMAL, so its last commits are
among the dropped writes). Every event answered 2xx must then be in that store, and the store must
pass integrity_check. File creation and removal are taken as durable when they happen; only data
writes are dropped.

A control run proves the suite can fail: the same log cut short before the last 10 syncs of the body log
(a power cut a few batches earlier, every file as it stood then) must lose acknowledged events. (An
earlier control dropped only the last syncs of the log and the WAL; a checkpoint flushing the db file
in those last milliseconds made it lose nothing, and the run fail, now and then.) Short form: ~1,500 acknowledged, 2 cuts; long form (--long): ~10,000, 5 cuts.

Retention removes body log segments once their events are purged; a row must never outlive its record.
A run with `retention: 1s` and 256 KiB segments (HOOKROUTER_SEGMENT_BYTES) rebuilds the store as a power
cut right after each segment's removal would leave it: no event row may point into a missing segment.
Its control drops, at each of those points, the last database flush before the removal (as a router
that removed files without making the purge durable first): that must leave such rows for some."""
import os
import shutil
import sqlite3
import struct
import subprocess
import tempfile
import time

from common import HERE, LONG, Load, Router, config, kill9, quiet_sink, report, wait_until


def build_shim(out_dir):
    lib = os.path.join(out_dir, "powerloss_shim.so")
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", lib, os.path.join(HERE, "powerloss_shim.c"), "-ldl", "-lpthread"], check=True)
    return lib


def read_log(path):
    """The shim's records, in order: (kind, path, offset, data). The cut (SIGKILL) can land while the
    shim is writing a record: a torn last record is dropped. Nothing is lost by that: records are
    written in order and a sync's record follows its sync, so no sync comes after the torn one."""
    out = []
    with open(path, "rb") as f:
        raw = f.read()
    i = 0
    while i < len(raw):
        try:
            kind = chr(raw[i])
            (plen,) = struct.unpack_from("<H", raw, i + 1)
            j = i + 3 + plen
            if j > len(raw):
                break
            name = raw[i + 3:j].decode()
            offset, data = 0, b""
            if kind in "WT":
                (offset,) = struct.unpack_from("<q", raw, j)
                j += 8
            if kind == "W":
                (n,) = struct.unpack_from("<I", raw, j)
                if j + 4 + n > len(raw):
                    break
                data = raw[j + 4:j + 4 + n]
                j += 4 + n
        except (struct.error, UnicodeDecodeError):
            break  # the torn last record
        out.append((kind, name, offset, data))
        i = j
    return out


def earlier_cut(records, syncs_before):
    """The records as a power cut `syncs_before` body-log syncs earlier would have left them."""
    log_syncs = [n for n, (kind, name, _, _) in enumerate(records) if kind == "S" and "/bodies/" in name]
    return records[:log_syncs[-syncs_before]] if len(log_syncs) >= syncs_before else []


def rebuild(records, into):
    """Writes each file as its last sync left it into `into`; returns the files written."""
    last = {}
    for n, (kind, name, _, _) in enumerate(records):
        if kind == "S":
            last[name] = n
    files = {}
    for n, (kind, name, offset, data) in enumerate(records):
        if kind == "U":
            # Creating and removing files is taken as durable: the suite models lost data writes, not lost
            # directory entries (SQLite's first DELETE-mode journal would otherwise come back as hot).
            files.pop(name, None)
            continue
        if n > last.get(name, -1) or name.endswith("-shm"):
            continue
        buf = files.setdefault(name, bytearray())
        if kind == "W":
            if len(buf) < offset + len(data):
                buf.extend(b"\0" * (offset + len(data) - len(buf)))
            buf[offset:offset + len(data)] = data
        elif kind == "T":
            del buf[offset:]
    written = []
    for name, buf in files.items():
        base = os.path.basename(name)
        if "/bodies/" in name:
            base = os.path.join("bodies", base)
            os.makedirs(os.path.join(into, "bodies"), exist_ok=True)
        elif not base.startswith("hookrouter.db"):
            continue
        with open(os.path.join(into, base), "wb") as f:
            f.write(buf)
        written.append(base)
    return written


def stored_ids(directory, sink):
    """What the store holds once a router opened it (and indexed the log's tail), as after a power cut,
    and how many of those events only the log had."""
    def read():
        db = sqlite3.connect(os.path.join(directory, "hookrouter.db"))
        try:
            return db.execute("PRAGMA integrity_check").fetchone()[0], {r[0] for r in db.execute("SELECT event_id FROM events")}
        finally:
            db.close()
    _, rows_only = read()
    Router(config=CONFIG(sink), data=directory).start().stop()
    ok, ids = read()
    return ok, ids, len(ids - rows_only)


def CONFIG(sink, settings=""):
    return config({"ledger": '{ url: "%s" }' % sink.url("/ledger")}, "  - { name: all, from: fiscal, to: [ledger] }", settings=settings)


def start_logged(cfg, data, log, shim, **env):
    """A router on `data` whose I/O the shim logs to `log`; `env` adds variables for it alone."""
    env.update(POWERLOSS_DIR=data, POWERLOSS_LOG=log, LD_PRELOAD=shim)
    os.environ.update(env)
    try:
        return Router(config=cfg, data=data).start()
    finally:
        for k in env:
            os.environ.pop(k)


def one_cut(shim, target_acked, sink, work):
    data = os.path.join(work, "data")
    log = os.path.join(work, "io.log")
    router = start_logged(CONFIG(sink), data, log, shim)
    load = Load(lambda: router.port, "power-%d" % int(time.time() * 1000), threads=6).start()
    wait_until(lambda: load.acked_count() >= target_acked, timeout=300, step=0.01)
    kill9(router)  # mid-load: the last batch may be written and not yet flushed
    load.stop()
    router.stop()
    acked = set(load.acked)
    records = read_log(log)
    cut = os.path.join(work, "after-cut")
    control = os.path.join(work, "control")
    os.mkdir(cut)
    os.mkdir(control)
    rebuild(records, cut)
    ok, ids, from_log = stored_ids(cut, sink)
    rebuild(earlier_cut(records, 10), control)
    _, control_ids, _ = stored_ids(control, sink)
    syncs = sum(1 for r in records if r[0] == "S")
    return acked, ok, ids, from_log, control_ids, syncs, len(records)


SEGMENT_BYTES = 256 << 10


def is_db(name):
    return os.path.basename(name).startswith("hookrouter.db")


def removals(records):
    """Indexes of the records that removed a body log segment."""
    return [n for n, (kind, name, _, _) in enumerate(records) if kind == "U" and "/bodies/" in name]


def without_last_db_flush(records):
    """The records with the last database flush among them taken out (what it covered stays unflushed)."""
    last = max((n for n, (kind, name, _, _) in enumerate(records) if kind == "S" and is_db(name)), default=None)
    return records if last is None else records[:last] + records[last + 1:]


def orphaned_rows(directory):
    """Event rows whose record is not in the body log (its segment missing or shorter than the record)."""
    db = sqlite3.connect(os.path.join(directory, "hookrouter.db"))
    try:
        ends = db.execute("SELECT log_segment, count(*), max(log_offset + log_length) FROM events "
                          "WHERE log_segment IS NOT NULL GROUP BY 1").fetchall()
    finally:
        db.close()
    orphans = 0
    for segment, rows, end in ends:
        path = os.path.join(directory, "bodies", "%08d.log" % segment)
        if not os.path.exists(path) or os.path.getsize(path) < end:
            orphans += rows
    return orphans


def retention_cut(shim, sink, work):
    """Under load with `retention: 1s`, the store as a power cut right after each of the first segment
    removals would leave it, then as the final SIGKILL left it (opened by the router). Returns the
    removals checked, the rows orphaned at them (must be 0), those the control orphans (must be > 0),
    and the final store's integrity and orphans."""
    data = os.path.join(work, "data")
    log = os.path.join(work, "io.log")
    cfg = CONFIG(sink, settings="  retention: 1s\n  dedup_window: 1s")
    router = start_logged(cfg, data, log, shim, HOOKROUTER_SEGMENT_BYTES=str(SEGMENT_BYTES))
    wanted = 6 if LONG else 3
    load = Load(lambda: router.port, "purge-%d" % int(time.time() * 1000), threads=6, body_pad=1024).start()
    wait_until(lambda: len(removals(read_log(log))) >= wanted, timeout=300, step=0.5)
    kill9(router)
    load.stop()
    router.stop()
    records = read_log(log)
    points = removals(records)[:wanted]
    orphans, control_orphans = 0, 0
    for n, i in enumerate(points):
        at = os.path.join(work, "at-%d" % n)
        control = os.path.join(work, "control-%d" % n)
        os.mkdir(at)
        os.mkdir(control)
        rebuild(records[:i + 1], at)
        orphans += orphaned_rows(at)
        rebuild(without_last_db_flush(records[:i + 1]), control)
        control_orphans += orphaned_rows(control)
    final = os.path.join(work, "final")
    os.mkdir(final)
    rebuild(records, final)
    Router(config=cfg, data=final).start().stop()
    db = sqlite3.connect(os.path.join(final, "hookrouter.db"))
    try:
        integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()
    return len(points), orphans, control_orphans, integrity, orphaned_rows(final), len(load.acked)


def main():
    cuts = 5 if LONG else 2
    target = 5000 if LONG else 750
    work = tempfile.mkdtemp(prefix="hookrouter-powerloss-")
    shim = build_shim(work)
    sink = quiet_sink()
    lines, all_ok = [], True
    try:
        for n in range(cuts):
            d = os.path.join(work, "cut-%d" % n)
            os.mkdir(d)
            acked, integrity, ids, from_log, control_ids, syncs, records = one_cut(shim, target, sink, d)
            lost = acked - ids
            control_lost = acked - control_ids
            ok = integrity == "ok" and not lost and len(control_lost) > 0
            all_ok = all_ok and ok
            lines.append("cut %d: %d acknowledged, %d in the store as flushed (%d lost; %d indexed from the body log), integrity %s; "
                         "control cut 10 log syncs earlier loses %d acknowledged (must be > 0); %d syncs, %d I/O records"
                         % (n + 1, len(acked), len(acked & ids), len(lost), from_log, integrity, len(control_lost), syncs, records))
        d = os.path.join(work, "retention")
        os.mkdir(d)
        points, orphans, control_orphans, integrity, final_orphans, acked = retention_cut(shim, sink, d)
        ok = points > 0 and orphans == 0 and control_orphans > 0 and integrity == "ok" and final_orphans == 0
        all_ok = all_ok and ok
        lines.append("retention: %d acknowledged; at each of %d segment removals, %d rows without their record (must be 0); "
                     "control without the last database flush before each: %d (must be > 0); final store integrity %s, %d such rows"
                     % (acked, points, orphans, control_orphans, integrity, final_orphans))
    finally:
        sink.stop()
        shutil.rmtree(work, ignore_errors=True)
    report("powerloss", all_ok, "; ".join(lines))
    return all_ok


if __name__ == "__main__":
    raise SystemExit(0 if main() else 1)
