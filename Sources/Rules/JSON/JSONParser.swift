/// Why a body is not JSON, with the byte offset of the problem.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let offset: Int
    public let message: String
    public var description: String { "invalid JSON at byte \(offset): \(message)" }
}

extension JSONValue {
    /// Strict RFC 8259: one value, no comments or trailing commas, valid UTF-8, no duplicate keys,
    /// nesting bounded by `maxDepth` (iterative limits, no stack blow-up on hostile input).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in Result { () throws(JSONParseError) -> JSONValue in try parse(raw, maxDepth: maxDepth) } }
        return try result.get()
    }

    public static func parse(_ text: String, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 64) throws(JSONParseError) -> JSONValue {
        var parser = JSONParser(bytes: bytes.bindMemory(to: UInt8.self), maxDepth: maxDepth)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == parser.bytes.count else { throw parser.fail("unexpected data after the JSON value") }
        return value
    }
}

struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var index = 0
    /// Members of the containers still open, innermost on top. A container's members move into
    /// exactly-sized arrays when it closes: one allocation per array instead of one per doubling,
    /// which was most of the parse's cost on webhook-sized bodies.
    var openKeys: [String] = []
    var openValues: [JSONValue] = []
    /// The decoded bytes of a string with escapes, reused from string to string.
    var unescaped: [UInt8] = []
    /// `skipValue`'s containers open around the innermost, the raw keys of its objects still open, and
    /// the key sets of those with many keys. The stacks are the parser's, so their memory serves every
    /// skipped value of a parse; whoever skips frees them (`deallocateSkipStacks`).
    var skipFrames = SkipStack<SkipFrame>()
    var skipKeys = SkipStack<RawKey>()
    var skippedKeySets: [Set<String>] = []

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// Room for the members of a typical webhook's open containers, taken when a stack is first used:
    /// one allocation per stack and parse, instead of one per doubling from empty.
    static let stackCapacity = 32

    @inline(__always) static func prepare<T>(_ stack: inout [T]) {
        if stack.capacity == 0 { stack.reserveCapacity(stackCapacity) }
    }

    mutating func deallocateSkipStacks() {
        skipFrames.deallocate()
        skipKeys.deallocate()
    }

    func fail(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(offset: offset ?? index, message: message)
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < bytes.count else { throw fail(index == 0 ? "empty body" : "unexpected end of input") }
        switch bytes[index] {
        case 0x7B: return try parseObject(depth: depth + 1)
        case 0x5B: return try parseArray(depth: depth + 1)
        case 0x22: return .string(try parseString())
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        case 0x2D, 0x30...0x39: return .number(try parseNumber())
        default: throw fail("unexpected character '\(Self.printable(bytes[index]))'")
        }
    }

    mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let n = word.utf8CodeUnitCount
        guard index + n <= bytes.count else { throw fail("unexpected end of input") }
        for i in 0..<n where bytes[index + i] != word.utf8Start[i] {
            throw fail("invalid literal; expected \(word)")
        }
        index += n
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == 0x7D {
            index += 1
            return .object(JSONObject(uniqueKeys: [], values: []))
        }
        Self.prepare(&openKeys)
        Self.prepare(&openValues)
        let base = openKeys.count, valueBase = openValues.count
        var duplicates = DuplicateKeys()
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == 0x22 else { throw fail("expected a string key") }
            let keyOffset = index
            let key = try parseString()
            if duplicates.insert(key, among: openKeys[base...]) { throw fail("duplicate key \"\(key)\"", at: keyOffset) }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == 0x3A else { throw fail("expected ':' after object key") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            openKeys.append(key)
            openValues.append(value)
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in object") }
            if bytes[index] == 0x2C { index += 1; continue }
            if bytes[index] == 0x7D { index += 1; break }
            throw fail("expected ',' or '}' after object member")
        }
        let object = JSONObject(uniqueKeys: Array(openKeys[base...]), values: Array(openValues[valueBase...]))
        openKeys.removeSubrange(base...)
        openValues.removeSubrange(valueBase...)
        return .object(object)
    }


    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels") }
        index += 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == 0x5D {
            index += 1
            return .array([])
        }
        Self.prepare(&openValues)
        let base = openValues.count
        while true {
            skipWhitespace()
            let item = try parseValue(depth: depth)
            openValues.append(item)
            skipWhitespace()
            guard index < bytes.count else { throw fail("unexpected end of input in array") }
            if bytes[index] == 0x2C { index += 1; continue }
            if bytes[index] == 0x5D { index += 1; break }
            throw fail("expected ',' or ']' after array element")
        }
        let items = Array(openValues[base...])
        openValues.removeSubrange(base...)
        return .array(items)
    }

    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = index
        while index < bytes.count, Self.isNumberByte(bytes[index]) { index += 1 }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<index])
        guard JSONNumber.isValid(text) else { throw fail("invalid number", at: start) }
        return JSONNumber(validated: String(decoding: text, as: UTF8.self))
    }

    static func isNumberByte(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x2B || c == 0x2E || c == 0x65 || c == 0x45
    }

    /// Moves `index` past the bytes a string holds as they are (none is '"', '\\' or a control
    /// character), eight at a time while whole words remain, onto the first byte that is one of those;
    /// returns the OR of the skipped bytes' top bits (0x80: not all ASCII). The byte loops after it see
    /// the same bytes they would have: this only skips ahead over bytes they would not stop at.
    @inline(__always) mutating func skipPlainWords() -> UInt8 {
        guard let base = bytes.baseAddress else { return 0 }
        let run = Self.plainWords(base, from: index, bytes.count)
        index = run.end
        return run.bits
    }

    /// `skipPlainWords` on a cursor of the caller's (kept in a register, not in the parser).
    @inline(__always)
    static func plainWords(_ base: UnsafePointer<UInt8>, from: Int, _ n: Int) -> (end: Int, bits: UInt8) {
        let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
        var seen: UInt64 = 0
        var i = from
        while i + 8 <= n {
            let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self).littleEndian  // first byte lowest
            // A byte equal to '"' or '\\' is a zero byte of the XOR; a byte < 0x20 is found by the
            // same borrow trick. A borrow only runs upwards from a flagged byte, so the lowest flag
            // (the first of them in memory) is exact, which is where the string stops.
            let quote = w ^ (ones &* 0x22), backslash = w ^ (ones &* 0x5C)
            let stop = (((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash) | ((w &- ones &* 0x20) & ~w)) & tops
            if stop != 0 {
                let plain = stop.trailingZeroBitCount &>> 3
                seen |= w & ((1 &<< UInt64(plain &* 8)) &- 1)
                i += plain
                break
            }
            seen |= w
            i += 8
        }
        return (i, seen & tops == 0 ? 0 : 0x80)
    }

    /// A string; the fast path copies a run without escapes in one go after validating its UTF-8.
    mutating func parseString() throws(JSONParseError) -> String {
        index += 1
        let start = index
        var bits: UInt8 = skipPlainWords()  // any byte with the high bit set: not ASCII, validate before decoding
        while index < bytes.count {
            let c = bytes[index]
            if c == 0x22 {
                let run = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if bits < 0x80 { return String(decoding: run, as: UTF8.self) }
                guard let s = UTF8Validation.string(run) else { throw fail("invalid UTF-8 in string", at: start) }
                return s
            }
            if c == 0x5C { break }
            if c < 0x20 { throw fail("control character in string") }
            bits |= c
            index += 1
        }
        // Slow path: escapes present.
        var out = unescaped
        unescaped = []
        defer { out.removeAll(keepingCapacity: true); unescaped = out }
        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let c = bytes[index]
            if c == 0x22 {
                index += 1
                let decoded = out.withUnsafeBufferPointer { UTF8Validation.string($0) }
                guard let s = decoded else { throw fail("invalid UTF-8 in string", at: start) }
                return s
            }
            if c < 0x20 { throw fail("control character in string") }
            if c != 0x5C {
                out.append(c)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let e = bytes[index]
            index += 1
            switch e {
            case 0x22: out.append(0x22)
            case 0x5C: out.append(0x5C)
            case 0x2F: out.append(0x2F)
            case 0x62: out.append(0x08)
            case 0x66: out.append(0x0C)
            case 0x6E: out.append(0x0A)
            case 0x72: out.append(0x0D)
            case 0x74: out.append(0x09)
            case 0x75:
                var scalar = try hex4()
                if scalar >= 0xD800, scalar <= 0xDBFF {
                    guard index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75 else { throw fail("lone surrogate in \\u escape") }
                    index += 2
                    let low = try hex4()
                    guard low >= 0xDC00, low <= 0xDFFF else { throw fail("invalid surrogate pair in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if scalar >= 0xDC00, scalar <= 0xDFFF {
                    throw fail("lone surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw fail("invalid \\u escape") }
                out.append(contentsOf: UTF8.encode(u)!)
            default:
                throw fail("invalid escape '\\\(Self.printable(e))'", at: index - 2)
            }
        }
        throw fail("unterminated string", at: start - 1)
    }

    /// Four hex digits of a `\u` escape at `index` (the skipper's `hex4`, on the parser's cursor).
    mutating func hex4() throws(JSONParseError) -> UInt32 {
        guard let base = bytes.baseAddress else { throw fail("truncated \\u escape") }
        return try Self.hex4(base, &index, bytes.count)
    }

    static func printable(_ c: UInt8) -> String {
        c >= 0x20 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + String(c, radix: 16)
    }
}
