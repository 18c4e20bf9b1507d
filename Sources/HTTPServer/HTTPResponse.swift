/// An answer to write: status, extra headers and body. `Content-Length` and `Connection` are added
/// when it is serialised, so a handler cannot get framing wrong.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [HTTPHeader]
    public var body: [UInt8]
    /// Forces the connection closed after this answer.
    public var close: Bool

    public init(status: Int, headers: [HTTPHeader] = [], body: [UInt8] = [], close: Bool = false) {
        self.status = status
        self.headers = headers
        self.body = body
        self.close = close
    }

    /// A JSON answer.
    public static func json(_ status: Int, _ body: String, headers: [HTTPHeader] = [], close: Bool = false) -> HTTPResponse {
        json(status, bytes: Array(body.utf8), headers: headers, close: close)
    }

    /// A JSON answer whose body is already bytes.
    public static func json(_ status: Int, bytes body: [UInt8], headers: [HTTPHeader] = [], close: Bool = false) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers.isEmpty ? jsonHeaders : jsonHeaders + headers, body: body, close: close)
    }

    /// Shared by every JSON answer (built once: the value is too long to be stored inline in a String).
    private static let jsonHeaders = [HTTPHeader("Content-Type", "application/json")]

    /// Head and body in one buffer, so one write sends it. A HEAD request gets the head alone
    /// (with the length the body would have).
    func serialized(keepAlive: Bool, headOnly: Bool = false, into out: inout [UInt8]) {
        out.reserveCapacity(out.count + 128 + body.count)
        out.append(literal: "HTTP/1.1 ")
        Self.appendDecimal(status, to: &out)
        out.append(0x20)
        out.append(literal: Self.reason(status))
        out.append(literal: "\r\n")
        // By index: iterating copied each header (two retains and releases) for every answer.
        for i in headers.indices {
            out.append(utf8: headers[i].name)
            out.append(literal: ": ")
            out.append(utf8: headers[i].value)
            out.append(literal: "\r\n")
        }
        out.append(literal: "Content-Length: ")
        Self.appendDecimal(body.count, to: &out)
        out.append(literal: "\r\n")
        out.append(literal: keepAlive ? "\r\n" : "Connection: close\r\n\r\n")
        if !headOnly { out.append(contentsOf: body) }
    }

    /// A non-negative integer in ASCII digits, without building a String.
    public static func appendDecimal(_ value: Int, to out: inout [UInt8]) {
        precondition(value >= 0)
        var divisor = 1
        while divisor <= value / 10 { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            out.append(UInt8(truncatingIfNeeded: 0x30 + rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }

    static func reason(_ status: Int) -> StaticString {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 414: return "URI Too Long"
        case 422: return "Unprocessable Content"
        case 426: return "Upgrade Required"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status"
        }
    }
}
