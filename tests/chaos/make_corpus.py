"""Writes tests/chaos/corpus/: malformed requests for the bad-input suite, and its MANIFEST.

Each MANIFEST line is `FILE EXPECT MODE`:
  MODE raw       the file's bytes are sent as they are on a fresh connection
  MODE signed    the file is a body, posted to /in/fiscal with a valid signature and Content-Length
  MODE slow      the file's bytes are sent one every 150 ms (slow headers; header_timeout is 1s)
  MODE truncate  the file's bytes are sent, then the client closes its sending side
  EXPECT         the status of the one answer, or `close`: the connection is closed with no 2xx
Run it again after changing a case; the files are committed so a failure names a file to replay."""
import os
import random

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
H = b"POST /in/fiscal HTTP/1.1\r\nHost: x\r\n"
cases = []


def add(name, expect, data, mode="raw"):
    cases.append((name, expect, mode))
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# Framing and smuggling shapes (RFC 9112 §6.1, §6.3, §5.2).
add("cl-and-te.http", 400, H + b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
add("te-and-cl.http", 400, H + b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n")
add("duplicate-cl-same.http", 400, H + b"Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
add("duplicate-cl-different.http", 400, H + b"Content-Length: 3\r\nContent-Length: 30\r\n\r\nabc")
add("cl-list.http", 400, H + b"Content-Length: 3, 3\r\n\r\nabc")
add("cl-plus-sign.http", 400, H + b"Content-Length: +3\r\n\r\nabc")
add("cl-negative.http", 400, H + b"Content-Length: -1\r\n\r\n")
add("cl-overflow.http", 400, H + b"Content-Length: 999999999999999999999999\r\n\r\n")
add("cl-hex.http", 400, H + b"Content-Length: 0x10\r\n\r\n")
add("te-space-before-colon.http", 400, H + b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n")
add("te-gzip.http", 501, H + b"Transfer-Encoding: gzip\r\n\r\n")
add("te-chunked-twice.http", 400, H + b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
add("te-chunked-not-last.http", 400, H + b"Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n")
add("obs-fold.http", 400, H + b"X-Webhook-Signature: abc\r\n continued\r\nContent-Length: 0\r\n\r\n")
add("obs-fold-tab.http", 400, H + b"X-A: 1\r\n\tcontinued\r\nContent-Length: 0\r\n\r\n")
add("bare-lf.http", 400, b"POST /in/fiscal HTTP/1.1\nHost: x\nContent-Length: 0\n\n")
add("bare-lf-one-header.http", 400, H + b"X-A: 1\nContent-Length: 0\r\n\r\n")
add("bare-cr-in-value.http", 400, H + b"X-A: a\rb\r\nContent-Length: 0\r\n\r\n")
add("nul-in-value.http", 400, H + b"X-A: a\x00b\r\nContent-Length: 0\r\n\r\n")
add("bad-header-name.http", 400, H + b"X@A: 1\r\nContent-Length: 0\r\n\r\n")
add("empty-header-name.http", 400, H + b": 1\r\nContent-Length: 0\r\n\r\n")
add("bad-chunk-size.http", 400, H + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
add("chunk-size-overflow.http", 400, H + b"Transfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\nabc\r\n0\r\n\r\n")
add("chunk-missing-crlf.http", 400, H + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n")
# Start line.
add("http09.http", 400, b"GET /\r\n\r\n")
add("http2-version.http", 505, b"POST /in/fiscal HTTP/2.0\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
add("bad-version.http", 400, b"POST /in/fiscal HTTP/1.x\r\nHost: x\r\n\r\n")
add("method-with-space.http", 400, b"PO ST /in/fiscal HTTP/1.1\r\nHost: x\r\n\r\n")
add("two-spaces.http", 400, b"POST  /in/fiscal HTTP/1.1\r\nHost: x\r\n\r\n")
add("long-uri.http", 414, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
# Size limits.
add("huge-header.http", 431, H + b"X-Big: " + b"b" * 40000 + b"\r\n\r\n")
add("many-headers.http", 431, H + b"".join(b"X-%d: v\r\n" % i for i in range(200)) + b"\r\n")
# Garbage.
rnd = random.Random(7)
add("garbage.http", 400, bytes(rnd.randrange(256) for _ in range(2048)))
add("tls-hello.http", 400, bytes.fromhex("160301020001000000fc0303") + bytes(rnd.randrange(256) for _ in range(200)))
add("only-crlf.http", "close", b"\r\n" * 4096, mode="truncate")
# Truncated, then the client goes away.
add("truncated-body.http", "close", H + b"Content-Length: 1000\r\nX-Webhook-Signature: 00\r\n\r\n" + b'{"evento":"nfe', mode="truncate")
add("truncated-chunked.http", "close", H + b"Transfer-Encoding: chunked\r\n\r\n10\r\n{\"evento\":", mode="truncate")
add("truncated-head.http", "close", H + b"Content-Length: 10\r\nX-Web", mode="truncate")
# Slow headers (header_timeout 1s).
add("slow-headers.http", 408, H + b"X-Slow-1: 1\r\nX-Slow-2: 2\r\nX-Slow-3: 3\r\n\r\n", mode="slow")
# Bodies with valid framing and signature: the JSON itself is bad.
add("invalid-utf8.json", 400, b'{"evento":"nfe_importada","dados":{"chave":"u8-\xff\xfe"}}', mode="signed")
add("overlong-utf8.json", 400, b'{"evento":"nfe_importada","dados":{"chave":"u8-\xc0\xaf"}}', mode="signed")
add("utf8-surrogate.json", 400, b'{"evento":"nfe_importada","dados":{"chave":"u8-\xed\xa0\x80"}}', mode="signed")
add("utf8-truncated-sequence.json", 400, b'{"evento":"nfe_importada","dados":{"chave":"u8-\xe2\x82"}}', mode="signed")
add("deep-arrays.json", 400, b"[" * 100000, mode="signed")
add("deep-objects.json", 400, b'{"a":' * 20000, mode="signed")
add("deep-arrays-closed.json", 400, b"[" * 50000 + b"]" * 50000, mode="signed")
add("truncated.json", 400, b'{"evento":"nfe_importada","dados":{"chave":"tr', mode="signed")
add("trailing-garbage.json", 400, b'{"evento":"nfe_importada","dados":{"chave":"tg"}} x', mode="signed")
add("nan.json", 400, b'{"evento":"nfe_importada","dados":{"chave":"nan","v":NaN}}', mode="signed")
add("control-char-in-string.json", 400, b'{"evento":"nfe_importada","dados":{"chave":"c\x01c"}}', mode="signed")
add("bad-escape.json", 400, b'{"evento":"nfe_importada","dados":{"chave":"\\x41"}}', mode="signed")
add("empty.json", 400, b"", mode="signed")
add("single-quotes.json", 400, b"{'evento':'nfe_importada'}", mode="signed")

with open(os.path.join(HERE, "MANIFEST"), "w") as f:
    f.write("# FILE EXPECT MODE (written by ../make_corpus.py; see there)\n")
    for name, expect, mode in cases:
        f.write("%s %s %s\n" % (name, expect, mode))
print("%d cases written to %s" % (len(cases), HERE))
