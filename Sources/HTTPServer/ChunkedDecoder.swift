/// Decodes a `Transfer-Encoding: chunked` body incrementally and strictly (RFC 9112 §7.1):
/// CRLF only, bounded chunk-size digits, extensions and trailers, and the decoded size capped.
public struct ChunkedDecoder: Sendable {
    enum State: Sendable, Equatable {
        case size(value: Int, digits: Int)
        case extensionBytes(count: Int, size: Int)
        case sizeLF(size: Int)
        case data(remaining: Int)
        case dataCR, dataLF
        case trailerLineStart(total: Int)
        case trailerLine(total: Int)
        case trailerLF(total: Int)
        case finalLF
        case done
    }

    private var state = State.size(value: 0, digits: 0)
    public private(set) var body: [UInt8] = []
    public let maxBody: Int

    public init(maxBody: Int) { self.maxBody = maxBody }

    public var isDone: Bool { state == .done }

    /// Consumes what it can of `bytes`; returns how many bytes it took. Stops right after the last CRLF.
    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> Int {
        var i = 0
        let n = bytes.count
        while i < n {
            let c = bytes[i]
            switch state {
            case .size(let value, let digits):
                if let d = Self.hexValue(c) {
                    guard digits < 15 else { throw .badRequest("chunk size has too many digits") }
                    state = .size(value: value * 16 + d, digits: digits + 1)
                } else if digits > 0, c == 59 {  // ';' starts a chunk extension, which we skip
                    state = .extensionBytes(count: 0, size: value)
                } else if digits > 0, c == 13 {
                    state = .sizeLF(size: value)
                } else {
                    throw .badRequest("malformed chunk size")
                }
                i += 1
            case .extensionBytes(let count, let size):
                if c == 13 { state = .sizeLF(size: size) } else {
                    guard c != 10 else { throw .badRequest("bare LF in chunk extension") }
                    guard count < HTTPLimits.maxChunkExtension else { throw .badRequest("chunk extension is too long") }
                    state = .extensionBytes(count: count + 1, size: size)
                }
                i += 1
            case .sizeLF(let size):
                guard c == 10 else { throw .badRequest("chunk size line must end with CRLF") }
                i += 1
                if size == 0 {
                    state = .trailerLineStart(total: 0)
                } else {
                    guard size <= maxBody - body.count else { throw .bodyTooLarge }
                    body.reserveCapacity(body.count + size)
                    state = .data(remaining: size)
                }
            case .data(let remaining):
                let take = min(remaining, n - i)
                body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[i..<(i + take)]))
                i += take
                state = remaining == take ? .dataCR : .data(remaining: remaining - take)
            case .dataCR:
                guard c == 13 else { throw .badRequest("chunk data must be followed by CRLF") }
                state = .dataLF
                i += 1
            case .dataLF:
                guard c == 10 else { throw .badRequest("chunk data must be followed by CRLF") }
                state = .size(value: 0, digits: 0)
                i += 1
            case .trailerLineStart(let total):
                if c == 13 { state = .finalLF } else {
                    guard c != 10 else { throw .badRequest("bare LF in chunked trailer") }
                    state = .trailerLine(total: total + 1)
                }
                i += 1
            case .trailerLine(let total):
                guard total < HTTPLimits.maxTrailerBytes else { throw .headersTooLarge("chunked trailer section is too large") }
                if c == 13 { state = .trailerLF(total: total) } else {
                    guard c != 10 else { throw .badRequest("bare LF in chunked trailer") }
                    state = .trailerLine(total: total + 1)
                }
                i += 1
            case .trailerLF(let total):
                guard c == 10 else { throw .badRequest("bare CR in chunked trailer") }
                state = .trailerLineStart(total: total + 2)
                i += 1
            case .finalLF:
                guard c == 10 else { throw .badRequest("chunked body must end with CRLF") }
                state = .done
                return i + 1
            case .done:
                return i
            }
        }
        return i
    }

    /// Hands the decoded body over, leaving the decoder empty.
    public mutating func takeBody() -> [UInt8] {
        defer { body = [] }
        return body
    }

    @inline(__always) static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: return Int(c - 48)
        case 65...70: return Int(c - 55)
        case 97...102: return Int(c - 87)
        default: return nil
        }
    }
}
