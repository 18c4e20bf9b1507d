/// A JSON number kept as the text it was written as, compared exactly as a decimal.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    public let text: String

    /// Validates the RFC 8259 number grammar.
    public init?(_ text: String) {
        guard text.withUTF8Bytes({ Self.isValid($0) }) else { return nil }
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
        b.withUnsafeBufferPointer { isValid($0) }
    }

    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return false }
        return validPrefixEnd(base, from: 0, to: b.count) == b.count
    }

    /// Where the longest number of the RFC 8259 grammar starting at `from` ends (before `end`), or nil
    /// when none does: the grammar read greedily, so a text is valid exactly when this is its end.
    @inline(__always)
    static func validPrefixEnd(_ b: UnsafePointer<UInt8>, from: Int, to end: Int) -> Int? {
        var i = from
        if i < end, b[i] == 0x2D { i += 1 }
        guard i < end else { return nil }
        if b[i] == 0x30 {
            i += 1
        } else if b[i] >= 0x31, b[i] <= 0x39 {
            while i < end, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        } else {
            return nil
        }
        if i < end, b[i] == 0x2E {
            i += 1
            let start = i
            while i < end, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > start else { return nil }
        }
        if i < end, b[i] == 0x65 || b[i] == 0x45 {
            i += 1
            if i < end, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            let start = i
            while i < end, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
            guard i > start else { return nil }
        }
        return i
    }

    /// -1, 0 or 1, exactly, for numbers of any length and exponent; allocates nothing.
    public func compare(_ other: JSONNumber) -> Int {
        if text == other.text { return 0 }
        return text.withUTF8Bytes { a in
            other.text.withUTF8Bytes { b in
                DecimalScan.compare(DecimalScan(validated: a), in: a, DecimalScan(validated: b), in: b)
            }
        }
    }

    public func numericallyEquals(_ other: JSONNumber) -> Bool { compare(other) == 0 }
}
