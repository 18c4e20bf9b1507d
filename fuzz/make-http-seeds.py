#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/http-parser: valid requests (Content-Length, chunked, pipelined)
and every smuggling shape the parser must refuse. Run from the repository root; files are committed."""
import hashlib, os

out = "fuzz/corpus/http-parser"
os.makedirs(out, exist_ok=True)
body = b'{"id":820982911946154508,"financial_status":"paid"}'
seeds = {
    "post-cl": b"POST /in/shopify?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\nX-Shopify-Topic: orders/paid\r\n\r\n%s" % (len(body), body),
    "get": b"GET /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
    "http10-keepalive": b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    "connection-close": b"GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, close\r\n\r\n",
    "options-star": b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
    "leading-crlf": b"\r\n\r\nGET /a HTTP/1.1\r\nHost: a\r\n\r\n",
    "chunked": b"POST /in/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: a\r\n\r\n",
    "chunked-upper-hex": b"POST /in/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n",
    "chunked-expect": b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\n\r\n",
    "chunked-pipelined": b"POST /in/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nGET /next HTTP/1.1\r\nHost: a\r\n\r\n",
    "pipelined": b"POST /in/a HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}GET /b HTTP/1.1\r\nHost: a\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    "incomplete": b"POST /x HTTP/1.1\r\nHost: a\r\n",
    "incomplete-cr": b"POST /x HTTP/1.1\r",
    "chunked-bad-size": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n",
    "chunked-bare-lf": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n",
    "chunked-too-many-digits": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
    "chunked-over-max": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nfffff\r\n",
    "chunked-negative": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
    "chunked-data-no-crlf": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n0\r\n\r\n",
    "chunked-trailer-bare-lf": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: a\n\r\n",
    # Smuggling shapes: each must be refused before any body byte.
    "cl-and-te": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te-then-cl": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
    "dup-cl-same": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
    "dup-cl-other": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
    "cl-list": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n",
    "cl-negative": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
    "cl-plus": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n",
    "cl-hex": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n",
    "cl-huge": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
    "obs-fold": b"POST / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n",
    "obs-fold-te": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n",
    "bare-lf-header": b"POST / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n",
    "bare-lf-lines": b"POST / HTTP/1.1\nHost: a\n\n",
    "bare-cr": b"POST / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n",
    "space-before-colon": b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n",
    "te-space-before-colon": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n",
    "te-gzip-chunked": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
    "te-identity": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
    "te-xchunked": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n",
    "te-tab": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\t\r\n\r\n0\r\n\r\n",
    "two-te": b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
    "te-http10": b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    "no-host": b"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
    "two-hosts": b"POST / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "http2": b"POST / HTTP/2.0\r\nHost: a\r\n\r\n",
    "bad-version": b"POST / HTTX/1.1\r\nHost: a\r\n\r\n",
    "absolute-form": b"POST http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
    "two-spaces": b"POST  / HTTP/1.1\r\nHost: a\r\n\r\n",
    "nul-in-value": b"POST / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n",
    "empty-name": b"POST / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n",
    "utf8-value": b"POST / HTTP/1.1\r\nHost: a\r\nX-Name: Cota\xc3\xa7\xc3\xa3o \xff\r\n\r\n",
    "long-start-line": b"GET /" + b"a" * (8 * 1024 + 10) + b" HTTP/1.1\r\nHost: a\r\n\r\n",
    "many-fields": b"GET / HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-%d: v\r\n" % i for i in range(100)) + b"\r\n",
    "big-header": b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"b" * (32 * 1024) + b"\r\n\r\n",
}
for name, data in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
