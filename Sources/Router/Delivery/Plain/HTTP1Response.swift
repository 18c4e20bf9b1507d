#if canImport(Glibc)
import Glibc
#endif

/// Reads one HTTP/1.1 response as its bytes arrive: the status, `Retry-After`, whether the connection
/// may carry the next request, and the first `keep` bytes of the body (the rest is read and dropped,
/// so the connection stays usable). Interim 1xx answers are skipped. A client's reader: it accepts
/// what servers send (bare LF line ends, any header order) but never guesses a body's length.
struct HTTP1Response {
    enum ParseError: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case headTooLarge

        var description: String {
            switch self {
            case .malformed(let why): return "malformed response from the target: \(why)"
            case .headTooLarge: return "the target's response headers exceed \(HTTP1Response.maxHead) bytes"
            }
        }
    }

    private enum State: Equatable {
        case head
        case length(remaining: Int)
        case chunkSize(value: Int, digits: Int)
        case chunkExtension(size: Int)
        case chunkSizeLF(size: Int)
        case chunkData(remaining: Int)
        case chunkDataCR, chunkDataLF
        case trailerLine(length: Int)
        case untilClose
        case done
    }

    static let maxHead = 64 * 1024

    private(set) var status = 0
    private(set) var retryAfter: String?
    /// Whether the connection can carry another request once this response is done.
    private(set) var keepAlive = true
    /// The first `keep` bytes of the body.
    private(set) var body: [UInt8] = []
    /// Response bytes read so far (for the error of a cut-off answer).
    private(set) var received = 0
    private var state = State.head
    private var head: [UInt8] = []
    private let keep: Int

    init(keep: Int) {
        self.keep = keep
    }

    /// Consumes `bytes`; returns true once the response is complete. Bytes after the end of the
    /// response make the connection unusable for another request (the server sent what nobody asked).
    mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(ParseError) -> Bool {
        received += bytes.count
        var i = 0
        let n = bytes.count
        while i < n {
            switch state {
            case .head:
                i = try takeHead(bytes, from: i)
            case .length(let remaining):
                let take = min(remaining, n - i)
                keepBody(UnsafeRawBufferPointer(rebasing: bytes[i..<i + take]))
                i += take
                state = remaining == take ? .done : .length(remaining: remaining - take)
            case .chunkSize(let value, let digits):
                let c = bytes[i]
                if let d = Self.hexValue(c) {
                    guard digits < 15 else { throw .malformed("chunk size has too many digits") }
                    state = .chunkSize(value: value * 16 + d, digits: digits + 1)
                } else if digits > 0, c == UInt8(ascii: ";") || c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") {
                    state = .chunkExtension(size: value)
                } else if digits > 0, c == 13 {
                    state = .chunkSizeLF(size: value)
                } else if digits > 0, c == 10 {
                    state = value == 0 ? .trailerLine(length: 0) : .chunkData(remaining: value)
                } else {
                    throw .malformed("bad chunk size")
                }
                i += 1
            case .chunkExtension(let size):
                if bytes[i] == 10 { state = size == 0 ? .trailerLine(length: 0) : .chunkData(remaining: size) }
                else if bytes[i] == 13 { state = .chunkSizeLF(size: size) }
                i += 1
            case .chunkSizeLF(let size):
                guard bytes[i] == 10 else { throw .malformed("chunk size line must end with CRLF") }
                state = size == 0 ? .trailerLine(length: 0) : .chunkData(remaining: size)
                i += 1
            case .chunkData(let remaining):
                let take = min(remaining, n - i)
                keepBody(UnsafeRawBufferPointer(rebasing: bytes[i..<i + take]))
                i += take
                state = remaining == take ? .chunkDataCR : .chunkData(remaining: remaining - take)
            case .chunkDataCR:
                if bytes[i] == 10 { state = .chunkSize(value: 0, digits: 0) }
                else if bytes[i] == 13 { state = .chunkDataLF }
                else { throw .malformed("chunk data must end with CRLF") }
                i += 1
            case .chunkDataLF:
                guard bytes[i] == 10 else { throw .malformed("chunk data must end with CRLF") }
                state = .chunkSize(value: 0, digits: 0)
                i += 1
            case .trailerLine(let length):
                // Trailers are read and ignored; an empty line ends the body.
                let c = bytes[i]
                if c == 10 {
                    state = length == 0 ? .done : .trailerLine(length: 0)
                } else if c != 13 {
                    guard length < Self.maxHead else { throw .headTooLarge }
                    state = .trailerLine(length: length + 1)
                }
                i += 1
            case .untilClose:
                keepBody(UnsafeRawBufferPointer(rebasing: bytes[i...]))
                i = n
            case .done:
                keepAlive = false
                return true
            }
        }
        return state == .done
    }

    /// The server closed the connection: true if that ends the response (a body delimited by the close).
    mutating func closed() -> Bool {
        if state == .untilClose { state = .done }
        keepAlive = false
        return state == .done
    }

    private mutating func keepBody(_ bytes: UnsafeRawBufferPointer) {
        let room = keep - body.count
        if room > 0 { body.append(contentsOf: bytes.prefix(room)) }
    }

    /// Reads the head once its empty line is in: straight from `bytes` when the whole head came in one
    /// read (the usual case), else from the bytes gathered so far. Returns where the head ended.
    private mutating func takeHead(_ bytes: UnsafeRawBufferPointer, from start: Int) throws(ParseError) -> Int {
        guard let end = Self.headEnd(bytes, from: start, gathered: head) else {
            head.append(contentsOf: bytes[start...])
            guard head.count <= Self.maxHead else { throw .headTooLarge }
            return bytes.count
        }
        if head.isEmpty {
            try readHead(UnsafeRawBufferPointer(rebasing: bytes[start..<end]))
        } else {
            head.append(contentsOf: bytes[start..<end])
            guard head.count <= Self.maxHead else { throw .headTooLarge }
            let gathered = head
            head.removeAll(keepingCapacity: true)
            var failure: ParseError?
            gathered.withUnsafeBytes { p in
                do throws(ParseError) { try readHead(p) } catch { failure = error }
            }
            if let failure { throw failure }
        }
        return end
    }

    /// Where the empty line ending a head is (the index after its LF), LF or CRLF line ends; `gathered`
    /// is what came before `bytes`, for an empty line split across two reads.
    private static func headEnd(_ bytes: UnsafeRawBufferPointer, from start: Int, gathered: [UInt8]) -> Int? {
        var lastLF = Int.min / 2  // index of the last LF seen (before `start` when it came earlier)
        var sawCR = false  // the current line so far is a lone CR
        if gathered.last == 10 {
            lastLF = start - 1
        } else if gathered.count >= 2, gathered[gathered.count - 1] == 13, gathered[gathered.count - 2] == 10 {
            lastLF = start - 2
            sawCR = true
        }
        // From LF to LF (memchr): a line is only looked at where it starts and ends.
        guard let base = bytes.baseAddress else { return nil }
        var i = start
        while i < bytes.count {
            if lastLF == i - 1 {
                // A line starts at i: an LF here, or a CR then an LF, is the empty line ending the head.
                if bytes[i] == 10 { return i + 1 }
                if bytes[i] == 13 {
                    if i + 1 < bytes.count, bytes[i + 1] == 10 { return i + 2 }
                    if i + 1 == bytes.count { return nil }  // the LF may come in the next read (`gathered` says so)
                }
            } else if sawCR, lastLF == i - 2, bytes[i] == 10 {
                return i + 1
            }
            sawCR = false
            guard let lf = memchr(base + i, 10, bytes.count - i) else { return nil }
            lastLF = base.distance(to: UnsafeRawPointer(lf))
            i = lastLF + 1
        }
        return nil
    }

    private mutating func readHead(_ head: UnsafeRawBufferPointer) throws(ParseError) {
        // Lines one at a time (CR before the LF dropped); the first is the status line.
        var lineStart = 0
        func nextLine() -> UnsafeRawBufferPointer.SubSequence? {
            guard lineStart < head.count, let base = head.baseAddress, let p = memchr(base + lineStart, 10, head.count - lineStart) else { return nil }
            let lf = base.distance(to: UnsafeRawPointer(p))
            var line = head[lineStart..<lf]
            if line.last == 13 { line = line.dropLast() }
            lineStart = lf + 1
            return line
        }
        guard let statusLine = nextLine(), statusLine.count >= 12,
              statusLine.starts(with: "HTTP/1.".utf8), statusLine[statusLine.startIndex + 8] == UInt8(ascii: " ") else {
            throw .malformed("no HTTP/1.x status line")
        }
        let minor = statusLine[statusLine.startIndex + 7]
        let digits = statusLine[(statusLine.startIndex + 9)..<(statusLine.startIndex + 12)]
        guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { throw .malformed("status code is not three digits") }
        let code = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
        guard code >= 100 else { throw .malformed("status code below 100") }
        var contentLength: Int?
        var chunked = false
        var close = minor == UInt8(ascii: "0")
        while let line = nextLine() {
            // A folded continuation (obs-fold) or a line without a colon says nothing about framing:
            // skipped, as lenient clients do, rather than failing a target that answered.
            guard let first = line.first, first != 32, first != 9, let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = line[..<colon]
            let value = Self.trimmed(line[(colon + 1)...])
            if Self.equalsLowercased(name, "content-length") {
                guard !value.isEmpty, value.count <= 18, value.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
                    throw .malformed("bad Content-Length")
                }
                let length = value.reduce(0) { $0 * 10 + Int($1 - 48) }
                if let contentLength, contentLength != length { throw .malformed("conflicting Content-Length headers") }
                contentLength = length
            } else if Self.equalsLowercased(name, "transfer-encoding") {
                chunked = Self.lastToken(value, is: "chunked")
                if !chunked { close = true }  // another coding ends at the close
            } else if Self.equalsLowercased(name, "connection") {
                if Self.hasToken(value, "close") { close = true }
                if minor == UInt8(ascii: "0"), Self.hasToken(value, "keep-alive") { close = false }
            } else if Self.equalsLowercased(name, "retry-after") {
                retryAfter = String(decoding: value, as: UTF8.self)
            }
        }
        if code < 200 {
            // 100 Continue, 103 Early Hints…: the real answer follows. 101 would switch protocols.
            guard code != 101 else { throw .malformed("the target switched protocols (101)") }
            retryAfter = nil
            return
        }
        status = code
        keepAlive = !close
        if code == 204 || code == 304 {
            state = .done
        } else if chunked {
            state = .chunkSize(value: 0, digits: 0)
        } else if let contentLength {
            state = contentLength == 0 ? .done : .length(remaining: contentLength)
        } else {
            state = .untilClose
            keepAlive = false
        }
    }

    private static func trimmed(_ s: UnsafeRawBufferPointer.SubSequence) -> UnsafeRawBufferPointer.SubSequence {
        var s = s
        while let f = s.first, f == 32 || f == 9 { s = s.dropFirst() }
        while let l = s.last, l == 32 || l == 9 { s = s.dropLast() }
        return s
    }

    /// Whether a comma-separated header value holds `token` (any case). Read in place: every answer
    /// of a kept-alive target carries a `Connection` header.
    private static func hasToken(_ value: UnsafeRawBufferPointer.SubSequence, _ token: StaticString) -> Bool {
        var rest = value
        while true {
            let comma = rest.firstIndex(of: UInt8(ascii: ",")) ?? rest.endIndex
            if equalsLowercased(trimmed(rest[..<comma]), token) { return true }
            guard comma < rest.endIndex else { return false }
            rest = rest[(comma + 1)...]
        }
    }

    /// Whether the last of a comma-separated value's tokens is `token` (any case).
    private static func lastToken(_ value: UnsafeRawBufferPointer.SubSequence, is token: StaticString) -> Bool {
        let last = value.lastIndex(of: UInt8(ascii: ",")).map { value[($0 + 1)...] } ?? value
        return equalsLowercased(trimmed(last), token)
    }

    private static func equalsLowercased(_ bytes: UnsafeRawBufferPointer.SubSequence, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        let expected = name.utf8Start
        for (i, b) in bytes.enumerated() where (b >= 65 && b <= 90 ? b | 0x20 : b) != expected[i] { return false }
        return true
    }

    private static func hexValue(_ c: UInt8) -> Int? {
        switch c {
        case 48...57: return Int(c - 48)
        case 65...70: return Int(c - 55)
        case 97...102: return Int(c - 87)
        default: return nil
        }
    }
}
