// libFuzzer target: the WebSocket frame parser and message assembler (RFC 6455), as a client's bytes
// reach them. Built as one module with Sources/HTTPServer/WebSocket/*.swift by scripts/fuzz.
// The first input byte picks how the rest is split into reads; every invariant violation traps.

@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// All frames the bytes hold, read in pieces of `step`, and how reading ended.
func read(_ bytes: ArraySlice<UInt8>, step: Int, maxFrame: Int) -> (frames: [WebSocketFrame], failure: WebSocketFrameParser.Failure?) {
    var parser = WebSocketFrameParser(maxFrame: maxFrame)
    var frames: [WebSocketFrame] = []
    var i = bytes.startIndex
    while i < bytes.endIndex {
        parser.append(bytes[i..<min(i + step, bytes.endIndex)])
        i += step
        do {
            while let f = try parser.next() { frames.append(f) }
        } catch {
            return (frames, error)
        }
    }
    return (frames, nil)
}

/// A server frame, masked as a client would send it (to parse what the server wrote).
func masked(_ frame: WebSocketFrame) -> [UInt8] {
    var wire = frame.serialized()
    let headerLength = wire[1] == 126 ? 4 : (wire[1] == 127 ? 10 : 2)
    wire[1] |= 0x80
    let mask: [UInt8] = [0xa5, 0x5a, 0x0f, 0xf0]
    var out = Array(wire[0..<headerLength]) + mask
    for (k, b) in wire[headerLength...].enumerated() { out.append(b ^ mask[k & 3]) }
    return out
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let step = Int(bytes[0] % 16) + 1
    let body = bytes[1...]
    let maxFrame = 4096
    let whole = read(body, step: body.count + 1, maxFrame: maxFrame)
    let pieces = read(body, step: step, maxFrame: maxFrame)
    // How the bytes were split into reads changes nothing.
    check(whole.frames == pieces.frames && whole.failure == pieces.failure, "split every \(step) bytes read otherwise")
    var assembler = WebSocketMessageAssembler(maxMessage: 8192)
    for frame in whole.frames {
        check(frame.payload.count <= maxFrame, "a frame over the limit came through")
        if frame.opcode.isControl { check(frame.fin && frame.payload.count <= 125, "a control frame broke §5.5") }
        // What the server would write reads back as the same frame.
        let again = read(masked(frame)[...], step: 1 << 20, maxFrame: maxFrame)
        check(again.failure == nil && again.frames == [frame], "serialized frame did not read back")
        do {
            if case .text(let s)? = try assembler.take(frame) { check(String(validating: Array(s.utf8), as: UTF8.self) == s, "text not UTF-8") }
        } catch {
            _ = error.closeCode
            break
        }
    }
    return 0
}
