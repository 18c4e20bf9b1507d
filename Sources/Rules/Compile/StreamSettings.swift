/// A stream target (`targets: { x: { stream: … } }`): events routed to it are pushed to the browsers
/// connected at `path` on the ingest listener (WebSocket, Server-Sent Events or long-poll) instead of
/// being sent to a URL. Nothing is delivered, retried or kept per client: a client that was away
/// catches up from the store, within `replayWindowMilliseconds`.
public struct StreamSettings: Sendable {
    /// Where clients connect, on the ingest listener.
    public let path: String
    /// Renders the group an event belongs to (a store, a user); nil: every event is in the group "".
    public let group: Template?
    /// How a client proves it may listen.
    public let auth: Auth
    /// How far back a reconnecting client is caught up from the store.
    public let replayWindowMilliseconds: Int64
    /// WebSocket ping, SSE comment: how often a quiet connection is shown to be alive.
    public let pingMilliseconds: Int64
    /// A WebSocket client that sends nothing (not even a pong) for this long is closed.
    public let idleTimeoutMilliseconds: Int64
    /// Messages waiting for one slow client at most; over it ordinary events are dropped first.
    public let queueMessages: Int
    /// Clients on this stream at most; the next is answered 503.
    public let maxClients: Int
    /// How long a long-poll request waits for an event before it is answered empty.
    public let pollMilliseconds: Int64

    public struct Auth: Sendable {
        /// HS256 tokens the operator's backend mints (`groups`, `exp`); several for key rotation.
        public let tokenSecrets: [Secret]
        /// Static tokens that grant every group (a backend or a dashboard of the operator).
        public let bearerTokens: [Secret]
        /// `auth: none`: anyone may listen to any group.
        public let open: Bool

        public init(tokenSecrets: [Secret], bearerTokens: [Secret], open: Bool) {
            self.tokenSecrets = tokenSecrets
            self.bearerTokens = bearerTokens
            self.open = open
        }
    }

    public init(path: String, group: Template?, auth: Auth, replayWindowMilliseconds: Int64 = 3_600_000, pingMilliseconds: Int64 = 30_000,
                idleTimeoutMilliseconds: Int64 = 75_000, queueMessages: Int = 256, maxClients: Int = 10_000, pollMilliseconds: Int64 = 25_000) {
        self.path = path
        self.group = group
        self.auth = auth
        self.replayWindowMilliseconds = replayWindowMilliseconds
        self.pingMilliseconds = pingMilliseconds
        self.idleTimeoutMilliseconds = idleTimeoutMilliseconds
        self.queueMessages = queueMessages
        self.maxClients = maxClients
        self.pollMilliseconds = pollMilliseconds
    }

    /// The group an event belongs to: the rendered text ("" when the template finds nothing).
    public func group(of event: Event) -> String {
        guard let group else { return "" }
        switch group.render(event) {
        case .string(let s): return s
        case .null: return ""
        case let v: return v.serialized
        }
    }
}

/// How urgent a route's events are for stream clients: a slow client loses `normal` ones first.
public enum Priority: String, Sendable {
    case normal
    case critical
}
