/// Why a request was refused while parsing; each maps to one status and closes the connection.
public enum HTTPParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 400: malformed or ambiguous framing (smuggling shapes land here).
    case badRequest(String)
    /// 414: the start line is over the limit.
    case startLineTooLong
    /// 431: the header section is over the size or field-count limit.
    case headersTooLarge(String)
    /// 413: the body is over the limit.
    case bodyTooLarge
    /// 501: a transfer coding other than `chunked`.
    case notImplemented(String)
    /// 505: an HTTP version other than 1.0 and 1.1.
    case versionNotSupported
    /// 503: the bodies already held in memory leave no room for this one; the client should retry.
    case overloaded

    public var status: Int {
        switch self {
        case .badRequest: return 400
        case .startLineTooLong: return 414
        case .headersTooLarge: return 431
        case .bodyTooLarge: return 413
        case .notImplemented: return 501
        case .versionNotSupported: return 505
        case .overloaded: return 503
        }
    }

    public var description: String {
        switch self {
        case .badRequest(let d): return d
        case .startLineTooLong: return "request line is longer than \(HTTPLimits.maxStartLine) bytes"
        case .headersTooLarge(let d): return d
        case .bodyTooLarge: return "body is larger than this path accepts"
        case .notImplemented(let d): return d
        case .versionNotSupported: return "only HTTP/1.0 and HTTP/1.1 are served"
        case .overloaded: return "the server is holding as many request bodies as it may; retry shortly"
        }
    }
}

/// Hard limits of the parser (RFC 9112 leaves them to the server).
public enum HTTPLimits {
    public static let maxStartLine = 8 * 1024
    public static let maxHeaderBytes = 32 * 1024
    public static let maxHeaderFields = 100
    public static let maxChunkExtension = 1024
    public static let maxTrailerBytes = 8 * 1024
}
