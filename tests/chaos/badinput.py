"""Bad input: every case of corpus/MANIFEST (smuggling shapes, bad framing, invalid UTF-8, deeply
nested JSON, huge headers, garbage, truncated requests, slow headers) gets its expected answer (or
the connection closed, for truncated ones), nothing from the corpus is stored, and after each case
the server still answers a valid signed request with 202. The router must be alive at the end."""
import os
import socket
import sys
import time

from common import HERE, Router, config, fiscal_body, post, quiet_sink, report, sign, signed_headers, statuses

CORPUS = os.path.join(HERE, "corpus")


def read_all(s, timeout):
    s.settimeout(timeout)
    chunks, closed = [], False
    deadline = time.time() + timeout
    try:
        while time.time() < deadline:
            b = s.recv(65536)
            if not b:
                closed = True
                break
            chunks.append(b)
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    return b"".join(chunks), closed


def send_case(port, data, mode):
    s = socket.create_connection(("127.0.0.1", port))
    try:
        if mode == "signed":
            s.sendall(b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Webhook-Signature: %s\r\n"
                      b"Content-Length: %d\r\nConnection: close\r\n\r\n" % (sign(data).encode(), len(data)) + data)
        elif mode == "slow":
            for i in range(len(data)):
                try:
                    s.sendall(data[i:i + 1])
                except OSError:
                    break
                time.sleep(0.15)
        else:
            try:
                s.sendall(data)
            except OSError:
                pass  # the server may answer and close before it has read everything
            if mode == "truncate":
                s.shutdown(socket.SHUT_WR)
        return read_all(s, 5)
    finally:
        s.close()


def main():
    sink = quiet_sink()
    router = Router(config=config({"ledger": '{ url: "%s" }' % sink.url("/ledger")},
                                  "  - { name: all-to-ledger, from: fiscal, to: [ledger] }")).start()
    failures = []
    served = 0
    with open(os.path.join(CORPUS, "MANIFEST")) as manifest:
        cases = [line.split() for line in manifest if line.strip() and not line.startswith("#")]
    started = time.time()
    for name, expect, mode in cases:
        with open(os.path.join(CORPUS, name), "rb") as f:
            data = f.read()
        t0 = time.time()
        raw, closed = send_case(router.port, data, mode)
        got = statuses(raw)
        if expect == "close":
            if any(200 <= s < 300 for s in got) or not closed:
                failures.append("%s: expected the connection closed with no 2xx, got %s (closed=%s)" % (name, got, closed))
        elif got[:1] != [int(expect)]:
            failures.append("%s: expected %s, got %s (closed=%s) %r" % (name, expect, got, closed, raw[:200]))
        elif len(got) > 1:
            failures.append("%s: more than one answer %s" % (name, got))
        # The server keeps serving: a valid request right after each case.
        body = fiscal_body("after-%s" % name)
        try:
            status, _, _ = post(router.port, "/in/fiscal", body, signed_headers(body))
        except OSError as e:
            status = str(e)
        if status != 202:
            failures.append("%s: the valid request after it got %s" % (name, status))
        else:
            served += 1
        if router.proc.poll() is not None:
            failures.append("%s: the router exited %s" % (name, router.proc.returncode))
            break
        if "--verbose" in sys.argv:
            print("  %-32s %-6s %-8s -> %s closed=%s %.2fs" % (name, expect, mode, got, closed, time.time() - t0))
    stored = {r[0] for r in router.db().execute("select event_id from events")}
    strays = stored - {"after-%s" % c[0] for c in cases}
    if strays:
        failures.append("events stored from the corpus: %s" % sorted(strays))
    code = router.stop()
    sink.stop()
    ok = report("badinput", not failures,
                "%d corpus cases, %d answered as expected, %d valid requests served after them, %d stored strays; %.1fs; exit %s"
                % (len(cases), len(cases) - len([f for f in failures if "valid request" not in f]), served, len(strays),
                   time.time() - started, code))
    for f in failures:
        print("  " + f)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
