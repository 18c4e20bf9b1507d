/// Turns a client's frames into messages (RFC 6455 §5.4, §5.5, §8.1): a text or binary message may
/// come in fragments, with control frames between them; a text message must be valid UTF-8 as a
/// whole; a close frame's code must be one a peer may send and its reason UTF-8. `maxMessage` bounds
/// the fragments of one message together.
public struct WebSocketMessageAssembler: Sendable {
    public enum Message: Sendable, Equatable {
        case text(String)
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        /// nil code: the close frame had no payload.
        case close(code: UInt16?, reason: String)
    }

    public enum Failure: Error, Equatable, Sendable {
        case continuationWithoutStart
        case newMessageBeforeEnd
        case invalidUTF8
        case messageTooLarge(Int)
        case invalidCloseCode(UInt16)
        case invalidClosePayload

        public var closeCode: WebSocketCloseCode {
            switch self {
            case .invalidUTF8: return .invalidData
            case .messageTooLarge: return .messageTooBig
            default: return .protocolError
            }
        }

        public var reason: String {
            switch self {
            case .continuationWithoutStart: return "continuation frame without a message to continue"
            case .newMessageBeforeEnd: return "new message before the last one ended"
            case .invalidUTF8: return "text is not valid UTF-8"
            case .messageTooLarge(let n): return "message of \(n) bytes is over the limit"
            case .invalidCloseCode(let c): return "close code \(c) may not be sent"
            case .invalidClosePayload: return "malformed close frame"
            }
        }
    }

    public let maxMessage: Int
    private var partial: (opcode: WebSocketFrame.Opcode, bytes: [UInt8])?

    public init(maxMessage: Int) { self.maxMessage = maxMessage }

    /// The message this frame completes, if any.
    public mutating func take(_ frame: WebSocketFrame) throws(Failure) -> Message? {
        switch frame.opcode {
        case .ping: return .ping(frame.payload)
        case .pong: return .pong(frame.payload)
        case .close: return try Self.close(frame.payload)
        case .continuation:
            guard var p = partial else { throw .continuationWithoutStart }
            guard p.bytes.count + frame.payload.count <= maxMessage else { throw .messageTooLarge(p.bytes.count + frame.payload.count) }
            p.bytes += frame.payload
            guard frame.fin else {
                partial = p
                return nil
            }
            partial = nil
            return try Self.message(p.opcode, p.bytes)
        case .text, .binary:
            guard partial == nil else { throw .newMessageBeforeEnd }
            guard frame.payload.count <= maxMessage else { throw .messageTooLarge(frame.payload.count) }
            guard frame.fin else {
                partial = (frame.opcode, frame.payload)
                return nil
            }
            return try Self.message(frame.opcode, frame.payload)
        }
    }

    private static func message(_ opcode: WebSocketFrame.Opcode, _ bytes: [UInt8]) throws(Failure) -> Message {
        guard opcode == .text else { return .binary(bytes) }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw .invalidUTF8 }
        return .text(s)
    }

    private static func close(_ payload: [UInt8]) throws(Failure) -> Message {
        guard !payload.isEmpty else { return .close(code: nil, reason: "") }
        guard payload.count >= 2 else { throw .invalidClosePayload }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard WebSocketCloseCode.isValidReceived(code) else { throw .invalidCloseCode(code) }
        guard let reason = String(validating: payload[2...], as: UTF8.self) else { throw .invalidUTF8 }
        return .close(code: code, reason: reason)
    }
}
