import CLinux
import HTTPServer
#if canImport(Glibc)
import Glibc
#endif

/// The delivery engine's HTTP/1.1 client for plain `http://` targets at an IP address: non-blocking
/// sockets on an epoll set of its own (edge-triggered), kept-alive connections per endpoint, each
/// request written with one `send`, the answer read by `HTTP1Response`. Engine thread only.
///
/// Why not libcurl for these: per request libcurl cost more than receiving and storing the event
/// (BENCHMARKS.md, "Store v2"); this client does the little a webhook POST needs. libcurl still sends
/// everything else (TLS, names to resolve, proxies, untrusted subscription targets).
///
/// `pollFD` becomes readable when any socket has news; the engine hands it to `curl_multi_poll` so
/// one wait covers both clients. `Tag` is what the engine needs back with the outcome.
final class HTTP1Client<Tag> {
    struct Finished {
        let tag: Tag
        let result: AttemptResult
        /// The first `HTTP1Client.responseLimit` bytes of the answer's body.
        let response: [UInt8]
    }

    private final class Connection {
        let fd: Int32
        let endpoint: Int
        let token: UInt64
        var idleSince: Int64 = 0
        /// It carried a request before: a close before any answer may be the server dropping an idle
        /// connection just as we reused it, and the request is sent again once on a new connection.
        var reused = false

        init(fd: Int32, endpoint: Int, token: UInt64) {
            self.fd = fd
            self.endpoint = endpoint
            self.token = token
        }
    }

    private final class Exchange {
        let tag: Tag
        var request: [UInt8]
        let started: Int64
        let timeout: Int64
        var connection: Connection
        var connecting: Bool
        var written = 0
        var response = HTTP1Response(keep: HTTP1Client.responseLimit)
        var sentAgain = false

        init(tag: Tag, request: [UInt8], started: Int64, timeout: Int64, connection: Connection, connecting: Bool) {
            self.tag = tag
            self.request = request
            self.started = started
            self.timeout = timeout
            self.connection = connection
            self.connecting = connecting
        }
    }

    /// The same limit whichever client made the attempt.
    static var responseLimit: Int { Transfer.responseLimit }
    /// Idle connections kept per endpoint at most, and how long one is kept unused.
    static var maxIdlePerEndpoint: Int { 256 }
    static var idleMilliseconds: Int64 { 60_000 }
    static var connectTimeoutCap: Int64 { 10_000 }

    let pollFD: Int32
    private var exchanges: [UInt64: Exchange] = [:]
    private var idleByToken: [UInt64: Connection] = [:]
    /// Endpoints by id (`endpointID`), and each one's idle connections, most recently used last.
    private var endpoints: [PlainEndpoint] = []
    private var endpointIDs: [PlainEndpoint: Int] = [:]
    private var idle: [[Connection]] = []
    private var nextToken: UInt64 = 1
    private var finished: [Finished] = []
    /// Buffers of finished requests, emptied, for the next ones (`requestBuffer`): a request is larger
    /// than malloc's per-thread cache takes, so a new one per attempt was a trip into its arena.
    private var spareRequests: [[UInt8]] = []
    static var maxSpareRequests: Int { 64 }
    static var maxSpareCapacity: Int { 64 << 10 }
    /// Nothing expires before this (monotonic ms): the scan for timeouts runs only then.
    private var nextExpiry = Int64.max
    private var events = [epoll_event](repeating: epoll_event(), count: 256)

    init() {
        pollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
    }

    deinit {
        readBuffer.deallocate()
        for e in exchanges.values { close(e.connection.fd) }
        for c in idleByToken.values { close(c.fd) }
        close(pollFD)
    }

    var inFlight: Int { exchanges.count }
    var tags: [Tag] { exchanges.values.map(\.tag) }

    /// When the next request times out or an idle connection ages out, for the engine's sleep (0 when
    /// outcomes wait to be collected).
    var nextDeadline: Int64? {
        if !finished.isEmpty { return 0 }
        return nextExpiry == .max ? nil : nextExpiry
    }

