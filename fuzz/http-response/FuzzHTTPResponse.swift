// libFuzzer target: the delivery engine's reader of target responses (Sources/Router/Delivery/Plain/
// HTTP1Response.swift), which parses whatever a target sends back. Built as one module with it by
// scripts/fuzz. Every invariant violation traps.

@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// What reading `pieces` one after another ends in: done or not, or the error; and what was read.
func read(_ pieces: [UnsafeRawBufferPointer], keep: Int) -> (done: Bool, failed: Bool, status: Int, body: [UInt8], keepAlive: Bool, retryAfter: String?) {
    var r = HTTP1Response(keep: keep)
    var done = false
    // Fed on after the end too: bytes past the end must make the connection unusable however they came.
    for piece in pieces {
        do { done = try r.feed(piece) } catch { return (false, true, 0, [], false, nil) }
    }
    return (done, false, r.status, r.body, r.keepAlive, r.retryAfter)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeRawBufferPointer(start: data, count: size)
    let keep = 64
    let whole = read([input], keep: keep)
    check(whole.body.count <= keep, "kept more of the body than asked")
    if whole.done { check(whole.status >= 200 && whole.status <= 999, "finished without a final status") }
    // The same bytes in two reads, cut where the input says: the same outcome, whatever the cut.
    let cut = size > 0 ? Int(input[0]) * 7 % size : 0
    let split = read([UnsafeRawBufferPointer(rebasing: input[..<cut]), UnsafeRawBufferPointer(rebasing: input[cut...])], keep: keep)
    check(split.done == whole.done && split.failed == whole.failed, "a cut at \(cut) changed whether it ended")
    check(split.status == whole.status && split.body == whole.body && split.keepAlive == whole.keepAlive
          && split.retryAfter == whole.retryAfter, "a cut at \(cut) changed what was read")
    // Byte by byte, the slowest a target can send.
    let bytes = (0..<min(size, 2048)).map { UnsafeRawBufferPointer(rebasing: input[$0..<($0 + 1)]) }
    if size <= 2048 {
        let trickle = read(bytes, keep: keep)
        check(trickle.done == whole.done && trickle.failed == whole.failed && trickle.status == whole.status
              && trickle.body == whole.body, "byte by byte changed the outcome")
    }
    return 0
}
