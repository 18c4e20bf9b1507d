import Testing
@testable import HTTPServer

private func parse(_ text: String) -> HTTPHeadParser.Result {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { HTTPHeadParser.parse($0) }
}

private func status(_ text: String) -> Int? {
    if case .invalid(let e) = parse(text) { return e.status }
    return nil
}

/// Strict RFC 9112 parsing: each smuggling shape is refused before any body byte is read.
struct HTTPHeadParserTests {
    @Test func parsesAPostWithContentLength() throws {
        guard case .complete(let head, let length) = parse("POST /in/shopify?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\nX-Shopify-Topic: orders/paid\r\n\r\n{\"a\":1}") else {
            Issue.record("not complete"); return
        }
        #expect(head.method == "POST")
        #expect(head.target == "/in/shopify?x=1")
        #expect(head.path == "/in/shopify")
        #expect(head.framing == .contentLength(12))
        #expect(head.keepAlive)
        #expect(head.header("x-shopify-topic") == "orders/paid")
        #expect(head.header("X-SHOPIFY-TOPIC") == "orders/paid")
        // Names come out lower-cased (values untouched): what adapters and the store expect.
        #expect(head.headers.map(\.name) == ["host", "content-length", "x-shopify-topic"])
        #expect(length == 92)
    }

    @Test func incompleteHeadAsksForMore() {
        guard case .incomplete = parse("POST /x HTTP/1.1\r\nHost: a\r\n") else { Issue.record("expected incomplete"); return }
        guard case .incomplete = parse("POST /x HTTP/1.1\r") else { Issue.record("expected incomplete"); return }
    }