    /// The id `send` takes for `endpoint`: the same for equal endpoints, kept for the client's life.
    func endpointID(_ endpoint: PlainEndpoint) -> Int {
        if let id = endpointIDs[endpoint] { return id }
        endpoints.append(endpoint)
        idle.append([])
        endpointIDs[endpoint] = endpoints.count - 1
        return endpoints.count - 1
    }

    /// An empty buffer to write the next request into (one of a finished request's, when there is one).
    func requestBuffer() -> [UInt8] {
        spareRequests.popLast() ?? []
    }

    /// Starts sending `request` (head and body, complete) to endpoint `endpoint` (an `endpointID`);
    /// the outcome comes from `poll`.
    func send(_ request: [UInt8], to endpoint: Int, timeout: Int64, tag: Tag, now: Int64) {
        let connection: Connection
        let connecting: Bool
        if let c = takeIdle(endpoint, now: now) {
            connection = c
            connecting = false
        } else {
            switch open(endpoint) {
            case .success(let opened):
                (connection, connecting) = opened
            case .failure(let error):
                finished.append(Finished(tag: tag, result: .failed(connectFailure(endpoint, error: error.code, after: 0)), response: []))
                return
            }
        }
        let e = Exchange(tag: tag, request: request, started: now, timeout: max(timeout, 1), connection: connection, connecting: connecting)
        exchanges[connection.token] = e
        nextExpiry = min(nextExpiry, deadline(of: e))
        if !connecting { progress(e, now: now, justSent: true) }
    }

    /// Handles what the sockets have to say and the requests that timed out; returns the finished ones.
    func poll(now: Int64) -> [Finished] {
        while true {
            let n = events.withUnsafeMutableBufferPointer { epoll_wait(pollFD, $0.baseAddress, Int32($0.count), 0) }
            guard n > 0 else { break }
            for i in 0..<Int(n) {
                let token = events[i].data.u64
                if let e = exchanges[token] {
                    progress(e, now: now)
                } else if let c = idleByToken[token], Self.closedOrTalking(c.fd, events[i].events) {
                    // An idle connection has news: the server closed it (or sent what nobody asked for).
                    discardIdle(c)
                }
            }
            if n < Int32(events.count) { break }
        }
        if now >= nextExpiry { expire(now: now) }
        defer { finished.removeAll(keepingCapacity: true) }
        return finished
    }

