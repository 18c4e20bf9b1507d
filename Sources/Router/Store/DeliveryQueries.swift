import Rules

/// What the admin API and the `deliveries`/`replay` commands ask of a store, whichever it is:
/// `StoreQueries` on SQLite (deliveries partly derived from their events), `PGStoreQueries` on
/// PostgreSQL (every delivery has a row). One connection each, used by one thread at a time.
protocol DeliveryQueries {
    /// Deliveries newest first, at most `filter.limit`.
    func deliveries(_ filter: StoreQueries.Filter) throws -> [StoreQueries.DeliveryRow]
    func delivery(id: Int64) throws -> StoreQueries.DeliveryRow?
    /// Every attempt of a delivery, first to last.
    func attempts(of deliveryID: Int64) throws -> [StoreQueries.AttemptRow]
    /// A target's attempts, newest first, after `cursor`.
    func targetLog(target: String, after cursor: StoreQueries.LogCursor?, limit: Int) throws -> [StoreQueries.AttemptRow]
    /// The target names deliveries were made for (for "did you mean").
    func targetNames() throws -> [String]
    func stats(since: Int64) throws -> StoreQueries.StatsCounts
    /// Per minute (ms since the epoch / 60000) since `since`.
    func minutes(since: Int64) throws -> [Int64: StoreQueries.Minute]
    /// Puts the given deliveries back in the queue, due `now`, with a fresh retry budget.
    func replay(ids: [Int64], force: Bool, now: Timestamp) throws -> StoreQueries.ReplayResult
    /// Puts every delivery in `status` (of `target`, when given) back in the queue, due `now`.
    func replay(status: DeliveryStatus, target: String?, now: Timestamp) throws -> [Int64]
}

extension StoreQueries: DeliveryQueries {}
