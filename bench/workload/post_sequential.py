"""POSTs N signed copies of the workload's body, each with a random UUID X-Request-Id, from 8 threads
on keep-alive connections, one request at a time each; every answer must be 202.
Usage: post_sequential.py BODY_FILE SIG_FILE N PORT"""
import http.client
import sys
import threading
import uuid

body = open(sys.argv[1], "rb").read()
signature = open(sys.argv[2]).read().strip()
count, port = int(sys.argv[3]), int(sys.argv[4])


def post(n):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    for _ in range(n):
        c.request("POST", "/in/fiscal", body, {"Content-Type": "application/json", "X-Webhook-Signature": signature,
                                               "X-Request-Id": str(uuid.uuid4())})
        r = c.getresponse()
        r.read()
        if r.status != 202:
            raise SystemExit("answered %d" % r.status)


threads = [threading.Thread(target=post, args=(count // 8,)) for _ in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
