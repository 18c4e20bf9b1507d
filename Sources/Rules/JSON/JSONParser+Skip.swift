#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Checking a value nobody asked for, building nothing: `skipValue` answers as `parseValue` would —
/// the same errors at the same offsets (fuzz/json holds the two against each other) — in one loop
/// over a local cursor, with the containers open on a stack instead of a call per value, and most
/// duplicate-key scans avoided. A webhook body is a few hundred small values, and checking them was
/// the ingest loop's largest cost after the HMAC (the workload's 1.3 KB body: 33.4k instructions with
/// a call per value, 29.3k with this loop; the json bench's fiscal body: 27.8k, then 18.9k with stacks
/// of its own, keys recorded in the loop and each string checked in one pass).
extension JSONParser {
    /// An open object or array of `skipValue`, two words (it is copied at every nesting). An object's
    /// keys so far are `skipKeys[keys...]`; at `DuplicateKeys.scanLimit` of them their texts go into a
    /// set, the last of `skippedKeySets`, and one more key is kept to mark it (more than the limit kept:
    /// the object has a set). An array has `keys` -1.
    /// `seen` has a bit per (length, first byte, last byte) of the object's plain keys: most keys differ
    /// in those, and a key whose bit is clear needs no comparison. A key with escapes or non-ASCII text
    /// compares always, and sets every bit: every later key of its object compares too.
    struct SkipFrame {
        var keys: Int
        var seen: UInt64 = 0

        init(keys: Int) {
            self.keys = keys
        }
    }

