import HTTPServer
import Rules

/// What a session tells the hub about its connection.
protocol StreamSessionOwner: AnyObject {
    func drained(_ client: StreamClient)
    func remove(_ client: StreamClient, reason: StreamClient.CloseReason)
    /// Closes the client's outlet for `reason` and forgets it.
    func close(_ client: StreamClient, reason: StreamClient.CloseReason)
}

extension StreamHub: StreamSessionOwner {}

/// A WebSocket listener (RFC 6455 after the 101): events as text frames, a ping every `ping`, closed
/// when the client has said nothing for `idle_timeout`. What the client sends is read (pongs, close,
/// pings answered) and otherwise ignored; a malformed or oversized frame closes with its code.
final class WebSocketStreamSession: StreamSession, StreamOutlet {
    /// Client frames and messages are small (pongs, close); anything bigger is refused.
    static let maxClientMessage = 64 << 10

    private let channel: StreamChannel
    private weak var owner: StreamSessionOwner?
    var client: StreamClient?
    private var parser = WebSocketFrameParser(maxFrame: WebSocketStreamSession.maxClientMessage)
    private var assembler = WebSocketMessageAssembler(maxMessage: WebSocketStreamSession.maxClientMessage)
    private let pingMilliseconds: Int64
    private let idleMilliseconds: Int64
    private var lastHeard: Int64
    private var lastPing: Int64
    private var closing = false

    init(channel: StreamChannel, owner: StreamSessionOwner, settings: StreamSettings, now: Int64) {
        self.channel = channel
        self.owner = owner
        pingMilliseconds = settings.pingMilliseconds
        idleMilliseconds = settings.idleTimeoutMilliseconds
        lastHeard = now
        lastPing = now
    }

    // MARK: StreamOutlet

    var canWrite: Bool { !closing && channel.pendingBytes <= StreamChannel.lowWater }

    func write(_ message: StreamMessage) { channel.send(message.webSocketFrame) }

    func close(reason: StreamClient.CloseReason) {
        switch reason {
        case .idle: closeWith(.goingAway, "idle: nothing heard for \(Units.describe(milliseconds: idleMilliseconds))")
        case .slow: closeWith(.policyViolation, "too slow: critical events piled up unread")
        case .expired: closeWith(.policyViolation, "token expired: reconnect with a new one")
        case .removed: closeWith(.goingAway, "stream removed from the config")
        case .shutdown: closeWith(.goingAway, "server shutting down")
        case .protocolError, .gone, .answered: closeWith(.normal, "")
        }
    }

    func endOfBatch() {}

    var isFinished: Bool { closing }

    // MARK: StreamSession

    func received(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard !closing else { return bytes.count }
        lastHeard = MonotonicClock.milliseconds()
        parser.append(bytes)
        do {
            while let frame = try parser.next() {
                guard let message = try assembler.take(frame) else { continue }
                switch message {
                case .ping(let payload):
                    channel.send(WebSocketFrame(opcode: .pong, payload: payload).serialized())
                case .close(let code, _):
                    // Echo the code (§5.5.1); the client closes the TCP connection after.
                    let echo = code.flatMap { WebSocketCloseCode(rawValue: $0) } ?? .normal
                    closeWith(echo, "", told: .gone)
                    return bytes.count
                case .pong, .text, .binary:
                    continue  // liveness only: this stream takes nothing from its clients
                }
            }
        } catch let failure as WebSocketFrameParser.Failure {
            closeWith(failure.closeCode, failure.reason, told: .protocolError)
        } catch let failure as WebSocketMessageAssembler.Failure {
            closeWith(failure.closeCode, failure.reason, told: .protocolError)
        } catch {
            closeWith(.protocolError, "", told: .protocolError)
        }
        return bytes.count
    }

    func drained() {
        if let client { owner?.drained(client) }
    }

    func tick(now: Int64) {
        guard !closing else { return }
        if now - lastHeard > idleMilliseconds {
            if let client, let owner { owner.close(client, reason: .idle) } else { close(reason: .idle) }
            return
        }
        if now - lastPing >= pingMilliseconds {
            lastPing = now
            channel.send(WebSocketFrame(opcode: .ping, payload: []).serialized())
        }
    }

    func shutdown() {
        if let client, let owner { owner.close(client, reason: .shutdown) } else { close(reason: .shutdown) }
    }

    func closed() {
        closing = true
        if let client { owner?.remove(client, reason: .gone) }
    }

    /// Sends a close frame and closes; `told` removes the client from the hub for that reason.
    private func closeWith(_ code: WebSocketCloseCode, _ reason: String, told: StreamClient.CloseReason? = nil) {
        guard !closing else { return }
        closing = true
        channel.send(WebSocketFrame.close(code, reason: reason).serialized())
        channel.close()
        if let told, let client { owner?.remove(client, reason: told) }
    }
}

