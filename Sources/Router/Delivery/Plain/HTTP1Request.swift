import HTTPServer
import Rules

/// The bytes of one outbound request on the wire, head and body together so one `send` writes both.
enum HTTP1Request {
    /// Why a request cannot be written as it is.
    struct Unwritable: Error, CustomStringConvertible {
        let description: String

        static func lineBreak(in name: String) -> Unwritable {
            Unwritable(description: "header '\(name.filter { $0 != "\r" && $0 != "\n" })' holds a line break; the request was not sent")
        }
    }

    /// What every request to one target starts with, built once per target: the request line, then
    /// `Host`, `User-Agent` and `Accept` as libcurl sends them unless the target's own headers set them.
    static func prefix(method: String, endpoint: PlainEndpoint, targetHeaders: [HTTPField]) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: method.utf8)
        out.append(32)
        out.append(contentsOf: endpoint.path.utf8)
        out.append(contentsOf: " HTTP/1.1\r\n".utf8)
        func has(_ name: String) -> Bool { targetHeaders.contains { $0.name.caseInsensitiveEquals(name) } }
        if !has("host") { line("Host", endpoint.hostHeader, into: &out) }
        if !has("user-agent") { line("User-Agent", "hookrouter/0.1", into: &out) }
        if !has("accept") { line("Accept", "*/*", into: &out) }
        return out
    }

    /// `prefix`, the request's headers (its `Content-Length` included) and the body.
    static func encode(_ request: OutboundRequest, prefix: [UInt8]) throws(Unwritable) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(prefix.count + 512 + request.body.count)
        out.append(contentsOf: prefix)
        // By index, and the texts read in place: a copy of each field was two retains and releases.
        for i in request.headers.indices {
            guard field(request.headers[i].name, request.headers[i].value, into: &out) else { throw .lineBreak(in: request.headers[i].name) }
        }
        out.append(13)
        out.append(10)
        out.append(contentsOf: request.body)
        return out
    }

    /// What every raw-body request to one target adds to the event's own values, worked out once per
    /// target as `OutboundRequest` orders it: the target's explicit `Content-Type`, and its other
    /// headers (reserved names skipped) as the bytes of their lines.
    struct TargetPart {
        let contentType: String?
        let headers: [UInt8]

        /// Nil when one of the target's headers cannot be written: the general path then says which.
        init?(_ target: Target) {
            var contentType: String?
            var out: [UInt8] = []
            for f in target.headers where !OutboundRequest.reservedHeaders.contains(f.name.lowercased()) {
                if f.name.caseInsensitiveEquals("content-type") {
                    contentType = f.value
                } else {
                    guard HTTP1Request.field(f.name, f.value, into: &out) else { return nil }
                }
            }
            if let contentType, contentType.utf8.contains(where: { $0 == 13 || $0 == 10 }) { return nil }
            self.contentType = contentType
            self.headers = out
        }
    }

    /// The bytes `encode(OutboundRequest(event:route:target:…), prefix:)` makes for a route with a raw
    /// body, written straight from the stored event: no `Event`, no array of header fields, one buffer.
    /// The engine's hot path; a test holds the two to the same bytes.
    /// Written into `out` (emptied first), a buffer the client recycles from earlier requests.
    static func encodeRaw(_ event: StoredEvent, target: Target, part: TargetPart, deliveryId: Int64, attempt: Int, now: Timestamp,
                          prefix: [UInt8], into out: inout [UInt8]) throws(Unwritable) {
        let body = event.body
        let id = String(deliveryId)
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(prefix.count + part.headers.count + 384 + body.count)
        out.append(contentsOf: prefix)
        func line(_ name: StaticString, _ value: String) throws(Unwritable) {
            out.append(literal: name)
            guard append(value, to: &out, before: ": ") else { throw .lineBreak(in: "\(name)") }
            out.append(13)
            out.append(10)
        }
        try line("Content-Type", part.contentType ?? (event.contentType.isEmpty ? "application/json" : event.contentType))
        try line("Content-Length", String(body.count))
        out.append(contentsOf: part.headers)
        try line("X-Hookrouter-Event-Id", event.eventID)
        try line("X-Hookrouter-Event-Type", event.type)
        try line("X-Hookrouter-Delivery-Id", id)
        try line("X-Hookrouter-Attempt", String(attempt))
        if let sign = target.sign {
            for f in OutboundRequest.signatureHeaders(sign, body: body, deliveryId: id, now: now) {
                guard field(f.name, f.value, into: &out) else { throw .lineBreak(in: f.name) }
            }
        }
        out.append(13)
        out.append(10)
        out.append(contentsOf: body)
    }

    /// Appends the line `name: value` unless the name holds a colon or either a line break; false when
    /// it does. Event ids and types come from providers: a line break would start a header of their choosing.
    private static func field(_ name: String, _ value: String, into out: inout [UInt8]) -> Bool {
        guard append(name, to: &out, refusing: 58), append(value, to: &out, before: ": ") else { return false }
        out.append(13)
        out.append(10)
        return true
    }

    /// Appends `text` (after `before`) unless it holds a CR, an LF or `refusing`; false when it does
    /// (what was appended of the line is left: the request is not sent).
    private static func append(_ text: String, to out: inout [UInt8], refusing: UInt8? = nil, before: StaticString = "") -> Bool {
        text.withUTF8Bytes { bytes in
            for c in bytes where c == 13 || c == 10 || c == refusing { return false }
            out.append(literal: before)
            out.append(contentsOf: bytes)
            return true
        }
    }

    private static func line(_ name: String, _ value: String, into out: inout [UInt8]) {
        out.append(contentsOf: name.utf8)
        out.append(58)
        out.append(32)
        out.append(contentsOf: value.utf8)
        out.append(13)
        out.append(10)
    }
}
