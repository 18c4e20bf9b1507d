import Testing
@testable import Router

struct HTTP1ResponseTests {
    /// Feeds `text` split at `cut` (all at once when nil); returns the parser and whether it finished.
    func parse(_ text: String, cut: Int? = nil, keep: Int = 1024) throws -> (HTTP1Response, Bool) {
        var r = HTTP1Response(keep: keep)
        let bytes = Array(text.utf8)
        var done = false
        let pieces = cut.map { [Array(bytes[..<$0]), Array(bytes[$0...])] } ?? [bytes]
        for piece in pieces where !done {
            done = try piece.withUnsafeBytes { try r.feed($0) }
        }
        return (r, done)
    }

    /// Every way a response can be split in two reads gives the same answer as one read.
    func sameAtEveryCut(_ text: String, keep: Int = 1024) throws -> HTTP1Response {
        let (whole, done) = try parse(text, keep: keep)
        #expect(done)
        for cut in 1..<text.utf8.count {
            let (split, splitDone) = try parse(text, cut: cut, keep: keep)
            #expect(splitDone, "cut at \(cut)")
            #expect(split.status == whole.status && split.body == whole.body && split.keepAlive == whole.keepAlive
                    && split.retryAfter == whole.retryAfter, "cut at \(cut)")
        }
        return whole
    }

    @Test func contentLengthBodyAndKeepAlive() throws {
        let r = try sameAtEveryCut("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello")
        #expect(r.status == 200)
        #expect(String(decoding: r.body, as: UTF8.self) == "hello")
        #expect(r.keepAlive)
    }

    @Test func chunkedBodyWithExtensionAndTrailer() throws {
        let r = try sameAtEveryCut("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nwiki\r\n5\r\npedia\r\n0\r\nX-Trailer: 1\r\n\r\n")
        #expect(r.status == 201)
        #expect(String(decoding: r.body, as: UTF8.self) == "wikipedia")
        #expect(r.keepAlive)
    }

    @Test func bareLineFeedsAreRead() throws {
        let r = try sameAtEveryCut("HTTP/1.1 204 No Content\nServer: x\n\n")
        #expect(r.status == 204 && r.keepAlive && r.body.isEmpty)
    }

    @Test func interimAnswersAreSkipped() throws {
        let r = try sameAtEveryCut("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n")
        #expect(r.status == 429)
        #expect(r.retryAfter == "7")
    }

    @Test func onlyTheFirstBytesOfALargeBodyAreKept() throws {
        let body = String(repeating: "x", count: 5000)
        let r = try sameAtEveryCut("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5000\r\n\r\n" + body, keep: 16)
        #expect(r.status == 500 && r.body.count == 16 && r.received > 5000)
    }

    @Test func closeEndsABodyWithoutLengthAndTheConnection() throws {
        var (r, done) = try parse("HTTP/1.1 200 OK\r\n\r\npartial")
        #expect(!done)
        let ended = r.closed()
        #expect(ended)
        #expect(r.status == 200 && !r.keepAlive && String(decoding: r.body, as: UTF8.self) == "partial")
        var (cut, _) = try parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        let cutEnded = cut.closed()
        #expect(!cutEnded, "a body shorter than its Content-Length is not an answer")
    }

    @Test func connectionHeadersAndVersionDecideReuse() throws {
        #expect(try !parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").0.keepAlive)
        #expect(try !parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").0.keepAlive)
        #expect(try parse("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").0.keepAlive)
        // Bytes after the answer: nobody asked for them, so the connection is not used again.
        #expect(try !parse("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n").0.keepAlive)
    }

    @Test(arguments: [
        "HTTP/2 200\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ])
    func malformedAnswersAreErrors(_ text: String) {
        #expect(throws: HTTP1Response.ParseError.self) { try parse(text) }
    }

    @Test func sloppyHeaderLinesAreSkipped() throws {
        let r = try sameAtEveryCut("HTTP/1.1 200 OK\r\nX-Old: a\r\n folded on\r\nno colon here\r\nContent-Length: 2\r\n\r\nok")
        #expect(r.status == 200 && String(decoding: r.body, as: UTF8.self) == "ok" && r.keepAlive)
    }

    @Test func anEndlessHeadIsRefused() {
        let text = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", count: 2000)
        #expect(throws: HTTP1Response.ParseError.headTooLarge) { try parse(text) }
    }
}
