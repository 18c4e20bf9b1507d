/// One WebSocket frame (RFC 6455 §5.2), as the server sends it or after a client's was unmasked.
public struct WebSocketFrame: Sendable, Equatable {
    public enum Opcode: UInt8, Sendable {
        case continuation = 0x0
        case text = 0x1
        case binary = 0x2
        case close = 0x8
        case ping = 0x9
        case pong = 0xA

        /// Close, ping and pong: at most 125 bytes, never fragmented (§5.5).
        public var isControl: Bool { rawValue & 0x8 != 0 }
    }

    public var fin: Bool
    public var opcode: Opcode
    public var payload: [UInt8]

    public init(fin: Bool = true, opcode: Opcode, payload: [UInt8]) {
        self.fin = fin
        self.opcode = opcode
        self.payload = payload
    }

    public static func text(_ s: String) -> WebSocketFrame { WebSocketFrame(opcode: .text, payload: Array(s.utf8)) }

    /// A close frame: the code, then a UTF-8 reason cut to fit a control frame's 125 bytes.
    public static func close(_ code: WebSocketCloseCode, reason: String = "") -> WebSocketFrame {
        var payload = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xff)]
        var room = 123
        for scalar in reason.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            guard bytes.count <= room else { break }
            payload += bytes
            room -= bytes.count
        }
        return WebSocketFrame(opcode: .close, payload: payload)
    }

    /// The frame on the wire, unmasked: a server never masks (§5.1). The length takes the fewest bytes
    /// that hold it (§5.2).
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(payload.count + 10)
        out.append((fin ? 0x80 : 0) | opcode.rawValue)
        let n = payload.count
        if n < 126 {
            out.append(UInt8(n))
        } else if n <= 0xffff {
            out.append(126)
            out.append(UInt8(n >> 8))
            out.append(UInt8(n & 0xff))
        } else {
            out.append(127)
            for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8((UInt64(n) >> UInt64(shift)) & 0xff)) }
        }
        out += payload
        return out
    }
}

/// Status codes of a close frame (§7.4.1), the ones this server sends.
public enum WebSocketCloseCode: UInt16, Sendable {
    case normal = 1000
    case goingAway = 1001
    case protocolError = 1002
    case unsupportedData = 1003
    case invalidData = 1007
    case policyViolation = 1008
    case messageTooBig = 1009
    case internalError = 1011

    /// Whether a peer may send `code` (§7.4): 1004–1006 and 1015 are reserved, 1012–2999 unassigned
    /// to us; 3000–4999 belong to libraries and applications.
    public static func isValidReceived(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: return true
        default: return false
        }
    }
}
