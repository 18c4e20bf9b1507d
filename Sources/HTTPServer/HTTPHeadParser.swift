/// Parses and validates a request's start line and header section strictly (RFC 9112), before any
/// body byte is read. Pure: bytes in, a head or an error out, so it can be fuzzed on its own.
public enum HTTPHeadParser {
    public enum Result: Sendable {
        /// More bytes are needed.
        case incomplete
        /// The head, and how many bytes (from the start given) it took, the final CRLF included.
        case complete(HTTPRequestHead, length: Int)
        case invalid(HTTPParseError)
    }

    static let cr: UInt8 = 13, lf: UInt8 = 10, sp: UInt8 = 32, htab: UInt8 = 9, colon: UInt8 = 58
    static let slash: UInt8 = 47, asterisk: UInt8 = 42, question: UInt8 = 63

    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result {
        let n = bytes.count
        var i = 0
        // A client may send an empty line before the request line (RFC 9112 §2.2); bare LF is not one.
        while i + 1 < n, bytes[i] == cr, bytes[i + 1] == lf { i += 2 }
        let lineStart = i
        guard let startEnd = lineEnd(bytes, from: lineStart, limit: HTTPLimits.maxStartLine) else {
            return n - lineStart > HTTPLimits.maxStartLine + 1 ? .invalid(.startLineTooLong) : .incomplete
        }
        if case .invalid(let e) = startEnd { return .invalid(e) }
        guard case .line(let startLineEnd, let next) = startEnd else { return .incomplete }
        if startLineEnd - lineStart > HTTPLimits.maxStartLine { return .invalid(.startLineTooLong) }

        var head: HTTPRequestHead
        switch startLine(bytes, lineStart, startLineEnd) {
        case .success(let h): head = h
        case .failure(let e): return .invalid(e)
        }

        var fields: [HTTPHeader] = []
        fields.reserveCapacity(16)  // most requests carry fewer: one allocation, not one per doubling
        var cursor = next
        let headerStart = next
        while true {
            let budget = HTTPLimits.maxHeaderBytes - (cursor - headerStart)
            guard let end = lineEnd(bytes, from: cursor, limit: budget) else {
                return n - headerStart > HTTPLimits.maxHeaderBytes ? .invalid(.headersTooLarge("header section is larger than \(HTTPLimits.maxHeaderBytes) bytes")) : .incomplete
            }
            guard case .line(let e, let after) = end else {
                if case .invalid(let err) = end { return .invalid(err) }
                return .incomplete
            }
            if after - headerStart > HTTPLimits.maxHeaderBytes {
                return .invalid(.headersTooLarge("header section is larger than \(HTTPLimits.maxHeaderBytes) bytes"))
            }
            if e == cursor { cursor = after; break }  // the empty line ends the head
            if bytes[cursor] == sp || bytes[cursor] == htab {
                return .invalid(.badRequest("obsolete line folding in headers is not accepted"))
            }
            if fields.count == HTTPLimits.maxHeaderFields {
                return .invalid(.headersTooLarge("more than \(HTTPLimits.maxHeaderFields) header fields"))
            }
            switch field(bytes, cursor, e) {
            case .success(let f): fields.append(f)
            case .failure(let err): return .invalid(err)
            }
            cursor = after
        }
        head.headers = fields
        if let error = applySemantics(&head) { return .invalid(error) }
        return .complete(head, length: cursor)
    }

    enum LineEnd {
        /// `end` is the index of the CR; `next` the index after the LF.
        case line(end: Int, next: Int)
        case invalid(HTTPParseError)
    }

