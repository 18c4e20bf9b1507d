import Glibc
import HTTPServer
import Rules
import Synchronization
import Testing
@testable import Router

/// The plain client against a real loopback server that answers as each test scripts it.
@Suite(.serialized) struct HTTP1ClientTests {
    enum Answer: Sendable {
        case bytes(String, thenClose: Bool = false)
        case hang
        case closeWithoutAnswer
        /// Answers as soon as the head is in, then stops reading (a 413 for a body too large) for a while.
        case earlyThenStopReading(String)
    }

    /// A blocking server on its own thread: one connection at a time, requests read by Content-Length,
    /// each answered by `script(request number)`. Counts connections and requests.
    final class ScriptedServer: @unchecked Sendable {
        let port: Int
        private let fd: Int32
        let connections = Atomic<Int>(0)
        let requests = Atomic<Int>(0)
        private let script: @Sendable (Int) -> Answer
        private var thread: OSThread?

        init(_ script: @escaping @Sendable (Int) -> Answer) {
            self.script = script
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            _ = withUnsafePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            listen(fd, 16)
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &a) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            port = Int(UInt16(bigEndian: a.sin_port))
            self.fd = fd
            let server = self
            thread = OSThread(name: "scripted") { server.serve() }
        }

        func stop() {
            shutdown(fd, Int32(SHUT_RDWR))
            thread?.join()
            close(fd)
        }

        private func serve() {
            while true {
                let c = accept(fd, nil, nil)
                guard c >= 0 else { return }
                connections.add(1, ordering: .relaxed)
                handle(c)
                close(c)
            }
        }

        private func handle(_ c: Int32) {
            var input: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                // A request: head up to the empty line, then Content-Length bytes of body.
                while !Self.complete(input) {
                    if Self.requestLength(input) != nil, case .earlyThenStopReading(let text) = script(requests.load(ordering: .relaxed) + 1) {
                        requests.add(1, ordering: .relaxed)
                        _ = Array(text.utf8).withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                        usleep(1_500_000)
                        return
                    }
                    let n = recv(c, &buffer, buffer.count, 0)
                    guard n > 0 else { return }
                    input += buffer[0..<n]
                }
                let used = Self.requestLength(input)!
                input.removeFirst(used)
                let number = requests.add(1, ordering: .relaxed).newValue
                switch script(number) {
                case .bytes(let text, let thenClose):
                    _ = Array(text.utf8).withUnsafeBytes { send(c, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                    if thenClose { return }
                case .hang:
                    usleep(1_500_000)
                    return
                case .closeWithoutAnswer, .earlyThenStopReading:
                    return
                }
            }
        }

        static func complete(_ input: [UInt8]) -> Bool { requestLength(input).map { $0 <= input.count } ?? false }

        static func requestLength(_ input: [UInt8]) -> Int? {
            let crlf2: [UInt8] = [13, 10, 13, 10]
            guard input.count >= 4, let end = (0...(input.count - 4)).first(where: { Array(input[$0..<$0 + 4]) == crlf2 }) else { return nil }
            let head = String(decoding: input[..<end], as: UTF8.self).lowercased()
            let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
                .flatMap { Int(String($0.dropFirst(15)).trimmingCharacters(in: " ")) } ?? 0
            return end + 4 + length
        }
    }

    let client = HTTP1Client<Int>()

    func request(_ port: Int, body: String = #"{"ok":true}"#) throws -> ([UInt8], Int) {
        try request(port, body: Array(body.utf8))
    }

    func request(_ port: Int, body: [UInt8]) throws -> ([UInt8], Int) {
        let endpoint = try #require(PlainEndpoint(url: "http://127.0.0.1:\(port)/hook"))
        let r = OutboundRequest(method: "POST", url: "", headers: [HTTPField("Content-Length", String(body.count))], body: body)
        let prefix = HTTP1Request.prefix(method: "POST", endpoint: endpoint, targetHeaders: [])
        return (try HTTP1Request.encode(r, prefix: prefix), client.endpointID(endpoint))
    }

