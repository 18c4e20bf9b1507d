"""Fills a hookrouter store with N events as a router that has run for a week would have left them:
random UUID ids (as Shopify sends), received over the last 7 days (the default retention), each
delivered at its first attempt to `sink` by route `to-sink`. Writes what the store's schema version
keeps for that: a delivered row and its attempt (schemas 4 and 5), the dedup key (5), the key with the
event's plan and the settled cursor past it (6: no delivery row), the per-minute counters (7).
The file must exist (a router created it). Usage: preload.py DB N BODY

DB may be a postgres:// URL (a database a router migrated): the same events, each with its delivered
delivery row and attempt, written by the server itself (generate_series, random UUIDs), needs pg8000."""
import os
import sqlite3
import sys
import time
import uuid

db, n, body = sys.argv[1], int(sys.argv[2]), open(sys.argv[3], "rb").read()
if db.startswith("postgres://") or db.startswith("postgresql://"):
    import pg8000.dbapi
    from urllib.parse import urlparse
    u = urlparse(db)
    c = pg8000.dbapi.connect(user=u.username, password=u.password, host=u.hostname, port=u.port, database=u.path.lstrip("/"))
    start, now, week = time.time(), int(time.time() * 1000), 7 * 86_400_000
    cur = c.cursor()
    cur.execute("SELECT coalesce(max(seq), 0) FROM events")
    first = cur.fetchone()[0]
    cur.execute("""
        WITH e AS (
            INSERT INTO events (source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed)
            SELECT 'fiscal', gen_random_uuid()::text, 'nfe_importada', t, t, 'application/json',
                   '\\x5b5d', '\\x7b7d', %s, false
            FROM generate_series(0, %s::bigint - 1) i, LATERAL (SELECT %s::bigint - %s::bigint + i * %s::bigint / %s::bigint AS t) x
            RETURNING seq, received_ms),
        d AS (
            INSERT INTO deliveries (event_seq, route, target, status, attempts, next_attempt_ms, created_ms, updated_ms, last_status)
            SELECT seq, 'to-sink', 'sink', 'delivered', 1, received_ms, received_ms, received_ms, 200 FROM e RETURNING id, created_ms)
        INSERT INTO attempts (delivery_id, attempt, started_ms, duration_ms, status, response) SELECT id, 1, created_ms, 1, 200, '\\x6f6b' FROM d
        """, (body, n, now, week, week, n))
    # Schema v3's counters, for the rows just written (the store keeps them as it writes).
    cur.execute("""
        INSERT INTO stat_counts (router, minute, source, target, status, n)
        SELECT 'preload', received_ms / 60000, 'fiscal', t, s, count(*) FROM events, (VALUES ('', ''), ('sink', 'delivered')) v(t, s)
        WHERE seq > %s GROUP BY 2, 4, 5
        """, (first,))
    cur.execute("""
        INSERT INTO stat_attempts (router, minute, target, attempts, ok)
        SELECT 'preload', started_ms / 60000, 'sink', count(*), count(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id
        WHERE d.event_seq > %s GROUP BY 2
        """, (first,))
    c.commit()
    c.close()
    print("preloaded %d events into %s in %.0f s" % (n, u.hostname, time.time() - start), file=sys.stderr)
    sys.exit(0)
c = sqlite3.connect(db, isolation_level=None)
version = c.execute("PRAGMA user_version").fetchone()[0]
tables = {r[0] for r in c.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
derived = "event_keys" in tables  # schema 6: deliveries derived from the plan
c.execute("PRAGMA journal_mode = DELETE")  # the router puts WAL back when it opens the file
c.execute("PRAGMA synchronous = OFF")
now = int(time.time() * 1000)
week = 7 * 86_400_000
start = time.time()
seq = c.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()[0]
first_seq = seq
chunk = 100_000
for base in range(0, n, chunk):
    count = min(chunk, n - base)
    rows = []
    for i in range(count):
        seq += 1
        received = now - week + (base + i) * week // n
        rows.append((seq, str(uuid.uuid4()), received))
    c.execute("BEGIN")
    c.executemany("INSERT INTO events (seq, source, event_id, type, time_ms, received_ms, content_type, headers, attributes, body, sealed) "
                  "VALUES (?, 'fiscal', ?, 'nfe_importada', ?3, ?3, 'application/json', '[]', '{}', ?4, 0)",
                  ((s, i, r, body) for s, i, r in rows))
    if derived:
        c.executemany("INSERT INTO event_keys (seq, source, event_id, stored_ms, planned) VALUES (?, 'fiscal', ?, ?, '[[\"to-sink\",\"sink\"]]')", rows)
    elif "dedup_keys" in tables:
        c.executemany("INSERT INTO dedup_keys (seq, source, event_id, stored_ms) VALUES (?, 'fiscal', ?, ?)", rows)
    if not derived:  # schemas before derived deliveries keep a row per delivery and attempt
        c.executemany("INSERT INTO deliveries (id, event_seq, route, target, status, attempts, next_attempt_ms, created_ms, updated_ms, last_status) "
                      "VALUES (?1, ?1, 'to-sink', 'sink', 'delivered', 1, ?2, ?2, ?2, 200)", ((s, r) for s, _, r in rows))
        c.executemany("INSERT INTO attempts (delivery_id, attempt, started_ms, duration_ms, status, response) VALUES (?1, 1, ?2, 1, 200, x'6f6b')",
                      ((s, r) for s, _, r in rows))
    c.execute("COMMIT")
if "delivery_state" in tables:
    c.execute("UPDATE delivery_state SET settled_seq = ?", (seq,))
if "stat_plans" in tables:  # schema 7: the counters of events and planned deliveries per minute
    c.execute("BEGIN")
    for target in ("", "sink"):
        c.execute("INSERT INTO stat_plans (minute, source, target, n) SELECT received_ms / 60000, 'fiscal', ?, count(*) FROM events "
                  "WHERE seq > ? GROUP BY 1 ON CONFLICT (minute, source, target) DO UPDATE SET n = n + excluded.n", (target, first_seq))
    c.execute("COMMIT")
c.close()
print("preloaded %d events (schema %d) in %.0f s; %s is %.1f GiB" % (n, version, time.time() - start, os.path.basename(db), os.path.getsize(db) / 2**30),
      file=sys.stderr)
