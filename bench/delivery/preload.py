"""Fills a hookrouter store with N events of one ~1.5 KB body, each with one pending delivery to
`sink` through route `to-sink`, due now (a backlog: rows in `delivery_rows`, schema 6). The schema is
the router's own (it created the file). From schema 8 the bodies go to the body log as the router
writes them (bodies/00000001.log, one record per event, LogRecord.swift's layout), so the drain
reads them from there."""
import os, sqlite3, struct, sys, time

db, n = sys.argv[1], int(sys.argv[2])
body = open(sys.argv[3], "rb").read()
now = int(time.time() * 1000)

TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
    TABLE.append(c)


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = TABLE[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def record(seq, event_id):
    payload = struct.pack("<qqqqB", seq, now, now, now, 0)
    for f in (b"fiscal", event_id.encode(), b"nfe_importada", b"application/json", b"", b"[]", b"{}", body):
        payload += struct.pack("<I", len(f)) + f
    return struct.pack("<III", 0x31425248, 12 + len(payload), crc32c(payload)) + payload


c = sqlite3.connect(db)
logged = bool(c.execute("SELECT 1 FROM sqlite_master WHERE name = 'log_segments'").fetchone())
log = open(os.path.join(os.path.dirname(db), "bodies", "00000001.log"), "ab") if logged else None
offset = log.tell() if log else 0
c.execute("BEGIN")
for i in range(n):
    event_id = "pre-%d" % i
    if log:
        seq = (c.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]) + 1
        r = record(seq, event_id)
        log.write(r)
        c.execute("INSERT INTO events (seq, source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed, "
                  "log_segment, log_offset, log_length) VALUES (?, 'fiscal', ?, 'nfe_importada', ?, ?, 'application/json', x'', x'', x'', 0, 1, ?, ?)",
                  (seq, event_id, now, now, offset, len(r)))
        offset += len(r)
    else:
        seq = c.execute("INSERT INTO events (source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed) "
                        "VALUES ('fiscal', ?, 'nfe_importada', ?, ?, 'application/json', '[]', '{}', ?, 0)", (event_id, now, now, body)).lastrowid
    c.execute("INSERT INTO delivery_rows (event_seq, route, target, status, next_attempt_ms, created_ms, updated_ms) "
              "VALUES (?, 'to-sink', 'sink', 'pending', ?, ?, ?)", (seq, now, now, now))
if log:
    log.close()
    c.execute("INSERT INTO log_segments (segment, events, indexed_to) VALUES (1, ?, ?) "
              "ON CONFLICT (segment) DO UPDATE SET events = events + ?, indexed_to = ?", (n, offset, n, offset))
c.execute("COMMIT")