    /// Sends one request and drives the client until it finishes (10 s at most).
    func exchange(_ port: Int, timeout: Int64 = 5000, tag: Int = 1, body: [UInt8] = Array(#"{"ok":true}"#.utf8)) throws -> HTTP1Client<Int>.Finished {
        let (bytes, endpoint) = try request(port, body: body)
        _ = client.poll(now: MonotonicClock.milliseconds())  // as the engine does before it sends
        client.send(bytes, to: endpoint, timeout: timeout, tag: tag, now: MonotonicClock.milliseconds())
        let deadline = MonotonicClock.milliseconds() + 10_000
        while MonotonicClock.milliseconds() < deadline {
            if let done = client.poll(now: MonotonicClock.milliseconds()).first { return done }
            var p = pollfd(fd: client.pollFD, events: Int16(POLLIN), revents: 0)
            poll(&p, 1, 20)
        }
        throw Stuck()
    }

    struct Stuck: Error {}

    /// Closes the client's connections first: the server's thread may be reading a kept-alive one.
    func finish(_ server: ScriptedServer) {
        _ = client.abandonAll()
        server.stop()
    }

    func status(_ f: HTTP1Client<Int>.Finished) -> Int? {
        if case .answered(let s, _) = f.result { return s }
        return nil
    }

    func failure(_ f: HTTP1Client<Int>.Finished) -> String? {
        if case .failed(let why) = f.result { return why }
        return nil
    }

    @Test func requestsShareOneKeptAliveConnection() throws {
        let big = String(repeating: "x", count: 5000)
        let server = ScriptedServer { n in .bytes("HTTP/1.1 200 OK\r\nContent-Length: \(big.count)\r\nX-N: \(n)\r\n\r\n\(big)") }
        defer { finish(server) }
        for i in 1...5 {
            let f = try exchange(server.port, tag: i)
            #expect(f.tag == i && status(f) == 200)
            #expect(f.response.count == HTTP1Client<Int>.responseLimit, "the first bytes of the body are kept, the rest read past")
        }
        #expect(server.requests.load(ordering: .relaxed) == 5)
        #expect(server.connections.load(ordering: .relaxed) == 1)
    }

    @Test func aConnectionTheServerClosedWhileIdleIsNotReused() throws {
        // The first answer keeps the connection alive and the server closes it at once: the poll before
        // the next send sees the close, and the next request goes out on a new connection, once.
        let server = ScriptedServer { n in n == 1 ? .bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", thenClose: true)
                                                  : .bytes("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n") }
        defer { finish(server) }
        #expect(status(try exchange(server.port)) == 200)
        usleep(100_000)
        #expect(status(try exchange(server.port)) == 202)
        #expect(server.connections.load(ordering: .relaxed) == 2)
        #expect(server.requests.load(ordering: .relaxed) == 2)
    }

    @Test func aReusedConnectionClosedWithoutAnAnswerIsTriedOnceMoreOnANewOne() throws {
        // The server takes the second request on the kept-alive connection and closes it unanswered (as
        // one whose idle timeout fired just then does): sent again, once, on a new connection.
        let server = ScriptedServer { n in
            switch n {
            case 1: return .bytes("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
            case 2: return .closeWithoutAnswer
            default: return .bytes("HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
            }
        }
        defer { finish(server) }
        #expect(status(try exchange(server.port)) == 200)
        #expect(status(try exchange(server.port)) == 202)
        #expect(server.connections.load(ordering: .relaxed) == 2)
        #expect(server.requests.load(ordering: .relaxed) == 3, "the target saw the request twice: at least once, as with libcurl")
    }

    @Test func aRefusedConnectionSaysSo() throws {
        let server = ScriptedServer { _ in .closeWithoutAnswer }
        let port = server.port
        server.stop()
        let f = try exchange(port)
        let why = try #require(failure(f))
        #expect(why.hasPrefix("Failed to connect to 127.0.0.1 port \(port) after "))
        #expect(why.hasSuffix("Connection refused"))
    }

    @Test func aHangingTargetTimesOut() throws {
        let server = ScriptedServer { _ in .hang }
        defer { finish(server) }
        let started = MonotonicClock.milliseconds()
        let f = try exchange(server.port, timeout: 300)
        let why = try #require(failure(f))
        #expect(why.hasPrefix("Operation timed out after "), "\(why)")
        #expect(MonotonicClock.milliseconds() - started < 1500)
    }

    @Test func anEmptyReplyOnANewConnectionIsNotSentAgain() throws {
        let server = ScriptedServer { _ in .closeWithoutAnswer }
        defer { finish(server) }
        #expect(failure(try exchange(server.port)) == "Empty reply from server")
        #expect(server.requests.load(ordering: .relaxed) == 1)
    }

    @Test func chunkedAndCloseDelimitedAnswers() throws {
        let server = ScriptedServer { n in
            n == 1 ? .bytes("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 3\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nno\r\n0\r\n\r\n")
                   : .bytes("HTTP/1.0 200 OK\r\n\r\nfine", thenClose: true)
        }
        defer { finish(server) }
        let first = try exchange(server.port)
        #expect(first.result == .answered(status: 503, retryAfterMilliseconds: 3000))
        #expect(String(decoding: first.response, as: UTF8.self) == "no")
        let second = try exchange(server.port)
        #expect(status(second) == 200 && String(decoding: second.response, as: UTF8.self) == "fine")
        #expect(server.connections.load(ordering: .relaxed) == 1, "the chunked answer kept the connection")
    }

    @Test func anEarlyAnswerToABodyTheServerStoppedReadingIsTaken() throws {
        let server = ScriptedServer { _ in .earlyThenStopReading("HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n") }
        defer { finish(server) }
        let started = MonotonicClock.milliseconds()
        let f = try exchange(server.port, timeout: 3000, body: [UInt8](repeating: 120, count: 16 << 20))
        #expect(status(f) == 413, "\(f.result)")
        #expect(MonotonicClock.milliseconds() - started < 1400, "answered before the server would close")
    }

    @Test func aMalformedAnswerIsAFailure() throws {
        let server = ScriptedServer { _ in .bytes("SMTP ready\r\n\r\n", thenClose: true) }
        defer { finish(server) }
        let why = try #require(failure(try exchange(server.port)))
        #expect(why.contains("malformed response"))
    }
}