    /// Whether an idle connection's event means it is gone. An edge queued while the last answer was
    /// still being read (its bytes already taken) says nothing: then there is nothing to read.
    private static func closedOrTalking(_ fd: Int32, _ flags: UInt32) -> Bool {
        if flags & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 { return true }
        var byte: UInt8 = 0
        let r = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return !(r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    }

    /// Closes every connection; returns the requests that were still in flight (their outcome unknown).
    func abandonAll() -> [Tag] {
        let tags = exchanges.values.map(\.tag)
        for e in exchanges.values { close(e.connection.fd) }
        exchanges.removeAll()
        for c in idleByToken.values { close(c.fd) }
        idleByToken.removeAll()
        for i in idle.indices { idle[i].removeAll() }
        return tags
    }

    // MARK: - One exchange

    /// Moves an exchange as far as its socket allows: connect, write, read. Right after a request went
    /// out whole (`justSent`) nothing is read: the answer cannot be there yet, and its arrival is an
    /// edge on the epoll set (one `recv` that would fail with EAGAIN saved per delivery).
    private func progress(_ e: Exchange, now: Int64, justSent: Bool = false) {
        let fd = e.connection.fd
        if e.connecting {
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
            if error == EINPROGRESS || error == EALREADY { return }
            if error != 0 {
                end(e, .failed(connectFailure(e.connection.endpoint, error: error, after: now - e.started)), keep: false, now: now)
                return
            }
            // Writable means connected; an unconnected socket's send fails below with ENOTCONN.
            e.connecting = false
        }
        var sendError: Int32 = 0
        while e.written < e.request.count {
            let r = e.request.withUnsafeBytes { p in
                Glibc.send(fd, p.baseAddress! + e.written, p.count - e.written, Int32(MSG_NOSIGNAL))
            }
            if r > 0 { e.written += r; continue }
            let code = errno
            if r < 0, code == EINTR { continue }
            // The kernel's buffer is full (or still connecting): EPOLLOUT says when to go on.
            if r < 0, code == EAGAIN || code == EWOULDBLOCK { break }
            sendError = code
            break
        }
        let sentAll = e.written == e.request.count
        if justSent, sentAll, sendError == 0 { return }
        // Read whatever is there: the answer, or an early one (a 413 before the whole body went out,
        // from a server that stopped reading: then waiting to write the rest would wait forever).
        let readOutcome = readAll(e)
        switch readOutcome {
        case .complete:
            end(e, answered(e.response), keep: e.response.keepAlive && sendError == 0 && sentAll, now: now)
        case .wouldBlock:
            if sendError != 0 { failOrSendAgain(e, "Send failure: \(Self.errorText(sendError))", now: now) }
        case .closed:
            if e.response.closed() {
                end(e, answered(e.response), keep: false, now: now)
            } else if e.response.received == 0 {
                failOrSendAgain(e, sendError != 0 ? "Send failure: \(Self.errorText(sendError))" : "Empty reply from server", now: now)
            } else {
                end(e, .failed("Transfer closed with the response incomplete (\(e.response.received) bytes received)"), keep: false, now: now)
            }
        case .failed(let code):
            if e.response.received == 0 {
                failOrSendAgain(e, "Recv failure: \(Self.errorText(code))", now: now)
            } else {
                end(e, .failed("Recv failure: \(Self.errorText(code))"), keep: false, now: now)
            }
        case .malformed(let error):
            end(e, .failed(error.description), keep: false, now: now)
        }
    }

    private enum ReadOutcome {
        case complete, wouldBlock, closed
        case failed(Int32)
        case malformed(HTTP1Response.ParseError)
    }

    private let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)

    private func readAll(_ e: Exchange) -> ReadOutcome {
        while true {
            let r = recv(e.connection.fd, readBuffer.baseAddress, readBuffer.count, 0)
            if r > 0 {
                do {
                    if try e.response.feed(UnsafeRawBufferPointer(rebasing: readBuffer[0..<r])) { return .complete }
                } catch {
                    return .malformed(error)
                }
                continue
            }
            if r == 0 { return .closed }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK { return .wouldBlock }
            return .failed(code)
        }
    }

    /// A reused connection that failed before any answer is most likely one the server had closed:
    /// the request goes again, once, on a new connection (as libcurl does). Otherwise it failed.
    private func failOrSendAgain(_ e: Exchange, _ why: String, now: Int64) {
        guard e.connection.reused, !e.sentAgain else {
            end(e, .failed(why), keep: false, now: now)
            return
        }
        exchanges[e.connection.token] = nil
        close(e.connection.fd)
        switch open(e.connection.endpoint) {
        case .success(let (connection, connecting)):
            e.connection = connection
            e.connecting = connecting
            e.written = 0
            e.response = HTTP1Response(keep: Self.responseLimit)
            e.sentAgain = true
            exchanges[connection.token] = e
            nextExpiry = min(nextExpiry, deadline(of: e))  // connecting again: the connect timeout applies
            if !connecting { progress(e, now: now, justSent: true) }
        case .failure(let error):
            finished.append(Finished(tag: e.tag, result: .failed(connectFailure(e.connection.endpoint, error: error.code, after: now - e.started)), response: []))
        }
    }

    /// Keeps a finished request's buffer for `requestBuffer`, unless the pool is full or it is large.
    private func recycle(_ request: inout [UInt8]) {
        var buffer: [UInt8] = []
        swap(&buffer, &request)  // the exchange's reference goes, so the buffer is ours alone and not copied
        guard spareRequests.count < Self.maxSpareRequests, buffer.capacity <= Self.maxSpareCapacity else { return }
        buffer.removeAll(keepingCapacity: true)
        spareRequests.append(buffer)
    }

