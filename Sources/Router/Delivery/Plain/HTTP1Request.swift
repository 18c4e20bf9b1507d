import Rules

/// The bytes of one outbound request on the wire, head and body together so one `send` writes both.
enum HTTP1Request {
    /// Why a request cannot be written as it is.
    struct Unwritable: Error, CustomStringConvertible {
        let description: String
    }

    /// `Host`, `User-Agent` and `Accept` as libcurl sends them, unless the target's headers set their own;
    /// then the request's headers (its `Content-Length` included) and the body.
    static func encode(_ request: OutboundRequest, to endpoint: PlainEndpoint) throws(Unwritable) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512 + request.body.count)
        func line(_ name: String, _ value: String) {
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: ": ".utf8)
            out.append(contentsOf: value.utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        out.append(contentsOf: request.method.utf8)
        out.append(32)
        out.append(contentsOf: endpoint.path.utf8)
        out.append(contentsOf: " HTTP/1.1\r\n".utf8)
        func has(_ name: String) -> Bool { request.headers.contains { $0.name.caseInsensitiveEquals(name) } }
        if !has("host") { line("Host", endpoint.hostHeader) }
        if !has("user-agent") { line("User-Agent", "hookrouter/0.1") }
        if !has("accept") { line("Accept", "*/*") }
        for field in request.headers {
            // A line break in a value would start a header (or a request) of the sender's choosing.
            guard !field.name.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 58 }),
                  !field.value.utf8.contains(where: { $0 == 13 || $0 == 10 }) else {
                throw Unwritable(description: "header '\(field.name.filter { $0 != "\r" && $0 != "\n" })' holds a line break; the request was not sent")
            }
            line(field.name, field.value)
        }
        out.append(contentsOf: "\r\n".utf8)
        out.append(contentsOf: request.body)
        return out
    }
}
