"""Waits until a hookrouter store holds no pending delivery, then prints the wall-clock time it saw that
(seconds since the epoch) and how many deliveries are `delivered`. One process polling an index every
10 ms: starting a Python per poll (what run.sh did before) took ~160 ms of CPU each time, a good part of
a core beside the router it was timing. Usage: wait_delivered.py DB [TIMEOUT_SECONDS]"""
import os, sqlite3, sys, time
db, timeout = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 300
deadline = time.time() + timeout
while not os.path.exists(db) and time.time() < deadline:
    time.sleep(0.01)
c = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=5)
while time.time() < deadline:
    try:
        if c.execute("SELECT 1 FROM deliveries WHERE status = 'pending' LIMIT 1").fetchone() is None:
            end = time.time()
            delivered = c.execute("SELECT count(*) FROM deliveries WHERE status = 'delivered'").fetchone()[0]
            print("%.6f %d" % (end, delivered))
            sys.exit(0)
    except sqlite3.OperationalError:
        pass  # the schema is being created or a checkpoint holds a lock: look again
    time.sleep(0.01)
sys.exit("deliveries still pending after %.0f s" % timeout)
