/// A connection the application keeps after its request (a WebSocket, a Server-Sent Events stream):
/// the server hands it the bytes the client sends and writes what the application sends, and HTTP
/// framing no longer applies. Every call runs on the server's loop thread.
public protocol StreamSession: AnyObject {
    /// Bytes the client sent (the ones after the request head included); returns how many were used,
    /// the rest is handed again with the next bytes.
    func received(_ bytes: UnsafeBufferPointer<UInt8>) -> Int
    /// The connection's output fell to or below `StreamChannel.lowWater`: the session may send more.
    func drained()
    /// Called about every 250 ms, for pings and idle timeouts.
    func tick(now: Int64)
    /// The server is stopping: say so to the client if the protocol can, and close the channel.
    func shutdown()
    /// The connection is gone, whichever side closed it. Called once; the channel is closed by then.
    func closed()
}

/// The sending side of a streaming connection, for its session. Loop thread only.
public final class StreamChannel {
    /// Output still buffered in the server (not yet taken by the kernel) at or below which `drained()` runs.
    public static let lowWater = 64 << 10

    weak var server: HTTPServer?
    let fd: Int32
    let generation: UInt32
    public let remoteAddress: String
    public private(set) var isOpen = true

    init(server: HTTPServer, fd: Int32, generation: UInt32, remoteAddress: String) {
        self.server = server
        self.fd = fd
        self.generation = generation
        self.remoteAddress = remoteAddress
    }

    /// Queues bytes and writes what the socket takes now. Ignored once closed.
    public func send(_ bytes: [UInt8]) {
        guard isOpen else { return }
        server?.streamSend(self, bytes)
    }

    /// Bytes sent but not yet taken by the kernel; a session stops sending above `lowWater` and waits for `drained()`.
    public var pendingBytes: Int { isOpen ? server?.streamPending(self) ?? 0 : 0 }

    /// Sends what is queued, then closes (the client's late bytes are read and dropped briefly).
    public func close() {
        guard isOpen else { return }
        server?.streamClose(self)
    }

    func markClosed() { isOpen = false }
}
