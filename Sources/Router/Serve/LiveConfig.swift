import Rules
import Synchronization

/// The table the server serves from. A reload swaps it in one step; a request keeps the table it
/// started with, so nothing in flight sees half of two configs.
final class LiveConfig: Sendable {
    private let state: Mutex<(table: RouteTable, generation: Int)>

    init(_ table: RouteTable) {
        state = Mutex((table, 1))
    }

    var table: RouteTable { state.withLock { $0.table } }
    var generation: Int { state.withLock { $0.generation } }

    /// Installs a new table; returns its generation.
    @discardableResult
    func swap(_ table: RouteTable) -> Int {
        state.withLock { s in
            s = (table, s.generation + 1)
            return s.generation
        }
    }
}