/// A Server-Sent Events listener (`text/event-stream`): each event as `id:` and `data:` lines, a
/// comment every `ping` so proxies keep the connection, the client's `Last-Event-ID` on reconnect.
final class EventStreamSession: StreamSession, StreamOutlet {
    /// How long EventSource waits before it reconnects (the `retry:` field).
    static let retryMilliseconds = 2_000

    /// The answer's head: no length (the stream ends when the connection does), no caching or buffering
    /// by proxies, readable from any origin (the token, not a cookie, is the credential).
    static let head = Array("""
        HTTP/1.1 200 OK\r
        Content-Type: text/event-stream\r
        Cache-Control: no-cache, no-store\r
        X-Accel-Buffering: no\r
        Access-Control-Allow-Origin: *\r
        Connection: close\r
        \r
        retry: \(retryMilliseconds)\n\n
        """.utf8)

    private let channel: StreamChannel
    private weak var owner: StreamSessionOwner?
    var client: StreamClient?
    private let pingMilliseconds: Int64
    private var lastWrite: Int64
    private var closing = false

    init(channel: StreamChannel, owner: StreamSessionOwner, settings: StreamSettings, now: Int64) {
        self.channel = channel
        self.owner = owner
        pingMilliseconds = settings.pingMilliseconds
        lastWrite = now
    }

    var canWrite: Bool { !closing && channel.pendingBytes <= StreamChannel.lowWater }

    func write(_ message: StreamMessage) {
        lastWrite = MonotonicClock.milliseconds()
        channel.send(message.eventStreamBytes)
    }

    func close(reason: StreamClient.CloseReason) {
        guard !closing else { return }
        closing = true
        if reason != .gone && reason != .protocolError && reason != .answered {
            var o = JSONObject()
            o["reason"] = .string(reason.rawValue)
            channel.send(StreamMessage(control: "closed", fields: o).eventStreamBytes)
        }
        channel.close()
    }

    func endOfBatch() {}

    var isFinished: Bool { closing }

    /// An EventSource sends nothing after its request; bytes that come are dropped.
    func received(_ bytes: UnsafeBufferPointer<UInt8>) -> Int { bytes.count }

    func drained() {
        if let client { owner?.drained(client) }
    }

    func tick(now: Int64) {
        guard !closing, now - lastWrite >= pingMilliseconds else { return }
        lastWrite = now
        channel.send(Array(": ping\n\n".utf8))
    }

    func shutdown() {
        if let client, let owner { owner.close(client, reason: .shutdown) } else { close(reason: .shutdown) }
    }

    func closed() {
        closing = true
        if let client { owner?.remove(client, reason: .gone) }
    }
}

/// A long-poll request (`GET <path>?after=<id>`): answered with the first messages after its id, or
/// empty once `poll_timeout` passes, as `{"messages":[…],"next":"<id>"}`; the client polls again
/// with `after=<next>`.
final class PollOutlet: StreamOutlet {
    /// Messages in one answer at most; the rest come with the next poll.
    static let maxMessages = 500

    private let responder: Responder
    private var messages: [StreamMessage] = []
    private var answered = false
    var client: StreamClient?
    let deadline: Int64

    init(responder: Responder, deadline: Int64) {
        self.responder = responder
        self.deadline = deadline
    }

    var canWrite: Bool { !answered && messages.count < Self.maxMessages }

    func write(_ message: StreamMessage) { messages.append(message) }

    func close(reason: StreamClient.CloseReason) {
        guard !answered else { return }
        if reason == .shutdown || reason == .removed || reason == .expired {
            answered = true
            responder.respond(IngestAnswer.error(503, "unavailable", "the stream closed (\(reason.rawValue)); poll again", headers: [HTTPHeader("Retry-After", "1")]))
            return
        }
        answer()
    }

    /// Answers with what was collected; nothing collected waits for more (or the deadline).
    func endOfBatch() {
        if !messages.isEmpty { answer() }
    }

    var isFinished: Bool { answered }

    func answer() {
        guard !answered else { return }
        answered = true
        var out: [UInt8] = Array(#"{"messages":["#.utf8)
        for (i, m) in messages.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out += m.json
        }
        out += Array(#"],"next":""#.utf8) + Array(String(client?.lastSent ?? 0).utf8) + Array(#""}"#.utf8)
        responder.respond(HTTPResponse.json(200, bytes: out, headers: [HTTPHeader("Cache-Control", "no-store"), HTTPHeader("Access-Control-Allow-Origin", "*")]))
    }
}
