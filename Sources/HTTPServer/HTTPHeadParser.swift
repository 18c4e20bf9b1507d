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
    static let slash: UInt8 = 47, asterisk: UInt8 = 42, question: UInt8 = 63, comma: UInt8 = 44

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
        guard case .line(let startLineEnd, let next, _) = startEnd else { return .incomplete }
        if startLineEnd - lineStart > HTTPLimits.maxStartLine { return .invalid(.startLineTooLong) }

        let line: StartLine
        switch startLine(bytes, lineStart, startLineEnd) {
        case .success(let l): line = l
        case .failure(let e): return .invalid(e)
        }

        let known = knownNames  // once per head: each read of a lazy global is a call
        var fields: [HTTPHeader] = []
        fields.reserveCapacity(16)  // most requests carry fewer: one allocation, not one per doubling
        var semantics = Semantics(versionMinor: line.versionMinor)
        var cursor = next
        let headerStart = next
        while true {
            let budget = HTTPLimits.maxHeaderBytes - (cursor - headerStart)
            guard let end = lineEnd(bytes, from: cursor, limit: budget) else {
                return n - headerStart > HTTPLimits.maxHeaderBytes ? .invalid(.headersTooLarge("header section is larger than \(HTTPLimits.maxHeaderBytes) bytes")) : .incomplete
            }
            guard case .line(let e, let after, let clean) = end else {
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
            if let err = field(bytes, cursor, e, clean, known, &fields, &semantics) { return .invalid(err) }
            cursor = after
        }
        // A malformed line anywhere is reported before a refused combination of well-formed ones.
        if let error = semantics.finish() { return .invalid(error) }
        // Built once, in place: every copy of a head retains its strings and its array.
        return .complete(HTTPRequestHead(method: line.method, target: line.target, path: line.path,
                                         versionMinor: line.versionMinor, headers: fields, framing: semantics.framing,
                                         keepAlive: semantics.keepAlive, expectsContinue: semantics.expectsContinue),
                         length: cursor)
    }

    enum LineEnd {
        /// `end` is the index of the CR; `next` the index after the LF. `clean`: no other control
        /// character (nor HTAB, nor DEL) before `end`, so a field value needs no second look for one.
        case line(end: Int, next: Int, clean: Bool)
        case invalid(HTTPParseError)
    }

    /// Finds the CRLF ending the line at `from`, looking at most `limit` bytes ahead; nil when not there yet.
    /// A bare LF or a bare CR is an error: they are how requests get smuggled past lenient proxies.
    /// Notes on the way whether any other control character comes first: the one pass over the line
    /// then spares a field value a second one.
    static func lineEnd(_ b: UnsafeBufferPointer<UInt8>, from: Int, limit: Int) -> LineEnd? {
        let stop = min(b.count, from + max(limit, 0) + 2)
        var j = from
        var clean = true
        while true {
            if let base = b.baseAddress {
                // Eight bytes at a time to the first control character or DEL (CR and LF among them):
                // `x - 0x20` borrows for a byte below 0x20, `(x ^ 0x7F) - 1` for DEL, and the lowest
                // flag of a word is exact (a borrow only runs upwards).
                let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
                while j + 8 <= stop {
                    let w = UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self).littleEndian
                    let del = w ^ (ones &* 0x7F)
                    let found = (((w &- ones &* 0x20) & ~w) | ((del &- ones) & ~del)) & tops
                    if found != 0 {
                        j += found.trailingZeroBitCount &>> 3
                        break
                    }
                    j += 8
                }
            }
            guard j < stop else { return nil }
            let c = b[j]
            if c == lf { return .invalid(.badRequest("bare LF in the request head; lines end with CRLF")) }
            if c == cr {
                guard j + 1 < b.count else { return nil }
                guard b[j + 1] == lf else { return .invalid(.badRequest("bare CR in the request head")) }
                return .line(end: j, next: j + 2, clean: clean)
            }
            if c < sp || c == 127 { clean = false }
            j += 1
        }
    }

    struct StartLine {
        let method: String, target: String, path: String, versionMinor: Int
    }

    static func startLine(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Swift.Result<StartLine, HTTPParseError> {
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
        return .success(StartLine(method: method, target: target, path: path, versionMinor: minor))
    }

    /// One header line: appended to `fields`, and noted in `semantics` when its name has a meaning here.
    @inline(__always)
    static func field(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ clean: Bool, _ known: KnownNames,
                      _ fields: inout [HTTPHeader], _ semantics: inout Semantics) -> HTTPParseError? {
        // The line's CRLF follows `end`: the word scan may load it, and stops there (neither is a name byte).
        var i = nameBytes(b, from: start, limit: end + 2)
        while i < end, isTokenChar(b[i]) { i += 1 }  // a name byte of another kind, then the rest one by one
        guard i > start, i < end, b[i] == colon else {
            return .badRequest("malformed header field; expected 'Name: value' with no space before ':'")
        }
        let (name, kind) = lowercasedToken(b, start, i, known)
        i += 1
        var vs = i, ve = end
        while vs < ve, b[vs] == sp || b[vs] == htab { vs += 1 }
        while ve > vs, b[ve - 1] == sp || b[ve - 1] == htab { ve -= 1 }
        if !clean, firstControl(b, vs, ve) != nil { return .badRequest("control character in header '\(name)'") }
        let value = kind == .contentType ? sharedContentType(b, vs, ve) ?? string(b, vs, ve) : string(b, vs, ve)
        if kind != .other { semantics.note(kind, value, UnsafeBufferPointer(rebasing: b[vs..<ve])) }
        fields.append(HTTPHeader(name, value))
        return nil
    }

    /// `application/json`, the Content-Type of nearly every webhook, shared as the names are: it is
    /// one byte longer than a string Swift keeps inline, so it would cost an allocation per request.
    static func sharedContentType(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String? {
        guard end - start == 16, let base = b.baseAddress else { return nil }
        let p = UnsafeRawPointer(base + start)
        // "applicat", "ion/json" as little-endian words.
        guard p.loadUnaligned(as: UInt64.self).littleEndian == 0x7461_6369_6C70_7061,
              p.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian == 0x6E6F_736A_2F6E_6F69 else { return nil }
        return "application/json"
    }

    /// The end of the run of letters, digits and '-' at `from` (every common header name is one):
    /// eight bytes at a time, each byte's class found with in-range tests that carry into no other byte
    /// (bytes are masked to 7 bits first; a byte with the top bit set is in no class). Returns the index
    /// of the first other byte or, with none in whole words, the index where words stop (within eight
    /// bytes of `limit`): the caller looks at the rest one by one.
    @inline(__always)
    static func nameBytes(_ b: UnsafeBufferPointer<UInt8>, from: Int, limit: Int) -> Int {
        var j = from
        guard let base = b.baseAddress else { return j }
        let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
        while j + 8 <= limit {
            let w = UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self).littleEndian
            let low = w & ~tops, folded = low | ones &* 0x20
            // Per byte, `x + (0x80 - lo)` has its top bit set when x >= lo: ranges are two such tests.
            let letter = (folded &+ ones &* 0x1F) & ~(folded &+ ones &* 0x05)  // a-z, A-Z
            let digit = (low &+ ones &* 0x50) & ~(low &+ ones &* 0x46)         // 0-9
            let dash = ~((low ^ ones &* 0x2D) &+ ones &* 0x7F)                  // '-'
            let other = ~((letter | digit | dash) & ~w) & tops
            if other != 0 { return j + other.trailingZeroBitCount &>> 3 }
            j += 8
        }
        return j
    }

    /// What a header name means to the parser, found with the name's shared string: the semantics
    /// switch on it instead of comparing every name with each literal.
    enum FieldKind: UInt8 {
        case other, contentLength, transferEncoding, host, connection, expect
        /// No semantics: its common values are shared strings (`sharedContentType`).
        case contentType
    }

    /// Framing and connection semantics, noted line by line; `finish` refuses every ambiguous combination.
    struct Semantics {
        let versionMinor: Int
        var contentLength: Int?
        var transferEncoding: String?
        var hosts = 0
        var keepAlive: Bool
        var expectsContinue = false
        var framing = BodyFraming.none
        /// The first refusal among the lines, held until every line has parsed.
        var error: HTTPParseError?

        init(versionMinor: Int) {
            self.versionMinor = versionMinor
            keepAlive = versionMinor == 1
        }

        /// `bytes` are the value's, as `value` was made from them.
        mutating func note(_ kind: FieldKind, _ value: String, _ bytes: UnsafeBufferPointer<UInt8>) {
            guard error == nil else { return }
            switch kind {
            case .contentLength:
                guard contentLength == nil else { error = .badRequest("duplicate Content-Length"); return }
                // Read from the bytes: all digits is the same test on the value, and Int(String) is a slow path.
                guard !bytes.isEmpty, bytes.count <= 15, bytes.allSatisfy(isDigit) else {
                    error = .badRequest("invalid Content-Length '\(value.prefix(32))'")
                    return
                }
                contentLength = bytes.reduce(0) { $0 * 10 + Int($1 - 48) }
            case .transferEncoding:
                guard transferEncoding == nil else { error = .badRequest("more than one Transfer-Encoding header"); return }
                transferEncoding = value
            case .host:
                hosts += 1
            case .connection:
                if bytes.allSatisfy({ $0 < 0x80 }) {
                    // ASCII: a byte is a Character, so the tokens are split and trimmed on the bytes.
                    var ts = 0
                    while ts < bytes.count {
                        var te = ts
                        while te < bytes.count, bytes[te] != comma { te += 1 }
                        var s = ts, e = te
                        while s < e, bytes[s] == sp || bytes[s] == htab { s += 1 }
                        while e > s, bytes[e - 1] == sp || bytes[e - 1] == htab { e -= 1 }
                        let t = UnsafeBufferPointer(rebasing: bytes[s..<e])
                        connectionToken(equalsIgnoringCase(t, "close"), equalsIgnoringCase(t, "keep-alive"))
                        ts = te + 1
                    }
                } else {
                    // Beyond ASCII a comma or a space may start a grapheme with what follows: split as Characters.
                    for token in value.split(separator: ",") {
                        let t = token.trimmingSpaces
                        connectionToken(asciiCaseInsensitiveEquals(t, "close"), asciiCaseInsensitiveEquals(t, "keep-alive"))
                    }
                }
            case .expect:
                if asciiCaseInsensitiveEquals(value, "100-continue"), versionMinor == 1 { expectsContinue = true }
            case .contentType, .other:
                break
            }
        }

        private mutating func connectionToken(_ close: Bool, _ keepAliveToken: Bool) {
            if close { keepAlive = false }
            if keepAliveToken, versionMinor == 0 { keepAlive = true }
        }

        /// The first refusal, or nil with `framing` set.
        mutating func finish() -> HTTPParseError? {
            if let error { return error }
            if hosts > 1 || (hosts == 0 && versionMinor == 1) {
                return .badRequest("an HTTP/1.1 request needs exactly one Host header")
            }
            if let te = transferEncoding {
                guard contentLength == nil else { return .badRequest("both Content-Length and Transfer-Encoding") }
                guard versionMinor == 1 else { return .badRequest("Transfer-Encoding in an HTTP/1.0 request") }
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
                framing = .chunked
            } else if let cl = contentLength {
                framing = cl > 0 ? .contentLength(cl) : .none
            }
            return nil
        }
    }

    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

    /// `asciiCaseInsensitiveEquals(String, String)` on bytes (`b` lower-case ASCII).
    static func equalsIgnoringCase(_ a: UnsafeBufferPointer<UInt8>, _ b: StaticString) -> Bool {
        guard a.count == b.utf8CodeUnitCount else { return false }
        for k in 0..<a.count {
            let x = a[k], y = b.utf8Start[k]
            if x == y { continue }
            let l = x | 0x20
            if l != y | 0x20 || l < UInt8(ascii: "a") || l > UInt8(ascii: "z") { return false }
        }
        return true
    }

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
    /// otherwise cost an allocation per name and request. A name of `knownNames` is that table's string
    /// (and kind): a comparison instead of making (and validating) a new one, for the names most requests carry.
    @inline(__always)
    static func lowercasedToken(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int, _ known: KnownNames) -> (String, FieldKind) {
        let length = end - start
        if let entry = known.find(b, start, length) { return (entry.text, entry.kind) }
        let name = String(unsafeUninitializedCapacity: length) { out in
            for k in 0..<length {
                let c = b[start + k]
                out[k] = c >= 65 && c <= 90 ? c | 0x20 : c
            }
            return length
        }
        return (name, .other)
    }

    /// Header names webhook senders and the benchmarks send, with what the parser makes of each.
    static let knownNames = KnownNames([
        ("host", .host), ("content-type", .contentType), ("content-length", .contentLength), ("user-agent", .other),
        ("accept", .other), ("accept-encoding", .other), ("connection", .connection),
        ("transfer-encoding", .transferEncoding), ("expect", .expect), ("authorization", .other), ("date", .other),
        ("x-request-id", .other), ("x-forwarded-for", .other), ("x-real-ip", .other), ("x-webhook-signature", .other),
        ("x-signature", .other), ("x-api-key", .other), ("apikey", .other), ("webhook-id", .other),
        ("webhook-timestamp", .other), ("webhook-signature", .other), ("x-shopify-topic", .other),
        ("x-shopify-hmac-sha256", .other), ("x-shopify-shop-domain", .other), ("x-shopify-webhook-id", .other),
        ("x-shopify-api-version", .other), ("x-shopify-triggered-at", .other), ("x-shopify-event-id", .other),
    ])

    /// The known names by length, each with its bytes as up to three words (`key`): a name is found
    /// with three loads and a few compares per candidate of its length.
    struct KnownNames {
        struct Entry {
            let text: String
            let kind: FieldKind
            let key: Key
        }
        typealias Key = (UInt64, UInt64, UInt64)
        static let minLength = 4, maxLength = 24
        let entries: [Entry]
        /// `entries[first[l]..<first[l + 1]]` have length `l`.
        let first: [Int]

        init(_ names: [(String, FieldKind)]) {
            var entries: [Entry] = []
            var first: [Int] = []
            // `key` folds case exactly for names of these bytes and lengths.
            precondition(names.allSatisfy { (Self.minLength...Self.maxLength).contains($0.0.utf8.count)
                && $0.0.utf8.allSatisfy { (97...122).contains($0) || (48...57).contains($0) || $0 == 45 } })
            for length in 0...Self.maxLength + 1 {
                first.append(entries.count)
                for (name, kind) in names where name.utf8.count == length {
                    let key = Array(name.utf8).withUnsafeBufferPointer { Self.key($0, 0, length) }
                    entries.append(Entry(text: name, kind: kind, key: key))
                }
            }
            self.entries = entries
            self.first = first
        }

        @inline(__always)
        func find(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Entry? {
            guard length >= Self.minLength, length <= Self.maxLength else { return nil }
            let key = Self.key(b, start, length)
            for k in first[length]..<first[length + 1] {
                let e = entries[k]
                if e.key.0 == key.0, e.key.1 == key.1, e.key.2 == key.2 { return e }
            }
            return nil
        }

        /// The bytes `b[start..<start + length]` (4...24 of them) as overlapping words, each byte ORed
        /// with 0x20. That folds A-Z onto a-z and maps no other token character onto a letter, digit or
        /// '-' (only 0x0D and 0x10-0x19 would, which are not tchars): a token's key is a known name's
        /// exactly when the token is that name in some case. Loads stay inside the name.
        @inline(__always)
        static func key(_ b: UnsafeBufferPointer<UInt8>, _ start: Int, _ length: Int) -> Key {
            let p = UnsafeRawPointer(b.baseAddress! + start)
            let fold: UInt64 = 0x2020_2020_2020_2020
            if length < 8 {
                let a = UInt64(p.loadUnaligned(as: UInt32.self)), z = UInt64(p.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self))
                return ((a | z << 32) | fold, 0, 0)
            }
            return (p.loadUnaligned(as: UInt64.self) | fold,
                    p.loadUnaligned(fromByteOffset: min(8, length - 8), as: UInt64.self) | fold,
                    p.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self) | fold)
        }
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
