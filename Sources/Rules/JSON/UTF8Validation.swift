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
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            func cont(_ k: Int) -> Bool { i + k < n && b[i + k] & 0xC0 == 0x80 }
            switch c {
            case 0xC2...0xDF:
                guard cont(1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard cont(1), cont(2) else { return false }
                let c1 = b[i + 1]
                if c == 0xE0, c1 < 0xA0 { return false }  // overlong
                if c == 0xED, c1 > 0x9F { return false }  // surrogates
                i += 3
            case 0xF0...0xF4:
                guard cont(1), cont(2), cont(3) else { return false }
                let c1 = b[i + 1]
                if c == 0xF0, c1 < 0x90 { return false }  // overlong
                if c == 0xF4, c1 > 0x8F { return false }  // above U+10FFFF
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
