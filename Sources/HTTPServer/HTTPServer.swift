import CLinux
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An HTTP/1.1 server on one epoll loop: non-blocking sockets, edge-triggered, keep-alive and pipelined
/// requests answered in order, strict parsing, timeouts and a connection limit. It knows nothing of
/// webhooks: the `HTTPHandler` decides.
///
/// Everything but `Responder`, `stop()` and `wake` runs on the thread that called `run()`.
public final class HTTPServer: @unchecked Sendable {
    public let limits: HTTPServerLimits
    /// The port actually bound (useful with port 0).
    public private(set) var port = 0

    private let handler: HTTPHandler
    private let epollFD: Int32
    private let mailbox = Mailbox()
    private var listenFD: Int32 = -1
    private var connections: [Connection?] = []
    private var connectionCount = 0
    /// Of `connectionCount`, those taken over by a stream session.
    private var streamCount = 0
    /// Body bytes held for all connections (see `HTTPServerLimits.maxBufferedBodyBytes`).
    private var heldBodyBytes = 0
    private var nextGeneration: UInt32 = 1
    private var extraReaders: [Int32: () -> Void] = [:]
    private var draining = false
    private var drainStarted: Int64 = 0
    private var scratch = [UInt8](repeating: 0, count: 1 << 16)
    private var lastSweep: Int64 = 0
    /// The monotonic clock when this loop turn's events came: a connection's phase timers (seconds
    /// long) start from it rather than reading the clock three times per request.
    private var turnStarted = MonotonicClock.milliseconds()
    /// Set from any thread by `requestDrain()`; the loop starts draining on its next turn.
    private let drainRequested = Atomic<Bool>(false)
    /// Called once per loop turn, after the events of that turn (for work the owner batches).
    public var onTurn: (() -> Void)?
    /// Set before `run()`: connections that become streams move to that server's loop (its own
    /// thread), so fanning messages out to thousands of clients never runs on this loop.
    public var streamHandoff: HTTPServer?
    /// Called when accepting stops for want of descriptors or memory (errno given), once per pause.
    public var onAcceptPaused: ((Int32) -> Void)?
    /// Set when `accept4` ran out of descriptors: the edge-triggered listener will not report the
    /// waiting connections again, so the loop retries from its sweep instead of leaving them hanging.
    private var acceptPaused = false

    /// Token of the listener and the mailbox in `epoll_data`; connections use `generation << 32 | fd`.
    private static let listenerToken: UInt64 = 1 << 63
    private static let mailboxToken: UInt64 = 1 << 62
    private static let extraTag: UInt64 = 1 << 61

    public init(handler: HTTPHandler, limits: HTTPServerLimits = HTTPServerLimits()) {
        self.handler = handler
        self.limits = limits
        self.epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
    }

    deinit {
        if listenFD >= 0 { close(listenFD) }
        close(epollFD)
    }

    /// Binds the listener; call before `run()`.
    public func bind(host: String, port: Int) throws(ListenError) {
        guard epollFD >= 0 else { throw ListenError(description: "cannot create an epoll instance: \(Syscall.errorText(errno))") }
        let (fd, bound) = try SocketAddress.listen(host: host, port: port)
        listenFD = fd
        self.port = bound
        register(fd, token: Self.listenerToken, events: EPOLLIN.rawValue | EPOLLET.rawValue)
        register(mailbox.eventFD, token: Self.mailboxToken, events: EPOLLIN.rawValue)
    }

    /// Readies a server that listens on nothing and only adopts streams handed over by another one.
    public func prepare() {
        register(mailbox.eventFD, token: Self.mailboxToken, events: EPOLLIN.rawValue)
    }

    /// Watches another descriptor (signals, inotify) from the loop; `onReadable` runs on the loop thread.
    public func watch(_ fd: Int32, onReadable: @escaping () -> Void) {
        extraReaders[fd] = onReadable
        register(fd, token: Self.extraTag | UInt64(UInt32(bitPattern: fd)), events: EPOLLIN.rawValue)
    }

