/// Hexadecimal encoding of bytes.
public enum Hex {
    private static let digits: StaticString = "0123456789abcdef"

    /// Lower-case hex of `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "" }
        let table = digits.utf8Start
        return String(unsafeUninitializedCapacity: bytes.count * 2) { output in
            var index = 0
            for byte in bytes {
                output[index] = table[Int(byte >> 4)]
                output[index + 1] = table[Int(byte & 0x0F)]
                index += 2
            }
            return index
        }
    }

    /// Bytes of `text` (upper or lower case); nil for odd length or any non-hex character.
    public static func decode(_ text: String) -> [UInt8]? {
        CryptoBuffers.withUTF8(text) { input in
            guard input.count % 2 == 0 else { return nil }
            var invalid: UInt8 = 0
            let result = values.withUnsafeBufferPointer { lookup in
                [UInt8](unsafeUninitializedCapacity: input.count / 2) { output, count in
                    var inIndex = 0
                    for outIndex in 0..<output.count {
                        let high = lookup[Int(input[inIndex])]
                        let low = lookup[Int(input[inIndex + 1])]
                        // Non-digits map to 0xFF; accumulate and check once at the end.
                        invalid |= high | low
                        output[outIndex] = high << 4 | low & 0x0F
                        inIndex += 2
                    }
                    count = output.count
                }
            }
            return invalid & 0x80 == 0 ? result : nil
        }
    }

    /// 256-entry table: digit value for 0-9, a-f, A-F; 0xFF for everything else.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (offset, c) in "0123456789".utf8.enumerated() { table[Int(c)] = UInt8(offset) }
        for (offset, c) in "abcdef".utf8.enumerated() { table[Int(c)] = UInt8(10 + offset) }
        for (offset, c) in "ABCDEF".utf8.enumerated() { table[Int(c)] = UInt8(10 + offset) }
        return table
    }()
}
