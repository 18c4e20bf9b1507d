"""Adds N finished events two days old to a hookrouter store (each with a delivered delivery row and one
attempt: the rows a purge deletes the most of), their bodies of BODY bytes in the row (default 1500, as a
store from before the body log holds them; 0 as rows are written now). Usage: fill.py DB N [BODY]
(the router created DB's schema)"""
import sqlite3
import sys
import time

db = sqlite3.connect(sys.argv[1])
n = int(sys.argv[2])
t = int(time.time() * 1000) - 2 * 86_400_000
body = b"z" * int(sys.argv[3] if len(sys.argv) > 3 else 1500)
with db:
    for i in range(n):
        seq = db.execute("INSERT INTO events (source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body) "
                         "VALUES ('fiscal', ?, 'nfe_importada', ?, ?, 'application/json', '[]', '{}', ?)", ("old-%d" % i, t, t, body)).lastrowid
        did = db.execute("INSERT INTO delivery_rows (event_seq, route, target, status, attempts, next_attempt_ms, created_ms, updated_ms, last_status) "
                         "VALUES (?, 'none', 'sink', 'delivered', 1, ?, ?, ?, 200)", (seq, t, t, t)).lastrowid
        db.execute("INSERT INTO attempts (delivery_id, attempt, started_ms, duration_ms, status, response) VALUES (?, 1, ?, 3, 200, x'7b7d')", (did, t))