    private func answered(_ r: HTTP1Response) -> AttemptResult {
        .answered(status: r.status, retryAfterMilliseconds: r.retryAfter.flatMap(RetryDecision.parseRetryAfter))
    }

    /// Records the outcome; the connection goes back to the idle pool when it can carry another request.
    private func end(_ e: Exchange, _ result: AttemptResult, keep: Bool, now: Int64) {
        let c = e.connection
        exchanges[c.token] = nil
        finished.append(Finished(tag: e.tag, result: result, response: e.response.body))
        recycle(&e.request)
        guard keep, idle[c.endpoint].count < Self.maxIdlePerEndpoint else {
            close(c.fd)
            return
        }
        c.reused = true
        c.idleSince = now
        idle[c.endpoint].append(c)
        idleByToken[c.token] = c
        nextExpiry = min(nextExpiry, c.idleSince + Self.idleMilliseconds)
    }

    private func deadline(of e: Exchange) -> Int64 {
        e.connecting ? e.started + min(e.timeout, Self.connectTimeoutCap) : e.started + e.timeout
    }

    /// Fails the requests past their deadline and closes connections idle for too long.
    private func expire(now: Int64) {
        var next = Int64.max
        for e in Array(exchanges.values) {
            let due = deadline(of: e)
            guard now >= due else { next = min(next, due); continue }
            let waited = now - e.started
            let why = e.connecting
                ? "Connection timed out after \(waited) milliseconds"
                : "Operation timed out after \(waited) milliseconds with \(e.response.received) bytes received"
            end(e, .failed(why), keep: false, now: now)
        }
        for c in Array(idleByToken.values) {
            let due = c.idleSince + Self.idleMilliseconds
            if now >= due { discardIdle(c) } else { next = min(next, due) }
        }
        nextExpiry = next
    }

    // MARK: - Connections

    /// The most recently used idle connection not too old. What a server says on an idle connection
    /// (a close, or bytes nobody asked for) is an epoll event that `poll` handles by discarding it, and
    /// the engine polls just before it sends; a close in between fails the reused connection's request
    /// before any answer, which goes again once on a new connection (`failOrSendAgain`). A peek here
    /// cost one `recv` per delivery for that narrow window.
    private func takeIdle(_ endpoint: Int, now: Int64) -> Connection? {
        while let c = idle[endpoint].popLast() {
            idleByToken[c.token] = nil
            if now - c.idleSince < Self.idleMilliseconds { return c }
            close(c.fd)
        }
        return nil
    }

    private func discardIdle(_ c: Connection) {
        idleByToken[c.token] = nil
        idle[c.endpoint].removeAll { $0 === c }
        close(c.fd)
    }

    /// A new non-blocking connection to `endpoint`: connected already (loopback often is) or connecting.
    private func open(_ id: Int) -> Result<(Connection, Bool), ConnectError> {
        let endpoint = endpoints[id]
        let fd = socket(endpoint.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(ConnectError(code: errno)) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let r = endpoint.address.withUnsafeBytes { p in
            connect(fd, p.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(p.count))
        }
        let code = errno
        guard r == 0 || code == EINPROGRESS else {
            close(fd)
            return .failure(ConnectError(code: code))
        }
        let token = nextToken
        nextToken += 1
        var ev = epoll_event()
        ev.events = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
        ev.data.u64 = token
        guard epoll_ctl(pollFD, EPOLL_CTL_ADD, fd, &ev) == 0 else {
            let e = errno
            close(fd)
            return .failure(ConnectError(code: e))
        }
        return .success((Connection(fd: fd, endpoint: id, token: token), r != 0))
    }

    private struct ConnectError: Error { let code: Int32 }

    /// libcurl's wording, so an operator reads the same line whichever client made the attempt.
    private func connectFailure(_ id: Int, error: Int32, after milliseconds: Int64) -> String {
        let endpoint = endpoints[id]
        return "Failed to connect to \(endpoint.host) port \(endpoint.port) after \(milliseconds) ms: \(Self.errorText(error))"
    }

    private static func errorText(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "errno \(code)" }
        return String(cString: s)
    }
}
