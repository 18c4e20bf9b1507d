import Synchronization

/// The leases this router knows it holds and until when (as written to the database), so the engine
/// confirms before an attempt only what it is not sure of: a delivery its writer just stored, or its
/// engine claimed or renewed, is held for the lease's length without a round trip (each confirmation
/// was an autocommitted UPDATE, a WAL flush, per dispatch round). Shared by the writer thread (grants)
/// and the engine thread.
final class PGLeaseBook: Sendable {
    private let until = Mutex<[Int64: Int64]>([:])

    func grant(_ ids: some Sequence<Int64>, until time: Int64) {
        until.withLock { for id in ids { $0[id] = time } }
    }

    /// Of `ids`, those not known held until after `horizon`.
    func unsure(_ ids: [Int64], horizon: Int64) -> [Int64] {
        until.withLock { book in ids.filter { (book[$0] ?? .min) <= horizon } }
    }

    func revoke(_ ids: some Sequence<Int64>) {
        until.withLock { for id in ids { $0[id] = nil } }
    }

    /// Forgets leases ended by `now` (released, lost or expired), which bounds the book to what the
    /// router held during the last lease length.
    func prune(now: Int64) {
        until.withLock { $0 = $0.filter { $0.value > now } }
    }
}
