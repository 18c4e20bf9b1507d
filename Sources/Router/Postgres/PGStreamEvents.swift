import Rules

/// A stream replay's reads on the PostgreSQL store, on a connection of its own (reopened after a
/// failure). The events of every router are there, so a client resumes whichever router stored them.
final class PGStreamEvents: StreamEvents {
    private let session: PGSession
    private let codec: StoreCodec

    init(url: String, codec: StoreCodec) {
        session = PGSession(url: url)
        self.codec = codec
    }

    /// At start. A server not answering yet (the router starts anyway) leaves the live edge at 0: a
    /// client resuming before the first event is stored is told nothing more is there.
    func lastSeq() throws(PGError) -> Int64 {
        do {
            return Int64(try session.query("SELECT coalesce(max(seq), 0) FROM events").first?.first.flatMap { $0 } ?? "0") ?? 0
        } catch .unreachable {
            return 0
        } catch .statement(sqlState: "42P01", _) {
            return 0  // up since, but not migrated yet: the writer's first connection does it
        }
    }

    func range(after: Int64, upTo: Int64, limit: Int) throws(PGError) -> [(Int64, Result<StoredEvent, DeliveryReader.LoadError>)] {
        try session.query("SELECT \(PGDeliverySource.eventColumns) FROM events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3",
                          [String(after), String(upTo), String(limit)]).map { r in
            (Int64(r[0] ?? "0") ?? 0, PGDeliverySource.event(r, codec: codec))
        }
    }

    func firstSeq(receivedSince since: Int64) throws(PGError) -> Int64? {
        try session.query("SELECT min(seq) FROM events WHERE received_ms >= $1", [String(since)]).first?.first.flatMap { $0 }.flatMap { Int64($0) }
    }

    func lastSeq(after: Int64, before: Int64) throws(PGError) -> Int64? {
        try session.query("SELECT max(seq) FROM events WHERE seq > $1 AND seq < $2", [String(after), String(before)])
            .first?.first.flatMap { $0 }.flatMap { Int64($0) }
    }
}
