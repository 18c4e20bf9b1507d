import Testing
@testable import Rules

struct UTF8ValidationTests {
    /// Agrees with the standard library's strict decoder on well-formed and every kind of ill-formed input.
    @Test(arguments: [
        [0x61, 0x62], [0xC3, 0xA7], [0xE2, 0x9C, 0x85], [0xF0, 0x9F, 0x98, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xED, 0x9F, 0xBF],
        [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0x80], [0xBF, 0x61], [0xC3], [0xE2, 0x9C], [0xF0, 0x9F, 0x98],
        [0xC3, 0x28], [0xE2, 0x28, 0xA1], [0xFE], [0xFF], [0x61, 0xF0, 0x9F, 0x98, 0x80, 0x62],
    ] as [[UInt8]])
    func agreesWithTheStandardLibrary(_ bytes: [UInt8]) {
        let ours = bytes.withUnsafeBufferPointer { UTF8Validation.string($0) }
        #expect(ours == String(validating: bytes, as: UTF8.self))
    }

    /// Ill-formed sequences at every offset of a long ASCII run (a guard for skipping ASCII a machine
    /// word at a time).
    @Test func illFormedSequencesAnywhereInALongRunAreFound() {
        for bad: [UInt8] in [[0xC3, 0x28], [0xED, 0xA0, 0x80], [0x80], [0xF0, 0x9F, 0x98]] {
            for offset in 0..<20 {
                let bytes = [UInt8](repeating: 0x61, count: offset) + bad + [UInt8](repeating: 0x62, count: 19 - offset)
                #expect(bytes.withUnsafeBufferPointer { UTF8Validation.isValid($0) } == false, "\(bad) at \(offset)")
            }
        }
        let good = Array("abcdefghijklmnop ação ✅ qrstuvwxyz0123456789".utf8)
        #expect(good.withUnsafeBufferPointer { UTF8Validation.string($0) } == "abcdefghijklmnop ação ✅ qrstuvwxyz0123456789")
    }

    @Test func parserRejectsInvalidUTF8InStrings() {
        for body: [UInt8] in [[0x22, 0xC0, 0x80, 0x22], [0x22, 0x5C, 0x6E, 0xED, 0xA0, 0x80, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONValue.parse(body) }
        }
        #expect((try? JSONValue.parse(Array("\"ação ✅\"".utf8))) == .string("ação ✅"))
    }
}
