// libFuzzer target: the body log's record decoder (Sources/Router/Store/BodyLog/LogRecord.swift), which
// reads whatever a crash, a torn write or a damaged disk left in a segment. Built as one module with
// LogRecord.swift by scripts/fuzz. Every invariant violation traps.

@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    // Arbitrary bytes: a record or nil, never a crash; a decoded record encodes to a record that decodes to itself.
    if let n = LogRecord.length(header: input) { check(n >= LogRecord.headerSize, "a length shorter than the header") }
    if let r = LogRecord.decode(input) {
        var again: [UInt8] = []
        r.encode(into: &again)
        check(again.withUnsafeBytes { LogRecord.decode($0) } == r, "a decoded record does not round-trip")
    }
    // The input as a body (and its halves as strings): round-trips, and any one flipped bit is refused.
    let half = size / 2
    let r = LogRecord(seq: Int64(size) - 7, storedMilliseconds: 1, timeMilliseconds: -2, receivedMilliseconds: 3, sealed: size % 2 == 0,
                      source: String(decoding: input[..<half], as: UTF8.self), eventID: "e", type: "", contentType: "c",
                      plan: "", headers: Array(input[half...]), attributes: [], body: Array(input))
    var encoded: [UInt8] = []
    r.encode(into: &encoded)
    check(encoded.count == r.encodedSize, "encodedSize is not what encode wrote")
    check(encoded.withUnsafeBytes { LogRecord.decode($0) } == r, "an encoded record does not decode to itself")
    let bit = size > 0 ? Int(input[0]) * 8 + Int(input[size - 1] % 8) : 0
    encoded[(bit / 8) % encoded.count] ^= UInt8(1 << (bit % 8))
    check(encoded.withUnsafeBytes { LogRecord.decode($0) } == nil, "a flipped bit went unnoticed")
    check(encoded.dropLast().withUnsafeBytes { LogRecord.decode($0) } == nil, "a torn record was accepted")
    return 0
}
