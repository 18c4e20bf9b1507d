/// Base64 (RFC 4648 §4) and base64url (§5) encoding.
///
/// Decoders are strict: characters outside the alphabet (including whitespace and the other
/// alphabet's `+/` or `-_`), misplaced or excess `=`, and non-zero unused bits in the last
/// character are rejected, so every byte string has exactly one accepted encoding.
public enum Base64 {
    private static let standardAlphabet: StaticString =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    private static let urlAlphabet: StaticString =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    /// Standard alphabet, padded with `=`.
    public static func encode(_ bytes: [UInt8]) -> String {
        encode(bytes, alphabet: standardAlphabet.utf8Start, pad: true)
    }

    /// Strict standard base64: padding required (length a multiple of 4), no whitespace;
    /// nil on anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        CryptoBuffers.withUTF8(text) { decode($0, table: standardDecodeTable, paddingRequired: true) }
    }

    /// base64url without padding (as in JWT).
    public static func encodeURL(_ bytes: [UInt8]) -> String {
        encode(bytes, alphabet: urlAlphabet.utf8Start, pad: false)
    }

    /// base64url with optional padding; if `=` is present it must be the correct amount.
    public static func decodeURL(_ text: String) -> [UInt8]? {
        CryptoBuffers.withUTF8(text) { decode($0, table: urlDecodeTable, paddingRequired: false) }
    }

    // MARK: - Implementation

    private static func encode(_ bytes: [UInt8], alphabet: UnsafePointer<UInt8>, pad: Bool) -> String {
        let fullGroups = bytes.count / 3
        let remainder = bytes.count % 3
        let tail = remainder == 0 ? 0 : (pad ? 4 : remainder + 1)
        let length = fullGroups * 4 + tail
        if length == 0 { return "" }
        return bytes.withUnsafeBufferPointer { input in
            String(unsafeUninitializedCapacity: length) { output in
                var i = 0
                var o = 0
                for _ in 0..<fullGroups {
                    let word = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                    output[o] = alphabet[Int(word >> 18)]
                    output[o + 1] = alphabet[Int(word >> 12 & 0x3F)]
                    output[o + 2] = alphabet[Int(word >> 6 & 0x3F)]
                    output[o + 3] = alphabet[Int(word & 0x3F)]
                    i += 3
                    o += 4
                }
                if remainder > 0 {
                    let second = remainder == 2 ? UInt32(input[i + 1]) : 0
                    let word = UInt32(input[i]) << 16 | second << 8
                    output[o] = alphabet[Int(word >> 18)]
                    output[o + 1] = alphabet[Int(word >> 12 & 0x3F)]
                    o += 2
                    if remainder == 2 {
                        output[o] = alphabet[Int(word >> 6 & 0x3F)]
                        o += 1
                    } else if pad {
                        output[o] = UInt8(ascii: "=")
                        o += 1
                    }
                    if pad {
                        output[o] = UInt8(ascii: "=")
                        o += 1
                    }
                }
                return o
            }
        }
    }

    private static func decode(
        _ input: UnsafeBufferPointer<UInt8>, table: [UInt8], paddingRequired: Bool
    ) -> [UInt8]? {
        let n = input.count
        if n == 0 { return [] }
        var padding = 0
        if input[n - 1] == UInt8(ascii: "=") {
            padding = (n >= 2 && input[n - 2] == UInt8(ascii: "=")) ? 2 : 1
        }
        // Padding, when present (or required), must complete a 4-character group.
        if (paddingRequired || padding > 0) && n % 4 != 0 { return nil }
        let significant = n - padding
        let remainder = significant % 4
        if remainder == 1 { return nil }  // 6 bits cannot form a byte
        let fullGroups = significant / 4
        let outputLength = fullGroups * 3 + (remainder == 0 ? 0 : remainder - 1)

        var invalid: UInt8 = 0
        let result = table.withUnsafeBufferPointer { lookup in
            [UInt8](unsafeUninitializedCapacity: outputLength) { output, count in
                var i = 0
                var o = 0
                for _ in 0..<fullGroups {
                    let a = lookup[Int(input[i])], b = lookup[Int(input[i + 1])]
                    let c = lookup[Int(input[i + 2])], d = lookup[Int(input[i + 3])]
                    // Invalid characters map to 0xFF; accumulate rather than branch per group.
                    invalid |= a | b | c | d
                    let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                    output[o] = UInt8(truncatingIfNeeded: word >> 16)
                    output[o + 1] = UInt8(truncatingIfNeeded: word >> 8)
                    output[o + 2] = UInt8(truncatingIfNeeded: word)
                    i += 4
                    o += 3
                }
                if remainder >= 2 {
                    let a = lookup[Int(input[i])], b = lookup[Int(input[i + 1])]
                    let c = remainder == 3 ? lookup[Int(input[i + 2])] : 0
                    invalid |= a | b | c
                    // Unused low bits of the last character must be zero (canonical encoding).
                    if remainder == 2 && b & 0x0F != 0 { invalid |= 0x80 }
                    if remainder == 3 && c & 0x03 != 0 { invalid |= 0x80 }
                    let word = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                    output[o] = UInt8(truncatingIfNeeded: word >> 16)
                    o += 1
                    if remainder == 3 {
                        output[o] = UInt8(truncatingIfNeeded: word >> 8)
                        o += 1
                    }
                }
                count = o
            }
        }
        return invalid & 0x80 == 0 ? result : nil
    }

    private static let standardDecodeTable = makeDecodeTable(standardAlphabet)
    private static let urlDecodeTable = makeDecodeTable(urlAlphabet)

    /// 256-entry table: character value for alphabet members, 0xFF for everything else ('=' too).
    private static func makeDecodeTable(_ alphabet: StaticString) -> [UInt8] {
        var table = [UInt8](repeating: 0xFF, count: 256)
        let characters = alphabet.utf8Start
        for value in 0..<64 {
            table[Int(characters[value])] = UInt8(value)
        }
        return table
    }
}
