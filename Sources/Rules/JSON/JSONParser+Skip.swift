/// Checking a value nobody asked for, building nothing: `skipValue` answers as `parseValue` would —
/// the same errors at the same offsets (fuzz/json holds the two against each other) — in one loop
/// over a local cursor, with the containers open on a stack instead of a call per value, and most
/// duplicate-key scans avoided. A webhook body is a few hundred small values, and checking them was
/// the ingest loop's largest cost after the HMAC (the workload's 1.3 KB body: 33.4k instructions with
/// a call per value, 29.3k with this loop).
extension JSONParser {
    /// An open container of `skipValue`: an object's keys start at `keys` in `skippedKeys` (and, past
    /// `DuplicateKeys.scanLimit` of them, its key set is `skippedKeySets[set]`); an array has `keys` -1.
    /// `seen` has a bit per (length, first byte, last byte) of the object's plain keys: most keys differ
    /// in those, and a key whose bit is clear needs no comparison. A key with escapes or non-ASCII text
    /// (`irregular`) compares always, and so does every later key of its object.
    struct SkipFrame {
        let keys: Int
        var set = -1
        var seen: UInt64 = 0
        var irregular = false

        init(keys: Int) {
            self.keys = keys
        }
    }

    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard let b = bytes.baseAddress, index < bytes.count else { throw fail(index == 0 ? "empty body" : "unexpected end of input") }
        let n = bytes.count
        var i = index
        defer { index = i }
        Self.prepare(&skipFrames)
        Self.prepare(&skippedKeys)
        // The innermost open container is `frame`; those around it are on `skipFrames` from `bottom`.
        let bottom = skipFrames.count
        defer { skipFrames.removeSubrange(bottom...) }
        var open = 0
        var frame = SkipFrame(keys: -1)

