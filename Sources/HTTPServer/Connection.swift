/// One client connection's buffers and request state. Owned by the loop thread only.
final class Connection {
    enum Phase {
        /// Waiting for (the rest of) a request head.
        case head
        /// Reading a body framed by Content-Length.
        case fixedBody(HTTPRequestHead, length: Int)
        /// Reading a chunked body.
        case chunkedBody(HTTPRequestHead, ChunkedDecoder)
        /// The request is with the handler; later pipelined requests wait in `input`.
        case waiting(Awaited)
        /// Taken over by the application (WebSocket, event stream): bytes go to the session.
        case streaming(StreamSession, StreamChannel)
    }

    /// What answering a request needs of its head, kept while the handler has it (the whole head
    /// held four reference-counted fields, retained and released with every copy).
    struct Awaited {
        let keepAlive: Bool
        let headOnly: Bool

        init(_ head: borrowing HTTPRequestHead) {
            keepAlive = head.keepAlive
            headOnly = head.method == "HEAD"
        }
    }

    let fd: Int32
    let generation: UInt32
    let remoteAddress: String
    var phase = Phase.head
    /// Received bytes; those before `inputStart` are consumed.
    var input: [UInt8] = []
    var inputStart = 0
    /// Bytes to send; those before `outputStart` are sent.
    var output: [UInt8] = []
    var outputStart = 0
    /// Edge-triggered epoll: the socket may hold unread bytes.
    var readable = true
    var peerClosed = false
    var closeAfterWrite = false
    /// The answer is sent and our side shut; the client's remaining bytes are read and dropped.
    var lingering = false
    /// Monotonic time the current phase started (idle, head, body) or the output got stuck.
    var phaseStarted: Int64
    var outputStuckSince: Int64?
    /// Bytes of the current request's body counted against the server-wide budget.
    var heldBodyBytes = 0

    init(fd: Int32, generation: UInt32, remoteAddress: String, now: Int64) {
        self.fd = fd
        self.generation = generation
        self.remoteAddress = remoteAddress
        self.phaseStarted = now
    }

    var unconsumed: Int { input.count - inputStart }
    var hasPendingOutput: Bool { outputStart < output.count }

    var session: StreamSession? {
        if case .streaming(let s, _) = phase { return s }
        return nil
    }

    var isIdle: Bool {
        if case .head = phase { return unconsumed == 0 && !hasPendingOutput }
        return false
    }

    func consume(_ n: Int) {
        inputStart += n
        if inputStart == input.count {
            input.removeAll(keepingCapacity: input.capacity <= 1 << 16)
            inputStart = 0
        } else if inputStart > 1 << 16, inputStart * 2 > input.count {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    /// Whether the connection has outlived its phase's timeout at `now`.
    func timedOut(now: Int64, limits: HTTPServerLimits) -> Bool {
        if let stuck = outputStuckSince, now - stuck > limits.writeTimeoutMilliseconds { return true }
        if lingering { return now - phaseStarted > limits.lingerTimeoutMilliseconds }
        switch phase {
        case .head:
            let limit = unconsumed == 0 ? limits.keepAliveTimeoutMilliseconds : limits.headerTimeoutMilliseconds
            return now - phaseStarted > limit
        case .fixedBody, .chunkedBody:
            return now - phaseStarted > limits.bodyTimeoutMilliseconds
        case .waiting, .streaming:
            return false  // the handler answers, or the session keeps its own timeouts
        }
    }
}
