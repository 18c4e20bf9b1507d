"""Waits until every event this router process stored has been delivered, from its own /metrics
(events_total against attempts_total{outcome="delivered"}). Prints "BACKLOG SECONDS": the deliveries
still owed when called and how long they took. Usage: drained.py ADMIN_PORT TIMEOUT_SECONDS"""
import sys
import time
import urllib.request

port, timeout = int(sys.argv[1]), float(sys.argv[2])


def counts():
    text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
    events = delivered = 0.0
    for line in text.splitlines():
        if line.startswith("hookrouter_events_total{"):
            events += float(line.rsplit(" ", 1)[1])
        elif line.startswith("hookrouter_delivery_attempts_total{") and 'outcome="delivered"' in line:
            delivered += float(line.rsplit(" ", 1)[1])
    return events, delivered


start = time.time()
events, delivered = counts()
backlog = int(events - delivered)
while delivered < events and time.time() - start < timeout:
    time.sleep(0.05)
    events, delivered = counts()
print(backlog, "%.2f" % (time.time() - start) if delivered >= events else "timeout(%d left)" % (events - delivered))