        value: while true {
            // A value starts at `i`, whitespace before it skipped.
            guard i < n else { throw fail(i == 0 ? "empty body" : "unexpected end of input", at: i) }
            switch b[i] {
            case 0x7B, 0x5B:
                guard depth + open + 1 <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels", at: i) }
                let isObject = b[i] == 0x7B
                i = Self.afterWhitespace(b, i + 1, n)
                if i < n, b[i] == (isObject ? 0x7D : 0x5D) {
                    i += 1
                    break
                }
                if open > 0 { skipFrames.append(frame) }
                open += 1
                frame = SkipFrame(keys: isObject ? skippedKeys.count : -1)
                if isObject { i = try skipKey(b, i, n, in: &frame) }
                continue value
            case 0x22:
                i = try skipStringAt(b, i, n).end
            case 0x74: i = try skipLiteral("true", at: i)
            case 0x66: i = try skipLiteral("false", at: i)
            case 0x6E: i = try skipLiteral("null", at: i)
            case 0x2D, 0x30...0x39:
                let start = i
                while i < n, Self.isNumberByte(b[i]) { i += 1 }
                guard JSONNumber.isValid(UnsafeBufferPointer(start: b + start, count: i - start)) else { throw fail("invalid number", at: start) }
            default:
                throw fail("unexpected character '\(Self.printable(b[i]))'", at: i)
            }
            // A value ended: the next member or element, or the end of its containers.
            while open > 0 {
                i = Self.afterWhitespace(b, i, n)
                if frame.keys >= 0 {
                    guard i < n else { throw fail("unexpected end of input in object", at: i) }
                    if b[i] == 0x2C {
                        i = try skipKey(b, i + 1, n, in: &frame)
                        continue value
                    }
                    guard b[i] == 0x7D else { throw fail("expected ',' or '}' after object member", at: i) }
                    skippedKeys.removeSubrange(frame.keys...)
                    if frame.set >= 0 { skippedKeySets.removeLast() }
                } else {
                    guard i < n else { throw fail("unexpected end of input in array", at: i) }
                    if b[i] == 0x2C {
                        i = Self.afterWhitespace(b, i + 1, n)
                        continue value
                    }
                    guard b[i] == 0x5D else { throw fail("expected ',' or ']' after array element", at: i) }
                }
                i += 1
                open -= 1
                if open > 0 { frame = skipFrames.removeLast() }
            }
            return
        }
    }

    @inline(__always)
    static func afterWhitespace(_ b: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> Int {
        var i = from
        while i < n {
            let c = b[i]
            guard c <= 0x20, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 else { break }  // mostly one compare
            i += 1
        }
        return i
    }

    /// The key of the open object `frame`, from `from` (after its '{' or a ','): checked against the
    /// object's keys so far, then its ':'. Returns where the member's value starts.
    @inline(__always)
    private mutating func skipKey(_ b: UnsafePointer<UInt8>, _ from: Int, _ n: Int, in frame: inout SkipFrame) throws(JSONParseError) -> Int {
        var i = Self.afterWhitespace(b, from, n)
        guard i < n, b[i] == 0x22 else { throw fail("expected a string key", at: i) }
        let start = i
        let plain: Bool
        (i, plain) = try skipStringAt(b, i, n)
        let key = RawKey(start: start, end: i - 1, irregular: !plain)
        let base = frame.keys
        if frame.set < 0, skippedKeys.count - base >= DuplicateKeys.scanLimit {
            // Past a few keys, a set of their text (as a built object has): a scan would be quadratic.
            var set = Set<String>()
            for k in skippedKeys[base...] { set.insert(try text(of: k)) }
            skippedKeySets.append(set)
            frame.set = skippedKeySets.count - 1
        }
        if frame.set >= 0 {
            let text = try text(of: key)
            if skippedKeySets[frame.set].insert(text).inserted == false { throw fail("duplicate key \"\(text)\"", at: key.start) }
        } else {
            let length = key.end - key.start - 1
            let bit: UInt64 = length == 0 ? 1 : 1 &<< ((UInt64(length) &* 7 &+ UInt64(b[key.start + 1]) &* 3 &+ UInt64(b[key.end - 1])) & 63)
            frame.irregular = frame.irregular || key.irregular
            if frame.irregular || frame.seen & bit != 0, let duplicate = try skippedDuplicate(of: key, from: base) {
                throw fail("duplicate key \"\(duplicate)\"", at: key.start)
            }
            frame.seen |= bit
        }
        skippedKeys.append(key)
        i = Self.afterWhitespace(b, i, n)
        guard i < n, b[i] == 0x3A else { throw fail("expected ':' after object key", at: i) }
        return Self.afterWhitespace(b, i + 1, n)
    }

    /// The string whose opening quote is at `quote`, checked as `parseString` would: the index after its
    /// closing quote, and whether it is plain, ASCII without escapes (with escapes it was decoded, which
    /// is how they are checked).
    @inline(__always)
    private mutating func skipStringAt(_ b: UnsafePointer<UInt8>, _ quote: Int, _ n: Int) throws(JSONParseError) -> (end: Int, plain: Bool) {
        var (i, bits) = Self.plainWords(b, from: quote + 1, n)
        while i < n {
            let c = b[i]
            if c == 0x22 {
                if bits >= 0x80, !UTF8Validation.isValid(UnsafeBufferPointer(start: b + quote + 1, count: i - quote - 1)) {
                    throw fail("invalid UTF-8 in string", at: quote + 1)
                }
                return (i + 1, bits < 0x80)
            }
            if c == 0x5C { break }
            if c < 0x20 { throw fail("control character in string", at: i) }
            bits |= c
            i += 1
        }
        // Escapes (or the end of input): decoded, which is how they are checked.
        index = quote
        _ = try parseString()
        return (index, false)
    }

    private mutating func skipLiteral(_ word: StaticString, at i: Int) throws(JSONParseError) -> Int {
        index = i
        try literal(word)
        return index
    }
}
