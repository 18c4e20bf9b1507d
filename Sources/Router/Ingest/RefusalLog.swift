import HTTPServer

/// Log lines for refused webhooks, 10 per source per 10 s: a provider still signing with a rotated
/// secret, or anyone posting garbage, gets an answer per request but not a line per request (the
/// refusals are all counted in `/metrics`). Loop thread only.
final class RefusalLog {
    private var budgets: [String: LogBudget] = [:]

    func emit(_ level: Log.Level, _ message: String, source: String, _ fields: KeyValuePairs<String, String>) {
        guard level >= Log.minimum else { return }
        var budget = budgets[source] ?? LogBudget(lines: 10, windowMilliseconds: 10_000)
        let take = budget.take(now: MonotonicClock.milliseconds())
        budgets[source] = budget
        if take.heldBefore > 0 {
            Log.emit(level, "webhooks refused without a line each (a source gets 10 lines in 10 s)",
                     ["source": source, "held_back": String(take.heldBefore)])
        }
        if take.write { Log.emit(level, message, fields) }
    }
}
