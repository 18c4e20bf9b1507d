import HTTPServer
import Rules

/// The query string of an admin request (`?status=dead&limit=10`), percent-decoded, with typed
/// readers whose errors say which parameter to fix.
struct AdminQuery {
    /// A parameter with a value the endpoint cannot take; answered 400 with this text.
    struct Invalid: Error {
        let detail: String
    }

    private(set) var values: [String: String] = [:]

    init(_ head: HTTPRequestHead) {
        self.init(target: head.target)
    }

    init(target: String) {
        for (key, value) in Self.pairs(target) { values[key] = value }
    }

    /// A request target's query parameters in order, decoded; a repeated key comes as often as it is given.
    static func pairs(_ target: String) -> [(String, String)] {
        guard let mark = target.firstIndex(of: "?") else { return [] }
        var out: [(String, String)] = []
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = decode(kv[0])
            if !key.isEmpty { out.append((key, kv.count > 1 ? decode(kv[1]) : "")) }
        }
        return out
    }

    /// A non-empty value, or nil when absent or empty (`?status=` means no filter).
    func text(_ name: String) -> String? {
        guard let v = values[name], !v.isEmpty else { return nil }
        return v
    }

    /// `limit`: 1 to `max`, `fallback` when absent.
    func limit(fallback: Int = 50, max: Int = 500) throws(Invalid) -> Int {
        guard let t = text("limit") else { return fallback }
        guard let n = Int(t), n >= 1, n <= max else { throw Invalid(detail: "limit takes a number from 1 to \(max), not '\(t)'") }
        return n
    }

    /// `since`: milliseconds since the epoch, or an RFC 3339 time.
    func since() throws(Invalid) -> Int64? {
        guard let t = text("since") else { return nil }
        if let ms = Int64(t) { return ms }
        if let ts = Timestamp(rfc3339: t) { return ts.milliseconds }
        throw Invalid(detail: "since takes an RFC 3339 time (2026-11-30T15:00:00Z) or epoch milliseconds, not '\(t)'")
    }

    func flag(_ name: String) -> Bool {
        guard let v = values[name] else { return false }
        return v.isEmpty || v == "true" || v == "1"
    }

    /// `%XX` and `+` decoded; an invalid escape is kept as written.
    static func decode(_ s: Substring) -> String {
        var out: [UInt8] = []
        var bytes = Array(s.utf8)[...]
        while let b = bytes.first {
            bytes = bytes.dropFirst()
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%"), bytes.count >= 2, let hi = hex(bytes[bytes.startIndex]), let lo = hex(bytes[bytes.startIndex + 1]) {
                out.append(hi << 4 | lo)
                bytes = bytes.dropFirst(2)
            } else {
                out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
