/// Durations, sizes and rates as written in route files (`250ms 10s 5m 1h 1d`, `512KiB 1MiB`, `60/min 10/s`).
public enum Units {
    /// Milliseconds in a duration like `250ms`, `10s`, `5m`, `1h`, `1d`; nil when malformed.
    public static func durationMilliseconds(_ text: String) -> Int64? {
        let (number, unit) = split(text)
        guard let n = number, n >= 0 else { return nil }
        let factor: Int64
        switch unit {
        case "ms": factor = 1
        case "s": factor = 1_000
        case "m", "min": factor = 60_000
        case "h": factor = 3_600_000
        case "d": factor = 86_400_000
        default: return nil
        }
        let (product, overflow) = n.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }

    /// Bytes in a size like `512KiB`, `1MiB`, `64KB`, `1024`; nil when malformed.
    /// The largest whole unit a duration is written in: 3600000 → "1h", 90000 → "90s".
    public static func describe(milliseconds ms: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] where ms >= size && ms % size == 0 {
            return "\(ms / size)\(unit)"
        }
        return "\(ms)ms"
    }

    public static func sizeBytes(_ text: String) -> Int64? {
        let (number, unit) = split(text)
        guard let n = number, n >= 0 else { return nil }
        let factor: Int64
        switch unit {
        case "", "B": factor = 1
        case "KiB": factor = 1 << 10
        case "MiB": factor = 1 << 20
        case "GiB": factor = 1 << 30
        case "KB", "kB": factor = 1_000
        case "MB": factor = 1_000_000
        case "GB": factor = 1_000_000_000
        default: return nil
        }
        let (product, overflow) = n.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }

    /// A rate like `60/min` or `10/s`.
    public static func rate(_ text: String) -> Rate? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let count = Int64(parts[0].trimmingSpaces), count > 0 else { return nil }
        let per: Int64
        switch parts[1].trimmingSpaces {
        case "s", "sec", "second": per = 1_000
        case "m", "min", "minute": per = 60_000
        case "h", "hour": per = 3_600_000
        case "d", "day": per = 86_400_000
        default: return nil
        }
        return Rate(count: count, perMilliseconds: per)
    }

    private static func split(_ text: String) -> (Int64?, Substring) {
        let t = text.trimmingSpaces
        let digits = t.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return (nil, "") }
        return (Int64(digits), t.dropFirst(digits.count))
    }
}

/// `count` events per `perMilliseconds`.
public struct Rate: Sendable, Hashable, CustomStringConvertible {
    public let count: Int64
    public let perMilliseconds: Int64

    public init(count: Int64, perMilliseconds: Int64) {
        self.count = count
        self.perMilliseconds = perMilliseconds
    }

    public var perSecond: Double { Double(count) * 1000 / Double(perMilliseconds) }

    public var description: String {
        let unit = [1_000: "s", 60_000: "min", 3_600_000: "h", 86_400_000: "d"][perMilliseconds] ?? "\(perMilliseconds)ms"
        return "\(count)/\(unit)"
    }
}

extension StringProtocol {
    var trimmingSpaces: Substring {
        let s = self[...]
        guard let first = s.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        let last = s.lastIndex(where: { $0 != " " && $0 != "\t" })!
        return Substring(s[first...last])
    }
}
