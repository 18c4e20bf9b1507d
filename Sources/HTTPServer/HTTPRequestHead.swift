/// One header line as received, its name lower-cased by the parser (names are case-insensitive).
public struct HTTPHeader: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// How the body of a request is framed (RFC 9112 §6).
public enum BodyFraming: Sendable, Equatable {
    case none
    case contentLength(Int)
    case chunked
}

/// The start line and header section of a request, validated.
public struct HTTPRequestHead: Sendable {
    public var method: String
    /// The request target as sent (`/in/shopify?x=1`).
    public var target: String
    /// The target without its query.
    public var path: String
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    public var versionMinor: Int
    public var headers: [HTTPHeader]
    public var framing: BodyFraming
    /// Whether the client wants the connection kept after the answer.
    public var keepAlive: Bool
    /// `Expect: 100-continue`: the client waits for an interim answer before sending the body.
    public var expectsContinue: Bool

    /// First value of a header, case-insensitive.
    public func header(_ name: String) -> String? {
        for h in headers where asciiCaseInsensitiveEquals(h.name, name) { return h.value }
        return nil
    }
}

/// A complete request: head and decoded body.
public struct HTTPRequest: Sendable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    /// The peer's address as text (`127.0.0.1`, `::1`).
    public var remoteAddress: String

    public init(head: HTTPRequestHead, body: [UInt8], remoteAddress: String) {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
    }
}

/// ASCII case-insensitive comparison without allocating (header names are ASCII tokens).
@inline(__always)
func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    // Most names compared differ in length, which a native string knows without a scan.
    guard a.utf8.count == b.utf8.count else { return false }
    var ia = a.utf8.makeIterator(), ib = b.utf8.makeIterator()
    while true {
        switch (ia.next(), ib.next()) {
        case (nil, nil): return true
        case (let x?, let y?):
            if x == y { continue }
            if x | 0x20 != y | 0x20 { return false }
            let l = x | 0x20
            if l < UInt8(ascii: "a") || l > UInt8(ascii: "z") { return false }
        default: return false
        }
    }
}
