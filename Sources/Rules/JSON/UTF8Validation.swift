/// Strict UTF-8 to `String` without the standard library's generic `String(validating:as:)`, which
/// is not specialised for callers outside the standard library: each call looked up generic
/// metadata at run time, about a fifth of all time spent verifying and parsing a webhook.
enum UTF8Validation {
    /// The text, or nil when the bytes are not well-formed UTF-8 (overlong forms, surrogates and
    /// code points above U+10FFFF are refused, as `String(validating:)` refuses them).
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        guard isValid(bytes) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let p = b.baseAddress else { return true }
        var i = 0
        let n = b.count
        while i < n {
            // ASCII a word at a time (text is mostly ASCII around its other characters), then straight to
            // the word's first byte that is not.
            if i + 8 <= n {
                let high = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self).littleEndian & 0x8080_8080_8080_8080
                if high == 0 {
                    i += 8
                    continue
                }
                i += high.trailingZeroBitCount &>> 3
            } else if p[i] < 0x80 {
                i += 1
                continue
            }
            let length = sequenceLength(p, i, n)
            guard length > 0 else { return false }
            i += length
        }
        return true
    }

    /// The length of the well-formed sequence that the byte at `i` (not ASCII) starts, before `n`; 0 when
    /// it is not one (overlong forms, surrogates and code points above U+10FFFF are refused, as
    /// `String(validating:)` refuses them).
    @inline(__always)
    static func sequenceLength(_ b: UnsafePointer<UInt8>, _ i: Int, _ n: Int) -> Int {
        let c = b[i]
        func cont(_ k: Int) -> Bool { i + k < n && b[i + k] & 0xC0 == 0x80 }
        switch c {
        case 0xC2...0xDF:
            return cont(1) ? 2 : 0
        case 0xE0...0xEF:
            guard cont(1), cont(2) else { return 0 }
            let c1 = b[i + 1]
            if c == 0xE0, c1 < 0xA0 { return 0 }  // overlong
            if c == 0xED, c1 > 0x9F { return 0 }  // surrogates
            return 3
        case 0xF0...0xF4:
            guard cont(1), cont(2), cont(3) else { return 0 }
            let c1 = b[i + 1]
            if c == 0xF0, c1 < 0x90 { return 0 }  // overlong
            if c == 0xF4, c1 > 0x8F { return 0 }  // above U+10FFFF
            return 4
        default:
            return 0
        }
    }
}
