"""Fills a hookrouter store with N events of one ~1.5 KB body, each with one pending delivery to
`sink` through route `to-sink`, due now (a backlog: rows in `delivery_rows`, schema 6). The schema is
the router's own (it created the file)."""
import json, sqlite3, sys, time
db, n = sys.argv[1], int(sys.argv[2])
body = open(sys.argv[3], "rb").read()
now = int(time.time() * 1000)
c = sqlite3.connect(db)
c.execute("BEGIN")
for i in range(n):
    cur = c.execute("INSERT INTO events (source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed) "
                    "VALUES ('fiscal', ?, 'nfe_importada', ?, ?, 'application/json', '[]', '{}', ?, 0)", ("pre-%d" % i, now, now, body))
    c.execute("INSERT INTO delivery_rows (event_seq, route, target, status, next_attempt_ms, created_ms, updated_ms) "
              "VALUES (?, 'to-sink', 'sink', 'pending', ?, ?, ?)", (cur.lastrowid, now, now, now))
c.execute("COMMIT")