    /// Finds the CRLF ending the line at `from`, looking at most `limit` bytes ahead; nil when not there yet.
    /// A bare LF or a bare CR is an error: they are how requests get smuggled past lenient proxies.
    static func lineEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int, limit: Int) -> LineEnd? {
        let stop = min(b.count, from + max(limit, 0) + 2)
        var j = from
        if let base = b.baseAddress {
            // Eight bytes at a time to the first CR or LF: a byte equal to either is a zero byte of an
            // XOR, and the lowest flag of a word is exact (a borrow only runs upwards).
            let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
            while j + 8 <= stop {
                let w = UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self).littleEndian
                let xcr = w ^ (ones &* 13), xlf = w ^ (ones &* 10)
                let found = (((xcr &- ones) & ~xcr) | ((xlf &- ones) & ~xlf)) & tops
                if found != 0 {
                    j += found.trailingZeroBitCount &>> 3
                    break
                }
                j += 8
            }
        }
        while j < stop {
            let c = b[j]
            if c == lf { return .invalid(.badRequest("bare LF in the request head; lines end with CRLF")) }
            if c == cr {
                guard j + 1 < b.count else { return nil }
                guard b[j + 1] == lf else { return .invalid(.badRequest("bare CR in the request head")) }
                return .line(end: j, next: j + 2)
            }
            j += 1
        }
        return nil
    }

    static func startLine(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Swift.Result<HTTPRequestHead, HTTPParseError> {
        var i = start
        while i < end, isTokenChar(b[i]) { i += 1 }
        guard i > start, i < end, b[i] == sp else { return .failure(.badRequest("malformed request line; expected METHOD SP TARGET SP HTTP/1.1")) }
        let method = string(b, start, i)
        i += 1
        let targetStart = i
        while i < end, b[i] > sp, b[i] < 127 { i += 1 }
        guard i > targetStart, i < end, b[i] == sp else { return .failure(.badRequest("malformed request target")) }
        let target = string(b, targetStart, i)
        i += 1
        guard end - i == 8, b[i] == 72, b[i + 1] == 84, b[i + 2] == 84, b[i + 3] == 80, b[i + 4] == 47,
              isDigit(b[i + 5]), b[i + 6] == 46, isDigit(b[i + 7]) else {
            return .failure(.badRequest("malformed HTTP version"))
        }
        let major = Int(b[i + 5] - 48), minor = Int(b[i + 7] - 48)
        guard major == 1, minor <= 1 else { return .failure(.versionNotSupported) }
        let targetEnd = i - 1
        guard b[targetStart] == slash || (targetEnd - targetStart == 1 && b[targetStart] == asterisk && method == "OPTIONS") else {
            return .failure(.badRequest("request target must be a path starting with '/'"))
        }
        // Found in the bytes: String's own search walks grapheme clusters.
        var query = targetStart
        while query < targetEnd, b[query] != question { query += 1 }
        let path = query == targetEnd ? target : string(b, targetStart, query)
        return .success(HTTPRequestHead(method: method, target: target, path: path, versionMinor: minor, headers: [],
                                        framing: .none, keepAlive: minor == 1, expectsContinue: false))
    }

    static func field(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Swift.Result<HTTPHeader, HTTPParseError> {
        var i = start
        while i < end, isTokenChar(b[i]) { i += 1 }
        guard i > start, i < end, b[i] == colon else {
            return .failure(.badRequest("malformed header field; expected 'Name: value' with no space before ':'"))
        }
        let name = lowercasedToken(b, start, i)
        i += 1
        var vs = i, ve = end
        while vs < ve, b[vs] == sp || b[vs] == htab { vs += 1 }
        while ve > vs, b[ve - 1] == sp || b[ve - 1] == htab { ve -= 1 }
        if firstControl(b, vs, ve) != nil { return .failure(.badRequest("control character in header '\(name)'")) }
        return .success(HTTPHeader(name, string(b, vs, ve)))
    }

    /// Framing and connection semantics; refuses every ambiguous combination. The names are the
    /// parser's, lower-case: compared as they are.
    static func applySemantics(_ head: inout HTTPRequestHead) -> HTTPParseError? {
        var contentLength: Int?
        var transferEncoding: String?
        var hosts = 0
        for h in head.headers {
            if h.name == "content-length" {
                guard contentLength == nil else { return .badRequest("duplicate Content-Length") }
                guard !h.value.isEmpty, h.value.utf8.count <= 15, h.value.utf8.allSatisfy(isDigit), let v = Int(h.value) else {
                    return .badRequest("invalid Content-Length '\(h.value.prefix(32))'")
                }
                contentLength = v
            } else if h.name == "transfer-encoding" {
                guard transferEncoding == nil else { return .badRequest("more than one Transfer-Encoding header") }
                transferEncoding = h.value
            } else if h.name == "host" {
                hosts += 1
            } else if h.name == "connection" {
                for token in h.value.split(separator: ",") {
                    let t = token.trimmingSpaces
                    if asciiCaseInsensitiveEquals(t, "close") { head.keepAlive = false }
                    if asciiCaseInsensitiveEquals(t, "keep-alive"), head.versionMinor == 0 { head.keepAlive = true }
                }
            } else if h.name == "expect" {
                if asciiCaseInsensitiveEquals(h.value, "100-continue"), head.versionMinor == 1 { head.expectsContinue = true }
            }
        }
        if hosts > 1 || (hosts == 0 && head.versionMinor == 1) {
            return .badRequest("an HTTP/1.1 request needs exactly one Host header")
        }
        if let te = transferEncoding {
            guard contentLength == nil else { return .badRequest("both Content-Length and Transfer-Encoding") }
            guard head.versionMinor == 1 else { return .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
            guard asciiCaseInsensitiveEquals(te, "chunked") else {
                // RFC 9112 §6.3: chunked present but not the final coding is a framing error (a smuggling
                // shape some proxies read as chunked): 400, then close. Other codings are 501.
                let codings = te.split(separator: ",").map { $0.trimmingSpaces }
                if codings.dropLast().contains(where: { asciiCaseInsensitiveEquals($0, "chunked") }),
                   let last = codings.last, !asciiCaseInsensitiveEquals(last, "chunked") {
                    return .badRequest("chunked is not the final transfer coding in '\(te.prefix(32))'")
                }
                return .notImplemented("transfer coding '\(te.prefix(32))' is not supported; send chunked or Content-Length")
            }
            head.framing = .chunked
        } else if let cl = contentLength {
            head.framing = cl > 0 ? .contentLength(cl) : .none
        }
        return nil
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    /// The first control character in `b[start..<end]` a field value may not hold (all but HTAB, and
    /// DEL). Words without a byte below 0x20 or equal to 0x7F are passed eight bytes at a time.
    @inline(__always)
    static func firstControl(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int? {
        var k = start
        if let base = b.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
            while k + 8 <= end {
                let w = UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self)
                let del = w ^ (ones &* 0x7F)
                if (((w &- ones &* 0x20) & ~w) | ((del &- ones) & ~del)) & tops != 0 { break }  // look byte by byte
                k += 8
            }
        }
        while k < end {
            let c = b[k]
            if c < sp && c != htab || c == 127 { return k }
            k += 1
        }
        return nil
    }

    /// RFC 9110 tchar.
    @inline(__always) static func isTokenChar(_ c: UInt8) -> Bool {
        switch c {
        case 48...57, 65...90, 97...122: return true
        case 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: return true
        default: return false
        }
    }

    /// A header name, lower-cased as it is copied: names are case-insensitive ASCII tokens, and
    /// everything downstream (adapters, the store, outbound requests) wants them lower-case, which would
    /// otherwise cost an allocation per name and request. A name of `knownNames` is that table's string:
    /// a comparison instead of making (and validating) a new one, for the few names most requests carry.
    static func lowercasedToken(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        let length = end - start
        if length < knownNames.count {
            for name in knownNames[length] where equalsLowercased(b, start, name) { return name.text }
        }
        return String(unsafeUninitializedCapacity: length) { out in
            for k in 0..<length {
                let c = b[start + k]
                out[k] = c >= 65 && c <= 90 ? c | 0x20 : c
            }
            return length
        }
    }

    struct KnownName {
        let text: String
        let bytes: [UInt8]
    }

    /// Header names webhook senders and the benchmarks send, by length.
    static let knownNames: [[KnownName]] = {
        let names = ["host", "content-type", "content-length", "user-agent", "accept", "accept-encoding", "connection",
                     "transfer-encoding", "expect", "authorization", "date", "x-request-id", "x-forwarded-for",
                     "x-real-ip", "x-webhook-signature", "x-signature", "x-api-key", "apikey", "webhook-id",
                     "webhook-timestamp", "webhook-signature", "x-shopify-topic", "x-shopify-hmac-sha256",
                     "x-shopify-shop-domain", "x-shopify-webhook-id", "x-shopify-api-version",
                     "x-shopify-triggered-at", "x-shopify-event-id"]
        var table = [[KnownName]](repeating: [], count: 32)
        for name in names { table[name.utf8.count].append(KnownName(text: name, bytes: Array(name.utf8))) }
        return table
    }()

    @inline(__always)
    private static func equalsLowercased(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ name: KnownName) -> Bool {
        for k in 0..<name.bytes.count {
            let c = b[start + k]
            if (c >= 65 && c <= 90 ? c | 0x20 : c) != name.bytes[k] { return false }
        }
        return true
    }

    @inline(__always) static func string(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self)
    }
}

extension Substring {
    var trimmingSpaces: String {
        var s = self[...]
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