    /// Stops accepting, finishes requests in flight, then `run()` returns. Loop thread only.
    public func beginDrain() {
        guard !draining else { return }
        draining = true
        drainStarted = MonotonicClock.milliseconds()
        if listenFD >= 0 {
            close(listenFD)
            listenFD = -1
        }
        for c in connections.compactMap({ $0 }) where c.isIdle { closeConnection(c) }
        for c in connections.compactMap({ $0 }) { c.session?.shutdown() }
    }

    /// `beginDrain()` from any thread: the loop picks it up within one turn.
    public func requestDrain() {
        drainRequested.store(true, ordering: .releasing)
        mailbox.wake()
    }

    /// Runs the loop until a drain completes.
    public func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            if draining {
                let now = MonotonicClock.milliseconds()
                if connectionCount == 0 || now - drainStarted > limits.drainTimeoutMilliseconds { break }
            }
            let n = events.withUnsafeMutableBufferPointer { epoll_wait(epollFD, $0.baseAddress, Int32($0.count), 250) }
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            turnStarted = MonotonicClock.milliseconds()
            for i in 0..<Int(n) {
                let token = events[i].data.u64
                let flags = events[i].events
                if token == Self.listenerToken {
                    acceptAll()
                } else if token == Self.mailboxToken {
                    deliverLetters()
                } else if token & Self.extraTag != 0 {
                    extraReaders[Int32(bitPattern: UInt32(truncatingIfNeeded: token))]?()
                } else {
                    connectionEvent(token: token, flags: flags)
                }
            }
            onTurn?()
            if !draining, drainRequested.load(ordering: .acquiring) { beginDrain() }
            let now = MonotonicClock.milliseconds()
            if now - lastSweep >= 250 {
                lastSweep = now
                sweep(now: now)
                if acceptPaused, !draining { acceptAll() }
            }
        }
        for c in connections.compactMap({ $0 }) { closeConnection(c) }
    }

    // MARK: - Accepting

    private func acceptAll() {
        while listenFD >= 0 {
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept4(listenFD, $0, &len, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                let error = errno
                if error == EINTR || error == ECONNABORTED { continue }
                if error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM {
                    if !acceptPaused { onAcceptPaused?(error) }
                    acceptPaused = true  // retried at the next sweep, when connections may have closed
                } else {
                    acceptPaused = false
                }
                return  // EAGAIN: the next edge brings the next connection
            }
            acceptPaused = false
            if connectionCount - streamCount >= limits.maxConnections {
                var bytes: [UInt8] = []
                HTTPResponse.json(503, #"{"error":"unavailable","detail":"too many connections"}"#).serialized(keepAlive: false, into: &bytes)
                _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(fd)
                continue
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            drive(install(fd, remoteAddress: SocketAddress.text(&storage)))
        }
    }

    /// A connection for `fd` in the table and the epoll set, with a fresh generation.
    private func install(_ fd: Int32, remoteAddress: String) -> Connection {
        let generation = nextGeneration
        nextGeneration = nextGeneration == UInt32.max ? 1 : nextGeneration + 1
        let c = Connection(fd: fd, generation: generation, remoteAddress: remoteAddress, now: MonotonicClock.milliseconds())
        if Int(fd) >= connections.count { connections += [Connection?](repeating: nil, count: Int(fd) + 1 - connections.count) }
        connections[Int(fd)] = c
        connectionCount += 1
        register(fd, token: UInt64(generation) << 32 | UInt64(UInt32(bitPattern: fd)),
                 events: EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue)
        return c
    }

    /// Takes over a streaming connection from another loop: the head is written, the session made
    /// here, and the bytes the client sent after its request are handed to it.
    private func adopt(_ a: Mailbox.Adoption) {
        guard !draining else {
            close(a.fd)
            return
        }
        let c = install(a.fd, remoteAddress: a.remoteAddress)
        let channel = StreamChannel(server: self, fd: c.fd, generation: c.generation, remoteAddress: c.remoteAddress)
        c.input = a.input
        c.output = a.head
        c.phase = .streaming(a.open(channel), channel)
        streamCount += 1
        guard flush(c) else { return }
        drive(c)
    }

    /// Gives a connection that became a stream to `target`'s loop: out of this loop's table and epoll
    /// set, not closed.
    private func handOff(_ c: Connection, to target: HTTPServer, head: [UInt8], open: @escaping (StreamChannel) -> StreamSession) {
        let leftover = Array(c.input[c.inputStart...])
        // An earlier pipelined answer not yet taken by the socket goes first.
        let head = c.hasPendingOutput ? Array(c.output[c.outputStart...]) + head : head
        connections[Int(c.fd)] = nil
        connectionCount -= 1
        releaseBody(c)
        epoll_ctl(epollFD, EPOLL_CTL_DEL, c.fd, nil)
        target.mailbox.post(Mailbox.Adoption(fd: c.fd, remoteAddress: c.remoteAddress, input: leftover, head: head, open: open))
    }

    private func register(_ fd: Int32, token: UInt64, events: UInt32) {
        var ev = epoll_event()
        ev.events = events
        ev.data.u64 = token
        epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &ev)
    }

    // MARK: - Connection events

    private func connection(fd: Int32, generation: UInt32) -> Connection? {
        guard fd >= 0, Int(fd) < connections.count, let c = connections[Int(fd)], c.generation == generation else { return nil }
        return c
    }

    private func connectionEvent(token: UInt64, flags: UInt32) {
        guard let c = connection(fd: Int32(bitPattern: UInt32(truncatingIfNeeded: token)), generation: UInt32(token >> 32)) else { return }
        if flags & EPOLLERR.rawValue != 0 {
            closeConnection(c)
            return
        }
        if c.lingering {
            discardInput(c)
            return
        }
        if flags & EPOLLOUT.rawValue != 0, c.hasPendingOutput {
            guard flush(c) else { return }
            if let session = c.session, c.output.count - c.outputStart <= StreamChannel.lowWater { session.drained() }
            guard connections[Int(c.fd)] === c, !c.lingering else { return }
        }
        if flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0 {
            // The peer finished sending: answer what is buffered, then close (reads may skip the EOF).
            if flags & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0 { c.peerClosed = true }
            c.readable = true
            drive(c)
        }
    }

    private func deliverLetters() {
        let letters = mailbox.drain()
        for adoption in mailbox.takeAdoptions() { adopt(adoption) }
        for letter in letters {
            guard let c = connection(fd: letter.fd, generation: letter.generation), case .waiting(let awaited) = c.phase else { continue }
            answer(c, awaited, letter.response)
        }
    }

    /// Parses and dispatches buffered requests, reading more while the socket has bytes, until the
    /// connection waits on the handler, needs bytes the socket does not have, or is closed.
    private func drive(_ c: Connection) {
        while connections[Int(c.fd)] === c, !c.lingering {
            if case .waiting = c.phase {
                // Keep reading pipelined requests only up to a bound; the rest waits in the socket.
                if c.unconsumed >= 1 << 16 || !c.readable { return }
                if !readSome(c) { return }
                continue
            }
            switch step(c) {
            case .progressed:
                continue
            case .stop:
                return
            case .needBytes:
                if !c.readable {
                    if c.peerClosed { closeConnection(c) }
                    return
                }
                if !readSome(c) { return }
            }
        }
    }

    private enum StepResult { case progressed, needBytes, stop }

    /// Reads one chunk. Returns false when nothing more can be read now (or the connection closed).
    private func readSome(_ c: Connection) -> Bool {
        let wasEmpty = c.unconsumed == 0
        let r = scratch.withUnsafeMutableBytes { buf in Syscall.io { read(c.fd, buf.baseAddress, buf.count) } }
        switch r {
        case .done(0):
            c.readable = false
            c.peerClosed = true
            if case .waiting = c.phase { return false }  // answer first, then close
            closeConnection(c)
            return false
        case .done(let n):
            if wasEmpty, case .head = c.phase { c.phaseStarted = turnStarted }
            c.input.append(contentsOf: scratch[0..<n])
            // A short read drained the socket; edge-triggered epoll reports the next bytes, so the
            // read that would only say EAGAIN is skipped.
            if n < scratch.count { c.readable = false }
            return true
        case .wouldBlock:
            c.readable = false
            if c.peerClosed, case .head = c.phase, c.unconsumed == 0 { closeConnection(c) }
            return false
        case .failed:
            closeConnection(c)
            return false
        }
    }

    private func step(_ c: Connection) -> StepResult {
        switch c.phase {
        case .head:
            guard c.unconsumed > 0 else { return .needBytes }
            let parsed = c.input.withUnsafeBufferPointer { HTTPHeadParser.parse(UnsafeBufferPointer(rebasing: $0[c.inputStart...])) }
            switch parsed {
            case .incomplete:
                return .needBytes
            case .invalid(let error):
                reject(c, error)
                return .stop
            case .complete(let head, let length):
                c.consume(length)
                return begin(c, head)
            }
        case .fixedBody(let head, let length):
            guard c.unconsumed >= length else { return .needBytes }
            dispatchBuffered(c, head: head, length: length)
            return .progressed
        case .chunkedBody(let head, var decoder):
            guard c.unconsumed > 0 else { return .needBytes }
            do {
                let used = try c.input.withUnsafeBufferPointer { buf throws(HTTPParseError) in
                    try decoder.feed(UnsafeBufferPointer(rebasing: buf[c.inputStart...]))
                }
                c.consume(used)
            } catch {
                reject(c, error)
                return .stop
            }
            guard hold(c, bytes: decoder.body.count - c.heldBodyBytes) else {
                reject(c, .overloaded)
                return .stop
            }
            if decoder.isDone {
                dispatch(c, head: head, body: decoder.takeBody())
                return .progressed
            }
            c.phase = .chunkedBody(head, decoder)
            return .needBytes
        case .waiting:
            return .stop
        case .streaming(let session, _):
            guard c.unconsumed > 0 else { return .needBytes }
            let used = c.input.withUnsafeBufferPointer { session.received(UnsafeBufferPointer(rebasing: $0[c.inputStart...])) }
            guard connections[Int(c.fd)] === c, !c.lingering else { return .stop }
            c.consume(used)
            return .needBytes
        }
    }

    /// A head is in: ask the handler, then read the body or answer at once.
    private func begin(_ c: Connection, _ head: consuming HTTPRequestHead) -> StepResult {
        switch handler.decide(head, remoteAddress: c.remoteAddress) {
        case .stream(let bytes, let open):
            guard head.framing == .none else {
                reject(c, .badRequest("a stream request has no body"))
                return .stop
            }
            if let target = streamHandoff {
                handOff(c, to: target, head: bytes, open: open)
                return .stop
            }
            let channel = StreamChannel(server: self, fd: c.fd, generation: c.generation, remoteAddress: c.remoteAddress)
            c.output.append(contentsOf: bytes)
            c.phase = .streaming(open(channel), channel)
            streamCount += 1
            guard flush(c) else { return .stop }
            return .progressed
        case .respond(var response):
            // The body was not read, so its end is unknown: close rather than guess.
            if head.framing != .none { response.close = true }
            let awaited = Connection.Awaited(head)
            c.phase = .waiting(awaited)
            answer(c, awaited, response)
            return .progressed
        case .readBody(let maxBody):
            c.phaseStarted = turnStarted
            switch head.framing {
            case .none:
                dispatch(c, head: head, body: [])
                return .progressed
            case .contentLength(let n):
                guard n <= maxBody else {
                    reject(c, .bodyTooLarge)
                    return .stop
                }
                guard hold(c, bytes: n) else {
                    reject(c, .overloaded)
                    return .stop
                }
                // Most clients send the head and a small body together: dispatched at once, the head
                // is not stored in the phase and copied out again (a retain and release per field).
                if c.unconsumed >= n, !head.expectsContinue {
                    dispatchBuffered(c, head: head, length: n)
                    return .progressed
                }
                c.phase = .fixedBody(head, length: n)
            case .chunked:
                c.phase = .chunkedBody(head, ChunkedDecoder(maxBody: maxBody))
            }
            if head.expectsContinue, c.unconsumed == 0 {
                c.output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                guard flush(c) else { return .stop }
            }
            return .progressed
        }
    }

    /// Dispatches the request whose `length` body bytes are the connection's next input.
    private func dispatchBuffered(_ c: Connection, head: consuming HTTPRequestHead, length: Int) {
        let body = Array(c.input[c.inputStart..<(c.inputStart + length)])
        c.consume(length)
        dispatch(c, head: head, body: body)
    }

    /// `consuming`: the head and body move into the request instead of being copied (a retain per field).
    private func dispatch(_ c: Connection, head: consuming HTTPRequestHead, body: consuming [UInt8]) {
        let awaited = Connection.Awaited(head)
        c.phase = .waiting(awaited)
        let request = HTTPRequest(head: head, body: body, remoteAddress: c.remoteAddress)
        if let response = handler.handle(request, responder: Responder(mailbox: mailbox, fd: c.fd, generation: c.generation)) {
            answer(c, awaited, response)
        }
    }

    /// Counts `bytes` more of the connection's current body against the server-wide budget; false
    /// (nothing counted) when they do not fit.
    private func hold(_ c: Connection, bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        guard heldBodyBytes + bytes <= limits.maxBufferedBodyBytes else { return false }
        heldBodyBytes += bytes
        c.heldBodyBytes += bytes
        return true
    }

    /// The connection's body is answered or gone: its bytes leave the budget.
    private func releaseBody(_ c: Connection) {
        heldBodyBytes -= c.heldBodyBytes
        c.heldBodyBytes = 0
    }

    /// Writes the answer to the request the connection waits on; then the next pipelined request may start.
    private func answer(_ c: Connection, _ awaited: Connection.Awaited, _ response: HTTPResponse) {
        releaseBody(c)
        let keepAlive = awaited.keepAlive && !response.close && !draining && !c.peerClosed
        response.serialized(keepAlive: keepAlive, headOnly: awaited.headOnly, into: &c.output)
        c.phase = .head
        c.phaseStarted = turnStarted
        if !keepAlive { c.closeAfterWrite = true }
        guard flush(c) else { return }
        if keepAlive { drive(c) }
    }

    /// Answers a malformed request with its status and closes: after a framing error the byte stream
    /// cannot be trusted (that is what request smuggling exploits).
    private func reject(_ c: Connection, _ error: HTTPParseError) {
        releaseBody(c)
        let code = error == .overloaded ? "unavailable" : "bad_request"
        let body = #"{"error":"# + jsonString(code) + #","detail":"# + jsonString(error.description) + "}"
        let headers = error == .overloaded ? [HTTPHeader("Retry-After", "5")] : []
        HTTPResponse.json(error.status, body, headers: headers).serialized(keepAlive: false, into: &c.output)
        c.closeAfterWrite = true
        c.phase = .head
        _ = flush(c)
    }

    /// Sends pending output. Returns false when the connection was closed.
    @discardableResult
    private func flush(_ c: Connection) -> Bool {
        while c.hasPendingOutput {
            let r = c.output.withUnsafeBytes { buf in
                Syscall.io { send(c.fd, buf.baseAddress! + c.outputStart, buf.count - c.outputStart, Int32(MSG_NOSIGNAL)) }
            }
            switch r {
            case .done(let n):
                c.outputStart += n
            case .wouldBlock:
                if c.outputStuckSince == nil { c.outputStuckSince = MonotonicClock.milliseconds() }
                return true
            case .failed:
                closeConnection(c)
                return false
            }
        }
        c.output.removeAll(keepingCapacity: c.output.capacity <= 1 << 16)
        c.outputStart = 0
        c.outputStuckSince = nil
        if c.closeAfterWrite {
            linger(c)
            return false
        }
        if draining && c.isIdle {
            closeConnection(c)
            return false
        }
        return true
    }

    /// Closes our side for writing and discards what the client still sends until it closes too (or
    /// a short timeout): closing with unread bytes would make the kernel send a reset, and the client
    /// could lose the answer we just wrote (a 413 for a body it is still uploading).
    private func linger(_ c: Connection) {
        shutdown(c.fd, Int32(SHUT_WR))
        c.lingering = true
        c.phaseStarted = MonotonicClock.milliseconds()
        c.input = []
        c.inputStart = 0
        discardInput(c)
    }

    private func discardInput(_ c: Connection) {
        while true {
            let r = scratch.withUnsafeMutableBytes { buf in Syscall.io { read(c.fd, buf.baseAddress, buf.count) } }
            switch r {
            case .done(let n) where n > 0: continue
            case .wouldBlock: return
            default:
                closeConnection(c)
                return
            }
        }
    }

    private func closeConnection(_ c: Connection) {
        guard Int(c.fd) < connections.count, connections[Int(c.fd)] === c else { return }
        connections[Int(c.fd)] = nil
        connectionCount -= 1
        releaseBody(c)
        close(c.fd)  // also removes it from the epoll set
        if case .streaming(let session, let channel) = c.phase {
            streamCount -= 1
            channel.markClosed()
            session.closed()
        }
    }

    /// Closes connections past their phase's timeout; a client stuck mid-head gets a 408 first.
    private func sweep(now: Int64) {
        for case let c? in connections where !c.lingering { c.session?.tick(now: now) }
        for case let c? in connections where c.timedOut(now: now, limits: limits) {
            if case .head = c.phase, c.unconsumed > 0, !c.hasPendingOutput {
                HTTPResponse.json(408, #"{"error":"timeout","detail":"request not received in time"}"#).serialized(keepAlive: false, into: &c.output)
                c.closeAfterWrite = true
                _ = flush(c)
                if connections[Int(c.fd)] === c, !c.lingering { closeConnection(c) }
            } else {
                closeConnection(c)
            }
        }
    }

    // MARK: - Streams (see `StreamChannel`)

    private func streamConnection(_ channel: StreamChannel) -> Connection? {
        guard let c = connection(fd: channel.fd, generation: channel.generation), c.session != nil, !c.lingering else { return nil }
        return c
    }

    func streamSend(_ channel: StreamChannel, _ bytes: [UInt8]) {
        guard let c = streamConnection(channel) else { return }
        c.output.append(contentsOf: bytes)
        flush(c)
    }

    func streamPending(_ channel: StreamChannel) -> Int {
        guard let c = streamConnection(channel) else { return 0 }
        return c.output.count - c.outputStart
    }

    func streamClose(_ channel: StreamChannel) {
        guard let c = streamConnection(channel) else { return }
        channel.markClosed()
        c.closeAfterWrite = true
        flush(c)
    }

    /// Wakes the loop from another thread (after `stop` flags or new work).
    public func wake() { mailbox.wake() }
}

/// A JSON string literal (quotes included) for short, server-made texts.
func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if u.value < 0x20 {
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            } else {
                out.unicodeScalars.append(u)
            }
        }
    }
    return out + "\""
}
