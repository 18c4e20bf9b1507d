// libFuzzer target: the strict request-head parser and the chunked decoder.
// Built as one module with Sources/HTTPServer/{HTTPHeadParser,HTTPRequestHead,HTTPParseError,ChunkedDecoder}.swift
// by scripts/fuzz. Every invariant violation traps, so libFuzzer reports it as a crash.

/// Traps with a message when an invariant does not hold (libFuzzer records the input).
@inline(never)
func check(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("invariant violated: \(message())") }
}

/// The parse result reduced to what two parses of the same bytes must agree on.
enum Outcome: Equatable {
    case incomplete
    case complete(length: Int, method: String, target: String, headers: [HTTPHeader], framing: BodyFraming, keepAlive: Bool, expectsContinue: Bool)
    case invalid(HTTPParseError)

    init(_ r: HTTPHeadParser.Result) {
        switch r {
        case .incomplete: self = .incomplete
        case .complete(let h, let length):
            self = .complete(length: length, method: h.method, target: h.target, headers: h.headers, framing: h.framing,
                             keepAlive: h.keepAlive, expectsContinue: h.expectsContinue)
        case .invalid(let e): self = .invalid(e)
        }
    }
}

func parse(_ bytes: UnsafeBufferPointer<UInt8>, prefix: Int) -> Outcome {
    Outcome(HTTPHeadParser.parse(UnsafeBufferPointer(rebasing: bytes[0..<prefix])))
}

/// What parsing a prefix of the input may say, given what the whole input says.
func checkPrefix(_ bytes: UnsafeBufferPointer<UInt8>, _ p: Int, full: Outcome) {
    let part = parse(bytes, prefix: p)
    switch full {
    case .incomplete:
        // Fewer bytes cannot decide what more bytes could not.
        check(part == .incomplete, "prefix \(p) of an incomplete head parsed as \(part)")
    case .complete(let length, _, _, _, _, _, _):
        if p >= length {
            check(part == full, "prefix \(p) ≥ head length \(length) parsed as \(part), whole as \(full)")
        } else {
            check(part == .incomplete, "prefix \(p) < head length \(length) of a complete head parsed as \(part)")
        }
    case .invalid:
        // An invalid prefix stays invalid for the same reason; a shorter one may still be waiting.
        check(part == .incomplete || part == full, "prefix \(p) of an invalid head parsed as \(part), whole as \(full)")
    }
}

/// Decodes `body` in one piece and split at `split`; both must agree byte for byte.
func checkChunked(_ body: UnsafeBufferPointer<UInt8>, split: Int, maxBody: Int) {
    var whole = ChunkedDecoder(maxBody: maxBody)
    let wholeResult: Result<Int, HTTPParseError>
    do throws(HTTPParseError) { wholeResult = .success(try whole.feed(body)) } catch { wholeResult = .failure(error) }

    var parts = ChunkedDecoder(maxBody: maxBody)
    var partsResult: Result<Int, HTTPParseError>
    do throws(HTTPParseError) {
        let first = try parts.feed(UnsafeBufferPointer(rebasing: body[0..<split]))
        check(first <= split, "decoder took \(first) of \(split) bytes")
        if parts.isDone {
            let more = try parts.feed(UnsafeBufferPointer(rebasing: body[split...]))
            check(more == 0, "a done decoder took \(more) more bytes")
            partsResult = .success(first)
        } else {
            check(first == split, "an unfinished decoder left \(split - first) bytes of its input")
            let second = try parts.feed(UnsafeBufferPointer(rebasing: body[split...]))
            check(second <= body.count - split, "decoder took \(second) of \(body.count - split) bytes")
            partsResult = .success(first + second)
        }
    } catch {
        partsResult = .failure(error)
    }

    check(whole.body.count <= maxBody, "decoded \(whole.body.count) bytes over maxBody \(maxBody)")
    check(parts.body.count <= maxBody, "decoded \(parts.body.count) bytes (split) over maxBody \(maxBody)")
    switch (wholeResult, partsResult) {
    case (.success(let a), .success(let b)):
        check(a == b, "consumed \(a) in one piece, \(b) split at \(split)")
        check(a <= body.count, "consumed \(a) of \(body.count)")
        check(whole.isDone == parts.isDone, "done \(whole.isDone) in one piece, \(parts.isDone) split")
        check(whole.isDone || a == body.count, "an unfinished decoder left input")
        check(whole.body == parts.body, "decoded bodies differ when split at \(split)")
        if whole.isDone {
            var again = whole
            check((try? again.feed(body)) == 0, "a done decoder took more bytes")
        }
    case (.failure(let a), .failure(let b)):
        check(a == b, "errors differ: \(a) in one piece, \(b) split at \(split)")
    default:
        check(false, "one piece: \(wholeResult), split at \(split): \(partsResult)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    // A data-derived number for split points and limits that does not change the parsed bytes.
    var seed = size &* 31
    for b in bytes.prefix(16) { seed = seed &* 131 &+ Int(b) }
    seed = seed & 0x7fff_ffff

    let full = parse(bytes, prefix: size)
    // Parsing is a pure function of the bytes.
    check(parse(bytes, prefix: size) == full, "two parses of the same bytes differ")

    if case .complete(let length, let method, let target, let headers, let framing, _, _) = full {
        check(length > 0 && length <= size, "complete length \(length) with \(size) bytes of input")
        check(bytes[length - 2] == 13 && bytes[length - 1] == 10, "head does not end with CRLF")
        check(!method.isEmpty, "empty method")
        check(target.hasPrefix("/") || (target == "*" && method == "OPTIONS"), "bad target \(target)")
        check(headers.count <= HTTPLimits.maxHeaderFields, "\(headers.count) header fields")
        let cl = headers.filter { asciiCaseInsensitiveEquals($0.name, "content-length") }.count
        let te = headers.filter { asciiCaseInsensitiveEquals($0.name, "transfer-encoding") }.count
        check(cl <= 1 && te <= 1 && !(cl == 1 && te == 1), "ambiguous framing accepted: CL×\(cl) TE×\(te)")
        switch framing {
        case .chunked: check(te == 1, "chunked without Transfer-Encoding")
        case .contentLength(let n): check(n > 0 && cl == 1, "Content-Length framing \(n) without one header")
        case .none: check(te == 0, "Transfer-Encoding without chunked framing")
        }
        checkPrefix(bytes, length - 1, full: full)
        if framing == .chunked {
            let body = UnsafeBufferPointer(rebasing: bytes[length...])
            let split = body.isEmpty ? 0 : seed % (body.count + 1)
            checkChunked(body, split: split, maxBody: 1 + seed % 4096)
            checkChunked(body, split: split, maxBody: 1 << 20)
        }
    }
    if size > 0 {
        checkPrefix(bytes, size - 1, full: full)
        checkPrefix(bytes, seed % size, full: full)
    }
    return 0
}
