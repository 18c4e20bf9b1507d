import Rules

/// The admin API's own connections to the store, used on the admin loop thread only. On SQLite:
/// reads on a read-only connection (WAL lets it read beside the writer), replays on a writable one
/// through the CLI's SQL (`BEGIN IMMEDIATE` waits out the writer's batch through busy_timeout). On
/// PostgreSQL: one connection for both.
final class AdminStore {
    let reads: any DeliveryQueries
    let writes: any DeliveryQueries
    /// An event as stored, opened; nil when gone.
    private let event: (Int64) -> StoredEvent?

    init(path: String, codec: StoreCodec) throws(SQLiteError) {
        reads = StoreQueries(db: try SQLiteDatabase(path: path, readOnly: true))
        writes = StoreQueries(db: try SQLiteDatabase(path: path))
        let events = try DeliveryReader(path: path, codec: codec)
        event = { try? events.load(seq: $0) }
    }

    init(postgres url: String, codec: StoreCodec) {
        let queries = PGStoreQueries(url: url, codec: codec)
        reads = queries
        writes = queries
        event = { queries.event(seq: $0) }
    }

    /// Texts that must not reach an answer about this delivery: the event's `redact` values (read
    /// back from the store, unsealed) and the target's static header values and signing secret.
    /// A target's response or an error may echo them; `Redaction.scrub` masks them there.
    func secrets(source: String, eventSeq: Int64, target: String, table: RouteTable) -> [String] {
        var out: [String] = []
        if let t = table.targetIndex(named: target) {
            out += table.targets[t].headers.map(\.value)
            if case .hmacSHA256(let secret)? = table.targets[t].sign { out.append(secret.text) }
        }
        guard let s = table.sourceIndex(named: source), !table.sources[s].redact.isEmpty,
              let stored = event(eventSeq) else { return out }
        return out + Redaction.redact(stored.event(), paths: table.sources[s].redact).masked
    }
}
