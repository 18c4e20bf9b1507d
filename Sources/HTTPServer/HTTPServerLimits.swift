/// Timeouts and limits of the server; the defaults suit webhooks (small bodies, providers that retry).
public struct HTTPServerLimits: Sendable {
    /// From the first byte of a request until its head is complete (slow-header clients are cut off).
    public var headerTimeoutMilliseconds: Int64 = 10_000
    /// From the end of the head until the whole body is in (slow-body clients are cut off).
    public var bodyTimeoutMilliseconds: Int64 = 30_000
    /// An idle keep-alive connection is closed after this.
    public var keepAliveTimeoutMilliseconds: Int64 = 60_000
    /// A client that does not read its answer is dropped after this.
    public var writeTimeoutMilliseconds: Int64 = 30_000
    /// After a closing answer, how long the client's leftover bytes are drained before the socket closes.
    public var lingerTimeoutMilliseconds: Int64 = 2_000
    /// Connections beyond this are answered 503 and closed. Streaming connections (WebSocket, event
    /// streams) are not counted: their application bounds them.
    public var maxConnections = 4096
    /// Request bodies held in memory at once, all connections together (being received, or waiting for
    /// their answer). `max_body` bounds one body; this bounds their sum, which would otherwise be
    /// `max_connections × max_body` (4 GiB with the defaults) for clients that upload slowly. A request
    /// whose body would go over it is answered 503 with `Retry-After` (providers retry).
    public var maxBufferedBodyBytes = 256 << 20
    /// On shutdown, requests still running after this are abandoned.
    public var drainTimeoutMilliseconds: Int64 = 30_000

    public init() {}
}

/// What to do with a request once its head is known.
public enum HeadDecision {
    /// Read a body of at most `maxBody` bytes (413 beyond it), then call `handle`.
    case readBody(maxBody: Int)
    /// Answer now without reading the body.
    case respond(HTTPResponse)
    /// Keep the connection as a stream: `head` (a 101, or a 200 without a length) is written as is,
    /// then `open` makes the session that owns the connection from then on. Only for a request
    /// without a body.
    case stream(head: [UInt8], open: (StreamChannel) -> StreamSession)
}

/// The application side of the server. Both calls run on the server's loop thread.
public protocol HTTPHandler: AnyObject {
    /// Decides from the head alone (path, method, size, client) whether to read the body.
    func decide(_ head: HTTPRequestHead, remoteAddress: String) -> HeadDecision
    /// Handles a complete request: returns the answer now, or nil and answers later through `responder`
    /// (from any thread, exactly once).
    func handle(_ request: HTTPRequest, responder: Responder) -> HTTPResponse?
}
