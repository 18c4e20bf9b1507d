/// A JSON number kept as the text it was written as, compared exactly as a decimal.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// Validates the RFC 8259 number grammar.
    public init?(_ text: String) {
        guard Self.isValid(Array(text.utf8)[...]) else { return nil }
        self.text = text
    }

    init(validated text: String) { self.text = text }

    public init(_ value: Int) { self.text = String(value) }

    public var description: String { text }
    public var doubleValue: Double { Double(text) ?? .nan }

    public var intValue: Int? {
        guard !text.contains("."), !text.contains("e"), !text.contains("E") else { return nil }
        return Int(text)
    }

    static func isValid(_ b: ArraySlice<UInt8>) -> Bool {
        var i = b.startIndex
        let end = b.endIndex
        if i < end, b[i] == 0x2D { i += 1 }
        guard i < end else { return false }
        if b[i] == 0x30 {
            i += 1
        } else if b[i] >= 0x31, b[i] <= 0x39 {
            while i < end, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        } else {
            return false
        }
        if i < end, b[i] == 0x2E {
            i += 1
            let start = i
            while i < end, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > start else { return false }
        }
        if i < end, b[i] == 0x65 || b[i] == 0x45 {
            i += 1
            if i < end, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            let start = i
            while i < end, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > start else { return false }
        }
        return i == end
    }

    /// Sign, significant digits without leading/trailing zeros, and the decimal exponent of the first digit.
    private var decimal: (negative: Bool, digits: [UInt8], exponent: Int) {
        let b = Array(text.utf8)
        var i = 0
        var negative = false
        if b.first == 0x2D { negative = true; i = 1 }
        var digits: [UInt8] = []
        var pointPosition: Int?
        var count = 0
        while i < b.count, b[i] != 0x65, b[i] != 0x45 {
            if b[i] == 0x2E { pointPosition = count } else { digits.append(b[i] - 0x30); count += 1 }
            i += 1
        }
        var exp = 0
        if i < b.count {
            i += 1
            var sign = 1
            if b[i] == 0x2D { sign = -1; i += 1 } else if b[i] == 0x2B { i += 1 }
            while i < b.count {
                exp = min(exp * 10 + Int(b[i] - 0x30), 1_000_000_000)
                i += 1
            }
            exp *= sign
        }
        let intDigits = pointPosition ?? count
        var lead = 0
        while lead < digits.count, digits[lead] == 0 { lead += 1 }
        if lead == digits.count { return (false, [], 0) }  // zero, whatever its sign
        var trail = digits.count
        while digits[trail - 1] == 0 { trail -= 1 }
        return (negative, Array(digits[lead..<trail]), intDigits - lead + exp)
    }

    /// -1, 0 or 1, exactly, for numbers of any length and exponent.
    public func compare(_ other: JSONNumber) -> Int {
        if text == other.text { return 0 }
        let a = decimal, b = other.decimal
        if a.digits.isEmpty && b.digits.isEmpty { return 0 }
        if a.digits.isEmpty { return b.negative ? 1 : -1 }
        if b.digits.isEmpty { return a.negative ? -1 : 1 }
        if a.negative != b.negative { return a.negative ? -1 : 1 }
        var magnitude: Int
        if a.exponent != b.exponent {
            magnitude = a.exponent < b.exponent ? -1 : 1
        } else {
            magnitude = 0
            for i in 0..<max(a.digits.count, b.digits.count) {
                let x = i < a.digits.count ? a.digits[i] : 0
                let y = i < b.digits.count ? b.digits[i] : 0
                if x != y { magnitude = x < y ? -1 : 1; break }
            }
        }
        return a.negative ? -magnitude : magnitude
    }

    public func numericallyEquals(_ other: JSONNumber) -> Bool { compare(other) == 0 }
}
