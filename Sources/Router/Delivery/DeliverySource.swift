/// Where the delivery engine reads its work: due deliveries per target, deliveries to removed
/// targets, events by seq. SQLite's `DeliveryReader` and PostgreSQL's `PGDeliverySource` (which
/// also leases what it returns to this router).
protocol DeliverySource: AnyObject {
    /// One target's pending deliveries due by `horizon` after `cursor`, oldest first.
    func dueDeliveries(target: String, by horizon: Int64, after cursor: DueCursor, limit: Int) throws -> [QueuedDelivery]
    /// Pending deliveries whose target is none of `targets` (removed by a reload), due or not.
    func deliveries(notTo targets: [String], limit: Int) throws -> [QueuedDelivery]
    /// The events of `seqs` as stored, opened when sealed; a seq the store no longer holds is `.missing`.
    func load(seqs: [Int64]) -> [Int64: Result<StoredEvent, DeliveryReader.LoadError>]
    /// Of the deliveries about to be attempted, those this router may not attempt now: with several
    /// routers, the ones another holds the lease of (with one router, none).
    func notHeld(_ ids: [Int64], now: Int64) -> Set<Int64>
    /// How often the engine renews the leases of what it holds; nil when nothing is leased (one router).
    var leaseRenewalMilliseconds: Int64? { get }
    /// Renews the leases of `ids`, the deliveries the engine holds (queued or in flight).
    func renewLeases(_ ids: [Int64], now: Int64)
}

extension DeliveryReader: DeliverySource {
    func notHeld(_ ids: [Int64], now: Int64) -> Set<Int64> { [] }
    var leaseRenewalMilliseconds: Int64? { nil }
    func renewLeases(_ ids: [Int64], now: Int64) {}
}
