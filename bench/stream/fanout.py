#!/usr/bin/env python3
"""Fan-out bench client: CLIENTS WebSocket clients over GROUPS groups (bearer token), while a poster
process sends RATE signed events/s for SECS seconds, each to one random group and stamped with its
send time. Prints p50/p99 ingest→client latency, messages received, and the server's CPU seconds.

    fanout.py PORT ADMIN_PORT PID CLIENTS GROUPS RATE SECS
"""
import asyncio
import hashlib
import hmac
import http.client
import json
import multiprocessing
import os
import random
import sys
import threading
import time
import uuid

from websockets.asyncio.client import connect

PORT, ADMIN, PID, CLIENTS, GROUPS, RATE, SECS = (int(a) for a in sys.argv[1:8])


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def poster(rate, secs, ready, results):
    ready.wait()
    answered = []
    threads, per = 8, rate / 8.0

    def run(seed):
        rnd = random.Random(seed)
        c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        start = time.time()
        n = 0
        while time.time() - start < secs:
            due = start + n / per
            if due > time.time():
                time.sleep(due - time.time())
            body = json.dumps({"id": str(uuid.uuid4()), "evento": "tick", "g": "g%d" % rnd.randrange(GROUPS), "t": time.time_ns()}).encode()
            sig = hmac.new(b"bench-secret", body, hashlib.sha256).hexdigest()
            t0 = time.time()
            c.request("POST", "/in/fiscal", body=body, headers={"X-Webhook-Signature": sig, "Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
            answered.append((time.time() - t0) * 1000)
            assert r.status == 202, r.status
            n += 1

    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    answered.sort()
    results.put(round(answered[int(len(answered) * 0.99)], 2))


async def client(i, latencies, counter, stop):
    url = "ws://127.0.0.1:%d/ws/bench?token=bench-bearer&group=g%d" % (PORT, i % GROUPS)
    async with connect(url, max_queue=None, ping_interval=None) as ws:
        counter["open"] += 1
        while not stop.is_set():
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=0.5)
            except asyncio.TimeoutError:
                continue
            now = time.time_ns()
            # The send stamp without parsing the whole message: the client core is the scarce one here.
            at = raw.find('"t":')
            if raw.startswith('{"kind":"event"') and at > 0:
                latencies.append((now - int(raw[at + 4:raw.index("}", at)])) / 1e6)
            else:
                kind = json.loads(raw)["kind"]
                counter[kind] = counter.get(kind, 0) + 1


async def main():
    latencies, counter, stop = [], {"open": 0}, asyncio.Event()
    tasks = []
    for i in range(CLIENTS):
        tasks.append(asyncio.create_task(client(i, latencies, counter, stop)))
        if i % 100 == 99:
            await asyncio.sleep(0.05)
    while counter["open"] < CLIENTS:  # (none with CLIENTS=0: the ingest-only baseline)
        await asyncio.sleep(0.05)
    ready, results = multiprocessing.Event(), multiprocessing.Queue()
    p = multiprocessing.Process(target=poster, args=(RATE, SECS, ready, results))
    p.start()
    cpu0 = cpu_seconds(PID)
    ready.set()
    while p.is_alive() and results.empty():
        await asyncio.sleep(0.1)
    post_p99 = results.get()
    await asyncio.sleep(1.0)  # the last messages arrive
    cpu = cpu_seconds(PID) - cpu0
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    latencies.sort()
    n = len(latencies)
    expected = RATE * SECS * CLIENTS // GROUPS
    print(json.dumps({"clients": CLIENTS, "messages": n, "expected_about": expected,
                      "p50_ms": round(latencies[n // 2], 2) if n else None, "p99_ms": round(latencies[int(n * 0.99)], 2) if n else None,
                      "server_cpu_s": round(cpu, 3), "post_p99_ms": post_p99, "other": {k: v for k, v in counter.items() if k != "open"}}))


asyncio.run(main())
