#!/usr/bin/env python3
"""Holds N idle WebSocket connections (upgraded, each on a group of its own that gets no events, then
silent) and one that listens to every group and never reads (a 4 KiB receive buffer), until killed.
Prints "ready" once all are open.

    idle_clients.py PORT PATH TOKEN N
"""
import base64
import os
import socket
import sys
import time

port, path, token, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])


def upgrade(rcvbuf=None, group=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    query = "token=%s" % token + ("&group=%s" % group if group else "")
    s.sendall(("GET %s?%s HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, query, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert head.startswith(b"HTTP/1.1 101"), head
    return s


held = [upgrade(rcvbuf=4096)]  # the one that never reads: every event is pushed to it
for i in range(n):
    held.append(upgrade(group="idle-%d" % i))
print("ready", len(held), flush=True)
while True:
    time.sleep(3600)
