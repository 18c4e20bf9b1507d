import Rules

/// The admin listener's live feed of every stored event (`GET /api/events/live`, Server-Sent
/// Events behind the admin token): the operator console's live tail. Summaries only — source, type,
/// ids, targets — never a body. A stream hub of its own on the admin loop, resumable like any stream.
enum AdminFeed {
    static let stream = "admin-feed"
    static let path = "/api/events/live"
    static let settings = StreamSettings(path: path, group: nil, auth: .init(tokenSecrets: [], bearerTokens: [], open: true),
                                         queueMessages: 1000, maxClients: 64)

    /// The feed's message for a stored event, when anyone listens (none built otherwise).
    static func publish(_ hub: StreamHub, seq: Int64, summary: StreamPush?) {
        if let summary { hub.publish(seq: seq, pushes: [summary]) }
    }

    static func summary(_ hub: StreamHub, event: Event, matches: [RouteTable.Match], table: RouteTable) -> StreamPush? {
        hub.hasClients ? StreamPush.summary(of: event, matches: matches, table: table, stream: stream) : nil
    }
}