    mutating func skipValue(depth: Int) throws(JSONParseError) {
        guard let b = bytes.baseAddress, index < bytes.count else { throw fail(index == 0 ? "empty body" : "unexpected end of input") }
        let n = bytes.count
        var i = index
        // The stacks in locals, so their cursors live in registers; a call returns them as it found them
        // (the keys below are a demanded object's, `parseObject(depth:demand:)`).
        var frames = skipFrames, keys = skipKeys
        defer { index = i; skipFrames = frames; skipKeys = keys }
        // The innermost open container is `frame`; those around it are on `frames`.
        var open = 0
        var frame = SkipFrame(keys: -1)
        var atKey = false  // at an object's key (after its '{' or a ','), not at a value

        value: while true {
            if atKey {
                atKey = false
                i = Self.afterWhitespace(b, i, n)
                guard i < n, b[i] == 0x22 else { throw fail("expected a string key", at: i) }
                let quote = i
                let plain: Bool
                (i, plain) = try skipString(b, i, n)
                try record(RawKey(start: quote, end: i - 1, irregular: !plain), in: &frame, keys: &keys)
                i = Self.afterWhitespace(b, i, n)
                guard i < n, b[i] == 0x3A else { throw fail("expected ':' after object key", at: i) }
                i = Self.afterWhitespace(b, i + 1, n)
            }
            // A value starts at `i`, whitespace before it skipped.
            guard i < n else { throw fail(i == 0 ? "empty body" : "unexpected end of input", at: i) }
            switch b[i] {
            case 0x22:
                i = try skipString(b, i, n).end
            case 0x7B, 0x5B:
                guard depth + open + 1 <= maxDepth else { throw fail("nesting deeper than \(maxDepth) levels", at: i) }
                let isObject = b[i] == 0x7B
                i = Self.afterWhitespace(b, i + 1, n)
                if i < n, b[i] == (isObject ? 0x7D : 0x5D) {
                    i += 1
                    break
                }
                if open > 0 { frames.push(frame) }
                open += 1
                frame = SkipFrame(keys: isObject ? keys.count : -1)
                atKey = isObject
                continue value
            case 0x2D, 0x30...0x39:
                // The longest valid number here must be the whole run of number bytes `parseNumber` takes.
                guard let end = JSONNumber.validPrefixEnd(b, from: i, to: n), end == n || !Self.isNumberByte(b[end]) else {
                    throw fail("invalid number", at: i)
                }
                i = end
            case 0x74: i = try skipLiteral("true", b, i, n)
            case 0x66: i = try skipLiteral("false", b, i, n)
            case 0x6E: i = try skipLiteral("null", b, i, n)
            default:
                throw fail("unexpected character '\(Self.printable(b[i]))'", at: i)
            }
            // A value ended: the next member or element, or the end of its containers.
            while open > 0 {
                i = Self.afterWhitespace(b, i, n)
                if frame.keys >= 0 {
                    guard i < n else { throw fail("unexpected end of input in object", at: i) }
                    if b[i] == 0x2C {
                        i += 1
                        atKey = true
                        continue value
                    }
                    guard b[i] == 0x7D else { throw fail("expected ',' or '}' after object member", at: i) }
                    if keys.count - frame.keys > DuplicateKeys.scanLimit { skippedKeySets.removeLast() }
                    keys.count = frame.keys
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
                if open > 0 { frame = frames.pop() }
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

    /// A key of the open object `frame`: checked against the object's keys so far, as `DuplicateKeys`
    /// checks a built object's, then kept for the keys after it.
    @inline(__always)
    mutating func record(_ key: RawKey, in frame: inout SkipFrame, keys: inout SkipStack<RawKey>) throws(JSONParseError) {
        guard keys.count - frame.keys < DuplicateKeys.scanLimit else { return try recordInSet(key, in: frame, keys: &keys) }
        let b = bytes.baseAddress.unsafelyUnwrapped
        // An empty key's "first" and "last" bytes are its quotes: still a fixed bit for it.
        let bit: UInt64 = 1 &<< ((UInt64(key.end &- key.start) &* 7 &+ UInt64(b[key.start + 1]) &* 3 &+ UInt64(b[key.end - 1])) & 63)
        if key.irregular || frame.seen & bit != 0, let duplicate = try skippedDuplicate(of: key, among: keys, from: frame.keys) {
            throw fail("duplicate key \"\(duplicate)\"", at: key.start)
        }
        frame.seen = key.irregular ? ~0 : frame.seen | bit
        keys.push(key)
    }

    /// Past `DuplicateKeys.scanLimit` keys, a set of their texts (as a built object has): a scan would be
    /// quadratic. Built at the key after the limit, which is kept to mark the object as having one.
    @inline(never)
    private mutating func recordInSet(_ key: RawKey, in frame: SkipFrame, keys: inout SkipStack<RawKey>) throws(JSONParseError) {
        if keys.count - frame.keys == DuplicateKeys.scanLimit {
            var set = Set<String>()
            for k in frame.keys..<keys.count { set.insert(try text(of: keys[k])) }
            skippedKeySets.append(set)
            keys.push(key)
        }
        let text = try text(of: key)
        if skippedKeySets[skippedKeySets.count - 1].insert(text).inserted == false { throw fail("duplicate key \"\(text)\"", at: key.start) }
    }

    /// The text of a key among `keys[base...]` equal to `key`, if any: equal as `DuplicateKeys` finds keys
    /// equal below its scan limit, of the same UTF-8 length and `==`.
    @inline(never)
    private mutating func skippedDuplicate(of key: RawKey, among keys: SkipStack<RawKey>, from base: Int) throws(JSONParseError) -> String? {
        let b = bytes.baseAddress.unsafelyUnwrapped
        for k in base..<keys.count {
            let other = keys[k]
            if !key.irregular, !other.irregular {
                guard other.end - other.start == key.end - key.start else { continue }
                if memcmp(b + other.start + 1, b + key.start + 1, key.end - key.start - 1) == 0 { return try text(of: key) }
            } else {
                let a = try text(of: other), t = try text(of: key)
                if a.utf8.count == t.utf8.count, a == t { return t }
            }
        }
        return nil
    }

    /// A raw key decoded (already checked once, so this cannot fail in practice).
    mutating func text(of key: RawKey) throws(JSONParseError) -> String {
        let saved = index
        defer { index = saved }
        index = key.start
        return try parseString()
    }

    /// The string whose opening quote is at `quote`, checked as `parseString` would: the index after its
    /// closing quote, and whether it is plain, ASCII without escapes (its bytes are its text). One pass:
    /// ASCII that cannot end the string is skipped a word at a time, and each other character is checked
    /// where it stands. Invalid UTF-8 is reported at the closing quote, as decoding reports it, so an
    /// error met before that (a control character, a bad escape, no closing quote) wins, as it does there.
    @inline(__always)
    func skipString(_ b: UnsafePointer<UInt8>, _ quote: Int, _ n: Int) throws(JSONParseError) -> (end: Int, plain: Bool) {
        let i = Self.afterPlainASCII(b, from: quote + 1, n)
        if i < n, b[i] == 0x22 { return (i + 1, true) }  // most strings: plain ASCII, in place of a call
        return try skipString(b, quote, from: i, n)
    }

    /// The rest of `skipString`, from the first byte of the string that is not plain ASCII.
    @inline(never)
    private func skipString(_ b: UnsafePointer<UInt8>, _ quote: Int, from: Int, _ n: Int) throws(JSONParseError) -> (end: Int, plain: Bool) {
        var i = from
        var plain = true, valid = true
        while i < n {
            let c = b[i]
            if c == 0x22 {
                guard valid else { throw fail("invalid UTF-8 in string", at: quote + 1) }
                return (i + 1, plain)
            }
            if c >= 0x80 {
                // A sequence ends neither at the quote nor at an escape (not continuation bytes), so checking
                // it against the input's end is checking it against the string's, or the decoded text's.
                plain = false
                let length = UTF8Validation.sequenceLength(b, i, n)
                if length == 0 { valid = false }
                i += Swift.max(length, 1)
            } else if c == 0x5C {
                plain = false
                i = try skipEscape(b, i, n)
            } else if c < 0x20 {
                throw fail("control character in string", at: i)
            } else {
                i += 1  // in the input's last word
            }
            i = Self.afterPlainASCII(b, from: i, n)
        }
        throw fail("unterminated string", at: quote)
    }

    /// From `from`, the first byte that is '"', '\\', a control character or not ASCII, a word at a time
    /// while whole words remain (then it may stop short, on a plain byte).
    @inline(__always)
    static func afterPlainASCII(_ b: UnsafePointer<UInt8>, from: Int, _ n: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101, tops: UInt64 = 0x8080_8080_8080_8080
        var i = from
        while i + 8 <= n {
            let w = UnsafeRawPointer(b + i).loadUnaligned(as: UInt64.self).littleEndian  // first byte lowest
            // A byte's top bit is set by a borrow from a byte that is '"' or '\\' (after the XOR: zero) or
            // below 0x20, or by the byte's own when it is not ASCII (the last term; it also covers what the
            // usual `& ~x` would have masked). Borrows only run upwards from a byte that stops the run, so
            // the lowest flag (the first of them in memory) is exact.
            let stop = (((w ^ (ones &* 0x22)) &- ones) | ((w ^ (ones &* 0x5C)) &- ones) | (w &- ones &* 0x20) | w) & tops
            if stop != 0 { return i + stop.trailingZeroBitCount &>> 3 }
            i += 8
        }
        return i
    }

    /// The escape whose backslash is at `backslash`, checked as `parseString` decodes it: the index after
    /// it, or `n` when the input ends after the backslash (the string is then unterminated).
    @inline(never)
    private func skipEscape(_ b: UnsafePointer<UInt8>, _ backslash: Int, _ n: Int) throws(JSONParseError) -> Int {
        var i = backslash + 1
        guard i < n else { return n }
        let e = b[i]
        i += 1
        switch e {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            return i
        case 0x75:
            var scalar = try Self.hex4(b, &i, n)
            if scalar >= 0xD800, scalar <= 0xDBFF {
                guard i + 1 < n, b[i] == 0x5C, b[i + 1] == 0x75 else { throw fail("lone surrogate in \\u escape", at: i) }
                i += 2
                let low = try Self.hex4(b, &i, n)
                guard low >= 0xDC00, low <= 0xDFFF else { throw fail("invalid surrogate pair in \\u escape", at: i) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00, scalar <= 0xDFFF {
                throw fail("lone surrogate in \\u escape", at: i)
            }
            guard Unicode.Scalar(scalar) != nil else { throw fail("invalid \\u escape", at: i) }
            return i
        default:
            throw fail("invalid escape '\\\(Self.printable(e))'", at: i - 2)
        }
    }

    /// `hex4` on a cursor of the caller's: the same errors at the same offsets.
    static func hex4(_ b: UnsafePointer<UInt8>, _ i: inout Int, _ n: Int) throws(JSONParseError) -> UInt32 {
        guard i + 4 <= n else { throw JSONParseError(offset: i, message: "truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = b[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw JSONParseError(offset: i, message: "invalid hex digit in \\u escape")
            }
            v = v << 4 | d
            i += 1
        }
        return v
    }

    @inline(__always)
    private func skipLiteral(_ word: StaticString, _ b: UnsafePointer<UInt8>, _ i: Int, _ n: Int) throws(JSONParseError) -> Int {
        let count = word.utf8CodeUnitCount
        guard i + count <= n else { throw fail("unexpected end of input", at: i) }
        for k in 1..<count where b[i + k] != word.utf8Start[k] {  // the first byte chose the word
            throw fail("invalid literal; expected \(word)", at: i)
        }
        return i + count
    }
}

/// A stack in memory of its own, for `skipValue`'s containers and keys: a push is a compare and a
/// store, where an Array in the parser paid a uniqueness check and a capacity check through memory.
/// It starts in memory lent by its owner (the demand parse's entry point lends some of its stack frame,
/// so most parses allocate nothing for it), moves to the heap if it outgrows that, and is freed by
/// `deallocate`.
struct SkipStack<Element: BitwiseCopyable> {
    private var base: UnsafeMutablePointer<Element>?
    private var capacity = 0
    private var owned = false
    /// Truncating it pops; it is never raised past what was pushed.
    var count = 0

    init() {}

    init(lent memory: UnsafeMutableBufferPointer<Element>) {
        base = memory.baseAddress
        capacity = memory.count
    }

    @inline(__always) mutating func push(_ element: Element) {
        if count == capacity { grow() }
        base.unsafelyUnwrapped[count] = element
        count += 1
    }

    @inline(__always) mutating func pop() -> Element {
        count -= 1
        return base.unsafelyUnwrapped[count]
    }

    @inline(__always) subscript(position: Int) -> Element { base.unsafelyUnwrapped[position] }

    @inline(never) private mutating func grow() {
        let bigger = UnsafeMutablePointer<Element>.allocate(capacity: Swift.max(32, capacity * 2))
        if let base {
            bigger.initialize(from: base, count: count)
            if owned { base.deallocate() }
        }
        base = bigger
        capacity = Swift.max(32, capacity * 2)
        owned = true
    }

    mutating func deallocate() {
        if owned { base?.deallocate() }
        base = nil
        capacity = 0
        owned = false
        count = 0
    }
}
