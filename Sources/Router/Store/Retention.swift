import HTTPServer

/// What one purge batch removed; `more` says another batch would find work now.
struct PurgeResult: Sendable, Equatable {
    var events = 0
    var attempts = 0
    var keys = 0
    var more = false
}

/// What a purge removes: events and attempts from before `events` (the retention), dedup keys
/// stored before `keys` (the dedup window), both wall-clock milliseconds.
struct PurgeCutoffs: Sendable {
    var events: Int64
    var keys: Int64
}

/// A store retention can purge: SQLite's through its writer, PostgreSQL's on a connection of its own.
protocol Purging: Sendable {
    /// One batch of at most `limit` of each; nil when the store is closing.
    func purge(_ cutoffs: PurgeCutoffs, limit: Int) -> PurgeResult?
}

extension SQLiteEventStore: Purging {}

/// Purges what `settings.retention` lets go, in small batches, without holding ingest up: one batch (`batch` events and as many old attempts) per writer turn, a pause
/// between batches, a pass at start and every `interval(retention)`. Reads the retention from the live table, so
/// a reload changes it.
final class Retention: Sendable {
    /// A batch holds the writer (ingest waits behind it): 500 events took the purge's p99 to ~13–15 ms
    /// against ~3 ms without it; 100 with 10 ms pauses, 5–7 ms at about the same purge rate (BENCHMARKS.md).
    static let batch = 100
    /// Between the batches of a pass that finds more to purge: short, so the purge outruns any ingest
    /// rate the router sustains (a batch still waits for the writer's turn). 10 ms capped it at ~8,500
    /// events/s, and the store of a router taking 18–22 k events/s grew without bound whatever the retention.
    static let pauseMilliseconds: Int64 = 1

    private let store: any Purging
    private let config: LiveConfig
    private let thread = StoppableThread()

    init(store: any Purging, config: LiveConfig) {
        self.store = store
        self.config = config
    }

    /// How often a pass runs: a quarter of the retention, between 250 ms and a minute.
    static func interval(_ retention: Int64) -> Int64 { min(max(retention / 4, 250), 60_000) }

    func start() {
        let retention = self
        thread.start(name: "retention") { retention.run() }
    }

    /// Stops between batches and returns when the thread is done; call before closing the store.
    func stop() { thread.stop() }

    /// A pass at start (a server that was down catches up at once), then one per interval.
    private func run() {
        repeat {
            var total = PurgeResult()
            while !thread.stopping {
                let now = WallClock.now().milliseconds, settings = config.table.settings
                let cutoffs = PurgeCutoffs(events: now - settings.retentionMilliseconds, keys: now - settings.dedupWindowMilliseconds)
                guard let result = store.purge(cutoffs, limit: Self.batch) else { return }
                total.events += result.events
                total.attempts += result.attempts
                total.keys += result.keys
                guard result.more, thread.sleep(Self.pauseMilliseconds) else { break }
            }
            if total.events > 0 || total.attempts > 0 || total.keys > 0 {
                Log.info("retention purged old events, attempts and dedup keys",
                         ["events": String(total.events), "attempts": String(total.attempts), "dedup_keys": String(total.keys),
                                                                      "retention_ms": String(config.table.settings.retentionMilliseconds)])
            }
        } while waitForNextPass()
    }

    /// Sleeps until the next pass is due, the interval recomputed from the live retention every second:
    /// a reload that shortens the retention (an operator making room on a filling disk) is purged within
    /// a second, not after the old interval (up to a minute). False once the thread is asked to stop.
    private func waitForNextPass() -> Bool {
        let started = MonotonicClock.milliseconds()
        while true {
            let due = started + Self.interval(config.table.settings.retentionMilliseconds)
            let now = MonotonicClock.milliseconds()
            if now >= due { return !thread.stopping }
            guard thread.sleep(min(due - now, 1000)) else { return false }
        }
    }

}
