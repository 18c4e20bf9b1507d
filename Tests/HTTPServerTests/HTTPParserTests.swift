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

    /// The framing and connection headers are recognised in any case, and only those names: the
    /// semantics key on the name found while lower-casing it.
    @Test func knownNamesInAnyCase() {
        for (cl, te, host) in [("CONTENT-LENGTH", "TRANSFER-ENCODING", "HOST"), ("content-Length", "Transfer-encoding", "hOsT")] {
            guard case .complete(let h, _) = parse("POST / HTTP/1.1\r\n\(host): a\r\n\(cl): 7\r\n\r\n") else { Issue.record("\(cl)"); continue }
            #expect(h.framing == .contentLength(7))
            #expect(h.headers.map(\.name) == ["host", "content-length"])
            guard case .complete(let c, _) = parse("POST / HTTP/1.1\r\n\(host): a\r\n\(te): chunked\r\n\r\n") else { Issue.record("\(te)"); continue }
            #expect(c.framing == .chunked)
            #expect(status("POST / HTTP/1.1\r\n\(host): a\r\nhost: b\r\n\r\n") == 400, "two Hosts, \(host)")
            #expect(status("POST / HTTP/1.1\r\nHost: a\r\n\(cl): 5\r\ncontent-length: 5\r\n\r\n") == 400, "two \(cl)")
            #expect(status("POST / HTTP/1.1\r\nHost: a\r\n\(cl): 5\r\n\(te): chunked\r\n\r\n") == 400, "\(cl) and \(te)")
        }
        // Names one byte off a known one (a tchar that folds onto another, a longer or shorter name) mean nothing.
        for name in ["Content-Lengtx", "Content-Length2", "Content-Lengt", "Hos~", "Hos^", "Hostt", "Expect_", "Connection-"] {
            guard case .complete(let h, _) = parse("POST / HTTP/1.1\r\nHost: a\r\n\(name): 5\r\n\r\n") else { Issue.record("\(name)"); continue }
            #expect(h.framing == .none, "\(name)")
            #expect(h.headers.last?.name == name.lowercased())
        }
        #expect(status("POST / HTTP/1.1\r\n\r\n") == 400)  // "Hos^" above is no Host either
        #expect(status("POST / HTTP/1.1\r\nHos^: a\r\n\r\n") == 400)
        // A control character where a known name has a digit is no letter case of it.
        #expect(status("POST / HTTP/1.1\r\nHost: a\r\nX-Shopify-Hmac-Sha\u{12}56: v\r\n\r\n") == 400)
        // Every name of the table comes back lower-case, from any case.
        let names = ["Host", "Content-Type", "Content-Length", "User-Agent", "Accept", "Accept-Encoding", "Connection", "Expect",
                     "Authorization", "Date", "X-Request-Id", "X-Forwarded-For", "X-Real-Ip", "X-Webhook-Signature", "X-Signature",
                     "X-Api-Key", "Apikey", "Webhook-Id", "Webhook-Timestamp", "Webhook-Signature", "X-Shopify-Topic",
                     "X-Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain", "X-Shopify-Webhook-Id", "X-Shopify-Api-Version",
                     "X-Shopify-Triggered-At", "X-Shopify-Event-Id", "X-Shopify-Something-Else-Entirely"]
        let head = "GET / HTTP/1.1\r\n" + names.map { "\($0.uppercased()): 0\r\n" }.joined() + "\r\n"
        guard case .complete(let h, _) = parse(head) else { Issue.record("known names"); return }
        #expect(h.headers.map(\.name) == names.map { $0.lowercased() })
    }

    /// A refused combination of lines is reported only once every line has parsed: a malformed later
    /// line is reported instead, and an unfinished head waits.
    @Test func malformedLinesComeBeforeSemantics() {
        guard case .invalid(.badRequest(let why)) = parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\nX-A: a\u{1}b\r\n\r\n") else {
            Issue.record("not refused"); return
        }
        #expect(why == "control character in header 'x-a'")
        guard case .incomplete = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n") else {
            Issue.record("an unfinished head waits"); return
        }
        // Among refused lines, the first.
        guard case .invalid(.badRequest(let first)) = parse("POST / HTTP/1.1\r\nContent-Length: x\r\nTransfer-Encoding: a\r\nTransfer-Encoding: b\r\nContent-Length: 1\r\n\r\n") else {
            Issue.record("not refused"); return
        }
        #expect(first == "invalid Content-Length 'x'")
        guard case .invalid(.badRequest(let te)) = parse("POST / HTTP/1.1\r\nTransfer-Encoding: a\r\nTransfer-Encoding: b\r\nContent-Length: x\r\n\r\n") else {
            Issue.record("not refused"); return
        }
        #expect(te == "more than one Transfer-Encoding header")
    }

    @Test(arguments: [
        ("0", BodyFraming.none), ("5", .contentLength(5)), ("000000000000005", .contentLength(5)),
        ("999999999999999", .contentLength(999_999_999_999_999)), ("\t 12 \t", .contentLength(12)),
    ])
    func contentLengths(_ value: String, _ framing: BodyFraming) {
        guard case .complete(let h, _) = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(value)\r\n\r\n") else {
            Issue.record("\(value) refused"); return
        }
        #expect(h.framing == framing)
    }

    @Test func invalidContentLengths() {
        for value in ["", "0000000000000005", "1 2", "１２", "12é", "5;", "-0", String(repeating: "9", count: 40)] {
            guard case .invalid(.badRequest(let why)) = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(value)\r\n\r\n") else {
                Issue.record("\(value) accepted"); continue
            }
            #expect(why == "invalid Content-Length '\(value.prefix(32))'")
        }
        // Bytes that are not UTF-8 are shown repaired, as the value is.
        let bytes = Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1".utf8) + [0xFF] + Array("\r\n\r\n".utf8)
        guard case .invalid(.badRequest(let why)) = bytes.withUnsafeBufferPointer({ HTTPHeadParser.parse($0) }) else {
            Issue.record("accepted"); return
        }
        #expect(why == "invalid Content-Length '1\u{FFFD}'")
    }

    @Test(arguments: [
        ("chunked", 0), ("Chunked", 0), ("CHUNKED", 0), ("gzip, chunked", 501), ("chunked, gzip", 400), ("chunked,chunked", 501),
        ("gzip,\tCHUNKED , br", 400), ("chunked;q=1", 501), ("", 501), ("chunked,", 501), (" ,chunked", 501),
    ])
    func transferEncodings(_ value: String, _ expected: Int) {
        let result = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(value)\r\n\r\n")
        switch result {
        case .complete(let h, _): #expect(expected == 0 && h.framing == .chunked, "\(value)")
        case .invalid(let e): #expect(e.status == expected, "\(value)")
        case .incomplete: Issue.record("\(value): incomplete")
        }
    }

    /// Connection tokens in order, any case, trimmed; split as Characters (a comma that starts a
    /// grapheme with a combining mark splits nothing).
    @Test(arguments: [
        ("1.1", "close", false), ("1.1", "CLOSE", false), ("1.1", " \tClose\t ", false), ("1.1", "keep-alive, close", false),
        ("1.1", ",,close,,", false), ("1.1", "closed", true), ("1.1", "clo se", true), ("1.1", "keep-alive", true),
        ("1.0", "keep-alive", true), ("1.0", "Keep-Alive", true), ("1.0", "keep-alive, close", false),
        ("1.0", "close, keep-alive", true), ("1.0", "upgrade", false), ("1.0", "keep-alive\u{301}", false),
        ("1.1", "x,\u{301}close", true), ("1.1", "x, \u{301}close", true), ("1.1", "é, close", false),
        ("1.1", "close,\u{301}", true), ("1.0", "ü ,keep-alive", true),
    ])
    func connectionTokens(_ version: String, _ value: String, _ keepAlive: Bool) {
        // Two Connection lines: both count, in order.
        guard case .complete(let h, _) = parse("GET / HTTP/\(version)\r\nHost: a\r\nConnection: \(value)\r\n\r\n") else {
            Issue.record("\(value) refused"); return
        }
        #expect(h.keepAlive == keepAlive, "HTTP/\(version) Connection: \(value)")
    }

    @Test func connectionLinesInOrder() {
        if case .complete(let h, _) = parse("GET / HTTP/1.0\r\nConnection: close\r\nCONNECTION: keep-alive\r\n\r\n") { #expect(h.keepAlive) } else { Issue.record("parse") }
        if case .complete(let h, _) = parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\nconnection: close\r\n\r\n") { #expect(!h.keepAlive) } else { Issue.record("parse") }
    }

    @Test(arguments: [
        ("1.1", "100-continue", true), ("1.1", "100-CONTINUE", true), ("1.1", " 100-Continue ", true), ("1.0", "100-continue", false),
        ("1.1", "100-continue, x", false), ("1.1", "101-continue", false), ("1.1", "", false),
    ])
    func expectValues(_ version: String, _ value: String, _ expects: Bool) {
        guard case .complete(let h, _) = parse("POST / HTTP/\(version)\r\nHost: a\r\nExpect: \(value)\r\nContent-Length: 1\r\n\r\n") else {
            Issue.record("\(value) refused"); return
        }
        #expect(h.expectsContinue == expects, "HTTP/\(version) Expect: \(value)")
    }

    /// The token bitmap is RFC 9110's tchar, byte for byte.
    @Test func tokenCharacters() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for c in 0...255 { #expect(HTTPHeadParser.isTokenChar(UInt8(c)) == tchar.contains(UInt8(c)), "byte \(c)") }
    }

    /// Name bytes are passed eight at a time while they are letters, digits or '-': any other byte,
    /// at any position of a word, stops the scan right there.
    @Test func nameScanStopsAtEveryOtherByte() {
        let simple = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-".utf8)
        for filler in "aZ5-".utf8 {
            for at in 0..<20 {
                for c in 0...255 {
                    var bytes = [UInt8](repeating: filler, count: 24)
                    bytes[at] = UInt8(c)
                    let end = bytes.withUnsafeBufferPointer { HTTPHeadParser.nameBytes($0, from: 0, limit: 20) }
                    #expect(end == (at < 16 && !simple.contains(UInt8(c)) ? at : 16), "byte \(c) at \(at) among \(filler)")
                }
            }
        }
        // Names of every other tchar, wherever they fall, come out whole and lower-cased.
        for name in ["X_Custom.Name!#$%&'*+^`|~", "~X-Y", "Accept-Encoding_", "a.b", "X-Shopify-Hmac-Sha256.", "CONTENT_LENGTH"] {
            guard case .complete(let h, _) = parse("GET / HTTP/1.1\r\nHost: a\r\n\(name): v\r\n\r\n") else { Issue.record("\(name)"); continue }
            #expect(h.headers.last?.name == name.lowercased())
            #expect(h.framing == .none)
        }
        for name in ["X-A\u{7F}", "X-A\u{1}B", "Accept-Encodin\u{80}g", "Content-Length\u{0}", "Host\t", "Hos\u{C3}\u{A9}"] {
            #expect(status("GET / HTTP/1.1\r\nHost: a\r\n\(name): v\r\n\r\n") == 400, "\(name)")
        }
    }

    /// A line with a control character anywhere (a tab in a value, which is allowed, among them) has
    /// its value looked at byte by byte; other lines are not looked at again.
    @Test func controlCharactersAnywhereInALine() {
        for (line, expected) in [("X-A: a\tb", 0), ("X-A: a\tb\u{1}", 400), ("X-A: \u{1}", 400), ("X-A:\t\u{7F}", 400),
                                 ("X\u{1}: a", 400), ("X-A: \t\t", 0), ("X-A: \u{1}\tb", 400), ("X-A: é\tü", 0),
                                 ("X-A: " + String(repeating: "v", count: 40) + "\t", 0),
                                 ("X-A: " + String(repeating: "v", count: 40) + "\t\u{1B}", 400)] {
            let result = parse("POST / HTTP/1.1\r\nHost: a\r\n\(line)\r\nContent-Length: 0\r\n\r\n")
            switch result {
            case .complete: #expect(expected == 0, "\(line)")
            case .invalid(let e): #expect(e.status == expected, "\(line)")
            case .incomplete: Issue.record("\(line): incomplete")
            }
        }
        // A control character on the request line is the request line's error.
        #expect(status("GET /a\u{1} HTTP/1.1\r\nHost: a\r\n\r\n") == 400)
        // Before the line's end arrives, a control character does not decide anything.
        guard case .incomplete = parse("POST / HTTP/1.1\r\nHost: a\r\nX-A: \u{1}") else { Issue.record("expected incomplete"); return }
    }

    /// Content-Type `application/json` is a shared string; its neighbours keep their own bytes.
    @Test func contentTypeValues() {
        for value in ["application/json", "application/JSON", "Application/json", "application/jsonx", "application/jso",
                      "application/json; charset=utf-8", "application/xml", "applicationXjson"] {
            guard case .complete(let h, _) = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Type: \(value)\r\n\r\n") else {
                Issue.record("\(value)"); continue
            }
            #expect(h.header("content-type") == value)
            #expect(h.header("content-type")?.utf8.elementsEqual(value.utf8) == true)
        }
        // The same bytes under another name are that header's, as before.
        guard case .complete(let h, _) = parse("POST / HTTP/1.1\r\nHost: a\r\nAccept: application/json\r\n\r\n") else { Issue.record("accept"); return }
        #expect(h.header("accept") == "application/json")
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
