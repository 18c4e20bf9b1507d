/// Reads a client's frames from the bytes of its connection, as they come (any split), and unmasks
/// them. Strict where RFC 6455 says MUST: a client frame without a mask, reserved bits set (no
/// extension is negotiated), an unknown opcode, a control frame over 125 bytes or fragmented, or a
/// 64-bit length with its top bit set are protocol errors; a frame over `maxFrame` is too big, and
/// is refused from its header, before its payload is read.
public struct WebSocketFrameParser: Sendable {
    public enum Failure: Error, Equatable, Sendable {
        case unmasked
        case reservedBits
        case unknownOpcode(UInt8)
        case controlFrameTooLong(Int)
        case fragmentedControlFrame
        case lengthOutOfRange
        case frameTooLarge(Int)

        /// The close code to answer with.
        public var closeCode: WebSocketCloseCode {
            if case .frameTooLarge = self { return .messageTooBig }
            return .protocolError
        }

        public var reason: String {
            switch self {
            case .unmasked: return "client frames must be masked"
            case .reservedBits: return "reserved bits set without an extension"
            case .unknownOpcode(let op): return "unknown opcode \(op)"
            case .controlFrameTooLong(let n): return "control frame of \(n) bytes (at most 125)"
            case .fragmentedControlFrame: return "fragmented control frame"
            case .lengthOutOfRange: return "frame length out of range"
            case .frameTooLarge(let n): return "frame of \(n) bytes is over the limit"
            }
        }
    }

    public let maxFrame: Int
    private var buffer: [UInt8] = []
    private var start = 0

    public init(maxFrame: Int) { self.maxFrame = maxFrame }

    /// Bytes received and not yet returned as frames.
    public var buffered: Int { buffer.count - start }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        if start > 0, start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        } else if start >= 65536 {
            buffer.removeFirst(start)  // a client that pipelines many frames: do not keep what was read
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame, unmasked; nil until its last byte has arrived.
    public mutating func next() throws(Failure) -> WebSocketFrame? {
        let available = buffer.count - start
        guard available >= 2 else { return nil }
        let b0 = buffer[start], b1 = buffer[start + 1]
        guard b0 & 0x70 == 0 else { throw .reservedBits }
        guard let opcode = WebSocketFrame.Opcode(rawValue: b0 & 0x0f) else { throw .unknownOpcode(b0 & 0x0f) }
        let fin = b0 & 0x80 != 0
        guard b1 & 0x80 != 0 else { throw .unmasked }
        var length = Int(b1 & 0x7f)
        var header = 2
        if length == 126 {
            guard available >= 4 else { return nil }
            length = Int(buffer[start + 2]) << 8 | Int(buffer[start + 3])
            header = 4
        } else if length == 127 {
            guard available >= 10 else { return nil }
            var n: UInt64 = 0
            for i in 0..<8 { n = n << 8 | UInt64(buffer[start + 2 + i]) }
            guard n >> 63 == 0 else { throw .lengthOutOfRange }
            guard n <= UInt64(maxFrame) else { throw .frameTooLarge(Int(clamping: n)) }
            length = Int(n)
            header = 10
        }
        if opcode.isControl {
            guard fin else { throw .fragmentedControlFrame }
            guard length <= 125 else { throw .controlFrameTooLong(length) }
        }
        guard length <= maxFrame else { throw .frameTooLarge(length) }
        guard available >= header + 4 + length else { return nil }
        let maskAt = start + header, payloadAt = maskAt + 4
        var payload = Array(buffer[payloadAt..<(payloadAt + length)])
        let mask = (buffer[maskAt], buffer[maskAt + 1], buffer[maskAt + 2], buffer[maskAt + 3])
        for i in payload.indices {
            switch i & 3 {
            case 0: payload[i] ^= mask.0
            case 1: payload[i] ^= mask.1
            case 2: payload[i] ^= mask.2
            default: payload[i] ^= mask.3
            }
        }
        start = payloadAt + length
        return WebSocketFrame(fin: fin, opcode: opcode, payload: payload)
    }
}
