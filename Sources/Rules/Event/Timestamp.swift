/// A point in time in nanoseconds since the Unix epoch, UTC. Clocks are passed in, never read here.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }
    public init(seconds: Int64) { self.nanoseconds = seconds &* 1_000_000_000 }
    public init(milliseconds: Int64) { self.nanoseconds = milliseconds &* 1_000_000 }

    /// Whole seconds, rounded down (floor) so times before 1970 keep a non-negative fraction.
    /// Written without `nanoseconds - 999_999_999`, which overflowed for the earliest representable times.
    public var seconds: Int64 {
        let (q, r) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        return r < 0 ? q - 1 : q
    }
    public var milliseconds: Int64 { nanoseconds / 1_000_000 }

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.nanoseconds < b.nanoseconds }

    public func adding(milliseconds ms: Int64) -> Timestamp { Timestamp(nanoseconds: nanoseconds &+ ms &* 1_000_000) }

    public var description: String { rfc3339 }

    /// `2026-11-22T10:30:00Z`, with as many fractional digits as needed (up to 9).
    public var rfc3339: String {
        let secs = seconds
        var frac = nanoseconds % 1_000_000_000
        if frac < 0 { frac += 1_000_000_000 }
        let days = secs >= 0 ? secs / 86_400 : (secs - 86_399) / 86_400
        let rem = secs - days * 86_400
        let (y, m, d) = Self.civil(fromDays: days)
        var out = "\(Self.pad(y, 4))-\(Self.pad(m, 2))-\(Self.pad(d, 2))T\(Self.pad(rem / 3600, 2)):\(Self.pad(rem / 60 % 60, 2)):\(Self.pad(rem % 60, 2))"
        if frac > 0 {
            var digits = 9
            while frac % 10 == 0 { frac /= 10; digits -= 1 }
            out += "." + Self.pad(frac, digits)
        }
        return out + "Z"
    }

    /// Parses RFC 3339 (`T` or space separator, `Z` or `±hh:mm`, up to 9 fraction digits), and the
    /// naive `2025-07-11 15:42:07` Odoo sends (taken as UTC).
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func num(_ at: Int, _ n: Int) -> Int64? {
            guard at + n <= b.count else { return nil }
            var v: Int64 = 0
            for i in at..<(at + n) {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int64(b[i] - 0x30)
            }
            return v
        }
        guard b.count >= 19, let y = num(0, 4), b[4] == 0x2D, let mo = num(5, 2), b[7] == 0x2D, let d = num(8, 2),
              b[10] == 0x54 || b[10] == 0x20 || b[10] == 0x74, let h = num(11, 2), b[13] == 0x3A, let mi = num(14, 2),
              b[16] == 0x3A, let s = num(17, 2),
              (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, s < 61 else { return nil }
        var i = 19
        var nanos: Int64 = 0
        if i < b.count, b[i] == 0x2E {
            i += 1
            var digits = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if digits < 9 { nanos = nanos * 10 + Int64(b[i] - 0x30); digits += 1 }
                i += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanos *= 10 }
        }
        var offset: Int64 = 0
        if i == b.count {
            offset = 0  // naive: UTC
        } else if b[i] == 0x5A || b[i] == 0x7A {
            i += 1
        } else if b[i] == 0x2B || b[i] == 0x2D {
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == 0x3A, let om = num(i + 4, 2) else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == 0x2D ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let days = Self.days(fromCivil: y, mo, d)
        let secs = days * 86_400 + h * 3600 + mi * 60 + s - offset
        // Nanoseconds in an Int64 span 1677-09-21…2262-04-11: a date outside is not a time we can hold.
        let (whole, overflow) = secs.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = whole.addingReportingOverflow(nanos)
        guard !overflow, !overflow2 else { return nil }
        self.nanoseconds = total
    }

    private static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    // Howard Hinnant's civil-date algorithms.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