    @Test func connectionSemantics() {
        if case .complete(let h, _) = parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") { #expect(!h.keepAlive) } else { Issue.record("parse") }
        if case .complete(let h, _) = parse("GET / HTTP/1.0\r\n\r\n") { #expect(!h.keepAlive) } else { Issue.record("parse") }
        if case .complete(let h, _) = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") { #expect(h.keepAlive) } else { Issue.record("parse") }
        if case .complete(let h, _) = parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n") {
            #expect(h.expectsContinue)
            #expect(h.framing == .chunked)
        } else { Issue.record("parse") }
        // A leading empty line before the request line is tolerated (RFC 9112 §2.2).
        if case .complete(let h, _) = parse("\r\nGET /a HTTP/1.1\r\nHost: a\r\n\r\n") { #expect(h.path == "/a") } else { Issue.record("parse") }
    }

    /// Origin form with and without a query, `*` for OPTIONS only, and nothing else (RFC 9112 §3.2).
    @Test func requestTargets() {
        for (target, path) in [("/in/shopify?x=1&y=?", "/in/shopify"), ("/in/shopify", "/in/shopify"), ("/?", "/"), ("/a?", "/a")] {
            if case .complete(let h, _) = parse("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n") {
                #expect(h.target == target)
                #expect(h.path == path)
            } else { Issue.record("\(target) was refused") }
        }
        if case .complete(let h, _) = parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n") { #expect(h.path == "*") } else { Issue.record("OPTIONS *") }
        for line in ["GET * HTTP/1.1", "OPTIONS *x HTTP/1.1", "GET in/shopify HTTP/1.1", "GET http://a/in HTTP/1.1", "GET ?x HTTP/1.1"] {
            guard case .invalid(.badRequest(let why)) = parse(line + "\r\nHost: a\r\n\r\n") else { Issue.record("\(line) was accepted"); continue }
            #expect(why == "request target must be a path starting with '/'")
        }
    }

    @Test(arguments: [
        ("both CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("TE then CL", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400),
        ("duplicate CL same value", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 400),
        ("duplicate CL other value", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
        ("CL list", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", 400),
        ("negative CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
        ("plus CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n", 400),
        ("hex CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x5\r\n\r\n", 400),
        ("huge CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
        ("obs-fold", "POST / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400),
        ("bare LF in headers", "POST / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n", 400),
        ("bare LF line end", "POST / HTTP/1.1\nHost: a\n\n", 400),
        ("bare CR", "POST / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", 400),
        ("space before colon", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length : 5\r\n\r\n", 400),
        ("TE gzip", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("TE identity", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n", 501),
        ("TE chunked not last", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400),
        ("two TE headers", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("no Host in 1.1", "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 400),
        ("two Hosts", "POST / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("HTTP/2.0", "POST / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
        ("garbage version", "POST / HTTX/1.1\r\nHost: a\r\n\r\n", 400),
        ("absolute form", "POST http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("two spaces", "POST  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        ("NUL in value", "POST / HTTP/1.1\r\nHost: a\r\nX: a\u{0}b\r\n\r\n", 400),
        ("empty header name", "POST / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n", 400),
    ])
    func refusesAmbiguousShapes(_ name: String, _ text: String, _ expected: Int) {
        #expect(status(text) == expected, "\(name)")
    }

    /// Line ends and control characters are found a word at a time: each is seen wherever it falls
    /// in a long value, and a tab (allowed) or a known name in any case changes nothing.
    @Test func everyStopByteIsSeenAtEveryPosition() {
        for at in 0..<24 {
            func head(_ inserted: String, name: String = "X-Long") -> String {
                var value = String(repeating: "v", count: 24)
                value.insert(contentsOf: inserted, at: value.index(value.startIndex, offsetBy: at))
                return "POST / HTTP/1.1\r\nHost: a\r\n\(name): \(value)\r\nContent-Length: 0\r\n\r\n"
            }
            #expect(status(head("\u{1}")) == 400, "control at \(at)")
            #expect(status(head("\u{7F}")) == 400, "DEL at \(at)")
            #expect(status(head("\n")) == 400, "bare LF at \(at)")
            #expect(status(head("\r")) == 400, "bare CR at \(at)")
            guard case .complete(let h, _) = parse(head("\t", name: "X-REQUEST-ID")) else {
                Issue.record("a tab at \(at) is allowed"); continue
            }
            #expect(h.headers.map(\.name) == ["host", "x-request-id", "content-length"])
            #expect(h.header("x-request-id")?.count == (at == 0 ? 24 : 25), "a leading tab is trimmed, an inner one kept")
        }
    }

    @Test func limits() {
        let longLine = "GET /" + String(repeating: "a", count: HTTPLimits.maxStartLine + 10) + " HTTP/1.1\r\nHost: a\r\n\r\n"
        #expect(status(longLine) == 414)
        // Even before the line ends, an over-long start line is refused (no waiting for more).
        #expect(status("GET /" + String(repeating: "a", count: HTTPLimits.maxStartLine + 10)) == 414)
        let many = "GET / HTTP/1.1\r\nHost: a\r\n" + (0..<HTTPLimits.maxHeaderFields).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        #expect(status(many) == 431)
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: HTTPLimits.maxHeaderBytes) + "\r\n\r\n"
        #expect(status(big) == 431)
        let unfinished = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "b", count: HTTPLimits.maxHeaderBytes + 10)
        #expect(status(unfinished) == 431)
        let fine = "GET / HTTP/1.1\r\nHost: a\r\n" + (0..<(HTTPLimits.maxHeaderFields - 1)).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        guard case .complete = parse(fine) else { Issue.record("99 fields + Host should parse"); return }
    }
}

/// Chunked bodies, fed whole and one byte at a time.
struct ChunkedDecoderTests {
    private func decode(_ text: String, max: Int = 1 << 20, byteByByte: Bool = false) throws(HTTPParseError) -> (body: String, used: Int, done: Bool) {
        var d = ChunkedDecoder(maxBody: max)
        let bytes = Array(text.utf8)
        var used = 0
        if byteByByte {
            for i in bytes.indices where !d.isDone {
                used += try bytes.withUnsafeBufferPointer { buf throws(HTTPParseError) in try d.feed(UnsafeBufferPointer(rebasing: buf[i...i])) }
            }
        } else {
            used = try bytes.withUnsafeBufferPointer { buf throws(HTTPParseError) in try d.feed(buf) }
        }
        return (String(decoding: d.body, as: UTF8.self), used, d.isDone)
    }

    @Test func decodes() throws {
        for slow in [false, true] {
            let r = try decode("5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Trailer: a\r\n\r\nNEXT", byteByByte: slow)
            #expect(r.body == "hello, world")
            #expect(r.done)
            if !slow { #expect(r.used == 47) }  // stops right before "NEXT"
        }
        let upper = try decode("A\r\n0123456789\r\n0\r\n\r\n")
        #expect(upper.body == "0123456789")
    }

    @Test(arguments: [
        ("no digits", "\r\nabc\r\n0\r\n\r\n", 400),
        ("bare LF after size", "5\nhello\r\n0\r\n\r\n", 400),
        ("missing CRLF after data", "5\r\nhelloX\r\n0\r\n\r\n", 400),
        ("negative", "-5\r\nhello\r\n0\r\n\r\n", 400),
        ("space in size", "5 \r\nhello\r\n0\r\n\r\n", 400),
        ("too many digits", "1000000000000000\r\n", 400),
        ("over max", "ff\r\n", 413),
    ])
    func refuses(_ name: String, _ text: String, _ expected: Int) {
        do {
            _ = try decode(text, max: 100)
            Issue.record("\(name): accepted")
        } catch {
            #expect(error.status == expected, "\(name)")
        }
    }
}
